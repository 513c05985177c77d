// Registry's write path: push (validate, pin, check the policy, store) and validate.
#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <string_view>
#include <unordered_map>

#include "metrics/library_metrics.h"
#include "registry/policy.h"
#include "registry/registry_impl.h"
#include "resolve/closure.h"
#include "resolve/inference.h"
#include "spoke/breaking.h"
#include "spoke/log.h"
#include "spoke/registry.h"
#include "spoke/schema.h"
#include "util/timing.h"
#include "webhooks/events.h"

namespace spoke {
namespace {

Status digest_conflict(const std::string& module, const std::string& version,
                       const std::string& existing, const std::string& pushed) {
  return Status::Conflict(fmt::format("version {}@{} already exists with different content "
                                      "(existing digest {}, pushed digest {}); versions are "
                                      "immutable, push a new version instead",
                                      module, version, existing, pushed),
                          reason::kVersionExists)
      .with_field("existing_digest", existing)
      .with_field("digest", pushed);
}

Status invalid_schema(const Version& v, const SchemaResult& checked) {
  const Diagnostic* first = nullptr;
  for (const auto& d : checked.diagnostics) {
    if (d.severity == Severity::kError) {
      first = &d;
      break;
    }
  }
  return Status::Unprocessable(
             fmt::format("{}@{} does not compile: {} error{}, first: {}", v.module, v.version,
                         checked.error_count(), checked.error_count() == 1 ? "" : "s",
                         format_diagnostic(*first)),
             reason::kInvalidSchema)
      .with_diagnostics(checked.diagnostics);
}

// The version's files, checked as a set, sorted by path, with their digests.
Result<std::vector<File>> version_files(const std::vector<FileInput>& inputs) {
  std::vector<File> files;
  files.reserve(inputs.size());
  for (const auto& in : inputs) {
    File f;
    f.path = in.path;
    f.size = in.content.size();
    f.content = in.content;
    files.push_back(std::move(f));
  }
  SPOKE_RETURN_IF_ERROR(validate_files(files));
  std::sort(files.begin(), files.end(),
            [](const File& a, const File& b) { return a.path < b.path; });
  for (auto& f : files) f.digest = content_digest(f.content);
  return files;
}

// The outcome label of a push in spoke_pushes_total.
const char* push_outcome(const Result<PushResult>& result) {
  if (result.ok()) return result->created ? "created" : "identical";
  const Status& s = result.status();
  if (s.reason() == reason::kBreakingChange) return "breaking";
  if (s.reason() == reason::kLintFailed) return "lint";
  if (s.code() == Code::kConflict) return "conflict";
  if (s.code() == Code::kUnprocessable || s.code() == Code::kInvalidArgument) return "invalid";
  return "error";
}

// What a validation's report depends on: the files, the module they are checked as, and the
// pinned closure (a dependency's digest pins its own graph).
std::string validation_key(const std::string& module, const std::vector<File>& files,
                           const std::vector<Dependency>& pinned) {
  std::string key = module;
  key += '\0';
  key += compute_version_digest(files, pinned);
  for (const auto& d : pinned) {
    key += '\0';
    key += d.spec();
  }
  return key;
}

}  // namespace

Result<std::vector<Dependency>> Registry::Impl::pin_request_dependencies(
    const std::string& module, const std::vector<std::string>& declared, bool infer,
    const std::vector<FileInput>& files) {
  std::vector<std::string> specs = declared;
  if (specs.empty() && infer) {
    auto inferred = internal::infer_dependencies(*storage.metadata, module, files);
    if (!inferred.ok()) return inferred.status();
    specs = std::move(inferred).value();
  }
  return internal::pin_dependencies(lookup(), module, specs);
}

Result<PushResult> Registry::push(const PushRequest& request, AuditRecord* audit) {
  auto result = push_version(request, audit);
  internal::library_metrics().pushes.with({push_outcome(result)}).inc();
  if (!result.ok()) {
    // A refusal of the push itself (not of a store that went away) is an event for webhooks.
    Code code = result.status().code();
    if (code != Code::kUnavailable && code != Code::kInternal &&
        validate_module_name(request.module).ok()) {
      Journal journal;
      journal.events.push_back(
          internal::version_rejected_event(request.module, request.version, result.status()));
      if (Status s = impl_->storage.metadata->append_journal(journal); !s.ok()) {
        log::write(
            log::Level::kError, "webhooks: a version.rejected event was not stored",
            {{"module", request.module}, {"version", request.version}, {"error", s.to_string()}});
      }
    }
    RegistryEvent event{EventKind::kVersionRejected, request.module, request.version};
    event.rejection = &result.status();
    impl_->publish(event);
  } else if (result->created) {
    RegistryEvent event{EventKind::kVersionPushed, request.module, request.version};
    event.stored = &result->version;
    impl_->publish(event);
  }
  return result;
}

Result<PushResult> Registry::push_version(const PushRequest& request, AuditRecord* audit) {
  internal::PhaseTimer timer("push");
  SPOKE_RETURN_IF_ERROR(validate_module_name(request.module));
  auto version_id = parse_version(request.version);
  if (!version_id.ok()) return version_id.status();

  Version v;
  v.module = request.module;
  v.version = request.version;
  v.description = request.description;
  v.source_info = request.source_info;
  auto files = version_files(request.files);
  if (!files.ok()) return files.status();
  v.files = std::move(files).value();
  timer.phase("digests");

  auto pinned = impl_->pin_request_dependencies(request.module, request.dependencies,
                                                request.infer_dependencies, request.files);
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

  MetadataStore& store = *impl_->storage.metadata;
  auto existing = store.get_version(v.module, v.version);
  if (existing.ok()) return answer_existing(std::move(existing));
  if (existing.status().code() != Code::kNotFound) return existing.status();
  SPOKE_RETURN_IF_ERROR(impl_->check_no_other_spelling(v.module, version_id.value()));

  auto policy = impl_->effective_policy(v.module);
  if (!policy.ok()) return policy.status();
  const ModulePolicy& rules = policy->policy;
  const bool check_policy = rules.compatibility != "NONE";

  // Nothing that does not parse and link against its dependencies gets in. Linked as a
  // comparison needs it (warnings kept for the pusher), which is also the form its stored
  // descriptor is written from.
  const std::optional<LintConfig>& lint_policy = rules.lint;
  SchemaOptions link_options;
  link_options.interpreted_source_info = true;
  std::vector<FileInput> closure_files;
  auto checked = impl_->check_schema(v.module + "@" + v.version, v.module, v.files, v.dependencies,
                                     link_options, &closure_files);
  if (!checked.ok()) return checked.status();
  if (!checked->valid()) return invalid_schema(v, checked.value());
  std::vector<Diagnostic> warnings = std::move(checked->diagnostics);
  timer.phase("validate");

  // Nothing that breaks the module's lint policy gets in unless an allowed caller forces it.
  if (lint_policy) {
    SPOKE_RETURN_IF_ERROR(internal::check_lint_policy(*checked->schema, *lint_policy, request));
    timer.phase("lint");
  }

  // Nothing that breaks the module's policy gets in unless forced.
  if (check_policy) {
    std::vector<std::string> against;
    if (rules.transitive || rules.compatibility.ends_with("_TRANSITIVE")) {
      if (auto refs = store.list_versions(v.module); refs.ok()) {
        against = internal::versions_to_check(refs.value(), version_id.value(), true);
      } else if (refs.status().code() != Code::kNotFound) {
        return refs.status();
      }
    } else {
      // One indexed read, whatever the number of versions.
      auto previous = store.previous_version(v.module, version_id.value());
      if (!previous.ok()) return previous.status();
      if (*previous) against.push_back(**previous);
    }
    std::vector<std::shared_ptr<const Schema>> earlier;
    for (const auto& e : against) {
      auto schema = impl_->comparison_schema(*this, v.module, e);
      if (!schema.ok()) return schema.status();
      earlier.push_back(std::move(schema).value());
    }
    std::vector<const Schema*> history;
    for (const auto& e : earlier) history.push_back(e.get());
    auto result = run_breaking_check(internal::policy_check(rules), history, *checked->schema);
    if (!result.ok()) return result.status();
    timer.phase("policy");
    const auto& findings = result->findings;
    if (!findings.empty() && !request.force) {
      std::size_t n = findings.size();
      std::string what = against.size() == 1 ? fmt::format("{}@{}", v.module, against.front())
                                             : fmt::format("{} earlier versions", against.size());
      return Status::Conflict(
                 fmt::format("{}@{} breaks the {} compatibility of module {} against {}: {} "
                             "breaking change{}; fix {}, or push with force to publish anyway",
                             v.module, v.version, rules.compatibility, v.module, what, n,
                             n == 1 ? "" : "s", n == 1 ? "it" : "them"),
                 reason::kBreakingChange)
          .with_findings(std::make_shared<const std::vector<BreakingFinding>>(findings));
    }
    v.forced_breaking = static_cast<std::int64_t>(findings.size());
  }

  // The version linked, stored beside its files: reads, diffs, checks and compile jobs never
  // parse it again.
  std::unordered_map<std::string_view, const std::string*> sources;
  for (const auto& f : v.files) sources.emplace(f.path, &f.content);
  for (const auto& f : closure_files) sources.emplace(f.path, &f.content);
  auto descriptor = stored_descriptor_set(*checked->schema, [&](const std::string& path) {
    auto it = sources.find(path);
    return it == sources.end() ? nullptr : it->second;
  });
  if (!descriptor.ok()) return descriptor.status();
  v.descriptor_digest = content_digest(descriptor.value());
  timer.phase("descriptor");

  // Blobs first: a version's metadata never points at a missing blob.
  std::set<std::string_view> seen;
  std::vector<std::pair<std::string, std::string_view>> blobs;
  for (const auto& f : v.files) {
    if (seen.insert(f.digest).second) blobs.emplace_back(f.digest, f.content);
  }
  blobs.emplace_back(v.descriptor_digest, descriptor.value());
  SPOKE_RETURN_IF_ERROR(impl_->storage.blobs->put_many(blobs));
  timer.phase("blobs");

  const bool module_existed = store.get_module(v.module).ok();
  Timestamp now = now_ms();
  v.created_at = now;
  Module module_if_missing{v.module, request.module_description, now, now};
  // The change's journal: its events and audit entry are stored with the version or not at all.
  Journal journal = internal::journal_with(audit);
  journal.events.push_back(internal::module_created_event(module_if_missing));
  journal.events.push_back(internal::version_pushed_event(v));
  auto inserted = store.insert_version(module_if_missing, std::move(v), journal);
  timer.phase("metadata");
  if (!inserted.ok()) {
    // Lost a race with a concurrent push of another spelling of the version: that conflict.
    if (inserted.status().fields().count("existing_version") != 0) return inserted.status();
    if (inserted.status().reason() == reason::kVersionExists) {
      // Lost a race with a concurrent push of the same version.
      return answer_existing(store.get_version(request.module, request.version));
    }
    return inserted.status();
  }
  internal::mark_written(audit);
  if (!module_existed) {
    RegistryEvent event{EventKind::kModuleCreated, request.module};
    impl_->publish(event);
  }
  // The next push's policy check compares with this one: it is linked already.
  impl_->schemas.put(Impl::schema_key(inserted.value(), breaking_schema_options()),
                     checked->schema);
  return PushResult{std::move(inserted).value(), true, std::move(warnings)};
}

Result<ValidateReport> Registry::validate_files_of(const ValidateRequest& request) {
  if (!request.module.empty()) SPOKE_RETURN_IF_ERROR(validate_module_name(request.module));
  std::vector<File> files;
  for (const auto& in : request.files) {
    files.push_back({in.path, in.content, content_digest(in.content), in.content.size()});
  }
  SPOKE_RETURN_IF_ERROR(validate_files(files));
  auto pinned = impl_->pin_request_dependencies(request.module, request.dependencies,
                                                request.infer_dependencies, request.files);
  if (!pinned.ok()) return pinned.status();
  static auto& hits = internal::library_metrics().cache_hits.with({"validate"});
  static auto& misses = internal::library_metrics().cache_misses.with({"validate"});
  std::string key = validation_key(request.module, files, pinned.value());
  std::shared_ptr<const ValidateReport> report = impl_->validations.get(key);
  if (report != nullptr) {
    hits.inc();
  } else {
    misses.inc();
    std::string root = request.module.empty() ? "(files)" : request.module;
    auto checked = impl_->check_schema(root, request.module, files, pinned.value());
    if (!checked.ok()) return checked.status();
    report = std::make_shared<const ValidateReport>(
        ValidateReport{checked->valid(), std::move(checked->diagnostics), pinned.value()});
    impl_->validations.put(key, report);
  }
  return *report;
}

Result<ValidateReport> Registry::validate(const ValidateRequest& request) {
  auto report = validate_files_of(request);
  const char* result = !report.ok() ? "error" : report->valid ? "valid" : "invalid";
  internal::library_metrics().validations.with({result}).inc();
  return report;
}

}  // namespace spoke
