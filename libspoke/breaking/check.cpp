// One comparison as a module policy or `spoke breaking` names it: buf's rules or a Confluent
// level, against one or several earlier schemas.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <optional>

#include "breaking/changes.h"
#include "breaking/checker.h"
#include "breaking/ignores.h"
#include "breaking/schema_index.h"
#include "spoke/breaking.h"

namespace spoke {
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

// buf's rule selection of `check`: its options, with a buf category added to `use`.
BreakingOptions rule_options(const BreakingCheck& check) {
  BreakingOptions options = check.rules;
  if (!check.compatibility.empty()) {
    options.use.push_back(upper(check.compatibility));
  }
  return options;
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
      reason::kInvalidCompatibility);
}

SchemaOptions breaking_schema_options() {
  SchemaOptions options;
  options.interpreted_source_info = true;
  options.warn_unused_imports = false;
  return options;
}

Status validate_breaking_check(const BreakingCheck& check) {
  if (!check.compatibility.empty()) {
    auto normalized = normalize_compatibility(check.compatibility);
    if (!normalized) return invalid_compatibility(check.compatibility);
    if (*normalized == "NONE") return Status::OK();
    if (parse_compatibility_level(*normalized)) {
      if (!check.rules.use.empty() || !check.rules.except.empty()) {
        return Status::InvalidArgument(
            "use and except apply to buf's rules, not to a Confluent level", reason::kInvalidCheck);
      }
      return Status::OK();
    }
  }
  return resolve_breaking_rules(rule_options(check)).status();
}

Result<BreakingResult> run_breaking_check(const BreakingCheck& check,
                                          const std::vector<const Schema*>& earlier,
                                          const Schema& candidate) {
  SPOKE_RETURN_IF_ERROR(validate_breaking_check(check));
  std::string compatibility =
      check.compatibility.empty() ? "" : normalize_compatibility(check.compatibility).value();
  BreakingResult result;
  // The candidate is indexed once, however many comparisons it takes part in.
  std::optional<breaking_internal::SchemaIndex> candidate_index;
  auto indexed_candidate = [&]() -> const breaking_internal::SchemaIndex& {
    if (!candidate_index) candidate_index.emplace(candidate);
    return *candidate_index;
  };
  const bool with_changes = check.rules.list_changes && !earlier.empty();
  auto list_changes = [&] {
    const breaking_internal::SchemaIndex last(*earlier.back());
    result.changes = breaking_internal::list_changes(last, indexed_candidate());
  };
  if (compatibility == "NONE") {
    if (with_changes) list_changes();
    return result;
  }

  if (auto level = parse_compatibility_level(compatibility); level) {
    if (with_changes) list_changes();
    result.rules = {compatibility};
    if (earlier.empty()) return result;
    if (check.transitive) level = transitive_form(*level);
    std::vector<const Schema*> history = earlier;
    if (!is_transitive(*level)) history = {earlier.back()};
    result.findings = check_compatibility(history, candidate, *level);
    if (check.rules.ignore_unstable_packages) {
      std::erase_if(result.findings, [&](const BreakingFinding& f) {
        const auto* file = candidate.file(f.path);
        return file != nullptr && breaking_internal::is_unstable_package(file->package());
      });
    }
    sort_findings(result.findings);
    return result;
  }

  auto prepared = breaking_internal::PreparedCheck::make(rule_options(check));
  if (!prepared.ok()) return prepared.status();
  result.rules = prepared->rules;
  for (std::size_t i = 0; i < earlier.size(); ++i) {
    const bool last = i + 1 == earlier.size();
    const breaking_internal::SchemaIndex before(*earlier[i]);
    // The changes come with the comparison with the last earlier schema.
    auto r = prepared->run(before, indexed_candidate(), with_changes && last);
    result.findings.insert(result.findings.end(), r.findings.begin(), r.findings.end());
    if (result.warnings.empty()) result.warnings = std::move(r.warnings);
    if (with_changes && last) result.changes = std::move(r.changes);
  }
  sort_findings(result.findings);
  return result;
}

}  // namespace spoke
