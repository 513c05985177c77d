// Storage operations timed into the library's metrics (see timed_store.h).
#include "storage/timed_store.h"

#include "metrics/library_metrics.h"

namespace spoke::internal {
namespace {

struct Op {
  metrics::Histogram& duration;
  metrics::Counter& unavailable;
};

Op make_op(const char* store, const char* operation) {
  auto& m = library_metrics();
  return {m.storage_duration.with({store, operation}),
          m.storage_unavailable.with({store, operation})};
}

Code code_of(const Status& s) { return s.code(); }
template <typename T>
Code code_of(const Result<T>& r) {
  return r.status().code();
}

template <typename Fn>
auto timed_call(const Op& op, Fn&& fn) {
  metrics::Timer timer(op.duration);
  auto result = fn();
  timer.stop();
  if (code_of(result) == Code::kUnavailable) op.unavailable.inc();
  return result;
}

// The body of a forwarding method: times `call` on the wrapped store as operation `name`.
#define SPOKE_TIMED(store, name, call)        \
  static const Op op = make_op(store, #name); \
  return timed_call(op, [&] { return inner_->call; })

class TimedMetadataStore final : public MetadataStore {
 public:
  explicit TimedMetadataStore(std::unique_ptr<MetadataStore> inner) : inner_(std::move(inner)) {}

  Status ping() override { SPOKE_TIMED("metadata", ping, ping()); }
  Result<bool> create_module(const Module& module, const Journal& journal) override {
    SPOKE_TIMED("metadata", create_module, create_module(module, journal));
  }
  Result<Module> get_module(const std::string& name) override {
    SPOKE_TIMED("metadata", get_module, get_module(name));
  }
  Status update_module(const std::string& name, const std::string& description,
                       Timestamp updated_at) override {
    SPOKE_TIMED("metadata", update_module, update_module(name, description, updated_at));
  }
  Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                 std::size_t limit) override {
    SPOKE_TIMED("metadata", list_modules, list_modules(after, limit));
  }
  Result<ModuleRecord> get_module_record(const std::string& name) override {
    SPOKE_TIMED("metadata", get_module_record, get_module_record(name));
  }
  Result<std::vector<VersionRef>> list_versions(const std::string& module) override {
    SPOKE_TIMED("metadata", list_versions, list_versions(module));
  }
  Result<std::vector<Version>> list_versions_page(const std::string& module,
                                                  const std::optional<VersionCursor>& after,
                                                  std::size_t limit) override {
    SPOKE_TIMED("metadata", list_versions_page, list_versions_page(module, after, limit));
  }
  Result<std::optional<std::string>> previous_version(const std::string& module,
                                                      const VersionId& pushed) override {
    SPOKE_TIMED("metadata", previous_version, previous_version(module, pushed));
  }
  Result<Version> get_version(const std::string& module, const std::string& version) override {
    SPOKE_TIMED("metadata", get_version, get_version(module, version));
  }
  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path) override {
    SPOKE_TIMED("metadata", get_file, get_file(module, version, path));
  }
  Result<std::vector<std::pair<std::string, std::string>>> find_path_in_latest(
      const std::string& path) override {
    SPOKE_TIMED("metadata", find_path_in_latest, find_path_in_latest(path));
  }
  Result<Version> insert_version(const Module& module_if_missing, Version version,
                                 const Journal& journal) override {
    SPOKE_TIMED("metadata", insert_version,
                insert_version(module_if_missing, std::move(version), journal));
  }
  Status set_version_descriptor(const std::string& module, const std::string& version,
                                const std::string& descriptor_digest) override {
    SPOKE_TIMED("metadata", set_version_descriptor,
                set_version_descriptor(module, version, descriptor_digest));
  }
  Status insert_job(const CompileJob& job) override {
    SPOKE_TIMED("metadata", insert_job, insert_job(job));
  }
  Result<CompileJob> get_job(const std::string& id) override {
    SPOKE_TIMED("metadata", get_job, get_job(id));
  }
  Status update_job(const CompileJob& job) override {
    SPOKE_TIMED("metadata", update_job, update_job(job));
  }
  Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                            const std::string& version) override {
    SPOKE_TIMED("metadata", list_jobs, list_jobs(module, version));
  }
  Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) override {
    SPOKE_TIMED("metadata", list_jobs_by_status, list_jobs_by_status(statuses));
  }
  Result<std::optional<CompileJob>> claim_job(const std::string& owner,
                                              std::chrono::milliseconds lease) override {
    SPOKE_TIMED("metadata", claim_job, claim_job(owner, lease));
  }
  Status renew_job_lease(const std::string& id, const std::string& owner,
                         std::chrono::milliseconds lease) override {
    SPOKE_TIMED("metadata", renew_job_lease, renew_job_lease(id, owner, lease));
  }
  Status set_job_progress(const std::string& id, const std::string& owner, std::uint64_t done,
                          std::uint64_t total) override {
    SPOKE_TIMED("metadata", set_job_progress, set_job_progress(id, owner, done, total));
  }
  Status finish_job(const CompileJob& job, const Journal& journal) override {
    SPOKE_TIMED("metadata", finish_job, finish_job(job, journal));
  }
  Result<std::size_t> release_jobs(const std::string& owner) override {
    SPOKE_TIMED("metadata", release_jobs, release_jobs(owner));
  }
  Status put_artifact(const Artifact& artifact) override {
    SPOKE_TIMED("metadata", put_artifact, put_artifact(artifact));
  }
  Result<Artifact> get_artifact(const std::string& key) override {
    SPOKE_TIMED("metadata", get_artifact, get_artifact(key));
  }
  Result<std::vector<Artifact>> list_artifacts(const std::string& after,
                                               std::size_t limit) override {
    SPOKE_TIMED("metadata", list_artifacts, list_artifacts(after, limit));
  }
  Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) override {
    SPOKE_TIMED("metadata", get_module_policy, get_module_policy(module));
  }
  Status put_module_policy(const std::string& module, const ModulePolicy& config,
                           const Journal& journal) override {
    SPOKE_TIMED("metadata", put_module_policy, put_module_policy(module, config, journal));
  }
  Status insert_token(const AccessToken& token, const Journal& journal) override {
    SPOKE_TIMED("metadata", insert_token, insert_token(token, journal));
  }
  Result<AccessToken> find_token(const std::string& hash) override {
    SPOKE_TIMED("metadata", find_token, find_token(hash));
  }
  Result<std::vector<AccessToken>> list_tokens() override {
    SPOKE_TIMED("metadata", list_tokens, list_tokens());
  }
  Status revoke_token(const std::string& name, Timestamp at, const Journal& journal) override {
    SPOKE_TIMED("metadata", revoke_token, revoke_token(name, at, journal));
  }
  Status touch_token(const std::string& hash, Timestamp at) override {
    SPOKE_TIMED("metadata", touch_token, touch_token(hash, at));
  }
  Result<std::int64_t> append_audit(const AuditEntry& entry) override {
    SPOKE_TIMED("metadata", append_audit, append_audit(entry));
  }
  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) override {
    SPOKE_TIMED("metadata", list_audit, list_audit(query));
  }
  Status append_journal(const Journal& journal) override {
    SPOKE_TIMED("metadata", append_journal, append_journal(journal));
  }
  Status insert_webhook(const Webhook& webhook, const Journal& journal) override {
    SPOKE_TIMED("metadata", insert_webhook, insert_webhook(webhook, journal));
  }
  Result<Webhook> get_webhook(const std::string& id) override {
    SPOKE_TIMED("metadata", get_webhook, get_webhook(id));
  }
  Result<std::vector<Webhook>> list_webhooks() override {
    SPOKE_TIMED("metadata", list_webhooks, list_webhooks());
  }
  Status update_webhook(const Webhook& webhook, const Journal& journal) override {
    SPOKE_TIMED("metadata", update_webhook, update_webhook(webhook, journal));
  }
  Status delete_webhook(const std::string& id, const Journal& journal) override {
    SPOKE_TIMED("metadata", delete_webhook, delete_webhook(id, journal));
  }
  Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& query) override {
    SPOKE_TIMED("metadata", list_deliveries, list_deliveries(query));
  }
  Result<WebhookDelivery> get_delivery(const std::string& id) override {
    SPOKE_TIMED("metadata", get_delivery, get_delivery(id));
  }
  Result<WebhookEvent> get_event(const std::string& id) override {
    SPOKE_TIMED("metadata", get_event, get_event(id));
  }
  Result<std::vector<WebhookEvent>> list_events(std::int64_t after, std::size_t limit) override {
    SPOKE_TIMED("metadata", list_events, list_events(after, limit));
  }
  Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& delivery_id) override {
    SPOKE_TIMED("metadata", list_attempts, list_attempts(delivery_id));
  }
  Status redeliver(const std::string& id, const Journal& journal) override {
    SPOKE_TIMED("metadata", redeliver, redeliver(id, journal));
  }
  Result<std::vector<ClaimedDelivery>> claim_deliveries(const std::string& owner,
                                                        std::chrono::milliseconds lease,
                                                        std::size_t limit) override {
    SPOKE_TIMED("metadata", claim_deliveries, claim_deliveries(owner, lease, limit));
  }
  Status record_attempt(const AttemptRecord& record) override {
    SPOKE_TIMED("metadata", record_attempt, record_attempt(record));
  }
  Result<std::size_t> release_deliveries(const std::string& owner) override {
    SPOKE_TIMED("metadata", release_deliveries, release_deliveries(owner));
  }
  Result<PruneCounts> prune_webhook_log(Timestamp before) override {
    SPOKE_TIMED("metadata", prune_webhook_log, prune_webhook_log(before));
  }
  Status import_webhook_log(const std::vector<WebhookEvent>& events,
                            const std::vector<WebhookDelivery>& deliveries,
                            const std::vector<DeliveryAttempt>& attempts) override {
    SPOKE_TIMED("metadata", import_webhook_log, import_webhook_log(events, deliveries, attempts));
  }

 private:
  std::unique_ptr<MetadataStore> inner_;
};

class TimedBlobStore final : public BlobStore {
 public:
  explicit TimedBlobStore(std::unique_ptr<BlobStore> inner) : inner_(std::move(inner)) {}

  Status ping() override { SPOKE_TIMED("blob", ping, ping()); }
  Status put(const std::string& digest, std::string_view content) override {
    SPOKE_TIMED("blob", put, put(digest, content));
  }
  Status put_many(const std::vector<std::pair<std::string, std::string_view>>& blobs) override {
    SPOKE_TIMED("blob", put_many, put_many(blobs));
  }
  Result<std::string> get(const std::string& digest) override {
    SPOKE_TIMED("blob", get, get(digest));
  }
  Result<bool> exists(const std::string& digest) override {
    SPOKE_TIMED("blob", exists, exists(digest));
  }

 private:
  std::unique_ptr<BlobStore> inner_;
};

#undef SPOKE_TIMED

}  // namespace

std::unique_ptr<MetadataStore> timed(std::unique_ptr<MetadataStore> inner) {
  return std::make_unique<TimedMetadataStore>(std::move(inner));
}

std::unique_ptr<BlobStore> timed(std::unique_ptr<BlobStore> inner) {
  return std::make_unique<TimedBlobStore>(std::move(inner));
}

}  // namespace spoke::internal
