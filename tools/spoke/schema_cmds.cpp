// spoke validate, spoke ast: a directory parsed and linked as a push would.
#include <iostream>

#include "command.h"
#include "spoke/ast.h"
#include "spoke/frontend/output.h"
#include "spoke/validate_dir.h"

namespace spoke::cli {
namespace {

void add_workspace_flags(CLI::App* app, WorkspaceArgs& args, const char* dir_help) {
  app->add_option("--dir", args.dir, dir_help)->capture_default_str();
  app->add_option("-I,--include", args.includes, "extra import root (repeatable)");
  app->add_option("--dep", args.deps,
                  "dependency module@version to fetch from -registry with its closure "
                  "(repeatable; implies -recursive; default: deps: in spoke.yaml)");
  app->add_flag("--recursive", args.recursive,
                "fetch the declared dependencies and their closure from -registry first");
}

class ValidateCommand : public Command {
 public:
  explicit ValidateCommand(CLI::App& app) {
    app_ = app.add_subcommand("validate", "parse and link the .proto files under -dir");
    add_workspace_flags(app_, args_, "import root holding the files to validate");
    app_->add_flag("--no-cache", no_cache_,
                   "do not use or fill the result cache ($SPOKE_CACHE_DIR, ~/.cache/spoke)");
    app_->add_option("--error-format", error_format_, "text, json or github")
        ->check(CLI::IsMember({"text", "json", "github"}))
        ->capture_default_str();
  }

  int run(const Globals& globals) override {
    WorkspaceSession session(globals, args_);
    auto ws = session.open();
    if (!ws.ok()) return fail(ws.status());
    auto result = ws.value()->validate(no_cache_ ? "" : default_cache_dir());
    if (!result.ok()) return fail(result.status());
    frontend::print_diagnostics(std::cout, std::cerr, result->diagnostics,
                                parse_error_format(error_format_).value());
    return result->valid ? frontend::kExitOk : frontend::kExitFailure;
  }

 private:
  WorkspaceArgs args_;
  bool no_cache_ = false;
  std::string error_format_ = "text";
};

class AstCommand : public Command {
 public:
  explicit AstCommand(CLI::App& app) {
    app_ = app.add_subcommand("ast", "print the structure of the .proto files under -dir as JSON");
    add_workspace_flags(app_, args_, "import root holding the files");
  }

  int run(const Globals& globals) override {
    WorkspaceSession session(globals, args_);
    auto ws = session.open();
    if (!ws.ok()) return fail(ws.status());
    auto built = ws.value()->build();
    if (!built.ok()) return fail(built.status());
    if (!built->valid()) {
      frontend::print_diagnostics(std::cout, std::cerr, built->diagnostics, ErrorFormat::kText);
      return frontend::kExitFailure;
    }
    print_json(schema_ast_json(*built->schema));
    return frontend::kExitOk;
  }

 private:
  WorkspaceArgs args_;
};

}  // namespace

void add_schema_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<ValidateCommand>(app));
  out.push_back(std::make_unique<AstCommand>(app));
}

}  // namespace spoke::cli
