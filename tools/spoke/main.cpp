// spoke: the command-line client. Argument parsing and printing only: local work goes through
// spoke::Workspace, the registry through spoke::RemoteRegistry.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "command.h"
#include "format_cmd.h"
#include "lint_cmd.h"
#include "spoke/frontend/args.h"
#include "spoke/frontend/output.h"

int main(int argc, char** argv) {
  using spoke::cli::Globals;
  CLI::App app{"spoke: push, pull and inspect Protocol Buffers modules in a Spoke registry"};
  app.require_subcommand(1);
  Globals globals;
  const char* env_registry = std::getenv("SPOKE_REGISTRY");
  globals.registry =
      env_registry != nullptr && *env_registry ? env_registry : "http://localhost:8080";
  if (const char* env_token = std::getenv("SPOKE_TOKEN"); env_token != nullptr) {
    globals.token = env_token;
  }
  if (const char* env_ca = std::getenv("SPOKE_CA_CERT"); env_ca != nullptr) {
    globals.ca_cert = env_ca;
  }
  auto add_globals = [&](CLI::App* sub) {
    sub->add_option("--registry", globals.registry,
                    "registry URL (default: $SPOKE_REGISTRY or http://localhost:8080)");
    sub->add_flag("--json", globals.json, "print machine-readable JSON");
    sub->add_flag("-q,--quiet", globals.quiet, "no progress on stderr (shown on a terminal)");
    sub->add_option("--token", globals.token,
                    "access token (default: $SPOKE_TOKEN, else the one spoke login stored)");
    sub->add_option("--ca-cert", globals.ca_cert,
                    "PEM file of the CA that signed an https registry's certificate, for a "
                    "private CA (default: $SPOKE_CA_CERT, else the system's CAs)");
  };
  add_globals(&app);

  spoke::cli::Commands commands;
  spoke::cli::add_registry_commands(app, commands);
  spoke::cli::add_schema_commands(app, commands);
  spoke::cli::add_breaking_command(app, commands);
  spoke::cli::add_lint_command(app, commands);
  spoke::cli::add_format_command(app, commands);
  spoke::cli::add_compile_commands(app, commands);
  spoke::cli::add_policy_commands(app, commands);
  spoke::cli::add_access_commands(app, commands);
  spoke::cli::add_webhook_commands(app, commands);
  for (const auto& c : commands) add_globals(c->app());
  // Listed in the order of a day's work: push and pull, check, generate, browse.
  const std::vector<std::string> order = {"push",      "pull",     "validate", "lint",    "format",
                                          "ast",       "breaking", "diff",     "config",  "compile",
                                          "languages", "modules",  "versions", "login",   "logout",
                                          "whoami",    "token",    "audit",    "webhooks"};
  std::vector<std::string> listed;
  for (const auto& c : commands) listed.push_back(c->app()->get_name());
  auto rank = [&](const std::string& name) {
    return std::find(order.begin(), order.end(), name) - order.begin();
  };
  std::stable_sort(listed.begin(), listed.end(),
                   [&](const auto& a, const auto& b) { return rank(a) < rank(b); });
  std::string names;
  for (const auto& n : listed) names += (names.empty() ? "" : ", ") + n;

  if (argc > 1 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* s) { return s->check_name(argv[1]); }).empty()) {
    std::cerr << "spoke: unknown command \"" << argv[1] << "\"; commands: " << names
              << " (run spoke --help for usage)\n";
    return spoke::frontend::kExitUsage;
  }
  auto args = spoke::frontend::normalize_long_flags(argc, argv);
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), const_cast<char**>(cargs.data()));
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "spoke: " << e.what() << " (run spoke --help for usage)\n";
    return spoke::frontend::kExitUsage;
  }

  int code = spoke::frontend::kExitUsage;
  for (const auto& c : commands) {
    if (*c->app()) {
      code = c->run(globals);
      break;
    }
  }
  // Large trees (a linked googleapis is ~1 GB of small objects) are left to the OS to reclaim:
  // freeing them one by one takes seconds.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}
