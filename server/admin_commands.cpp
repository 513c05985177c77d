#include "admin_commands.h"

#include <cstdio>
#include <iostream>

#include "spoke/auth.h"
#include "spoke/rest.h"
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
               "policies, %zu tokens, %zu audit entries, %zu webhooks, %zu webhook events, %zu "
               "webhook deliveries (%zu already there); %zu version digests verified\n",
               report->modules, report->versions, report->blobs, report->artifacts, report->jobs,
               report->policies, report->tokens, report->audit_entries, report->webhooks,
               report->webhook_events, report->webhook_deliveries, report->already_there,
               report->verified);
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

// token create|list|revoke on the configured storage.
int token_command(const CLI::App& cmd, const TokenArgs& args, const StorageOptions& storage) {
  auto fail = [](const Status& s) {
    std::cerr << "spoke-server token: " << s.message() << "\n";
    return s.code() == Code::kInvalidArgument ? 2 : 1;
  };
  auto opened = open_storage(storage);
  if (!opened.ok()) return fail(opened.status());
  AccessControl access(*opened->metadata);
  if (cmd.got_subcommand("create")) {
    NewToken request;
    request.name = args.name;
    auto role = parse_role(args.role);
    if (!role) {
      return fail(Status::InvalidArgument("--role must be reader, writer or admin"));
    }
    request.role = *role;
    request.scope = args.module;
    if (!args.expires_in.empty()) {
      auto d = auth::parse_duration(args.expires_in);
      if (!d.ok()) return fail(d.status());
      request.expires_in = d.value();
    }
    request.creator = "spoke-server";
    auto created = access.create_token(request);
    if (!created.ok()) return fail(created.status());
    // The secret on stdout (for a pipe), what it is on stderr.
    std::cout << created->secret << "\n";
    std::cerr << "created token \"" << created->token.name << "\" (" << to_string(request.role)
              << (request.scope.empty() ? ", every module" : ", module " + request.scope)
              << "); it is shown only now\n";
    return 0;
  }
  if (cmd.got_subcommand("revoke")) {
    if (Status s = access.revoke_token(args.name); !s.ok()) return fail(s);
    std::cerr << "revoked token \"" << args.name << "\"\n";
    return 0;
  }
  auto tokens = access.list_tokens();
  if (!tokens.ok()) return fail(tokens.status());
  std::cout << rest::to_json(tokens.value()).dump(2) << "\n";
  return 0;
}

}  // namespace

void add_admin_commands(CLI::App& app, AdminArgs& args) {
  MigrateStorageArgs& migrate = args.migrate;
  BackupArgs& backup = args.backup;
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

  auto* t = app.add_subcommand("token", "access tokens in the storage, with or without a server");
  t->require_subcommand(1);
  auto* create = t->add_subcommand("create", "make a token and print it (shown only this once)");
  create->add_option("--name", args.token.name, "the token's name (unique)")->required();
  create->add_option("--role", args.token.role, "reader, writer or admin");
  create->add_option("--module", args.token.module,
                     "scope: one module or a glob (\"acme-*\"); default every module");
  create->add_option("--expires-in", args.token.expires_in,
                     "lifetime, e.g. 720h; default: never expires");
  t->add_subcommand("list", "every token as JSON (never their secrets)");
  auto* revoke = t->add_subcommand("revoke", "revoke a token by name");
  revoke->add_option("--name", args.token.name, "the token's name")->required();
}

int run_admin_command(const CLI::App& app, const AdminArgs& args, const StorageOptions& storage) {
  if (app.got_subcommand("migrate-storage")) return migrate_storage(args.migrate, storage);
  if (app.got_subcommand("backup")) return backup(args.backup, storage);
  if (app.got_subcommand("token")) {
    return token_command(*app.get_subcommand("token"), args.token, storage);
  }
  return -1;
}

}  // namespace spoke::server
