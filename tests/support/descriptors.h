#pragma once

// What protoc writes for a set of files, as a reference for descriptor sets the registry serves.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "spoke/schema.h"

namespace spoke::testing {

// `protoc --include_imports --descriptor_set_out` (with --include_source_info when
// `with_source_info`) of `files`: each file linked by a pool that was given its SourceCodeInfo,
// which the pool rewrites as it interprets options. Empty when the files do not link.
inline std::string protoc_descriptor_set(const std::vector<FileInput>& files,
                                         bool with_source_info) {
  SchemaOptions options;
  options.for_code_generation = true;
  SchemaResult r = build_schema(files, {}, options);
  if (!r.valid()) return {};
  google::protobuf::FileDescriptorSet set;
  std::set<std::string> done;
  std::function<void(const google::protobuf::FileDescriptor*)> add =
      [&](const google::protobuf::FileDescriptor* fd) {
        if (!done.insert(fd->name()).second) return;
        for (int i = 0; i < fd->dependency_count(); ++i) add(fd->dependency(i));
        auto* proto = set.add_file();
        fd->CopyTo(proto);
        fd->CopyJsonNameTo(proto);
        if (with_source_info) fd->CopySourceCodeInfoTo(proto);
      };
  for (const auto& path : r.schema->target_files()) add(r.schema->file(path));
  return set.SerializeAsString();
}

}  // namespace spoke::testing
