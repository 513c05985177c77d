#pragma once

// Every difference between two schemas, breaking or not. Not installed.

#include <vector>

#include "breaking/schema_index.h"
#include "spoke/breaking.h"

namespace spoke::breaking_internal {

// Elements added and deleted (matched as the rules match them), and changed options and comments
// of elements present in both, sorted by path, line and column.
std::vector<SchemaChange> list_changes(const SchemaIndex& before, const SchemaIndex& after);

}  // namespace spoke::breaking_internal
