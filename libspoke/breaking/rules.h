#pragma once

// The rule catalogue's internal interface (rules.cpp), for check_breaking. Not installed.

#include <google/protobuf/descriptor.h>

#include <set>
#include <string>
#include <vector>

#include "spoke/breaking.h"

namespace spoke::breaking_internal {

// The deprecation notices buf prints for deprecated rule IDs in `use` and `except`.
std::vector<std::string> deprecation_warnings(const BreakingOptions& options);

// The rule IDs a use/except entry names (a category's rules; a deprecated rule's replacements);
// InvalidArgument("unknown_rule") when the version has no such rule or category.
Result<std::set<std::string>> expand_rule(const std::string& version, const std::string& entry);

// A file option whose changes buf reports, and the rule that reports them.
struct ComparedFileOption {
  const google::protobuf::FieldDescriptor* field;  // of FileOptions
  std::string rule;                                // FILE_SAME_<FIELD NAME>: FILE_SAME_GO_PACKAGE
};

// The file options the rules FILE_SAME_CC_ENABLE_ARENAS ... FILE_SAME_SWIFT_PREFIX compare, sorted
// by name.
const std::vector<ComparedFileOption>& compared_file_options();

}  // namespace spoke::breaking_internal
