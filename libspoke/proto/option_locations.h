#pragma once

// The locations of options and default values as protoc and buf write them, rewritten from those
// the parser records (SchemaOptions::interpreted_source_info). Not installed.

#include <google/protobuf/descriptor.pb.h>

#include <string>

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

}  // namespace spoke::proto_internal
