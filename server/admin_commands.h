#pragma once

// spoke-server's subcommands that work on the storage itself: migrate-storage, backup,
// fill-descriptors, and token create|list|revoke (access tokens made while the server is down or
// up).

#include <CLI/CLI.hpp>
#include <string>

#include "spoke/storage.h"

namespace spoke::server {

struct MigrateStorageArgs {
  std::string from;  // a storage URL
  std::string to;
  bool resume = false;
};

struct BackupArgs {
  std::string to;  // the database copy; blobs go to "blobs" beside it
};

struct TokenArgs {
  std::string name;
  std::string role = "reader";
  std::string module;  // scope: a module or a glob; empty: every module
  std::string expires_in;
};

struct AdminArgs {
  MigrateStorageArgs migrate;
  BackupArgs backup;
  TokenArgs token;
};

// Adds the subcommands to `app`.
void add_admin_commands(CLI::App& app, AdminArgs& args);

// Runs whichever subcommand was given; -1 when none was. `storage` is the server's configured
// storage (backup and token read it). Returns the exit status.
int run_admin_command(const CLI::App& app, const AdminArgs& args, const StorageOptions& storage);

}  // namespace spoke::server
