// Registry: the reads, module configuration and diffs. The write path is in push.cpp.
#include "spoke/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <unordered_map>

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
#include "storage/walk.h"
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

// A page token of versions: the hex of "<order key> <sequence>".
std::string encode_version_cursor(const VersionCursor& c) {
  return hex_encode(c.order_key + " " + std::to_string(c.sequence));
}

std::optional<VersionCursor> decode_version_cursor(std::string_view token) {
  auto text = hex_decode(token);
  if (!text) return std::nullopt;
  auto space = text->rfind(' ');
  if (space == std::string::npos || space == 0 || space + 1 == text->size()) return std::nullopt;
  VersionCursor c;
  c.order_key = text->substr(0, space);
  for (char ch : c.order_key) {
    if (ch < '!' || ch > '~') return std::nullopt;
  }
  std::string_view digits(*text);
  digits.remove_prefix(space + 1);
  if (digits.size() > 18) return std::nullopt;
  for (char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    c.sequence = c.sequence * 10 + (ch - '0');
  }
  return c;
}

Status no_longer_compiles(const Version& v, std::vector<Diagnostic> diagnostics) {
  return Status::Internal(
             fmt::format("stored version {}@{} no longer compiles", v.module, v.version),
             reason::kInvalidStoredSchema)
      .with_diagnostics(std::move(diagnostics));
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
                                                  const SchemaOptions& options,
                                                  std::vector<FileInput>* closure_files) {
  auto closure = internal::compute_closure(lookup(), root, module, pinned);
  if (!closure.ok()) return closure.status();
  SPOKE_RETURN_IF_ERROR(internal::check_path_conflicts(root, files, closure.value()));
  auto dep_files = internal::load_closure_files(*storage.blobs, closure.value());
  if (!dep_files.ok()) return dep_files.status();
  std::vector<FileInput> targets;
  targets.reserve(files.size());
  for (const auto& f : files) targets.push_back({f.path, f.content});
  auto built = build_schema(targets, dep_files.value(), options);
  if (closure_files != nullptr) *closure_files = std::move(dep_files).value();
  return built;
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
  auto v = self.get_version(module, version, false);
  if (!v.ok()) return v.status();
  return stored_schema(v.value(), breaking_schema_options());
}

std::string Registry::Impl::schema_key(const Version& v, const SchemaOptions& options) {
  const char* form = options.for_code_generation       ? "codegen"
                     : options.interpreted_source_info ? "buf"
                                                       : "protoc";
  return v.digest + ' ' + form;
}

Result<std::shared_ptr<const std::string>> Registry::Impl::descriptor_of(const Version& v) {
  if (!v.descriptor_digest.empty()) {
    auto bytes = storage.blobs->get(v.descriptor_digest);
    if (bytes.ok()) return std::make_shared<const std::string>(std::move(bytes).value());
    if (bytes.status().code() != Code::kNotFound) return bytes.status();
  }
  return build_descriptor(v, false);
}

Result<std::shared_ptr<const std::string>> Registry::Impl::build_descriptor(const Version& v,
                                                                            bool must_store) {
  using Built = Result<std::shared_ptr<const std::string>>;
  return descriptor_builds.run(v.module + '@' + v.version, [&]() -> Built {
    std::vector<File> files = v.files;
    for (auto& f : files) {
      auto content = storage.blobs->get(f.digest);
      if (!content.ok()) return content.status();
      f.content = std::move(content).value();
    }
    std::vector<FileInput> closure;
    auto checked = check_schema(v.module + "@" + v.version, v.module, files, v.dependencies,
                                breaking_schema_options(), &closure);
    if (!checked.ok()) return checked.status();
    if (!checked->valid()) return no_longer_compiles(v, std::move(checked->diagnostics));
    std::unordered_map<std::string, const std::string*> sources;
    for (const auto& f : files) sources.emplace(f.path, &f.content);
    for (const auto& f : closure) sources.emplace(f.path, &f.content);
    auto bytes = stored_descriptor_set(*checked->schema, [&](const std::string& path) {
      auto it = sources.find(path);
      return it == sources.end() ? nullptr : it->second;
    });
    if (!bytes.ok()) return bytes.status();
    std::string digest = content_digest(bytes.value());
    Status stored = storage.blobs->put(digest, bytes.value());
    if (stored.ok()) stored = storage.metadata->set_version_descriptor(v.module, v.version, digest);
    if (!stored.ok() && must_store) return stored;
    return std::make_shared<const std::string>(std::move(bytes).value());
  });
}

Result<std::shared_ptr<const Schema>> Registry::Impl::stored_schema(const Version& v,
                                                                    const SchemaOptions& options) {
  static auto& hits = internal::library_metrics().cache_hits.with({"schema"});
  static auto& misses = internal::library_metrics().cache_misses.with({"schema"});
  std::string key = schema_key(v, options);
  if (auto hit = schemas.get(key)) {
    hits.inc();
    return hit;
  }
  misses.inc();
  using Loaded = Result<std::shared_ptr<const Schema>>;
  return schema_loads.run(key, [&]() -> Loaded {
    if (auto hit = schemas.get(key)) return hit;
    auto bytes = descriptor_of(v);
    if (!bytes.ok()) return bytes.status();
    std::vector<std::string> targets;
    targets.reserve(v.files.size());
    for (const auto& f : v.files) targets.push_back(f.path);
    // The sources of the version's files that are asked for (those with default values).
    std::unordered_map<std::string, std::string> sources;
    SourceLookup source_of = [&](const std::string& path) -> const std::string* {
      auto f = std::find_if(v.files.begin(), v.files.end(),
                            [&](const File& file) { return file.path == path; });
      if (f == v.files.end()) return nullptr;
      auto content = storage.blobs->get(f->digest);
      if (!content.ok()) return nullptr;
      return &(sources[path] = std::move(content).value());
    };
    SchemaOptions form;
    form.for_code_generation = options.for_code_generation;
    form.interpreted_source_info = options.interpreted_source_info && !form.for_code_generation;
    auto loaded = load_stored_schema(bytes.value(), targets, form, source_of);
    if (!loaded.ok() && loaded.status().reason() == reason::kInvalidStoredDescriptor) {
      // A damaged blob, or one this build cannot link: built again from the sources.
      auto rebuilt = build_descriptor(v, false);
      if (!rebuilt.ok()) return rebuilt.status();
      loaded = load_stored_schema(rebuilt.value(), targets, form, source_of);
    }
    if (loaded.ok()) schemas.put(key, loaded.value());
    return loaded;
  });
}

Status Registry::Impl::check_no_other_spelling(const std::string& module, const VersionId& id) {
  std::string other = internal::other_spelling(id);
  if (other.empty()) return Status::OK();
  // One indexed read of the other spelling, whatever the number of versions.
  auto existing = storage.metadata->get_version(module, other);
  if (existing.status().code() == Code::kNotFound) return Status::OK();
  if (!existing.ok()) return existing.status();
  return internal::check_other_spelling(module, id.raw, std::vector<std::string>{other});
}

Result<VersionPage> Registry::Impl::version_page(const std::string& module, std::size_t limit,
                                                 const std::string& page_token) {
  if (limit == 0) limit = kDefaultPageSize;
  if (limit > kMaxPageSize) return invalid_limit(std::to_string(limit));
  std::optional<VersionCursor> after;
  if (!page_token.empty()) {
    after = decode_version_cursor(page_token);
    if (!after) {
      return Status::InvalidArgument(
          fmt::format("invalid page_token \"{}\": pass the next_page_token of a previous page",
                      page_token),
          reason::kInvalidPageToken);
    }
  }
  // One extra row tells whether another page follows.
  auto rows = storage.metadata->list_versions_page(module, after, limit + 1);
  if (!rows.ok()) return rows.status();
  VersionPage page;
  page.versions = std::move(rows).value();
  if (page.versions.size() > limit) {
    page.versions.resize(limit);
    const Version& last = page.versions.back();
    auto id = parse_version(last.version);
    page.next_page_token =
        encode_version_cursor({id.ok() ? version_order_key(*id) : std::string("0"), last.sequence});
  }
  return page;
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
    page.modules.push_back(
        {std::move(r.module), std::move(r.latest_version), r.version_count, r.revision});
  }
  if (more) page.next_page_token = hex_encode(page.modules.back().module.name);
  return page;
}

Result<ModuleSummary> Registry::get_module_summary(const std::string& name) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  auto r = impl_->storage.metadata->get_module_record(name);
  if (!r.ok()) return r.status();
  return ModuleSummary{std::move(r->module), std::move(r->latest_version), r->version_count,
                       r->revision};
}

Result<ModuleDetail> Registry::get_module(const std::string& name, std::size_t limit,
                                          const std::string& page_token) {
  auto summary = get_module_summary(name);
  if (!summary.ok()) return summary.status();
  auto page = impl_->version_page(name, limit, page_token);
  if (!page.ok()) return page.status();
  ModuleDetail detail;
  detail.module = std::move(summary->module);
  detail.latest_version = std::move(summary->latest_version);
  detail.version_count = summary->version_count;
  detail.revision = summary->revision;
  detail.versions = std::move(page->versions);
  detail.next_page_token = std::move(page->next_page_token);
  return detail;
}

Result<VersionPage> Registry::list_versions(const std::string& module, std::size_t limit,
                                            const std::string& page_token) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  return impl_->version_page(module, limit, page_token);
}

Result<std::vector<Version>> Registry::list_versions(const std::string& module) {
  std::vector<Version> out;
  std::string token;
  do {
    auto page = list_versions(module, kMaxPageSize, token);
    if (!page.ok()) return page.status();
    for (auto& v : page->versions) out.push_back(std::move(v));
    token = std::move(page->next_page_token);
  } while (!token.empty());
  return out;
}

Result<std::string> Registry::resolve_version(const std::string& module,
                                              const std::string& version) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  if (version != "latest") return version;
  auto record = impl_->storage.metadata->get_module_record(module);
  if (!record.ok()) return record.status();
  if (record->latest_version.empty()) {
    return Status::NotFound(fmt::format("module \"{}\" has no versions", module),
                            reason::kVersionNotFound);
  }
  return record->latest_version;
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
                                                           const std::string& version,
                                                           const SchemaOptions& options) {
  auto v = get_version(module, version, false);
  if (!v.ok()) return v.status();
  return impl_->stored_schema(v.value(), options);
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
  auto v = get_version(module, version, false);
  if (!v.ok()) return v.status();
  auto bytes = impl_->descriptor_of(v.value());
  if (!bytes.ok()) return bytes.status();
  auto out = output_descriptor_set(*bytes.value(), with_source_info);
  if (!out.ok() && out.status().reason() == reason::kInvalidStoredDescriptor) {
    bytes = impl_->build_descriptor(v.value(), false);
    if (!bytes.ok()) return bytes.status();
    out = output_descriptor_set(*bytes.value(), with_source_info);
  }
  return out;
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
  auto before_version = get_version(module, from, false);
  if (!before_version.ok()) return before_version.status();
  auto after_version = get_version(module, to, false);
  if (!after_version.ok()) return after_version.status();
  // The two sides are loaded at once (when not cached, each takes a while for a big module).
  auto later = std::async(std::launch::async, [&] {
    return impl_->stored_schema(after_version.value(), breaking_schema_options());
  });
  auto before = impl_->stored_schema(before_version.value(), breaking_schema_options());
  auto after = later.get();
  if (!before.ok()) return before.status();
  if (!after.ok()) return after.status();
  return run_breaking_check(check, {before->get()}, *after.value());
}

Result<DescriptorFillReport> Registry::fill_descriptors(const FillProgress& progress) {
  std::vector<internal::VersionKey> keys;
  SPOKE_RETURN_IF_ERROR(internal::list_everything(*impl_->storage.metadata, nullptr, &keys));
  DescriptorFillReport report;
  for (const auto& key : keys) {
    std::string name = key.module + "@" + key.version;
    auto v = impl_->storage.metadata->get_version(key.module, key.version);
    if (!v.ok()) return v.status();
    ++report.versions;
    bool present = false;
    if (!v->descriptor_digest.empty()) {
      auto exists = impl_->storage.blobs->exists(v->descriptor_digest);
      if (!exists.ok()) return exists.status();
      present = exists.value();
    }
    if (!present) {
      auto built = impl_->build_descriptor(v.value(), true);
      if (built.ok()) {
        ++report.filled;
      } else if (built.status().code() == Code::kUnavailable) {
        return built.status();
      } else {
        report.failures.push_back(name + ": " + built.status().message());
      }
    }
    if (progress) progress(report.versions, keys.size(), name);
  }
  return report;
}

void Registry::set_schema_cache_bytes(std::size_t bytes) { impl_->schemas.set_capacity(bytes); }

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
