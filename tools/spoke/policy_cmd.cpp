#include "policy_cmd.h"

#include <fmt/format.h>

#include <iostream>

#include "common/client.h"
#include "spoke/breaking.h"
#include "spoke/model.h"
#include "spoke/wire.h"

namespace spoke::cli {
namespace {

using wire::json;

int fail(const Status& s) {
  std::cerr << "spoke: " << s.message() << "\n";
  return 1;
}

std::string config_path(const std::string& module) {
  return "/modules/" + encode_segment(module) + "/config";
}

}  // namespace

PolicyCommands::PolicyCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_common) {
  config_ = app.add_subcommand(
      "config", "print a module's breaking-change policy, or set it with -compatibility and flags");
  config_->add_option("--module", module_, "module name")->required();
  config_->add_option("--compatibility", compatibility_,
                      "FILE, PACKAGE, WIRE_JSON, WIRE, BACKWARD[_TRANSITIVE], "
                      "FORWARD[_TRANSITIVE], FULL[_TRANSITIVE] or NONE");
  config_->add_flag("--ignore-unstable-packages", ignore_unstable_packages_,
                    "ignore packages such as foo.v1beta1 and foo.v1alpha");
  config_->add_flag("--transitive", transitive_,
                    "check pushes against every earlier version, not only the previous one");
  add_common(config_);

  diff_ = app.add_subcommand("diff", "compare two versions of a module stored in the registry");
  diff_->add_option("--module", module_, "module name")->required();
  diff_->add_option("--from", from_, "the earlier version")->required();
  diff_->add_option("--to", to_, "the later version")->required();
  diff_->add_option("--against", against_,
                    "what counts as breaking: a buf category or a Confluent level (default: the "
                    "module's policy)");
  diff_->add_option("--format", format_, "text, json or markdown (a migration guide)")
      ->check(CLI::IsMember({"text", "json", "markdown"}))
      ->capture_default_str();
  add_common(diff_);
}

int PolicyCommands::run(const std::string& registry, bool json_output) const {
  if (*config_) return run_config(registry, json_output);
  if (*diff_) return run_diff(registry, json_output);
  return -1;
}

int PolicyCommands::run_config(const std::string& registry, bool json_output) const {
  if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
  RegistryClient client(registry);
  Result<json> r = Status::OK();
  bool setting = !compatibility_.empty() || ignore_unstable_packages_ || transitive_;
  if (setting) {
    json body = {{"ignore_unstable_packages", ignore_unstable_packages_},
                 {"transitive", transitive_}};
    std::string compatibility = compatibility_;
    if (compatibility.empty()) {
      // Only flags given: keep the compatibility the module has set.
      auto current = client.get(config_path(module_));
      if (!current.ok()) return fail(current.status());
      if (!current->value("default", true)) compatibility = current->value("compatibility", "");
    }
    if (!compatibility.empty()) body["compatibility"] = compatibility;
    r = client.put(config_path(module_), body);
  } else {
    r = client.get(config_path(module_));
  }
  if (!r.ok()) return fail(r.status());
  if (json_output) {
    std::cout << r->dump(2) << "\n";
    return 0;
  }
  std::cout << fmt::format(
      "module {}\ncompatibility {}{}\nignore_unstable_packages {}\n"
      "transitive {}\n",
      module_, r->value("compatibility", ""), r->value("default", false) ? " (server default)" : "",
      r->value("ignore_unstable_packages", false), r->value("transitive", false));
  return 0;
}

int PolicyCommands::run_diff(const std::string& registry, bool json_output) const {
  if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
  RegistryClient client(registry);
  std::string path = fmt::format("/modules/{}/diff?from={}&to={}", encode_segment(module_),
                                 encode_segment(from_), encode_segment(to_));
  if (!against_.empty()) path += "&against=" + encode_segment(against_);
  auto r = client.get(path);
  if (!r.ok()) return fail(r.status());
  if (json_output || format_ == "json") {
    std::cout << r->dump(2) << "\n";
    return 0;
  }
  auto diff = wire::parse_diff_json(r.value());
  if (!diff.ok()) return fail(diff.status());
  if (format_ == "markdown") {
    std::cout << migration_guide(diff.value(), fmt::format("{} {} → {}", module_, from_, to_));
    return 0;
  }
  for (const auto& f : diff->findings) std::cout << format_finding(f) << "\n";
  std::cout << fmt::format("{} breaking change{}, {} change{} from {}@{} to {}@{}\n",
                           diff->findings.size(), diff->findings.size() == 1 ? "" : "s",
                           diff->changes.size(), diff->changes.size() == 1 ? "" : "s", module_,
                           from_, module_, to_);
  for (const auto& c : diff->changes) {
    std::string where = c.path.empty() ? "" : " " + c.path;
    if (!c.path.empty() && c.line > 0) where += fmt::format(":{}:{}", c.line, c.column);
    std::cout << fmt::format("  {} {} {}{}{}\n", c.kind, c.element, c.name, where,
                             c.detail.empty() ? "" : ": " + c.detail);
  }
  return 0;
}

}  // namespace spoke::cli
