#pragma once

// Shared by the lint component's sources; not installed.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/source_path.h"
#include "spoke/lint.h"

namespace spoke::lint_internal {

namespace pb = google::protobuf;

using proto_internal::SourcePath;

// ---- names (names.cpp) ----------------------------------------------------------------------

// buf's case conversions (its stringutil package): '.', '-', '_' and whitespace delimit words.
std::string to_pascal_case(std::string_view s);
std::string to_lower_snake_case(std::string_view s);
std::string to_upper_snake_case(std::string_view s);

// The version of a package whose last component (of two or more) is v1, v1beta2, v1p1alpha1,
// v2test, ...; nullopt when it has none.
enum class Stability { kStable, kAlpha, kBeta, kTest };
std::optional<Stability> package_version_stability(std::string_view package);

// `s` in double quotes as Go's %q writes it (backslashes, quotes and control characters
// escaped): how buf quotes names, paths and option values in its messages.
std::string go_quote(std::string_view s);

// "a/b/c.proto" -> "a/b"; "c.proto" -> ".".
std::string dir_of(std::string_view path);

// ---- rule catalogue (rule_table.cpp) ---------------------------------------------------------

// The rule IDs an entry of use/except/ignore_only names in `version` (a category's rules, a rule
// itself; a deprecated rule stands for its replacements, none for IMPORT_NO_WEAK). nullopt when
// the version has no such rule or category. `deprecated_note`, when not null, receives buf's
// notice for a deprecated rule or category.
std::optional<std::set<std::string>> expand_rule_entry(const std::string& version,
                                                       const std::string& entry,
                                                       std::string* deprecated_note = nullptr);

bool is_known_version(const std::string& version);

// `"X" is not a known rule or category ID`, as buf says it.
std::string unknown_rule_message(const std::string& entry);

// Normalizes an ignore path as buf does ("./a//b/" -> "a/b"); nullopt for an absolute path or one
// that leaves the root.
std::optional<std::string> normalize_relative_path(std::string_view path);

// True when `path` equals `root` or is inside it (both normalized, relative).
bool path_within(std::string_view path, std::string_view root);

// ---- comment ignores (comment_ignores.cpp) -----------------------------------------------

// The source paths whose leading comments can carry a `buf:lint:ignore` for a finding at `path`
// (buf's associated paths without children: each enclosing declaration, the declaration itself,
// an option's full path). Empty for a path buf does not know.
std::vector<SourcePath> comment_ignore_paths(const SourcePath& path);

// True when one of the (trimmed, non-empty) lines of `comment` starts with
// "buf:lint:ignore <rule_id>".
bool comment_ignores(std::string_view comment, std::string_view rule_id);

// True when `comment` has a line that is neither empty nor a `buf:lint:ignore` directive: what
// the COMMENT_* rules accept as documentation.
bool valid_leading_comment(std::string_view comment);

// ---- the walk (model.cpp) --------------------------------------------------------------------

template <typename T>
struct Element {
  const T* d;
  SourcePath path;
};

// The declarations of one target file with their source paths (proto_internal::path_of), in
// declaration order (messages before their nested messages; fields of a message, then its
// extensions, then the file's extensions), and where they are written.
struct FileModel {
  const pb::FileDescriptor* fd = nullptr;
  std::string path;               // the file's import path
  bool syntax_specified = false;  // a `syntax` statement was written
  std::vector<Element<pb::Descriptor>> messages;
  std::vector<Element<pb::FieldDescriptor>> fields;
  std::vector<Element<pb::OneofDescriptor>> oneofs;
  std::vector<Element<pb::EnumDescriptor>> enums;
  std::vector<Element<pb::EnumValueDescriptor>> enum_values;
  std::vector<Element<pb::ServiceDescriptor>> services;
  std::vector<Element<pb::MethodDescriptor>> methods;
  // For each import (by index): no symbol of it (or of the files it imports publicly) is used.
  std::vector<bool> unused_imports;

  // `info`: the parser's SourceCodeInfo of the file (Schema::source_info), which must outlive
  // the model.
  FileModel(const pb::FileDescriptor* file, const pb::SourceCodeInfo* info);

  // The first location of `path` in the file (indexed on first use), or nullptr.
  const pb::SourceCodeInfo::Location* find(const SourcePath& path) const;

 private:
  const pb::SourceCodeInfo* info_;
  mutable std::optional<proto_internal::LocationIndex> index_;
};

// The path of the name of the declaration `e`.
template <typename T>
SourcePath name_path(const Element<T>& e) {
  return proto_internal::append(e.path, {T::Proto::kNameFieldNumber});
}

// The options a rule reads.
struct RuleOptions {
  std::string enum_zero_value_suffix;
  bool rpc_allow_same_request_response = false;
  bool rpc_allow_google_protobuf_empty_requests = false;
  bool rpc_allow_google_protobuf_empty_responses = false;
  std::string service_suffix;
};

// A finding before it is located and filtered.
struct RawFinding {
  const char* rule;
  const FileModel* file;
  std::optional<SourcePath> path;  // nullopt: the whole file (1:1), not comment-ignorable
  std::string message;
};

// What a rule sees: the target files, every linked file (for import cycles), the options, and
// where findings go.
class Check {
 public:
  Check(const std::vector<FileModel>& files, const Schema& schema, const RuleOptions& options)
      : files_(files), schema_(schema), options_(options) {}
  const std::vector<FileModel>& files() const { return files_; }
  const Schema& schema() const { return schema_; }
  const RuleOptions& options() const { return options_; }

  // A finding at `path`; on the whole file when the file has no location for it.
  void add(const char* rule, const FileModel& file, SourcePath path, std::string message) {
    findings_.push_back({rule, &file, std::move(path), std::move(message)});
  }
  void add_file(const char* rule, const FileModel& file, std::string message) {
    findings_.push_back({rule, &file, std::nullopt, std::move(message)});
  }
  std::vector<RawFinding>& findings() { return findings_; }

 private:
  const std::vector<FileModel>& files_;
  const Schema& schema_;
  const RuleOptions& options_;
  std::vector<RawFinding> findings_;
};

using RuleFn = void (*)(Check&);

// The check function of a rule ID; nullptr for rules without one here (PROTOVALIDATE).
RuleFn rule_function(std::string_view id);

// Rule groups (rules_*.cpp); each registers its functions by ID.
struct RuleBinding {
  const char* id;
  RuleFn fn;
};
const std::vector<RuleBinding>& naming_rules();
const std::vector<RuleBinding>& layout_rules();
const std::vector<RuleBinding>& import_rules();
const std::vector<RuleBinding>& service_rules();
const std::vector<RuleBinding>& comment_rules();
const std::vector<RuleBinding>& sensible_rules();

}  // namespace spoke::lint_internal
