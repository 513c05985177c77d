#pragma once

// spoke format: prints, rewrites or diffs .proto files formatted as `buf format` formats them.

#include <CLI/CLI.hpp>
#include <string>

namespace spoke::cli {

struct FormatArgs {
  std::string target;  // a .proto file or a directory (positional)
  std::string dir;     // -dir: a directory
  bool write = false;  // -w: rewrite the files that change, in place
  bool diff = false;   // -d: print a unified diff instead of the formatted files
  bool exit_code = false;
};

// Registers the subcommand; fills `args` when it is parsed.
CLI::App* add_format_command(CLI::App& app, FormatArgs& args);

// Exit status: 0 done, 100 with --exit-code when a file is not formatted, 1 when a file does not
// parse or cannot be read or written, 2 usage.
int run_format(const FormatArgs& args);

}  // namespace spoke::cli
