#pragma once

#include <string>

#include "format/syntax_tree.h"
#include "format/tokens.h"
#include "spoke/status.h"

namespace spoke::format {

// Prints `tree` (parsed from `file`) as buf's formatter (private/buf/bufformat/formatter.go)
// prints it, decision for decision. Internal (reason "format_internal") only when the formatter
// would unindent below zero, which buf reports as an internal error too.
Status print_proto(const LexedFile& file, const FileNode& tree, std::string* out);

}  // namespace spoke::format
