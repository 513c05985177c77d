#pragma once

// Moving and keeping data: copying a whole store to another backend, checking every version's
// digest against its blobs, and backing up the embedded SQLite storage while it is in use.

#include <cstddef>
#include <functional>
#include <string>

#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke {

// Where a copy, a check or a backup is: `done` of `total` items of `phase` ("modules",
// "versions", "artifacts", "jobs", "policies", "verify", "database", "blobs").
struct StorageProgress {
  std::string phase;
  std::size_t done = 0;
  std::size_t total = 0;
};
using ProgressFn = std::function<void(const StorageProgress&)>;

struct CopyOptions {
  // Continue into a target that already holds data (e.g. after an interrupted copy): what is
  // there is kept when it equals the source and refused when it differs.
  bool resume = false;
  ProgressFn progress;
};

struct CopyReport {
  std::size_t modules = 0, versions = 0, blobs = 0, artifacts = 0, jobs = 0, policies = 0;
  std::size_t tokens = 0, audit_entries = 0;
  std::size_t webhooks = 0, webhook_events = 0, webhook_deliveries = 0;
  std::size_t already_there = 0;  // records a resumed copy found in the target
  std::size_t verified = 0;       // versions whose digest was recomputed from the target's blobs
};

// Copies every module, version (with its blobs), artifact (with its files), compile job, module
// policy, access token, audit entry (unless the target has audit entries already), webhook
// subscription, and the webhook outbox (events, deliveries and their attempts) from `from`
// to `to`, versions in their push order, then recomputes each copied
// version's digest from the target's blobs. Conflict("target_not_empty") when `to` holds
// anything and not `options.resume`; Conflict("version_exists") when a resumed copy finds a
// version with another digest; Internal("digest_mismatch") naming a version whose blobs do not
// give its digest.
Result<CopyReport> copy_storage(Storage& from, Storage& to, const CopyOptions& options = {});

// Recomputes every version's digest from the blobs of `storage`. Returns how many were checked;
// Internal("digest_mismatch") names the first that differs, NotFound("blob_not_found") a
// missing blob.
Result<std::size_t> verify_storage(Storage& storage, const ProgressFn& progress = {});

struct BackupReport {
  std::string database;  // the copy of spoke.db
  std::string blobs;     // the blob directory beside it
  std::size_t blobs_copied = 0;
  std::size_t verified = 0;  // versions whose digest the backup reproduces
};

// Backs up the embedded SQLite storage `storage` names while servers keep using it: a
// consistent copy of its database through SQLite's online backup API written to `file`, then the
// blob files into "blobs" beside `file` (only the missing ones: backups in one directory share
// their blobs), then every version's digest checked against the copy. InvalidArgument
// ("backup_unsupported") for other backends (PostgreSQL has pg_dump); InvalidArgument
// ("invalid_backup") when the data directory holds no spoke.db or `file` exists.
Result<BackupReport> backup_storage(const StorageOptions& storage, const std::string& file,
                                    const ProgressFn& progress = {});

}  // namespace spoke
