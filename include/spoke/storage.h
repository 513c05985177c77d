#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"
#include "spoke/webhook_types.h"

namespace spoke {

// A module as listed: its row, with what the store keeps up to date on every push.
struct ModuleRecord {
  Module module;
  std::string latest_version;  // what `latest` names (see pick_latest); empty without versions
  std::size_t version_count = 0;
  // Grows with every change to the module or its versions: equal revisions, equal answers.
  std::int64_t revision = 0;
};

// Where a page of versions ends: the last version's version_order_key and sequence.
struct VersionCursor {
  std::string order_key;
  std::int64_t sequence = 0;
};

// An event a change records with itself (see Journal).
struct JournalEvent {
  WebhookEvent event;  // id, type, module, time and payload; the sequence is assigned
  // Recorded only when the change creates the module (create_module, insert_version).
  bool if_module_created = false;
  // Delivered to this subscription only, whatever it names and even while it is paused (a ping);
  // otherwise to every active subscription whose events and module filter match.
  std::string only_webhook;
};

// What a change records in its own transaction, so that it is written with the change or not at
// all: the events of the webhook outbox (each with one pending delivery per subscription it
// reaches; an event that reaches none is not kept) and the change's audit entry.
struct Journal {
  std::vector<JournalEvent> events;
  std::optional<AuditEntry> audit;  // its id is assigned
};

// Metadata about modules and versions. Implementations are thread-safe.
// Every method reports storage failures as Unavailable/Internal, never throws.
// Methods taking a Journal write it in the transaction of their change, and only when the change
// is made (an error writes nothing).
class MetadataStore {
 public:
  virtual ~MetadataStore() = default;

  // OK when the store answers a trivial query.
  virtual Status ping() = 0;

  // Inserts `module` unless one of that name exists. Returns true when inserted; the journal is
  // written only then.
  virtual Result<bool> create_module(const Module& module, const Journal& journal) = 0;
  // NotFound when absent.
  virtual Result<Module> get_module(const std::string& name) = 0;
  // Sets the description and updated_at. NotFound when absent.
  virtual Status update_module(const std::string& name, const std::string& description,
                               Timestamp updated_at) = 0;
  // Modules ordered by name, names strictly after `after` (empty: from the start), at most
  // `limit`. Costs the same whatever the number of versions stored.
  virtual Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                         std::size_t limit) = 0;
  // One module's record. NotFound when absent.
  virtual Result<ModuleRecord> get_module_record(const std::string& name) = 0;

  // All versions of a module (unordered). NotFound when the module is absent.
  virtual Result<std::vector<VersionRef>> list_versions(const std::string& module) = 0;
  // At most `limit` versions of a module, newest first (version order: sort_newest_first), after
  // `after` (nullopt: from the newest), with their files' metadata and dependencies. The cost
  // depends on `limit`, not on how many versions the module has. NotFound when the module is
  // absent.
  virtual Result<std::vector<Version>> list_versions_page(const std::string& module,
                                                          const std::optional<VersionCursor>& after,
                                                          std::size_t limit) = 0;
  // The version a push of `pushed` is compared with: for a semantic version the newest one of
  // lower precedence (a commit id never), for a commit id the version pushed last (other than
  // `pushed`). nullopt when there is none.
  virtual Result<std::optional<std::string>> previous_version(const std::string& module,
                                                              const VersionId& pushed) = 0;
  // The version's metadata with its files' paths, digests and sizes (no contents).
  // NotFound when absent.
  virtual Result<Version> get_version(const std::string& module, const std::string& version) = 0;
  // One file's metadata (no content). NotFound when absent.
  virtual Result<File> get_file(const std::string& module, const std::string& version,
                                const std::string& path) = 0;

  // Every (module, latest version) whose latest version holds a file at `path`, ordered by
  // module: the path index used to infer which module an import comes from.
  virtual Result<std::vector<std::pair<std::string, std::string>>> find_path_in_latest(
      const std::string& path) = 0;

  // In one transaction: creates `module_if_missing` when there is no such module, then inserts
  // the version with its files and dependencies, assigning `sequence`, and updates the module's
  // record (latest version, count, revision). Conflict("version_exists") when the version exists,
  // or another spelling of it (field existing_version); nothing is written then.
  virtual Result<Version> insert_version(const Module& module_if_missing, Version version,
                                         const Journal& journal) = 0;
  // Records the stored descriptor of an existing version (derived data, so the one field of a
  // version that may be set after its push; its blob must be stored first). NotFound
  // ("version_not_found") when absent.
  virtual Status set_version_descriptor(const std::string& module, const std::string& version,
                                        const std::string& descriptor_digest) = 0;

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
  // Jobs in any of `statuses`, oldest first.
  virtual Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) = 0;

  // Job claims: workers in any number of processes sharing the store take jobs from it.
  // Atomically takes the oldest job that is queued, or running with an expired lease (its worker
  // died or stalled), and marks it running by `owner` until now + `lease` (started_at now,
  // attempts + 1, error cleared). nullopt when there is none. A job is never handed out twice
  // while its lease runs.
  virtual Result<std::optional<CompileJob>> claim_job(const std::string& owner,
                                                      std::chrono::milliseconds lease) = 0;
  // Extends the lease of job `id` to now + `lease`. Conflict("lease_lost") when it does not run
  // under `owner` any more; NotFound("job_not_found").
  virtual Status renew_job_lease(const std::string& id, const std::string& owner,
                                 std::chrono::milliseconds lease) = 0;
  // Records that the job `id` running under `owner` has generated `done` of `total` files.
  // Conflict("lease_lost") as renew_job_lease; NotFound("job_not_found").
  virtual Status set_job_progress(const std::string& id, const std::string& owner,
                                  std::uint64_t done, std::uint64_t total) = 0;
  // Stores a job `job.owner` holds in its new state: succeeded or failed, or queued to hand it
  // back; the lease is cleared. Conflict("lease_lost") when the job no longer runs under that
  // owner (its lease expired and another worker took it, or it was released); nothing is written
  // then.
  virtual Status finish_job(const CompileJob& job, const Journal& journal) = 0;
  // Puts every job running under `owner` back in the queue, for another worker. Returns how many.
  virtual Result<std::size_t> release_jobs(const std::string& owner) = 0;

  // Inserts the artifact unless one with its key exists (then a no-op).
  virtual Status put_artifact(const Artifact& artifact) = 0;
  // NotFound("artifact_not_found") when absent.
  virtual Result<Artifact> get_artifact(const std::string& key) = 0;
  // Artifacts ordered by key, keys strictly after `after` (empty: from the start), at most
  // `limit`.
  virtual Result<std::vector<Artifact>> list_artifacts(const std::string& after,
                                                       std::size_t limit) = 0;

  // ---- module configuration ----
  // The stored configuration, or nullopt when none was set. NotFound when the module is absent.
  virtual Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) = 0;
  // NotFound when the module is absent.
  virtual Status put_module_policy(const std::string& module, const ModulePolicy& config,
                                   const Journal& journal) = 0;

  // ---- access tokens ----
  // Stores `token`. Conflict("token_exists") when a token of that name is live (neither revoked
  // nor expired at token.created_at); a revoked or expired token of that name is replaced.
  virtual Status insert_token(const AccessToken& token, const Journal& journal) = 0;
  // The token of that hash, revoked and expired ones too. NotFound("token_not_found").
  virtual Result<AccessToken> find_token(const std::string& hash) = 0;
  // Every stored token, ordered by name.
  virtual Result<std::vector<AccessToken>> list_tokens() = 0;
  // Sets revoked_at of the token `name` unless it is revoked already. NotFound("token_not_found")
  // when there is no such token that is not revoked.
  virtual Status revoke_token(const std::string& name, Timestamp at, const Journal& journal) = 0;
  // Sets last_used_at of the token of that hash (no error when there is none).
  virtual Status touch_token(const std::string& hash, Timestamp at) = 0;

  // ---- audit log ----
  // Appends `entry` (entry.id is ignored) and returns the id it was given: greater than every
  // id given before.
  virtual Result<std::int64_t> append_audit(const AuditEntry& entry) = 0;
  // The entries `query` selects, newest (highest id) first, at most query.limit.
  virtual Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) = 0;

  // ---- the change journal ----
  // Writes `journal` alone, in one transaction: what a change that stores nothing else records
  // (a rejected push's event, a ping).
  virtual Status append_journal(const Journal& journal) = 0;

  // ---- webhooks ----
  // Conflict("webhook_exists") when the id is taken.
  virtual Status insert_webhook(const Webhook& webhook, const Journal& journal) = 0;
  // NotFound("webhook_not_found") when absent.
  virtual Result<Webhook> get_webhook(const std::string& id) = 0;
  // Every subscription, oldest first.
  virtual Result<std::vector<Webhook>> list_webhooks() = 0;
  // Replaces the subscription of that id. NotFound("webhook_not_found").
  virtual Status update_webhook(const Webhook& webhook, const Journal& journal) = 0;
  // Deletes the subscription, its deliveries and their attempts. NotFound("webhook_not_found").
  virtual Status delete_webhook(const std::string& id, const Journal& journal) = 0;

  // The deliveries `query` selects, newest (highest sequence) first, at most query.limit.
  virtual Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& query) = 0;
  // NotFound("delivery_not_found").
  virtual Result<WebhookDelivery> get_delivery(const std::string& id) = 0;
  // NotFound("event_not_found").
  virtual Result<WebhookEvent> get_event(const std::string& id) = 0;
  // Events in the order they were stored, sequences strictly after `after`, at most `limit`.
  virtual Result<std::vector<WebhookEvent>> list_events(std::int64_t after, std::size_t limit) = 0;
  // The attempts of a delivery, first first (none for an unknown delivery).
  virtual Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& delivery_id) = 0;
  // Sends a delivery again: pending, due now, manual, its retries counted from here.
  // Conflict("delivery_in_flight") while an attempt holds it; NotFound("delivery_not_found").
  virtual Status redeliver(const std::string& id, const Journal& journal) = 0;

  // Delivery claims, as claim_job: atomically takes up to `limit` pending deliveries that are
  // due, whose subscription is active (or that are manual) and that no unexpired lease holds,
  // soonest due first, and leases them to `owner` until now + `lease`. A delivery is never
  // handed out twice while its lease runs.
  virtual Result<std::vector<ClaimedDelivery>> claim_deliveries(const std::string& owner,
                                                                std::chrono::milliseconds lease,
                                                                std::size_t limit) = 0;
  // In one transaction: stores the attempt, the delivery's new state (lease cleared; pending
  // ones due after record.retry_in) and its subscription's health (failing since the first
  // failure after a success; paused once failing for record.pause_after). Conflict("lease_lost")
  // when the delivery is not held by record.owner any more, NotFound("delivery_not_found");
  // nothing is written then.
  virtual Status record_attempt(const AttemptRecord& record) = 0;
  // Hands back, unchanged, every delivery `owner` holds. Returns how many.
  virtual Result<std::size_t> release_deliveries(const std::string& owner) = 0;

  // Retention: deletes deliveries finished before `before` with their attempts, then events
  // older than `before` that no delivery refers to.
  virtual Result<PruneCounts> prune_webhook_log(Timestamp before) = 0;
  // Copies records verbatim (ids, times, states; sequences are assigned anew in the order given),
  // skipping those whose id is stored already: for migrate-storage.
  virtual Status import_webhook_log(const std::vector<WebhookEvent>& events,
                                    const std::vector<WebhookDelivery>& deliveries,
                                    const std::vector<DeliveryAttempt>& attempts) = 0;
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

// Where and how to store.
struct StorageOptions {
  // Without a URL: the backend's name and, for embedded backends, its data directory. Names:
  // "sqlite" (the embedded default; "filesystem" is the same), "memory" (nothing persisted; for
  // tests and experiments), "postgres" (needs `url`).
  std::string type = "sqlite";
  std::string root = "./data";
  // A URL naming backend and location; when set it wins over type and root:
  //   sqlite:DIR, sqlite:///abs/dir    SQLite metadata and blob files under DIR
  //   memory:                          nothing persisted
  //   postgres://..., postgresql://... PostgreSQL (a libpq URL); blobs live in the database too
  std::string url;

  // Network backends (postgres): connections kept open per server (the primary and each
  // replica), the longest a statement may run, the longest a connection attempt may take.
  int pool_size = 8;
  std::chrono::milliseconds query_timeout{10000};
  std::chrono::milliseconds connect_timeout{5000};
  // Read replicas (URLs of the same kind as `url`); see ReadPolicy.
  std::vector<std::string> replica_urls;
};

struct Storage {
  std::unique_ptr<MetadataStore> metadata;
  std::unique_ptr<BlobStore> blobs;
};

// Opens the backends `options` names, creating and migrating what is needed.
// InvalidArgument("unknown_storage_type") lists the known backends and URL schemes;
// Unavailable("storage_unavailable") when a database does not answer; Internal
// ("schema_too_new") for a database migrated by a newer build, naming both schema versions.
Result<Storage> open_storage(const StorageOptions& options);

// ---- the backends open_storage knows ----
// A backend opened by name (StorageOptions::type) or by URL scheme.
struct StorageBackend {
  std::string name;                  // "sqlite"
  std::vector<std::string> aliases;  // other names and URL schemes: "filesystem", "postgresql"
  std::string description;
  // Opens it: from options.url when set (its scheme is the name or an alias), else from the
  // other options.
  std::function<Result<Storage>(const StorageOptions& options)> open;
  // Empty when usable; otherwise why not (e.g. not built into this libspoke).
  std::string unavailable;
};

// Adds a backend (or replaces the one of that name). Thread-safe.
void register_storage_backend(StorageBackend backend);
// Every backend known, built-in ones first.
std::vector<StorageBackend> storage_backends();

// ---- read replicas -----------------------------------------------------------------------
// Backends with read replicas (postgres with replica_urls) send every write, and every read
// the calling thread makes outside a ReadPolicy that allows replicas, to the primary. Under
// such a policy, reads may be served by a replica that has applied every write this process
// has made and every write `after` names, so a client reads its own writes even through
// another process when it hands back the token of its last write. A read that finds nothing
// on a replica is asked of the primary again, and once one read of a policy went to the
// primary the following ones do too (what was seen never goes back in time).
struct ReadPolicy {
  bool replicas = false;
  std::string after;  // a write_token(); empty: none
};

// Sets the calling thread's policy (e.g. once per request) and forgets its write token.
void set_read_policy(ReadPolicy policy);
const ReadPolicy& read_policy();
// A token for the latest write the calling thread made since set_read_policy; empty when it made
// none or the backend has no replicas. Hand it back in ReadPolicy::after.
std::string write_token();

// Sets a policy for its lifetime and restores the previous one.
class ScopedReadPolicy {
 public:
  explicit ScopedReadPolicy(ReadPolicy policy);
  ~ScopedReadPolicy();
  ScopedReadPolicy(const ScopedReadPolicy&) = delete;
  ScopedReadPolicy& operator=(const ScopedReadPolicy&) = delete;

 private:
  ReadPolicy saved_;
};

// Individual backends, for embedding and tests.
Result<std::unique_ptr<MetadataStore>> open_sqlite_metadata_store(const std::string& db_path);
std::unique_ptr<MetadataStore> make_memory_metadata_store();
Result<std::unique_ptr<BlobStore>> open_filesystem_blob_store(const std::string& root);
std::unique_ptr<BlobStore> make_memory_blob_store();

}  // namespace spoke
