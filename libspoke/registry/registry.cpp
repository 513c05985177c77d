#include "spoke/registry.h"

#include <fmt/format.h>

#include <algorithm>
#include <list>
#include <map>
#include <mutex>
#include <set>

#include "registry/file_cache.h"
#include "registry/policy.h"
#include "registry/registry_access.h"
#include "resolve/closure.h"
#include "spoke/breaking.h"
#include "spoke/schema.h"
#include "util/timing.h"

namespace spoke {
namespace {

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

Status digest_conflict(const std::string& module, const std::string& version,
                       const std::string& existing, const std::string& pushed) {
  return Status::Conflict(fmt::format("version {}@{} already exists with different content "
                                      "(existing digest {}, pushed digest {}); versions are "
                                      "immutable, push a new version instead",
                                      module, version, existing, pushed),
                          "version_exists")
      .with_field("existing_digest", existing)
      .with_field("digest", pushed);
}

}  // namespace

struct Registry::Impl {
  Storage storage;
  internal::ImmutableCache file_cache{64u << 20};

  // "v1.2.3" and "1.2.3" are one semantic version: a module holds only one spelling of it.
  Status check_no_other_spelling(const std::string& module, const VersionId& id) {
    if (id.kind != VersionId::Kind::kSemVer) return Status::OK();
    auto refs = storage.metadata->list_versions(module);
    if (!refs.ok()) return refs.status().code() == Code::kNotFound ? Status::OK() : refs.status();
    for (const auto& r : refs.value()) {
      auto other = parse_version(r.version);
      if (other.ok() && other->kind == VersionId::Kind::kSemVer &&
          compare_semver(other->semver, id.semver) == 0 && other->semver.build == id.semver.build) {
        return Status::Conflict(fmt::format("version {}@{} already exists as {}; \"{}\" and \"{}\" "
                                            "name the same semantic version",
                                            module, id.raw, r.version, id.raw, r.version),
                                "version_exists")
            .with_field("existing_version", r.version);
      }
    }
    return Status::OK();
  }

  // Links `files` against the closure of `pinned`: closure rules first (cycles, two versions of
  // one module, one path with two contents), then parsing and linking.
  Result<SchemaResult> check_schema(const std::string& root, const std::string& module,
                                    const std::vector<File>& files,
                                    const std::vector<Dependency>& pinned,
                                    const SchemaOptions& options = {}) {
    auto closure = internal::compute_closure(*storage.metadata, root, module, pinned);
    if (!closure.ok()) return closure.status();
    SPOKE_RETURN_IF_ERROR(internal::check_path_conflicts(root, files, closure.value()));
    auto dep_files = internal::load_closure_files(*storage.blobs, closure.value());
    if (!dep_files.ok()) return dep_files.status();
    std::vector<FileInput> targets;
    targets.reserve(files.size());
    for (const auto& f : files) targets.push_back({f.path, f.content});
    return build_schema(targets, dep_files.value(), options);
  }

  std::mutex policy_mu;
  std::string default_compatibility = "FILE";

  // The module's stored policy, else the default; a module that does not exist yet has the
  // default.
  Result<EffectivePolicy> effective_policy(const std::string& module) {
    auto stored = storage.metadata->get_module_policy(module);
    if (!stored.ok() && stored.status().reason() != "module_not_found") return stored.status();
    EffectivePolicy out;
    if (stored.ok() && stored->has_value()) out.policy = stored->value();
    if (out.policy.compatibility.empty()) {
      std::lock_guard lock(policy_mu);
      out.policy.compatibility = default_compatibility;
      out.is_default = true;
    }
    return out;
  }

  // A stored version linked for a comparison (see internal::breaking_schema_options).
  Result<std::shared_ptr<const Schema>> comparison_schema(Registry& self, const std::string& module,
                                                          const std::string& version) {
    auto sources = self.get_sources(module, version);
    if (!sources.ok()) return sources.status();
    auto built =
        build_schema(sources->files, sources->dependencies, internal::breaking_schema_options());
    if (!built.valid()) {
      return Status::Internal(
                 fmt::format("stored version {}@{} no longer compiles", module, version),
                 "invalid_stored_schema")
          .with_diagnostics(std::move(built.diagnostics));
    }
    return built.schema;
  }

  // Recently used schemas by version digest: building one means parsing all its files.
  std::mutex schema_mu;
  std::list<std::pair<std::string, std::shared_ptr<const Schema>>> schemas;

  Result<std::vector<Dependency>> pin_dependencies(const std::string& module,
                                                   const std::vector<std::string>& specs,
                                                   Registry& self) {
    std::vector<Dependency> pinned;
    std::set<std::string> seen;
    for (const auto& spec : specs) {
      auto parsed = parse_dependency_spec(spec);
      if (!parsed.ok()) return parsed.status();
      auto& [dep_module, dep_version] = parsed.value();
      if (dep_module == module) {
        return Status::Unprocessable(
            fmt::format("module {} cannot depend on itself (\"{}\")", module, spec),
            "dependency_cycle");
      }
      if (!seen.insert(dep_module).second) {
        return Status::InvalidArgument(
            fmt::format("module {} is listed more than once in dependencies", dep_module),
            "duplicate_dependency");
      }
      auto exact = self.resolve_version(dep_module, dep_version);
      if (!exact.ok()) {
        return Status::Unprocessable(
            fmt::format("dependency \"{}\" cannot be resolved: {}", spec, exact.status().message()),
            "dependency_not_found");
      }
      auto dep = storage.metadata->get_version(dep_module, exact.value());
      if (!dep.ok()) {
        if (dep.status().code() != Code::kNotFound) return dep.status();
        return Status::Unprocessable(
            fmt::format("dependency \"{}\" cannot be resolved: {}", spec, dep.status().message()),
            "dependency_not_found");
      }
      pinned.push_back({dep_module, exact.value(), dep->digest});
    }
    return pinned;
  }
};

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

Result<CreateModuleResult> Registry::create_module(const std::string& name,
                                                   const std::string& description) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  Timestamp now = now_ms();
  auto inserted = impl_->storage.metadata->create_module({name, description, now, now});
  if (!inserted.ok()) return inserted.status();
  auto module = impl_->storage.metadata->get_module(name);
  if (!module.ok()) return module.status();
  return CreateModuleResult{std::move(module).value(), inserted.value()};
}

Result<Module> Registry::update_module(const std::string& name, const std::string& description) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(name));
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->update_module(name, description, now_ms()));
  return impl_->storage.metadata->get_module(name);
}

Result<ModulePage> Registry::list_modules(std::size_t limit, const std::string& page_token) {
  if (limit == 0) limit = 100;
  limit = std::min<std::size_t>(limit, 1000);
  std::string after;
  if (!page_token.empty()) {
    auto decoded = hex_decode(page_token);
    if (!decoded || validate_module_name(*decoded).ok() == false) {
      return Status::InvalidArgument(
          fmt::format("invalid page_token \"{}\": pass the next_page_token of a previous page",
                      page_token),
          "invalid_page_token");
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
  return ModuleDetail{std::move(module).value(), std::move(versions).value()};
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
                            "version_not_found");
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

Result<File> Registry::get_file(const std::string& module, const std::string& version,
                                const std::string& path) {
  auto exact = resolve_version(module, version);
  if (!exact.ok()) return exact.status();
  std::string key = module;
  key += '\0';
  key += exact.value();
  key += '\0';
  key += path;
  if (auto hit = impl_->file_cache.get(key)) {
    // Layout of a cached entry: digest, '\0', content.
    auto nul = hit->find('\0');
    File f;
    f.path = path;
    f.digest = hit->substr(0, nul);
    f.content = hit->substr(nul + 1);
    f.size = f.content.size();
    return f;
  }
  auto meta = impl_->storage.metadata->get_file(module, exact.value(), path);
  if (!meta.ok()) {
    if (meta.status().reason() == "version_not_found") {
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

Result<PushResult> Registry::push(const PushRequest& request) {
  internal::PhaseTimer timer("push");
  SPOKE_RETURN_IF_ERROR(validate_module_name(request.module));
  auto version_id = parse_version(request.version);
  if (!version_id.ok()) return version_id.status();

  Version v;
  v.module = request.module;
  v.version = request.version;
  v.description = request.description;
  v.source_info = request.source_info;
  v.files.reserve(request.files.size());
  for (const auto& in : request.files) {
    File f;
    f.path = in.path;
    f.size = in.content.size();
    f.content = in.content;
    v.files.push_back(std::move(f));
  }
  SPOKE_RETURN_IF_ERROR(validate_files(v.files));
  std::sort(v.files.begin(), v.files.end(),
            [](const File& a, const File& b) { return a.path < b.path; });
  for (auto& f : v.files) f.digest = content_digest(f.content);
  timer.phase("digests");

  std::vector<std::string> specs = request.dependencies;
  if (specs.empty() && request.infer_dependencies) {
    std::vector<FileInput> inputs;
    for (const auto& f : v.files) inputs.push_back({f.path, f.content});
    auto inferred = infer_dependencies(request.module, inputs);
    if (!inferred.ok()) return inferred.status();
    specs = std::move(inferred).value();
  }
  auto pinned = impl_->pin_dependencies(request.module, specs, *this);
  if (!pinned.ok()) return pinned.status();
  v.dependencies = std::move(pinned).value();
  v.digest = compute_version_digest(v.files, v.dependencies);

  const std::string pushed_digest = v.digest;
  auto answer_existing = [&](Result<Version> existing) -> Result<PushResult> {
    if (!existing.ok()) return existing.status();
    if (existing->digest != pushed_digest) {
      return digest_conflict(request.module, request.version, existing->digest, pushed_digest);
    }
    return PushResult{std::move(existing).value(), false};
  };

  auto existing = impl_->storage.metadata->get_version(v.module, v.version);
  if (existing.ok()) return answer_existing(std::move(existing));
  if (existing.status().code() != Code::kNotFound) return existing.status();
  SPOKE_RETURN_IF_ERROR(impl_->check_no_other_spelling(v.module, version_id.value()));

  auto policy = impl_->effective_policy(v.module);
  if (!policy.ok()) return policy.status();
  const ModulePolicy& rules = policy->policy;
  const bool check_policy = rules.compatibility != "NONE";

  // Nothing that does not parse and link against its dependencies gets in. Linked as a
  // comparison needs it when there is a policy to check (warnings kept for the pusher).
  SchemaOptions link_options;
  link_options.interpreted_source_info = check_policy;
  auto checked = impl_->check_schema(v.module + "@" + v.version, v.module, v.files, v.dependencies,
                                     link_options);
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) {
    const Diagnostic* first = nullptr;
    for (const auto& d : checked->diagnostics) {
      if (d.severity == "error") {
        first = &d;
        break;
      }
    }
    return Status::Unprocessable(
               fmt::format("{}@{} does not compile: {} error{}, first: {}", v.module, v.version,
                           checked->error_count(), checked->error_count() == 1 ? "" : "s",
                           format_diagnostic(*first)),
               "invalid_schema")
        .with_diagnostics(std::move(checked->diagnostics));
  }
  std::vector<Diagnostic> warnings = std::move(checked->diagnostics);
  timer.phase("validate");

  // Nothing that breaks the module's policy gets in unless forced.
  if (check_policy) {
    std::vector<std::string> against;
    if (auto refs = impl_->storage.metadata->list_versions(v.module); refs.ok()) {
      bool all = rules.transitive || rules.compatibility.ends_with("_TRANSITIVE");
      against = internal::versions_to_check(refs.value(), version_id.value(), all);
    } else if (refs.status().code() != Code::kNotFound) {
      return refs.status();
    }
    std::vector<std::shared_ptr<const Schema>> earlier;
    for (const auto& e : against) {
      auto schema = impl_->comparison_schema(*this, v.module, e);
      if (!schema.ok()) return schema.status();
      earlier.push_back(std::move(schema).value());
    }
    std::vector<const Schema*> history;
    for (const auto& e : earlier) history.push_back(e.get());
    auto findings = internal::check_policy(rules, history, *checked->schema);
    if (!findings.ok()) return findings.status();
    timer.phase("policy");
    if (!findings->empty() && !request.force) {
      std::size_t n = findings->size();
      std::string what = against.size() == 1 ? fmt::format("{}@{}", v.module, against.front())
                                             : fmt::format("{} earlier versions", against.size());
      return Status::Conflict(
                 fmt::format("{}@{} breaks the {} compatibility of module {} against {}: {} "
                             "breaking change{}; fix {}, or push with force to publish anyway",
                             v.module, v.version, rules.compatibility, v.module, what, n,
                             n == 1 ? "" : "s", n == 1 ? "it" : "them"),
                 "breaking_change")
          .with_findings(
              std::make_shared<const std::vector<BreakingFinding>>(std::move(findings).value()));
    }
    v.forced_breaking = static_cast<std::int64_t>(findings->size());
  }

  // Blobs first: a version's metadata never points at a missing blob.
  std::set<std::string_view> seen;
  std::vector<std::pair<std::string, std::string_view>> blobs;
  for (const auto& f : v.files) {
    if (seen.insert(f.digest).second) blobs.emplace_back(f.digest, f.content);
  }
  SPOKE_RETURN_IF_ERROR(impl_->storage.blobs->put_many(blobs));
  timer.phase("blobs");

  Timestamp now = now_ms();
  v.created_at = now;
  Module module_if_missing{v.module, request.module_description, now, now};
  auto inserted = impl_->storage.metadata->insert_version(module_if_missing, std::move(v));
  timer.phase("metadata");
  if (!inserted.ok()) {
    if (inserted.status().reason() == "version_exists") {
      // Lost a race with a concurrent push of the same version.
      return answer_existing(impl_->storage.metadata->get_version(request.module, request.version));
    }
    return inserted.status();
  }
  return PushResult{std::move(inserted).value(), true, std::move(warnings)};
}

Result<ValidateReport> Registry::validate(const ValidateRequest& request) {
  if (!request.module.empty()) SPOKE_RETURN_IF_ERROR(validate_module_name(request.module));
  std::vector<File> files;
  for (const auto& in : request.files) {
    files.push_back({in.path, in.content, content_digest(in.content), in.content.size()});
  }
  SPOKE_RETURN_IF_ERROR(validate_files(files));
  std::vector<std::string> specs = request.dependencies;
  if (specs.empty() && request.infer_dependencies) {
    auto inferred = infer_dependencies(request.module, request.files);
    if (!inferred.ok()) return inferred.status();
    specs = std::move(inferred).value();
  }
  auto pinned = impl_->pin_dependencies(request.module, specs, *this);
  if (!pinned.ok()) return pinned.status();
  std::string root = request.module.empty() ? "(files)" : request.module;
  auto checked = impl_->check_schema(root, request.module, files, pinned.value());
  if (!checked.ok()) return checked.status();
  return ValidateReport{checked->valid(), std::move(checked->diagnostics),
                        std::move(pinned).value()};
}

Result<DependencyReport> Registry::get_dependencies(const std::string& module,
                                                    const std::string& version) {
  auto v = get_version(module, version, false);
  if (!v.ok()) return v.status();
  auto closure = internal::compute_closure(*impl_->storage.metadata, v->module + "@" + v->version,
                                           v->module, v->dependencies);
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
  {
    std::lock_guard lock(impl_->schema_mu);
    for (auto it = impl_->schemas.begin(); it != impl_->schemas.end(); ++it) {
      if (it->first == v->digest) {
        impl_->schemas.splice(impl_->schemas.begin(), impl_->schemas, it);
        return it->second;
      }
    }
  }
  auto checked =
      impl_->check_schema(v->module + "@" + v->version, v->module, v->files, v->dependencies);
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) {
    return Status::Internal(
               fmt::format("stored version {}@{} no longer compiles", v->module, v->version),
               "invalid_stored_schema")
        .with_diagnostics(std::move(checked->diagnostics));
  }
  std::lock_guard lock(impl_->schema_mu);
  impl_->schemas.emplace_front(v->digest, checked->schema);
  if (impl_->schemas.size() > 4) impl_->schemas.pop_back();
  return checked->schema;
}

Result<VersionSources> Registry::get_sources(const std::string& module,
                                             const std::string& version) {
  auto v = get_version(module, version, true);
  if (!v.ok()) return v.status();
  auto closure = internal::compute_closure(*impl_->storage.metadata, v->module + "@" + v->version,
                                           v->module, v->dependencies);
  if (!closure.ok()) return closure.status();
  auto deps = internal::load_closure_files(*impl_->storage.blobs, closure.value());
  if (!deps.ok()) return deps.status();
  VersionSources out;
  for (const auto& f : v->files) out.files.push_back({f.path, f.content});
  out.dependencies = std::move(deps).value();
  out.version = std::move(v).value();
  return out;
}

Status Registry::set_default_compatibility(const std::string& compatibility) {
  auto normalized = internal::normalize_compatibility(compatibility);
  if (!normalized) return internal::invalid_compatibility(compatibility);
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

Result<EffectivePolicy> Registry::set_policy(const std::string& module, ModulePolicy policy) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  if (!policy.compatibility.empty()) {
    auto normalized = internal::normalize_compatibility(policy.compatibility);
    if (!normalized) return internal::invalid_compatibility(policy.compatibility);
    policy.compatibility = *normalized;
  }
  policy.updated_at = now_ms();
  SPOKE_RETURN_IF_ERROR(impl_->storage.metadata->put_module_policy(module, policy));
  return impl_->effective_policy(module);
}

Result<BreakingResult> Registry::diff(const std::string& module, const std::string& from,
                                      const std::string& to, const std::string& against) {
  SPOKE_RETURN_IF_ERROR(validate_module_name(module));
  ModulePolicy rules;
  if (against.empty()) {
    auto policy = get_policy(module);
    if (!policy.ok()) return policy.status();
    rules = policy->policy;
  } else {
    auto normalized = internal::normalize_compatibility(against);
    if (!normalized) return internal::invalid_compatibility(against);
    rules.compatibility = *normalized;
  }
  auto before = impl_->comparison_schema(*this, module, from);
  if (!before.ok()) return before.status();
  auto after = impl_->comparison_schema(*this, module, to);
  if (!after.ok()) return after.status();
  BreakingOptions options;
  options.list_changes = true;
  auto result = check_breaking(*before.value(), *after.value(), options);
  if (!result.ok()) return result.status();
  // The changes are those of any comparison; the findings, those of the compatibility asked for.
  auto findings = internal::check_policy(rules, {before->get()}, *after.value());
  if (!findings.ok()) return findings.status();
  result->findings = std::move(findings).value();
  if (rules.compatibility == "NONE") {
    result->rules.clear();
  } else if (parse_compatibility_level(rules.compatibility)) {
    result->rules = {rules.compatibility};  // a Confluent level is one check
  } else {
    BreakingOptions selected;
    selected.use = {rules.compatibility};
    auto ids = resolve_breaking_rules(selected);
    if (!ids.ok()) return ids.status();
    result->rules = std::move(ids).value();
  }
  return result;
}

MetadataStore& internal::RegistryAccess::metadata(Registry& registry) {
  return *registry.impl_->storage.metadata;
}
BlobStore& internal::RegistryAccess::blobs(Registry& registry) {
  return *registry.impl_->storage.blobs;
}

Result<std::vector<std::string>> Registry::infer_dependencies(const std::string& module,
                                                              const std::vector<FileInput>& files) {
  std::set<std::string> own;
  for (const auto& f : files) own.insert(f.path);
  std::map<std::string, std::string> needed;  // module -> exact latest version
  std::set<std::string> looked_up;
  for (const auto& f : files) {
    for (const auto& imp : scan_imports(f.content)) {
      if (own.count(imp) != 0 || is_well_known_file(imp) || !looked_up.insert(imp).second) continue;
      auto holders = impl_->storage.metadata->find_path(imp);
      if (!holders.ok()) return holders.status();
      std::vector<std::pair<std::string, std::string>> candidates;  // (module, latest)
      std::set<std::string> modules;
      for (const auto& [m, _] : holders.value()) {
        if (m != module) modules.insert(m);
      }
      for (const auto& m : modules) {
        auto latest = resolve_version(m, "latest");
        if (!latest.ok()) return latest.status();
        for (const auto& [hm, hv] : holders.value()) {
          if (hm == m && hv == latest.value()) candidates.emplace_back(m, hv);
        }
      }
      if (candidates.empty()) {
        return Status::Unprocessable(
            fmt::format("import \"{}\" (in {}) is not in this module, not a well-known type, and "
                        "not provided by the latest version of any module; push the module that "
                        "provides it first or declare the dependency",
                        imp, f.path),
            "unresolved_import");
      }
      if (candidates.size() > 1) {
        return Status::Unprocessable(
            fmt::format("import \"{}\" (in {}) is provided by both {}@{} and {}@{}; declare the "
                        "one you mean in spoke.yaml or with -dep",
                        imp, f.path, candidates[0].first, candidates[0].second, candidates[1].first,
                        candidates[1].second),
            "ambiguous_import");
      }
      needed.emplace(candidates[0].first, candidates[0].second);
    }
  }
  std::vector<std::string> specs;
  for (const auto& [m, v] : needed) specs.push_back(m + "@" + v);
  return specs;
}

}  // namespace spoke
