#include "format_cmd.h"

#include <fmt/format.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "spoke/file_tree.h"
#include "spoke/format.h"
#include "spoke/schema.h"

namespace spoke::cli {

namespace {

namespace fs = std::filesystem;

constexpr int kNotFormatted = 100;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

// The time `diff -u` prints for a file written now: "2006-01-02 15:04:05.000000000 -0700".
std::string diff_timestamp() {
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(now.time_since_epoch()) %
               std::chrono::seconds(1);
  std::tm local{};
  localtime_r(&t, &local);
  char date[32], zone[8];
  std::strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S", &local);
  std::strftime(zone, sizeof zone, "%z", &local);
  return fmt::format("{}.{:09d} {}", date, nanos.count(), zone);
}

// The files to format, each named as the user would name it (the directory given, then the path
// inside it).
Result<std::vector<FileInput>> read_inputs(const std::string& target, bool is_dir) {
  if (!is_dir) {
    std::ifstream in(target, std::ios::binary);
    if (!in) return Status::NotFound(fmt::format("cannot read {}", target), "not_found");
    std::ostringstream content;
    content << in.rdbuf();
    return std::vector<FileInput>{{target, content.str()}};
  }
  auto tree = read_proto_tree(target);
  if (!tree.ok()) return tree.status();
  std::vector<FileInput> files = std::move(tree).value();
  for (auto& f : files) f.path = (fs::path(target) / f.path).lexically_normal().string();
  return files;
}

}  // namespace

CLI::App* add_format_command(CLI::App& app, FormatArgs& a) {
  auto* cmd = app.add_subcommand(
      "format", "print .proto files formatted as buf format formats them (a file or a directory)");
  auto* target = cmd->add_option("target", a.target, "a .proto file or a directory (default .)");
  auto* dir = cmd->add_option("--dir", a.dir, "the directory whose .proto files to format");
  target->excludes(dir);
  cmd->add_flag("-w,--write", a.write, "rewrite the files that are not formatted, in place");
  cmd->add_flag("-d,--diff", a.diff, "print a unified diff of the changes instead of the files");
  cmd->add_flag("--exit-code", a.exit_code, "exit with status 100 when a file is not formatted");
  return cmd;
}

int run_format(const FormatArgs& a) {
  std::string target = !a.dir.empty() ? a.dir : (!a.target.empty() ? a.target : ".");
  std::error_code ec;
  bool is_dir = fs::is_directory(target, ec);
  if (!is_dir && !fs::exists(target, ec)) {
    std::cerr << "spoke: " << target << ": no such file or directory\n";
    return kFailure;
  }
  if (!a.dir.empty() && !is_dir) {
    std::cerr << "spoke: -dir " << a.dir << " is not a directory\n";
    return kUsage;
  }
  auto inputs = read_inputs(target, is_dir);
  if (!inputs.ok()) {
    std::cerr << "spoke: " << inputs.status().message() << "\n";
    return kFailure;
  }
  auto formatted = format_files(inputs.value());
  if (!formatted.ok()) {
    const Status& s = formatted.status();
    if (s.diagnostics().empty()) {
      std::cerr << "spoke: " << s.message() << "\n";
    }
    for (const auto& d : s.diagnostics()) std::cerr << format_diagnostic(d) << "\n";
    return kFailure;
  }
  bool any_changed = false;
  std::string stamp = a.diff ? diff_timestamp() : "";
  for (std::size_t i = 0; i < formatted->size(); ++i) {
    const FormattedFile& f = (*formatted)[i];
    any_changed = any_changed || f.changed;
    if (a.diff) {
      std::cout << format_unified_diff(inputs.value()[i].content, f.content, f.path, stamp);
    } else if (!a.write) {
      std::cout << f.content;
    }
    if (a.write && f.changed) {
      if (Status s = write_formatted_file(f.path, f.content); !s.ok()) {
        std::cerr << "spoke: " << s.message() << "\n";
        return kFailure;
      }
    }
  }
  return a.exit_code && any_changed ? kNotFormatted : 0;
}

}  // namespace spoke::cli
