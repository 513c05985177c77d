#include "storage/postgres/pg_database.h"

#include <fmt/format.h>

#include <stdexcept>

#include "metrics/library_metrics.h"
#include "spoke/model.h"
#include "storage/read_routing.h"

namespace spoke::internal::pg {
namespace {

// Each entry moves the schema from version i to i+1. Never edit one that has shipped.
// Names, paths and keys compare byte by byte (COLLATE "C"), as on SQLite.
const char* const kMigrations[] = {
    R"sql(
CREATE TABLE modules (
  name        TEXT COLLATE "C" PRIMARY KEY,
  description TEXT NOT NULL,
  created_at  BIGINT NOT NULL,
  updated_at  BIGINT NOT NULL
);
CREATE TABLE versions (
  id              BIGSERIAL PRIMARY KEY,
  module          TEXT COLLATE "C" NOT NULL REFERENCES modules(name),
  version         TEXT COLLATE "C" NOT NULL,
  description     TEXT NOT NULL,
  digest          TEXT NOT NULL,
  repository      TEXT NOT NULL,
  commit_sha      TEXT NOT NULL,
  branch          TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  forced_breaking BIGINT NOT NULL DEFAULT 0,
  UNIQUE (module, version)
);
CREATE TABLE files (
  version_id BIGINT NOT NULL REFERENCES versions(id),
  path       TEXT COLLATE "C" NOT NULL,
  digest     TEXT NOT NULL,
  size       BIGINT NOT NULL,
  PRIMARY KEY (version_id, path)
);
CREATE INDEX files_by_path ON files(path);
CREATE TABLE dependencies (
  version_id BIGINT NOT NULL REFERENCES versions(id),
  position   INTEGER NOT NULL,
  module     TEXT NOT NULL,
  version    TEXT NOT NULL,
  digest     TEXT NOT NULL,
  PRIMARY KEY (version_id, position)
);
CREATE TABLE jobs (
  id               TEXT COLLATE "C" PRIMARY KEY,
  seq              BIGSERIAL NOT NULL,
  module           TEXT COLLATE "C" NOT NULL,
  version          TEXT COLLATE "C" NOT NULL,
  language         TEXT NOT NULL,
  grpc             BOOLEAN NOT NULL,
  options          TEXT NOT NULL,
  status           TEXT NOT NULL,
  error            TEXT NOT NULL,
  generator        TEXT NOT NULL,
  artifact_key     TEXT NOT NULL,
  file_count       BIGINT NOT NULL,
  created_at       BIGINT NOT NULL,
  started_at       BIGINT NOT NULL,
  finished_at      BIGINT NOT NULL,
  attempts         BIGINT NOT NULL,
  owner            TEXT NOT NULL DEFAULT '',
  lease_expires_at BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX jobs_by_version ON jobs(module, version, seq);
CREATE INDEX jobs_by_status ON jobs(status, seq);
CREATE TABLE artifacts (
  key             TEXT COLLATE "C" PRIMARY KEY,
  module          TEXT NOT NULL,
  version         TEXT NOT NULL,
  language        TEXT NOT NULL,
  generator       TEXT NOT NULL,
  manifest_digest TEXT NOT NULL,
  file_count      BIGINT NOT NULL,
  total_size      BIGINT NOT NULL,
  created_at      BIGINT NOT NULL
);
CREATE TABLE module_configs (
  module                   TEXT COLLATE "C" PRIMARY KEY REFERENCES modules(name),
  compatibility            TEXT NOT NULL,
  ignore_unstable_packages BOOLEAN NOT NULL,
  transitive               BOOLEAN NOT NULL,
  updated_at               BIGINT NOT NULL
);
CREATE TABLE blobs (
  digest  TEXT COLLATE "C" PRIMARY KEY,
  content BYTEA NOT NULL
);
)sql",
    // Progress of running jobs: files generated of the total.
    R"sql(
ALTER TABLE jobs ADD COLUMN progress_done BIGINT NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN progress_total BIGINT NOT NULL DEFAULT 0;
)sql",
    // Access tokens (their hashes) and the audit log.
    R"sql(
CREATE TABLE tokens (
  name         TEXT COLLATE "C" PRIMARY KEY,
  hash         TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL,
  scope        TEXT NOT NULL,
  creator      TEXT NOT NULL,
  created_at   BIGINT NOT NULL,
  expires_at   BIGINT NOT NULL,
  last_used_at BIGINT NOT NULL,
  revoked_at   BIGINT NOT NULL
);
CREATE TABLE audit_log (
  id         BIGSERIAL PRIMARY KEY,
  time       BIGINT NOT NULL,
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
  seq           BIGSERIAL NOT NULL,
  id            TEXT COLLATE "C" PRIMARY KEY,
  url           TEXT NOT NULL,
  events        TEXT NOT NULL,
  module        TEXT NOT NULL,
  secret        TEXT NOT NULL,
  active        BOOLEAN NOT NULL,
  headers       TEXT NOT NULL,
  description   TEXT NOT NULL,
  creator       TEXT NOT NULL,
  created_at    BIGINT NOT NULL,
  updated_at    BIGINT NOT NULL,
  failing_since BIGINT NOT NULL,
  status_reason TEXT NOT NULL
);
CREATE TABLE webhook_events (
  seq     BIGSERIAL PRIMARY KEY,
  id      TEXT COLLATE "C" NOT NULL UNIQUE,
  type    TEXT NOT NULL,
  module  TEXT NOT NULL,
  time    BIGINT NOT NULL,
  payload TEXT NOT NULL
);
CREATE TABLE webhook_deliveries (
  seq              BIGSERIAL PRIMARY KEY,
  id               TEXT COLLATE "C" NOT NULL UNIQUE,
  webhook_id       TEXT COLLATE "C" NOT NULL,
  event_id         TEXT COLLATE "C" NOT NULL,
  event_type       TEXT NOT NULL,
  module           TEXT NOT NULL,
  status           TEXT NOT NULL,
  attempts         BIGINT NOT NULL,
  round_start      BIGINT NOT NULL,
  manual           BOOLEAN NOT NULL,
  created_at       BIGINT NOT NULL,
  next_attempt_at  BIGINT NOT NULL,
  finished_at      BIGINT NOT NULL,
  last_status      INTEGER NOT NULL,
  last_error       TEXT NOT NULL,
  owner            TEXT NOT NULL,
  lease_expires_at BIGINT NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries(next_attempt_at, seq)
  WHERE status = 'pending';
CREATE INDEX webhook_deliveries_by_webhook ON webhook_deliveries(webhook_id, seq);
CREATE INDEX webhook_deliveries_by_event ON webhook_deliveries(event_id);
CREATE TABLE webhook_attempts (
  delivery_id        TEXT COLLATE "C" NOT NULL,
  number             BIGINT NOT NULL,
  time               BIGINT NOT NULL,
  duration_ms        BIGINT NOT NULL,
  url                TEXT NOT NULL,
  request_headers    TEXT NOT NULL,
  response_status    INTEGER NOT NULL,
  response_headers   TEXT NOT NULL,
  response_body      BYTEA NOT NULL,
  response_truncated BOOLEAN NOT NULL,
  error_kind         TEXT NOT NULL,
  error              TEXT NOT NULL,
  PRIMARY KEY (delivery_id, number)
);
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
    // of rows stored before are filled in by backfill_version_order, in the same transaction.
    R"sql(
ALTER TABLE modules ADD COLUMN latest_version TEXT COLLATE "C";
ALTER TABLE modules ADD COLUMN latest_id BIGINT;
ALTER TABLE modules ADD COLUMN version_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE modules ADD COLUMN revision BIGINT NOT NULL DEFAULT 0;
ALTER TABLE versions ADD COLUMN order_key TEXT COLLATE "C";
UPDATE modules SET version_count = (SELECT COUNT(*) FROM versions v WHERE v.module = modules.name);
UPDATE modules SET revision = version_count;
CREATE INDEX versions_by_order ON versions(module, order_key, id);
CREATE INDEX versions_by_push ON versions(module, id);
)sql",
};

// Order keys of versions and latest versions of modules stored before these columns existed.
void backfill_version_order(pqxx::work& tx) {
  for (const auto& row : tx.exec("SELECT id, version FROM versions WHERE order_key IS NULL")) {
    auto id = parse_version(row[1].as<std::string>());
    tx.exec_params("UPDATE versions SET order_key=$1 WHERE id=$2",
                   id.ok() ? version_order_key(*id) : std::string("0"), row[0].as<std::int64_t>());
  }
  for (const auto& m :
       tx.exec("SELECT name FROM modules WHERE version_count > 0 AND latest_id IS NULL")) {
    std::string name = m[0].as<std::string>();
    std::vector<VersionRef> refs;
    for (const auto& row : tx.exec_params(
             "SELECT version, digest, created_at, id FROM versions WHERE module=$1", name)) {
      refs.push_back({row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::int64_t>(),
                      row[3].as<std::int64_t>()});
    }
    if (auto latest = pick_latest(refs)) {
      tx.exec_params("UPDATE modules SET latest_version=$1, latest_id=$2 WHERE name=$3",
                     latest->version, latest->sequence, name);
    }
  }
}

// Taken by every process migrating the schema: two starting at once migrate it once.
constexpr std::int64_t kMigrationLock = 0x73706f6b65;  // "spoke"

// The host, port and database of a URL, without credentials.
std::string describe(const std::string& url) {
  std::string rest = url.substr(url.find("://") == std::string::npos ? 0 : url.find("://") + 3);
  if (auto at = rest.rfind('@', rest.find('/')); at != std::string::npos && at < rest.find('/'))
    rest = rest.substr(at + 1);
  if (auto q = rest.find('?'); q != std::string::npos) rest = rest.substr(0, q);
  return rest;
}

// The URL with libpq parameters put before its own (which win): bounded connection attempts,
// and TCP keepalives so a dead server is noticed even in the middle of a statement.
std::string conninfo(const std::string& url, std::chrono::milliseconds connect_timeout,
                     std::chrono::milliseconds query_timeout) {
  long long connect_s = std::max<long long>(1, (connect_timeout.count() + 999) / 1000);
  std::string ours = fmt::format(
      "connect_timeout={}&keepalives=1&keepalives_idle=5&keepalives_interval=2&"
      "keepalives_count=3&tcp_user_timeout={}&application_name=spoke",
      connect_s, query_timeout.count() + connect_timeout.count());
  auto q = url.find('?');
  if (q == std::string::npos) return url + "?" + ours;
  return url.substr(0, q + 1) + ours + "&" + url.substr(q + 1);
}

bool is_unavailable_state(const std::string& state) {
  // 08: connection exceptions; 53: insufficient resources; 57P0x: shutting down, starting up;
  // 57014: cancelled (the statement timeout); 40001/40P01: serialization failure, deadlock
  // (what a retry fixes); 25006: a read-only server (a replica, or a primary being demoted).
  return state.starts_with("08") || state.starts_with("53") || state.starts_with("57P") ||
         state == "57014" || state == "40001" || state == "40P01" || state == "25006";
}

Status unavailable(const std::string& where, const std::string& what) {
  std::string message = what;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) message.pop_back();
  return Status::Unavailable(fmt::format("PostgreSQL {}: {}", where, message),
                             reason::kStorageUnavailable);
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status to_status(const std::exception& e, const std::string& where, bool* drop) {
  *drop = true;
  if (const auto* sql = dynamic_cast<const pqxx::sql_error*>(&e)) {
    if (is_unavailable_state(sql->sqlstate())) return unavailable(where, e.what());
    // A statement error leaves the connection usable (its transaction was rolled back).
    *drop = false;
    return Status::Internal(fmt::format("PostgreSQL {}: {}", where, e.what()),
                            reason::kStorageError);
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr ||
      dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr ||
      dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr ||
      dynamic_cast<const std::runtime_error*>(&e) != nullptr) {
    return unavailable(where, e.what());
  }
  return Status::Internal(fmt::format("PostgreSQL {}: {}", where, e.what()), reason::kStorageError);
}

std::optional<std::uint64_t> parse_lsn(const std::string& text) {
  auto slash = text.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 >= text.size()) return std::nullopt;
  std::uint64_t hi = 0, lo = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (i == slash) continue;
    char c = text[i];
    int d = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                   : -1;
    if (d < 0) return std::nullopt;
    std::uint64_t& part = i < slash ? hi : lo;
    if (part > 0x0fffffffu) return std::nullopt;
    part = part * 16 + static_cast<std::uint64_t>(d);
  }
  return (hi << 32) | lo;
}

std::string text_array(const std::vector<std::string>& values) {
  std::string out = "{";
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out.push_back(',');
    out.push_back('"');
    for (char c : values[i]) {
      if (c == '"' || c == '\\') out.push_back('\\');
      out.push_back(c);
    }
    out.push_back('"');
  }
  return out + "}";
}

// ---- Pool -------------------------------------------------------------------------------------

Pool::Pool(std::string conninfo, std::string label, int size, std::chrono::milliseconds wait,
           std::chrono::milliseconds query_timeout, const std::vector<Statement>* statements)
    : conninfo_(std::move(conninfo)),
      label_(std::move(label)),
      size_(std::max(1, size)),
      wait_(wait),
      query_timeout_(query_timeout),
      statements_(statements) {
  internal::library_metrics().db_connections_max.with({label_}).inc(size_);
}

Pool::~Pool() {
  auto& m = internal::library_metrics();
  m.db_connections_max.with({label_}).dec(size_);
  m.db_connections.with({label_, "in_use"}).dec(reported_in_use_);
  m.db_connections.with({label_, "idle"}).dec(reported_idle_);
}

void Pool::report_connections() {
  int idle = static_cast<int>(idle_.size());
  int in_use = open_ - idle;
  auto& m = internal::library_metrics();
  if (in_use != reported_in_use_) {
    m.db_connections.with({label_, "in_use"}).inc(in_use - reported_in_use_);
    reported_in_use_ = in_use;
  }
  if (idle != reported_idle_) {
    m.db_connections.with({label_, "idle"}).inc(idle - reported_idle_);
    reported_idle_ = idle;
  }
}

std::unique_ptr<pqxx::connection> Pool::connect() {
  auto conn = std::make_unique<pqxx::connection>(conninfo_);
  pqxx::nontransaction tx(*conn);
  tx.exec(fmt::format("SET statement_timeout = {}", query_timeout_.count()));
  tx.exec(fmt::format("SET lock_timeout = {}", query_timeout_.count()));
  for (const auto& s : *statements_) conn->prepare(s.name, s.sql);
  return conn;
}

Pool::Lease Pool::acquire() {
  std::uint64_t generation = 0;
  {
    std::unique_lock lock(mu_);
    if (!cv_.wait_for(lock, wait_, [&] { return !idle_.empty() || open_ < size_; })) {
      internal::library_metrics().db_connection_waits_timed_out.with({label_}).inc();
      throw std::runtime_error(
          fmt::format("all {} connections stayed busy for {} ms", size_, wait_.count()));
    }
    if (!idle_.empty()) {
      Lease lease{std::move(idle_.back()), generation_, false};
      idle_.pop_back();
      report_connections();
      return lease;
    }
    ++open_;
    report_connections();
    generation = generation_;
  }
  try {
    return Lease{connect(), generation, true};
  } catch (...) {
    std::lock_guard lock(mu_);
    --open_;
    report_connections();
    cv_.notify_one();
    throw;
  }
}

void Pool::release(Lease lease, bool broken) {
  std::lock_guard lock(mu_);
  if (broken || !lease.conn->is_open()) {
    --open_;
    if (lease.generation == generation_) {
      // The first broken connection of its generation: the idle ones are from the same server
      // life and probably dead too.
      ++generation_;
      open_ -= static_cast<int>(idle_.size());
      idle_.clear();
    }
  } else if (lease.generation == generation_) {
    idle_.push_back(std::move(lease.conn));
  } else {
    --open_;
  }
  report_connections();
  cv_.notify_one();
}

// ---- Database ---------------------------------------------------------------------------------

Result<std::shared_ptr<Database>> Database::open(const StorageOptions& options) {
  auto db = std::make_shared<Database>();
  auto info = [&](const std::string& url) {
    return conninfo(url, options.connect_timeout, options.query_timeout);
  };
  // Waiting for a free connection is bounded like a statement.
  db->primary_ =
      std::make_unique<Pool>(info(options.url), describe(options.url), options.pool_size,
                             options.query_timeout, options.query_timeout, &statements());
  for (const auto& url : options.replica_urls) {
    if (url.empty()) continue;
    auto replica = std::make_unique<Replica>();
    replica->pool =
        std::make_unique<Pool>(info(url), describe(url) + " (replica)", options.pool_size,
                               options.query_timeout, options.query_timeout, &statements());
    db->replicas_.push_back(std::move(replica));
  }

  const int known = static_cast<int>(std::size(kMigrations));
  Status migrated = db->on_primary(
      [&](pqxx::connection& c) -> Status {
        pqxx::work tx(c);
        tx.exec(fmt::format("SELECT pg_advisory_xact_lock({})", kMigrationLock));
        tx.exec("CREATE TABLE IF NOT EXISTS spoke_schema_version (version INTEGER NOT NULL)");
        int current =
            tx.exec("SELECT COALESCE(MAX(version), 0) FROM spoke_schema_version")[0][0].as<int>();
        if (current > known) {
          return Status::Internal(fmt::format("database {} has schema version {}, newer than this "
                                              "build knows ({}); upgrade spoke",
                                              db->label(), current, known),
                                  reason::kSchemaTooNew);
        }
        for (int v = current; v < known; ++v) {
          tx.exec(kMigrations[v]);
          tx.exec(fmt::format("INSERT INTO spoke_schema_version(version) VALUES ({})", v + 1));
        }
        if (current < known) backfill_version_order(tx);
        tx.commit();
        return Status::OK();
      },
      false);
  if (!migrated.ok()) return migrated;
  return db;
}

Status Database::ping() {
  return on_primary(
      [](pqxx::connection& c) -> Status {
        pqxx::nontransaction tx(c);
        tx.exec_prepared("ping");
        return Status::OK();
      },
      false);
}

Database::Replica* Database::find(Pool& pool) {
  for (auto& r : replicas_) {
    if (r->pool.get() == &pool) return r.get();
  }
  return nullptr;
}

Pool* Database::pick_replica() {
  auto& reads = thread_reads();
  if (!reads.policy.replicas || reads.pinned_to_primary) return nullptr;
  // One replica for the whole policy: reads never go back to an older state.
  if (reads.replica >= 0 && static_cast<std::size_t>(reads.replica) < replicas_.size()) {
    Replica& r = *replicas_[static_cast<std::size_t>(reads.replica)];
    return r.down_until_ms.load() > steady_ms() ? nullptr : r.pool.get();
  }
  std::size_t start = next_replica_.fetch_add(1);
  for (std::size_t i = 0; i < replicas_.size(); ++i) {
    std::size_t index = (start + i) % replicas_.size();
    if (replicas_[index]->down_until_ms.load() > steady_ms()) continue;
    reads.replica = static_cast<int>(index);
    return replicas_[index]->pool.get();
  }
  return nullptr;
}

bool Database::caught_up(Pool& pool, pqxx::connection& conn) {
  Replica* replica = find(pool);
  std::uint64_t need = last_write_.load();
  auto& reads = thread_reads();
  if (!reads.policy.after.empty()) {
    if (auto after = parse_lsn(reads.policy.after)) need = std::max(need, *after);
  }
  if (need == 0 || replica->replayed.load() >= need) return true;
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_prepared("replay_position");
  if (r.empty() || r[0][0].is_null()) return false;  // not a replica (any more)
  auto replayed = parse_lsn(r[0][0].as<std::string>());
  if (!replayed) return false;
  std::uint64_t seen = replica->replayed.load();
  while (seen < *replayed && !replica->replayed.compare_exchange_weak(seen, *replayed)) {
  }
  return *replayed >= need;
}

void Database::mark_down(Pool& pool) {
  // A replica that fails is left alone for a moment; its reads go to the primary meanwhile.
  if (Replica* replica = find(pool)) replica->down_until_ms = steady_ms() + 2000;
  stick_to_primary();
}

void Database::stick_to_primary() {
  auto& reads = thread_reads();
  if (reads.policy.replicas) reads.pinned_to_primary = true;
}

void Database::note_write(pqxx::connection& conn) {
  pqxx::nontransaction tx(conn);
  auto r = tx.exec_prepared("write_position");
  std::string text = r[0][0].as<std::string>();
  auto lsn = parse_lsn(text);
  if (!lsn) return;
  std::uint64_t seen = last_write_.load();
  while (seen < *lsn && !last_write_.compare_exchange_weak(seen, *lsn)) {
  }
  thread_reads().write_token = text;
}

}  // namespace spoke::internal::pg
