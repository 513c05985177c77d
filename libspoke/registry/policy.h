#pragma once

// Breaking-change policies of modules: which compatibilities exist, which earlier versions a push
// is compared with, and the comparison itself. Private to libspoke.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/model.h"
#include "spoke/schema.h"

namespace spoke::internal {

// The versions among `refs` a push of `pushed` is compared with, oldest first: the previous one
// in semver order (for a commit id, the latest pushed), or with `transitive` every earlier one.
std::vector<std::string> versions_to_check(const std::vector<VersionRef>& refs,
                                           const VersionId& pushed, bool transitive);

// The comparison a module's policy asks for (compatibility normalized).
BreakingCheck policy_check(const ModulePolicy& policy);

}  // namespace spoke::internal
