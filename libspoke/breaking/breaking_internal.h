#pragma once

// Shared by the breaking component's sources; not installed.

#include <google/protobuf/descriptor.h>

#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "spoke/breaking.h"

namespace spoke::breaking_internal {

// The deprecation notices buf prints for deprecated rule IDs in `use` and `except`.
std::vector<std::string> deprecation_warnings(const BreakingOptions& options);

// The rule IDs a use/except entry names (a category's rules; a deprecated rule's replacements);
// InvalidArgument("unknown_rule") when the version has no such rule or category.
Result<std::set<std::string>> expand_rule(const std::string& version, const std::string& entry);

// The source path of a declaration ({4, 0, 2, 1}: field 1 of message 0).
std::vector<int> source_path(const google::protobuf::Descriptor* d);
std::vector<int> source_path(const google::protobuf::FieldDescriptor* d);
std::vector<int> source_path(const google::protobuf::OneofDescriptor* d);
std::vector<int> source_path(const google::protobuf::EnumDescriptor* d);
std::vector<int> source_path(const google::protobuf::EnumValueDescriptor* d);
std::vector<int> source_path(const google::protobuf::ServiceDescriptor* d);
std::vector<int> source_path(const google::protobuf::MethodDescriptor* d);

// Where `path` is declared in `file` (1-based, end exclusive as buf prints it); nullopt when the
// file has no location for it.
struct Span {
  int start_line = 1, start_column = 1, end_line = 1, end_column = 1;
};

// Finds declarations in the files of one schema, by the parser's SourceCodeInfo (built with
// SchemaOptions::interpreted_source_info for options to be found), else by the pool's. The first
// location of a path wins, as buf reads them. Not thread-safe.
class Locator {
 public:
  explicit Locator(const Schema& schema) : schema_(schema) {}
  std::optional<Span> find(const google::protobuf::FileDescriptor* file,
                           const std::vector<int>& path) const;

 private:
  const Schema& schema_;
  mutable std::unordered_map<std::string, std::unordered_map<std::string, Span>> raw_;
};

// True for a package whose last component (of two or more) is v1alpha1, v2beta, v1test,
// v1p1beta1, ...: what ignore_unstable_packages ignores.
bool is_unstable_package(const std::string& package);

// `full_name` without the file's package: the name buf calls "nested name" ("Outer.Inner").
std::string nested_name(const std::string& full_name, const std::string& package);

}  // namespace spoke::breaking_internal
