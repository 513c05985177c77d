#pragma once

// Built-in storage backends that live in files of their own.

#include "spoke/storage.h"

namespace spoke::internal {

// The data directory of the embedded SQLite storage `options` names (by URL, or by type and
// root). InvalidArgument("invalid_storage_url") for a malformed sqlite URL, and
// InvalidArgument("not_embedded_storage") for another backend.
Result<std::string> embedded_directory(const StorageOptions& options);

// PostgreSQL (libpqxx). When this libspoke was built without it, an entry saying so.
StorageBackend postgres_backend();

}  // namespace spoke::internal
