// Registry: the reads, module configuration and diffs. The write path is in push.cpp.
#include "spoke/registry.h"

#include <fmt/format.h>

#include <algorithm>

#include "metrics/library_metrics.h"
#include "registry/policy.h"
#include "registry/registry_access.h"
#include "registry/registry_impl.h"
#include "resolve/closure.h"
#include "resolve/inference.h"
#include "spoke/ast.h"
#include "spoke/breaking.h"
#include "spoke/schema.h"
#include "storage/store_errors.h"
#include "webhooks/events.h"

namespace spoke {
namespace {

constexpr std::size_t kDefaultPageSize = 100;
constexpr std::size_t kMaxPageSize = 1000;

std::string hex_encode(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : s) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 0xf]);
  }
  return out;
}

std::optional<std::string> hex_decode(std::string_view s) {
  if (s.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); i += 2) {
    int hi = nibble(s[i]), lo = nibble(s[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

Status invalid_limit(std::string_view text) {
  return Status::InvalidArgument(
      fmt::format("limit \"{}\" must be an integer from 1 to {}", text, kMaxPageSize),
      reason::kInvalidLimit);
}

}  // namespace

Result<std::size_t> parse_page_limit(std::string_view text) {
  std::size_t n = 0;
  if (text.empty() || text.size() > 9) return invalid_limit(text);
  for (char c : text) {
    if (c < '0' || c > '9') return invalid_limit(text);
    n = n * 10 + static_cast<std::size_t>(c - '0');
  }
  if (n < 1 || n > kMaxPageSize) return invalid_limit(text);
  return n;
}

// ---- Impl -------------------------------------------------------------------------------------

void Registry::Impl::publish(const RegistryEvent& event) {
  std::vector<EventListener> copy;
  {
    std::lock_guard lock(listeners_mu);
    copy = listeners;
  }
  for (const auto& listener : copy) listener(event);
}

Result<SchemaResult> Registry::Impl::check_schema(const std::string& root,
                                                  const std::string& module,
                                                  const std::vector<File>& files,
                                                  const std::vector<Dependency>& pinned,
                                                  const SchemaOptions& options) {
  auto closure = internal::compute_closure(lookup(), root, module, pinned);
  if (!closure.ok()) return closure.status();
  SPOKE_RETURN_IF_ERROR(internal::check_path_conflicts(root, files, closure.value()));
  auto dep_files = internal::load_closure_files(*storage.blobs, closure.value());
  if (!dep_files.ok()) return dep_files.status();
  std::vector<FileInput> targets;
  targets.reserve(files.size());
  for (const auto& f : files) targets.push_back({f.path, f.content});
  return build_schema(targets, dep_files.value(), options);
}

Result<EffectivePolicy> Registry::Impl::effective_policy(const std::string& module) {
  auto stored = storage.metadata->get_module_policy(module);
  if (!stored.ok() && stored.status().code() != Code::kNotFound) return stored.status();
  EffectivePolicy out;
  if (stored.ok() && stored->has_value()) out.policy = stored->value();
  if (out.policy.compatibility.empty()) {
    std::lock_guard lock(policy_mu);
    out.policy.compatibility = default_compatibility;
    out.is_default = true;
  }
  return out;
}

Result<std::shared_ptr<const Schema>> Registry::Impl::comparison_schema(
    Registry& self, const std::string& module, const std::string& version) {
  auto sources = self.get_sources(module, version);
  if (!sources.ok()) return sources.status();
  auto built = build_schema(sources->files, sources->dependencies, breaking_schema_options());
  if (!built.valid()) {
    return Status::Internal(fmt::format("stored version {}@{} no longer compiles", module, version),
                            reason::kInvalidStoredSchema)
        .with_diagnostics(std::move(built.diagnostics));
  }
  return built.schema;
}

Status Registry::Impl::check_no_other_spelling(const std::string& module, const VersionId& id) {
  if (id.kind != VersionId::Kind::kSemVer) return Status::OK();
  auto refs = storage.metadata->list_versions(module);
  if (!refs.ok()) return refs.status().code() == Code::kNotFound ? Status::OK() : refs.status();
  std::vector<std::string> names;
  for (const auto& r : refs.value()) names.push_back(r.version);
  return internal::check_other_spelling(module, id.raw, names);
}

// ---- Registry ---------------------------------------------------------------------------------

Registry::Registry(Storage storage) : impl_(std::make_unique<Impl>()) {
  impl_->storage = std::move(storage);
}
Registry::~Registry() = default;

Result<std::unique_ptr<Registry>> Registry::open(const StorageOptions& options) {
  auto storage = open_storage(options);
  if (!storage.ok()) return storage.status();
  return std::make_unique<Registry>(std::move(storage).value());
}

Status Registry::check_ready() {
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->ping());
  return impl_->storage.blobs->ping();
}

void Registry::subscribe(EventListener listener) {
  std::lock_guard lock(impl_->listeners_mu);
  impl_->listeners.push_back(std::move(listener));
}

Result<CreateModuleResult> Registry::create_module(const std::string& name,
                                                   const std::string& description,
                                                   AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  Timestamp now = now_ms();
  Module module_record{name, description, now, now};
  // Stored only when the module is created: an existing one is no change, and its audit entry is
  // the caller's to record.
  Journal journal = internal::journal_with(audit);
  journal.events.push_back(internal::module_created_event(module_record));
  auto inserted = impl_->storage.metadata->create_module(module_record, journal);
  if (!inserted.ok()) return inserted.status();
  if (inserted.value()) internal::mark_written(audit);
  auto module = impl_->storage.metadata->get_module(name);
  if (!module.ok()) return module.status();
  if (inserted.value()) {
    RegistryEvent event{EventKind::kModuleCreated, name};
    impl_->publish(event);
  }
  return CreateModuleResult{std::move(module).value(), inserted.value()};
}

Result<Module> Registry::update_module(const std::string& name, const std::string& description) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->update_module(name, description, now_ms()));
  return impl_->storage.metadata->get_module(name);
}

Result<ModulePage> Registry::list_modules(std::size_t limit, const std::string& page_token) {
  if (limit == 0) limit = kDefaultPageSize;
  if (limit > kMaxPageSize) return invalid_limit(std::to_string(limit));
  std::string after;
  if (!page_token.empty()) {
    auto decoded = hex_decode(page_token);
    if (!decoded || !validate_module_name(*decoded).ok()) {
      return Status::InvalidArgument(
          fmt::format("invalid page_token \"{}\": pass the next_page_token of a previous page",
                      page_token),
          reason::kInvalidPageToken);
    }
    after = *decoded;
  }
  // One extra row tells whether another page follows.
  auto records = impl_->storage.metadata->list_modules(after, limit + 1);
  if (!records.ok()) return records.status();
  ModulePage page;
  auto& rows = records.value();
  bool more = rows.size() > limit;
  if (more) rows.resize(limit);
  for (auto& r : rows) {
    ModuleSummary s;
    s.version_count = r.versions.size();
    if (auto latest = pick_latest(r.versions)) s.latest_version = latest->version;
    s.module = std::move(r.module);
    page.modules.push_back(std::move(s));
  }
  if (more) page.next_page_token = hex_encode(page.modules.back().module.name);
  return page;
}

Result<ModuleDetail> Registry::get_module(const std::string& name) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  auto module = impl_->storage.metadata->get_module(name);
  if (!module.ok()) return module.status();
  auto versions = list_versions(name);
  if (!versions.ok()) return versions.status();
  ModuleDetail detail{std::move(module).value(), "", std::move(versions).value()};
  std::vector<VersionRef> refs;
  for (const auto& v : detail.versions) {
    refs.push_back({v.version, v.digest, v.created_at, v.sequence});
  }
  if (auto latest = pick_latest(refs)) detail.latest_version = latest->version;
  return detail;
}

Result<std::vector<Version>> Registry::list_versions(const std::string& module) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  auto refs = impl_->storage.metadata->list_versions(module);
  if (!refs.ok()) return refs.status();
  sort_newest_first(refs.value());
  std::vector<Version> out;
  for (const auto& r : refs.value()) {
    auto v = impl_->storage.metadata->get_version(module, r.version);
    if (!v.ok()) return v.status();
    out.push_back(std::move(v).value());
  }
  return out;
}

Result<std::string> Registry::resolve_version(const std::string& module,
                                              const std::string& version) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  if (version != "latest") return version;
  auto refs = impl_->storage.metadata->list_versions(module);
  if (!refs.ok()) return refs.status();
  auto latest = pick_latest(refs.value());
  if (!latest) {
    return Status::NotFound(fmt::format("module \"{}\" has no versions", module),
                            reason::kVersionNotFound);
  }
  return latest->version;
}

Result<Version> Registry::get_version(const std::string& module, const std::string& version,
                                      bool with_content) {
  auto exact = resolve_version(module, version);
  if (!exact.ok()) return exact.status();
  auto v = impl_->storage.metadata->get_version(module, exact.value());
  if (!v.ok()) {
    if (v.status().code() == Code::kNotFound) {
      // Say whether the module or the version is missing.
      auto m = impl_->storage.metadata->get_module(module);
      if (!m.ok()) return m.status();
    }
    return v.status();
  }
  if (with_content) {
    for (auto& f : v->files) {
      auto content = impl_->storage.blobs->get(f.digest);
      if (!content.ok()) return content.status();
      f.content = std::move(content).value();
    }
  }
  return v;
}

Result<Version> Registry::fetch_version(const std::string& module, const std::string& version) {
  return get_version(module, version, true);
}

Result<Version> Registry::fetch_metadata(const std::string& module, const std::string& version) {
  return get_version(module, version, false);
}

std::string Registry::describe() const { return "registry (in-process)"; }

Result<File> Registry::get_file(const std::string& module, const std::string& version,
                                const std::string& path) {
  auto exact = resolve_version(module, version);
  if (!exact.ok()) return exact.status();
  std::string key = module;
  key += '\0';
  key += exact.value();
  key += '\0';
  key += path;
  static auto& hits = internal::library_metrics().cache_hits.with({"file"});
  static auto& misses = internal::library_metrics().cache_misses.with({"file"});
  if (auto hit = impl_->file_cache.get(key)) {
    hits.inc();
    // Layout of a cached entry: digest, '\0', content.
    auto nul = hit->find('\0');
    File f;
    f.path = path;
    f.digest = hit->substr(0, nul);
    f.content = hit->substr(nul + 1);
    f.size = f.content.size();
    return f;
  }
  misses.inc();
  auto meta = impl_->storage.metadata->get_file(module, exact.value(), path);
  if (!meta.ok()) {
    if (meta.status().reason() == reason::kVersionNotFound) {
      auto m = impl_->storage.metadata->get_module(module);
      if (!m.ok()) return m.status();
    }
    return meta.status();
  }
  auto content = impl_->storage.blobs->get(meta->digest);
  if (!content.ok()) return content.status();
  File f = std::move(meta).value();
  f.content = std::move(content).value();
  impl_->file_cache.put(key, std::make_shared<const std::string>(f.digest + '\0' + f.content));
  return f;
}

Result<DependencyReport> Registry::get_dependencies(const std::string& module,
                                                    const std::string& version) {
  auto v = get_version(module, version, false);
  if (!v.ok()) return v.status();
  auto closure = internal::compute_closure(impl_->lookup(), v->module + "@" + v->version, v->module,
                                           v->dependencies);
  if (!closure.ok()) return closure.status();
  DependencyReport report;
  report.direct = v->dependencies;
  for (const auto& entry : closure.value()) report.transitive.push_back(entry.pin);
  return report;
}

Result<std::shared_ptr<const Schema>> Registry::get_schema(const std::string& module,
                                                           const std::string& version) {
  auto v = get_version(module, version, true);
  if (!v.ok()) return v.status();
  static auto& hits = internal::library_metrics().cache_hits.with({"schema"});
  static auto& misses = internal::library_metrics().cache_misses.with({"schema"});
  if (auto hit = impl_->schemas.get(v->digest)) {
    hits.inc();
    return hit;
  }
  misses.inc();
  auto checked =
      impl_->check_schema(v->module + "@" + v->version, v->module, v->files, v->dependencies);
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) {
    return Status::Internal(
               fmt::format("stored version {}@{} no longer compiles", v->module, v->version),
               reason::kInvalidStoredSchema)
        .with_diagnostics(std::move(checked->diagnostics));
  }
  impl_->schemas.put(v->digest, checked->schema);
  return checked->schema;
}

Result<VersionSources> Registry::get_sources(const std::string& module,
                                             const std::string& version) {
  auto v = get_version(module, version, true);
  if (!v.ok()) return v.status();
  auto closure = internal::compute_closure(impl_->lookup(), v->module + "@" + v->version, v->module,
                                           v->dependencies);
  if (!closure.ok()) return closure.status();
  auto deps = internal::load_closure_files(*impl_->storage.blobs, closure.value());
  if (!deps.ok()) return deps.status();
  VersionSources out;
  for (const auto& f : v->files) out.files.push_back({f.path, f.content});
  out.dependencies = std::move(deps).value();
  out.version = std::move(v).value();
  return out;
}

Result<std::string> Registry::get_descriptor_set(const std::string& module,
                                                 const std::string& version,
                                                 bool with_source_info) {
  auto schema = get_schema(module, version);
  if (!schema.ok()) return schema.status();
  return descriptor_set(*schema.value(), with_source_info).SerializeAsString();
}

Result<nlohmann::json> Registry::get_ast(const std::string& module, const std::string& version) {
  auto schema = get_schema(module, version);
  if (!schema.ok()) return schema.status();
  return schema_ast_json(*schema.value());
}

// ---- policies and diffs -----------------------------------------------------------------------

Status Registry::set_default_compatibility(const std::string& compatibility) {
  auto normalized = normalize_compatibility(compatibility);
  if (!normalized) return invalid_compatibility(compatibility);
  std::lock_guard lock(impl_->policy_mu);
  impl_->default_compatibility = *normalized;
  return Status::OK();
}

std::string Registry::default_compatibility() const {
  std::lock_guard lock(impl_->policy_mu);
  return impl_->default_compatibility;
}

Result<EffectivePolicy> Registry::get_policy(const std::string& module) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->get_module(module).status());
  return impl_->effective_policy(module);
}

Result<EffectivePolicy> Registry::set_policy(const std::string& module, ModulePolicy policy,
                                             AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  if (!policy.compatibility.empty()) {
    auto normalized = normalize_compatibility(policy.compatibility);
    if (!normalized) return invalid_compatibility(policy.compatibility);
    policy.compatibility = *normalized;
  }
  if (policy.lint) {
    auto lint = internal::checked_lint_policy(*policy.lint);
    if (!lint.ok()) return lint.status();
    policy.lint = std::move(lint).value();
  }
  policy.updated_at = now_ms();
  EffectivePolicy applies{policy, policy.compatibility.empty()};
  if (applies.is_default) applies.policy.compatibility = default_compatibility();
  Journal journal = internal::journal_with(audit);
  journal.events.push_back(internal::policy_changed_event(module, applies));
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->put_module_policy(module, policy, journal));
  internal::mark_written(audit);
  auto effective = impl_->effective_policy(module);
  if (effective.ok()) {
    RegistryEvent event{EventKind::kPolicyChanged, module};
    event.policy = &effective.value();
    impl_->publish(event);
  }
  return effective;
}

Result<BreakingResult> Registry::diff(const std::string& module, const std::string& from,
                                      const std::string& to, const std::string& against) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  BreakingCheck check;
  if (against.empty()) {
    auto policy = get_policy(module);
    if (!policy.ok()) return policy.status();
    check = internal::policy_check(policy->policy);
  } else {
    auto normalized = normalize_compatibility(against);
    if (!normalized) return invalid_compatibility(against);
    check.compatibility = *normalized;
  }
  check.rules.list_changes = true;
  auto before = impl_->comparison_schema(*this, module, from);
  if (!before.ok()) return before.status();
  auto after = impl_->comparison_schema(*this, module, to);
  if (!after.ok()) return after.status();
  return run_breaking_check(check, {before->get()}, *after.value());
}

Result<std::vector<std::string>> Registry::infer_dependencies(const std::string& module,
                                                              const std::vector<FileInput>& files) {
  return internal::infer_dependencies(*impl_->storage.metadata, module, files);
}

MetadataStore& internal::RegistryAccess::metadata(Registry& registry) {
  return *registry.impl_->storage.metadata;
}
BlobStore& internal::RegistryAccess::blobs(Registry& registry) {
  return *registry.impl_->storage.blobs;
}

}  // namespace spoke
