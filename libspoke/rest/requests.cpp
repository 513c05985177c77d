// Request bodies: parsed by the server, written by the typed client.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/lint.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::read_bool;
using internal::read_string;
using internal::reject_unknown_fields;
using internal::wrong_type;

namespace {

json files_json(const std::vector<FileInput>& files) {
  json out = json::array();
  for (const auto& f : files) out.push_back({{"path", f.path}, {"content", f.content}});
  return out;
}

// {files: [{path, content}], dependencies: ["module@version"]}, shared by push and validate.
Status read_files_and_dependencies(const json& body, std::vector<FileInput>& out_files,
                                   std::vector<std::string>& out_deps) {
  auto files = body.find("files");
  if (files == body.end() || files->is_null()) {
    return Status::InvalidArgument("field \"files\" is required", reason::kMissingField);
  }
  if (!files->is_array()) return wrong_type("files", "an array of {path, content}");
  out_files.reserve(files->size());
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

}  // namespace

json to_json(const CreateModuleRequest& r) {
  return {{"name", r.name}, {"description", r.description}};
}

Result<CreateModuleRequest> parse_create_module_request(const json& body) {
  auto name = body.find("name");
  if (name == body.end() || !name->is_string()) {
    return Status::InvalidArgument("field \"name\" is required and must be a string",
                                   reason::kMissingField);
  }
  CreateModuleRequest r;
  r.name = name->get<std::string>();
  SPOKE_RETURN_IF_ERROR(read_string(body, "description", r.description));
  return r;
}

Result<std::string> parse_update_module_request(const json& body) {
  auto desc = body.find("description");
  if (desc == body.end() || !desc->is_string()) {
    return Status::InvalidArgument("field \"description\" is required and must be a string",
                                   reason::kMissingField);
  }
  return desc->get<std::string>();
}

json to_json(const PushRequest& r) {
  json body = {{"version", r.version},
               {"description", r.description},
               {"module_description", r.module_description},
               {"files", files_json(r.files)},
               {"dependencies", r.dependencies},
               {"infer_dependencies", r.infer_dependencies},
               {"force", r.force}};
  if (!r.source_info.commit_sha.empty() || !r.source_info.repository.empty()) {
    body["source_info"] = to_json(r.source_info);
  }
  return body;
}

Result<PushRequest> parse_push_request(const json& body, const std::string& module) {
  PushRequest r;
  r.module = module;
  auto version = body.find("version");
  if (version == body.end() || version->is_null()) {
    return Status::InvalidArgument("field \"version\" is required", reason::kMissingField);
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

json to_json(const ValidateRequest& r) {
  json body = {{"files", files_json(r.files)},
               {"dependencies", r.dependencies},
               {"infer_dependencies", r.infer_dependencies}};
  if (!r.module.empty()) body["module"] = r.module;
  return body;
}

Result<ValidateRequest> parse_validate_request(const json& body) {
  ValidateRequest r;
  SPOKE_RETURN_IF_ERROR(read_string(body, "module", r.module));
  SPOKE_RETURN_IF_ERROR(read_files_and_dependencies(body, r.files, r.dependencies));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "infer_dependencies", r.infer_dependencies));
  return r;
}

json to_json(const ModulePolicy& p) {
  json body = {{"ignore_unstable_packages", p.ignore_unstable_packages},
               {"transitive", p.transitive}};
  if (!p.compatibility.empty()) body["compatibility"] = p.compatibility;
  if (p.lint) body["lint"] = lint_section_json(*p.lint);
  return body;
}

Result<ModulePolicy> parse_policy_request(const json& body) {
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(
      body, {"compatibility", "ignore_unstable_packages", "transitive", "lint"},
      "a module config has compatibility, ignore_unstable_packages, transitive and lint"));
  ModulePolicy p;
  SPOKE_RETURN_IF_ERROR(read_string(body, "compatibility", p.compatibility));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "ignore_unstable_packages", p.ignore_unstable_packages));
  SPOKE_RETURN_IF_ERROR(read_bool(body, "transitive", p.transitive));
  auto lint = internal::read_lint_section(body, "lint");
  if (!lint.ok()) return lint.status();
  p.lint = std::move(lint).value();
  return p;
}

Result<std::vector<FileInput>> parse_format_request(const json& body) {
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(body, {"files"}, "a format request has files"));
  std::vector<FileInput> files;
  std::vector<std::string> no_dependencies;
  SPOKE_RETURN_IF_ERROR(read_files_and_dependencies(body, files, no_dependencies));
  return files;
}

json to_json(const std::vector<FormattedFile>& files) {
  json list = json::array();
  for (const auto& f : files) {
    list.push_back({{"path", f.path}, {"content", f.content}, {"changed", f.changed}});
  }
  return {{"files", std::move(list)}};
}

json to_json(const CompileSubmission& s) { return {{"grpc", s.grpc}, {"options", s.options}}; }

Result<CompileSubmission> parse_compile_request(std::string_view body) {
  CompileSubmission s;
  if (body.find_first_not_of(" \t\r\n") == std::string_view::npos) return s;
  auto parsed = parse_object(body);
  if (!parsed.ok()) return parsed.status();
  const json& j = parsed.value();
  SPOKE_RETURN_IF_ERROR(
      reject_unknown_fields(j, {"grpc", "options"}, "a compile request has grpc and options"));
  if (auto g = j.find("grpc"); g != j.end() && !g->is_null()) {
    if (!g->is_boolean()) {
      return Status::InvalidArgument("field \"grpc\" must be a boolean", reason::kInvalidField);
    }
    s.grpc = g->get<bool>();
  }
  auto o = j.find("options");
  if (o == j.end() || o->is_null()) return s;
  if (o->is_array()) {
    for (const auto& item : *o) {
      if (!item.is_string() || item.get<std::string>().empty()) {
        return Status::InvalidArgument(
            "field \"options\" must be a list of non-empty strings (\"key=value\")",
            reason::kInvalidField);
      }
      s.options.push_back(item.get<std::string>());
    }
    return s;
  }
  if (!o->is_object()) {
    return Status::InvalidArgument(
        "field \"options\" must be a list of \"key=value\" strings or an object",
        reason::kInvalidField);
  }
  for (const auto& [key, value] : o->items()) {
    if (value.is_string()) {
      const auto& text = value.get_ref<const std::string&>();
      s.options.push_back(text.empty() ? key : fmt::format("{}={}", key, text));
    } else if (value.is_boolean() && value.get<bool>()) {
      s.options.push_back(key);
    } else {
      return Status::InvalidArgument(
          fmt::format("option \"{}\" must be a string (or true for a flag)", key),
          reason::kInvalidField);
    }
  }
  return s;
}

}  // namespace spoke::rest
