#pragma once

// `spoke config` (a module's breaking-change policy) and `spoke diff` (two stored versions).

#include <CLI/CLI.hpp>
#include <functional>
#include <string>

namespace spoke::cli {

class PolicyCommands {
 public:
  // Adds the subcommands to `app`; `add_common` adds --registry and --json to each.
  PolicyCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_common);
  // Runs the chosen subcommand and returns the exit status; -1 when neither was chosen.
  int run(const std::string& registry, bool json_output) const;

 private:
  int run_config(const std::string& registry, bool json_output) const;
  int run_diff(const std::string& registry, bool json_output) const;

  CLI::App* config_ = nullptr;
  CLI::App* diff_ = nullptr;
  std::string module_;
  std::string compatibility_;
  bool ignore_unstable_packages_ = false;
  bool transitive_ = false;
  std::string from_, to_, against_;
  std::string format_ = "text";
};

}  // namespace spoke::cli
