#include "admin_commands.h"

#include <cstdio>
#include <iostream>

#include "spoke/storage_admin.h"

namespace spoke::server {
namespace {

// One line per phase step on stderr, throttled to about a hundred lines a phase.
void print_progress(const StorageProgress& p) {
  std::size_t step = std::max<std::size_t>(1, p.total / 100);
  if (p.done == p.total || p.done % step == 0) {
    std::fprintf(stderr, "%s: %zu/%zu\n", p.phase.c_str(), p.done, p.total);
  }
}

// "postgresql://user:secret@host/db" without the password, for messages.
std::string redact(const std::string& url) {
  auto scheme = url.find("://");
  auto at = url.find('@');
  if (scheme == std::string::npos || at == std::string::npos || at < scheme) return url;
  auto colon = url.find(':', scheme + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon) + ":***" + url.substr(at);
}

int migrate_storage(const MigrateStorageArgs& args, const StorageOptions& base) {
  auto open = [&](const std::string& url) {
    StorageOptions options = base;
    options.url = url;
    options.replica_urls.clear();
    return open_storage(options);
  };
  auto from = open(args.from);
  if (!from.ok()) {
    std::cerr << "spoke-server migrate-storage: --from " << redact(args.from) << ": "
              << from.status().message() << "\n";
    return 1;
  }
  auto to = open(args.to);
  if (!to.ok()) {
    std::cerr << "spoke-server migrate-storage: --to " << redact(args.to) << ": "
              << to.status().message() << "\n";
    return 1;
  }
  CopyOptions options;
  options.resume = args.resume;
  options.progress = print_progress;
  auto report = copy_storage(from.value(), to.value(), options);
  if (!report.ok()) {
    std::cerr << "spoke-server migrate-storage: " << report.status().message() << "\n";
    return 1;
  }
  std::fprintf(stderr,
               "copied %zu modules, %zu versions, %zu blobs, %zu artifacts, %zu jobs, %zu "
               "policies (%zu already there); %zu version digests verified\n",
               report->modules, report->versions, report->blobs, report->artifacts, report->jobs,
               report->policies, report->already_there, report->verified);
  return 0;
}

int backup(const BackupArgs& args, const StorageOptions& storage) {
  auto report = backup_storage(storage, args.to, print_progress);
  if (!report.ok()) {
    std::cerr << "spoke-server backup: " << report.status().message() << "\n";
    return report.status().reason() == reason::kBackupUnsupported ? 2 : 1;
  }
  std::fprintf(stderr, "backed up to %s (blobs in %s, %zu new); %zu version digests verified\n",
               report->database.c_str(), report->blobs.c_str(), report->blobs_copied,
               report->verified);
  return 0;
}

}  // namespace

void add_admin_commands(CLI::App& app, MigrateStorageArgs& migrate, BackupArgs& backup) {
  app.fallthrough();  // the storage flags may follow the subcommand
  auto* m = app.add_subcommand(
      "migrate-storage",
      "copy every module, version, blob, job, artifact and policy to another storage, then "
      "verify every version's digest");
  m->add_option("--from", migrate.from, "source storage URL (sqlite:DIR, postgresql://...)")
      ->required();
  m->add_option("--to", migrate.to, "target storage URL")->required();
  m->add_flag("--resume", migrate.resume,
              "continue into a target that holds data (e.g. an interrupted copy)");
  auto* b = app.add_subcommand(
      "backup",
      "consistent copy of the SQLite storage while servers use it; blobs go to blobs/ beside "
      "FILE");
  b->add_option("--to", backup.to, "the database copy to write (a new file)")->required();
}

int run_admin_command(const CLI::App& app, const MigrateStorageArgs& migrate,
                      const BackupArgs& backup_args, const StorageOptions& storage) {
  if (app.got_subcommand("migrate-storage")) return migrate_storage(migrate, storage);
  if (app.got_subcommand("backup")) return backup(backup_args, storage);
  return -1;
}

}  // namespace spoke::server
