#pragma once

// Walking a whole metadata store: every module and every version. Private to libspoke.

#include <cstdint>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke::internal {

struct VersionKey {
  std::string module;
  std::string version;
  std::int64_t sequence;
};

// Every module (by name), and every version in push order.
Status list_everything(MetadataStore& store, std::vector<Module>* modules,
                       std::vector<VersionKey>* versions);

}  // namespace spoke::internal
