#pragma once

// The subcommands of `spoke`: each registers its flags on a CLI11 subcommand and, when chosen,
// runs: argv in, one libspoke call (a Workspace for local work, a RemoteRegistry for the
// registry), output printed.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "spoke/frontend/progress.h"
#include "spoke/remote_registry.h"
#include "spoke/workspace.h"

namespace spoke::cli {

// Flags every subcommand takes.
struct Globals {
  std::string registry;  // --registry, else $SPOKE_REGISTRY, else http://localhost:8080
  bool json = false;     // --json
  bool quiet = false;    // --quiet: no progress on stderr
  std::string token;     // --token, else $SPOKE_TOKEN (else what spoke login stored)
  std::string ca_cert;   // --ca-cert, else $SPOKE_CA_CERT: the CA of an https registry

  // The registry's URL and the token: --token / $SPOKE_TOKEN, else the one stored by spoke login.
  RemoteOptions remote() const;
};

class Command {
 public:
  virtual ~Command() = default;
  CLI::App* app() const { return app_; }
  virtual int run(const Globals& globals) = 0;

 protected:
  CLI::App* app_ = nullptr;
};

using Commands = std::vector<std::unique_ptr<Command>>;

// push, pull, modules, versions
void add_registry_commands(CLI::App& app, Commands& out);
// validate, ast
void add_schema_commands(CLI::App& app, Commands& out);
// breaking
void add_breaking_command(CLI::App& app, Commands& out);
// compile, languages
void add_compile_commands(CLI::App& app, Commands& out);
// config, diff
void add_policy_commands(CLI::App& app, Commands& out);
// login, logout, whoami, token, audit
void add_access_commands(CLI::App& app, Commands& out);
// webhooks add|list|show|update|remove|deliveries|redeliver|ping
void add_webhook_commands(CLI::App& app, Commands& out);

// ---- shared by the commands -------------------------------------------------------------------

// "spoke: <message>" and the diagnostics; returns 1.
int fail(const Status& s);
// "spoke: <message> (run spoke --help for usage)"; returns 2.
int usage(const std::string& message, const std::string& help = "spoke");
// A DependencySource that shows on `progress` how many versions (and bytes of files) `inner`
// fetched.
std::unique_ptr<DependencySource> count_fetches(DependencySource& inner,
                                                frontend::Progress& progress);

// Pretty-prints `j` on stdout.
void print_json(const nlohmann::json& j);

// Opens -dir as a workspace with the -I roots and -dep dependencies; with `fetch` the declared
// dependencies come from `remote` (and the local cache of fetched versions).
struct WorkspaceArgs {
  std::string dir = ".";
  std::vector<std::string> includes;
  std::vector<std::string> deps;
  bool recursive = false;
  // Fetch the declared dependencies: -recursive, or any -dep.
  bool fetch() const { return recursive || !deps.empty(); }
};
class WorkspaceSession {
 public:
  // `progress` (optional) shows the dependencies being fetched.
  WorkspaceSession(const Globals& globals, const WorkspaceArgs& args,
                   frontend::Progress* progress = nullptr);
  // The workspace, or why it could not be opened.
  Result<Workspace*> open();

 private:
  WorkspaceArgs args_;
  std::unique_ptr<RemoteRegistry> remote_;
  std::unique_ptr<DependencySource> counted_;
  std::unique_ptr<DependencySource> cached_;
  std::unique_ptr<Workspace> workspace_;
};

}  // namespace spoke::cli
