#pragma once

// The state behind spoke::Registry, shared by its sources (registry.cpp: reads and policies;
// push.cpp: push and validate). Private to libspoke.

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "registry/schema_cache.h"
#include "registry/single_flight.h"
#include "resolve/closure.h"
#include "spoke/registry.h"
#include "spoke/schema.h"
#include "spoke/storage.h"
#include "util/immutable_cache.h"

namespace spoke {

// Linked schemas of stored versions kept in memory, by default.
inline constexpr std::size_t kDefaultSchemaCacheBytes = std::size_t{1} << 30;

struct Registry::Impl {
  Storage storage;
  internal::ImmutableCache file_cache{64u << 20};
  internal::SchemaCache schemas{kDefaultSchemaCacheBytes};
  internal::SingleFlight<Result<std::shared_ptr<const Schema>>> schema_loads;
  internal::SingleFlight<Result<std::shared_ptr<const std::string>>> descriptor_builds;
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
  // one module, one path with two contents), then parsing and linking. The closure's files go to
  // `closure_files` when given.
  Result<SchemaResult> check_schema(const std::string& root, const std::string& module,
                                    const std::vector<File>& files,
                                    const std::vector<Dependency>& pinned,
                                    const SchemaOptions& options = {},
                                    std::vector<FileInput>* closure_files = nullptr);

  // The stored descriptor of `v` (as the store holds it, files without contents). A version
  // without one (pushed before descriptors were stored), or whose blob is missing, gets one built
  // from its sources and stored for next time.
  Result<std::shared_ptr<const std::string>> descriptor_of(const Version& v);
  // Builds `v`'s descriptor from its sources and stores it: the blob, then the version's record of
  // it. A store that fails is an error only with `must_store`.
  Result<std::shared_ptr<const std::string>> build_descriptor(const Version& v, bool must_store);
  // `v` linked from its stored descriptor in the form `options` asks for (for_code_generation,
  // interpreted_source_info), cached.
  Result<std::shared_ptr<const Schema>> stored_schema(const Version& v,
                                                      const SchemaOptions& options);
  // The cache key of `v` linked in the form of `options`.
  static std::string schema_key(const Version& v, const SchemaOptions& options);

  // The module's stored policy, else the default; a module that does not exist yet has the
  // default.
  Result<EffectivePolicy> effective_policy(const std::string& module);

  // A stored version linked for a comparison (see breaking_schema_options).
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

  // A page of the module's versions (Registry::list_versions without the name check).
  Result<VersionPage> version_page(const std::string& module, std::size_t limit,
                                   const std::string& page_token);
};

}  // namespace spoke
