// PostgreSQL metadata: several spoke-server processes share one database. Every statement is
// prepared (see statements()); reads that may lag go through Database::read, writes and the
// checks made while writing to the primary.
#include <fmt/format.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "spoke/storage.h"
#include "storage/backends.h"
#include "storage/postgres/pg_database.h"
#include "storage/store_errors.h"
#include "storage/webhook_records.h"

namespace spoke {
namespace internal::pg {

namespace {

// The columns a job is written with, and those it is read with (the progress its worker reports).
#define SPOKE_PG_JOB_WRITE_COLUMNS                                                         \
  "id, module, version, language, grpc, options, status, error, generator, artifact_key, " \
  "file_count, created_at, started_at, finished_at, attempts, owner, lease_expires_at"
#define SPOKE_PG_JOB_COLUMNS SPOKE_PG_JOB_WRITE_COLUMNS ", progress_done, progress_total"
#define SPOKE_PG_ARTIFACT_COLUMNS \
  "key, module, version, language, generator, manifest_digest, file_count, total_size, created_at"
#define SPOKE_PG_TOKEN_COLUMNS \
  "name, hash, role, scope, creator, created_at, expires_at, last_used_at, revoked_at"
#define SPOKE_PG_AUDIT_COLUMNS \
  "id, time, actor, client, request_id, method, route, module, version, status, error"
#define SPOKE_PG_MODULE_RECORD \
  "name, description, created_at, updated_at, latest_version, version_count, revision"
#define SPOKE_PG_VERSION_COLUMNS                                                   \
  "id, version, description, digest, repository, commit_sha, branch, created_at, " \
  "forced_breaking, descriptor_digest"
#define SPOKE_PG_WEBHOOK_COLUMNS                                                         \
  "id, url, events, module, secret, active, headers, description, creator, created_at, " \
  "updated_at, failing_since, status_reason"
#define SPOKE_PG_EVENT_COLUMNS "id, type, module, time, payload, seq"
#define SPOKE_PG_DELIVERY_COLUMNS                                                                \
  "id, webhook_id, event_id, event_type, module, status, attempts, round_start, manual, "        \
  "created_at, next_attempt_at, finished_at, last_status, last_error, owner, lease_expires_at, " \
  "seq"
#define SPOKE_PG_ATTEMPT_COLUMNS                                                    \
  "delivery_id, number, time, duration_ms, url, request_headers, response_status, " \
  "response_headers, response_body, response_truncated, error_kind, error"
// Milliseconds since the epoch by the database's clock: leases compare against one clock
// whatever the processes' clocks say.
#define SPOKE_PG_NOW "(extract(epoch from statement_timestamp()) * 1000)::bigint"

}  // namespace

const std::vector<Statement>& statements() {
  static const std::vector<Statement> all = {
      {"ping", "SELECT 1"},
      {"write_position", "SELECT pg_current_wal_lsn()::text"},
      {"replay_position", "SELECT pg_last_wal_replay_lsn()::text"},
      // modules
      {"create_module",
       "INSERT INTO modules(name, description, created_at, updated_at) VALUES ($1,$2,$3,$4) "
       "ON CONFLICT (name) DO NOTHING"},
      {"get_module", "SELECT name, description, created_at, updated_at FROM modules WHERE name=$1"},
      {"get_module_record", "SELECT " SPOKE_PG_MODULE_RECORD " FROM modules WHERE name=$1"},
      {"module_exists", "SELECT 1 FROM modules WHERE name=$1"},
      {"update_module",
       "UPDATE modules SET description=$2, updated_at=$3, revision=revision+1 WHERE name=$1"},
      {"list_modules",
       "SELECT " SPOKE_PG_MODULE_RECORD " FROM modules WHERE name > $1 ORDER BY name LIMIT $2"},
      {"versions_first_page", "SELECT " SPOKE_PG_VERSION_COLUMNS " FROM versions WHERE module=$1 "
                              "ORDER BY order_key DESC, id DESC LIMIT $2"},
      {"versions_next_page",
       "SELECT " SPOKE_PG_VERSION_COLUMNS " FROM versions WHERE module=$1 AND "
       "(order_key, id) < ($3, $4) ORDER BY order_key DESC, id DESC LIMIT $2"},
      {"page_files",
       "SELECT version_id, path, digest, size FROM files WHERE version_id = ANY($1::bigint[]) "
       "ORDER BY version_id, path"},
      {"page_dependencies",
       "SELECT version_id, module, version, digest FROM dependencies "
       "WHERE version_id = ANY($1::bigint[]) ORDER BY version_id, position"},
      {"previous_semver",
       "SELECT version FROM versions WHERE module=$1 AND order_key > '1' AND order_key < $2 "
       "ORDER BY order_key DESC, id DESC LIMIT 1"},
      {"previous_pushed",
       "SELECT version FROM versions WHERE module=$1 AND version <> $2 ORDER BY id DESC LIMIT 1"},
      // versions
      {"list_versions",
       "SELECT v.version, v.digest, v.created_at, v.id FROM modules m "
       "LEFT JOIN versions v ON v.module = m.name WHERE m.name = $1"},
      {"get_version",
       "SELECT id, description, digest, repository, commit_sha, branch, created_at, "
       "forced_breaking, descriptor_digest FROM versions WHERE module=$1 AND version=$2"},
      {"set_version_descriptor",
       "UPDATE versions SET descriptor_digest=$3 WHERE module=$1 AND version=$2"},
      {"bump_revision", "UPDATE modules SET revision=revision+1 WHERE name=$1"},
      {"version_files", "SELECT path, digest, size FROM files WHERE version_id=$1 ORDER BY path"},
      {"version_dependencies",
       "SELECT module, version, digest FROM dependencies WHERE version_id=$1 ORDER BY position"},
      {"get_file",
       "SELECT v.id, f.digest, f.size FROM versions v LEFT JOIN files f "
       "ON f.version_id = v.id AND f.path = $3 WHERE v.module = $1 AND v.version = $2"},
      // Every module's latest version probed by the files' primary key: grows with the number of
      // modules, not of versions.
      {"find_path_in_latest",
       "SELECT m.name, m.latest_version FROM modules m JOIN files f "
       "ON f.version_id = m.latest_id AND f.path = $1 ORDER BY m.name"},
      {"lock_module", "SELECT latest_version, latest_id FROM modules WHERE name=$1 FOR UPDATE"},
      {"version_named", "SELECT version FROM versions WHERE module=$1 AND version=$2"},
      {"insert_version",
       "INSERT INTO versions(module, version, description, digest, repository, commit_sha, "
       "branch, created_at, forced_breaking, order_key, descriptor_digest) "
       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11) "
       "ON CONFLICT (module, version) DO NOTHING RETURNING id"},
      {"set_latest",
       "UPDATE modules SET latest_version=$2, latest_id=$3, version_count=version_count+1, "
       "revision=revision+1 WHERE name=$1"},
      {"insert_files",
       "INSERT INTO files(version_id, path, digest, size) "
       "SELECT $1, * FROM unnest($2::text[], $3::text[], $4::bigint[])"},
      {"insert_dependencies",
       "INSERT INTO dependencies(version_id, position, module, version, digest) "
       "SELECT $1, n - 1, m, v, d FROM unnest($2::text[], $3::text[], $4::text[]) "
       "WITH ORDINALITY AS t(m, v, d, n)"},
      // jobs
      {"insert_job", "INSERT INTO jobs(" SPOKE_PG_JOB_WRITE_COLUMNS
                     ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17) "
                     "ON CONFLICT (id) DO NOTHING"},
      {"get_job", "SELECT " SPOKE_PG_JOB_COLUMNS " FROM jobs WHERE id=$1"},
      {"job_exists", "SELECT 1 FROM jobs WHERE id=$1"},
      {"update_job",
       "UPDATE jobs SET module=$2, version=$3, language=$4, grpc=$5, options=$6, status=$7, "
       "error=$8, generator=$9, artifact_key=$10, file_count=$11, created_at=$12, "
       "started_at=$13, finished_at=$14, attempts=$15, owner=$16, lease_expires_at=$17 "
       "WHERE id=$1"},
      {"finish_job",
       "UPDATE jobs SET module=$2, version=$3, language=$4, grpc=$5, options=$6, status=$7, "
       "error=$8, generator=$9, artifact_key=$10, file_count=$11, created_at=$12, "
       "started_at=$13, finished_at=$14, attempts=$15, owner='', lease_expires_at=0 "
       "WHERE id=$1 AND owner=$16 AND status='running'"},
      {"list_jobs", "SELECT " SPOKE_PG_JOB_COLUMNS
                    " FROM jobs WHERE module=$1 AND version=$2 ORDER BY seq DESC"},
      {"list_jobs_by_status",
       "SELECT " SPOKE_PG_JOB_COLUMNS " FROM jobs WHERE status = ANY($1::text[]) ORDER BY seq"},
      // The oldest claimable job, locked; rows other claimers hold are skipped, not waited for.
      {"claim_job",
       "UPDATE jobs SET status='running', owner=$1, lease_expires_at=" SPOKE_PG_NOW
       " + $2, started_at=" SPOKE_PG_NOW
       ", attempts=attempts + 1, error='', progress_done=0, progress_total=0 WHERE id = (SELECT id "
       "FROM jobs WHERE status='queued' "
       "OR (status='running' AND lease_expires_at <= " SPOKE_PG_NOW
       ") ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED) RETURNING " SPOKE_PG_JOB_COLUMNS},
      {"renew_job_lease", "UPDATE jobs SET lease_expires_at=" SPOKE_PG_NOW
                          " + $3 WHERE id=$1 AND owner=$2 AND status='running'"},
      {"set_job_progress",
       "UPDATE jobs SET progress_done=$3, progress_total=$4 WHERE id=$1 AND owner=$2 AND "
       "status='running'"},
      {"release_jobs",
       "UPDATE jobs SET status='queued', owner='', lease_expires_at=0, started_at=0 "
       "WHERE owner=$1 AND status='running'"},
      // artifacts
      {"put_artifact", "INSERT INTO artifacts(" SPOKE_PG_ARTIFACT_COLUMNS
                       ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (key) DO NOTHING"},
      {"get_artifact", "SELECT " SPOKE_PG_ARTIFACT_COLUMNS " FROM artifacts WHERE key=$1"},
      {"list_artifacts",
       "SELECT " SPOKE_PG_ARTIFACT_COLUMNS " FROM artifacts WHERE key > $1 ORDER BY key LIMIT $2"},
      // module policies
      {"get_module_policy",
       "SELECT c.compatibility, c.ignore_unstable_packages, c.transitive, c.updated_at, c.lint "
       "FROM modules m LEFT JOIN module_configs c ON c.module = m.name WHERE m.name=$1"},
      {"put_module_policy",
       "INSERT INTO module_configs(module, compatibility, ignore_unstable_packages, transitive, "
       "updated_at, lint) SELECT $1,$2,$3,$4,$5,$6 WHERE EXISTS (SELECT 1 FROM modules WHERE "
       "name=$1) ON CONFLICT (module) DO UPDATE SET compatibility=excluded.compatibility, "
       "ignore_unstable_packages=excluded.ignore_unstable_packages, "
       "transitive=excluded.transitive, updated_at=excluded.updated_at, lint=excluded.lint"},
      // access tokens
      {"insert_token",
       "INSERT INTO tokens(" SPOKE_PG_TOKEN_COLUMNS
       ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT (name) DO UPDATE SET "
       "hash=excluded.hash, role=excluded.role, scope=excluded.scope, creator=excluded.creator, "
       "created_at=excluded.created_at, expires_at=excluded.expires_at, "
       "last_used_at=excluded.last_used_at, revoked_at=excluded.revoked_at "
       "WHERE tokens.revoked_at <> 0 OR "
       "(tokens.expires_at <> 0 AND tokens.expires_at <= excluded.created_at)"},
      {"find_token", "SELECT " SPOKE_PG_TOKEN_COLUMNS " FROM tokens WHERE hash=$1"},
      {"list_tokens", "SELECT " SPOKE_PG_TOKEN_COLUMNS " FROM tokens ORDER BY name"},
      {"revoke_token", "UPDATE tokens SET revoked_at=$2 WHERE name=$1 AND revoked_at=0"},
      {"touch_token", "UPDATE tokens SET last_used_at=$2 WHERE hash=$1"},
      // audit log
      {"append_audit",
       "INSERT INTO audit_log(time, actor, client, request_id, method, route, module, version, "
       "status, error) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10) RETURNING id"},
      {"list_audit", "SELECT " SPOKE_PG_AUDIT_COLUMNS
                     " FROM audit_log WHERE ($1 = 0 OR id < $1) AND ($2 = '' OR module = $2) AND "
                     "($3 = '' OR actor = $3) AND ($4 = 0 OR time >= $4) AND ($5 = 0 OR time < $5) "
                     "ORDER BY id DESC LIMIT $6"},
      // the webhook outbox
      {"webhook_insert", "INSERT INTO webhooks(" SPOKE_PG_WEBHOOK_COLUMNS
                         ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13) "
                         "ON CONFLICT (id) DO NOTHING"},
      {"webhook_get", "SELECT " SPOKE_PG_WEBHOOK_COLUMNS " FROM webhooks WHERE id=$1"},
      {"webhook_lock", "SELECT " SPOKE_PG_WEBHOOK_COLUMNS " FROM webhooks WHERE id=$1 FOR UPDATE"},
      {"webhook_list", "SELECT " SPOKE_PG_WEBHOOK_COLUMNS " FROM webhooks ORDER BY seq"},
      {"webhook_update",
       "UPDATE webhooks SET url=$2, events=$3, module=$4, secret=$5, active=$6, headers=$7, "
       "description=$8, creator=$9, created_at=$10, updated_at=$11, failing_since=$12, "
       "status_reason=$13 WHERE id=$1"},
      {"webhook_delete", "DELETE FROM webhooks WHERE id=$1"},
      {"webhook_delete_attempts",
       "DELETE FROM webhook_attempts WHERE delivery_id IN "
       "(SELECT id FROM webhook_deliveries WHERE webhook_id=$1)"},
      {"webhook_delete_deliveries", "DELETE FROM webhook_deliveries WHERE webhook_id=$1"},
      {"event_insert",
       "INSERT INTO webhook_events(id, type, module, time, payload) VALUES ($1,$2,$3,$4,$5) "
       "ON CONFLICT (id) DO NOTHING"},
      {"event_get", "SELECT " SPOKE_PG_EVENT_COLUMNS " FROM webhook_events WHERE id=$1"},
      {"event_list", "SELECT " SPOKE_PG_EVENT_COLUMNS
                     " FROM webhook_events WHERE seq > $1 ORDER BY seq LIMIT $2"},
      {"delivery_insert",
       "INSERT INTO webhook_deliveries(id, webhook_id, event_id, event_type, module, status, "
       "attempts, round_start, manual, created_at, next_attempt_at, finished_at, last_status, "
       "last_error, owner, lease_expires_at) "
       "VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16) "
       "ON CONFLICT (id) DO NOTHING"},
      {"delivery_get", "SELECT " SPOKE_PG_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE id=$1"},
      {"delivery_lock",
       "SELECT " SPOKE_PG_DELIVERY_COLUMNS " FROM webhook_deliveries WHERE id=$1 FOR UPDATE"},
      {"delivery_lock_with_lease", "SELECT owner, lease_expires_at > " SPOKE_PG_NOW
                                   " FROM webhook_deliveries WHERE id=$1 FOR UPDATE"},
      {"delivery_store_state",
       "UPDATE webhook_deliveries SET status=$2, attempts=$3, round_start=$4, manual=$5, "
       "next_attempt_at=$6, finished_at=$7, last_status=$8, last_error=$9, owner=$10, "
       "lease_expires_at=$11 WHERE id=$1"},
      {"delivery_list",
       "SELECT " SPOKE_PG_DELIVERY_COLUMNS
       " FROM webhook_deliveries WHERE webhook_id=$1 AND ($2 = '' OR status = $2) "
       "AND ($3 = '' OR event_type = $3) AND ($4 = 0 OR seq < $4) ORDER BY seq DESC LIMIT $5"},
      // Due deliveries, locked; rows other claimers hold are skipped, not waited for.
      {"delivery_claim",
       "UPDATE webhook_deliveries SET owner=$1, lease_expires_at=" SPOKE_PG_NOW
       " + $2 WHERE id IN (SELECT d.id FROM webhook_deliveries d JOIN webhooks w "
       "ON w.id = d.webhook_id WHERE d.status = 'pending' AND d.next_attempt_at <= $3 AND "
       "d.lease_expires_at <= " SPOKE_PG_NOW
       " AND (w.active OR d.manual) ORDER BY d.next_attempt_at, d.seq LIMIT $4 "
       "FOR UPDATE OF d SKIP LOCKED) RETURNING id"},
      {"delivery_claimed",
       "SELECT d.id, d.webhook_id, d.event_id, d.event_type, d.module, d.status, d.attempts, "
       "d.round_start, d.manual, d.created_at, d.next_attempt_at, d.finished_at, d.last_status, "
       "d.last_error, d.owner, d.lease_expires_at, d.seq, w.id, w.url, w.events, w.module, "
       "w.secret, w.active, w.headers, w.description, w.creator, w.created_at, w.updated_at, "
       "w.failing_since, w.status_reason, e.payload FROM webhook_deliveries d "
       "JOIN webhooks w ON w.id = d.webhook_id JOIN webhook_events e ON e.id = d.event_id "
       "WHERE d.id = ANY($1::text[]) ORDER BY d.next_attempt_at, d.seq"},
      {"delivery_release",
       "UPDATE webhook_deliveries SET owner='', lease_expires_at=0 "
       "WHERE owner=$1 AND status='pending'"},
      {"attempt_insert", "INSERT INTO webhook_attempts(" SPOKE_PG_ATTEMPT_COLUMNS
                         ") VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12) "
                         "ON CONFLICT (delivery_id, number) DO NOTHING"},
      {"attempt_list", "SELECT " SPOKE_PG_ATTEMPT_COLUMNS
                       " FROM webhook_attempts WHERE delivery_id=$1 ORDER BY number"},
      {"prune_attempts",
       "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries "
       "WHERE status <> 'pending' AND finished_at < $1)"},
      {"prune_deliveries",
       "DELETE FROM webhook_deliveries WHERE status <> 'pending' AND finished_at < $1"},
      {"prune_events",
       "DELETE FROM webhook_events e WHERE e.time < $1 AND NOT EXISTS "
       "(SELECT 1 FROM webhook_deliveries d WHERE d.event_id = e.id)"},
      // blobs
      {"put_blob", "INSERT INTO blobs(digest, content) VALUES ($1,$2) ON CONFLICT DO NOTHING"},
      {"get_blob", "SELECT content FROM blobs WHERE digest=$1"},
      {"blob_exists", "SELECT 1 FROM blobs WHERE digest=$1"},
      {"blobs_present", "SELECT digest FROM blobs WHERE digest = ANY($1::text[])"},
  };
  return all;
}

namespace {

Module read_module(const pqxx::row& r) {
  return {r[0].as<std::string>(), r[1].as<std::string>(), r[2].as<std::int64_t>(),
          r[3].as<std::int64_t>()};
}

ModuleRecord read_record(const pqxx::row& r) {
  ModuleRecord out;
  out.module = read_module(r);
  if (!r[4].is_null()) out.latest_version = r[4].as<std::string>();
  out.version_count = r[5].as<std::size_t>();
  out.revision = r[6].as<std::int64_t>();
  return out;
}

VersionRef read_ref(const pqxx::row& r, int first) {
  return {r[first].as<std::string>(), r[first + 1].as<std::string>(),
          r[first + 2].as<std::int64_t>(), r[first + 3].as<std::int64_t>()};
}

CompileJob read_job(const pqxx::row& r) {
  CompileJob j;
  j.id = r[0].as<std::string>();
  j.module = r[1].as<std::string>();
  j.version = r[2].as<std::string>();
  j.language = r[3].as<std::string>();
  j.grpc = r[4].as<bool>();
  auto options = nlohmann::json::parse(r[5].as<std::string>(), nullptr, false);
  if (options.is_array()) {
    for (const auto& o : options) {
      if (o.is_string()) j.options.push_back(o.get<std::string>());
    }
  }
  j.status = parse_job_status(r[6].as<std::string>()).value_or(JobStatus::kFailed);
  j.error = r[7].as<std::string>();
  j.generator = r[8].as<std::string>();
  j.artifact_key = r[9].as<std::string>();
  j.file_count = r[10].as<std::uint64_t>();
  j.created_at = r[11].as<std::int64_t>();
  j.started_at = r[12].as<std::int64_t>();
  j.finished_at = r[13].as<std::int64_t>();
  j.attempts = r[14].as<std::int64_t>();
  j.owner = r[15].as<std::string>();
  j.lease_expires_at = r[16].as<std::int64_t>();
  j.progress_done = r[17].as<std::uint64_t>();
  j.progress_total = r[18].as<std::uint64_t>();
  return j;
}

// Runs a statement that takes a job's 17 columns in order.
pqxx::result exec_job(pqxx::transaction_base& tx, const char* statement, const CompileJob& j) {
  return tx.exec_prepared(statement, j.id, j.module, j.version, j.language, j.grpc,
                          nlohmann::json(j.options).dump(), to_string(j.status), j.error,
                          j.generator, j.artifact_key, j.file_count, j.created_at, j.started_at,
                          j.finished_at, j.attempts, j.owner, j.lease_expires_at);
}

// finish_job: the same columns but the lease, which it clears.
pqxx::result exec_finish(pqxx::transaction_base& tx, const CompileJob& j) {
  return tx.exec_prepared("finish_job", j.id, j.module, j.version, j.language, j.grpc,
                          nlohmann::json(j.options).dump(), to_string(j.status), j.error,
                          j.generator, j.artifact_key, j.file_count, j.created_at, j.started_at,
                          j.finished_at, j.attempts, j.owner);
}

Artifact read_artifact(const pqxx::row& r) {
  Artifact a;
  a.key = r[0].as<std::string>();
  a.module = r[1].as<std::string>();
  a.version = r[2].as<std::string>();
  a.language = r[3].as<std::string>();
  a.generator = r[4].as<std::string>();
  a.manifest_digest = r[5].as<std::string>();
  a.file_count = r[6].as<std::uint64_t>();
  a.total_size = r[7].as<std::uint64_t>();
  a.created_at = r[8].as<std::int64_t>();
  return a;
}

AccessToken read_token(const pqxx::row& r) {
  AccessToken t;
  t.name = r[0].as<std::string>();
  t.hash = r[1].as<std::string>();
  t.role = parse_role(r[2].as<std::string>()).value_or(Role::kReader);
  t.scope = r[3].as<std::string>();
  t.creator = r[4].as<std::string>();
  t.created_at = r[5].as<std::int64_t>();
  t.expires_at = r[6].as<std::int64_t>();
  t.last_used_at = r[7].as<std::int64_t>();
  t.revoked_at = r[8].as<std::int64_t>();
  return t;
}

AuditEntry read_audit(const pqxx::row& r) {
  AuditEntry e;
  e.id = r[0].as<std::int64_t>();
  e.time = r[1].as<std::int64_t>();
  e.actor = r[2].as<std::string>();
  e.client = r[3].as<std::string>();
  e.request_id = r[4].as<std::string>();
  e.method = r[5].as<std::string>();
  e.route = r[6].as<std::string>();
  e.module = r[7].as<std::string>();
  e.version = r[8].as<std::string>();
  e.status = r[9].as<int>();
  e.error = r[10].as<std::string>();
  return e;
}

// A subscription's 13 columns from `first` on.
Webhook read_webhook(const pqxx::row& r, int first) {
  Webhook w;
  w.id = r[first].as<std::string>();
  w.url = r[first + 1].as<std::string>();
  w.events = strings_from_text(r[first + 2].as<std::string>());
  w.module = r[first + 3].as<std::string>();
  w.secret = r[first + 4].as<std::string>();
  w.active = r[first + 5].as<bool>();
  w.headers = header_map_from_text(r[first + 6].as<std::string>());
  w.description = r[first + 7].as<std::string>();
  w.creator = r[first + 8].as<std::string>();
  w.created_at = r[first + 9].as<std::int64_t>();
  w.updated_at = r[first + 10].as<std::int64_t>();
  w.failing_since = r[first + 11].as<std::int64_t>();
  w.status_reason = r[first + 12].as<std::string>();
  return w;
}

WebhookEvent read_event(const pqxx::row& r) {
  WebhookEvent e;
  e.id = r[0].as<std::string>();
  e.type = r[1].as<std::string>();
  e.module = r[2].as<std::string>();
  e.time = r[3].as<std::int64_t>();
  e.payload = r[4].as<std::string>();
  e.sequence = r[5].as<std::int64_t>();
  return e;
}

// A delivery's 17 columns from `first` on.
WebhookDelivery read_delivery(const pqxx::row& r, int first) {
  WebhookDelivery d;
  d.id = r[first].as<std::string>();
  d.webhook_id = r[first + 1].as<std::string>();
  d.event_id = r[first + 2].as<std::string>();
  d.event_type = r[first + 3].as<std::string>();
  d.module = r[first + 4].as<std::string>();
  d.status =
      parse_delivery_status(r[first + 5].as<std::string>()).value_or(DeliveryStatus::kFailed);
  d.attempts = r[first + 6].as<std::int64_t>();
  d.round_start = r[first + 7].as<std::int64_t>();
  d.manual = r[first + 8].as<bool>();
  d.created_at = r[first + 9].as<std::int64_t>();
  d.next_attempt_at = r[first + 10].as<std::int64_t>();
  d.finished_at = r[first + 11].as<std::int64_t>();
  d.last_status = r[first + 12].as<int>();
  d.last_error = r[first + 13].as<std::string>();
  d.owner = r[first + 14].as<std::string>();
  d.lease_expires_at = r[first + 15].as<std::int64_t>();
  d.sequence = r[first + 16].as<std::int64_t>();
  return d;
}

class PostgresMetadataStore final : public MetadataStore {
 public:
  explicit PostgresMetadataStore(std::shared_ptr<Database> db) : db_(std::move(db)) {}

  // A change to what replicas serve (modules, versions, policies), committed on the primary:
  // the thread's write token covers it.
  template <typename Fn>
  auto write(Fn&& fn) -> std::invoke_result_t<Fn&, pqxx::connection&> {
    return db_->on_primary(std::forward<Fn>(fn), true);
  }
  // A change to jobs (always read from the primary) or artifacts (content-addressed, looked up
  // on the primary when a replica lacks them): no token needed.
  template <typename Fn>
  auto write_unseen(Fn&& fn) -> std::invoke_result_t<Fn&, pqxx::connection&> {
    return db_->on_primary(std::forward<Fn>(fn), false);
  }

  Status ping() override { return db_->ping(); }

  Result<bool> create_module(const Module& m, const Journal& journal) override {
    return write([&](pqxx::connection& c) -> Result<bool> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("create_module", m.name, m.description, m.created_at, m.updated_at);
      bool created = r.affected_rows() == 1;
      if (created) write_journal(tx, journal, true);
      tx.commit();
      return created;
    });
  }

  Result<Module> get_module(const std::string& name) override {
    return db_->read([&](pqxx::connection& c) -> Result<Module> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_module", name);
      if (r.empty()) return module_not_found(name);
      return read_module(r[0]);
    });
  }

  Status update_module(const std::string& name, const std::string& description,
                       Timestamp updated_at) override {
    return write([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("update_module", name, description, updated_at);
      tx.commit();
      return r.affected_rows() == 0 ? module_not_found(name) : Status::OK();
    });
  }

  Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                 std::size_t limit) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::vector<ModuleRecord>> {
      pqxx::nontransaction tx(c);
      std::vector<ModuleRecord> out;
      for (const auto& row :
           tx.exec_prepared("list_modules", after, static_cast<std::int64_t>(limit))) {
        out.push_back(read_record(row));
      }
      return out;
    });
  }

  Result<ModuleRecord> get_module_record(const std::string& name) override {
    return db_->read([&](pqxx::connection& c) -> Result<ModuleRecord> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_module_record", name);
      if (r.empty()) return module_not_found(name);
      return read_record(r[0]);
    });
  }

  Result<std::vector<Version>> list_versions_page(const std::string& module,
                                                  const std::optional<VersionCursor>& after,
                                                  std::size_t limit) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::vector<Version>> {
      // One snapshot for the page and its files: a version is complete or absent.
      pqxx::read_transaction tx(c);
      if (tx.exec_prepared("module_exists", module).empty()) return module_not_found(module);
      auto n = static_cast<std::int64_t>(limit);
      auto rows = after ? tx.exec_prepared("versions_next_page", module, n, after->order_key,
                                           after->sequence)
                        : tx.exec_prepared("versions_first_page", module, n);
      std::vector<Version> out;
      std::map<std::int64_t, std::size_t> index;
      std::vector<std::string> ids;
      for (const auto& row : rows) {
        Version v;
        v.module = module;
        v.sequence = row[0].as<std::int64_t>();
        v.version = row[1].as<std::string>();
        v.description = row[2].as<std::string>();
        v.digest = row[3].as<std::string>();
        v.source_info = {row[4].as<std::string>(), row[5].as<std::string>(),
                         row[6].as<std::string>()};
        v.created_at = row[7].as<std::int64_t>();
        v.forced_breaking = row[8].as<std::int64_t>();
        v.descriptor_digest = row[9].as<std::string>();
        index[v.sequence] = out.size();
        ids.push_back(std::to_string(v.sequence));
        out.push_back(std::move(v));
      }
      if (out.empty()) return out;
      std::string id_array = text_array(ids);
      for (const auto& row : tx.exec_prepared("page_files", id_array)) {
        File f;
        f.path = row[1].as<std::string>();
        f.digest = row[2].as<std::string>();
        f.size = row[3].as<std::uint64_t>();
        out[index.at(row[0].as<std::int64_t>())].files.push_back(std::move(f));
      }
      for (const auto& row : tx.exec_prepared("page_dependencies", id_array)) {
        out[index.at(row[0].as<std::int64_t>())].dependencies.push_back(
            {row[1].as<std::string>(), row[2].as<std::string>(), row[3].as<std::string>()});
      }
      return out;
    });
  }

  Result<std::optional<std::string>> previous_version(const std::string& module,
                                                      const VersionId& pushed) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::optional<std::string>> {
      pqxx::nontransaction tx(c);
      auto r = pushed.kind == VersionId::Kind::kSemVer
                   ? tx.exec_prepared("previous_semver", module, version_order_key(pushed))
                   : tx.exec_prepared("previous_pushed", module, pushed.raw);
      if (r.empty()) return std::optional<std::string>();
      return std::optional<std::string>(r[0][0].as<std::string>());
    });
  }

  Result<std::vector<VersionRef>> list_versions(const std::string& module) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::vector<VersionRef>> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("list_versions", module);
      if (r.empty()) return module_not_found(module);
      std::vector<VersionRef> out;
      for (const auto& row : r) {
        if (!row[0].is_null()) out.push_back(read_ref(row, 0));
      }
      return out;
    });
  }

  Result<Version> get_version(const std::string& module, const std::string& version) override {
    return db_->read([&](pqxx::connection& c) -> Result<Version> {
      // A version never changes once stored: its three parts need no common snapshot.
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_version", module, version);
      if (r.empty()) return version_not_found(module, version);
      Version v;
      v.module = module;
      v.version = version;
      auto id = r[0][0].as<std::int64_t>();
      v.sequence = id;
      v.description = r[0][1].as<std::string>();
      v.digest = r[0][2].as<std::string>();
      v.source_info = {r[0][3].as<std::string>(), r[0][4].as<std::string>(),
                       r[0][5].as<std::string>()};
      v.created_at = r[0][6].as<std::int64_t>();
      v.forced_breaking = r[0][7].as<std::int64_t>();
      v.descriptor_digest = r[0][8].as<std::string>();
      for (const auto& row : tx.exec_prepared("version_files", id)) {
        File f;
        f.path = row[0].as<std::string>();
        f.digest = row[1].as<std::string>();
        f.size = row[2].as<std::uint64_t>();
        v.files.push_back(std::move(f));
      }
      for (const auto& row : tx.exec_prepared("version_dependencies", id)) {
        v.dependencies.push_back(
            {row[0].as<std::string>(), row[1].as<std::string>(), row[2].as<std::string>()});
      }
      return v;
    });
  }

  Status set_version_descriptor(const std::string& module, const std::string& version,
                                const std::string& descriptor_digest) override {
    return write([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("set_version_descriptor", module, version, descriptor_digest);
      if (r.affected_rows() == 0) return version_not_found(module, version);
      // The version's answer changed: module reads cached under the revision are stale.
      tx.exec_prepared("bump_revision", module);
      tx.commit();
      return Status::OK();
    });
  }

  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path) override {
    return db_->read([&](pqxx::connection& c) -> Result<File> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_file", module, version, path);
      if (r.empty()) return version_not_found(module, version);
      if (r[0][1].is_null()) return file_not_found(module, version, path);
      File f;
      f.path = path;
      f.digest = r[0][1].as<std::string>();
      f.size = r[0][2].as<std::uint64_t>();
      return f;
    });
  }

  Result<std::vector<std::pair<std::string, std::string>>> find_path_in_latest(
      const std::string& path) override {
    return db_->read(
        [&](pqxx::connection& c) -> Result<std::vector<std::pair<std::string, std::string>>> {
          pqxx::nontransaction tx(c);
          std::vector<std::pair<std::string, std::string>> out;
          for (const auto& row : tx.exec_prepared("find_path_in_latest", path)) {
            out.emplace_back(row[0].as<std::string>(), row[1].as<std::string>());
          }
          return out;
        });
  }

  Result<Version> insert_version(const Module& module_if_missing, Version v,
                                 const Journal& journal) override {
    return write([&](pqxx::connection& c) -> Result<Version> {
      pqxx::work tx(c);
      bool module_created =
          tx.exec_prepared("create_module", v.module, module_if_missing.description,
                           module_if_missing.created_at, module_if_missing.updated_at)
              .affected_rows() == 1;
      // The module's row locked: pushes of one module, in any process, insert one at a time,
      // so another spelling of this version cannot be inserted concurrently, and the latest
      // version and count kept on the row stay right.
      auto id = parse_version(v.version);
      if (!id.ok()) return id.status();
      VersionRef current;
      auto locked = tx.exec_prepared("lock_module", v.module);
      if (!locked.empty() && !locked[0][0].is_null()) {
        current.version = locked[0][0].as<std::string>();
        current.sequence = locked[0][1].as<std::int64_t>();
      }
      if (std::string other = other_spelling(*id); !other.empty()) {
        std::vector<std::string> names;
        for (const auto& row : tx.exec_prepared("version_named", v.module, other)) {
          names.push_back(row[0].as<std::string>());
        }
        SPOKE_RETURN_IF_ERROR(check_other_spelling(v.module, v.version, names));
      }
      // A concurrent insert of the same version waits for this one's commit, then inserts
      // nothing: exactly one wins, whichever process it runs in.
      auto r = tx.exec_prepared("insert_version", v.module, v.version, v.description, v.digest,
                                v.source_info.repository, v.source_info.commit_sha,
                                v.source_info.branch, v.created_at, v.forced_breaking,
                                version_order_key(*id), v.descriptor_digest);
      if (r.empty()) return version_exists(v.module, v.version);
      v.sequence = r[0][0].as<std::int64_t>();
      VersionRef latest = next_latest(current, v);
      tx.exec_prepared("set_latest", v.module, latest.version, latest.sequence);
      std::vector<std::string> paths, digests, sizes;
      for (auto& f : v.files) {
        paths.push_back(f.path);
        digests.push_back(f.digest);
        sizes.push_back(std::to_string(f.size));
        f.content.clear();
      }
      tx.exec_prepared("insert_files", v.sequence, text_array(paths), text_array(digests),
                       text_array(sizes));
      if (!v.dependencies.empty()) {
        std::vector<std::string> modules, versions, dep_digests;
        for (const auto& d : v.dependencies) {
          modules.push_back(d.module);
          versions.push_back(d.version);
          dep_digests.push_back(d.digest);
        }
        tx.exec_prepared("insert_dependencies", v.sequence, text_array(modules),
                         text_array(versions), text_array(dep_digests));
      }
      write_journal(tx, journal, module_created);
      tx.commit();
      return v;
    });
  }

  Status insert_job(const CompileJob& j) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = exec_job(tx, "insert_job", j);
      tx.commit();
      return r.affected_rows() == 0 ? job_exists(j.id) : Status::OK();
    });
  }

  Result<CompileJob> get_job(const std::string& id) override {
    // Job states change: always the primary's.
    return db_->on_primary(
        [&](pqxx::connection& c) -> Result<CompileJob> {
          pqxx::nontransaction tx(c);
          auto r = tx.exec_prepared("get_job", id);
          if (r.empty()) return job_not_found(id);
          return read_job(r[0]);
        },
        false);
  }

  Status update_job(const CompileJob& j) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = exec_job(tx, "update_job", j);
      tx.commit();
      return r.affected_rows() == 0 ? job_not_found(j.id) : Status::OK();
    });
  }

  Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                            const std::string& version) override {
    return db_->on_primary(
        [&](pqxx::connection& c) -> Result<std::vector<CompileJob>> {
          pqxx::nontransaction tx(c);
          std::vector<CompileJob> out;
          for (const auto& row : tx.exec_prepared("list_jobs", module, version)) {
            out.push_back(read_job(row));
          }
          return out;
        },
        false);
  }

  Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) override {
    std::vector<std::string> names;
    for (auto s : statuses) names.emplace_back(to_string(s));
    return db_->on_primary(
        [&](pqxx::connection& c) -> Result<std::vector<CompileJob>> {
          pqxx::nontransaction tx(c);
          std::vector<CompileJob> out;
          for (const auto& row : tx.exec_prepared("list_jobs_by_status", text_array(names))) {
            out.push_back(read_job(row));
          }
          return out;
        },
        false);
  }

  Result<std::optional<CompileJob>> claim_job(const std::string& owner,
                                              std::chrono::milliseconds lease) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::optional<CompileJob>> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("claim_job", owner, static_cast<std::int64_t>(lease.count()));
      tx.commit();
      if (r.empty()) return std::optional<CompileJob>();
      return std::optional<CompileJob>(read_job(r[0]));
    });
  }

  // Why an update of job `id` by `owner` changed nothing: no such job, or its lease is lost.
  static Status not_running_under(pqxx::work& tx, const std::string& id, const std::string& owner) {
    if (tx.exec_prepared("job_exists", id).empty()) return job_not_found(id);
    CompileJob asked;
    asked.id = id;
    asked.owner = owner;
    return lease_lost(asked);
  }

  Status renew_job_lease(const std::string& id, const std::string& owner,
                         std::chrono::milliseconds lease) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r =
          tx.exec_prepared("renew_job_lease", id, owner, static_cast<std::int64_t>(lease.count()));
      if (r.affected_rows() == 1) {
        tx.commit();
        return Status::OK();
      }
      return not_running_under(tx, id, owner);
    });
  }

  Status set_job_progress(const std::string& id, const std::string& owner, std::uint64_t done,
                          std::uint64_t total) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("set_job_progress", id, owner, static_cast<std::int64_t>(done),
                                static_cast<std::int64_t>(total));
      if (r.affected_rows() == 1) {
        tx.commit();
        return Status::OK();
      }
      return not_running_under(tx, id, owner);
    });
  }

  Status finish_job(const CompileJob& j, const Journal& journal) override {
    CompileJob done = j;
    if (done.status == JobStatus::kQueued) done.started_at = 0;
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = exec_finish(tx, done);
      if (r.affected_rows() == 1) {
        write_journal(tx, journal, false);
        tx.commit();
        return Status::OK();
      }
      if (tx.exec_prepared("job_exists", j.id).empty()) return job_not_found(j.id);
      return lease_lost(j);
    });
  }

  Result<std::size_t> release_jobs(const std::string& owner) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::size_t> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("release_jobs", owner);
      tx.commit();
      return static_cast<std::size_t>(r.affected_rows());
    });
  }

  Status put_artifact(const Artifact& a) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_prepared("put_artifact", a.key, a.module, a.version, a.language, a.generator,
                       a.manifest_digest, a.file_count, a.total_size, a.created_at);
      tx.commit();
      return Status::OK();
    });
  }

  Result<Artifact> get_artifact(const std::string& key) override {
    // Artifacts never change once stored.
    return db_->read([&](pqxx::connection& c) -> Result<Artifact> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_artifact", key);
      if (r.empty()) return artifact_not_found(key);
      return read_artifact(r[0]);
    });
  }

  Result<std::vector<Artifact>> list_artifacts(const std::string& after,
                                               std::size_t limit) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::vector<Artifact>> {
      pqxx::nontransaction tx(c);
      std::vector<Artifact> out;
      for (const auto& row :
           tx.exec_prepared("list_artifacts", after, static_cast<std::int64_t>(limit))) {
        out.push_back(read_artifact(row));
      }
      return out;
    });
  }

  Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) override {
    return db_->read([&](pqxx::connection& c) -> Result<std::optional<ModulePolicy>> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("get_module_policy", module);
      if (r.empty()) return module_not_found(module);
      if (r[0][0].is_null()) return std::optional<ModulePolicy>();
      ModulePolicy p;
      p.compatibility = r[0][0].as<std::string>();
      p.ignore_unstable_packages = r[0][1].as<bool>();
      p.transitive = r[0][2].as<bool>();
      p.updated_at = r[0][3].as<std::int64_t>();
      if (!r[0][4].is_null()) {
        auto lint = internal::read_stored_lint(module, r[0][4].as<std::string>());
        if (!lint.ok()) return lint.status();
        p.lint = std::move(lint).value();
      }
      return std::optional<ModulePolicy>(std::move(p));
    });
  }

  Status put_module_policy(const std::string& module, const ModulePolicy& p,
                           const Journal& journal) override {
    return write([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      std::optional<std::string> lint;
      if (p.lint) lint = internal::stored_lint_text(*p.lint);
      auto r = tx.exec_prepared("put_module_policy", module, p.compatibility,
                                p.ignore_unstable_packages, p.transitive, p.updated_at, lint);
      if (r.affected_rows() == 0) return module_not_found(module);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  // Tokens and the audit log are read and written on the primary only: a revoked token must stop
  // working at once, through every server.
  Status insert_token(const AccessToken& t, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r =
          tx.exec_prepared("insert_token", t.name, t.hash, std::string(to_string(t.role)), t.scope,
                           t.creator, t.created_at, t.expires_at, t.last_used_at, t.revoked_at);
      if (r.affected_rows() == 0) return internal::token_exists(t.name);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<AccessToken> find_token(const std::string& hash) override {
    return write_unseen([&](pqxx::connection& c) -> Result<AccessToken> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("find_token", hash);
      if (r.empty()) return Status::NotFound("no token of that hash", reason::kTokenNotFound);
      return read_token(r[0]);
    });
  }

  Result<std::vector<AccessToken>> list_tokens() override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<AccessToken>> {
      pqxx::nontransaction tx(c);
      std::vector<AccessToken> out;
      for (const auto& row : tx.exec_prepared("list_tokens")) out.push_back(read_token(row));
      return out;
    });
  }

  Status revoke_token(const std::string& name, Timestamp at, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("revoke_token", name, at);
      if (r.affected_rows() == 0) return internal::token_not_found(name);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Status touch_token(const std::string& hash, Timestamp at) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      tx.exec_prepared("touch_token", hash, at);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::int64_t> append_audit(const AuditEntry& e) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::int64_t> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("append_audit", e.time, e.actor, e.client, e.request_id, e.method,
                                e.route, e.module, e.version, e.status, e.error);
      tx.commit();
      return r[0][0].as<std::int64_t>();
    });
  }

  Result<std::vector<AuditEntry>> list_audit(const AuditQuery& q) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<AuditEntry>> {
      pqxx::nontransaction tx(c);
      std::vector<AuditEntry> out;
      for (const auto& row : tx.exec_prepared("list_audit", q.before_id, q.module, q.actor, q.since,
                                              q.until, static_cast<std::int64_t>(q.limit))) {
        out.push_back(read_audit(row));
      }
      return out;
    });
  }

  Status append_journal(const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  // ---- webhooks: read and written on the primary only (deliveries change state often) ----

  Status insert_webhook(const Webhook& w, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = exec_webhook(tx, "webhook_insert", w);
      if (r.affected_rows() == 0) return webhook_exists(w.id);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<Webhook> get_webhook(const std::string& id) override {
    return write_unseen([&](pqxx::connection& c) -> Result<Webhook> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("webhook_get", id);
      if (r.empty()) return webhook_not_found(id);
      return read_webhook(r[0], 0);
    });
  }

  Result<std::vector<Webhook>> list_webhooks() override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<Webhook>> {
      pqxx::nontransaction tx(c);
      return load_webhooks(tx);
    });
  }

  Status update_webhook(const Webhook& w, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = exec_webhook(tx, "webhook_update", w);
      if (r.affected_rows() == 0) return webhook_not_found(w.id);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Status delete_webhook(const std::string& id, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("webhook_delete", id);
      if (r.affected_rows() == 0) return webhook_not_found(id);
      tx.exec_prepared("webhook_delete_attempts", id);
      tx.exec_prepared("webhook_delete_deliveries", id);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::vector<WebhookDelivery>> list_deliveries(const DeliveryQuery& q) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<WebhookDelivery>> {
      pqxx::nontransaction tx(c);
      std::vector<WebhookDelivery> out;
      std::string status = q.status ? to_string(*q.status) : "";
      for (const auto& row :
           tx.exec_prepared("delivery_list", q.webhook_id, status, q.event_type, q.before_sequence,
                            static_cast<std::int64_t>(q.limit))) {
        out.push_back(read_delivery(row, 0));
      }
      return out;
    });
  }

  Result<WebhookDelivery> get_delivery(const std::string& id) override {
    return write_unseen([&](pqxx::connection& c) -> Result<WebhookDelivery> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("delivery_get", id);
      if (r.empty()) return delivery_not_found(id);
      return read_delivery(r[0], 0);
    });
  }

  Result<WebhookEvent> get_event(const std::string& id) override {
    return write_unseen([&](pqxx::connection& c) -> Result<WebhookEvent> {
      pqxx::nontransaction tx(c);
      auto r = tx.exec_prepared("event_get", id);
      if (r.empty()) return event_not_found(id);
      return read_event(r[0]);
    });
  }

  Result<std::vector<WebhookEvent>> list_events(std::int64_t after, std::size_t limit) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<WebhookEvent>> {
      pqxx::nontransaction tx(c);
      std::vector<WebhookEvent> out;
      for (const auto& row :
           tx.exec_prepared("event_list", after, static_cast<std::int64_t>(limit))) {
        out.push_back(read_event(row));
      }
      return out;
    });
  }

  Result<std::vector<DeliveryAttempt>> list_attempts(const std::string& delivery_id) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<DeliveryAttempt>> {
      pqxx::nontransaction tx(c);
      std::vector<DeliveryAttempt> out;
      for (const auto& row : tx.exec_prepared("attempt_list", delivery_id)) {
        DeliveryAttempt a;
        a.delivery_id = row[0].as<std::string>();
        a.number = row[1].as<std::int64_t>();
        a.time = row[2].as<std::int64_t>();
        a.duration_ms = row[3].as<std::int64_t>();
        a.url = row[4].as<std::string>();
        a.request_headers = headers_from_text(row[5].as<std::string>());
        a.response_status = row[6].as<int>();
        a.response_headers = headers_from_text(row[7].as<std::string>());
        a.response_body = pqxx::binarystring(row[8]).str();
        a.response_truncated = row[9].as<bool>();
        a.error_kind = row[10].as<std::string>();
        a.error = row[11].as<std::string>();
        out.push_back(std::move(a));
      }
      return out;
    });
  }

  Status redeliver(const std::string& id, const Journal& journal) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      auto lease = tx.exec_prepared("delivery_lock_with_lease", id);
      if (lease.empty()) return delivery_not_found(id);
      if (!lease[0][0].as<std::string>().empty() && lease[0][1].as<bool>()) {
        return delivery_in_flight(id);
      }
      WebhookDelivery d = read_delivery(tx.exec_prepared("delivery_get", id)[0], 0);
      apply_redelivery(d, now_ms());
      store_delivery_state(tx, d);
      write_journal(tx, journal, false);
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::vector<ClaimedDelivery>> claim_deliveries(const std::string& owner,
                                                        std::chrono::milliseconds lease,
                                                        std::size_t limit) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::vector<ClaimedDelivery>> {
      pqxx::work tx(c);
      std::vector<std::string> ids;
      for (const auto& row :
           tx.exec_prepared("delivery_claim", owner, static_cast<std::int64_t>(lease.count()),
                            now_ms(), static_cast<std::int64_t>(limit))) {
        ids.push_back(row[0].as<std::string>());
      }
      std::vector<ClaimedDelivery> out;
      if (!ids.empty()) {
        for (const auto& row : tx.exec_prepared("delivery_claimed", text_array(ids))) {
          out.push_back({read_delivery(row, 0), read_webhook(row, 17), row[30].as<std::string>()});
        }
      }
      tx.commit();
      return out;
    });
  }

  Status record_attempt(const AttemptRecord& r) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      const DeliveryAttempt& a = r.attempt;
      auto found = tx.exec_prepared("delivery_lock", a.delivery_id);
      if (found.empty()) return delivery_not_found(a.delivery_id);
      WebhookDelivery d = read_delivery(found[0], 0);
      if (d.status != DeliveryStatus::kPending || d.owner != r.owner) {
        return delivery_lease_lost(a.delivery_id, r.owner);
      }
      tx.exec_prepared("attempt_insert", a.delivery_id, a.number, a.time, a.duration_ms, a.url,
                       headers_to_text(a.request_headers), a.response_status,
                       headers_to_text(a.response_headers),
                       pqxx::binarystring(a.response_body.data(), a.response_body.size()),
                       a.response_truncated, a.error_kind, a.error);
      Timestamp now = now_ms();
      apply_attempt(d, r, now);
      store_delivery_state(tx, d);
      auto w = tx.exec_prepared("webhook_lock", d.webhook_id);
      if (!w.empty()) {
        Webhook webhook = read_webhook(w[0], 0);
        apply_attempt(webhook, r, now);
        exec_webhook(tx, "webhook_update", webhook);
      }
      tx.commit();
      return Status::OK();
    });
  }

  Result<std::size_t> release_deliveries(const std::string& owner) override {
    return write_unseen([&](pqxx::connection& c) -> Result<std::size_t> {
      pqxx::work tx(c);
      auto r = tx.exec_prepared("delivery_release", owner);
      tx.commit();
      return static_cast<std::size_t>(r.affected_rows());
    });
  }

  Result<PruneCounts> prune_webhook_log(Timestamp before) override {
    return write_unseen([&](pqxx::connection& c) -> Result<PruneCounts> {
      pqxx::work tx(c);
      PruneCounts counts;
      counts.attempts =
          static_cast<std::size_t>(tx.exec_prepared("prune_attempts", before).affected_rows());
      counts.deliveries =
          static_cast<std::size_t>(tx.exec_prepared("prune_deliveries", before).affected_rows());
      counts.events =
          static_cast<std::size_t>(tx.exec_prepared("prune_events", before).affected_rows());
      tx.commit();
      return counts;
    });
  }

  Status import_webhook_log(const std::vector<WebhookEvent>& events,
                            const std::vector<WebhookDelivery>& deliveries,
                            const std::vector<DeliveryAttempt>& attempts) override {
    return write_unseen([&](pqxx::connection& c) -> Status {
      pqxx::work tx(c);
      for (const auto& e : events) insert_event(tx, e);
      std::set<std::string> imported;
      for (const auto& d : deliveries) {
        if (insert_delivery(tx, d)) imported.insert(d.id);
      }
      for (const auto& a : attempts) {
        if (imported.count(a.delivery_id) == 0) continue;
        tx.exec_prepared("attempt_insert", a.delivery_id, a.number, a.time, a.duration_ms, a.url,
                         headers_to_text(a.request_headers), a.response_status,
                         headers_to_text(a.response_headers),
                         pqxx::binarystring(a.response_body.data(), a.response_body.size()),
                         a.response_truncated, a.error_kind, a.error);
      }
      tx.commit();
      return Status::OK();
    });
  }

 private:
  // Writes `journal` in `tx` (see Journal); `module_created` tells whether the change created a
  // module.
  static void write_journal(pqxx::work& tx, const Journal& journal, bool module_created) {
    if (!journal.events.empty()) {
      std::vector<Webhook> subscriptions = load_webhooks(tx);
      Timestamp now = now_ms();
      for (const auto& je : journal.events) {
        if (je.if_module_created && !module_created) continue;
        auto deliveries = fan_out(je, subscriptions, now);
        if (deliveries.empty()) continue;
        insert_event(tx, je.event);
        for (const auto& d : deliveries) insert_delivery(tx, d);
      }
    }
    if (journal.audit) {
      const AuditEntry& e = *journal.audit;
      tx.exec_prepared("append_audit", e.time, e.actor, e.client, e.request_id, e.method, e.route,
                       e.module, e.version, e.status, e.error);
    }
  }

  static std::vector<Webhook> load_webhooks(pqxx::transaction_base& tx) {
    std::vector<Webhook> out;
    for (const auto& row : tx.exec_prepared("webhook_list")) out.push_back(read_webhook(row, 0));
    return out;
  }

  static pqxx::result exec_webhook(pqxx::transaction_base& tx, const char* statement,
                                   const Webhook& w) {
    return tx.exec_prepared(statement, w.id, w.url, strings_to_text(w.events), w.module, w.secret,
                            w.active, header_map_to_text(w.headers), w.description, w.creator,
                            w.created_at, w.updated_at, w.failing_since, w.status_reason);
  }

  static void insert_event(pqxx::transaction_base& tx, const WebhookEvent& e) {
    tx.exec_prepared("event_insert", e.id, e.type, e.module, e.time, e.payload);
  }

  static bool insert_delivery(pqxx::transaction_base& tx, const WebhookDelivery& d) {
    auto r = tx.exec_prepared("delivery_insert", d.id, d.webhook_id, d.event_id, d.event_type,
                              d.module, std::string(to_string(d.status)), d.attempts, d.round_start,
                              d.manual, d.created_at, d.next_attempt_at, d.finished_at,
                              d.last_status, d.last_error, d.owner, d.lease_expires_at);
    return r.affected_rows() == 1;
  }

  static void store_delivery_state(pqxx::transaction_base& tx, const WebhookDelivery& d) {
    tx.exec_prepared("delivery_store_state", d.id, std::string(to_string(d.status)), d.attempts,
                     d.round_start, d.manual, d.next_attempt_at, d.finished_at, d.last_status,
                     d.last_error, d.owner, d.lease_expires_at);
  }

  std::shared_ptr<Database> db_;
};

}  // namespace

std::unique_ptr<MetadataStore> make_metadata_store(std::shared_ptr<Database> db) {
  return std::make_unique<PostgresMetadataStore>(std::move(db));
}

}  // namespace internal::pg

StorageBackend internal::postgres_backend() {
  StorageBackend b;
  b.name = "postgres";
  b.aliases = {"postgresql"};
  b.description = "PostgreSQL: metadata and blobs in one database shared by several servers";
  b.open = [](const StorageOptions& options) -> Result<Storage> {
    if (options.url.empty()) {
      return Status::InvalidArgument(
          "postgres storage needs a URL (postgresql://user@host:5432/db; --postgres-url or "
          "SPOKE_POSTGRES_URL)",
          reason::kInvalidStorageUrl);
    }
    auto db = pg::Database::open(options);
    if (!db.ok()) return db.status();
    Storage storage;
    storage.metadata = pg::make_metadata_store(db.value());
    storage.blobs = pg::make_blob_store(db.value());
    return storage;
  };
  return b;
}

}  // namespace spoke
