// Lint in the registry: a module's lint policy checked at push, and lint of files sent to it.
#include <fmt/format.h>

#include "registry/policy.h"
#include "registry/registry_impl.h"
#include "spoke/lint.h"
#include "spoke/registry.h"

namespace spoke {

namespace internal {

Status check_lint_policy(const Schema& schema, const LintConfig& policy,
                         const PushRequest& request) {
  auto linted = lint_schema(schema, policy);
  if (!linted.ok()) return linted.status();
  const auto& findings = linted->findings;
  if (findings.empty()) return Status::OK();
  const std::size_t n = findings.size();
  auto shared = std::make_shared<const std::vector<BreakingFinding>>(findings);
  if (!request.force) {
    return Status::Unprocessable(
               fmt::format("{}@{} breaks the lint policy of module {}: {} finding{}; fix {}, or "
                           "push with force to publish anyway (under access control, forcing "
                           "past a lint policy needs the admin role)",
                           request.module, request.version, request.module, n, n == 1 ? "" : "s",
                           n == 1 ? "it" : "them"),
               reason::kLintFailed)
        .with_findings(std::move(shared));
  }
  if (!request.may_force_lint) {
    return Status::PermissionDenied(
               fmt::format("{}@{} breaks the lint policy of module {} ({} finding{}): forcing "
                           "past a lint policy needs the admin role",
                           request.module, request.version, request.module, n, n == 1 ? "" : "s"))
        .with_field("required_role", "admin")
        .with_findings(std::move(shared));
  }
  return Status::OK();
}

Result<LintConfig> checked_lint_policy(const LintConfig& config) {
  // Through the text form: the rules, categories and paths are checked as PUT's body is, and
  // the configuration is the v2 one a store reads back.
  return parse_lint_section(lint_section_json(config).dump());
}

}  // namespace internal

Result<LintResult> Registry::lint(const LintRequest& request) {
  if (!request.module.empty()) SPOKE_RETURN_IF_ERROR(validate_module_name(request.module));
  std::vector<File> files;
  files.reserve(request.files.size());
  for (const auto& in : request.files) {
    files.push_back({in.path, in.content, content_digest(in.content), in.content.size()});
  }
  SPOKE_RETURN_IF_ERROR(validate_files(files));
  LintConfig config;
  if (request.config) {
    auto checked = internal::checked_lint_policy(*request.config);
    if (!checked.ok()) return checked.status();
    config = std::move(checked).value();
  } else if (!request.module.empty()) {
    auto policy = impl_->effective_policy(request.module);
    if (!policy.ok()) return policy.status();
    if (policy->policy.lint) config = *policy->policy.lint;
  }
  if (auto rules = resolve_lint_rules(config); !rules.ok()) return rules.status();
  auto pinned = impl_->pin_request_dependencies(request.module, request.dependencies,
                                                request.infer_dependencies, request.files);
  if (!pinned.ok()) return pinned.status();
  std::string root = request.module.empty() ? "(files)" : request.module;
  auto checked =
      impl_->check_schema(root, request.module, files, pinned.value(), lint_schema_options());
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) {
    std::vector<Diagnostic> errors;
    for (const auto& d : checked->diagnostics) {
      if (d.severity == Severity::kError) errors.push_back(d);
    }
    return Status::Unprocessable(fmt::format("the files do not compile ({} error{})", errors.size(),
                                             errors.size() == 1 ? "" : "s"),
                                 reason::kInvalidSchema)
        .with_diagnostics(std::move(errors));
  }
  return lint_schema(*checked->schema, config);
}

}  // namespace spoke
