#pragma once

// Running a protoc plugin: finding the program, feeding it a request on stdin, collecting its
// stdout and stderr, and killing it (with anything it started) when it overruns its time.

#include <chrono>
#include <string>
#include <vector>

#include "spoke/compile.h"
#include "spoke/status.h"

namespace spoke::compile_internal {

// The path of the program `name`: options.plugin_binaries[name], else the first executable
// regular file named `name` in options.plugin_dirs, then in $PATH. "" when there is none.
std::string find_program(const std::string& name, const CompilerOptions& options);

// Every executable `protoc-gen-*` in the plugin directories and $PATH, the first of each name,
// as (name, path) sorted by name.
std::vector<std::pair<std::string, std::string>> list_plugins(const CompilerOptions& options);

// Runs `program` with `input` on stdin and returns its stdout. Fails ("generator_failed") when
// it cannot start, is killed by a signal or exits non-zero, and ("plugin_timeout") when it runs
// longer than `timeout`; the message names `display_name` and carries its stderr, which is also
// in the field "stderr".
Result<std::string> run_plugin(const std::string& program, const std::string& display_name,
                               const std::string& input, std::chrono::milliseconds timeout);

}  // namespace spoke::compile_internal
