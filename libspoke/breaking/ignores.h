#pragma once

// Which findings of a comparison are dropped: BreakingOptions::ignore, ignore_only and
// ignore_unstable_packages. Not installed.

#include <map>
#include <string>
#include <vector>

#include "spoke/breaking.h"

namespace spoke::breaking_internal {

class Ignores {
 public:
  // InvalidArgument("unknown_rule") when ignore_only names a rule or category the config version
  // does not have.
  static Result<Ignores> make(const BreakingOptions& options);

  // True when a finding of `rule` that concerns `path`, a file of `schema`, is dropped; never for
  // an empty path.
  bool ignored(const std::string& rule, const std::string& path, const Schema& schema) const;

 private:
  std::vector<std::string> ignore_;
  std::map<std::string, std::vector<std::string>> ignore_only_;  // rule ID -> paths
  bool ignore_unstable_packages_ = false;
};

// True for a package whose last component (of two or more) is v1alpha1, v2beta, v1test,
// v1p1beta1, ...: what ignore_unstable_packages ignores.
bool is_unstable_package(const std::string& package);

}  // namespace spoke::breaking_internal
