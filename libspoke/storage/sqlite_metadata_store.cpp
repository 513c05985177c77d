// SQLite metadata: the embedded default. WAL mode, one connection per concurrent caller (taken
// from a pool), schema versions applied as migrations at open.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <unordered_map>

#include "spoke/storage.h"
#include "storage/store_errors.h"
#include "storage/webhook_records.h"

namespace spoke {
namespace {

using internal::job_not_found;
using internal::module_not_found;
using internal::version_not_found;

// Each entry moves the schema from version i to i+1. Never edit one that has shipped.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE modules (
  name        TEXT PRIMARY KEY,
  description TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
CREATE TABLE versions (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  module      TEXT NOT NULL REFERENCES modules(name),
  version     TEXT NOT NULL,
  description TEXT NOT NULL,
  digest      TEXT NOT NULL,
  repository  TEXT NOT NULL,
  commit_sha  TEXT NOT NULL,
  branch      TEXT NOT NULL,
  created_at  INTEGER NOT NULL,
  UNIQUE (module, version)
);
CREATE TABLE files (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  path       TEXT NOT NULL,
  digest     TEXT NOT NULL,
  size       INTEGER NOT NULL,
  PRIMARY KEY (version_id, path)
) WITHOUT ROWID;
CREATE INDEX files_by_path ON files(path);
CREATE TABLE dependencies (
  version_id INTEGER NOT NULL REFERENCES versions(id),
  position   INTEGER NOT NULL,
  module     TEXT NOT NULL,
  version    TEXT NOT NULL,
  digest     TEXT NOT NULL,
  PRIMARY KEY (version_id, position)
) WITHOUT ROWID;
)sql",
    R"sql(
CREATE TABLE jobs (
  id           TEXT PRIMARY KEY,
  module       TEXT NOT NULL,
  version      TEXT NOT NULL,
  language     TEXT NOT NULL,
  grpc         INTEGER NOT NULL,
  options      TEXT NOT NULL,
  status       TEXT NOT NULL,
  error        TEXT NOT NULL,
  generator    TEXT NOT NULL,
  artifact_key TEXT NOT NULL,
  file_count   INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  started_at   INTEGER NOT NULL,
  finished_at  INTEGER NOT NULL,
  attempts     INTEGER NOT NULL,
  seq          INTEGER NOT NULL
);
CREATE INDEX jobs_by_version ON jobs(module, version, seq);
CREATE INDEX jobs_by_status ON jobs(status, seq);
CREATE TABLE artifacts (
  key             TEXT PRIMARY KEY,
  module          TEXT NOT NULL,
  version         TEXT NOT NULL,
  language        TEXT NOT NULL,
  generator       TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  file_count      INTEGER NOT NULL,
  total_size      INTEGER NOT NULL,
  created_at      INTEGER NOT NULL
);
CREATE TABLE module_configs (
  module                   TEXT PRIMARY KEY REFERENCES modules(name),
  compatibility            TEXT NOT NULL,
  ignore_unstable_packages INTEGER NOT NULL,
  transitive               INTEGER NOT NULL,
  updated_at               INTEGER NOT NULL
);
)sql",
    R"sql(
ALTER TABLE versions ADD COLUMN forced_breaking INTEGER NOT NULL DEFAULT 0;
)sql",
    // Job claims: the worker running a job and until when it holds it.
    R"sql(
ALTER TABLE jobs ADD COLUMN owner TEXT NOT NULL DEFAULT '';
ALTER TABLE jobs ADD COLUMN lease_expires_at INTEGER NOT NULL DEFAULT 0;
CREATE INDEX jobs_by_owner ON jobs(owner) WHERE owner <> '';
)sql",
    // Progress of running jobs: files generated of the total.
    R"sql(
ALTER TABLE jobs ADD COLUMN progress_done INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_total INTEGER NOT NULL DEFAULT 0;
)sql",
    // Access tokens (their hashes) and the audit log.
    R"sql(
CREATE TABLE tokens (
  name         TEXT PRIMARY KEY,
  hash         TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL,
  scope        TEXT NOT NULL,
  creator      TEXT NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  last_used_at INTEGER NOT NULL,
  revoked_at   INTEGER NOT NULL
);
CREATE TABLE audit_log (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  time       INTEGER NOT NULL,
  actor      TEXT NOT NULL,
  client     TEXT NOT NULL,
  request_id TEXT NOT NULL,
  method     TEXT NOT NULL,
  route      TEXT NOT NULL,
  module     TEXT NOT NULL,
  version    TEXT NOT NULL,
  status     INTEGER NOT NULL,
  error      TEXT NOT NULL
);
CREATE INDEX audit_by_module ON audit_log(module, id);
CREATE INDEX audit_by_actor ON audit_log(actor, id);
)sql",
    // Webhooks: subscriptions, the outbox of events, their deliveries and every attempt.
    R"sql(
CREATE TABLE webhooks (
  id            TEXT PRIMARY KEY,
  url           TEXT NOT NULL,
  events        TEXT NOT NULL,
  module        TEXT NOT NULL,
  secret        TEXT NOT NULL,
  active        INTEGER NOT NULL,
  headers       TEXT NOT NULL,
  description   TEXT NOT NULL,
  creator       TEXT NOT NULL,
  created_at    INTEGER NOT NULL,
  updated_at    INTEGER NOT NULL,
  failing_since INTEGER NOT NULL,
  status_reason TEXT NOT NULL
);
CREATE TABLE webhook_events (
  seq     INTEGER PRIMARY KEY AUTOINCREMENT,
  id      TEXT NOT NULL UNIQUE,
  type    TEXT NOT NULL,
  module  TEXT NOT NULL,
  time    INTEGER NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
  seq              INTEGER PRIMARY KEY AUTOINCREMENT,
  id               TEXT NOT NULL UNIQUE,
  webhook_id       TEXT NOT NULL,
  event_id         TEXT NOT NULL,
  event_type       TEXT NOT NULL,
  module           TEXT NOT NULL,
  status           TEXT NOT NULL,
  attempts         INTEGER NOT NULL,
  round_start      INTEGER NOT NULL,
  manual           INTEGER NOT NULL,
  created_at       INTEGER NOT NULL,
  next_attempt_at  INTEGER NOT NULL,
  finished_at      INTEGER NOT NULL,
  last_status      INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  owner            TEXT NOT NULL,
  lease_expires_at INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(status, next_attempt_at);
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, seq);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries(event_id);
CREATE TABLE webhook_attempts (
  delivery_id        TEXT NOT NULL,
  number             INTEGER NOT NULL,
  time               INTEGER NOT NULL,
  duration_ms        INTEGER NOT NULL,
  url                TEXT NOT NULL,
  request_headers    TEXT NOT NULL,
  response_status    INTEGER NOT NULL,
  response_headers   TEXT NOT NULL,
  response_body      BLOB NOT NULL,
  response_truncated INTEGER NOT NULL,
  error_kind         TEXT NOT NULL,
  error              TEXT NOT NULL,
  PRIMARY KEY (delivery_id, number)
) WITHOUT ROWID;
)sql",
    // Module lint policies: the lint section as JSON with buf.yaml v2's keys (NULL: none).
    R"sql(
ALTER TABLE module_configs ADD COLUMN lint TEXT;
)sql",
    // Stored descriptors: the blob of each version's linked FileDescriptorSet.
    R"sql(
ALTER TABLE versions ADD COLUMN descriptor_digest TEXT NOT NULL DEFAULT '';
)sql",
    // Reads that do not grow with the store: each module's latest version, version count and
    // revision kept on its row; versions in version order by an index (order_key: see
    // version_order_key); the versions of a module in push order. Latest versions and order keys
    // of rows stored before are filled in at open (backfill_version_order).
    R"sql(
ALTER TABLE modules ADD COLUMN latest_version TEXT;
ALTER TABLE modules ADD COLUMN latest_id INTEGER;
ALTER TABLE modules ADD COLUMN version_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE modules ADD COLUMN revision INTEGER NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN order_key TEXT;
UPDATE modules SET version_count = (SELECT COUNT(*) FROM versions v WHERE v.module = modules.name);
UPDATE modules SET revision = version_count;
CREATE INDEX versions_by_order ON versions(module, order_key, id);
CREATE INDEX versions_by_push ON versions(module, id);
)sql",
};

#define SPOKE_SQLITE_MODULE_RECORD \
  "name, description, created_at, updated_at, latest_version, version_count, revision"
#define SPOKE_SQLITE_VERSION_COLUMNS                                               \
  "id, version, description, digest, repository, commit_sha, branch, created_at, " \
  "forced_breaking, descriptor_digest"

using internal::next_latest;
using internal::other_spelling;

constexpr const char* kTokenColumns =
    "name, hash, role, scope, creator, created_at, expires_at, last_used_at, revoked_at";
constexpr const char* kAuditColumns =
    "id, time, actor, client, request_id, method, route, module, version, status, error";

constexpr const char* kWebhookColumns =
    "id, url, events, module, secret, active, headers, description, creator, created_at, "
    "updated_at, failing_since, status_reason";
constexpr const char* kEventColumns = "id, type, module, time, payload, seq";
constexpr const char* kDeliveryColumns =
    "id, webhook_id, event_id, event_type, module, status, attempts, round_start, manual, "
    "created_at, next_attempt_at, finished_at, last_status, last_error, owner, lease_expires_at, "
    "seq";
constexpr const char* kAttemptColumns =
    "delivery_id, number, time, duration_ms, url, request_headers, response_status, "
    "response_headers, response_body, response_truncated, error_kind, error";

constexpr const char* kJobColumns =
    "id, module, version, language, grpc, options, status, error, generator, artifact_key, "
    "file_count, created_at, started_at, finished_at, attempts, owner, lease_expires_at, "
    "progress_done, progress_total";

constexpr const char* kUpdateJob =
    "UPDATE jobs SET id=?1, module=?2, version=?3, language=?4, grpc=?5, options=?6, status=?7, "
    "error=?8, generator=?9, artifact_key=?10, file_count=?11, created_at=?12, started_at=?13, "
    "finished_at=?14, attempts=?15, owner=?16, lease_expires_at=?17 WHERE id=?1";

struct Connection {
  explicit Connection(const std::string& path)
      : db(path, SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE | SQLite::OPEN_FULLMUTEX) {
    db.setBusyTimeout(30000);
    db.exec("PRAGMA synchronous=FULL");
    db.exec("PRAGMA foreign_keys=ON");
  }
  // A cached prepared statement, reset and with bindings cleared.
  SQLite::Statement& stmt(const char* sql) {
    auto& s = statements[sql];
    if (!s) {
      s = std::make_unique<SQLite::Statement>(db, sql);
    } else {
      s->reset();
      s->clearBindings();
    }
    return *s;
  }
  // A statement stopped after its first row still holds a read snapshot; a later write on this
  // connection would then fail at once with SQLITE_BUSY_SNAPSHOT. Reset them all between uses.
  void reset_statements() {
    for (auto& [_, s] : statements) s->reset();
  }
  SQLite::Database db;
  std::unordered_map<const char*, std::unique_ptr<SQLite::Statement>> statements;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back in the destructor unless committed.
class WriteTransaction {
 public:
  explicit WriteTransaction(SQLite::Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
  ~WriteTransaction() {
    if (!done_) {
      try {
        db_.exec("ROLLBACK");
      } catch (...) {  // NOLINT(bugprone-empty-catch): nothing more to do
      }
    }
  }
  void commit() {
    db_.exec("COMMIT");
    done_ = true;
  }

 private:
  SQLite::Database& db_;
  bool done_ = false;
};

class SqliteMetadataStore final : public MetadataStore {
 public:
  explicit SqliteMetadataStore(std::string path) : path_(std::move(path)) {}

  Status init() {
    return guard([&](Connection& c) -> Status {
      // WAL is a property of the database file: set once here, not per connection (switching
      // modes from several new connections at once can fail with SQLITE_BUSY).
      c.db.exec("PRAGMA journal_mode=WAL");
      c.db.exec("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)");
      WriteTransaction tx(c.db);
      int current = 0;
      {
        SQLite::Statement q(c.db, "SELECT MAX(version) FROM schema_version");
        if (q.executeStep() && !q.getColumn(0).isNull()) current = q.getColumn(0).getInt();
      }
      const int known = static_cast<int>(std::size(kMigrations));
      if (current > known) {
        return Status::Internal(fmt::format("database {} has schema version {}, newer than this "
                                            "build knows ({}); upgrade spoke",
                                            path_, current, known),
                                reason::kSchemaTooNew);
      }
      for (int v = current; v < known; ++v) {
        c.db.exec(kMigrations[v]);
        SQLite::Statement ins(c.db, "INSERT INTO schema_version(version) VALUES (?)");
        ins.bind(1, v + 1);
        ins.exec();
      }
      tx.commit();
      return backfill_version_order(c);
    });
  }

  // Order keys of versions and latest versions of modules stored before these columns existed.
  Status backfill_version_order(Connection& c) {
    WriteTransaction tx(c.db);
    {
      std::vector<std::pair<int64_t, std::string>> keys;
      SQLite::Statement q(c.db, "SELECT id, version FROM versions WHERE order_key IS NULL");
      while (q.executeStep()) {
        auto id = parse_version(q.getColumn(1).getString());
        keys.emplace_back(q.getColumn(0).getInt64(), id.ok() ? version_order_key(*id) : "0");
      }
      SQLite::Statement u(c.db, "UPDATE versions SET order_key=? WHERE id=?");
      for (const auto& [id, key] : keys) {
        u.reset();
        u.bind(1, key);
        u.bind(2, id);
        u.exec();
      }
    }
    std::vector<std::string> modules;
    {
      SQLite::Statement q(c.db,
                          "SELECT name FROM modules WHERE version_count > 0 AND latest_id IS NULL");
      while (q.executeStep()) modules.push_back(q.getColumn(0).getString());
    }
    for (const auto& name : modules) {
      std::vector<VersionRef> refs;
      SQLite::Statement q(c.db,
                          "SELECT version, digest, created_at, id FROM versions WHERE module=?");
      q.bind(1, name);
      while (q.executeStep()) refs.push_back(read_ref(q, 0));
      auto latest = pick_latest(refs);
      if (!latest) continue;
      SQLite::Statement u(c.db, "UPDATE modules SET latest_version=?, latest_id=? WHERE name=?");
      u.bind(1, latest->version);
      u.bind(2, static_cast<int64_t>(latest->sequence));
      u.bind(3, name);
      u.exec();
    }
    tx.commit();
    return Status::OK();
  }

  Status ping() override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt("SELECT 1");
      q.executeStep();
      return Status::OK();
    });
  }

  Result<bool> create_module(const Module& m, const Journal& journal) override {
    return guard([&](Connection& c) -> Result<bool> {
      WriteTransaction tx(c.db);
      bool created = insert_module_if_missing(c, m);
      if (created) write_journal(c, journal, true);
      tx.commit();
      return created;
    });
  }

  Result<Module> get_module(const std::string& name) override {
    return guard([&](Connection& c) -> Result<Module> {
      auto& q =
          c.stmt("SELECT name, description, created_at, updated_at FROM modules WHERE name=?");
      q.bind(1, name);
      if (!q.executeStep()) return module_not_found(name);
      return read_module(q);
    });
  }

  Status update_module(const std::string& name, const std::string& description,
                       Timestamp updated_at) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt(
          "UPDATE modules SET description=?, updated_at=?, revision=revision+1 WHERE name=?");
      q.bind(1, description);
      q.bind(2, static_cast<int64_t>(updated_at));
      q.bind(3, name);
      if (q.exec() == 0) return module_not_found(name);
      return Status::OK();
    });
  }

  Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                 std::size_t limit) override {
    return guard([&](Connection& c) -> Result<std::vector<ModuleRecord>> {
      auto& q = c.stmt("SELECT " SPOKE_SQLITE_MODULE_RECORD
                       " FROM modules WHERE name > ? ORDER BY name LIMIT ?");
      q.bind(1, after);
      q.bind(2, static_cast<int64_t>(limit));
      std::vector<ModuleRecord> out;
      while (q.executeStep()) out.push_back(read_record(q));
      return out;
    });
  }

  Result<ModuleRecord> get_module_record(const std::string& name) override {
    return guard([&](Connection& c) -> Result<ModuleRecord> {
      auto& q = c.stmt("SELECT " SPOKE_SQLITE_MODULE_RECORD " FROM modules WHERE name=?");
      q.bind(1, name);
      if (!q.executeStep()) return module_not_found(name);
      return read_record(q);
    });
  }

  Result<std::vector<Version>> list_versions_page(const std::string& module,
                                                  const std::optional<VersionCursor>& after,
                                                  std::size_t limit) override {
    return guard([&](Connection& c) -> Result<std::vector<Version>> {
      {
        auto& m = c.stmt("SELECT 1 FROM modules WHERE name=?");
        m.bind(1, module);
        if (!m.executeStep()) return module_not_found(module);
      }
      auto& q = after ? c.stmt("SELECT " SPOKE_SQLITE_VERSION_COLUMNS
                               " FROM versions WHERE module=?1 AND (order_key, id) < (?2, ?3) "
                               "ORDER BY order_key DESC, id DESC LIMIT ?4")
                      : c.stmt("SELECT " SPOKE_SQLITE_VERSION_COLUMNS
                               " FROM versions WHERE module=?1 "
                               "ORDER BY order_key DESC, id DESC LIMIT ?4");
      q.bind(1, module);
      if (after) {
        q.bind(2, after->order_key);
        q.bind(3, static_cast<int64_t>(after->sequence));
      }
      q.bind(4, static_cast<int64_t>(limit));
      std::vector<Version> out;
      std::map<int64_t, std::size_t> index;
      nlohmann::json ids = nlohmann::json::array();
      while (q.executeStep()) {
        out.push_back(read_version(q, module));
        index[out.back().sequence] = out.size() - 1;
        ids.push_back(out.back().sequence);
      }
      if (out.empty()) return out;
      // Files and dependencies of the whole page: one query each.
      const std::string id_list = ids.dump();
      auto& fq = c.stmt(
          "SELECT f.version_id, f.path, f.digest, f.size FROM json_each(?) j "
          "JOIN files f ON f.version_id = j.value ORDER BY f.version_id, f.path");
      fq.bind(1, id_list);
      while (fq.executeStep()) {
        File f;
        f.path = fq.getColumn(1).getString();
        f.digest = fq.getColumn(2).getString();
        f.size = static_cast<std::uint64_t>(fq.getColumn(3).getInt64());
        out[index.at(fq.getColumn(0).getInt64())].files.push_back(std::move(f));
      }
      auto& dq = c.stmt(
          "SELECT d.version_id, d.module, d.version, d.digest FROM json_each(?) j "
          "JOIN dependencies d ON d.version_id = j.value ORDER BY d.version_id, d.position");
      dq.bind(1, id_list);
      while (dq.executeStep()) {
        out[index.at(dq.getColumn(0).getInt64())].dependencies.push_back(
            {dq.getColumn(1).getString(), dq.getColumn(2).getString(),
             dq.getColumn(3).getString()});
      }
      return out;
    });
  }

  Result<std::optional<std::string>> previous_version(const std::string& module,
                                                      const VersionId& pushed) override {
    return guard([&](Connection& c) -> Result<std::optional<std::string>> {
      auto& q = pushed.kind == VersionId::Kind::kSemVer
                    ? c.stmt(
                          "SELECT version FROM versions WHERE module=? AND order_key > '1' AND "
                          "order_key < ? ORDER BY order_key DESC, id DESC LIMIT 1")
                    : c.stmt(
                          "SELECT version FROM versions WHERE module=? AND version <> ? "
                          "ORDER BY id DESC LIMIT 1");
      q.bind(1, module);
      q.bind(2, pushed.kind == VersionId::Kind::kSemVer ? version_order_key(pushed) : pushed.raw);
      if (!q.executeStep()) return std::optional<std::string>();
      return std::optional<std::string>(q.getColumn(0).getString());
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> find_path_in_latest(
      const std::string& path) override {
    return guard([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
      // Every module's latest version probed by the files' primary key: grows with the number of
      // modules, not of versions.
      auto& q = c.stmt(
          "SELECT m.name, m.latest_version FROM modules m CROSS JOIN files f "
          "WHERE f.version_id = m.latest_id AND f.path = ? ORDER BY m.name");
      q.bind(1, path);
      std::vector<std::pair<std::string, std::string>> out;
      while (q.executeStep())
        out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
      return out;
    });
  }

  Result<std::vector<VersionRef>> list_versions(const std::string& module) override {
    return guard([&](Connection& c) -> Result<std::vector<VersionRef>> {
      auto& q = c.stmt(
          "SELECT v.version, v.digest, v.created_at, v.id, m.name FROM modules m "
          "LEFT JOIN versions v ON v.module = m.name WHERE m.name = ?");
      q.bind(1, module);
      std::vector<VersionRef> out;
      bool found = false;
      while (q.executeStep()) {
        found = true;
        if (!q.getColumn(0).isNull()) out.push_back(read_ref(q, 0));
      }
      if (!found) return module_not_found(module);
      return out;
    });
  }

  Result<Version> get_version(const std::string& module, const std::string& version) override {
    return guard([&](Connection& c) -> Result<Version> {
      auto& q = c.stmt(
          "SELECT id, description, digest, repository, commit_sha, branch, created_at, "
          "forced_breaking, descriptor_digest FROM versions WHERE module=? AND version=?");
      q.bind(1, module);
      q.bind(2, version);
      if (!q.executeStep()) return version_not_found(module, version);
      Version v;
      v.module = module;
      v.version = version;
      int64_t id = q.getColumn(0).getInt64();
      v.sequence = id;
      v.description = q.getColumn(1).getString();
      v.digest = q.getColumn(2).getString();
      v.source_info = {q.getColumn(3).getString(), q.getColumn(4).getString(),
                       q.getColumn(5).getString()};
      v.created_at = q.getColumn(6).getInt64();
      v.forced_breaking = q.getColumn(7).getInt64();
      v.descriptor_digest = q.getColumn(8).getString();
      auto& fq = c.stmt("SELECT path, digest, size FROM files WHERE version_id=? ORDER BY path");
      fq.bind(1, id);
      while (fq.executeStep()) {
        File f;
        f.path = fq.getColumn(0).getString();
        f.digest = fq.getColumn(1).getString();
        f.size = static_cast<std::uint64_t>(fq.getColumn(2).getInt64());
        v.files.push_back(std::move(f));
      }
      auto& dq = c.stmt(
          "SELECT module, version, digest FROM dependencies WHERE version_id=? ORDER BY position");
      dq.bind(1, id);
      while (dq.executeStep()) {
        v.dependencies.push_back({dq.getColumn(0).getString(), dq.getColumn(1).getString(),
                                  dq.getColumn(2).getString()});
      }
      return v;
    });
  }

  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path) override {
    return guard([&](Connection& c) -> Result<File> {
      auto& q = c.stmt(
          "SELECT v.id, f.digest, f.size FROM versions v LEFT JOIN files f "
          "ON f.version_id = v.id AND f.path = ? WHERE v.module = ? AND v.version = ?");
      q.bind(1, path);
      q.bind(2, module);
      q.bind(3, version);
      if (!q.executeStep()) return version_not_found(module, version);
      if (q.getColumn(1).isNull()) {
        return internal::file_not_found(module, version, path);
      }
      File f;
      f.path = path;
      f.digest = q.getColumn(1).getString();
      f.size = static_cast<std::uint64_t>(q.getColumn(2).getInt64());
      return f;
    });
  }

  Result<Version> insert_version(const Module& module_if_missing, Version v,
                                 const Journal& journal) override {
    return guard([&](Connection& c) -> Result<Version> {
      WriteTransaction tx(c.db);
      Module module = module_if_missing;
      module.name = v.module;
      bool module_created = insert_module_if_missing(c, module);
      {
        auto& q = c.stmt("SELECT 1 FROM versions WHERE module=? AND version=?");
        q.bind(1, v.module);
        q.bind(2, v.version);
        if (q.executeStep()) {
          return internal::version_exists(v.module, v.version);
        }
      }
      auto id = parse_version(v.version);
      if (!id.ok()) return id.status();
      if (std::string other = other_spelling(*id); !other.empty()) {
        // Under the write lock: a concurrent push of another spelling cannot slip in.
        auto& q = c.stmt("SELECT version FROM versions WHERE module=? AND version=?");
        q.bind(1, v.module);
        q.bind(2, other);
        std::vector<std::string> names;
        while (q.executeStep()) names.push_back(q.getColumn(0).getString());
        SPOKE_RETURN_IF_ERROR(internal::check_other_spelling(v.module, v.version, names));
      }
      VersionRef current;  // the module's latest so far (empty: none)
      {
        auto& q = c.stmt("SELECT latest_version, latest_id FROM modules WHERE name=?");
        q.bind(1, v.module);
        if (q.executeStep() && !q.getColumn(0).isNull()) {
          current.version = q.getColumn(0).getString();
          current.sequence = q.getColumn(1).getInt64();
        }
      }
      auto& q = c.stmt(
          "INSERT INTO versions(module, version, description, digest, repository, commit_sha, "
          "branch, created_at, forced_breaking, order_key, descriptor_digest) VALUES "
          "(?,?,?,?,?,?,?,?,?,?,?)");
      q.bind(1, v.module);
      q.bind(2, v.version);
      q.bind(3, v.description);
      q.bind(4, v.digest);
      q.bind(5, v.source_info.repository);
      q.bind(6, v.source_info.commit_sha);
      q.bind(7, v.source_info.branch);
      q.bind(8, static_cast<int64_t>(v.created_at));
      q.bind(9, static_cast<int64_t>(v.forced_breaking));
      q.bind(10, version_order_key(*id));
      q.bind(11, v.descriptor_digest);
      q.exec();
      v.sequence = c.db.getLastInsertRowid();
      {
        VersionRef latest = next_latest(current, v);
        auto& u = c.stmt(
            "UPDATE modules SET latest_version=?, latest_id=?, version_count=version_count+1, "
            "revision=revision+1 WHERE name=?");
        u.bind(1, latest.version);
        u.bind(2, static_cast<int64_t>(latest.sequence));
        u.bind(3, v.module);
        u.exec();
      }
      auto& fq = c.stmt("INSERT INTO files(version_id, path, digest, size) VALUES (?,?,?,?)");
      for (auto& f : v.files) {
        fq.reset();
        fq.bind(1, static_cast<int64_t>(v.sequence));
        fq.bind(2, f.path);
        fq.bind(3, f.digest);
        fq.bind(4, static_cast<int64_t>(f.size));
        fq.exec();
        f.content.clear();
      }
      auto& dq = c.stmt(
          "INSERT INTO dependencies(version_id, position, module, version, digest) "
          "VALUES (?,?,?,?,?)");
      int position = 0;
      for (const auto& d : v.dependencies) {
        dq.reset();
        dq.bind(1, static_cast<int64_t>(v.sequence));
        dq.bind(2, position++);
        dq.bind(3, d.module);
        dq.bind(4, d.version);
        dq.bind(5, d.digest);
        dq.exec();
      }
      write_journal(c, journal, module_created);
      tx.commit();
      return v;
    });
  }

  Status set_version_descriptor(const std::string& module, const std::string& version,
                                const std::string& descriptor_digest) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt("UPDATE versions SET descriptor_digest=? WHERE module=? AND version=?");
      q.bind(1, descriptor_digest);
      q.bind(2, module);
      q.bind(3, version);
      if (q.exec() == 0) return version_not_found(module, version);
      // The version's answer changed: module reads cached under the revision are stale.
      auto& r = c.stmt("UPDATE modules SET revision=revision+1 WHERE name=?");
      r.bind(1, module);
      r.exec();
      return Status::OK();
    });
  }

  Status insert_job(const CompileJob& j) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt("SELECT 1 FROM jobs WHERE id=?");
        q.bind(1, j.id);
        if (q.executeStep()) {
          return internal::job_exists(j.id);
        }
      }
      auto& q = c.stmt(
          "INSERT INTO jobs(id, module, version, language, grpc, options, status, error, "
          "generator, artifact_key, file_count, created_at, started_at, finished_at, attempts, "
          "owner, lease_expires_at, seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,"
          "(SELECT COALESCE(MAX(seq), 0) + 1 FROM jobs))");
      bind_job(q, j);
      q.exec();
      tx.commit();
      return Status::OK();
    });
  }

  Result<CompileJob> get_job(const std::string& id) override {
    return guard([&](Connection& c) -> Result<CompileJob> {
      static const std::string sql = fmt::format("SELECT {} FROM jobs WHERE id=?", kJobColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, id);
      if (!q.executeStep()) return job_not_found(id);
      return read_job(q);
    });
  }

  Status update_job(const CompileJob& j) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt(kUpdateJob);
      bind_job(q, j);
      if (q.exec() == 0) return job_not_found(j.id);
      return Status::OK();
    });
  }

  Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                            const std::string& version) override {
    return guard([&](Connection& c) -> Result<std::vector<CompileJob>> {
      static const std::string sql = fmt::format(
          "SELECT {} FROM jobs WHERE module=? AND version=? ORDER BY seq DESC", kJobColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, module);
      q.bind(2, version);
      std::vector<CompileJob> out;
      while (q.executeStep()) out.push_back(read_job(q));
      return out;
    });
  }

  Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) override {
    return guard([&](Connection& c) -> Result<std::vector<CompileJob>> {
      std::vector<CompileJob> out;
      if (statuses.empty()) return out;
      std::string marks(statuses.size() * 2 - 1, ',');
      for (std::size_t i = 0; i < marks.size(); i += 2) marks[i] = '?';
      SQLite::Statement q(c.db, fmt::format("SELECT {} FROM jobs WHERE status IN ({}) ORDER BY seq",
                                            kJobColumns, marks));
      for (std::size_t i = 0; i < statuses.size(); ++i)
        q.bind(static_cast<int>(i) + 1, to_string(statuses[i]));
      while (q.executeStep()) out.push_back(read_job(q));
      return out;
    });
  }

  Result<std::optional<CompileJob>> claim_job(const std::string& owner,
                                              std::chrono::milliseconds lease) override {
    return guard([&](Connection& c) -> Result<std::optional<CompileJob>> {
      // BEGIN IMMEDIATE takes the write lock first: claimers in every process queue up here.
      WriteTransaction tx(c.db);
      Timestamp now = now_ms();
      static const std::string sql = fmt::format(
          "SELECT {} FROM jobs WHERE status = 'queued' OR (status = 'running' AND "
          "lease_expires_at <= ?) ORDER BY seq LIMIT 1",
          kJobColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, static_cast<int64_t>(now));
      if (!q.executeStep()) return std::optional<CompileJob>();
      CompileJob j = read_job(q);
      q.reset();
      j.status = JobStatus::kRunning;
      j.owner = owner;
      j.lease_expires_at = now + lease.count();
      j.started_at = now;
      j.attempts += 1;
      j.error.clear();
      j.progress_done = j.progress_total = 0;
      auto& u = c.stmt(
          "UPDATE jobs SET status='running', owner=?, lease_expires_at=?, started_at=?, "
          "attempts=?, error='', progress_done=0, progress_total=0 WHERE id=?");
      u.bind(1, owner);
      u.bind(2, static_cast<int64_t>(j.lease_expires_at));
      u.bind(3, static_cast<int64_t>(now));
      u.bind(4, static_cast<int64_t>(j.attempts));
      u.bind(5, j.id);
      u.exec();
      tx.commit();
      return std::optional<CompileJob>(std::move(j));
    });
  }

  // Why an update of job `id` by `owner` changed nothing: no such job, or its lease is lost.
  static Status not_running_under(Connection& c, const std::string& id, const std::string& owner) {
    auto& e = c.stmt("SELECT 1 FROM jobs WHERE id=?");
    e.bind(1, id);
    if (!e.executeStep()) return job_not_found(id);
    CompileJob asked;
    asked.id = id;
    asked.owner = owner;
    return internal::lease_lost(asked);
  }

  Status renew_job_lease(const std::string& id, const std::string& owner,
                         std::chrono::milliseconds lease) override {
    return guard([&](Connection& c) -> Status {
      auto& q =
          c.stmt("UPDATE jobs SET lease_expires_at=? WHERE id=? AND owner=? AND status='running'");
      q.bind(1, static_cast<int64_t>(now_ms() + lease.count()));
      q.bind(2, id);
      q.bind(3, owner);
      if (q.exec() == 1) return Status::OK();
      return not_running_under(c, id, owner);
    });
  }

  Status set_job_progress(const std::string& id, const std::string& owner, std::uint64_t done,
                          std::uint64_t total) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt(
          "UPDATE jobs SET progress_done=?, progress_total=? WHERE id=? AND owner=? AND "
          "status='running'");
      q.bind(1, static_cast<int64_t>(done));
      q.bind(2, static_cast<int64_t>(total));
      q.bind(3, id);
      q.bind(4, owner);
      if (q.exec() == 1) return Status::OK();
      return not_running_under(c, id, owner);
    });
  }

  Status finish_job(const CompileJob& j, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt("SELECT status, owner FROM jobs WHERE id=?");
        q.bind(1, j.id);
        if (!q.executeStep()) return internal::job_not_found(j.id);
        if (q.getColumn(0).getString() != "running" || q.getColumn(1).getString() != j.owner) {
          return internal::lease_lost(j);
        }
      }
      CompileJob done = j;
      done.owner.clear();
      done.lease_expires_at = 0;
      if (done.status == JobStatus::kQueued) done.started_at = 0;
      auto& q = c.stmt(kUpdateJob);
      bind_job(q, done);
      q.exec();
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::size_t> release_jobs(const std::string& owner) override {
    return guard([&](Connection& c) -> Result<std::size_t> {
      auto& q = c.stmt(
          "UPDATE jobs SET status='queued', owner='', lease_expires_at=0, started_at=0 "
          "WHERE owner=? AND status='running'");
      q.bind(1, owner);
      return static_cast<std::size_t>(q.exec());
    });
  }

  Result<std::vector<Artifact>> list_artifacts(const std::string& after,
                                               std::size_t limit) override {
    return guard([&](Connection& c) -> Result<std::vector<Artifact>> {
      auto& q = c.stmt(
          "SELECT key, module, version, language, generator, manifest_digest, file_count, "
          "total_size, created_at FROM artifacts WHERE key > ? ORDER BY key LIMIT ?");
      q.bind(1, after);
      q.bind(2, static_cast<int64_t>(limit));
      std::vector<Artifact> out;
      while (q.executeStep()) out.push_back(read_artifact(q));
      return out;
    });
  }

  Status put_artifact(const Artifact& a) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt(
          "INSERT INTO artifacts(key, module, version, language, generator, manifest_digest, "
          "file_count, total_size, created_at) VALUES (?,?,?,?,?,?,?,?,?) "
          "ON CONFLICT(key) DO NOTHING");
      q.bind(1, a.key);
      q.bind(2, a.module);
      q.bind(3, a.version);
      q.bind(4, a.language);
      q.bind(5, a.generator);
      q.bind(6, a.manifest_digest);
      q.bind(7, static_cast<int64_t>(a.file_count));
      q.bind(8, static_cast<int64_t>(a.total_size));
      q.bind(9, static_cast<int64_t>(a.created_at));
      q.exec();
      return Status::OK();
    });
  }

  Result<Artifact> get_artifact(const std::string& key) override {
    return guard([&](Connection& c) -> Result<Artifact> {
      auto& q = c.stmt(
          "SELECT key, module, version, language, generator, manifest_digest, file_count, "
          "total_size, created_at FROM artifacts WHERE key=?");
      q.bind(1, key);
      if (!q.executeStep()) return internal::artifact_not_found(key);
      return read_artifact(q);
    });
  }

  Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) override {
    return guard([&](Connection& c) -> Result<std::optional<ModulePolicy>> {
      {
        auto& q = c.stmt("SELECT 1 FROM modules WHERE name=?");
        q.bind(1, module);
        if (!q.executeStep()) return module_not_found(module);
      }
      auto& q = c.stmt(
          "SELECT compatibility, ignore_unstable_packages, transitive, updated_at, lint "
          "FROM module_configs WHERE module=?");
      q.bind(1, module);
      if (!q.executeStep()) return std::optional<ModulePolicy>();
      ModulePolicy config;
      config.compatibility = q.getColumn(0).getString();
      config.ignore_unstable_packages = q.getColumn(1).getInt() != 0;
      config.transitive = q.getColumn(2).getInt() != 0;
      config.updated_at = q.getColumn(3).getInt64();
      if (!q.getColumn(4).isNull()) {
        auto lint = internal::read_stored_lint(module, q.getColumn(4).getString());
        if (!lint.ok()) return lint.status();
        config.lint = std::move(lint).value();
      }
      return std::optional<ModulePolicy>(std::move(config));
    });
  }

  Status put_module_policy(const std::string& module, const ModulePolicy& config,
                           const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt("SELECT 1 FROM modules WHERE name=?");
        q.bind(1, module);
        if (!q.executeStep()) return module_not_found(module);
      }
      auto& q = c.stmt(
          "INSERT INTO module_configs(module, compatibility, ignore_unstable_packages, "
          "transitive, updated_at, lint) VALUES (?,?,?,?,?,?) ON CONFLICT(module) DO UPDATE SET "
          "compatibility=excluded.compatibility, "
          "ignore_unstable_packages=excluded.ignore_unstable_packages, "
          "transitive=excluded.transitive, updated_at=excluded.updated_at, lint=excluded.lint");
      q.bind(1, module);
      q.bind(2, config.compatibility);
      q.bind(3, config.ignore_unstable_packages ? 1 : 0);
      q.bind(4, config.transitive ? 1 : 0);
      q.bind(5, static_cast<int64_t>(config.updated_at));
      if (config.lint) {
        q.bind(6, internal::stored_lint_text(*config.lint));
      } else {
        q.bind(6);
      }
      q.exec();
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Status insert_token(const AccessToken& t, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      static const std::string sql = fmt::format(
          "INSERT INTO tokens({}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9) ON CONFLICT(name) DO UPDATE "
          "SET hash=excluded.hash, role=excluded.role, scope=excluded.scope, "
          "creator=excluded.creator, created_at=excluded.created_at, "
          "expires_at=excluded.expires_at, last_used_at=excluded.last_used_at, "
          "revoked_at=excluded.revoked_at WHERE tokens.revoked_at <> 0 OR "
          "(tokens.expires_at <> 0 AND tokens.expires_at <= excluded.created_at)",
          kTokenColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, t.name);
      q.bind(2, t.hash);
      q.bind(3, to_string(t.role));
      q.bind(4, t.scope);
      q.bind(5, t.creator);
      q.bind(6, static_cast<int64_t>(t.created_at));
      q.bind(7, static_cast<int64_t>(t.expires_at));
      q.bind(8, static_cast<int64_t>(t.last_used_at));
      q.bind(9, static_cast<int64_t>(t.revoked_at));
      if (q.exec() == 0) return internal::token_exists(t.name);
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<AccessToken> find_token(const std::string& hash) override {
    return guard([&](Connection& c) -> Result<AccessToken> {
      static const std::string sql =
          fmt::format("SELECT {} FROM tokens WHERE hash=?", kTokenColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, hash);
      if (!q.executeStep())
        return Status::NotFound("no token of that hash", reason::kTokenNotFound);
      return read_token(q);
    });
  }

  Result<std::vector<AccessToken>> list_tokens() override {
    return guard([&](Connection& c) -> Result<std::vector<AccessToken>> {
      static const std::string sql =
          fmt::format("SELECT {} FROM tokens ORDER BY name", kTokenColumns);
      auto& q = c.stmt(sql.c_str());
      std::vector<AccessToken> out;
      while (q.executeStep()) out.push_back(read_token(q));
      return out;
    });
  }

  Status revoke_token(const std::string& name, Timestamp at, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      auto& q = c.stmt("UPDATE tokens SET revoked_at=? WHERE name=? AND revoked_at=0");
      q.bind(1, static_cast<int64_t>(at));
      q.bind(2, name);
      if (q.exec() == 0) return internal::token_not_found(name);
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Status touch_token(const std::string& hash, Timestamp at) override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt("UPDATE tokens SET last_used_at=? WHERE hash=?");
      q.bind(1, static_cast<int64_t>(at));
      q.bind(2, hash);
      q.exec();
      return Status::OK();
    });
  }

  Result<std::int64_t> append_audit(const AuditEntry& e) override {
    return guard([&](Connection& c) -> Result<std::int64_t> { return insert_audit(c, e); });
  }

  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& query) override {
    return guard([&](Connection& c) -> Result<std::vector<AuditEntry>> {
      static const std::string sql = fmt::format(
          "SELECT {} FROM audit_log WHERE (?1 = 0 OR id < ?1) AND (?2 = '' OR module = ?2) AND "
          "(?3 = '' OR actor = ?3) AND (?4 = 0 OR time >= ?4) AND (?5 = 0 OR time < ?5) "
          "ORDER BY id DESC LIMIT ?6",
          kAuditColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, static_cast<int64_t>(query.before_id));
      q.bind(2, query.module);
      q.bind(3, query.actor);
      q.bind(4, static_cast<int64_t>(query.since));
      q.bind(5, static_cast<int64_t>(query.until));
      q.bind(6, static_cast<int64_t>(query.limit));
      std::vector<AuditEntry> out;
      while (q.executeStep()) {
        AuditEntry e;
        e.id = q.getColumn(0).getInt64();
        e.time = q.getColumn(1).getInt64();
        e.actor = q.getColumn(2).getString();
        e.client = q.getColumn(3).getString();
        e.request_id = q.getColumn(4).getString();
        e.method = q.getColumn(5).getString();
        e.route = q.getColumn(6).getString();
        e.module = q.getColumn(7).getString();
        e.version = q.getColumn(8).getString();
        e.status = q.getColumn(9).getInt();
        e.error = q.getColumn(10).getString();
        out.push_back(std::move(e));
      }
      return out;
    });
  }

  Status append_journal(const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  // ---- webhooks ----

  Status insert_webhook(const Webhook& w, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      static const std::string sql = fmt::format(
          "INSERT INTO webhooks({}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13) "
          "ON CONFLICT(id) DO NOTHING",
          kWebhookColumns);
      auto& q = c.stmt(sql.c_str());
      bind_webhook(q, w);
      if (q.exec() == 0) return internal::webhook_exists(w.id);
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<Webhook> get_webhook(const std::string& id) override {
    return guard([&](Connection& c) -> Result<Webhook> {
      static const std::string sql =
          fmt::format("SELECT {} FROM webhooks WHERE id=?", kWebhookColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, id);
      if (!q.executeStep()) return internal::webhook_not_found(id);
      return read_webhook(q);
    });
  }

  Result<std::vector<Webhook>> list_webhooks() override {
    return guard([&](Connection& c) -> Result<std::vector<Webhook>> { return load_webhooks(c); });
  }

  Status update_webhook(const Webhook& w, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      if (!store_webhook(c, w)) return internal::webhook_not_found(w.id);
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Status delete_webhook(const std::string& id, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      auto& q = c.stmt("DELETE FROM webhooks WHERE id=?");
      q.bind(1, id);
      if (q.exec() == 0) return internal::webhook_not_found(id);
      auto& a = c.stmt(
          "DELETE FROM webhook_attempts WHERE delivery_id IN "
          "(SELECT id FROM webhook_deliveries WHERE webhook_id=?)");
      a.bind(1, id);
      a.exec();
      auto& d = c.stmt("DELETE FROM webhook_deliveries WHERE webhook_id=?");
      d.bind(1, id);
      d.exec();
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& query) override {
    return guard([&](Connection& c) -> Result<std::vector<WebhookDelivery>> {
      static const std::string sql = fmt::format(
          "SELECT {} FROM webhook_deliveries WHERE webhook_id=?1 AND (?2 = '' OR status = ?2) "
          "AND (?3 = '' OR event_type = ?3) AND (?4 = 0 OR seq < ?4) ORDER BY seq DESC LIMIT ?5",
          kDeliveryColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, query.webhook_id);
      q.bind(2, query.status ? to_string(*query.status) : "");
      q.bind(3, query.event_type);
      q.bind(4, static_cast<int64_t>(query.before_sequence));
      q.bind(5, static_cast<int64_t>(query.limit));
      std::vector<WebhookDelivery> out;
      while (q.executeStep()) out.push_back(read_delivery(q));
      return out;
    });
  }

  Result<WebhookDelivery> get_delivery(const std::string& id) override {
    return guard([&](Connection& c) -> Result<WebhookDelivery> { return load_delivery(c, id); });
  }

  Result<WebhookEvent> get_event(const std::string& id) override {
    return guard([&](Connection& c) -> Result<WebhookEvent> {
      static const std::string sql =
          fmt::format("SELECT {} FROM webhook_events WHERE id=?", kEventColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, id);
      if (!q.executeStep()) return internal::event_not_found(id);
      return read_event(q);
    });
  }

  Result<std::vector<WebhookEvent>> list_events(std::int64_t after, std::size_t limit) override {
    return guard([&](Connection& c) -> Result<std::vector<WebhookEvent>> {
      static const std::string sql = fmt::format(
          "SELECT {} FROM webhook_events WHERE seq > ? ORDER BY seq LIMIT ?", kEventColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, static_cast<int64_t>(after));
      q.bind(2, static_cast<int64_t>(limit));
      std::vector<WebhookEvent> out;
      while (q.executeStep()) out.push_back(read_event(q));
      return out;
    });
  }

  Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& delivery_id) override {
    return guard([&](Connection& c) -> Result<std::vector<DeliveryAttempt>> {
      static const std::string sql = fmt::format(
          "SELECT {} FROM webhook_attempts WHERE delivery_id=? ORDER BY number", kAttemptColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, delivery_id);
      std::vector<DeliveryAttempt> out;
      while (q.executeStep()) {
        DeliveryAttempt a;
        a.delivery_id = q.getColumn(0).getString();
        a.number = q.getColumn(1).getInt64();
        a.time = q.getColumn(2).getInt64();
        a.duration_ms = q.getColumn(3).getInt64();
        a.url = q.getColumn(4).getString();
        a.request_headers = internal::headers_from_text(q.getColumn(5).getString());
        a.response_status = q.getColumn(6).getInt();
        a.response_headers = internal::headers_from_text(q.getColumn(7).getString());
        a.response_body = q.getColumn(8).getString();
        a.response_truncated = q.getColumn(9).getInt() != 0;
        a.error_kind = q.getColumn(10).getString();
        a.error = q.getColumn(11).getString();
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  Status redeliver(const std::string& id, const Journal& journal) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      auto d = load_delivery(c, id);
      if (!d.ok()) return d.status();
      Timestamp now = now_ms();
      if (!d->owner.empty() && d->lease_expires_at > now) return internal::delivery_in_flight(id);
      internal::apply_redelivery(d.value(), now);
      store_delivery_state(c, d.value());
      write_journal(c, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::vector<ClaimedDelivery>> claim_deliveries(const std::string& owner,
                                                        std::chrono::milliseconds lease,
                                                        std::size_t limit) override {
    return guard([&](Connection& c) -> Result<std::vector<ClaimedDelivery>> {
      // BEGIN IMMEDIATE: claimers in every process take the write lock one after another.
      WriteTransaction tx(c.db);
      Timestamp now = now_ms();
      static const std::string sql = fmt::format(
          "SELECT {} FROM webhook_deliveries WHERE seq IN (SELECT d.seq FROM webhook_deliveries d "
          "JOIN webhooks w ON w.id = d.webhook_id WHERE d.status = 'pending' AND "
          "d.next_attempt_at <= ?1 AND d.lease_expires_at <= ?1 AND (w.active = 1 OR d.manual = 1) "
          "ORDER BY d.next_attempt_at, d.seq LIMIT ?2) ORDER BY next_attempt_at, seq",
          kDeliveryColumns);
      auto& q = c.stmt(sql.c_str());
      q.bind(1, static_cast<int64_t>(now));
      q.bind(2, static_cast<int64_t>(limit));
      std::vector<ClaimedDelivery> out;
      while (q.executeStep()) out.push_back({read_delivery(q), {}, {}});
      q.reset();
      for (auto& claimed : out) {
        WebhookDelivery& d = claimed.delivery;
        d.owner = owner;
        d.lease_expires_at = now + lease.count();
        store_delivery_state(c, d);
        static const std::string wsql =
            fmt::format("SELECT {} FROM webhooks WHERE id=?", kWebhookColumns);
        auto& w = c.stmt(wsql.c_str());
        w.bind(1, d.webhook_id);
        if (w.executeStep()) claimed.webhook = read_webhook(w);
        w.reset();
        auto& e = c.stmt("SELECT payload FROM webhook_events WHERE id=?");
        e.bind(1, d.event_id);
        if (e.executeStep()) claimed.payload = e.getColumn(0).getString();
        e.reset();
      }
      tx.commit();
      return out;
    });
  }

  Status record_attempt(const AttemptRecord& r) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      const DeliveryAttempt& a = r.attempt;
      auto d = load_delivery(c, a.delivery_id);
      if (!d.ok()) return d.status();
      if (d->status != DeliveryStatus::kPending || d->owner != r.owner) {
        return internal::delivery_lease_lost(a.delivery_id, r.owner);
      }
      insert_attempt(c, a);
      Timestamp now = now_ms();
      internal::apply_attempt(d.value(), r, now);
      store_delivery_state(c, d.value());
      static const std::string wsql =
          fmt::format("SELECT {} FROM webhooks WHERE id=?", kWebhookColumns);
      auto& wq = c.stmt(wsql.c_str());
      wq.bind(1, d->webhook_id);
      if (wq.executeStep()) {
        Webhook w = read_webhook(wq);
        wq.reset();
        internal::apply_attempt(w, r, now);
        store_webhook(c, w);
      }
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::size_t> release_deliveries(const std::string& owner) override {
    return guard([&](Connection& c) -> Result<std::size_t> {
      auto& q = c.stmt(
          "UPDATE webhook_deliveries SET owner='', lease_expires_at=0 "
          "WHERE owner=? AND status='pending'");
      q.bind(1, owner);
      return static_cast<std::size_t>(q.exec());
    });
  }

  Result<PruneCounts> prune_webhook_log(Timestamp before) override {
    return guard([&](Connection& c) -> Result<PruneCounts> {
      WriteTransaction tx(c.db);
      PruneCounts counts;
      auto& a = c.stmt(
          "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries "
          "WHERE status <> 'pending' AND finished_at < ?)");
      a.bind(1, static_cast<int64_t>(before));
      counts.attempts = static_cast<std::size_t>(a.exec());
      auto& d =
          c.stmt("DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < ?");
      d.bind(1, static_cast<int64_t>(before));
      counts.deliveries = static_cast<std::size_t>(d.exec());
      auto& e = c.stmt(
          "DELETE FROM webhook_events WHERE time < ? AND NOT EXISTS "
          "(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = webhook_events.id)");
      e.bind(1, static_cast<int64_t>(before));
      counts.events = static_cast<std::size_t>(e.exec());
      tx.commit();
      return counts;
    });
  }

  Status import_webhook_log(const std::vector<WebhookEvent>& events,
                            const std::vector<WebhookDelivery>& deliveries,
                            const std::vector<DeliveryAttempt>& attempts) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      for (const auto& e : events) insert_event(c, e);
      std::set<std::string> imported;
      for (const auto& d : deliveries) {
        if (insert_delivery(c, d)) imported.insert(d.id);
      }
      for (const auto& a : attempts) {
        if (imported.count(a.delivery_id) != 0) insert_attempt(c, a);
      }
      tx.commit();
      return Status::OK();
    });
  }

 private:
  // ---- helpers of the journal and webhooks, run inside the caller's transaction ----

  // Inserts the module unless one of its name exists; true when inserted.
  static bool insert_module_if_missing(Connection& c, const Module& m) {
    auto& q = c.stmt(
        "INSERT INTO modules(name, description, created_at, updated_at) VALUES (?,?,?,?) "
        "ON CONFLICT(name) DO NOTHING");
    q.bind(1, m.name);
    q.bind(2, m.description);
    q.bind(3, static_cast<int64_t>(m.created_at));
    q.bind(4, static_cast<int64_t>(m.updated_at));
    return q.exec() == 1;
  }

  static std::int64_t insert_audit(Connection& c, const AuditEntry& e) {
    auto& q = c.stmt(
        "INSERT INTO audit_log(time, actor, client, request_id, method, route, module, "
        "version, status, error) VALUES (?,?,?,?,?,?,?,?,?,?) RETURNING id");
    q.bind(1, static_cast<int64_t>(e.time));
    q.bind(2, e.actor);
    q.bind(3, e.client);
    q.bind(4, e.request_id);
    q.bind(5, e.method);
    q.bind(6, e.route);
    q.bind(7, e.module);
    q.bind(8, e.version);
    q.bind(9, e.status);
    q.bind(10, e.error);
    q.executeStep();
    std::int64_t id = q.getColumn(0).getInt64();
    q.reset();
    return id;
  }

  // Writes `journal` (see Journal); `module_created` tells whether the change created a module.
  static void write_journal(Connection& c, const Journal& journal, bool module_created) {
    if (!journal.events.empty()) {
      std::vector<Webhook> subscriptions = load_webhooks(c);
      Timestamp now = now_ms();
      for (const auto& je : journal.events) {
        if (je.if_module_created && !module_created) continue;
        auto deliveries = internal::fan_out(je, subscriptions, now);
        if (deliveries.empty()) continue;
        insert_event(c, je.event);
        for (const auto& d : deliveries) insert_delivery(c, d);
      }
    }
    if (journal.audit) insert_audit(c, *journal.audit);
  }

  static std::vector<Webhook> load_webhooks(Connection& c) {
    static const std::string sql =
        fmt::format("SELECT {} FROM webhooks ORDER BY rowid", kWebhookColumns);
    auto& q = c.stmt(sql.c_str());
    std::vector<Webhook> out;
    while (q.executeStep()) out.push_back(read_webhook(q));
    q.reset();
    return out;
  }

  // Replaces the stored subscription of w.id; false when there is none.
  static bool store_webhook(Connection& c, const Webhook& w) {
    auto& q = c.stmt(
        "UPDATE webhooks SET url=?2, events=?3, module=?4, secret=?5, active=?6, headers=?7, "
        "description=?8, creator=?9, created_at=?10, updated_at=?11, failing_since=?12, "
        "status_reason=?13 WHERE id=?1");
    bind_webhook(q, w);
    return q.exec() == 1;
  }

  static void bind_webhook(SQLite::Statement& q, const Webhook& w) {
    q.bind(1, w.id);
    q.bind(2, w.url);
    q.bind(3, internal::strings_to_text(w.events));
    q.bind(4, w.module);
    q.bind(5, w.secret);
    q.bind(6, w.active ? 1 : 0);
    q.bind(7, internal::header_map_to_text(w.headers));
    q.bind(8, w.description);
    q.bind(9, w.creator);
    q.bind(10, static_cast<int64_t>(w.created_at));
    q.bind(11, static_cast<int64_t>(w.updated_at));
    q.bind(12, static_cast<int64_t>(w.failing_since));
    q.bind(13, w.status_reason);
  }

  static Webhook read_webhook(SQLite::Statement& q) {
    Webhook w;
    w.id = q.getColumn(0).getString();
    w.url = q.getColumn(1).getString();
    w.events = internal::strings_from_text(q.getColumn(2).getString());
    w.module = q.getColumn(3).getString();
    w.secret = q.getColumn(4).getString();
    w.active = q.getColumn(5).getInt() != 0;
    w.headers = internal::header_map_from_text(q.getColumn(6).getString());
    w.description = q.getColumn(7).getString();
    w.creator = q.getColumn(8).getString();
    w.created_at = q.getColumn(9).getInt64();
    w.updated_at = q.getColumn(10).getInt64();
    w.failing_since = q.getColumn(11).getInt64();
    w.status_reason = q.getColumn(12).getString();
    return w;
  }

  static WebhookEvent read_event(SQLite::Statement& q) {
    WebhookEvent e;
    e.id = q.getColumn(0).getString();
    e.type = q.getColumn(1).getString();
    e.module = q.getColumn(2).getString();
    e.time = q.getColumn(3).getInt64();
    e.payload = q.getColumn(4).getString();
    e.sequence = q.getColumn(5).getInt64();
    return e;
  }

  // Inserts the event unless its id is stored.
  static void insert_event(Connection& c, const WebhookEvent& e) {
    auto& q = c.stmt(
        "INSERT INTO webhook_events(id, type, module, time, payload) VALUES (?,?,?,?,?) "
        "ON CONFLICT(id) DO NOTHING");
    q.bind(1, e.id);
    q.bind(2, e.type);
    q.bind(3, e.module);
    q.bind(4, static_cast<int64_t>(e.time));
    q.bind(5, e.payload);
    q.exec();
  }

  // Inserts the delivery unless its id is stored; true when inserted.
  static bool insert_delivery(Connection& c, const WebhookDelivery& d) {
    auto& q = c.stmt(
        "INSERT INTO webhook_deliveries(id, webhook_id, event_id, event_type, module, status, "
        "attempts, round_start, manual, created_at, next_attempt_at, finished_at, last_status, "
        "last_error, owner, lease_expires_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(id) DO NOTHING");
    q.bind(1, d.id);
    q.bind(2, d.webhook_id);
    q.bind(3, d.event_id);
    q.bind(4, d.event_type);
    q.bind(5, d.module);
    q.bind(6, to_string(d.status));
    q.bind(7, static_cast<int64_t>(d.attempts));
    q.bind(8, static_cast<int64_t>(d.round_start));
    q.bind(9, d.manual ? 1 : 0);
    q.bind(10, static_cast<int64_t>(d.created_at));
    q.bind(11, static_cast<int64_t>(d.next_attempt_at));
    q.bind(12, static_cast<int64_t>(d.finished_at));
    q.bind(13, d.last_status);
    q.bind(14, d.last_error);
    q.bind(15, d.owner);
    q.bind(16, static_cast<int64_t>(d.lease_expires_at));
    return q.exec() == 1;
  }

  // Writes the mutable columns of a stored delivery.
  static void store_delivery_state(Connection& c, const WebhookDelivery& d) {
    auto& q = c.stmt(
        "UPDATE webhook_deliveries SET status=?2, attempts=?3, round_start=?4, manual=?5, "
        "next_attempt_at=?6, finished_at=?7, last_status=?8, last_error=?9, owner=?10, "
        "lease_expires_at=?11 WHERE id=?1");
    q.bind(1, d.id);
    q.bind(2, to_string(d.status));
    q.bind(3, static_cast<int64_t>(d.attempts));
    q.bind(4, static_cast<int64_t>(d.round_start));
    q.bind(5, d.manual ? 1 : 0);
    q.bind(6, static_cast<int64_t>(d.next_attempt_at));
    q.bind(7, static_cast<int64_t>(d.finished_at));
    q.bind(8, d.last_status);
    q.bind(9, d.last_error);
    q.bind(10, d.owner);
    q.bind(11, static_cast<int64_t>(d.lease_expires_at));
    q.exec();
  }

  static Result<WebhookDelivery> load_delivery(Connection& c, const std::string& id) {
    static const std::string sql =
        fmt::format("SELECT {} FROM webhook_deliveries WHERE id=?", kDeliveryColumns);
    auto& q = c.stmt(sql.c_str());
    q.bind(1, id);
    if (!q.executeStep()) return internal::delivery_not_found(id);
    WebhookDelivery d = read_delivery(q);
    q.reset();
    return d;
  }

  static WebhookDelivery read_delivery(SQLite::Statement& q) {
    WebhookDelivery d;
    d.id = q.getColumn(0).getString();
    d.webhook_id = q.getColumn(1).getString();
    d.event_id = q.getColumn(2).getString();
    d.event_type = q.getColumn(3).getString();
    d.module = q.getColumn(4).getString();
    d.status = parse_delivery_status(q.getColumn(5).getString()).value_or(DeliveryStatus::kFailed);
    d.attempts = q.getColumn(6).getInt64();
    d.round_start = q.getColumn(7).getInt64();
    d.manual = q.getColumn(8).getInt() != 0;
    d.created_at = q.getColumn(9).getInt64();
    d.next_attempt_at = q.getColumn(10).getInt64();
    d.finished_at = q.getColumn(11).getInt64();
    d.last_status = q.getColumn(12).getInt();
    d.last_error = q.getColumn(13).getString();
    d.owner = q.getColumn(14).getString();
    d.lease_expires_at = q.getColumn(15).getInt64();
    d.sequence = q.getColumn(16).getInt64();
    return d;
  }

  static void insert_attempt(Connection& c, const DeliveryAttempt& a) {
    auto& q = c.stmt(
        "INSERT INTO webhook_attempts(delivery_id, number, time, duration_ms, url, "
        "request_headers, response_status, response_headers, response_body, "
        "response_truncated, error_kind, error) VALUES (?,?,?,?,?,?,?,?,?,?,?,?) "
        "ON CONFLICT(delivery_id, number) DO NOTHING");
    q.bind(1, a.delivery_id);
    q.bind(2, static_cast<int64_t>(a.number));
    q.bind(3, static_cast<int64_t>(a.time));
    q.bind(4, static_cast<int64_t>(a.duration_ms));
    q.bind(5, a.url);
    q.bind(6, internal::headers_to_text(a.request_headers));
    q.bind(7, a.response_status);
    q.bind(8, internal::headers_to_text(a.response_headers));
    q.bind(9, a.response_body.data(), static_cast<int>(a.response_body.size()));
    q.bind(10, a.response_truncated ? 1 : 0);
    q.bind(11, a.error_kind);
    q.bind(12, a.error);
    q.exec();
  }

  static AccessToken read_token(SQLite::Statement& q) {
    AccessToken t;
    t.name = q.getColumn(0).getString();
    t.hash = q.getColumn(1).getString();
    t.role = parse_role(q.getColumn(2).getString()).value_or(Role::kReader);
    t.scope = q.getColumn(3).getString();
    t.creator = q.getColumn(4).getString();
    t.created_at = q.getColumn(5).getInt64();
    t.expires_at = q.getColumn(6).getInt64();
    t.last_used_at = q.getColumn(7).getInt64();
    t.revoked_at = q.getColumn(8).getInt64();
    return t;
  }
  static void bind_job(SQLite::Statement& q, const CompileJob& j) {
    q.bind(1, j.id);
    q.bind(2, j.module);
    q.bind(3, j.version);
    q.bind(4, j.language);
    q.bind(5, j.grpc ? 1 : 0);
    q.bind(6, nlohmann::json(j.options).dump());
    q.bind(7, to_string(j.status));
    q.bind(8, j.error);
    q.bind(9, j.generator);
    q.bind(10, j.artifact_key);
    q.bind(11, static_cast<int64_t>(j.file_count));
    q.bind(12, static_cast<int64_t>(j.created_at));
    q.bind(13, static_cast<int64_t>(j.started_at));
    q.bind(14, static_cast<int64_t>(j.finished_at));
    q.bind(15, static_cast<int64_t>(j.attempts));
    q.bind(16, j.owner);
    q.bind(17, static_cast<int64_t>(j.lease_expires_at));
  }
  static CompileJob read_job(SQLite::Statement& q) {
    CompileJob j;
    j.id = q.getColumn(0).getString();
    j.module = q.getColumn(1).getString();
    j.version = q.getColumn(2).getString();
    j.language = q.getColumn(3).getString();
    j.grpc = q.getColumn(4).getInt() != 0;
    auto options = nlohmann::json::parse(q.getColumn(5).getString(), nullptr, false);
    if (options.is_array()) {
      for (const auto& o : options) {
        if (o.is_string()) j.options.push_back(o.get<std::string>());
      }
    }
    j.status = parse_job_status(q.getColumn(6).getString()).value_or(JobStatus::kFailed);
    j.error = q.getColumn(7).getString();
    j.generator = q.getColumn(8).getString();
    j.artifact_key = q.getColumn(9).getString();
    j.file_count = static_cast<std::uint64_t>(q.getColumn(10).getInt64());
    j.created_at = q.getColumn(11).getInt64();
    j.started_at = q.getColumn(12).getInt64();
    j.finished_at = q.getColumn(13).getInt64();
    j.attempts = q.getColumn(14).getInt64();
    j.owner = q.getColumn(15).getString();
    j.lease_expires_at = q.getColumn(16).getInt64();
    j.progress_done = static_cast<std::uint64_t>(q.getColumn(17).getInt64());
    j.progress_total = static_cast<std::uint64_t>(q.getColumn(18).getInt64());
    return j;
  }
  static Artifact read_artifact(SQLite::Statement& q) {
    Artifact a;
    a.key = q.getColumn(0).getString();
    a.module = q.getColumn(1).getString();
    a.version = q.getColumn(2).getString();
    a.language = q.getColumn(3).getString();
    a.generator = q.getColumn(4).getString();
    a.manifest_digest = q.getColumn(5).getString();
    a.file_count = static_cast<std::uint64_t>(q.getColumn(6).getInt64());
    a.total_size = static_cast<std::uint64_t>(q.getColumn(7).getInt64());
    a.created_at = q.getColumn(8).getInt64();
    return a;
  }

  // Runs `fn` on a pooled connection, turning SQLite exceptions into a Status.
  template <typename Fn>
  auto guard(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
    std::unique_ptr<Connection> conn;
    try {
      conn = acquire();
      auto result = fn(*conn);
      conn->reset_statements();
      release(std::move(conn));
      return result;
    } catch (const SQLite::Exception& e) {
      // A connection that threw may hold a half-done statement: drop it rather than reuse it.
      int code = e.getErrorCode();
      if (code == SQLITE_BUSY || code == SQLITE_LOCKED || code == SQLITE_CANTOPEN ||
          code == SQLITE_IOERR || code == SQLITE_FULL || code == SQLITE_READONLY) {
        return Status::Unavailable(fmt::format("metadata database {}: {}", path_, e.what()),
                                   reason::kStorageUnavailable);
      }
      return Status::Internal(fmt::format("metadata database {}: {}", path_, e.what()),
                              reason::kStorageError);
    } catch (const std::exception& e) {
      return Status::Internal(fmt::format("metadata database {}: {}", path_, e.what()),
                              reason::kStorageError);
    }
  }

  std::unique_ptr<Connection> acquire() {
    {
      std::lock_guard lock(mu_);
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    return std::make_unique<Connection>(path_);
  }
  void release(std::unique_ptr<Connection> c) {
    std::lock_guard lock(mu_);
    if (idle_.size() < 64) idle_.push_back(std::move(c));
  }

  static Module read_module(SQLite::Statement& q) {
    return {q.getColumn(0).getString(), q.getColumn(1).getString(), q.getColumn(2).getInt64(),
            q.getColumn(3).getInt64()};
  }
  static ModuleRecord read_record(SQLite::Statement& q) {
    ModuleRecord r;
    r.module = read_module(q);
    if (!q.getColumn(4).isNull()) r.latest_version = q.getColumn(4).getString();
    r.version_count = static_cast<std::size_t>(q.getColumn(5).getInt64());
    r.revision = q.getColumn(6).getInt64();
    return r;
  }
  // The columns of SPOKE_SQLITE_VERSION_COLUMNS, without files and dependencies.
  static Version read_version(SQLite::Statement& q, const std::string& module) {
    Version v;
    v.module = module;
    v.sequence = q.getColumn(0).getInt64();
    v.version = q.getColumn(1).getString();
    v.description = q.getColumn(2).getString();
    v.digest = q.getColumn(3).getString();
    v.source_info = {q.getColumn(4).getString(), q.getColumn(5).getString(),
                     q.getColumn(6).getString()};
    v.created_at = q.getColumn(7).getInt64();
    v.forced_breaking = q.getColumn(8).getInt64();
    v.descriptor_digest = q.getColumn(9).getString();
    return v;
  }
  static VersionRef read_ref(SQLite::Statement& q, int first) {
    return {q.getColumn(first).getString(), q.getColumn(first + 1).getString(),
            q.getColumn(first + 2).getInt64(), q.getColumn(first + 3).getInt64()};
  }

  std::string path_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace

Result<std::unique_ptr<MetadataStore>> open_sqlite_metadata_store(const std::string& db_path) {
  auto store = std::make_unique<SqliteMetadataStore>(db_path);
  SPOKE_RETURN_IF_ERROR(store->init());
  return std::unique_ptr<MetadataStore>(std::move(store));
}

}  // namespace spoke
