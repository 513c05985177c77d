// The backends open_storage knows, by name and URL scheme.
#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <mutex>

#include "spoke/storage.h"
#include "storage/backends.h"
#include "storage/timed_store.h"

namespace spoke {
namespace {

Result<Storage> open_embedded(const std::string& root) {
  std::error_code ec;
  std::filesystem::create_directories(root, ec);
  if (ec) {
    return Status::Internal(fmt::format("cannot create data directory {}: {}", root, ec.message()),
                            reason::kStorageError);
  }
  Storage storage;
  auto metadata = open_sqlite_metadata_store((std::filesystem::path(root) / "spoke.db").string());
  if (!metadata.ok()) return metadata.status();
  auto blobs = open_filesystem_blob_store((std::filesystem::path(root) / "blobs").string());
  if (!blobs.ok()) return blobs.status();
  storage.metadata = std::move(metadata).value();
  storage.blobs = std::move(blobs).value();
  return storage;
}

std::vector<StorageBackend> builtin_backends() {
  std::vector<StorageBackend> out;
  out.push_back({"sqlite",
                 {"filesystem"},
                 "SQLite metadata and blob files under one data directory (the default)",
                 [](const StorageOptions& options) -> Result<Storage> {
                   auto dir = internal::embedded_directory(options);
                   if (!dir.ok()) return dir.status();
                   return open_embedded(dir.value());
                 },
                 ""});
  out.push_back({"memory",
                 {},
                 "nothing persisted (tests and experiments)",
                 [](const StorageOptions&) -> Result<Storage> {
                   Storage storage;
                   storage.metadata = make_memory_metadata_store();
                   storage.blobs = make_memory_blob_store();
                   return storage;
                 },
                 ""});
  out.push_back(internal::postgres_backend());
  return out;
}

struct BackendRegistry {
  std::mutex mu;
  std::vector<StorageBackend> backends = builtin_backends();
};

BackendRegistry& backend_registry() {
  static BackendRegistry registry;
  return registry;
}

std::string describe_known(const std::vector<StorageBackend>& backends) {
  std::vector<std::string> parts;
  for (const auto& b : backends) {
    std::string part = b.name;
    if (!b.aliases.empty()) part += fmt::format(" (also {})", fmt::join(b.aliases, ", "));
    if (!b.unavailable.empty()) part += fmt::format(" [{}]", b.unavailable);
    parts.push_back(std::move(part));
  }
  return fmt::format("{}", fmt::join(parts, "; "));
}

}  // namespace

// "sqlite:DIR" and "sqlite:///abs/dir" name DIR; "sqlite://" with a host is refused. Without a
// URL: the root.
Result<std::string> internal::embedded_directory(const StorageOptions& options) {
  std::string scheme =
      options.url.empty() ? options.type : options.url.substr(0, options.url.find(':'));
  if (scheme != "sqlite" && scheme != "filesystem") {
    return Status::InvalidArgument(
        fmt::format("storage \"{}\" is not the embedded SQLite storage", scheme),
        reason::kNotEmbeddedStorage);
  }
  std::string dir = options.root;
  if (!options.url.empty()) {
    dir = options.url.substr(options.url.find(':') + 1);
    if (dir.starts_with("//")) {
      dir = dir.substr(2);
      if (!dir.starts_with("/")) {
        return Status::InvalidArgument(
            fmt::format("sqlite URL \"{}\" names a host; use sqlite:DIR or sqlite:///abs/dir",
                        options.url),
            reason::kInvalidStorageUrl);
      }
    }
  }
  if (dir.empty()) {
    return Status::InvalidArgument("sqlite storage needs a directory", reason::kInvalidStorageUrl);
  }
  return dir;
}

#ifndef SPOKE_HAVE_POSTGRES
StorageBackend internal::postgres_backend() {
  StorageBackend b;
  b.name = "postgres";
  b.aliases = {"postgresql"};
  b.description = "PostgreSQL";
  b.unavailable =
      "not built into this libspoke (configure with -Dpostgres=enabled and libpqxx-dev installed)";
  return b;
}
#endif

void register_storage_backend(StorageBackend backend) {
  auto& registry = backend_registry();
  std::lock_guard lock(registry.mu);
  auto it = std::find_if(registry.backends.begin(), registry.backends.end(),
                         [&](const StorageBackend& b) { return b.name == backend.name; });
  if (it != registry.backends.end()) {
    *it = std::move(backend);
  } else {
    registry.backends.push_back(std::move(backend));
  }
}

std::vector<StorageBackend> storage_backends() {
  auto& registry = backend_registry();
  std::lock_guard lock(registry.mu);
  return registry.backends;
}

Result<Storage> open_storage(const StorageOptions& options) {
  // A URL names the backend by its scheme; without one, `type` does.
  std::string key = options.type;
  if (!options.url.empty()) {
    auto colon = options.url.find(':');
    if (colon == std::string::npos || colon == 0) {
      auto known = storage_backends();
      return Status::InvalidArgument(fmt::format("storage URL \"{}\" has no scheme; known: {}",
                                                 options.url, describe_known(known)),
                                     reason::kUnknownStorageType);
    }
    key = options.url.substr(0, colon);
  }
  auto backends = storage_backends();
  for (const auto& b : backends) {
    if (b.name != key && std::find(b.aliases.begin(), b.aliases.end(), key) == b.aliases.end()) {
      continue;
    }
    if (!b.unavailable.empty()) {
      return Status::InvalidArgument(fmt::format("storage \"{}\": {}", key, b.unavailable),
                                     reason::kStorageBackendNotBuilt);
    }
    auto storage = b.open(options);
    if (!storage.ok()) return storage;
    // Every operation timed into the library's metrics.
    storage->metadata = internal::timed(std::move(storage->metadata));
    storage->blobs = internal::timed(std::move(storage->blobs));
    return storage;
  }
  return Status::InvalidArgument(
      fmt::format("unknown storage type \"{}\"; known types: {}", key, describe_known(backends)),
      reason::kUnknownStorageType);
}

}  // namespace spoke
