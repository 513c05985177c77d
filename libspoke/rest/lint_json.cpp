// JSON of lint: requests (POST /lint), results, and a module's lint policy (the `lint` field of
// PUT /modules/{name}/config), whose keys are those of a buf.yaml v2 `lint:` section.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/lint.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::read_bool;
using internal::read_response;
using internal::read_string;
using internal::reject_unknown_fields;
using internal::wrong_type;

namespace internal {

namespace {

Status check_strings(const json& value, const std::string& field) {
  if (value.is_null()) return Status::OK();
  if (!value.is_array()) return wrong_type(field, "an array of strings");
  for (const auto& item : value) {
    if (!item.is_string()) return wrong_type(field, "an array of strings");
  }
  return Status::OK();
}

}  // namespace

Result<std::optional<LintConfig>> read_lint_section(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return std::optional<LintConfig>();
  const std::string field = key;
  if (!it->is_object()) {
    return wrong_type(field, "an object with the keys of buf.yaml's lint section");
  }
  const json& lint = *it;
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(
      lint,
      {"use", "except", "ignore", "ignore_only", "enum_zero_value_suffix",
       "rpc_allow_same_request_response", "rpc_allow_google_protobuf_empty_requests",
       "rpc_allow_google_protobuf_empty_responses", "service_suffix", "disallow_comment_ignores",
       "disable_builtin"},
      "lint has the keys of a buf.yaml v2 lint section: use, except, ignore, ignore_only, "
      "enum_zero_value_suffix, rpc_allow_same_request_response, "
      "rpc_allow_google_protobuf_empty_requests, rpc_allow_google_protobuf_empty_responses, "
      "service_suffix, disallow_comment_ignores"));
  for (const auto& [name, value] : lint.items()) {
    std::string where = field + "." + name;
    if (name == "use" || name == "except" || name == "ignore") {
      SPOKE_RETURN_IF_ERROR(check_strings(value, where));
    } else if (name == "ignore_only") {
      if (value.is_null()) continue;
      if (!value.is_object()) {
        return wrong_type(where, "an object of rule IDs or categories to arrays of paths");
      }
      for (const auto& [rule, paths] : value.items()) {
        SPOKE_RETURN_IF_ERROR(check_strings(paths, where + "." + rule));
      }
    } else if (name == "enum_zero_value_suffix" || name == "service_suffix") {
      if (!value.is_null() && !value.is_string()) return wrong_type(where, "a string");
    } else if (!value.is_null() && !value.is_boolean()) {
      return wrong_type(where, "true or false");
    }
  }
  auto parsed = parse_lint_section(lint.dump());
  if (!parsed.ok()) {
    return Status::InvalidArgument(fmt::format("{}: {}", field, parsed.status().message()),
                                   parsed.status().reason());
  }
  return std::optional<LintConfig>(std::move(parsed).value());
}

}  // namespace internal

json to_json(const LintResult& r) {
  json findings = json::array();
  for (const auto& f : r.findings) findings.push_back(to_json(f));
  return {{"findings", std::move(findings)}, {"rules", r.rules}, {"warnings", r.warnings}};
}

Result<LintResult> lint_result_from_json(const json& j) {
  auto lists = read_response<LintResult>("lint result", [&] {
    LintResult r;
    r.rules = j.at("rules").get<std::vector<std::string>>();
    r.warnings = j.value("warnings", std::vector<std::string>());
    if (!j.at("findings").is_array()) throw json::type_error::create(302, "findings", &j);
    return r;
  });
  if (!lists.ok()) return lists.status();
  for (const auto& f : j.at("findings")) {
    auto finding = finding_from_json(f);
    if (!finding.ok()) return finding.status();
    lists->findings.push_back(std::move(finding).value());
  }
  return lists;
}

json to_json(const LintRequest& r) {
  json body = to_json(ValidateRequest{r.module, r.files, r.dependencies, r.infer_dependencies});
  if (r.config) body["config"] = lint_section_json(*r.config);
  return body;
}

Result<LintRequest> parse_lint_request(const json& body) {
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(
      body, {"files", "dependencies", "module", "infer_dependencies", "config"},
      "a lint request has files, dependencies, module, infer_dependencies and config"));
  auto validate = parse_validate_request(body);
  if (!validate.ok()) return validate.status();
  LintRequest r;
  r.module = std::move(validate->module);
  r.files = std::move(validate->files);
  r.dependencies = std::move(validate->dependencies);
  r.infer_dependencies = validate->infer_dependencies;
  auto config = internal::read_lint_section(body, "config");
  if (!config.ok()) return config.status();
  r.config = std::move(config).value();
  return r;
}

}  // namespace spoke::rest
