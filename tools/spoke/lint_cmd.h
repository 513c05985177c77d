#pragma once

// spoke lint: buf's lint rules on the .proto files under -dir.

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

namespace spoke::cli {

struct LintArgs {
  std::string dir = ".";
  std::string config;  // a buf.yaml file, or its text (as buf's --config)
  std::vector<std::string> includes;
  std::string error_format = "text";
};

// Registers the subcommand; fills `args` when it is parsed.
CLI::App* add_lint_command(CLI::App& app, LintArgs& args);

// Exit status: 0 no findings, 100 findings, 1 the files do not compile or the configuration is
// wrong, 2 usage.
int run_lint(const LintArgs& args);

}  // namespace spoke::cli
