#pragma once

// The state behind spoke::Registry, shared by its sources (registry.cpp: reads and policies;
// push.cpp: push and validate). Private to libspoke.

#include <mutex>
#include <string>
#include <vector>

#include "registry/file_cache.h"
#include "registry/schema_cache.h"
#include "resolve/closure.h"
#include "spoke/registry.h"
#include "spoke/schema.h"
#include "spoke/storage.h"

namespace spoke {

struct Registry::Impl {
  Storage storage;
  internal::ImmutableCache file_cache{64u << 20};
  internal::SchemaCache schemas{4};
  // Reports of POST /validate, by what was validated (files and pinned closure).
  internal::ValidateCache validations{256};

  std::mutex policy_mu;
  std::string default_compatibility = "FILE";

  std::mutex listeners_mu;
  std::vector<EventListener> listeners;

  internal::VersionLookup lookup() { return internal::store_lookup(*storage.metadata); }

  // Tells every subscriber about `event`.
  void publish(const RegistryEvent& event);

  // Links `files` against the closure of `pinned`: closure rules first (cycles, two versions of
  // one module, one path with two contents), then parsing and linking.
  Result<SchemaResult> check_schema(const std::string& root, const std::string& module,
                                    const std::vector<File>& files,
                                    const std::vector<Dependency>& pinned,
                                    const SchemaOptions& options = {});

  // The module's stored policy, else the default; a module that does not exist yet has the
  // default.
  Result<EffectivePolicy> effective_policy(const std::string& module);

  // A stored version linked for a comparison (see internal::breaking_schema_options).
  Result<std::shared_ptr<const Schema>> comparison_schema(Registry& self, const std::string& module,
                                                          const std::string& version);

  // The dependencies a push or a validation declares, or (none declared and `infer`) infers
  // from the imports of `files`, pinned.
  Result<std::vector<Dependency>> pin_request_dependencies(const std::string& module,
                                                           const std::vector<std::string>& declared,
                                                           bool infer,
                                                           const std::vector<FileInput>& files);

  // "v1.2.3" and "1.2.3" are one semantic version: a module holds only one spelling of it.
  Status check_no_other_spelling(const std::string& module, const VersionId& id);
};

}  // namespace spoke
