#pragma once

// One finding as a JSON object, the fields buf's --error-format json writes in its order: for
// `spoke breaking --error-format json` (an ordered_json) and the REST mapping (a json).

#include "spoke/breaking.h"

namespace spoke::internal {

template <class Json>
Json finding_json(const BreakingFinding& f) {
  Json j = Json::object();
  if (!f.path.empty()) j["path"] = f.path;
  j["start_line"] = f.start_line;
  j["start_column"] = f.start_column;
  j["end_line"] = f.end_line;
  j["end_column"] = f.end_column;
  j["type"] = f.type;
  j["message"] = f.message;
  return j;
}

}  // namespace spoke::internal
