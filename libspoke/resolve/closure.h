#pragma once

// Dependency closures: everything a version's files may import, checked for cycles, for one
// module at two versions, and for one path with two contents.

#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/storage.h"

namespace spoke::internal {

struct ClosureEntry {
  Dependency pin;
  Version version;  // files without contents
  std::string via;  // the chain that reached it, "a@v1 -> b@v2"
};

// The versions reachable from `direct` through stored pins, breadth first, each once.
// Unprocessable("dependency_cycle") when `root_module` is reached again (showing the chain);
// Unprocessable("dependency_conflict") when one module appears at two versions.
Result<std::vector<ClosureEntry>> compute_closure(MetadataStore& store, const std::string& root,
                                                  const std::string& root_module,
                                                  const std::vector<Dependency>& direct);

// Unprocessable("path_conflict") when two versions of the closure (or the root's own files)
// provide one path with different content, naming both.
Status check_path_conflicts(const std::string& root, const std::vector<File>& root_files,
                            const std::vector<ClosureEntry>& closure);

// The files of every closure entry with their contents, for linking.
Result<std::vector<FileInput>> load_closure_files(BlobStore& blobs,
                                                  const std::vector<ClosureEntry>& closure);

}  // namespace spoke::internal
