#pragma once

// The errors every metadata backend reports alike.

#include <fmt/format.h>

#include <string>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke::internal {

inline Status module_not_found(const std::string& name) {
  return Status::NotFound(fmt::format("module \"{}\" not found", name), "module_not_found");
}

inline Status version_not_found(const std::string& module, const std::string& version) {
  return Status::NotFound(fmt::format("version {}@{} not found", module, version),
                          "version_not_found");
}

inline Status version_exists(const std::string& module, const std::string& version) {
  return Status::Conflict(fmt::format("version {}@{} already exists", module, version),
                          "version_exists");
}

inline Status file_not_found(const std::string& module, const std::string& version,
                             const std::string& path) {
  return Status::NotFound(fmt::format("file \"{}\" not found in {}@{}", path, module, version),
                          "file_not_found");
}

inline Status job_not_found(const std::string& id) {
  return Status::NotFound(fmt::format("job {} not found", id), "job_not_found");
}

inline Status job_exists(const std::string& id) {
  return Status::Conflict(fmt::format("job {} already exists", id), "job_exists");
}

inline Status lease_lost(const CompileJob& job) {
  return Status::Conflict(fmt::format("job {} no longer runs under {}: its lease expired or it "
                                      "was released",
                                      job.id, job.owner),
                          "lease_lost");
}

inline Status artifact_not_found(const std::string& key) {
  return Status::NotFound(fmt::format("artifact {} not found", key), "artifact_not_found");
}

inline Status blob_not_found(const std::string& digest) {
  return Status::NotFound(fmt::format("blob {} not found", digest), "blob_not_found");
}

}  // namespace spoke::internal
