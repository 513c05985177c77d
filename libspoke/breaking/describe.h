#pragma once

// How buf's breaking rules name things in their messages: quoted strings, fields, syntaxes and
// the features editions resolve for proto2 and proto3 files. Not installed.

#include <google/protobuf/descriptor.h>

#include <string>
#include <vector>

namespace spoke::breaking_internal {

namespace pb = google::protobuf;

// `s` in double quotes, with quotes, backslashes and control characters escaped.
std::string quote(const std::string& s);
// Each of `v` quoted, separated by ", ".
std::string join_quoted(const std::vector<std::string>& v);

// `Field "1" with name "x" on message "M"` (an extension: `Extension "1" with name "pkg.x" on
// message "pkg.M"`); without `with name ...` when `name` is empty.
std::string field_description_with_name(const pb::FieldDescriptor* f, const std::string& name);
// The same with the field's name (an extension's full name).
std::string field_description(const pb::FieldDescriptor* f);

// "proto2" or "proto3".
std::string syntax_name(const pb::FileDescriptor* f);

// Features as editions resolve them for proto2 and proto3 files: enums of proto2 files are
// closed; json_format is "ALLOW" in proto3 files, else "LEGACY_BEST_EFFORT"; utf8_validation is
// "VERIFY" in proto3 files, else "NONE".
bool is_closed(const pb::EnumDescriptor* e);
std::string json_format(const pb::FileDescriptor* f);
std::string utf8_validation(const pb::FileDescriptor* f);

}  // namespace spoke::breaking_internal
