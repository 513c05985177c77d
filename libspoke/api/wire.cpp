#include "spoke/wire.h"

#include <fmt/format.h>

namespace spoke::wire {
namespace {

Status wrong_type(const std::string& field, const char* expected) {
  return Status::InvalidArgument(fmt::format("field \"{}\" must be {}", field, expected),
                                 "invalid_field");
}

// Reads an optional string member; error when present with another type.
Status read_string(const json& obj, const char* key, std::string& out,
                   const std::string& prefix = "") {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) return wrong_type(prefix + key, "a string");
  out = it->get<std::string>();
  return Status::OK();
}

Status read_bool(const json& obj, const char* key, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_boolean()) return wrong_type(key, "true or false");
  out = it->get<bool>();
  return Status::OK();
}

// {files: [{path, content}], dependencies: ["module@version"]}, shared by push and validate.
Status read_files_and_dependencies(const json& body, std::vector<FileInput>& out_files,
                                   std::vector<std::string>& out_deps) {
  auto files = body.find("files");
  if (files == body.end() || files->is_null()) {
    return Status::InvalidArgument("field \"files\" is required", "missing_field");
  }
  if (!files->is_array()) return wrong_type("files", "an array of {path, content}");
  for (std::size_t i = 0; i < files->size(); ++i) {
    const json& f = (*files)[i];
    std::string where = fmt::format("files[{}]", i);
    if (!f.is_object()) return wrong_type(where, "an object {path, content}");
    auto path = f.find("path");
    if (path == f.end() || !path->is_string()) return wrong_type(where + ".path", "a string");
    auto content = f.find("content");
    if (content == f.end() || !content->is_string()) {
      return wrong_type(where + ".content", "a string");
    }
    out_files.push_back({path->get<std::string>(), content->get<std::string>()});
  }
  if (auto deps = body.find("dependencies"); deps != body.end() && !deps->is_null()) {
    if (!deps->is_array()) return wrong_type("dependencies", "an array of \"module@version\"");
    for (std::size_t i = 0; i < deps->size(); ++i) {
      if (!(*deps)[i].is_string()) {
        return wrong_type(fmt::format("dependencies[{}]", i), "a string \"module@version\"");
      }
      out_deps.push_back((*deps)[i].get<std::string>());
    }
  }
  return Status::OK();
}

Timestamp parse_timestamp(const std::string& text) {
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(text.c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<Timestamp>(timegm(&tm)) * 1000 + ms;
}

}  // namespace

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
  return {{"module", v.module},
          {"version", v.version},
          {"description", v.description},
          {"digest", v.digest},
          {"files", std::move(files)},
          {"dependencies", std::move(deps)},
          {"pinned_dependencies", std::move(pinned)},
          {"source_info", to_json(v.source_info)},
          {"created_at", format_timestamp(v.created_at)},
          {"forced_breaking", v.forced_breaking}};
}

json to_json(const Diagnostic& d) {
  json j = {{"file", d.file}, {"severity", d.severity}, {"message", d.message}};
  if (d.line > 0) j["line"] = d.line;
  if (d.column > 0) j["column"] = d.column;
  return j;
}

json to_json(const BreakingFinding& f) {
  json j = json::object();
  if (!f.path.empty()) j["path"] = f.path;
  j["start_line"] = f.start_line;
  j["start_column"] = f.start_column;
  j["end_line"] = f.end_line;
  j["end_column"] = f.end_column;
  j["type"] = f.type;
  j["message"] = f.message;
  return j;
}

json to_json(const SchemaChange& c) {
  json j = {{"kind", c.kind}, {"element", c.element}, {"name", c.name}, {"path", c.path}};
  if (c.line > 0) j["line"] = c.line;
  if (c.column > 0) j["column"] = c.column;
  if (!c.detail.empty()) j["detail"] = c.detail;
  return j;
}

json to_json(const BreakingResult& r) {
  json findings = json::array(), changes = json::array();
  for (const auto& f : r.findings) findings.push_back(to_json(f));
  for (const auto& c : r.changes) changes.push_back(to_json(c));
  return {{"breaking", r.breaking()},
          {"rules", r.rules},
          {"findings", std::move(findings)},
          {"changes", std::move(changes)},
          {"warnings", r.warnings}};
}

json diff_json(const BreakingResult& r) {
  json findings = json::array(), changes = json::array();
  for (const auto& f : r.findings) findings.push_back(to_json(f));
  for (const auto& c : r.changes) changes.push_back(to_json(c));
  return {{"breaking", std::move(findings)}, {"changes", std::move(changes)}, {"rules", r.rules}};
}

Result<BreakingResult> parse_diff_json(const json& j) {
  try {
    BreakingResult r;
    for (const auto& f : j.at("breaking")) {
      r.findings.push_back({f.value("path", ""), f.value("start_line", 1),
                            f.value("start_column", 1), f.value("end_line", 1),
                            f.value("end_column", 1), f.at("type").get<std::string>(),
                            f.at("message").get<std::string>()});
    }
    for (const auto& c : j.at("changes")) {
      r.changes.push_back({c.at("kind").get<std::string>(), c.at("element").get<std::string>(),
                           c.at("name").get<std::string>(), c.value("path", ""), c.value("line", 0),
                           c.value("column", 0), c.value("detail", "")});
    }
    r.rules = j.value("rules", std::vector<std::string>{});
    return r;
  } catch (const json::exception& e) {
    return Status::Internal(fmt::format("unexpected diff JSON: {}", e.what()), "bad_response");
  }
}

json error_json(const Status& s) {
  json details = json::array();
  for (const auto& d : s.diagnostics()) details.push_back(to_json(d));
  if (s.findings() != nullptr) {
    for (const auto& f : *s.findings()) details.push_back(to_json(f));
  }
  if (!s.fields().empty()) {
    json extra = json::object();
    for (const auto& [k, v] : s.fields()) extra[k] = v;
    details.push_back(std::move(extra));
  }
  return {
      {"error", {{"code", s.reason()}, {"message", s.message()}, {"details", std::move(details)}}}};
}

int http_status(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnprocessable:
      return 422;
    case Code::kTooLarge:
      return 413;
    case Code::kUnsupportedMedia:
      return 415;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

Result<PushRequest> parse_push_request(const json& body, const std::string& module) {
  PushRequest r;
  r.module = module;
  auto version = body.find("version");
  if (version == body.end() || version->is_null()) {
    return Status::InvalidArgument("field \"version\" is required", "missing_field");
  }
  if (!version->is_string()) return wrong_type("version", "a string");
  r.version = version->get<std::string>();
  SPOKE_RETURN_IF_ERROR(read_string(body, "description", r.description));
  SPOKE_RETURN_IF_ERROR(read_string(body, "module_description", r.module_description));
  SPOKE_RETURN_IF_ERROR(read_files_and_dependencies(body, r.files, r.dependencies));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "infer_dependencies", r.infer_dependencies));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "force", r.force));
  if (auto si = body.find("source_info"); si != body.end() && !si->is_null()) {
    if (!si->is_object()) {
      return wrong_type("source_info", "an object {repository, commit_sha, branch}");
    }
    SPOKE_RETURN_IF_ERROR(read_string(*si, "repository", r.source_info.repository, "source_info."));
    SPOKE_RETURN_IF_ERROR(read_string(*si, "commit_sha", r.source_info.commit_sha, "source_info."));
    SPOKE_RETURN_IF_ERROR(read_string(*si, "branch", r.source_info.branch, "source_info."));
  }
  return r;
}

json to_json(const EffectivePolicy& p) {
  json j = {{"compatibility", p.policy.compatibility},
            {"ignore_unstable_packages", p.policy.ignore_unstable_packages},
            {"transitive", p.policy.transitive},
            {"default", p.is_default}};
  j["updated_at"] = p.policy.updated_at > 0 ? json(format_timestamp(p.policy.updated_at)) : json();
  return j;
}

Result<ModulePolicy> parse_policy_request(const json& body) {
  for (const auto& [key, _] : body.items()) {
    if (key != "compatibility" && key != "ignore_unstable_packages" && key != "transitive") {
      return Status::InvalidArgument(
          fmt::format("unknown field \"{}\"; a module config has compatibility, "
                      "ignore_unstable_packages and transitive",
                      key),
          "unknown_field");
    }
  }
  ModulePolicy p;
  SPOKE_RETURN_IF_ERROR(read_string(body, "compatibility", p.compatibility));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "ignore_unstable_packages", p.ignore_unstable_packages));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "transitive", p.transitive));
  return p;
}

Result<ValidateRequest> parse_validate_request(const json& body) {
  ValidateRequest r;
  SPOKE_RETURN_IF_ERROR(read_string(body, "module", r.module));
  SPOKE_RETURN_IF_ERROR(read_files_and_dependencies(body, r.files, r.dependencies));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "infer_dependencies", r.infer_dependencies));
  return r;
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

Result<Version> parse_version_json(const json& j) {
  try {
    Version v;
    v.module = j.at("module").get<std::string>();
    v.version = j.at("version").get<std::string>();
    v.description = j.value("description", "");
    v.digest = j.value("digest", "");
    v.created_at = parse_timestamp(j.value("created_at", ""));
    v.forced_breaking = j.value("forced_breaking", std::int64_t{0});
    for (const auto& f : j.at("files")) {
      File file;
      file.path = f.at("path").get<std::string>();
      file.digest = f.value("digest", "");
      file.size = f.value("size", std::uint64_t{0});
      file.content = f.value("content", "");
      v.files.push_back(std::move(file));
    }
    for (const auto& d : j.value("pinned_dependencies", json::array())) {
      v.dependencies.push_back({d.at("module").get<std::string>(),
                                d.at("version").get<std::string>(), d.value("digest", "")});
    }
    if (auto si = j.find("source_info"); si != j.end() && si->is_object()) {
      v.source_info = {si->value("repository", ""), si->value("commit_sha", ""),
                       si->value("branch", "")};
    }
    return v;
  } catch (const json::exception& e) {
    return Status::Internal(fmt::format("unexpected version JSON: {}", e.what()), "bad_response");
  }
}

Result<Module> parse_module_json(const json& j) {
  try {
    return Module{j.at("name").get<std::string>(), j.value("description", ""),
                  parse_timestamp(j.value("created_at", "")),
                  parse_timestamp(j.value("updated_at", ""))};
  } catch (const json::exception& e) {
    return Status::Internal(fmt::format("unexpected module JSON: {}", e.what()), "bad_response");
  }
}

Status parse_error_json(int status, const std::string& body) {
  Code code = status == 400   ? Code::kInvalidArgument
              : status == 404 ? Code::kNotFound
              : status == 409 ? Code::kConflict
              : status == 413 ? Code::kTooLarge
              : status == 415 ? Code::kUnsupportedMedia
              : status == 422 ? Code::kUnprocessable
              : status == 503 ? Code::kUnavailable
                              : Code::kInternal;
  json j = json::parse(body, nullptr, false);
  if (j.is_object() && j.contains("error") && j["error"].is_object()) {
    const json& e = j["error"];
    Status s(code, e.value("code", "http_" + std::to_string(status)),
             e.value("message", "HTTP " + std::to_string(status)));
    std::vector<Diagnostic> diags;
    auto findings = std::make_shared<std::vector<BreakingFinding>>();
    for (const auto& d : e.value("details", json::array())) {
      if (d.is_object() && d.contains("type") && d.contains("start_line")) {
        findings->push_back({d.value("path", ""), d.value("start_line", 1),
                             d.value("start_column", 1), d.value("end_line", 1),
                             d.value("end_column", 1), d.value("type", ""),
                             d.value("message", "")});
      } else if (d.contains("message")) {
        diags.push_back({d.value("file", ""), d.value("line", 0), d.value("column", 0),
                         d.value("severity", "error"), d.value("message", "")});
      } else if (d.is_object()) {
        for (const auto& [k, v] : d.items()) {
          if (v.is_string()) s.with_field(k, v.get<std::string>());
        }
      }
    }
    s.with_diagnostics(std::move(diags));
    if (!findings->empty()) s.with_findings(std::move(findings));
    return s;
  }
  return Status(code, "http_" + std::to_string(status),
                fmt::format("HTTP {}{}{}", status, body.empty() ? "" : ": ", body.substr(0, 200)));
}

Result<json> parse_object(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for numbers like 1e999
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    std::string what = e.what();
    auto pos = what.find("] ");
    return Status::InvalidArgument(
        fmt::format("malformed JSON: {}", pos == std::string::npos ? what : what.substr(pos + 2)),
        "malformed_json");
  }
  if (!j.is_object()) {
    return Status::InvalidArgument(
        fmt::format("malformed JSON: expected an object, got {}", j.type_name()), "malformed_json");
  }
  return j;
}

Result<CompileSubmission> parse_compile_request(const std::string& body) {
  CompileSubmission s;
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) return s;
  auto parsed = parse_object(body);
  if (!parsed.ok()) return parsed.status();
  const json& j = parsed.value();
  for (const auto& [key, _] : j.items()) {
    if (key != "grpc" && key != "options") {
      return Status::InvalidArgument(
          fmt::format("unknown field \"{}\"; a compile request has grpc and options", key),
          "unknown_field");
    }
  }
  if (auto g = j.find("grpc"); g != j.end() && !g->is_null()) {
    if (!g->is_boolean()) {
      return Status::InvalidArgument("field \"grpc\" must be a boolean", "invalid_field");
    }
    s.grpc = g->get<bool>();
  }
  if (auto o = j.find("options"); o != j.end() && !o->is_null()) {
    if (o->is_array()) {
      for (const auto& item : *o) {
        if (!item.is_string() || item.get<std::string>().empty()) {
          return Status::InvalidArgument(
              "field \"options\" must be a list of non-empty strings (\"key=value\")",
              "invalid_field");
        }
        s.options.push_back(item.get<std::string>());
      }
    } else if (o->is_object()) {
      for (const auto& [key, value] : o->items()) {
        if (value.is_string()) {
          s.options.push_back(value.get<std::string>().empty()
                                  ? key
                                  : fmt::format("{}={}", key, value.get<std::string>()));
        } else if (value.is_boolean() && value.get<bool>()) {
          s.options.push_back(key);
        } else {
          return Status::InvalidArgument(
              fmt::format("option \"{}\" must be a string (or true for a flag)", key),
              "invalid_field");
        }
      }
    } else {
      return Status::InvalidArgument(
          "field \"options\" must be a list of \"key=value\" strings or an object",
          "invalid_field");
    }
  }
  return s;
}

}  // namespace spoke::wire
