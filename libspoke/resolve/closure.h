#pragma once

// Dependency closures: everything a version's files may import, checked for cycles, for one
// module at two versions, and for one path with two contents. The rules exist once, here, for
// the registry (over its stores) and for local work (over a DependencySource).

#include <functional>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/storage.h"

namespace spoke::internal {

// A version by module and version ("latest" allowed) and, for a pin, its digest: its metadata and
// pins, with or without file contents as the caller needs. NotFound when there is no such version.
using VersionLookup = std::function<Result<Version>(const Dependency& wanted)>;

struct ClosureEntry {
  Dependency pin;
  Version version;  // as the lookup answered it
  std::string via;  // the chain that reached it, "a@v1 -> b@v2"
};

// Pins each of `specs` ("module@version", "latest" allowed) to the exact version and digest the
// lookup answers. InvalidArgument("invalid_dependency") for a malformed spec,
// ("duplicate_dependency") for a module listed twice; Unprocessable("dependency_cycle") for
// `module` itself, ("dependency_not_found") naming the spec for one that does not resolve.
Result<std::vector<Dependency>> pin_dependencies(const VersionLookup& lookup,
                                                 const std::string& module,
                                                 const std::vector<std::string>& specs);

// The versions reachable from `direct` through their pins, breadth first, each once.
// Unprocessable("dependency_cycle") when `root_module` is reached again (showing the chain);
// ("dependency_conflict") when one module appears at two versions; ("dependency_not_found").
Result<std::vector<ClosureEntry>> compute_closure(const VersionLookup& lookup,
                                                  const std::string& root,
                                                  const std::string& root_module,
                                                  const std::vector<Dependency>& direct);

// Unprocessable("path_conflict") when two versions of the closure (or the root's own files)
// provide one path with different content, naming both. File digests must be filled in.
Status check_path_conflicts(const std::string& root, const std::vector<File>& root_files,
                            const std::vector<ClosureEntry>& closure);

// The files of every closure entry, each path once, with contents read from `blobs`.
Result<std::vector<FileInput>> load_closure_files(BlobStore& blobs,
                                                  const std::vector<ClosureEntry>& closure);

// The same, from the contents the lookup filled in.
std::vector<FileInput> closure_files(const std::vector<ClosureEntry>& closure);

// A lookup over a metadata store (no contents), resolving "latest" as the registry does.
VersionLookup store_lookup(MetadataStore& store);

}  // namespace spoke::internal
