#include <fmt/format.h>

#include <filesystem>

#include "spoke/storage.h"

namespace spoke {

Result<Storage> open_storage(const StorageOptions& options) {
  Storage storage;
  if (options.type == "memory") {
    storage.metadata = make_memory_metadata_store();
    storage.blobs = make_memory_blob_store();
    return storage;
  }
  if (options.type == "sqlite" || options.type == "filesystem") {
    std::error_code ec;
    std::filesystem::create_directories(options.root, ec);
    if (ec) {
      return Status::Internal(
          fmt::format("cannot create data directory {}: {}", options.root, ec.message()),
          reason::kStorageError);
    }
    auto metadata =
        open_sqlite_metadata_store((std::filesystem::path(options.root) / "spoke.db").string());
    if (!metadata.ok()) return metadata.status();
    auto blobs =
        open_filesystem_blob_store((std::filesystem::path(options.root) / "blobs").string());
    if (!blobs.ok()) return blobs.status();
    storage.metadata = std::move(metadata).value();
    storage.blobs = std::move(blobs).value();
    return storage;
  }
  return Status::InvalidArgument(
      fmt::format("unknown storage type \"{}\"; known types: sqlite (default), filesystem (same as "
                  "sqlite), memory",
                  options.type),
      reason::kUnknownStorageType);
}

}  // namespace spoke
