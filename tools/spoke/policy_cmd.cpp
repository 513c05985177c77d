// spoke config, spoke diff: a module's breaking-change policy and comparisons of stored versions.
#include <fmt/format.h>

#include <iostream>

#include "command.h"
#include "spoke/frontend/output.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

using frontend::plural;

class ConfigCommand : public Command {
 public:
  explicit ConfigCommand(CLI::App& app) {
    app_ = app.add_subcommand(
        "config",
        "print a module's breaking-change policy, or set it with -compatibility and flags");
    app_->add_option("--module", module_, "module name")->required();
    app_->add_option("--compatibility", compatibility_,
                     "FILE, PACKAGE, WIRE_JSON, WIRE, BACKWARD[_TRANSITIVE], "
                     "FORWARD[_TRANSITIVE], FULL[_TRANSITIVE] or NONE");
    app_->add_flag("--ignore-unstable-packages", ignore_unstable_packages_,
                   "ignore packages such as foo.v1beta1 and foo.v1alpha");
    app_->add_flag("--transitive", transitive_,
                   "check pushes against every earlier version, not only the previous one");
  }

  int run(const Globals& globals) override {
    if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
    RemoteRegistry registry(globals.remote());
    Result<EffectivePolicy> r = Status::OK();
    if (!compatibility_.empty() || ignore_unstable_packages_ || transitive_) {
      ModulePolicy policy;
      policy.compatibility = compatibility_;
      policy.ignore_unstable_packages = ignore_unstable_packages_;
      policy.transitive = transitive_;
      if (policy.compatibility.empty()) {
        // Only flags given: keep the compatibility the module has set.
        auto current = registry.get_policy(module_);
        if (!current.ok()) return fail(current.status());
        if (!current->is_default) policy.compatibility = current->policy.compatibility;
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
        "module {}\ncompatibility {}{}\nignore_unstable_packages {}\ntransitive {}\n", module_,
        r->policy.compatibility, r->is_default ? " (server default)" : "",
        r->policy.ignore_unstable_packages, r->policy.transitive);
    return frontend::kExitOk;
  }

 private:
  std::string module_, compatibility_;
  bool ignore_unstable_packages_ = false;
  bool transitive_ = false;
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
