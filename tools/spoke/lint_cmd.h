#pragma once

// spoke lint: buf's lint rules on the .proto files under -dir.

#include <CLI/CLI.hpp>

#include "command.h"

namespace spoke::cli {

// Registers `lint`. Exit status: 0 no findings, 100 findings, 1 the files do not compile or the
// configuration is wrong, 2 usage.
void add_lint_command(CLI::App& app, Commands& out);

}  // namespace spoke::cli
