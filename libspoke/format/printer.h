#pragma once

#include <string>

#include "format/syntax_tree.h"
#include "format/tokens.h"
#include "spoke/status.h"

namespace spoke::format {

// Prints `tree` (parsed from `file`) as `buf format` (buf 1.75) prints it. Internal (reason
// "format_internal") only when the layout would unindent below zero, which buf's formatter reports
// as an internal error too.
Status print_proto(const LexedFile& file, const FileNode& tree, std::string* out);

}  // namespace spoke::format
