#pragma once

// The locations of options and default values as protoc and buf write them, rewritten from those
// the parser records (SchemaOptions::interpreted_source_info). Not installed.

#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <string>

#include "proto/source_path.h"

namespace spoke::proto_internal {

// Rewrites `info`, the parser's SourceCodeInfo of `proto` (parsed from `text`), as protoc writes
// it once it has interpreted the options: a standard option (a single, non-extension name part
// naming a singular field of its options message) is located by the option set ({8, 11}:
// go_package) instead of by its place among the uninterpreted options ({8, 999, 0}: the file's
// first option), without the locations of its name parts and value. Custom options keep the
// parser's form. Spans of default values then start at the `default` keyword, where buf locates
// them, rather than at the value, where protoc does.
void interpret_option_locations(const google::protobuf::FileDescriptorProto& proto,
                                const std::string& text, google::protobuf::SourceCodeInfo& info);

// Path of an uninterpreted option's location -> the path protoc gives it once interpreted.
using OptionPlan = std::map<SourcePath, SourcePath>;

// What protoc's interpretation of the options of `proto` (as parsed, options uninterpreted;
// linked in `pool`) does to their locations beyond what interpret_option_locations does: custom
// options (extensions, resolved as protoc resolves their names), options named by several parts
// and repeated options, each located by the path of the field it sets (and its index).
OptionPlan protoc_option_plan(const google::protobuf::FileDescriptorProto& proto,
                              const google::protobuf::DescriptorPool& pool);
// Rewrites the locations `plan` names to their interpreted paths and drops the locations inside
// them (option name parts, values), as protoc does.
void apply_option_plan(const OptionPlan& plan, google::protobuf::SourceCodeInfo& info);

// The spans of default values in `info` (of a file whose source is `text`) moved from the value,
// where protoc locates them, to the `default` keyword, where buf does; and back.
void locate_defaults_at_keyword(const std::string& text, google::protobuf::SourceCodeInfo& info);
void locate_defaults_at_value(const std::string& text, google::protobuf::SourceCodeInfo& info);

// True when a field or extension of `proto` has a default value (only such files have locations
// that differ between protoc's form and buf's).
bool has_default_values(const google::protobuf::FileDescriptorProto& proto);

}  // namespace spoke::proto_internal
