#pragma once

// spoke format: prints, rewrites or diffs .proto files formatted as `buf format` formats them.
// No registry involved; the formatting, the diff and the rewrite are libspoke's (spoke/format.h).

#include "command.h"

namespace spoke::cli {

// format: exit status 0 done, 100 with --exit-code when a file is not formatted, 1 when a file
// does not parse or cannot be read or written, 2 usage.
void add_format_command(CLI::App& app, Commands& out);

}  // namespace spoke::cli
