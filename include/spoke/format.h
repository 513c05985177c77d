#pragma once

// Formatting .proto files exactly as `buf format` (buf 1.75) does: the same bytes for every file.
// Formatting never changes what a file means; a formatted file formats to itself.

#include <string>
#include <string_view>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

// `content` formatted, or InvalidArgument (reason "proto_syntax_error") with one Diagnostic
// (path:line:col, 1-based) when it does not parse. `path` only names the file in diagnostics.
// Never throws; safe to call from several threads at once.
Result<std::string> format_proto(std::string_view content, const std::string& path = "");

struct FormattedFile {
  std::string path;
  std::string content;   // the formatted bytes
  bool changed = false;  // false when the input was already formatted
};

// Formats every file, in parallel (`threads` 0: one per core), and returns them in input order.
// When files do not parse: InvalidArgument, reason "proto_syntax_error", with one Diagnostic per
// file that failed (nothing is returned for the others).
Result<std::vector<FormattedFile>> format_files(const std::vector<FileInput>& files,
                                                int threads = 0);

// Replaces the contents of the file at `path` with `content` atomically: written to a temporary
// file beside it, then renamed over it, keeping the file's permissions (a symlink is followed:
// its target is replaced). Internal (reason "io_error") when the file cannot be written.
Status write_formatted_file(const std::string& path, std::string_view content);

// A unified diff of `original` and `formatted` as `buf format -d` prints it:
//   diff -u <path>.orig <path>
//   --- <path>.orig<TAB><timestamp>
//   +++ <path><TAB><timestamp>
//   @@ -l,n +l,n @@ hunks with three lines of context
// Empty when the two are equal. `timestamp` goes on both header lines as given (buf prints the
// current time, "2006-01-02 15:04:05.000000000 -0700").
std::string format_unified_diff(std::string_view original, std::string_view formatted,
                                const std::string& path, const std::string& timestamp);

}  // namespace spoke
