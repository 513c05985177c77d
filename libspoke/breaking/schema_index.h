#pragma once

// The elements of one side of a comparison, by the names buf pairs them by, with their locations
// and comments. Not installed.

#include <google/protobuf/descriptor.h>

#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "proto/source_path.h"
#include "spoke/schema.h"

namespace spoke::breaking_internal {

namespace pb = google::protobuf;

// The target files of a schema and what they declare. Built once per schema and shared by the
// rules and the change lister; not thread-safe (locations are indexed on first use).
struct SchemaIndex {
  explicit SchemaIndex(const Schema& schema);

  // The location of the declaration of `d` (proto_internal::declared_path_of), or nullopt.
  template <typename D>
  std::optional<proto_internal::FoundLocation> location(const D* d) const {
    return locations.find(d->file(), proto_internal::declared_path_of(d));
  }

  const Schema& schema;
  std::map<std::string, const pb::FileDescriptor*> files;  // target files by path
  // Elements of the target files by full name; messages include nested ones and map entries.
  std::unordered_map<std::string, const pb::Descriptor*> messages;
  std::unordered_map<std::string, const pb::EnumDescriptor*> enums;
  std::unordered_map<std::string, const pb::ServiceDescriptor*> services;
  // extendee full name -> number -> extension
  std::map<std::string, std::map<int, const pb::FieldDescriptor*>> extensions;
  // package -> its target files
  std::map<std::string, std::vector<const pb::FileDescriptor*>> packages;
  proto_internal::SchemaLocations locations;
};

// Calls on(before, after) for each element of `before` that `after` has under the same key.
template <typename Map, typename Fn>
void for_each_pair(const Map& before, const Map& after, Fn&& on) {
  for (const auto& [key, b] : before) {
    auto it = after.find(key);
    if (it != after.end()) on(b, it->second);
  }
}

// Nested name -> element, for the declarations of one file (or of all files of one package).
template <typename T>
using NameMap = std::map<std::string, const T*>;

// What one file, or the files of one package, declare, by nested name: messages (nested ones and
// map entries included), enums, extensions and services.
struct Declarations {
  // Adds the declarations of `file`.
  void add(const pb::FileDescriptor* file);

  NameMap<pb::Descriptor> messages;
  NameMap<pb::EnumDescriptor> enums;
  NameMap<pb::FieldDescriptor> extensions;
  NameMap<pb::ServiceDescriptor> services;
};

// `full_name` without the package: the name buf calls "nested name" ("Outer.Inner").
std::string nested_name(const std::string& full_name, const std::string& package);

}  // namespace spoke::breaking_internal
