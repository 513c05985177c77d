#pragma once

// The errors every metadata backend reports alike.

#include <fmt/format.h>

#include <string>

#include "spoke/lint.h"
#include "spoke/model.h"
#include "spoke/reason.h"
#include "spoke/status.h"

namespace spoke::internal {

inline Status module_not_found(const std::string& name) {
  return Status::NotFound(fmt::format("module \"{}\" not found", name), reason::kModuleNotFound);
}

inline Status version_not_found(const std::string& module, const std::string& version) {
  return Status::NotFound(fmt::format("version {}@{} not found", module, version),
                          reason::kVersionNotFound);
}

inline Status version_exists(const std::string& module, const std::string& version) {
  return Status::Conflict(fmt::format("version {}@{} already exists", module, version),
                          reason::kVersionExists);
}

// Conflict(reason::kVersionExists) when one of `existing` (versions of `module`) names the same
// semantic version as `version` under another spelling ("v1.0.0" and "1.0.0"; build metadata
// counts); field existing_version names it. OK otherwise, and for commit ids.
template <typename Versions>
Status check_other_spelling(const std::string& module, const std::string& version,
                            const Versions& existing) {
  auto id = parse_version(version);
  if (!id.ok() || id->kind != VersionId::Kind::kSemVer) return Status::OK();
  for (const std::string& other_text : existing) {
    if (other_text == version) continue;
    auto other = parse_version(other_text);
    if (other.ok() && other->kind == VersionId::Kind::kSemVer &&
        compare_semver(other->semver, id->semver) == 0 && other->semver.build == id->semver.build) {
      return Status::Conflict(fmt::format("version {}@{} already exists as {}; \"{}\" and \"{}\" "
                                          "name the same semantic version",
                                          module, version, other_text, version, other_text),
                              reason::kVersionExists)
          .with_field("existing_version", other_text);
    }
  }
  return Status::OK();
}

// The other spelling of a semantic version ("v1.2.3" for "1.2.3" and back); empty for a commit id.
inline std::string other_spelling(const VersionId& id) {
  if (id.kind != VersionId::Kind::kSemVer) return "";
  return id.raw.starts_with('v') ? id.raw.substr(1) : "v" + id.raw;
}

// A module's latest version once `added` (just inserted, so pushed after every other) is stored,
// given its latest so far (`current`, empty version: none).
inline VersionRef next_latest(const VersionRef& current, const Version& added) {
  VersionRef next{added.version, added.digest, added.created_at, added.sequence};
  if (current.version.empty()) return next;
  return *pick_latest({current, next});
}

inline Status file_not_found(const std::string& module, const std::string& version,
                             const std::string& path) {
  return Status::NotFound(fmt::format("file \"{}\" not found in {}@{}", path, module, version),
                          reason::kFileNotFound);
}

inline Status job_not_found(const std::string& id) {
  return Status::NotFound(fmt::format("job {} not found", id), reason::kJobNotFound);
}

inline Status job_exists(const std::string& id) {
  return Status::Conflict(fmt::format("job {} already exists", id), reason::kJobExists);
}

inline Status lease_lost(const CompileJob& job) {
  return Status::Conflict(fmt::format("job {} no longer runs under {}: its lease expired or it "
                                      "was released",
                                      job.id, job.owner),
                          reason::kLeaseLost);
}

inline Status artifact_not_found(const std::string& key) {
  return Status::NotFound(fmt::format("artifact {} not found", key), reason::kArtifactNotFound);
}

inline Status blob_not_found(const std::string& digest) {
  return Status::NotFound(fmt::format("blob {} not found", digest), reason::kBlobNotFound);
}

inline Status token_exists(const std::string& name) {
  return Status::Conflict(
      fmt::format("a token named \"{}\" exists; revoke it first or pick another name", name),
      reason::kTokenExists);
}

inline Status token_not_found(const std::string& name) {
  return Status::NotFound(fmt::format("no live token named \"{}\"", name), reason::kTokenNotFound);
}

// A token of `name` stands in the way of a new one created at `now` unless revoked or expired.
inline bool token_is_live(const AccessToken& t, Timestamp now) {
  return t.revoked_at == 0 && (t.expires_at == 0 || t.expires_at > now);
}

// A module's lint policy as the stores keep it: its lint section as JSON text.
inline std::string stored_lint_text(const LintConfig& config) {
  return lint_section_json(config).dump();
}
// Reads it back; Internal("storage_error") when it does not parse.
inline Result<LintConfig> read_stored_lint(const std::string& module, const std::string& text) {
  auto parsed = parse_lint_section(text);
  if (!parsed.ok()) {
    return Status::Internal(
        fmt::format("the stored lint policy of module \"{}\" does not parse: {}", module,
                    parsed.status().message()),
        reason::kStorageError);
  }
  return parsed;
}

}  // namespace spoke::internal
