// spoke lint: buf's lint rules on -dir, configured by its buf.yaml or spoke.yaml.
#include "lint_cmd.h"

#include <google/protobuf/stubs/logging.h>

#include <iostream>
#include <string>
#include <vector>

#include "spoke/frontend/output.h"
#include "spoke/lint.h"

namespace spoke::cli {
namespace {

class LintCommand : public Command {
 public:
  explicit LintCommand(CLI::App& app) {
    app_ = app.add_subcommand(
        "lint",
        "check the .proto files under -dir against buf's lint rules (buf.yaml or spoke.yaml)");
    app_->add_option("--dir", options_.dir,
                     "directory holding the files and their buf.yaml or spoke.yaml")
        ->capture_default_str();
    app_->add_option("--config", options_.config,
                     "a buf.yaml to use instead: a .yaml, .yml or .json file, or the YAML or JSON "
                     "itself");
    app_->add_option("-I,--include", options_.include_dirs,
                     "extra import root, not linted (repeatable)");
    app_->add_option("--error-format", error_format_, "text, json or github")
        ->check(CLI::IsMember({"text", "json", "github", "github-actions"}))
        ->capture_default_str();
  }

  int run(const Globals&) override {
    // libprotobuf logs a warning for a file without a syntax statement; SYNTAX_SPECIFIED reports
    // it in buf's words, so only libprotobuf's errors are let through.
    google::protobuf::SetLogHandler([](google::protobuf::LogLevel level, const char* file, int line,
                                       const std::string& message) {
      if (level >= google::protobuf::LOGLEVEL_ERROR) {
        std::cerr << "[libprotobuf " << file << ":" << line << "] " << message << "\n";
      }
    });
    ErrorFormat format =
        parse_error_format(error_format_ == "github-actions" ? "github" : error_format_).value();
    auto result = lint_directory(options_);
    if (!result.ok()) {
      if (result.status().reason() != reason::kInvalidSchema) return fail(result.status());
      // The files do not compile: their errors as `spoke validate` prints them.
      frontend::print_diagnostics(std::cout, std::cerr, result.status().diagnostics(), format);
      return frontend::kExitFailure;
    }
    for (const auto& w : result->warnings) std::cerr << "spoke: warning: " << w << "\n";
    std::string out;
    for (const auto& f : result->findings) {
      out += format_finding(f, format);
      out += '\n';
    }
    std::cout << out;
    return result->findings.empty() ? frontend::kExitOk : frontend::kExitFindings;
  }

 private:
  LintDirectoryOptions options_;
  std::string error_format_ = "text";
};

}  // namespace

void add_lint_command(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<LintCommand>(app));
}

}  // namespace spoke::cli
