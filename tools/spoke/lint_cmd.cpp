#include "lint_cmd.h"

#include <fmt/format.h>
#include <google/protobuf/stubs/logging.h>

#include <iostream>

#include "common/github.h"
#include "spoke/lint.h"
#include "spoke/schema.h"
#include "spoke/wire.h"

namespace spoke::cli {

namespace {

constexpr int kFindings = 100;
constexpr int kFailure = 1;

// As `buf lint --error-format` prints findings: "path:line:col:message", one JSON object a line,
// or GitHub Actions workflow commands.
void print(const std::vector<BreakingFinding>& findings, const std::string& format) {
  std::string out;
  for (const auto& f : findings) {
    if (format == "json") {
      out += format_finding_json(f);
    } else if (format == "github" || format == "github-actions") {
      // As buf writes them: the path and the message unescaped (its messages are one line, with
      // values quoted as Go's %q quotes them).
      out += fmt::format("::error file={},line={},col={},endLine={},endColumn={}::{}", f.path,
                         f.start_line, f.start_column, f.end_line, f.end_column, f.message);
    } else {
      out += format_finding(f);
    }
    out += '\n';
  }
  std::cout << out;
}

// The reasons the files could not be linted, as `spoke validate` prints diagnostics.
int fail(const Status& s, const std::string& format) {
  if (s.reason() != "invalid_schema") {
    std::cerr << "spoke: " << s.message() << "\n";
    return kFailure;
  }
  for (const auto& d : s.diagnostics()) {
    if (format == "json") {
      std::cout << wire::to_json(d).dump() << "\n";
    } else if (format == "github" || format == "github-actions") {
      std::string props = "file=" + github_escape(d.file, true);
      if (d.line > 0) props += fmt::format(",line={},col={}", d.line, d.column);
      std::cout << fmt::format("::error {}::{}\n", props, github_escape(d.message, false));
    } else {
      std::cerr << format_diagnostic(d) << "\n";
    }
  }
  return kFailure;
}

}  // namespace

CLI::App* add_lint_command(CLI::App& app, LintArgs& a) {
  auto* cmd = app.add_subcommand(
      "lint",
      "check the .proto files under -dir against buf's lint rules (buf.yaml or spoke.yaml)");
  cmd->add_option("--dir", a.dir, "directory holding the files and their buf.yaml or spoke.yaml")
      ->capture_default_str();
  cmd->add_option("--config", a.config,
                  "a buf.yaml to use instead: a .yaml, .yml or .json file, or the YAML or JSON "
                  "itself");
  cmd->add_option("-I,--include", a.includes, "extra import root, not linted (repeatable)");
  cmd->add_option("--error-format", a.error_format, "text, json or github")
      ->check(CLI::IsMember({"text", "json", "github", "github-actions"}))
      ->capture_default_str();
  return cmd;
}

int run_lint(const LintArgs& a) {
  // libprotobuf logs a warning for a file without a syntax statement; SYNTAX_SPECIFIED reports it
  // in buf's words, so only its errors are let through.
  google::protobuf::SetLogHandler(
      [](google::protobuf::LogLevel level, const char* file, int line, const std::string& message) {
        if (level >= google::protobuf::LOGLEVEL_ERROR) {
          std::cerr << "[libprotobuf " << file << ":" << line << "] " << message << "\n";
        }
      });
  LintDirectoryOptions options;
  options.dir = a.dir;
  options.include_dirs = a.includes;
  options.config = a.config;
  auto result = lint_directory(options);
  if (!result.ok()) return fail(result.status(), a.error_format);
  for (const auto& w : result->warnings) std::cerr << "spoke: warning: " << w << "\n";
  print(result->findings, a.error_format);
  return result->findings.empty() ? 0 : kFindings;
}

}  // namespace spoke::cli
