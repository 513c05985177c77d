#pragma once

// Validating a directory of .proto files on disk, with a cache of results keyed by content.

#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/schema.h"
#include "spoke/status.h"

namespace spoke {

struct DirectoryValidationOptions {
  std::string dir;                            // import root holding the files to validate
  std::vector<std::string> excludes;          // paths under `dir` left out (see list_proto_tree)
  std::vector<std::string> include_dirs;      // extra import roots (their files are dependencies)
  std::vector<FileInput> extra_dependencies;  // e.g. fetched from a registry
  // Where results are cached; empty disables the cache. Results are keyed by the sha256 of
  // every file's path and content digest (targets and dependencies). Content digests are
  // remembered per file by (size, mtime, inode), as git's index does, so an unchanged tree is
  // answered without reading it. After an edit, what each file's last validation found is reused
  // for every file whose closure (its content and all it imports, transitively) is unchanged:
  // only the changed files and what imports them are parsed and linked again.
  std::string cache_dir;
};

struct DirectoryValidation {
  bool valid = false;
  std::vector<Diagnostic> diagnostics;
  bool cache_hit = false;
  std::size_t file_count = 0;
  // Target files parsed and linked again: all of them without the cache, none on a cache hit,
  // the changed ones and their importers after an edit.
  std::size_t files_rechecked = 0;
  // What linked; null when answered from the cache, fully or in part. Large for big trees: a
  // caller about to exit can leave it.
  std::shared_ptr<const Schema> schema;
};

// NotFound when `dir` is missing; InvalidArgument when it holds no .proto file.
Result<DirectoryValidation> validate_directory(const DirectoryValidationOptions& options);

// $SPOKE_CACHE_DIR, else $XDG_CACHE_HOME/spoke, else $HOME/.cache/spoke; empty if none is set.
std::string default_cache_dir();

}  // namespace spoke
