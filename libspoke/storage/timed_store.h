#pragma once

// Stores that time every operation of the store they wrap into
// spoke_storage_operation_duration_seconds{store, operation}, and count the ones that failed
// because the storage did not answer (spoke_storage_unavailable_total). open_storage wraps every
// backend in them. Every method forwards: a method added to MetadataStore or BlobStore must be
// forwarded here too.

#include <memory>

#include "spoke/storage.h"

namespace spoke::internal {

std::unique_ptr<MetadataStore> timed(std::unique_ptr<MetadataStore> inner);
std::unique_ptr<BlobStore> timed(std::unique_ptr<BlobStore> inner);

}  // namespace spoke::internal
