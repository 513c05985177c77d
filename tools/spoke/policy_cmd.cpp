// spoke config, spoke diff: a module's breaking-change and lint policy and comparisons of stored
// versions.
#include <fmt/format.h>

#include <iostream>

#include "command.h"
#include "spoke/frontend/output.h"
#include "spoke/lint.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

using frontend::plural;

class ConfigCommand : public Command {
 public:
  explicit ConfigCommand(CLI::App& app) {
    app_ = app.add_subcommand("config",
                              "print a module's breaking-change and lint policy, or set them with "
                              "-compatibility, -lint and flags");
    app_->add_option("--module", module_, "module name")->required();
    app_->add_option("--compatibility", compatibility_,
                     "FILE, PACKAGE, WIRE_JSON, WIRE, BACKWARD[_TRANSITIVE], "
                     "FORWARD[_TRANSITIVE], FULL[_TRANSITIVE] or NONE");
    app_->add_flag("--ignore-unstable-packages", ignore_unstable_packages_,
                   "ignore packages such as foo.v1beta1 and foo.v1alpha");
    app_->add_flag("--transitive", transitive_,
                   "check pushes against every earlier version, not only the previous one");
    auto* lint = app_->add_option("--lint", lint_use_,
                                  "lint pushes with these buf rule IDs or categories (repeatable "
                                  "or comma-separated, e.g. STANDARD,COMMENTS)")
                     ->delimiter(',');
    auto* except = app_->add_option("--lint-except", lint_except_,
                                    "rule IDs or categories the lint policy leaves out "
                                    "(repeatable or comma-separated)")
                       ->delimiter(',');
    auto* config = app_->add_option("--lint-config", lint_config_,
                                    "the whole lint policy: a buf.yaml lint section (v2 keys) as "
                                    "a .yaml, .yml or .json file, or the YAML or JSON itself");
    auto* no_lint = app_->add_flag("--no-lint", no_lint_, "remove the module's lint policy");
    no_lint->excludes(lint)->excludes(except)->excludes(config);
    config->excludes(lint)->excludes(except);
  }

  int run(const Globals& globals) override {
    if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
    RemoteRegistry registry(globals.remote());
    const bool breaking_flags = !compatibility_.empty() || ignore_unstable_packages_ || transitive_;
    const bool lint_flags =
        !lint_use_.empty() || !lint_except_.empty() || !lint_config_.empty() || no_lint_;
    Result<EffectivePolicy> r = Status::OK();
    if (breaking_flags || lint_flags) {
      // PUT replaces the whole policy: start from the current one and change what was asked.
      auto current = registry.get_policy(module_);
      if (!current.ok()) return fail(current.status());
      ModulePolicy policy = current->policy;
      policy.updated_at = 0;
      if (current->is_default) policy.compatibility.clear();
      if (breaking_flags) {
        // Only flags given: keep the compatibility the module has set.
        if (!compatibility_.empty()) policy.compatibility = compatibility_;
        policy.ignore_unstable_packages = ignore_unstable_packages_;
        policy.transitive = transitive_;
      }
      if (no_lint_) {
        policy.lint.reset();
      } else if (!lint_config_.empty()) {
        auto parsed = read_lint_section(lint_config_);
        if (!parsed.ok()) return fail(parsed.status());
        policy.lint = std::move(parsed).value();
      } else if (lint_flags) {
        LintConfig lint = policy.lint.value_or(LintConfig{});
        if (!lint_use_.empty()) lint.use = lint_use_;
        if (!lint_except_.empty()) lint.except = lint_except_;
        policy.lint = std::move(lint);
      }
      r = registry.set_policy(module_, policy);
    } else {
      r = registry.get_policy(module_);
    }
    if (!r.ok()) return fail(r.status());
    if (globals.json) {
      print_json(rest::to_json(r.value()));
      return frontend::kExitOk;
    }
    std::cout << fmt::format(
        "module {}\ncompatibility {}{}\nignore_unstable_packages {}\ntransitive {}\nlint {}\n",
        module_, r->policy.compatibility, r->is_default ? " (server default)" : "",
        r->policy.ignore_unstable_packages, r->policy.transitive,
        r->policy.lint ? rest::dump(lint_section_json(*r->policy.lint)) : "off");
    return frontend::kExitOk;
  }

 private:
  // --lint-config: a file (by its extension) or the section's text.
  static Result<LintConfig> read_lint_section(const std::string& given) {
    auto text = read_config_argument(given);
    if (!text.ok()) return text.status();
    return parse_lint_section(text.value(), is_config_file(given) ? given : "--lint-config");
  }

  std::string module_, compatibility_, lint_config_;
  std::vector<std::string> lint_use_, lint_except_;
  bool ignore_unstable_packages_ = false;
  bool transitive_ = false;
  bool no_lint_ = false;
};

class DiffCommand : public Command {
 public:
  explicit DiffCommand(CLI::App& app) {
    app_ = app.add_subcommand("diff", "compare two versions of a module stored in the registry");
    app_->add_option("--module", module_, "module name")->required();
    app_->add_option("--from", from_, "the earlier version")->required();
    app_->add_option("--to", to_, "the later version")->required();
    app_->add_option("--against", against_,
                     "what counts as breaking: a buf category or a Confluent level (default: the "
                     "module's policy)");
    app_->add_option("--format", format_, "text, json or markdown (a migration guide)")
        ->check(CLI::IsMember({"text", "json", "markdown"}))
        ->capture_default_str();
  }

  int run(const Globals& globals) override {
    if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
    RemoteRegistry registry(globals.remote());
    auto diff = registry.diff(module_, from_, to_, against_);
    if (!diff.ok()) return fail(diff.status());
    if (globals.json || format_ == "json") {
      print_json(rest::diff_json(diff.value()));
      return frontend::kExitOk;
    }
    if (format_ == "markdown") {
      std::cout << migration_guide(diff.value(), fmt::format("{} {} → {}", module_, from_, to_));
      return frontend::kExitOk;
    }
    for (const auto& f : diff->findings) std::cout << format_finding(f) << "\n";
    std::cout << fmt::format("{}, {} from {}@{} to {}@{}\n",
                             plural(diff->findings.size(), "breaking change"),
                             plural(diff->changes.size(), "change"), module_, from_, module_, to_);
    for (const auto& c : diff->changes) {
      std::string where = c.path.empty() ? "" : " " + c.path;
      if (!c.path.empty() && c.line > 0) where += fmt::format(":{}:{}", c.line, c.column);
      std::cout << fmt::format("  {} {} {}{}{}\n", to_string(c.kind), c.element, c.name, where,
                               c.detail.empty() ? "" : ": " + c.detail);
    }
    return frontend::kExitOk;
  }

 private:
  std::string module_, from_, to_, against_;
  std::string format_ = "text";
};

}  // namespace

void add_policy_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<ConfigCommand>(app));
  out.push_back(std::make_unique<DiffCommand>(app));
}

}  // namespace spoke::cli
