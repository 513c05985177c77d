#include "registry/policy.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "breaking/ignores.h"

namespace spoke::internal {
namespace {

const char* const kBufCategories[] = {"FILE", "PACKAGE", "WIRE_JSON", "WIRE"};

std::string upper(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

bool is_buf_category(const std::string& c) {
  return std::find(std::begin(kBufCategories), std::end(kBufCategories), c) !=
         std::end(kBufCategories);
}

CompatibilityLevel transitive_form(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kBackward:
      return CompatibilityLevel::kBackwardTransitive;
    case CompatibilityLevel::kForward:
      return CompatibilityLevel::kForwardTransitive;
    case CompatibilityLevel::kFull:
      return CompatibilityLevel::kFullTransitive;
    default:
      return level;
  }
}

bool is_transitive(CompatibilityLevel level) {
  return level == CompatibilityLevel::kBackwardTransitive ||
         level == CompatibilityLevel::kForwardTransitive ||
         level == CompatibilityLevel::kFullTransitive;
}

}  // namespace

std::optional<std::string> normalize_compatibility(std::string_view text) {
  std::string u = upper(text);
  if (u == "NONE" || is_buf_category(u)) return u;
  if (auto level = parse_compatibility_level(u); level) return std::string(to_string(*level));
  return std::nullopt;
}

Status invalid_compatibility(std::string_view text) {
  return Status::InvalidArgument(
      fmt::format("compatibility \"{}\" is not known; use one of FILE, PACKAGE, WIRE_JSON, WIRE, "
                  "BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                  "FULL_TRANSITIVE, NONE",
                  text),
      "invalid_compatibility");
}

std::vector<std::string> versions_to_check(const std::vector<VersionRef>& refs,
                                           const VersionId& pushed, bool transitive) {
  std::vector<VersionRef> earlier;
  for (const auto& r : refs) {
    if (r.version == pushed.raw) continue;
    if (pushed.kind == VersionId::Kind::kCommit) {
      earlier.push_back(r);  // every version pushed before a commit id counts as earlier
      continue;
    }
    auto id = parse_version(r.version);
    if (id.ok() && id->kind == VersionId::Kind::kSemVer &&
        compare_semver(id->semver, pushed.semver) < 0) {
      earlier.push_back(r);
    }
  }
  std::vector<std::string> out;
  if (earlier.empty()) return out;
  if (pushed.kind == VersionId::Kind::kCommit) {
    // Commit ids have no order of their own: the latest pushed is the previous one.
    std::sort(earlier.begin(), earlier.end(),
              [](const VersionRef& a, const VersionRef& b) { return a.sequence < b.sequence; });
  } else {
    sort_newest_first(earlier);
    std::reverse(earlier.begin(), earlier.end());
  }
  if (!transitive) return {earlier.back().version};
  for (const auto& r : earlier) out.push_back(r.version);
  return out;
}

SchemaOptions breaking_schema_options() {
  SchemaOptions options;
  options.interpreted_source_info = true;
  options.warn_unused_imports = false;
  return options;
}

Result<std::vector<BreakingFinding>> check_policy(const ModulePolicy& policy,
                                                  const std::vector<const Schema*>& earlier,
                                                  const Schema& candidate) {
  std::vector<BreakingFinding> findings;
  if (earlier.empty() || policy.compatibility == "NONE") return findings;
  if (is_buf_category(policy.compatibility)) {
    BreakingOptions options;
    options.use = {policy.compatibility};
    options.ignore_unstable_packages = policy.ignore_unstable_packages;
    options.list_changes = false;
    for (const Schema* before : earlier) {
      auto r = check_breaking(*before, candidate, options);
      if (!r.ok()) return r.status();
      findings.insert(findings.end(), r->findings.begin(), r->findings.end());
    }
    sort_findings(findings);
    return findings;
  }
  auto level = parse_compatibility_level(policy.compatibility);
  if (!level) return invalid_compatibility(policy.compatibility);
  if (policy.transitive) level = transitive_form(*level);
  std::vector<const Schema*> history = earlier;
  if (!is_transitive(*level)) history = {earlier.back()};
  findings = check_compatibility(history, candidate, *level);
  if (policy.ignore_unstable_packages) {
    std::erase_if(findings, [&](const BreakingFinding& f) {
      const auto* file = candidate.file(f.path);
      return file != nullptr && breaking_internal::is_unstable_package(file->package());
    });
  }
  sort_findings(findings);
  return findings;
}

}  // namespace spoke::internal
