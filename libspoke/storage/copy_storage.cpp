// copy_storage and verify_storage: a whole store, record by record, through the contracts.
#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <set>
#include <tuple>

#include "spoke/storage_admin.h"

namespace spoke {
namespace {

constexpr std::size_t kPage = 500;

struct VersionKey {
  std::string module;
  std::string version;
  std::int64_t sequence;
};

// Every module, and every version in push order.
Status list_everything(MetadataStore& store, std::vector<Module>* modules,
                       std::vector<VersionKey>* versions) {
  std::string after;
  for (;;) {
    auto page = store.list_modules(after, kPage);
    if (!page.ok()) return page.status();
    for (const auto& record : page.value()) {
      modules->push_back(record.module);
      for (const auto& ref : record.versions) {
        versions->push_back({record.module.name, ref.version, ref.sequence});
      }
    }
    if (page->size() < kPage) break;
    after = page->back().module.name;
  }
  std::sort(versions->begin(), versions->end(),
            [](const VersionKey& a, const VersionKey& b) { return a.sequence < b.sequence; });
  return Status::OK();
}

Result<std::vector<Artifact>> list_all_artifacts(MetadataStore& store) {
  std::vector<Artifact> out;
  std::string after;
  for (;;) {
    auto page = store.list_artifacts(after, kPage);
    if (!page.ok()) return page.status();
    out.insert(out.end(), page->begin(), page->end());
    if (page->size() < kPage) break;
    after = page->back().key;
  }
  return out;
}

class Copier {
 public:
  Copier(Storage& from, Storage& to, const CopyOptions& options)
      : from_(from), to_(to), options_(options) {}

  // Copies the blobs `digests` names that the target lacks.
  Status copy_blobs(const std::vector<std::string>& digests) {
    std::vector<std::string> contents;
    std::vector<std::string> missing;
    for (const auto& d : digests) {
      if (!copied_.insert(d).second) continue;
      auto there = to_.blobs->exists(d);
      if (!there.ok()) return there.status();
      if (there.value()) continue;
      auto content = from_.blobs->get(d);
      if (!content.ok()) return content.status();
      missing.push_back(d);
      contents.push_back(std::move(content).value());
    }
    std::vector<std::pair<std::string, std::string_view>> batch;
    for (std::size_t i = 0; i < missing.size(); ++i) batch.emplace_back(missing[i], contents[i]);
    SPOKE_RETURN_IF_ERROR(to_.blobs->put_many(batch));
    report_.blobs += missing.size();
    return Status::OK();
  }

  Result<CopyReport> run() {
    std::vector<Module> modules;
    std::vector<VersionKey> versions;
    SPOKE_RETURN_IF_ERROR(list_everything(*from_.metadata, &modules, &versions));
    SPOKE_RETURN_IF_ERROR(check_target());

    for (std::size_t i = 0; i < modules.size(); ++i) {
      auto created = to_.metadata->create_module(modules[i], {});
      if (!created.ok()) return created.status();
      if (created.value()) {
        ++report_.modules;
      } else {
        ++report_.already_there;
      }
      progress("modules", i + 1, modules.size());
    }

    for (std::size_t i = 0; i < versions.size(); ++i) {
      SPOKE_RETURN_IF_ERROR(copy_version(versions[i]));
      progress("versions", i + 1, versions.size());
    }

    auto artifacts = list_all_artifacts(*from_.metadata);
    if (!artifacts.ok()) return artifacts.status();
    for (std::size_t i = 0; i < artifacts->size(); ++i) {
      SPOKE_RETURN_IF_ERROR(copy_artifact((*artifacts)[i]));
      progress("artifacts", i + 1, artifacts->size());
    }

    auto jobs = from_.metadata->list_jobs_by_status(
        {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed});
    if (!jobs.ok()) return jobs.status();
    for (std::size_t i = 0; i < jobs->size(); ++i) {
      Status s = to_.metadata->insert_job((*jobs)[i]);
      if (s.reason() == reason::kJobExists) {
        ++report_.already_there;
      } else if (!s.ok()) {
        return s;
      } else {
        ++report_.jobs;
      }
      progress("jobs", i + 1, jobs->size());
    }

    for (std::size_t i = 0; i < modules.size(); ++i) {
      auto policy = from_.metadata->get_module_policy(modules[i].name);
      if (!policy.ok()) return policy.status();
      if (policy->has_value()) {
        SPOKE_RETURN_IF_ERROR(to_.metadata->put_module_policy(modules[i].name, **policy, {}));
        ++report_.policies;
      }
      progress("policies", i + 1, modules.size());
    }

    SPOKE_RETURN_IF_ERROR(copy_tokens());
    SPOKE_RETURN_IF_ERROR(copy_audit_log());
    SPOKE_RETURN_IF_ERROR(copy_webhooks());

    auto verified = verify_storage(to_, options_.progress);
    if (!verified.ok()) return verified.status();
    report_.verified = verified.value();
    return report_;
  }

 private:
  Status check_target() {
    auto modules = to_.metadata->list_modules("", 1);
    if (!modules.ok()) return modules.status();
    auto jobs = to_.metadata->list_jobs_by_status(
        {JobStatus::kQueued, JobStatus::kRunning, JobStatus::kSucceeded, JobStatus::kFailed});
    if (!jobs.ok()) return jobs.status();
    auto artifacts = to_.metadata->list_artifacts("", 1);
    if (!artifacts.ok()) return artifacts.status();
    auto webhooks = to_.metadata->list_webhooks();
    if (!webhooks.ok()) return webhooks.status();
    if ((modules->empty() && jobs->empty() && artifacts->empty() && webhooks->empty()) ||
        options_.resume) {
      return Status::OK();
    }
    return Status::Conflict(
        "the target storage is not empty; copy into an empty one, or resume an interrupted "
        "copy (--resume)",
        reason::kTargetNotEmpty);
  }

  Status copy_version(const VersionKey& key) {
    auto v = from_.metadata->get_version(key.module, key.version);
    if (!v.ok()) return v.status();
    std::vector<std::string> digests;
    for (const auto& f : v->files) digests.push_back(f.digest);
    SPOKE_RETURN_IF_ERROR(copy_blobs(digests));
    Module unused{key.module, "", v->created_at, v->created_at};
    auto inserted = to_.metadata->insert_version(unused, v.value(), {});
    if (inserted.ok()) {
      ++report_.versions;
      return Status::OK();
    }
    if (inserted.status().reason() != reason::kVersionExists) return inserted.status();
    auto there = to_.metadata->get_version(key.module, key.version);
    if (!there.ok()) return there.status();
    if (there->digest != v->digest) {
      return Status::Conflict(
          fmt::format("the target holds {}@{} with digest {}, the source with {}", key.module,
                      key.version, there->digest, v->digest),
          reason::kVersionExists);
    }
    ++report_.already_there;
    return Status::OK();
  }

  Status copy_artifact(const Artifact& a) {
    auto manifest_text = from_.blobs->get(a.manifest_digest);
    if (!manifest_text.ok()) return manifest_text.status();
    auto manifest = nlohmann::json::parse(manifest_text.value(), nullptr, false);
    if (!manifest.is_array()) {
      return Status::Internal(fmt::format("artifact {} has a damaged manifest", a.key),
                              reason::kStorageError);
    }
    std::vector<std::string> digests = {a.manifest_digest};
    for (const auto& entry : manifest) digests.push_back(entry.value("digest", ""));
    SPOKE_RETURN_IF_ERROR(copy_blobs(digests));
    SPOKE_RETURN_IF_ERROR(to_.metadata->put_artifact(a));
    ++report_.artifacts;
    return Status::OK();
  }

  Status copy_tokens() {
    auto tokens = from_.metadata->list_tokens();
    if (!tokens.ok()) return tokens.status();
    for (std::size_t i = 0; i < tokens->size(); ++i) {
      Status s = to_.metadata->insert_token((*tokens)[i], {});
      if (s.reason() == reason::kTokenExists) {
        ++report_.already_there;
      } else if (!s.ok()) {
        return s;
      } else {
        ++report_.tokens;
      }
      progress("tokens", i + 1, tokens->size());
    }
    return Status::OK();
  }

  // The audit log in its order, into a target that has none (a resumed copy that wrote it
  // already leaves it).
  Status copy_audit_log() {
    AuditQuery newest;
    newest.limit = 1;
    auto there = to_.metadata->list_audit(newest);
    if (!there.ok()) return there.status();
    if (!there->empty()) return Status::OK();
    std::vector<AuditEntry> all;
    AuditQuery page;
    page.limit = kPage;
    for (;;) {
      auto entries = from_.metadata->list_audit(page);
      if (!entries.ok()) return entries.status();
      all.insert(all.end(), entries->begin(), entries->end());
      if (entries->size() < kPage) break;
      page.before_id = entries->back().id;
    }
    for (std::size_t i = all.size(); i-- > 0;) {
      auto id = to_.metadata->append_audit(all[i]);
      if (!id.ok()) return id.status();
      ++report_.audit_entries;
      progress("audit", all.size() - i, all.size());
    }
    return Status::OK();
  }

  // Subscriptions, then the outbox: events in their order, each subscription's deliveries oldest
  // first with their attempts. Claims are not copied: the target's servers take them afresh.
  Status copy_webhooks() {
    auto webhooks = from_.metadata->list_webhooks();
    if (!webhooks.ok()) return webhooks.status();
    for (std::size_t i = 0; i < webhooks->size(); ++i) {
      Status s = to_.metadata->insert_webhook((*webhooks)[i], {});
      if (s.reason() == reason::kWebhookExists) {
        ++report_.already_there;
      } else if (!s.ok()) {
        return s;
      } else {
        ++report_.webhooks;
      }
      progress("webhooks", i + 1, webhooks->size());
    }
    for (std::int64_t after = 0;;) {
      auto events = from_.metadata->list_events(after, kPage);
      if (!events.ok()) return events.status();
      if (events->empty()) break;
      after = events->back().sequence;
      SPOKE_RETURN_IF_ERROR(to_.metadata->import_webhook_log(events.value(), {}, {}));
      report_.webhook_events += events->size();
      progress("webhook events", report_.webhook_events, report_.webhook_events);
    }
    for (const auto& w : webhooks.value()) {
      std::vector<WebhookDelivery> deliveries;
      DeliveryQuery q;
      q.webhook_id = w.id;
      q.limit = kPage;
      for (;;) {
        auto page = from_.metadata->list_deliveries(q);
        if (!page.ok()) return page.status();
        deliveries.insert(deliveries.end(), page->begin(), page->end());
        if (page->size() < kPage) break;
        q.before_sequence = page->back().sequence;
      }
      std::reverse(deliveries.begin(), deliveries.end());
      for (std::size_t i = 0; i < deliveries.size(); i += kPage) {
        std::vector<WebhookDelivery> batch(
            deliveries.begin() + static_cast<std::ptrdiff_t>(i),
            deliveries.begin() +
                static_cast<std::ptrdiff_t>(std::min(i + kPage, deliveries.size())));
        std::vector<DeliveryAttempt> attempts;
        for (auto& d : batch) {
          d.owner.clear();
          d.lease_expires_at = 0;
          auto a = from_.metadata->list_attempts(d.id);
          if (!a.ok()) return a.status();
          attempts.insert(attempts.end(), a->begin(), a->end());
        }
        SPOKE_RETURN_IF_ERROR(to_.metadata->import_webhook_log({}, batch, attempts));
        report_.webhook_deliveries += batch.size();
        progress("webhook deliveries", i + batch.size(), deliveries.size());
      }
    }
    return Status::OK();
  }

  void progress(const char* phase, std::size_t done, std::size_t total) {
    if (options_.progress) options_.progress({phase, done, total});
  }

  Storage& from_;
  Storage& to_;
  const CopyOptions& options_;
  CopyReport report_;
  std::set<std::string> copied_;  // blobs already seen in this run
};

}  // namespace

Result<CopyReport> copy_storage(Storage& from, Storage& to, const CopyOptions& options) {
  return Copier(from, to, options).run();
}

Result<std::size_t> verify_storage(Storage& storage, const ProgressFn& progress) {
  std::vector<Module> modules;
  std::vector<VersionKey> versions;
  SPOKE_RETURN_IF_ERROR(list_everything(*storage.metadata, &modules, &versions));
  for (std::size_t i = 0; i < versions.size(); ++i) {
    const auto& key = versions[i];
    auto v = storage.metadata->get_version(key.module, key.version);
    if (!v.ok()) return v.status();
    for (auto& f : v->files) {
      auto content = storage.blobs->get(f.digest);
      if (!content.ok()) return content.status();
      f.digest = content_digest(content.value());
    }
    std::string digest = compute_version_digest(v->files, v->dependencies);
    if (digest != v->digest) {
      return Status::Internal(
          fmt::format("{}@{}: its files give digest {}, the stored digest is {}", key.module,
                      key.version, digest, v->digest),
          reason::kDigestMismatch);
    }
    if (progress) progress({"verify", i + 1, versions.size()});
  }
  return versions.size();
}

}  // namespace spoke
