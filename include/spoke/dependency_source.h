#pragma once

// Where local work gets the modules it depends on: a registry in-process (spoke::Registry), a
// registry over HTTP (spoke::RemoteRegistry, libspoke-rest), or a cache on disk in front of
// either. The closure of a set of dependencies is computed here, by the same rules a push obeys.

#include <memory>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

class DependencySource {
 public:
  virtual ~DependencySource() = default;
  // The version `version` ("latest" allowed) names, with its files' contents and its pinned
  // dependencies. NotFound("module_not_found" / "version_not_found") when there is none.
  virtual Result<Version> fetch_version(const std::string& module, const std::string& version) = 0;
  // The same without file contents (paths and digests only). By default fetch_version; sources
  // that can answer more cheaply override it.
  virtual Result<Version> fetch_metadata(const std::string& module, const std::string& version) {
    return fetch_version(module, version);
  }
  // The version a pin names, with contents; the pin's digest (when set) lets a cache answer
  // without asking. By default fetch_version.
  virtual Result<Version> fetch_pinned(const Dependency& pin) {
    return fetch_version(pin.module, pin.version);
  }
  // Where the versions come from, for messages ("registry http://localhost:8080").
  virtual std::string describe() const = 0;
};

// A source that keeps the versions it fetched under `dir` and answers from there afterwards:
// a pinned version whose digest matches what is kept costs no request; any other version costs
// a request for its metadata only when its digest matches what is kept (a registry may hold
// other content under the same name). Kept versions are checked against their digests when read;
// a damaged one is fetched again.
std::unique_ptr<DependencySource> make_cached_source(DependencySource& upstream, std::string dir);

// The versions a set of dependencies needs and their files.
struct DependencyClosure {
  // Breadth first from the direct dependencies, each once; files without contents.
  std::vector<Version> versions;
  std::vector<FileInput> files;  // their files, each path once
};

// The closure of `specs` ("module@version", "latest" allowed) through the pinned dependencies of
// each version `source` answers, under the rules a push obeys: Unprocessable
// "dependency_cycle" when `root_module` is reached again, "dependency_conflict" when one module
// is needed at two versions, "path_conflict" when two versions provide one path with different
// contents, "dependency_not_found" for a version the source does not have. InvalidArgument
// ("invalid_dependency") for a malformed spec.
Result<DependencyClosure> resolve_dependencies(DependencySource& source,
                                               const std::vector<std::string>& specs,
                                               const std::string& root_module = "");

}  // namespace spoke
