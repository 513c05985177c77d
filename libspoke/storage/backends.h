#pragma once

// Built-in storage backends that live in files of their own.

#include "spoke/storage.h"

namespace spoke::internal {

// PostgreSQL (libpqxx). When this libspoke was built without it, an entry saying so.
StorageBackend postgres_backend();

}  // namespace spoke::internal
