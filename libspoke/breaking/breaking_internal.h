#pragma once

// Shared by the breaking component's sources; not installed.

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

// True for a package whose last component (of two or more) is v1alpha1, v2beta, v1test,
// v1p1beta1, ...: what ignore_unstable_packages ignores.
bool is_unstable_package(const std::string& package);

// `full_name` without the file's package: the name buf calls "nested name" ("Outer.Inner").
std::string nested_name(const std::string& full_name, const std::string& package);

}  // namespace spoke::breaking_internal
