// SQLite metadata: the embedded default. WAL mode, one connection per concurrent caller (taken
// from a pool), schema versions applied as migrations at open.
#include <SQLiteCpp/SQLiteCpp.h>
#include <fmt/format.h>
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <mutex>
#include <unordered_map>

#include "spoke/storage.h"

namespace spoke {
namespace {

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
};

constexpr const char* kJobColumns =
    "id, module, version, language, grpc, options, status, error, generator, artifact_key, "
    "file_count, created_at, started_at, finished_at, attempts";

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
      return Status::OK();
    });
  }

  Status ping() override {
    return guard([&](Connection& c) -> Status {
      auto& q = c.stmt("SELECT 1");
      q.executeStep();
      return Status::OK();
    });
  }

  Result<bool> create_module(const Module& m) override {
    return guard([&](Connection& c) -> Result<bool> {
      auto& q = c.stmt(
          "INSERT INTO modules(name, description, created_at, updated_at) VALUES (?,?,?,?) "
          "ON CONFLICT(name) DO NOTHING");
      q.bind(1, m.name);
      q.bind(2, m.description);
      q.bind(3, static_cast<int64_t>(m.created_at));
      q.bind(4, static_cast<int64_t>(m.updated_at));
      return q.exec() == 1;
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
      auto& q = c.stmt("UPDATE modules SET description=?, updated_at=? WHERE name=?");
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
      auto& q = c.stmt(
          "SELECT m.name, m.description, m.created_at, m.updated_at, v.version, v.digest, "
          "v.created_at, v.id FROM (SELECT * FROM modules WHERE name > ? ORDER BY name LIMIT ?) m "
          "LEFT JOIN versions v ON v.module = m.name ORDER BY m.name");
      q.bind(1, after);
      q.bind(2, static_cast<int64_t>(limit));
      std::vector<ModuleRecord> out;
      while (q.executeStep()) {
        std::string name = q.getColumn(0).getString();
        if (out.empty() || out.back().module.name != name) out.push_back({read_module(q), {}});
        if (!q.getColumn(4).isNull()) out.back().versions.push_back(read_ref(q, 4));
      }
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
          "forced_breaking FROM versions WHERE module=? AND version=?");
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
        return Status::NotFound(
            fmt::format("file \"{}\" not found in {}@{}", path, module, version),
            reason::kFileNotFound);
      }
      File f;
      f.path = path;
      f.digest = q.getColumn(1).getString();
      f.size = static_cast<std::uint64_t>(q.getColumn(2).getInt64());
      return f;
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> find_path(
      const std::string& path) override {
    return guard([&](Connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
      auto& q = c.stmt(
          "SELECT v.module, v.version FROM files f JOIN versions v ON v.id = f.version_id "
          "WHERE f.path = ? ORDER BY v.module, v.id");
      q.bind(1, path);
      std::vector<std::pair<std::string, std::string>> out;
      while (q.executeStep())
        out.emplace_back(q.getColumn(0).getString(), q.getColumn(1).getString());
      return out;
    });
  }

  Result<Version> insert_version(const Module& module_if_missing, Version v) override {
    return guard([&](Connection& c) -> Result<Version> {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt(
            "INSERT INTO modules(name, description, created_at, updated_at) VALUES (?,?,?,?) "
            "ON CONFLICT(name) DO NOTHING");
        q.bind(1, v.module);
        q.bind(2, module_if_missing.description);
        q.bind(3, static_cast<int64_t>(module_if_missing.created_at));
        q.bind(4, static_cast<int64_t>(module_if_missing.updated_at));
        q.exec();
      }
      {
        auto& q = c.stmt("SELECT 1 FROM versions WHERE module=? AND version=?");
        q.bind(1, v.module);
        q.bind(2, v.version);
        if (q.executeStep()) {
          return Status::Conflict(fmt::format("version {}@{} already exists", v.module, v.version),
                                  reason::kVersionExists);
        }
      }
      auto& q = c.stmt(
          "INSERT INTO versions(module, version, description, digest, repository, commit_sha, "
          "branch, created_at, forced_breaking) VALUES (?,?,?,?,?,?,?,?,?)");
      q.bind(1, v.module);
      q.bind(2, v.version);
      q.bind(3, v.description);
      q.bind(4, v.digest);
      q.bind(5, v.source_info.repository);
      q.bind(6, v.source_info.commit_sha);
      q.bind(7, v.source_info.branch);
      q.bind(8, static_cast<int64_t>(v.created_at));
      q.bind(9, static_cast<int64_t>(v.forced_breaking));
      q.exec();
      v.sequence = c.db.getLastInsertRowid();
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
      tx.commit();
      return v;
    });
  }

  Status insert_job(const CompileJob& j) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt("SELECT 1 FROM jobs WHERE id=?");
        q.bind(1, j.id);
        if (q.executeStep()) {
          return Status::Conflict(fmt::format("job {} already exists", j.id), reason::kJobExists);
        }
      }
      auto& q = c.stmt(
          "INSERT INTO jobs(id, module, version, language, grpc, options, status, error, "
          "generator, artifact_key, file_count, created_at, started_at, finished_at, attempts, "
          "seq) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,(SELECT COALESCE(MAX(seq), 0) + 1 FROM "
          "jobs))");
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
      auto& q = c.stmt(
          "UPDATE jobs SET id=?1, module=?2, version=?3, language=?4, grpc=?5, options=?6, "
          "status=?7, error=?8, generator=?9, artifact_key=?10, file_count=?11, created_at=?12, "
          "started_at=?13, finished_at=?14, attempts=?15 WHERE id=?1");
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
      if (!q.executeStep()) {
        return Status::NotFound(fmt::format("artifact {} not found", key),
                                reason::kArtifactNotFound);
      }
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
          "SELECT compatibility, ignore_unstable_packages, transitive, updated_at "
          "FROM module_configs WHERE module=?");
      q.bind(1, module);
      if (!q.executeStep()) return std::optional<ModulePolicy>();
      ModulePolicy config;
      config.compatibility = q.getColumn(0).getString();
      config.ignore_unstable_packages = q.getColumn(1).getInt() != 0;
      config.transitive = q.getColumn(2).getInt() != 0;
      config.updated_at = q.getColumn(3).getInt64();
      return std::optional<ModulePolicy>(std::move(config));
    });
  }

  Status put_module_policy(const std::string& module, const ModulePolicy& config) override {
    return guard([&](Connection& c) -> Status {
      WriteTransaction tx(c.db);
      {
        auto& q = c.stmt("SELECT 1 FROM modules WHERE name=?");
        q.bind(1, module);
        if (!q.executeStep()) return module_not_found(module);
      }
      auto& q = c.stmt(
          "INSERT INTO module_configs(module, compatibility, ignore_unstable_packages, "
          "transitive, updated_at) VALUES (?,?,?,?,?) ON CONFLICT(module) DO UPDATE SET "
          "compatibility=excluded.compatibility, "
          "ignore_unstable_packages=excluded.ignore_unstable_packages, "
          "transitive=excluded.transitive, updated_at=excluded.updated_at");
      q.bind(1, module);
      q.bind(2, config.compatibility);
      q.bind(3, config.ignore_unstable_packages ? 1 : 0);
      q.bind(4, config.transitive ? 1 : 0);
      q.bind(5, static_cast<int64_t>(config.updated_at));
      q.exec();
      tx.commit();
      return Status::OK();
    });
  }

 private:
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
    return j;
  }
  static Status job_not_found(const std::string& id) {
    return Status::NotFound(fmt::format("job {} not found", id), reason::kJobNotFound);
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
  static VersionRef read_ref(SQLite::Statement& q, int first) {
    return {q.getColumn(first).getString(), q.getColumn(first + 1).getString(),
            q.getColumn(first + 2).getInt64(), q.getColumn(first + 3).getInt64()};
  }
  static Status module_not_found(const std::string& name) {
    return Status::NotFound(fmt::format("module \"{}\" not found", name), reason::kModuleNotFound);
  }
  static Status version_not_found(const std::string& module, const std::string& version) {
    return Status::NotFound(fmt::format("version {}@{} not found", module, version),
                            reason::kVersionNotFound);
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
