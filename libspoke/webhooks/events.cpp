#include "webhooks/events.h"

#include <nlohmann/json.hpp>

#include "spoke/breaking.h"
#include "storage/webhook_records.h"

namespace spoke::internal {
namespace {

using nlohmann::json;

JournalEvent make_event(std::string_view type, const std::string& module, json data) {
  JournalEvent je;
  WebhookEvent& e = je.event;
  e.id = random_id("evt_");
  e.type = std::string(type);
  e.module = module;
  e.time = now_ms();
  json body = {{"id", e.id}, {"type", e.type}, {"time", format_timestamp(e.time)}, {"data", data}};
  e.payload = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return je;
}

json or_null(const std::string& s) { return s.empty() ? json() : json(s); }

}  // namespace

JournalEvent module_created_event(const Module& module) {
  JournalEvent je = make_event(kEventModuleCreated, module.name,
                               {{"module", module.name}, {"description", module.description}});
  je.if_module_created = true;
  return je;
}

JournalEvent version_pushed_event(const Version& v) {
  json files = json::array();
  for (const auto& f : v.files) {
    files.push_back({{"path", f.path}, {"digest", f.digest}, {"size", f.size}});
  }
  json deps = json::array();
  for (const auto& d : v.dependencies) {
    deps.push_back({{"module", d.module}, {"version", d.version}, {"digest", d.digest}});
  }
  return make_event(kEventVersionPushed, v.module,
                    {{"module", v.module},
                     {"version", v.version},
                     {"digest", v.digest},
                     {"description", v.description},
                     {"files", std::move(files)},
                     {"dependencies", std::move(deps)},
                     {"forced_breaking", v.forced_breaking},
                     {"source_info",
                      {{"repository", or_null(v.source_info.repository)},
                       {"commit_sha", or_null(v.source_info.commit_sha)},
                       {"branch", or_null(v.source_info.branch)}}}});
}

JournalEvent version_rejected_event(const std::string& module, const std::string& version,
                                    const Status& why) {
  std::size_t errors = 0;
  for (const auto& d : why.diagnostics()) {
    if (d.severity == Severity::kError) ++errors;
  }
  std::size_t findings = why.findings() == nullptr ? 0 : why.findings()->size();
  return make_event(kEventVersionRejected, module,
                    {{"module", module},
                     {"version", version},
                     {"code", why.reason()},
                     {"message", why.message()},
                     {"findings", findings},
                     {"errors", errors}});
}

JournalEvent compile_finished_event(const CompileJob& job) {
  bool ok = job.status == JobStatus::kSucceeded;
  std::int64_t duration =
      job.finished_at > 0 && job.started_at > 0 ? job.finished_at - job.started_at : 0;
  return make_event(kEventCompileFinished, job.module,
                    {{"module", job.module},
                     {"version", job.version},
                     {"language", job.language},
                     {"grpc", job.grpc},
                     {"job_id", job.id},
                     {"status", ok ? "succeeded" : "failed"},
                     {"artifact_key", ok ? or_null(job.artifact_key) : json()},
                     {"file_count", job.file_count},
                     {"generator", or_null(job.generator)},
                     {"duration_ms", duration},
                     {"error", ok ? json() : json(job.error)}});
}

JournalEvent policy_changed_event(const std::string& module, const EffectivePolicy& p) {
  return make_event(kEventPolicyChanged, module,
                    {{"module", module},
                     {"compatibility", p.policy.compatibility},
                     {"ignore_unstable_packages", p.policy.ignore_unstable_packages},
                     {"transitive", p.policy.transitive},
                     {"default", p.is_default}});
}

JournalEvent ping_event(const std::string& webhook_id) {
  JournalEvent je = make_event(kEventPing, "", {{"webhook_id", webhook_id}});
  je.only_webhook = webhook_id;
  return je;
}

}  // namespace spoke::internal

namespace spoke::internal {

Journal journal_with(const AuditRecord* audit) {
  Journal j;
  if (audit != nullptr) {
    j.audit = audit->entry;
    if (j.audit->time == 0) j.audit->time = now_ms();
  }
  return j;
}

}  // namespace spoke::internal
