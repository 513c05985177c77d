#pragma once

// `spoke compile` and `spoke languages`.

#include <CLI/CLI.hpp>
#include <functional>
#include <string>
#include <vector>

#include "spoke/compile.h"
#include "spoke/registry.h"
#include "spoke/status.h"

namespace spoke::cli {

// The files of the dependencies declared for `dir` (`deps`, else deps: in its spoke.yaml) and of
// their closure, fetched from the registry at `registry`. Defined with `spoke validate`.
Result<std::vector<FileInput>> fetch_declared_dependencies(const std::string& registry,
                                                           const std::string& dir,
                                                           std::vector<std::string> deps);

class CompileCommands {
 public:
  // Adds the subcommands to `app`; `add_common` adds --registry and --json to each.
  CompileCommands(CLI::App& app, const std::function<void(CLI::App*)>& add_common);
  // Runs the chosen subcommand and returns the exit status; -1 when neither was chosen.
  int run(const std::string& registry, bool json_output) const;

 private:
  struct CompileArgs {
    std::string dir = ".";
    std::string out;
    std::string lang;
    std::vector<std::string> languages;
    bool grpc = false;
    std::vector<std::string> options, grpc_options, includes, deps, plugins;
    bool recursive = false;
    double plugin_timeout = 60;
    std::string module, version;  // a registry build instead of -dir
    double wait_s = 600;
  };
  // -module: the server builds each request's language; the archives are unpacked under -out.
  int run_registry_compile(const std::string& registry, bool json_output,
                           const std::vector<CompileRequest>& requests) const;
  int run_compile(const std::string& registry, bool json_output) const;
  int run_languages(bool json_output) const;

  CLI::App* compile_ = nullptr;
  CLI::App* languages_ = nullptr;
  CompileArgs args_;
};

}  // namespace spoke::cli
