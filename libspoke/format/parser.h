#pragma once

#include <string>

#include "format/syntax_tree.h"
#include "format/tokens.h"
#include "spoke/status.h"

namespace spoke::format {

// Parses the tokens of `file` (proto2, proto3 or editions syntax) into a tree whose nodes live in
// `arena`. InvalidArgument (reason "proto_syntax_error") with a located Diagnostic at the first
// token the grammar does not allow. Only the grammar is checked: a file that parses may still
// fail to link (unknown types, duplicate numbers, ...).
Status parse_proto(const LexedFile& file, const std::string& path, Arena& arena, FileNode* out);

}  // namespace spoke::format
