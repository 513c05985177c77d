#pragma once

#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

// Where a .proto file of a tree is: its path relative to the tree's root ('/'-separated) and on
// disk (absolute).
struct ProtoTreeEntry {
  std::string path;
  std::string disk_path;
};

// Every .proto file under `dir` (recursively, following directory symlinks, skipping hidden
// directories such as .git), sorted by path, without reading them, leaving out the paths of
// `excludes` (relative to `dir`; a directory excludes everything under it). NotFound
// ("dir_not_found") when `dir` is not a directory.
Result<std::vector<ProtoTreeEntry>> list_proto_tree(const std::string& dir,
                                                    const std::vector<std::string>& excludes = {});

// The files list_proto_tree finds, with their contents.
Result<std::vector<FileInput>> read_proto_tree(const std::string& dir,
                                               const std::vector<std::string>& excludes = {});

// Writes each file to `dir`/<path>, creating directories. Every path is checked first with
// validate_file_path and must stay inside `dir` (no symlink escapes): one bad path and nothing is
// written. Each file is written to a temporary name and renamed into place.
Status write_files_under(const std::string& dir, const std::vector<File>& files);

// The git checkout `dir` is in, if any: origin URL, HEAD commit and branch (empty fields when
// unknown; all empty outside a checkout or without git).
SourceInfo detect_git_source_info(const std::string& dir);

}  // namespace spoke
