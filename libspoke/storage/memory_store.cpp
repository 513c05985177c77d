// In-memory backends: nothing persisted. Used by tests and for experiments.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <shared_mutex>
#include <tuple>

#include "spoke/storage.h"
#include "storage/store_errors.h"
#include "storage/webhook_records.h"

namespace spoke {
namespace {

using internal::job_not_found;
using internal::lease_lost;
using internal::module_not_found;
using internal::version_not_found;

class MemoryMetadataStore final : public MetadataStore {
 public:
  Status ping() override { return Status::OK(); }

  Result<bool> create_module(const Module& module, const Journal& journal) override {
    std::unique_lock lock(mu_);
    bool created = modules_.emplace(module.name, Entry{module, {}, std::nullopt, 0}).second;
    if (created) write_journal(journal, true);
    return created;
  }

  Result<Module> get_module(const std::string& name) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(name);
    if (it == modules_.end()) return module_not_found(name);
    return it->second.module;
  }

  Status update_module(const std::string& name, const std::string& description,
                       Timestamp updated_at) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(name);
    if (it == modules_.end()) return module_not_found(name);
    it->second.module.description = description;
    it->second.module.updated_at = updated_at;
    ++it->second.revision;
    return Status::OK();
  }

  Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                 std::size_t limit) override {
    std::shared_lock lock(mu_);
    std::vector<ModuleRecord> out;
    for (auto it = modules_.upper_bound(after); it != modules_.end() && out.size() < limit; ++it) {
      out.push_back(record(it->second));
    }
    return out;
  }

  Result<ModuleRecord> get_module_record(const std::string& name) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(name);
    if (it == modules_.end()) return module_not_found(name);
    return record(it->second);
  }

  Result<std::vector<Version>> list_versions_page(const std::string& module,
                                                  const std::optional<VersionCursor>& after,
                                                  std::size_t limit) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    std::vector<VersionRef> sorted = refs(it->second);
    sort_newest_first(sorted);
    std::vector<Version> out;
    for (const auto& r : sorted) {
      if (out.size() == limit) break;
      if (after) {
        auto key = std::make_pair(version_order_key(*parse_version(r.version)), r.sequence);
        if (key >= std::make_pair(after->order_key, after->sequence)) continue;
      }
      out.push_back(it->second.versions.at(r.version));
    }
    return out;
  }

  Result<std::optional<std::string>> previous_version(const std::string& module,
                                                      const VersionId& pushed) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return std::optional<std::string>();
    std::vector<VersionRef> earlier;
    for (const auto& r : refs(it->second)) {
      if (r.version == pushed.raw) continue;
      auto id = parse_version(r.version);
      if (pushed.kind == VersionId::Kind::kCommit ||
          (id.ok() && id->kind == VersionId::Kind::kSemVer &&
           compare_semver(id->semver, pushed.semver) < 0)) {
        earlier.push_back(r);
      }
    }
    if (earlier.empty()) return std::optional<std::string>();
    if (pushed.kind == VersionId::Kind::kCommit) {
      return std::optional<std::string>(
          std::max_element(earlier.begin(), earlier.end(), [](const auto& a, const auto& b) {
            return a.sequence < b.sequence;
          })->version);
    }
    sort_newest_first(earlier);
    return std::optional<std::string>(earlier.front().version);
  }

  Result<std::vector<VersionRef>> list_versions(const std::string& module) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    return refs(it->second);
  }

  Result<Version> get_version(const std::string& module, const std::string& version) override {
    std::shared_lock lock(mu_);
    const Version* v = find(module, version);
    if (v == nullptr) return version_not_found(module, version);
    return *v;
  }

  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path) override {
    std::shared_lock lock(mu_);
    const Version* v = find(module, version);
    if (v == nullptr) return version_not_found(module, version);
    for (const auto& f : v->files) {
      if (f.path == path) return f;
    }
    return internal::file_not_found(module, version, path);
  }

  Result<std::vector<std::pair<std::string, std::string>>> find_path_in_latest(
      const std::string& path) override {
    std::shared_lock lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, entry] : modules_) {
      auto latest = pick_latest(refs(entry));
      if (!latest) continue;
      for (const auto& f : entry.versions.at(latest->version).files) {
        if (f.path == path) out.emplace_back(name, latest->version);
      }
    }
    return out;
  }

  Result<Version> insert_version(const Module& module_if_missing, Version version,
                                 const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(version.module);
    bool module_created = it == modules_.end();
    if (!module_created) {
      if (it->second.versions.count(version.version) != 0) {
        return internal::version_exists(version.module, version.version);
      }
      std::vector<std::string> names;
      for (const auto& [name, _] : it->second.versions) names.push_back(name);
      SPOKE_RETURN_IF_ERROR(internal::check_other_spelling(version.module, version.version, names));
    }
    if (module_created) {
      it = modules_.emplace(version.module, Entry{module_if_missing, {}, std::nullopt, 0}).first;
    }
    version.sequence = ++sequence_;
    for (auto& f : version.files) f.content.clear();
    it->second.versions.emplace(version.version, version);
    ++it->second.revision;
    write_journal(journal, module_created);
    return version;
  }

  Status set_version_descriptor(const std::string& module, const std::string& version,
                                const std::string& descriptor_digest) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return version_not_found(module, version);
    auto v = it->second.versions.find(version);
    if (v == it->second.versions.end()) return version_not_found(module, version);
    v->second.descriptor_digest = descriptor_digest;
    ++it->second.revision;  // module reads cached under the revision are stale
    return Status::OK();
  }

  Status insert_job(const CompileJob& job) override {
    std::unique_lock lock(mu_);
    if (!jobs_.emplace(job.id, job).second) {
      return internal::job_exists(job.id);
    }
    job_order_.push_back(job.id);
    return Status::OK();
  }

  Result<CompileJob> get_job(const std::string& id) override {
    std::shared_lock lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return job_not_found(id);
    return it->second;
  }

  Status update_job(const CompileJob& job) override {
    std::unique_lock lock(mu_);
    auto it = jobs_.find(job.id);
    if (it == jobs_.end()) return job_not_found(job.id);
    it->second = job;
    return Status::OK();
  }

  Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                            const std::string& version) override {
    std::shared_lock lock(mu_);
    std::vector<CompileJob> out;
    for (auto it = job_order_.rbegin(); it != job_order_.rend(); ++it) {
      const CompileJob& j = jobs_.at(*it);
      if (j.module == module && j.version == version) out.push_back(j);
    }
    return out;
  }

  Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) override {
    std::shared_lock lock(mu_);
    std::vector<CompileJob> out;
    for (const auto& id : job_order_) {
      const CompileJob& j = jobs_.at(id);
      if (std::find(statuses.begin(), statuses.end(), j.status) != statuses.end()) {
        out.push_back(j);
      }
    }
    return out;
  }

  Result<std::optional<CompileJob>> claim_job(const std::string& owner,
                                              std::chrono::milliseconds lease) override {
    std::unique_lock lock(mu_);
    Timestamp now = now_ms();
    for (const auto& id : job_order_) {
      CompileJob& j = jobs_.at(id);
      bool expired = j.status == JobStatus::kRunning && j.lease_expires_at <= now;
      if (j.status != JobStatus::kQueued && !expired) continue;
      j.status = JobStatus::kRunning;
      j.owner = owner;
      j.lease_expires_at = now + lease.count();
      j.started_at = now;
      j.attempts += 1;
      j.error.clear();
      j.progress_done = j.progress_total = 0;
      return std::optional<CompileJob>(j);
    }
    return std::optional<CompileJob>();
  }

  // The job `id` while it runs under `owner`; NotFound or Conflict("lease_lost") otherwise.
  // Called with mu_ held.
  Result<CompileJob*> running_under(const std::string& id, const std::string& owner) {
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return job_not_found(id);
    CompileJob& j = it->second;
    if (j.status != JobStatus::kRunning || j.owner != owner) {
      CompileJob asked = j;
      asked.owner = owner;
      return lease_lost(asked);
    }
    return &j;
  }

  Status renew_job_lease(const std::string& id, const std::string& owner,
                         std::chrono::milliseconds lease) override {
    std::unique_lock lock(mu_);
    auto held = running_under(id, owner);
    if (!held.ok()) return held.status();
    CompileJob& j = *held.value();
    j.lease_expires_at = now_ms() + lease.count();
    return Status::OK();
  }

  Status set_job_progress(const std::string& id, const std::string& owner, std::uint64_t done,
                          std::uint64_t total) override {
    std::unique_lock lock(mu_);
    auto held = running_under(id, owner);
    if (!held.ok()) return held.status();
    CompileJob& j = *held.value();
    j.progress_done = done;
    j.progress_total = total;
    return Status::OK();
  }

  Status finish_job(const CompileJob& job, const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = jobs_.find(job.id);
    if (it == jobs_.end()) return job_not_found(job.id);
    if (it->second.status != JobStatus::kRunning || it->second.owner != job.owner) {
      return lease_lost(job);
    }
    it->second = job;
    it->second.owner.clear();
    it->second.lease_expires_at = 0;
    if (job.status == JobStatus::kQueued) it->second.started_at = 0;
    write_journal(journal, false);
    return Status::OK();
  }

  Result<std::size_t> release_jobs(const std::string& owner) override {
    std::unique_lock lock(mu_);
    std::size_t n = 0;
    for (auto& [_, j] : jobs_) {
      if (j.status == JobStatus::kRunning && j.owner == owner) {
        j.status = JobStatus::kQueued;
        j.owner.clear();
        j.lease_expires_at = 0;
        j.started_at = 0;
        ++n;
      }
    }
    return n;
  }

  Status put_artifact(const Artifact& artifact) override {
    std::unique_lock lock(mu_);
    artifacts_.try_emplace(artifact.key, artifact);
    return Status::OK();
  }

  Result<Artifact> get_artifact(const std::string& key) override {
    std::shared_lock lock(mu_);
    auto it = artifacts_.find(key);
    if (it == artifacts_.end()) {
      return internal::artifact_not_found(key);
    }
    return it->second;
  }

  Result<std::vector<Artifact>> list_artifacts(const std::string& after,
                                               std::size_t limit) override {
    std::shared_lock lock(mu_);
    std::vector<Artifact> out;
    for (auto it = artifacts_.upper_bound(after); it != artifacts_.end() && out.size() < limit;
         ++it) {
      out.push_back(it->second);
    }
    return out;
  }

  Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    return it->second.config;
  }

  Status put_module_policy(const std::string& module, const ModulePolicy& config,
                           const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    it->second.config = config;
    write_journal(journal, false);
    return Status::OK();
  }

  Status insert_token(const AccessToken& token, const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = tokens_.find(token.name);
    if (it != tokens_.end()) {
      if (internal::token_is_live(it->second, token.created_at)) {
        return internal::token_exists(token.name);
      }
      it->second = token;
    } else {
      tokens_.emplace(token.name, token);
    }
    write_journal(journal, false);
    return Status::OK();
  }

  Result<AccessToken> find_token(const std::string& hash) override {
    std::shared_lock lock(mu_);
    for (const auto& [_, t] : tokens_) {
      if (t.hash == hash) return t;
    }
    return Status::NotFound("no token of that hash", reason::kTokenNotFound);
  }

  Result<std::vector<AccessToken>> list_tokens() override {
    std::shared_lock lock(mu_);
    std::vector<AccessToken> out;
    for (const auto& [_, t] : tokens_) out.push_back(t);
    return out;
  }

  Status revoke_token(const std::string& name, Timestamp at, const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = tokens_.find(name);
    if (it == tokens_.end() || it->second.revoked_at != 0) return internal::token_not_found(name);
    it->second.revoked_at = at;
    write_journal(journal, false);
    return Status::OK();
  }

  Status touch_token(const std::string& hash, Timestamp at) override {
    std::unique_lock lock(mu_);
    for (auto& [_, t] : tokens_) {
      if (t.hash == hash) t.last_used_at = at;
    }
    return Status::OK();
  }

  Result<std::int64_t> append_audit(const AuditEntry& entry) override {
    std::unique_lock lock(mu_);
    return append_audit_locked(entry);
  }

  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& q) override {
    std::shared_lock lock(mu_);
    std::vector<AuditEntry> out;
    for (auto it = audit_.rbegin(); it != audit_.rend() && out.size() < q.limit; ++it) {
      if (q.before_id != 0 && it->id >= q.before_id) continue;
      if (!q.module.empty() && it->module != q.module) continue;
      if (!q.actor.empty() && it->actor != q.actor) continue;
      if (q.since != 0 && it->time < q.since) continue;
      if (q.until != 0 && it->time >= q.until) continue;
      out.push_back(*it);
    }
    return out;
  }

  Status append_journal(const Journal& journal) override {
    std::unique_lock lock(mu_);
    write_journal(journal, false);
    return Status::OK();
  }

  // ---- webhooks ----

  Status insert_webhook(const Webhook& webhook, const Journal& journal) override {
    std::unique_lock lock(mu_);
    if (!webhooks_.emplace(webhook.id, webhook).second) return internal::webhook_exists(webhook.id);
    webhook_order_.push_back(webhook.id);
    write_journal(journal, false);
    return Status::OK();
  }

  Result<Webhook> get_webhook(const std::string& id) override {
    std::shared_lock lock(mu_);
    auto it = webhooks_.find(id);
    if (it == webhooks_.end()) return internal::webhook_not_found(id);
    return it->second;
  }

  Result<std::vector<Webhook>> list_webhooks() override {
    std::shared_lock lock(mu_);
    std::vector<Webhook> out;
    for (const auto& id : webhook_order_) out.push_back(webhooks_.at(id));
    return out;
  }

  Status update_webhook(const Webhook& webhook, const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = webhooks_.find(webhook.id);
    if (it == webhooks_.end()) return internal::webhook_not_found(webhook.id);
    it->second = webhook;
    write_journal(journal, false);
    return Status::OK();
  }

  Status delete_webhook(const std::string& id, const Journal& journal) override {
    std::unique_lock lock(mu_);
    if (webhooks_.erase(id) == 0) return internal::webhook_not_found(id);
    std::erase(webhook_order_, id);
    for (auto it = deliveries_.begin(); it != deliveries_.end();) {
      if (it->second.webhook_id == id) {
        attempts_.erase(it->first);
        it = deliveries_.erase(it);
      } else {
        ++it;
      }
    }
    write_journal(journal, false);
    return Status::OK();
  }

  Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& q) override {
    std::shared_lock lock(mu_);
    std::vector<const WebhookDelivery*> matching;
    for (const auto& [_, d] : deliveries_) {
      if (d.webhook_id != q.webhook_id) continue;
      if (q.status && d.status != *q.status) continue;
      if (!q.event_type.empty() && d.event_type != q.event_type) continue;
      if (q.before_sequence != 0 && d.sequence >= q.before_sequence) continue;
      matching.push_back(&d);
    }
    std::sort(matching.begin(), matching.end(),
              [](const auto* a, const auto* b) { return a->sequence > b->sequence; });
    std::vector<WebhookDelivery> out;
    for (const auto* d : matching) {
      if (out.size() == q.limit) break;
      out.push_back(*d);
    }
    return out;
  }

  Result<WebhookDelivery> get_delivery(const std::string& id) override {
    std::shared_lock lock(mu_);
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) return internal::delivery_not_found(id);
    return it->second;
  }

  Result<WebhookEvent> get_event(const std::string& id) override {
    std::shared_lock lock(mu_);
    auto it = events_.find(id);
    if (it == events_.end()) return internal::event_not_found(id);
    return it->second;
  }

  Result<std::vector<WebhookEvent>> list_events(std::int64_t after, std::size_t limit) override {
    std::shared_lock lock(mu_);
    std::vector<const WebhookEvent*> all;
    for (const auto& [_, e] : events_) {
      if (e.sequence > after) all.push_back(&e);
    }
    std::sort(all.begin(), all.end(),
              [](const auto* a, const auto* b) { return a->sequence < b->sequence; });
    std::vector<WebhookEvent> out;
    for (const auto* e : all) {
      if (out.size() == limit) break;
      out.push_back(*e);
    }
    return out;
  }

  Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& delivery_id) override {
    std::shared_lock lock(mu_);
    auto it = attempts_.find(delivery_id);
    if (it == attempts_.end()) return std::vector<DeliveryAttempt>();
    return it->second;
  }

  Status redeliver(const std::string& id, const Journal& journal) override {
    std::unique_lock lock(mu_);
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) return internal::delivery_not_found(id);
    Timestamp now = now_ms();
    if (!it->second.owner.empty() && it->second.lease_expires_at > now) {
      return internal::delivery_in_flight(id);
    }
    internal::apply_redelivery(it->second, now);
    write_journal(journal, false);
    return Status::OK();
  }

  Result<std::vector<ClaimedDelivery>> claim_deliveries(const std::string& owner,
                                                        std::chrono::milliseconds lease,
                                                        std::size_t limit) override {
    std::unique_lock lock(mu_);
    Timestamp now = now_ms();
    std::vector<WebhookDelivery*> due;
    for (auto& [_, d] : deliveries_) {
      if (d.status != DeliveryStatus::kPending || d.next_attempt_at > now ||
          d.lease_expires_at > now) {
        continue;
      }
      auto w = webhooks_.find(d.webhook_id);
      if (w == webhooks_.end() || !(w->second.active || d.manual)) continue;
      due.push_back(&d);
    }
    std::sort(due.begin(), due.end(), [](const auto* a, const auto* b) {
      return std::tie(a->next_attempt_at, a->sequence) < std::tie(b->next_attempt_at, b->sequence);
    });
    std::vector<ClaimedDelivery> out;
    for (auto* d : due) {
      if (out.size() == limit) break;
      d->owner = owner;
      d->lease_expires_at = now + lease.count();
      out.push_back({*d, webhooks_.at(d->webhook_id), events_.at(d->event_id).payload});
    }
    return out;
  }

  Status record_attempt(const AttemptRecord& r) override {
    std::unique_lock lock(mu_);
    const std::string& id = r.attempt.delivery_id;
    auto it = deliveries_.find(id);
    if (it == deliveries_.end()) return internal::delivery_not_found(id);
    WebhookDelivery& d = it->second;
    if (d.status != DeliveryStatus::kPending || d.owner != r.owner) {
      return internal::delivery_lease_lost(id, r.owner);
    }
    Timestamp now = now_ms();
    attempts_[id].push_back(r.attempt);
    internal::apply_attempt(d, r, now);
    if (auto w = webhooks_.find(d.webhook_id); w != webhooks_.end()) {
      internal::apply_attempt(w->second, r, now);
    }
    return Status::OK();
  }

  Result<std::size_t> release_deliveries(const std::string& owner) override {
    std::unique_lock lock(mu_);
    std::size_t n = 0;
    for (auto& [_, d] : deliveries_) {
      if (d.status == DeliveryStatus::kPending && d.owner == owner) {
        d.owner.clear();
        d.lease_expires_at = 0;
        ++n;
      }
    }
    return n;
  }

  Result<PruneCounts> prune_webhook_log(Timestamp before) override {
    std::unique_lock lock(mu_);
    PruneCounts counts;
    std::set<std::string> referenced;
    for (auto it = deliveries_.begin(); it != deliveries_.end();) {
      const WebhookDelivery& d = it->second;
      if (d.status != DeliveryStatus::kPending && d.finished_at < before) {
        if (auto a = attempts_.find(it->first); a != attempts_.end()) {
          counts.attempts += a->second.size();
          attempts_.erase(a);
        }
        ++counts.deliveries;
        it = deliveries_.erase(it);
      } else {
        referenced.insert(d.event_id);
        ++it;
      }
    }
    for (auto it = events_.begin(); it != events_.end();) {
      if (it->second.time < before && referenced.count(it->first) == 0) {
        ++counts.events;
        it = events_.erase(it);
      } else {
        ++it;
      }
    }
    return counts;
  }

  Status import_webhook_log(const std::vector<WebhookEvent>& events,
                            const std::vector<WebhookDelivery>& deliveries,
                            const std::vector<DeliveryAttempt>& attempts) override {
    std::unique_lock lock(mu_);
    for (WebhookEvent e : events) {
      if (events_.count(e.id) != 0) continue;
      e.sequence = ++event_sequence_;
      events_.emplace(e.id, std::move(e));
    }
    std::set<std::string> imported;
    for (WebhookDelivery d : deliveries) {
      if (deliveries_.count(d.id) != 0) continue;
      imported.insert(d.id);
      d.sequence = ++delivery_sequence_;
      deliveries_.emplace(d.id, std::move(d));
    }
    for (const auto& a : attempts) {
      if (imported.count(a.delivery_id) != 0) attempts_[a.delivery_id].push_back(a);
    }
    return Status::OK();
  }

 private:
  // Writes `journal` (see Journal); `module_created` tells whether the change created a module.
  // Called with mu_ held.
  void write_journal(const Journal& journal, bool module_created) {
    Timestamp now = now_ms();
    std::vector<Webhook> subscriptions;
    if (!journal.events.empty()) {
      for (const auto& id : webhook_order_) subscriptions.push_back(webhooks_.at(id));
    }
    for (const auto& je : journal.events) {
      if (je.if_module_created && !module_created) continue;
      auto deliveries = internal::fan_out(je, subscriptions, now);
      if (deliveries.empty()) continue;
      WebhookEvent e = je.event;
      e.sequence = ++event_sequence_;
      events_.emplace(e.id, std::move(e));
      for (auto& d : deliveries) {
        d.sequence = ++delivery_sequence_;
        deliveries_.emplace(d.id, std::move(d));
      }
    }
    if (journal.audit) append_audit_locked(*journal.audit);
  }

  std::int64_t append_audit_locked(const AuditEntry& entry) {
    audit_.push_back(entry);
    audit_.back().id = static_cast<std::int64_t>(audit_.size());
    return audit_.back().id;
  }

  struct Entry {
    Module module;
    std::map<std::string, Version> versions;
    std::optional<ModulePolicy> config;
    std::int64_t revision = 0;
  };

  static ModuleRecord record(const Entry& e) {
    ModuleRecord r;
    r.module = e.module;
    auto all = refs(e);
    if (auto latest = pick_latest(all)) r.latest_version = latest->version;
    r.version_count = all.size();
    r.revision = e.revision;
    return r;
  }

  static std::vector<VersionRef> refs(const Entry& e) {
    std::vector<VersionRef> out;
    for (const auto& [_, v] : e.versions)
      out.push_back({v.version, v.digest, v.created_at, v.sequence});
    return out;
  }
  const Version* find(const std::string& module, const std::string& version) const {
    auto it = modules_.find(module);
    if (it == modules_.end()) return nullptr;
    auto vit = it->second.versions.find(version);
    return vit == it->second.versions.end() ? nullptr : &vit->second;
  }

  std::shared_mutex mu_;
  std::map<std::string, Entry> modules_;
  std::int64_t sequence_ = 0;
  std::map<std::string, CompileJob> jobs_;
  std::vector<std::string> job_order_;  // insertion order
  std::map<std::string, Artifact> artifacts_;
  std::map<std::string, AccessToken> tokens_;
  std::vector<AuditEntry> audit_;  // id i at index i - 1
  std::map<std::string, Webhook> webhooks_;
  std::vector<std::string> webhook_order_;  // insertion order
  std::map<std::string, WebhookEvent> events_;
  std::int64_t event_sequence_ = 0;
  std::map<std::string, WebhookDelivery> deliveries_;
  std::int64_t delivery_sequence_ = 0;
  std::map<std::string, std::vector<DeliveryAttempt>> attempts_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Status ping() override { return Status::OK(); }
  Status put(const std::string& digest, std::string_view content) override {
    std::unique_lock lock(mu_);
    blobs_.try_emplace(digest, content);
    return Status::OK();
  }
  Result<std::string> get(const std::string& digest) override {
    std::shared_lock lock(mu_);
    auto it = blobs_.find(digest);
    if (it == blobs_.end()) {
      return internal::blob_not_found(digest);
    }
    return it->second;
  }
  Result<bool> exists(const std::string& digest) override {
    std::shared_lock lock(mu_);
    return blobs_.count(digest) != 0;
  }

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::string> blobs_;
};

}  // namespace

std::unique_ptr<MetadataStore> make_memory_metadata_store() {
  return std::make_unique<MemoryMetadataStore>();
}
std::unique_ptr<BlobStore> make_memory_blob_store() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace spoke
