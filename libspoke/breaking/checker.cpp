// Runs buf's breaking rules (checker.h) on two schemas: selects the rules, runs them, drops the
// ignored findings and lists the changes.

#include "breaking/checker.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <tuple>

#include "breaking/changes.h"
#include "breaking/describe.h"
#include "breaking/ignores.h"
#include "breaking/rules.h"

namespace spoke {

namespace breaking_internal {

std::vector<Annotation> Checker::run() {
  file_rules();
  package_rules();
  for_each_pair(prev_.messages, cur_.messages,
                [&](const pb::Descriptor* p, const pb::Descriptor* m) { message_pair(m, p); });
  for_each_pair(prev_.extensions, cur_.extensions, [&](const auto& before, const auto& after) {
    for_each_pair(before, after, [&](const pb::FieldDescriptor* p, const pb::FieldDescriptor* f) {
      field_pair(f, p);
    });
  });
  for_each_pair(prev_.enums, cur_.enums,
                [&](const pb::EnumDescriptor* p, const pb::EnumDescriptor* e) { enum_pair(e, p); });
  for_each_pair(
      prev_.services, cur_.services,
      [&](const pb::ServiceDescriptor* p, const pb::ServiceDescriptor* s) { service_pair(s, p); });
  return std::move(out_);
}

std::optional<Where> Checker::at(const pb::FileDescriptor* f,
                                 const proto_internal::SourcePath& path) const {
  auto span = cur_.locations.span(f, path);
  if (!span) return std::nullopt;
  return Where{f->name(), *span};
}

std::optional<Where> Checker::file_only(const pb::FileDescriptor* f) {
  return Where{f->name(), proto_internal::Span{}};
}

std::optional<Where> Checker::deleted_element_location(const pb::FileDescriptor* file,
                                                       const NameMap<pb::Descriptor>& messages,
                                                       const std::string& name) const {
  std::string prefix = name;
  for (auto dot = prefix.rfind('.'); dot != std::string::npos; dot = prefix.rfind('.')) {
    prefix.resize(dot);
    auto it = messages.find(prefix);
    if (it != messages.end()) return loc(it->second);
  }
  return file_only(file);
}

void Checker::add(const char* rule, const std::optional<Where>& where,
                  const std::string& against_path, std::string message) {
  Annotation a;
  a.finding.type = rule;
  a.finding.message = std::move(message);
  if (where) {
    a.finding.path = where->path;
    a.finding.start_line = where->span.start_line;
    a.finding.start_column = where->span.start_column;
    a.finding.end_line = where->span.end_line;
    a.finding.end_column = where->span.end_column;
  }
  a.against_path = against_path;
  out_.push_back(std::move(a));
}

template <typename D>
void Checker::tag_ranges(const char* rule, const char* range_kind, const D* element,
                         const D* previous, const Ranges& previous_ranges, Ranges ranges,
                         int max_tag, const char* element_kind) {
  if (previous_ranges.empty()) return;
  std::sort(ranges.begin(), ranges.end());
  Ranges collapsed;
  for (const auto& r : ranges) {
    if (!collapsed.empty() &&
        static_cast<long long>(r.first) <= static_cast<long long>(collapsed.back().second) + 1) {
      collapsed.back().second = std::max(collapsed.back().second, r.second);
    } else {
      collapsed.push_back(r);
    }
  }
  auto range_string = [&](int start, int end) {
    if (start == end) return fmt::format("[{}]", start);
    if (end == max_tag) return fmt::format("[{},max]", start);
    return fmt::format("[{},{}]", start, end);
  };
  for (const auto& [start, end] : previous_ranges) {
    // The parts of [start, end] no range of the new element covers.
    Ranges missing;
    long long next = start;
    for (const auto& [cs, ce] : collapsed) {
      if (ce < next) continue;
      if (cs > end) break;
      if (cs > next) missing.emplace_back(static_cast<int>(next), cs - 1);
      next = static_cast<long long>(ce) + 1;
      if (next > end) break;
    }
    if (next <= end) missing.emplace_back(static_cast<int>(next), end);
    if (missing.empty()) continue;
    std::string removed;
    for (const auto& [ms, me] : missing)
      removed += (removed.empty() ? "" : ", ") + range_string(ms, me);
    add(rule, first_of(loc(element), file_only(element->file())), previous->file()->name(),
        fmt::format("Previously present {} range {} on {} {} is missing values: {} were removed.",
                    range_kind, quote(range_string(start, end)), element_kind,
                    quote(element->name()), removed));
  }
}

template void Checker::tag_ranges(const char*, const char*, const pb::Descriptor*,
                                  const pb::Descriptor*, const Ranges&, Ranges, int, const char*);

namespace {

// A message's reserved ranges, whose ends the descriptor holds exclusive.
Ranges reserved_ranges(const pb::Descriptor* m) {
  Ranges out;
  for (int i = 0; i < m->reserved_range_count(); ++i) {
    out.emplace_back(m->reserved_range(i)->start, m->reserved_range(i)->end - 1);
  }
  return out;
}

// An enum's reserved ranges, whose ends the descriptor holds inclusive.
Ranges reserved_ranges(const pb::EnumDescriptor* e) {
  Ranges out;
  for (int i = 0; i < e->reserved_range_count(); ++i) {
    out.emplace_back(e->reserved_range(i)->start, e->reserved_range(i)->end);
  }
  return out;
}

}  // namespace

template <typename D>
void Checker::reserved_rule(const char* rule, const D* element, const D* previous, int max_tag,
                            const char* element_kind) {
  tag_ranges(rule, "reserved", element, previous, reserved_ranges(previous),
             reserved_ranges(element), max_tag, element_kind);
  std::set<std::string> names;
  for (int i = 0; i < element->reserved_name_count(); ++i) names.insert(element->reserved_name(i));
  for (int i = 0; i < previous->reserved_name_count(); ++i) {
    if (names.count(previous->reserved_name(i))) continue;
    add(rule, loc(element), previous->file()->name(),
        fmt::format("Previously present reserved name {} on {} {} was deleted.",
                    quote(previous->reserved_name(i)), element_kind, quote(element->name())));
  }
}

template void Checker::reserved_rule(const char*, const pb::Descriptor*, const pb::Descriptor*, int,
                                     const char*);
template void Checker::reserved_rule(const char*, const pb::EnumDescriptor*,
                                     const pb::EnumDescriptor*, int, const char*);

}  // namespace breaking_internal

void sort_findings(std::vector<BreakingFinding>& findings) {
  auto key = [](const BreakingFinding& f) {
    return std::tie(f.path, f.start_line, f.start_column, f.end_line, f.end_column, f.type,
                    f.message);
  };
  std::sort(findings.begin(), findings.end(),
            [&](const BreakingFinding& a, const BreakingFinding& b) { return key(a) < key(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const BreakingFinding& a, const BreakingFinding& b) {
                               return key(a) == key(b);
                             }),
                 findings.end());
}

namespace breaking_internal {

Result<PreparedCheck> PreparedCheck::make(const BreakingOptions& options) {
  auto rules = resolve_breaking_rules(options);
  if (!rules.ok()) return rules.status();
  auto ignores = Ignores::make(options);
  if (!ignores.ok()) return ignores.status();
  PreparedCheck out{
      std::move(rules).value(), {}, std::move(ignores).value(), deprecation_warnings(options)};
  out.enabled.insert(out.rules.begin(), out.rules.end());
  return out;
}

BreakingResult PreparedCheck::run(const SchemaIndex& before, const SchemaIndex& after,
                                  bool with_changes) const {
  BreakingResult result;
  result.rules = rules;
  result.warnings = warnings;
  for (auto& a : Checker(before, after, enabled).run()) {
    if (ignores.ignored(a.finding.type, a.finding.path, after.schema)) continue;
    if (ignores.ignored(a.finding.type, a.against_path, before.schema)) continue;
    result.findings.push_back(std::move(a.finding));
  }
  sort_findings(result.findings);
  if (with_changes) result.changes = list_changes(before, after);
  return result;
}

}  // namespace breaking_internal

Result<BreakingResult> check_breaking(const Schema& before, const Schema& after,
                                      const BreakingOptions& options) {
  auto check = breaking_internal::PreparedCheck::make(options);
  if (!check.ok()) return check.status();
  const breaking_internal::SchemaIndex before_index(before), after_index(after);
  return check->run(before_index, after_index, options.list_changes);
}

}  // namespace spoke
