#pragma once

// The syntax tree of linked .proto files as JSON: every declaration with its resolved names,
// its options, its comments and where it is in the source.

#include <nlohmann/json.hpp>

#include <string>

#include "spoke/schema.h"

namespace spoke {

// The tree of one linked file of `schema`, or null when `path` is not in its pool:
//
//   {"path", "syntax" ("proto2" | "proto3"), "package", "span", "syntax_location",
//    "package_location", "imports": [{"path", "public", "weak", <location>}], "options",
//    "messages", "enums", "services", "extensions"}
//
// Each declaration (message, field, oneof, enum, enum value, service, method, extension, import)
// carries <location>: "span" ({"start_line", "start_column", "end_line", "end_column"}, 1-based,
// end column exclusive; null when the parser recorded none, as for map entry messages),
// "leading_comments" and "trailing_comments" (the raw comment text, or null) and
// "leading_detached_comments" (an array of raw comment texts). "syntax_location" and
// "package_location" are such a <location> object of their statement, or null without one.
// "options" is always an object of the options that are set, custom options included under
// "(full.name)". Type names are fully qualified, without a leading dot. Strings that are not
// valid UTF-8 have each bad byte replaced by U+FFFD.
nlohmann::json file_ast_json(const Schema& schema, const std::string& path);

// {"files": [...]}: file_ast_json of each of schema.target_files() in that order, leaving out
// targets that did not link.
nlohmann::json schema_ast_json(const Schema& schema);

}  // namespace spoke
