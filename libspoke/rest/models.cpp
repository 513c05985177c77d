// JSON of modules, versions, reports and policies.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/lint.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::parse_timestamp;
using internal::read_response;
using internal::timestamp_or_null;

json to_json(const Module& m) {
  return {{"name", m.name},
          {"description", m.description},
          {"created_at", format_timestamp(m.created_at)},
          {"updated_at", format_timestamp(m.updated_at)}};
}

json to_json(const ModuleSummary& s) {
  json j = to_json(s.module);
  j["latest_version"] = s.latest_version.empty() ? json(nullptr) : json(s.latest_version);
  j["version_count"] = s.version_count;
  return j;
}

json to_json(const ModulePage& p) {
  json list = json::array();
  for (const auto& m : p.modules) list.push_back(to_json(m));
  json j = {{"modules", std::move(list)}};
  if (!p.next_page_token.empty()) j["next_page_token"] = p.next_page_token;
  return j;
}

json to_json(const ModuleDetail& d) {
  json j = to_json(d.module);
  j["latest_version"] = d.latest_version.empty() ? json(nullptr) : json(d.latest_version);
  j["version_count"] = d.version_count;
  j["versions"] = to_json(d.versions)["versions"];
  if (!d.next_page_token.empty()) j["next_page_token"] = d.next_page_token;
  return j;
}

json to_json(const VersionPage& p) {
  json j = to_json(p.versions);
  if (!p.next_page_token.empty()) j["next_page_token"] = p.next_page_token;
  return j;
}

json to_json(const Dependency& d) {
  return {{"module", d.module}, {"version", d.version}, {"digest", d.digest}};
}

json to_json(const SourceInfo& s) {
  return {{"repository", s.repository}, {"commit_sha", s.commit_sha}, {"branch", s.branch}};
}

json to_json(const Version& v, bool with_content) {
  json files = json::array();
  for (const auto& f : v.files) {
    json jf = {{"path", f.path}, {"digest", f.digest}, {"size", f.size}};
    if (with_content) jf["content"] = f.content;
    files.push_back(std::move(jf));
  }
  json deps = json::array();
  for (const auto& d : v.dependencies) deps.push_back(d.spec());
  json pinned = json::array();
  for (const auto& d : v.dependencies) pinned.push_back(to_json(d));
  json out = {{"module", v.module},
              {"version", v.version},
              {"description", v.description},
              {"digest", v.digest},
              {"files", std::move(files)},
              {"dependencies", std::move(deps)},
              {"pinned_dependencies", std::move(pinned)},
              {"source_info", to_json(v.source_info)},
              {"created_at", format_timestamp(v.created_at)},
              {"forced_breaking", v.forced_breaking}};
  if (!v.descriptor_digest.empty()) out["descriptor_digest"] = v.descriptor_digest;
  return out;
}

json to_json(const std::vector<Version>& versions) {
  json list = json::array();
  for (const auto& v : versions) list.push_back(to_json(v, false));
  return {{"versions", std::move(list)}};
}

json to_json(const PushResult& r) {
  json out = to_json(r.version, false);
  json warnings = json::array();
  for (const auto& w : r.warnings) warnings.push_back(to_json(w));
  out["warnings"] = std::move(warnings);
  return out;
}

json to_json(const Diagnostic& d) {
  json j = {{"file", d.file}, {"severity", to_string(d.severity)}, {"message", d.message}};
  if (d.line > 0) j["line"] = d.line;
  if (d.column > 0) j["column"] = d.column;
  return j;
}

json to_json(const ValidateReport& r) {
  json diags = json::array();
  for (const auto& d : r.diagnostics) diags.push_back(to_json(d));
  json deps = json::array();
  for (const auto& d : r.dependencies) deps.push_back(to_json(d));
  return {{"valid", r.valid}, {"diagnostics", std::move(diags)}, {"dependencies", std::move(deps)}};
}

json to_json(const DependencyReport& r) {
  json direct = json::array(), transitive = json::array();
  for (const auto& d : r.direct) direct.push_back(to_json(d));
  for (const auto& d : r.transitive) transitive.push_back(to_json(d));
  return {{"direct", std::move(direct)}, {"transitive", std::move(transitive)}};
}

json to_json(const EffectivePolicy& p) {
  return {{"compatibility", p.policy.compatibility},
          {"ignore_unstable_packages", p.policy.ignore_unstable_packages},
          {"transitive", p.policy.transitive},
          {"lint", p.policy.lint ? lint_section_json(*p.policy.lint) : json()},
          {"default", p.is_default},
          {"updated_at", timestamp_or_null(p.policy.updated_at)}};
}

// ---- reading responses ------------------------------------------------------------------------

namespace {

Module read_module(const json& j) {
  return Module{j.at("name").get<std::string>(), j.value("description", ""),
                parse_timestamp(j.value("created_at", json())),
                parse_timestamp(j.value("updated_at", json()))};
}

Dependency read_dependency(const json& d) {
  return {d.at("module").get<std::string>(), d.at("version").get<std::string>(),
          d.value("digest", "")};
}

Version read_version(const json& j) {
  Version v;
  v.module = j.at("module").get<std::string>();
  v.version = j.at("version").get<std::string>();
  v.description = j.value("description", "");
  v.digest = j.value("digest", "");
  v.created_at = parse_timestamp(j.value("created_at", json()));
  v.forced_breaking = j.value("forced_breaking", std::int64_t{0});
  v.descriptor_digest = j.value("descriptor_digest", "");
  for (const auto& f : j.at("files")) {
    File file;
    file.path = f.at("path").get<std::string>();
    file.digest = f.value("digest", "");
    file.size = f.value("size", std::uint64_t{0});
    file.content = f.value("content", "");
    v.files.push_back(std::move(file));
  }
  for (const auto& d : j.value("pinned_dependencies", json::array())) {
    v.dependencies.push_back(read_dependency(d));
  }
  if (auto si = j.find("source_info"); si != j.end() && si->is_object()) {
    v.source_info = {si->value("repository", ""), si->value("commit_sha", ""),
                     si->value("branch", "")};
  }
  return v;
}

Diagnostic read_diagnostic(const json& d) {
  Diagnostic out;
  out.file = d.value("file", "");
  out.line = d.value("line", 0);
  out.column = d.value("column", 0);
  out.severity = parse_severity(d.value("severity", "error")).value_or(Severity::kError);
  out.message = d.at("message").get<std::string>();
  return out;
}

}  // namespace

Result<Module> module_from_json(const json& j) {
  return read_response<Module>("module", [&] { return read_module(j); });
}

Result<ModulePage> module_page_from_json(const json& j) {
  return read_response<ModulePage>("module list", [&] {
    ModulePage page;
    for (const auto& m : j.at("modules")) {
      ModuleSummary s;
      s.module = read_module(m);
      if (m.value("latest_version", json()).is_string()) s.latest_version = m["latest_version"];
      s.version_count = m.value("version_count", std::size_t{0});
      page.modules.push_back(std::move(s));
    }
    page.next_page_token = j.value("next_page_token", "");
    return page;
  });
}

Result<ModuleDetail> module_detail_from_json(const json& j) {
  return read_response<ModuleDetail>("module", [&] {
    ModuleDetail d;
    d.module = read_module(j);
    if (j.value("latest_version", json()).is_string()) d.latest_version = j["latest_version"];
    for (const auto& v : j.at("versions")) d.versions.push_back(read_version(v));
    d.version_count = j.value("version_count", d.versions.size());
    d.next_page_token = j.value("next_page_token", "");
    return d;
  });
}

Result<VersionPage> version_page_from_json(const json& j) {
  return read_response<VersionPage>("version list", [&] {
    VersionPage p;
    for (const auto& v : j.at("versions")) p.versions.push_back(read_version(v));
    p.next_page_token = j.value("next_page_token", "");
    return p;
  });
}

Result<Version> version_from_json(const json& j) {
  return read_response<Version>("version", [&] { return read_version(j); });
}

Result<std::vector<Version>> versions_from_json(const json& j) {
  return read_response<std::vector<Version>>("version list", [&] {
    std::vector<Version> out;
    for (const auto& v : j.at("versions")) out.push_back(read_version(v));
    return out;
  });
}

Result<PushResult> push_result_from_json(const json& j, bool created) {
  return read_response<PushResult>("push result", [&] {
    PushResult r;
    r.version = read_version(j);
    r.created = created;
    for (const auto& w : j.value("warnings", json::array())) {
      r.warnings.push_back(read_diagnostic(w));
    }
    return r;
  });
}

Result<Diagnostic> diagnostic_from_json(const json& j) {
  return read_response<Diagnostic>("diagnostic", [&] { return read_diagnostic(j); });
}

Result<ValidateReport> validate_report_from_json(const json& j) {
  return read_response<ValidateReport>("validation", [&] {
    ValidateReport r;
    r.valid = j.at("valid").get<bool>();
    for (const auto& d : j.at("diagnostics")) r.diagnostics.push_back(read_diagnostic(d));
    for (const auto& d : j.value("dependencies", json::array())) {
      r.dependencies.push_back(read_dependency(d));
    }
    return r;
  });
}

Result<DependencyReport> dependency_report_from_json(const json& j) {
  return read_response<DependencyReport>("dependencies", [&] {
    DependencyReport r;
    for (const auto& d : j.at("direct")) r.direct.push_back(read_dependency(d));
    for (const auto& d : j.at("transitive")) r.transitive.push_back(read_dependency(d));
    return r;
  });
}

Result<EffectivePolicy> policy_from_json(const json& j) {
  auto read = read_response<EffectivePolicy>("module config", [&] {
    EffectivePolicy p;
    p.policy.compatibility = j.at("compatibility").get<std::string>();
    p.policy.ignore_unstable_packages = j.value("ignore_unstable_packages", false);
    p.policy.transitive = j.value("transitive", false);
    p.policy.updated_at = parse_timestamp(j.value("updated_at", json()));
    p.is_default = j.value("default", false);
    return p;
  });
  if (!read.ok()) return read.status();
  auto lint = internal::read_lint_section(j, "lint");
  if (!lint.ok()) {
    return Status::Internal(
        fmt::format("unexpected module config JSON: {}", lint.status().message()),
        reason::kBadResponse);
  }
  read->policy.lint = std::move(lint).value();
  return read;
}

}  // namespace spoke::rest
