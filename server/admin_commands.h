#pragma once

// spoke-server's subcommands for moving and keeping data: migrate-storage and backup.

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

// Adds the subcommands to `app`.
void add_admin_commands(CLI::App& app, MigrateStorageArgs& migrate, BackupArgs& backup);

// Runs whichever subcommand was given; nullopt-like -1 when none was. `storage` is the server's
// configured storage (backup reads it). Returns the exit status.
int run_admin_command(const CLI::App& app, const MigrateStorageArgs& migrate,
                      const BackupArgs& backup, const StorageOptions& storage);

}  // namespace spoke::server
