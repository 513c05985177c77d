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

// The compatibility `text` names, upper case ("wire_json" -> "WIRE_JSON"); nullopt when it is
// neither a buf category, a Confluent level nor NONE.
std::optional<std::string> normalize_compatibility(std::string_view text);

// InvalidArgument("invalid_compatibility") naming `text` and listing the allowed values.
Status invalid_compatibility(std::string_view text);

// The versions among `refs` a push of `pushed` is compared with, oldest first: the previous one
// in semver order (for a commit id, the latest pushed), or with `transitive` every earlier one.
std::vector<std::string> versions_to_check(const std::vector<VersionRef>& refs,
                                           const VersionId& pushed, bool transitive);

// How schemas are linked for a comparison (locations of options as buf reports them).
SchemaOptions breaking_schema_options();

// The breaking changes of `candidate` against each schema of `earlier` (oldest first) under
// `policy` (compatibility normalized and not NONE), sorted and without duplicates.
Result<std::vector<BreakingFinding>> check_policy(const ModulePolicy& policy,
                                                  const std::vector<const Schema*>& earlier,
                                                  const Schema& candidate);

}  // namespace spoke::internal
