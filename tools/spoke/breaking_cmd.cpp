// spoke breaking: the breaking changes of -dir against another directory or a stored version.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "spoke/frontend/output.h"

namespace spoke::cli {
namespace {

class BreakingCommand : public Command {
 public:
  explicit BreakingCommand(CLI::App& app) {
    app_ = app.add_subcommand(
        "breaking", "report the breaking changes of the .proto files under -dir against -against");
    app_->add_option("--dir", args_.dir, "import root of the new version")->capture_default_str();
    auto* against =
        app_->add_option("--against", against_, "import root of the version to compare against");
    auto* against_module = app_->add_option(
        "--against-module", against_module_,
        "compare against a version of this module in the registry (with its dependencies)");
    against->excludes(against_module);
    app_->add_option("--against-version", against_version_,
                     "the version of -against-module (default latest)")
        ->capture_default_str();
    app_->add_option("-I,--include", args_.includes, "extra import root for both (repeatable)");
    app_->add_option("--error-format", error_format_, "text, json or github")
        ->check(CLI::IsMember({"text", "json", "github"}))
        ->capture_default_str();
    app_->add_option("--category", category_,
                     "a buf category (FILE, PACKAGE, WIRE_JSON, WIRE) or a Confluent level "
                     "(BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                     "FULL_TRANSITIVE, NONE); default FILE");
    app_->add_option("--use", check_.rules.use, "rule ID or category to check (repeatable)");
    app_->add_option("--except", check_.rules.except,
                     "rule ID or category not to check (repeatable)");
    app_->add_option("--ignore", check_.rules.ignore,
                     "file or directory whose changes are ignored (repeatable)");
    app_->add_flag("--ignore-unstable-packages", check_.rules.ignore_unstable_packages,
                   "ignore packages such as foo.v1beta1 and foo.v1alpha");
    app_->add_option("--config-version", check_.rules.config_version,
                     "the rule set of this buf.yaml version: v1beta1, v1 or v2")
        ->check(CLI::IsMember({"v1beta1", "v1", "v2"}))
        ->capture_default_str();
  }

  int run(const Globals& globals) override {
    if (against_.empty() == against_module_.empty()) {
      std::cerr << "spoke: breaking needs -against (a directory) or -against-module (a registry "
                   "module)\n";
      return frontend::kExitUsage;
    }
    BreakingCheck check = check_;
    check.rules.list_changes = false;
    if (!category_.empty()) {
      auto normalized = normalize_compatibility(category_);
      if (!normalized) {
        std::cerr << "spoke: -category " << category_
                  << " is neither a buf category (FILE, PACKAGE, WIRE_JSON, WIRE) nor a "
                     "Confluent level (BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, NONE)\n";
        return frontend::kExitUsage;
      }
      check.compatibility = *normalized;
    }
    if (Status s = validate_breaking_check(check); !s.ok()) {
      std::cerr << "spoke: " << s.message() << "\n";
      return frontend::kExitUsage;
    }
    auto ws = Workspace::open({args_.dir, args_.includes, {}, {}, nullptr});
    if (!ws.ok()) return fail(ws.status());
    BreakingAgainst against;
    std::unique_ptr<RemoteRegistry> registry;
    if (!against_module_.empty()) {
      registry = std::make_unique<RemoteRegistry>(globals.remote());
      against.module = against_module_;
      against.version = against_version_;
      against.source = registry.get();
    } else {
      against.dir = against_;
    }
    auto t0 = std::chrono::steady_clock::now();
    auto result = ws.value()->breaking(against, check);
    if (!result.ok()) return fail(result.status());
    // SPOKE_TIMING=1 prints how long reading, linking and comparing took, for benchmarking.
    if (std::getenv("SPOKE_TIMING") != nullptr) {
      std::fprintf(stderr, "spoke timing: breaking %.3f s\n",
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
    }
    for (const auto& w : result->warnings) std::cerr << "spoke: warning: " << w << "\n";
    ErrorFormat format = parse_error_format(error_format_).value();
    for (const auto& f : result->findings) std::cout << format_finding(f, format) << "\n";
    // The linked trees (a googleapis release is ~1 GB of small objects) are left to the OS, which
    // reclaims them at exit far faster than freeing them one by one.
    static std::unique_ptr<Workspace> keep;
    keep = std::move(ws).value();
    return result->findings.empty() ? frontend::kExitOk : frontend::kExitFindings;
  }

 private:
  WorkspaceArgs args_;
  std::string against_, against_module_, against_version_ = "latest";
  std::string error_format_ = "text";
  std::string category_;
  BreakingCheck check_;
};

}  // namespace

void add_breaking_command(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<BreakingCommand>(app));
}

}  // namespace spoke::cli
