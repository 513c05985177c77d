// JSON of compile jobs, artifacts and languages.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::parse_timestamp;
using internal::read_response;
using internal::timestamp_or_null;

namespace {

std::string download_url(const std::string& module, const std::string& version,
                         const std::string& language) {
  return fmt::format("/modules/{}/versions/{}/download/{}", module, version, language);
}

}  // namespace

json to_json(const CompileJob& j) {
  json out = {{"job_id", j.id},
              {"module", j.module},
              {"version", j.version},
              {"language", j.language},
              {"grpc", j.grpc},
              {"options", j.options},
              {"status", to_string(j.status)},
              {"attempts", j.attempts},
              {"created_at", format_timestamp(j.created_at)},
              {"started_at", timestamp_or_null(j.started_at)},
              {"finished_at", timestamp_or_null(j.finished_at)},
              {"duration_ms", job_duration_ms(j)}};
  if (!j.generator.empty()) out["generator"] = j.generator;
  if (j.status == JobStatus::kFailed) out["error"] = j.error;
  if (j.status == JobStatus::kSucceeded) {
    out["artifact_key"] = j.artifact_key;
    out["file_count"] = j.file_count;
    out["download_url"] = download_url(j.module, j.version, j.language);
  }
  return out;
}

json to_json(const Artifact& a) {
  return {{"key", a.key},
          {"module", a.module},
          {"version", a.version},
          {"language", a.language},
          {"generator", a.generator},
          {"file_count", a.file_count},
          {"total_size", a.total_size},
          {"created_at", format_timestamp(a.created_at)},
          {"download_url", download_url(a.module, a.version, a.language)}};
}

json to_json(const SubmitResult& r) {
  json out = to_json(r.job);
  out["cache_hit"] = r.cache_hit;
  if (r.artifact) out["artifact"] = to_json(*r.artifact);
  return out;
}

json to_json(const std::vector<CompileJob>& jobs) {
  json list = json::array();
  for (const auto& j : jobs) list.push_back(to_json(j));
  return {{"jobs", std::move(list)}};
}

json to_json(const std::vector<LanguageInfo>& languages) {
  json list = json::array();
  for (const auto& l : languages) {
    json item = {{"language", l.language}, {"builtin", l.builtin}};
    if (!l.program.empty()) item["plugin"] = l.program;
    item["grpc"] = !l.grpc_program.empty();
    if (!l.grpc_program.empty()) item["grpc_plugin"] = l.grpc_program;
    if (!l.grpc_missing.empty()) item["grpc_missing"] = l.grpc_missing;
    list.push_back(std::move(item));
  }
  return {{"libprotoc", libprotoc_version()}, {"languages", std::move(list)}};
}

namespace {

CompileJob read_job(const json& j) {
  CompileJob job;
  job.id = j.at("job_id").get<std::string>();
  job.module = j.at("module").get<std::string>();
  job.version = j.at("version").get<std::string>();
  job.language = j.at("language").get<std::string>();
  job.grpc = j.value("grpc", false);
  job.options = j.value("options", std::vector<std::string>{});
  auto status = parse_job_status(j.at("status").get<std::string>());
  if (!status) throw json::other_error::create(501, "unknown job status", &j);
  job.status = *status;
  job.attempts = j.value("attempts", std::int64_t{0});
  job.created_at = parse_timestamp(j.value("created_at", json()));
  job.started_at = parse_timestamp(j.value("started_at", json()));
  job.finished_at = parse_timestamp(j.value("finished_at", json()));
  job.generator = j.value("generator", "");
  job.error = j.value("error", "");
  job.artifact_key = j.value("artifact_key", "");
  job.file_count = j.value("file_count", std::uint64_t{0});
  return job;
}

}  // namespace

Result<CompileJob> job_from_json(const json& j) {
  return read_response<CompileJob>("job", [&] { return read_job(j); });
}

Result<SubmitResult> submit_result_from_json(const json& j) {
  return read_response<SubmitResult>("compile job", [&] {
    SubmitResult r;
    r.job = read_job(j);
    r.cache_hit = j.value("cache_hit", false);
    if (auto a = j.find("artifact"); a != j.end() && a->is_object()) {
      Artifact artifact;
      artifact.key = a->at("key").get<std::string>();
      artifact.module = a->value("module", "");
      artifact.version = a->value("version", "");
      artifact.language = a->value("language", "");
      artifact.generator = a->value("generator", "");
      artifact.file_count = a->value("file_count", std::uint64_t{0});
      artifact.total_size = a->value("total_size", std::uint64_t{0});
      artifact.created_at = parse_timestamp(a->value("created_at", json()));
      r.artifact = std::move(artifact);
    }
    return r;
  });
}

Result<std::vector<LanguageInfo>> languages_from_json(const json& j) {
  return read_response<std::vector<LanguageInfo>>("languages", [&] {
    std::vector<LanguageInfo> out;
    for (const auto& l : j.at("languages")) {
      LanguageInfo info;
      info.language = l.at("language").get<std::string>();
      info.builtin = l.value("builtin", false);
      info.program = l.value("plugin", "");
      info.grpc_program = l.value("grpc_plugin", "");
      info.grpc_missing = l.value("grpc_missing", "");
      out.push_back(std::move(info));
    }
    return out;
  });
}

}  // namespace spoke::rest
