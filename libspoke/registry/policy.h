#pragma once

// Breaking-change policies of modules: which compatibilities exist, which earlier versions a push
// is compared with, and the comparison itself. Private to libspoke.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/model.h"
#include "spoke/registry_types.h"
#include "spoke/schema.h"

namespace spoke::internal {

// The versions among `refs` a push of `pushed` is compared with, oldest first: the previous one
// in semver order (for a commit id, the latest pushed), or with `transitive` every earlier one.
std::vector<std::string> versions_to_check(const std::vector<VersionRef>& refs,
                                           const VersionId& pushed, bool transitive);

// The comparison a module's policy asks for (compatibility normalized).
BreakingCheck policy_check(const ModulePolicy& policy);

// A push's schema under its module's lint policy: OK without findings, or when forced by a caller
// allowed to (PushRequest::may_force_lint); otherwise Unprocessable("lint_failed"), or
// PermissionDenied("forbidden") naming the admin role, with the findings.
Status check_lint_policy(const Schema& schema, const LintConfig& policy,
                         const PushRequest& request);

// `config` as a module's lint policy: checked as the body of PUT /modules/{name}/config is
// (InvalidArgument "unknown_rule" / "invalid_config"), on buf.yaml v2's rule set.
Result<LintConfig> checked_lint_policy(const LintConfig& config);

}  // namespace spoke::internal
