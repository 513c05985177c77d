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
#include "spoke/frontend/output.h"
#include "spoke/schema.h"

namespace spoke::cli {

namespace {

namespace fs = std::filesystem;

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
    if (!in) return Status::NotFound(fmt::format("cannot read {}", target), reason::kNotFound);
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

class FormatCommand : public Command {
 public:
  explicit FormatCommand(CLI::App& app) {
    app_ = app.add_subcommand(
        "format",
        "print .proto files formatted as buf format formats them (a file or a directory)");
    auto* target = app_->add_option("target", target_, "a .proto file or a directory (default .)");
    auto* dir = app_->add_option("--dir", dir_, "the directory whose .proto files to format");
    target->excludes(dir);
    app_->add_flag("-w,--write", write_, "rewrite the files that are not formatted, in place");
    app_->add_flag("-d,--diff", diff_, "print a unified diff of the changes instead of the files");
    app_->add_flag("--exit-code", exit_code_, "exit with status 100 when a file is not formatted");
  }

  int run(const Globals& /*globals*/) override {
    std::string target = !dir_.empty() ? dir_ : (!target_.empty() ? target_ : ".");
    std::error_code ec;
    bool is_dir = fs::is_directory(target, ec);
    if (!is_dir && !fs::exists(target, ec)) {
      std::cerr << "spoke: " << target << ": no such file or directory\n";
      return frontend::kExitFailure;
    }
    if (!dir_.empty() && !is_dir) {
      return usage("-dir " + dir_ + " is not a directory", "spoke format");
    }
    auto inputs = read_inputs(target, is_dir);
    if (!inputs.ok()) return fail(inputs.status());
    auto formatted = format_files(inputs.value());
    if (!formatted.ok()) {
      const Status& s = formatted.status();
      if (s.diagnostics().empty()) return fail(s);
      for (const auto& d : s.diagnostics()) std::cerr << format_diagnostic(d) << "\n";
      return frontend::kExitFailure;
    }
    bool any_changed = false;
    std::string stamp = diff_ ? diff_timestamp() : "";
    for (std::size_t i = 0; i < formatted->size(); ++i) {
      const FormattedFile& f = (*formatted)[i];
      any_changed = any_changed || f.changed;
      if (diff_) {
        std::cout << format_unified_diff(inputs.value()[i].content, f.content, f.path, stamp);
      } else if (!write_) {
        std::cout << f.content;
      }
      if (write_ && f.changed) {
        if (Status s = write_formatted_file(f.path, f.content); !s.ok()) return fail(s);
      }
    }
    return exit_code_ && any_changed ? frontend::kExitFindings : frontend::kExitOk;
  }

 private:
  std::string target_;  // a .proto file or a directory (positional)
  std::string dir_;     // -dir
  bool write_ = false;  // -w
  bool diff_ = false;   // -d
  bool exit_code_ = false;
};

}  // namespace

void add_format_command(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<FormatCommand>(app));
}

}  // namespace spoke::cli
