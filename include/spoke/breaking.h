#pragma once

// Breaking-change detection between two versions of a schema: buf's rules (the same IDs,
// categories, messages and locations as `buf breaking`) and, on top, the compatibility levels of
// Confluent Schema Registry.

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/schema.h"
#include "spoke/status.h"

namespace spoke {

// One breaking change, shaped as `buf breaking --error-format json` prints it. Lines and columns
// are 1-based; an element without a position is reported at 1:1-1:1.
struct BreakingFinding {
  std::string path;  // file of the new schema it is attached to; empty when there is none
  int start_line = 1;
  int start_column = 1;
  int end_line = 1;
  int end_column = 1;
  std::string type;     // rule ID, e.g. "FIELD_SAME_TYPE"
  std::string message;  // what changed, in buf's words

  bool operator==(const BreakingFinding&) const = default;
};

// One difference between the two schemas, breaking or not, so that a diff is complete: elements
// added or deleted, comments and options changed.
// In name order, as changes of one place sort.
enum class ChangeKind { kAdded, kChanged, kDeleted };

// "added", "changed", "deleted".
const char* to_string(ChangeKind kind);
std::optional<ChangeKind> parse_change_kind(std::string_view text);

struct SchemaChange {
  ChangeKind kind = ChangeKind::kChanged;
  std::string element;  // "file", "message", "field", "oneof", "enum", "enum_value", "service",
                        // "method", "extension", "comment" or "option"
  std::string name;     // full name (file path for files; "Msg.field" for fields)
  std::string path;     // file of the new schema ("added", "changed") or of the old ("deleted")
  int line = 0;         // 1-based; 0 when unknown
  int column = 0;
  std::string detail;  // e.g. `option "go_package" changed from "a" to "b"`
};

struct BreakingOptions {
  // Which rule set: the one of a buf.yaml of this version ("v1beta1", "v1" or "v2").
  std::string config_version = "v2";
  // Rule IDs and categories (FILE, PACKAGE, WIRE_JSON, WIRE, CSR) to check; empty: the default
  // rules (those of FILE). Deprecated rule IDs stand for the rules that replaced them.
  std::vector<std::string> use;
  // Rule IDs and categories not to check.
  std::vector<std::string> except;
  // Files or directories (relative to the module root) whose findings are dropped: a finding is
  // dropped when the file of the new or of the old schema it concerns is under one of them.
  std::vector<std::string> ignore;
  // The same, for some rules or categories only.
  std::map<std::string, std::vector<std::string>> ignore_only;
  // Drops findings about files whose package is unstable (last component v1alpha1, v2beta,
  // v1test, v1p1beta1, ...).
  bool ignore_unstable_packages = false;
  // Lists SchemaChange entries (costs a walk over both schemas).
  bool list_changes = true;
};

struct BreakingResult {
  std::vector<std::string> rules;         // the rule IDs checked, sorted
  std::vector<BreakingFinding> findings;  // sorted by path, position, type, message
  std::vector<SchemaChange> changes;      // sorted by path, line, column
  std::vector<std::string> warnings;      // e.g. a deprecated rule ID in `use`
  bool breaking() const { return !findings.empty(); }
};

// Compares the target files of `before` with those of `after` (dependencies are not compared).
// InvalidArgument("unknown_rule") when `use`, `except` or `ignore_only` name a rule or category
// the config version does not have, or "invalid_config_version".
Result<BreakingResult> check_breaking(const Schema& before, const Schema& after,
                                      const BreakingOptions& options = {});

// A rule of a config version.
struct BreakingRule {
  std::string id;
  std::vector<std::string> categories;
  bool is_default = false;
  bool deprecated = false;
  std::vector<std::string> replacements;  // for deprecated rules
  std::string purpose;
};

// Every rule of `config_version`, sorted by ID; InvalidArgument for an unknown version.
Result<std::vector<BreakingRule>> breaking_rules(const std::string& config_version);

// The rule IDs `options` selects (use minus except, deprecated IDs replaced), sorted.
Result<std::vector<std::string>> resolve_breaking_rules(const BreakingOptions& options);

// The categories of `config_version` ("FILE", "PACKAGE", "WIRE_JSON", "WIRE", ...).
std::vector<std::string> breaking_categories(const std::string& config_version);

// ---- Confluent Schema Registry compatibility ------------------------------------------------

enum class CompatibilityLevel {
  kNone,
  kBackward,
  kBackwardTransitive,
  kForward,
  kForwardTransitive,
  kFull,
  kFullTransitive,
};

// "BACKWARD", "full_transitive", ... (case-insensitive); nullopt when not a level.
std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view text);
const char* to_string(CompatibilityLevel level);

// Checks `candidate` against `history` (earlier versions, oldest first) as Confluent Schema
// Registry checks a Protobuf schema under `level`: non-transitive levels look at the latest
// version only. BACKWARD: readers of `candidate` read data written with the earlier version;
// FORWARD: the reverse; FULL: both. Messages and fields are matched by name and number; findings
// carry Confluent's difference types (MESSAGE_REMOVED, FIELD_KIND_CHANGED,
// FIELD_SCALAR_KIND_CHANGED, FIELD_NAMED_TYPE_CHANGED, REQUIRED_FIELD_ADDED,
// REQUIRED_FIELD_REMOVED, MULTIPLE_FIELDS_MOVED_TO_ONEOF, FIELD_MOVED_TO_EXISTING_ONEOF,
// PACKAGE_CHANGED), located in `candidate` where it has the element.
std::vector<BreakingFinding> check_compatibility(const std::vector<const Schema*>& history,
                                                 const Schema& candidate, CompatibilityLevel level);

// Sorts as buf sorts its output (path, position, type, message) and drops duplicates.
void sort_findings(std::vector<BreakingFinding>& findings);

// A migration guide in Markdown titled `title`: for each finding, what changed, who it breaks
// (wire data, JSON data, generated code, by the categories of its rule) and what consumers
// should do; then every change of `result.changes`.
std::string migration_guide(const BreakingResult& result, const std::string& title);

// One line as `buf breaking`/`buf lint --error-format <format>` prints a finding, without the
// newline: "path:line:col:message" (without a path: "<input>:..."); the JSON object with its
// fields in buf's order; "::error file=...::message".
std::string format_finding(const BreakingFinding& f, ErrorFormat format = ErrorFormat::kText);

// ---- one comparison, as a policy or a command names it ---------------------------------------

// The compatibility `text` names, upper case ("wire_json" -> "WIRE_JSON"); nullopt when it is
// neither a buf category (FILE, PACKAGE, WIRE_JSON, WIRE), a Confluent level nor NONE.
std::optional<std::string> normalize_compatibility(std::string_view text);
// InvalidArgument("invalid_compatibility") naming `text` and listing the allowed values.
Status invalid_compatibility(std::string_view text);

struct BreakingCheck {
  // A buf category, a Confluent level, NONE (nothing is checked), or empty: buf's rules as
  // `rules` selects them.
  std::string compatibility;
  // buf's rule selection (config_version, use, except, ignore, ignore_unstable_packages,
  // list_changes). With a Confluent level only ignore_unstable_packages and list_changes apply.
  BreakingOptions rules;
  // Check a Confluent level against every earlier version (its _TRANSITIVE form).
  bool transitive = false;
};

// How schemas are linked for a comparison: options located as buf reports them, no warnings.
SchemaOptions breaking_schema_options();

// OK when `check` can run: InvalidArgument "invalid_compatibility", "unknown_rule",
// "invalid_config_version", or "invalid_check" for use/except given with a Confluent level.
Status validate_breaking_check(const BreakingCheck& check);

// The findings of `candidate` against `earlier` (oldest first; a non-transitive Confluent level
// looks at the last only) under `check`, sorted and without duplicates. `rules` of the result
// lists the rule IDs checked (a Confluent level is one: its name; NONE: none); `changes` lists
// every change from the last of `earlier` when check.rules.list_changes.
Result<BreakingResult> run_breaking_check(const BreakingCheck& check,
                                          const std::vector<const Schema*>& earlier,
                                          const Schema& candidate);

}  // namespace spoke
