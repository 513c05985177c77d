#pragma once

// spoke breaking: compares the .proto files under -dir with those under -against.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace spoke::cli {

struct BreakingArgs {
  std::string dir = ".";
  std::string against;
  std::string against_module;  // compare with a version stored in the registry instead
  std::string against_version = "latest";
  std::vector<std::string> includes;
  std::string error_format = "text";
  std::string category;  // a buf category or a Confluent level
  std::vector<std::string> use;
  std::vector<std::string> except;
  std::vector<std::string> ignore;
  bool ignore_unstable_packages = false;
  std::string config_version = "v2";
};

// Registers the subcommand; fills `args` when it is parsed.
CLI::App* add_breaking_command(CLI::App& app, BreakingArgs& args);

// Exit status: 0 nothing breaking, 100 breaking changes found, 1 errors, 2 usage. `registry` is
// where -against-module is fetched from.
int run_breaking(const BreakingArgs& args, const std::string& registry);

}  // namespace spoke::cli
