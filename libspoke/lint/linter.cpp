// Running the rules: over a linked schema, over files, over the modules of a workspace; the
// ignores applied to what they find; buf's order and JSON form of findings.

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <set>
#include <unordered_map>

#include "lint/lint_internal.h"
#include "util/timing.h"

namespace spoke {

namespace {

using lint_internal::Check;
using lint_internal::FileModel;
using lint_internal::RawFinding;

bool ignored_by_path(const std::vector<std::string>& roots, const std::string& path) {
  return std::any_of(roots.begin(), roots.end(), [&](const std::string& root) {
    return lint_internal::path_within(path, root);
  });
}

// True when a leading comment of the finding's element, or of one that encloses it, says
// `buf:lint:ignore <rule>`.
bool ignored_by_comment(const RawFinding& f) {
  if (!f.path) return false;
  for (const auto& p : lint_internal::comment_ignore_paths(*f.path)) {
    const auto* loc = f.file->find(p);
    if (loc != nullptr && lint_internal::comment_ignores(loc->leading_comments(), f.rule)) {
      return true;
    }
  }
  return false;
}

Status check_paths(const LintConfig& config) {
  auto check = [](const std::string& path) -> Status {
    auto normalized = lint_internal::normalize_relative_path(path);
    if (!normalized || *normalized == ".") {
      return Status::InvalidArgument(
          fmt::format("invalid ignore path \"{}\": it must name a file or directory inside the "
                      "module",
                      path),
          reason::kInvalidConfig);
    }
    return Status::OK();
  };
  for (const auto& p : config.ignore) SPOKE_RETURN_IF_ERROR(check(p));
  for (const auto& [_, paths] : config.ignore_only) {
    for (const auto& p : paths) SPOKE_RETURN_IF_ERROR(check(p));
  }
  return Status::OK();
}

std::vector<std::string> normalized(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) out.push_back(*lint_internal::normalize_relative_path(p));
  return out;
}

}  // namespace

namespace lint_internal {

RuleFn rule_function(std::string_view id) {
  static const std::unordered_map<std::string_view, RuleFn> table = [] {
    std::unordered_map<std::string_view, RuleFn> t;
    for (const auto* group : {&naming_rules(), &layout_rules(), &import_rules(), &service_rules(),
                              &comment_rules(), &sensible_rules()}) {
      for (const auto& b : *group) t.emplace(b.id, b.fn);
    }
    return t;
  }();
  auto it = table.find(id);
  return it == table.end() ? nullptr : it->second;
}

}  // namespace lint_internal

SchemaOptions lint_schema_options(int threads) {
  SchemaOptions options;
  options.threads = threads;
  options.interpreted_source_info = true;
  options.warn_unused_imports = false;
  return options;
}

Result<LintResult> lint_schema(const Schema& schema, const LintConfig& config) {
  internal::PhaseTimer timer("lint");
  auto rules = resolve_lint_rules(config);
  if (!rules.ok()) return rules.status();
  SPOKE_RETURN_IF_ERROR(check_paths(config));
  LintResult result;
  for (const auto& entry : config.use) {
    std::string note;
    lint_internal::expand_rule_entry(config.version, entry, &note);
    if (!note.empty()) result.warnings.push_back(std::move(note));
  }
  for (const auto& entry : config.except) {
    std::string note;
    lint_internal::expand_rule_entry(config.version, entry, &note);
    if (!note.empty()) result.warnings.push_back(std::move(note));
  }
  if (config.disabled) return result;
  result.rules = *rules;
  if (result.rules.empty()) {
    result.warnings.push_back("No lint rules are configured.");
    return result;
  }

  std::vector<FileModel> files;
  files.reserve(schema.target_files().size());
  for (const auto& path : schema.target_files()) {
    const auto* fd = schema.file(path);
    if (fd == nullptr) continue;
    files.emplace_back(fd, schema.source_info(path));
  }
  timer.phase("walk");

  lint_internal::RuleOptions options;
  options.enum_zero_value_suffix = config.enum_zero_value_suffix;
  options.service_suffix = config.service_suffix;
  options.rpc_allow_same_request_response = config.rpc_allow_same_request_response;
  options.rpc_allow_google_protobuf_empty_requests =
      config.rpc_allow_google_protobuf_empty_requests;
  options.rpc_allow_google_protobuf_empty_responses =
      config.rpc_allow_google_protobuf_empty_responses;
  Check check(files, schema, options);
  for (const auto& id : result.rules) {
    if (auto fn = lint_internal::rule_function(id)) fn(check);
  }
  timer.phase("rules");

  // ignore and ignore_only by rule ID.
  std::vector<std::string> ignore = normalized(config.ignore);
  std::map<std::string, std::vector<std::string>> ignore_only;
  for (const auto& [entry, paths] : config.ignore_only) {
    auto ids = lint_internal::expand_rule_entry(config.version, entry);
    for (const auto& id : *ids) {
      auto& to = ignore_only[id];
      for (const auto& p : normalized(paths)) to.push_back(p);
    }
  }
  for (const auto& raw : check.findings()) {
    const std::string& path = raw.file->path;
    if (ignored_by_path(ignore, path)) continue;
    if (auto it = ignore_only.find(raw.rule);
        it != ignore_only.end() && ignored_by_path(it->second, path)) {
      continue;
    }
    if (config.allow_comment_ignores && ignored_by_comment(raw)) continue;
    BreakingFinding f;
    f.path = path;
    f.type = raw.rule;
    f.message = raw.message;
    if (raw.path) {
      const auto* loc = raw.file->find(*raw.path);
      if (auto span = loc != nullptr ? proto_internal::span_of(*loc) : std::nullopt) {
        f.start_line = span->start_line;
        f.start_column = span->start_column;
        f.end_line = span->end_line;
        f.end_column = span->end_column;
      }
    }
    result.findings.push_back(std::move(f));
  }
  sort_lint_findings(result.findings);
  timer.phase("report");
  return result;
}

Result<LintResult> lint_files(const std::vector<FileInput>& files,
                              const std::vector<FileInput>& dependencies, const LintConfig& config,
                              int threads) {
  if (auto rules = resolve_lint_rules(config); !rules.ok()) return rules.status();
  auto built = build_schema(files, dependencies, lint_schema_options(threads));
  if (!built.valid()) {
    std::vector<Diagnostic> errors;
    for (const auto& d : built.diagnostics) {
      if (d.severity == Severity::kError) errors.push_back(d);
    }
    return Status::Unprocessable(fmt::format("the files do not compile ({} error{})", errors.size(),
                                             errors.size() == 1 ? "" : "s"),
                                 reason::kInvalidSchema)
        .with_diagnostics(std::move(errors));
  }
  return lint_schema(*built.schema, config);
}

Result<LintResult> lint_workspace(const std::vector<FileInput>& files,
                                  const std::vector<FileInput>& dependencies,
                                  const LintWorkspace& workspace, int threads) {
  // Each file goes to the innermost module whose directory holds it, under the root that holds
  // it, unless an exclude covers it.
  struct Placed {
    std::size_t module;
    std::string import_path;
  };
  std::vector<std::optional<Placed>> placed(files.size());
  for (std::size_t i = 0; i < files.size(); ++i) {
    auto path = lint_internal::normalize_relative_path(files[i].path);
    if (!path) continue;
    std::size_t best = workspace.modules.size();
    for (std::size_t m = 0; m < workspace.modules.size(); ++m) {
      const auto& dir = workspace.modules[m].path;
      if (!lint_internal::path_within(*path, dir)) continue;
      if (best == workspace.modules.size() || dir.size() > workspace.modules[best].path.size()) {
        best = m;
      }
    }
    if (best == workspace.modules.size()) continue;
    const LintModule& module = workspace.modules[best];
    std::string in_module =
        module.path == "." ? *path : path->substr(std::min(path->size(), module.path.size() + 1));
    if (ignored_by_path(normalized(module.excludes), in_module)) continue;
    for (const auto& root : module.roots) {
      if (!lint_internal::path_within(in_module, root) || in_module == root) continue;
      placed[i] = Placed{best, root == "." ? in_module : in_module.substr(root.size() + 1)};
      break;
    }
  }

  LintResult result;
  std::set<std::string> rules;
  for (std::size_t m = 0; m < workspace.modules.size(); ++m) {
    const LintModule& module = workspace.modules[m];
    std::vector<FileInput> targets, deps;
    std::map<std::string, std::string> external;  // import path -> path in the workspace
    for (std::size_t i = 0; i < files.size(); ++i) {
      if (!placed[i]) continue;
      FileInput input{placed[i]->import_path, files[i].content};
      if (placed[i]->module == m) {
        external[input.path] = *lint_internal::normalize_relative_path(files[i].path);
        targets.push_back(std::move(input));
      } else {
        deps.push_back(std::move(input));
      }
    }
    if (targets.empty()) continue;
    deps.insert(deps.end(), dependencies.begin(), dependencies.end());
    auto linted = lint_files(targets, deps, module.lint, threads);
    if (!linted.ok()) {
      if (linted.status().reason() != reason::kInvalidSchema) return linted.status();
      // Diagnostics name files as the workspace does.
      std::vector<Diagnostic> diagnostics = linted.status().diagnostics();
      for (auto& d : diagnostics) {
        if (auto it = external.find(d.file); it != external.end()) d.file = it->second;
      }
      return Status(linted.status().code(), linted.status().reason(), linted.status().message())
          .with_diagnostics(std::move(diagnostics));
    }
    for (auto& f : linted->findings) {
      if (auto it = external.find(f.path); it != external.end()) f.path = it->second;
      result.findings.push_back(std::move(f));
    }
    rules.insert(linted->rules.begin(), linted->rules.end());
    for (auto& w : linted->warnings) {
      if (std::find(result.warnings.begin(), result.warnings.end(), w) == result.warnings.end()) {
        result.warnings.push_back(std::move(w));
      }
    }
  }
  result.rules.assign(rules.begin(), rules.end());
  sort_lint_findings(result.findings);
  return result;
}

Result<LintResult> lint_files(const std::vector<FileInput>& files,
                              const std::vector<FileInput>& dependencies, std::string_view buf_yaml,
                              int threads) {
  auto workspace = parse_buf_yaml(buf_yaml);
  if (!workspace.ok()) return workspace.status();
  return lint_workspace(files, dependencies, *workspace, threads);
}

void sort_lint_findings(std::vector<BreakingFinding>& findings) {
  auto key = [](const BreakingFinding& f) {
    return std::tie(f.path, f.start_line, f.start_column, f.type, f.message, f.end_line,
                    f.end_column);
  };
  std::sort(findings.begin(), findings.end(),
            [&](const BreakingFinding& a, const BreakingFinding& b) { return key(a) < key(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const BreakingFinding& a, const BreakingFinding& b) {
                               return key(a) == key(b);
                             }),
                 findings.end());
}

}  // namespace spoke
