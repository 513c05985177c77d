#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "spoke/dependency_source.h"
#include "spoke/model.h"
#include "spoke/registry_types.h"
#include "spoke/schema.h"
#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke {

namespace internal {
class RegistryAccess;
}  // namespace internal

struct BreakingResult;  // spoke/breaking.h
struct LintResult;      // spoke/lint.h

// Something that happened in a registry. Pointers are valid during the listener's call only.
enum class EventKind {
  kModuleCreated,    // by create_module or by the first push of a module
  kVersionPushed,    // a push stored a new version
  kVersionRejected,  // a push was refused (invalid schema, breaking change, conflict, ...)
  kPolicyChanged,    // set_policy stored a module's policy
};

struct RegistryEvent {
  EventKind kind;
  std::string module;
  std::string version;                      // pushes
  const Version* stored = nullptr;          // kVersionPushed: files without contents
  const Status* rejection = nullptr;        // kVersionRejected: why
  const EffectivePolicy* policy = nullptr;  // kPolicyChanged
};

using EventListener = std::function<void(const RegistryEvent&)>;

// The facade front-ends call. Thread-safe. As a DependencySource it answers stored versions
// in-process, with their files' contents.
class Registry : public DependencySource {
 public:
  explicit Registry(Storage storage);
  ~Registry() override;
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  static Result<std::unique_ptr<Registry>> open(const StorageOptions& options);

  // OK when both stores answer.
  Status check_ready();

  // Calls `listener` after each event, on the thread that caused it, once the change is stored
  // (compile jobs on push, webhooks, the audit log). Listeners must return quickly: queue work,
  // don't do it. Subscribe before serving.
  void subscribe(EventListener listener);

  // The methods that change something take an optional AuditRecord: its entry is stored in the
  // change's transaction (see AuditRecord), with the change's webhook events.

  // Creates a module; an existing one is returned unchanged (created = false).
  Result<CreateModuleResult> create_module(const std::string& name, const std::string& description,
                                           AuditRecord* audit = nullptr);
  Result<Module> update_module(const std::string& name, const std::string& description);
  // `limit` is 1..1000 (0 means 100; more: InvalidArgument "invalid_limit"). `page_token` comes
  // from a previous page.
  Result<ModulePage> list_modules(std::size_t limit, const std::string& page_token);
  // The module with its first page of versions (limit and page_token as list_versions).
  Result<ModuleDetail> get_module(const std::string& name, std::size_t limit = 0,
                                  const std::string& page_token = "");
  // The module's record alone: one indexed read, whatever the number of versions.
  Result<ModuleSummary> get_module_summary(const std::string& name);

  // Validates, pins dependencies, checks the module's policy, stores blobs, then all metadata in
  // one transaction. Identical content under an existing version: that version, created = false.
  // Different content: Conflict("version_exists"). Lint findings under the module's lint policy
  // (unless `force`): Unprocessable("lint_failed") with Status::findings(); forced without
  // `may_force_lint`: PermissionDenied("forbidden") naming the admin role, with the findings.
  // Breaking changes against the earlier versions the policy names (unless `force`):
  // Conflict("breaking_change") with Status::findings().
  // A refused push stores nothing but its version.rejected event (and its deliveries).
  Result<PushResult> push(const PushRequest& request, AuditRecord* audit = nullptr);

  // ---- breaking-change policy ----
  // The compatibility of modules that set none: a buf category (FILE, PACKAGE, WIRE_JSON, WIRE),
  // a Confluent level or NONE, case-insensitive; "FILE" unless set.
  // InvalidArgument("invalid_compatibility") listing the allowed values.
  Status set_default_compatibility(const std::string& compatibility);
  std::string default_compatibility() const;
  // The module's policy, or the default one. NotFound("module_not_found").
  Result<EffectivePolicy> get_policy(const std::string& module);
  // Stores a module's policy (empty compatibility: the server's default; a lint policy is checked
  // against buf.yaml v2's rules). InvalidArgument("invalid_compatibility", "unknown_rule",
  // "invalid_config"), NotFound("module_not_found").
  Result<EffectivePolicy> set_policy(const std::string& module, ModulePolicy policy,
                                     AuditRecord* audit = nullptr);
  // Compares two stored versions: breaking findings under `against` (a buf category or a
  // Confluent level; empty: the module's policy) and every change. InvalidArgument
  // ("invalid_compatibility") for an unknown `against`; NotFound for a missing version.
  Result<BreakingResult> diff(const std::string& module, const std::string& from,
                              const std::string& to, const std::string& against);

  // One page of the module's versions, newest first, files without contents. `limit` is 1..1000
  // (0 means 100); `page_token` comes from a previous page (of this module).
  // InvalidArgument("invalid_limit" / "invalid_page_token"), NotFound("module_not_found").
  Result<VersionPage> list_versions(const std::string& module, std::size_t limit,
                                    const std::string& page_token);
  // Every version, newest first, files without contents (all the pages).
  Result<std::vector<Version>> list_versions(const std::string& module);
  // `version` may be "latest". With `with_content`, file contents are filled in.
  Result<Version> get_version(const std::string& module, const std::string& version,
                              bool with_content);
  // The exact version string `version` ("latest" allowed) names.
  Result<std::string> resolve_version(const std::string& module, const std::string& version);
  // One file with its content.
  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path);

  // Parses and links `request.files` against their dependency closure without storing
  // anything. Dependency problems are errors; schema problems are diagnostics of the report.
  Result<ValidateReport> validate(const ValidateRequest& request);
  // The dependencies a version pinned, direct and transitive.
  Result<DependencyReport> get_dependencies(const std::string& module, const std::string& version);
  // The version's files linked with their closure, from its stored descriptor (one is built from
  // its sources and stored first when it has none), cached by version digest.
  // options.for_code_generation and options.interpreted_source_info choose how it is linked (see
  // load_stored_schema); its other options do not apply.
  Result<std::shared_ptr<const Schema>> get_schema(const std::string& module,
                                                   const std::string& version,
                                                   const SchemaOptions& options = {});
  // The version's files and its closure's files, as build_schema and compile take them.
  Result<VersionSources> get_sources(const std::string& module, const std::string& version);
  // The version linked with its closure as a serialized FileDescriptorSet (imports first, as
  // `protoc --include_imports` writes it), with SourceCodeInfo when `with_source_info`: its stored
  // descriptor, built and stored first when it has none.
  Result<std::string> get_descriptor_set(const std::string& module, const std::string& version,
                                         bool with_source_info);
  // The syntax tree of the version's files (spoke/ast.h).
  Result<nlohmann::json> get_ast(const std::string& module, const std::string& version);

  // Links `request.files` against their dependency closure as validate does and lints them
  // under `request.config` (else the module's lint policy, else buf's default rules), storing
  // nothing. Dependency problems are errors as for validate; Unprocessable("invalid_schema") with
  // the diagnostics when the files do not compile; InvalidArgument("unknown_rule" /
  // "invalid_config") for a bad configuration.
  Result<LintResult> lint(const LintRequest& request);

  // ---- maintenance ----
  // Builds and stores the descriptor of every version that has none (pushed before descriptors
  // were stored) or whose descriptor blob is missing, oldest first; `progress` is told after each
  // version. A version that no longer compiles is listed among the failures and skipped;
  // Unavailable when the storage stops answering.
  Result<DescriptorFillReport> fill_descriptors(const FillProgress& progress = {});
  // The memory the linked schemas of stored versions may take (1 GiB unless set), roughly.
  void set_schema_cache_bytes(std::size_t bytes);

  // "module@version" for each module the imports of `files` need (see PushRequest).
  // Unprocessable("unresolved_import" / "ambiguous_import") naming the import.
  Result<std::vector<std::string>> infer_dependencies(const std::string& module,
                                                      const std::vector<FileInput>& files);

  // DependencySource: get_version with contents.
  Result<Version> fetch_version(const std::string& module, const std::string& version) override;
  Result<Version> fetch_metadata(const std::string& module, const std::string& version) override;
  std::string describe() const override;

 private:
  Result<PushResult> push_version(const PushRequest& request, AuditRecord* audit);
  Result<ValidateReport> validate_files_of(const ValidateRequest& request);

  friend class internal::RegistryAccess;  // components inside libspoke (compile jobs)
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoke
