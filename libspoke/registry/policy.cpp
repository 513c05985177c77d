#include "registry/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace spoke::internal {
std::vector<std::string> versions_to_check(const std::vector<VersionRef>& refs,
                                           const VersionId& pushed, bool transitive) {
  std::vector<VersionRef> earlier;
  for (const auto& r : refs) {
    if (r.version == pushed.raw) continue;
    if (pushed.kind == VersionId::Kind::kCommit) {
      earlier.push_back(r);  // every version pushed before a commit id counts as earlier
      continue;
    }
    auto id = parse_version(r.version);
    if (id.ok() && id->kind == VersionId::Kind::kSemVer &&
        compare_semver(id->semver, pushed.semver) < 0) {
      earlier.push_back(r);
    }
  }
  std::vector<std::string> out;
  if (earlier.empty()) return out;
  if (pushed.kind == VersionId::Kind::kCommit) {
    // Commit ids have no order of their own: the latest pushed is the previous one.
    std::sort(earlier.begin(), earlier.end(),
              [](const VersionRef& a, const VersionRef& b) { return a.sequence < b.sequence; });
  } else {
    sort_newest_first(earlier);
    std::reverse(earlier.begin(), earlier.end());
  }
  if (!transitive) return {earlier.back().version};
  for (const auto& r : earlier) out.push_back(r.version);
  return out;
}

BreakingCheck policy_check(const ModulePolicy& policy) {
  BreakingCheck check;
  check.compatibility = policy.compatibility;
  check.rules.ignore_unstable_packages = policy.ignore_unstable_packages;
  check.rules.list_changes = false;
  check.transitive = policy.transitive;
  return check;
}

}  // namespace spoke::internal
