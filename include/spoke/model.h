#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/lint_config.h"
#include "spoke/status.h"

namespace spoke {

// Milliseconds since the Unix epoch, UTC.
using Timestamp = std::int64_t;

Timestamp now_ms();
// "2026-11-23T16:10:02.123Z"
std::string format_timestamp(Timestamp t);

struct Module {
  std::string name;
  std::string description;
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
};

// A file given by path and content, as a caller hands it in (push, validate, build, compile).
struct FileInput {
  std::string path;
  std::string content;
};

struct File {
  std::string path;
  std::string content;  // empty when only metadata was asked for
  std::string digest;   // "sha256:<hex>" of content
  std::uint64_t size = 0;
};

// A dependency pinned to an exact version; `digest` is that version's digest.
struct Dependency {
  std::string module;
  std::string version;
  std::string digest;
  std::string spec() const { return module + "@" + version; }
};

struct SourceInfo {
  std::string repository;
  std::string commit_sha;
  std::string branch;
};

struct Version {
  std::string module;
  std::string version;
  std::string description;
  std::vector<File> files;  // sorted by path
  std::vector<Dependency> dependencies;
  SourceInfo source_info;
  std::string digest;  // "sha256:<hex>", see compute_version_digest
  Timestamp created_at = 0;
  std::int64_t sequence = 0;  // push order within the store, ascending
  // Breaking changes a forced push published despite the module's policy (0: none).
  std::int64_t forced_breaking = 0;
  // The blob holding the version linked with its closure: a serialized FileDescriptorSet with
  // source info (see spoke/schema.h, stored_descriptor_set). Empty until one is stored.
  std::string descriptor_digest;
};

// ---- compile jobs and artifacts ---------------------------------------------------------------

enum class JobStatus { kQueued, kRunning, kSucceeded, kFailed };

// "queued", "running", "succeeded", "failed".
const char* to_string(JobStatus status);
// The status `text` names; nullopt for anything else.
std::optional<JobStatus> parse_job_status(std::string_view text);

// A request to generate code for one version, and what became of it.
struct CompileJob {
  std::string id;  // "job_<16 hex>"
  std::string module;
  std::string version;  // exact, never "latest"
  std::string language;
  bool grpc = false;
  std::vector<std::string> options;
  JobStatus status = JobStatus::kQueued;
  std::string error;         // when failed
  std::string generator;     // what ran ("builtin:cpp@libprotoc-3.21.12", ...), once known
  std::string artifact_key;  // the artifact it produced or found, when succeeded
  std::uint64_t file_count = 0;
  // While running: .proto files generated of the total (both 0 until the generator reports).
  std::uint64_t progress_done = 0;
  std::uint64_t progress_total = 0;
  Timestamp created_at = 0;
  Timestamp started_at = 0;   // 0 until running
  Timestamp finished_at = 0;  // 0 until done
  std::int64_t attempts = 0;  // times a worker took it (a restart can make it more than one)
  // While running: the worker holding it ("<host>:<pid>:<random>") and until when (ms since the
  // epoch, by the store's clock); another worker takes over a job whose lease has expired.
  std::string owner;
  Timestamp lease_expires_at = 0;
};

// Generated code for one (version digest, generator, options): a manifest blob listing each
// file's name and content digest; the files are blobs of their own.
struct Artifact {
  std::string key;  // "sha256:<hex>" over version digest, generator and options
  std::string module;
  std::string version;
  std::string language;
  std::string generator;
  std::string manifest_digest;  // blob: JSON [{"name", "digest", "size"}]
  std::uint64_t file_count = 0;
  std::uint64_t total_size = 0;
  Timestamp created_at = 0;
};

// A module's policy: the compatibility its pushes keep (empty `compatibility`: the server's
// default) and the lint rules they pass.
struct ModulePolicy {
  std::string compatibility;  // a buf category, a Confluent level, or "NONE"
  bool ignore_unstable_packages = false;
  bool transitive = false;  // check against every earlier version, not only the previous one
  Timestamp updated_at = 0;
  // The lint policy: pushes whose files have findings under it are refused unless forced.
  // nullopt: pushes are not linted. Module policies use buf.yaml v2's rule set.
  std::optional<LintConfig> lint;
};

// ---- access tokens and the audit log --------------------------------------------------------

// What a token may do: read; write (push, compile, and every read); admin (tokens, module
// configuration, the audit log, and everything else).
enum class Role { kReader, kWriter, kAdmin };

// "reader", "writer", "admin".
const char* to_string(Role role);
// The role `text` names; nullopt for anything else.
std::optional<Role> parse_role(std::string_view text);

// A stored access token. The secret is never stored: only its hash.
struct AccessToken {
  std::string name;  // unique among live tokens
  std::string hash;  // "sha256:<hex>" of the whole secret ("spoke_...")
  Role role = Role::kReader;
  std::string scope;    // "": every module; a module name; or a glob of module names ("acme-*")
  std::string creator;  // the token that created it, "anonymous" or "spoke-server"
  Timestamp created_at = 0;
  Timestamp expires_at = 0;    // 0: never
  Timestamp last_used_at = 0;  // 0: not used yet
  Timestamp revoked_at = 0;    // 0: not revoked
};

// One mutation or denial, as the audit log keeps it.
struct AuditEntry {
  std::int64_t id = 0;  // assigned by the store, ascending in the order entries were appended
  Timestamp time = 0;
  std::string actor;       // the token's name, or "anonymous"
  std::string client;      // the client's address
  std::string request_id;  // X-Request-Id
  std::string method;      // "POST"
  std::string route;       // the route template: "/modules/{module}/versions"
  std::string module;      // the route's {module}, when it has one
  std::string version;     // the route's {version}, when it has one
  int status = 0;          // the HTTP status answered
  std::string error;       // the error code answered; empty on success
};

// The audit entry of a change a facade is asked to make (Registry::push, AccessControl::
// create_token, ...): stored in the change's own transaction when the call changes something,
// with `entry.status` as given and the time of the change; `written` tells the caller it was.
// A call that fails or changes nothing leaves it to the caller.
struct AuditRecord {
  AuditEntry entry;
  bool written = false;
};

// Which audit entries to list: every non-empty field must match.
struct AuditQuery {
  std::string module;
  std::string actor;
  Timestamp since = 0;         // time >= since (0: no bound)
  Timestamp until = 0;         // time < until (0: no bound)
  std::int64_t before_id = 0;  // id < before_id (0: from the newest), for the next page
  std::size_t limit = 100;
};

// ---- names and paths --------------------------------------------------------------------------

// OK when `name` is a valid module name: lowercase letters, digits, '-', '_', '.', starting with a
// letter, 1..128 characters. Otherwise InvalidArgument("invalid_module_name") stating the rule.
Status validate_module_name(std::string_view name);

// OK when `path` is a relative '/'-separated path ending in ".proto" with no "..", ".", empty
// segment, backslash or leading '/'. Otherwise InvalidArgument("invalid_path") stating the rule.
Status validate_file_path(std::string_view path);

bool is_valid_utf8(std::string_view text);

// Checks a version's files as a set: each path valid, no duplicates, UTF-8 content, at least one
// file. Every problem becomes one diagnostic of the returned status.
Status validate_files(const std::vector<File>& files);

// ---- version identifiers ----------------------------------------------------------------------

struct SemVer {
  std::uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> prerelease;  // dot-separated identifiers
  std::string build;
  bool is_prerelease() const { return !prerelease.empty(); }
};

// A version string: semver with an optional leading 'v', or a commit id (7-40 hex digits).
struct VersionId {
  enum class Kind { kSemVer, kCommit };
  Kind kind = Kind::kSemVer;
  SemVer semver;    // when kSemVer
  std::string raw;  // the string as given
};

// Parses a version string; InvalidArgument("invalid_version") with the accepted forms otherwise.
Result<VersionId> parse_version(std::string_view text);

// Semver precedence (build metadata ignored): <0, 0, >0.
int compare_semver(const SemVer& a, const SemVer& b);

// A version known to a store, enough to order and pick `latest`.
struct VersionRef {
  std::string version;
  std::string digest;
  Timestamp created_at = 0;
  std::int64_t sequence = 0;
};

// A key whose byte order (ascending) is version order (oldest first): semver precedence (build
// metadata ignored) above every commit id, whose keys are equal ("0"); ties are broken by push
// order. Printable ASCII, so stores can index and compare it as text.
std::string version_order_key(const VersionId& id);

// Orders `refs` newest first: semver releases and pre-releases by precedence (ties by push
// order), then commit ids by push order. Unparseable strings sort last by push order.
void sort_newest_first(std::vector<VersionRef>& refs);

// The version `latest` names among `refs`: the highest semver release; else the highest
// pre-release; else the most recently pushed commit id. nullopt when `refs` is empty.
std::optional<VersionRef> pick_latest(const std::vector<VersionRef>& refs);

// ---- digests ----------------------------------------------------------------------------------

// "sha256:<hex>" of bytes.
std::string content_digest(std::string_view bytes);

// The version digest: sha256 over the manifest (one "sha256:<hex>  <path>\n" line per file,
// sorted by path) followed by the sorted digests of the direct dependencies, one per line.
// File digests must be filled in.
std::string compute_version_digest(const std::vector<File>& files,
                                   const std::vector<Dependency>& dependencies);

// Parses "module@version" (version may be "latest"). InvalidArgument("invalid_dependency").
Result<std::pair<std::string, std::string>> parse_dependency_spec(std::string_view spec);

}  // namespace spoke
