#pragma once

// What components inside libspoke built on the registry (compile jobs) may reach that the public
// API does not offer: the stores. Front-ends and embedders go through Registry's methods.

#include "spoke/registry.h"
#include "spoke/storage.h"

namespace spoke::internal {

class RegistryAccess {
 public:
  static MetadataStore& metadata(Registry& registry);
  static BlobStore& blobs(Registry& registry);
};

}  // namespace spoke::internal
