#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

// A module with the references of all its versions, as listed.
struct ModuleRecord {
  Module module;
  std::vector<VersionRef> versions;
};

// Metadata about modules and versions. Implementations are thread-safe.
// Every method reports storage failures as Unavailable/Internal, never throws.
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // OK when the store answers a trivial query.
  virtual Status ping() = 0;

  // Inserts `module` unless one of that name exists. Returns true when inserted.
  virtual Result<bool> create_module(const Module& module) = 0;
  // NotFound when absent.
  virtual Result<Module> get_module(const std::string& name) = 0;
  // Sets the description and updated_at. NotFound when absent.
  virtual Status update_module(const std::string& name, const std::string& description,
                               Timestamp updated_at) = 0;
  // Modules ordered by name, names strictly after `after` (empty: from the start), at most
  // `limit`, each with its version references.
  virtual Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                         std::size_t limit) = 0;

  // All versions of a module (unordered). NotFound when the module is absent.
  virtual Result<std::vector<VersionRef>> list_versions(const std::string& module) = 0;
  // The version's metadata with its files' paths, digests and sizes (no contents).
  // NotFound when absent.
  virtual Result<Version> get_version(const std::string& module, const std::string& version) = 0;
  // One file's metadata (no content). NotFound when absent.
  virtual Result<File> get_file(const std::string& module, const std::string& version,
                                const std::string& path) = 0;

  // Every (module, version) holding a file at `path`: the path index used to infer which module
  // an import comes from.
  virtual Result<std::vector<std::pair<std::string, std::string>>> find_path(
      const std::string& path) = 0;

  // In one transaction: creates `module_if_missing` when there is no such module, then inserts
  // the version with its files and dependencies, assigning `sequence`. Conflict("version_exists")
  // when the version exists; nothing is written then.
  virtual Result<Version> insert_version(const Module& module_if_missing, Version version) = 0;

  // ---- compile jobs and artifacts ----
  // Conflict("job_exists") when the id is taken.
  virtual Status insert_job(const CompileJob& job) = 0;
  // NotFound("job_not_found") when absent.
  virtual Result<CompileJob> get_job(const std::string& id) = 0;
  // Replaces the stored job of that id. NotFound when absent.
  virtual Status update_job(const CompileJob& job) = 0;
  // The jobs of one version, newest first.
  virtual Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                                    const std::string& version) = 0;
  // Jobs in any of `statuses`, oldest first (to resume work after a restart).
  virtual Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) = 0;
  // Inserts the artifact unless one with its key exists (then a no-op).
  virtual Status put_artifact(const Artifact& artifact) = 0;
  // NotFound("artifact_not_found") when absent.
  virtual Result<Artifact> get_artifact(const std::string& key) = 0;

  // ---- module configuration ----
  // The stored configuration, or nullopt when none was set. NotFound when the module is absent.
  virtual Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) = 0;
  // NotFound when the module is absent.
  virtual Status put_module_policy(const std::string& module, const ModulePolicy& config) = 0;
};

// Content-addressed bytes. Keys are "sha256:<hex>" digests of the content.
// Implementations are thread-safe; put is idempotent and atomic (a reader sees all or nothing).
class BlobStore {
 public:
  virtual ~BlobStore() = default;
  virtual Status ping() = 0;
  virtual Status put(const std::string& digest, std::string_view content) = 0;
  // Stores every (digest, content) pair; when it returns OK all of them are durable. Backends
  // may make this much cheaper than one put each (one flush for the batch instead of one per
  // blob). On error, some blobs may be stored: blobs are immutable and addressed by content, so
  // a retry is safe and nothing points at a partial set.
  virtual Status put_many(const std::vector<std::pair<std::string, std::string_view>>& blobs) {
    for (const auto& [digest, content] : blobs) {
      if (Status s = put(digest, content); !s.ok()) return s;
    }
    return Status::OK();
  }
  // NotFound when absent.
  virtual Result<std::string> get(const std::string& digest) = 0;
  virtual Result<bool> exists(const std::string& digest) = 0;
};

// Where and how to store. `type` names a backend: "sqlite" (the embedded default; "filesystem"
// is accepted as the same), or "memory" (nothing persisted; for tests and experiments).
struct StorageOptions {
  std::string type = "sqlite";
  std::string root = "./data";  // data directory for embedded backends
};

struct Storage {
  std::unique_ptr<MetadataStore> metadata;
  std::unique_ptr<BlobStore> blobs;
};

// Opens the backends `options` names, creating and migrating what is needed.
// InvalidArgument("unknown_storage_type") lists the known types.
Result<Storage> open_storage(const StorageOptions& options);

// Individual backends, for embedding and tests.
Result<std::unique_ptr<MetadataStore>> open_sqlite_metadata_store(const std::string& db_path);
std::unique_ptr<MetadataStore> make_memory_metadata_store();
Result<std::unique_ptr<BlobStore>> open_filesystem_blob_store(const std::string& root);
std::unique_ptr<BlobStore> make_memory_blob_store();

}  // namespace spoke
