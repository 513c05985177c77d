#pragma once

// Lint: buf's lint rules (the same IDs, categories per config version, messages and locations as
// `buf lint`), configured as buf.yaml configures them or by the `lint:` section of spoke.yaml.

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/lint_config.h"
#include "spoke/schema.h"
#include "spoke/status.h"

namespace spoke {

// One module of a lint configuration file: where its files are and how they are linted.
struct LintModule {
  // The module's directory, relative to the directory of the configuration file ("." for a
  // buf.yaml v1beta1/v1, a spoke.yaml, or a v2 buf.yaml without `modules:`).
  std::string path = ".";
  // v1beta1 `build.roots`: import roots inside the module directory (default ".").
  std::vector<std::string> roots = {"."};
  // Directories (relative to `path`) whose files are not part of the module (v1 and v1beta1
  // `build.excludes`, v2 `excludes`).
  std::vector<std::string> excludes;
  LintConfig lint;
};

// A lint configuration file: a buf.yaml (v1beta1, v1 or v2 with `modules:`) or the `lint:`
// section of a spoke.yaml.
struct LintWorkspace {
  std::string version = "v2";
  std::string source;               // "buf.yaml", "spoke.yaml", or the file name given
  std::vector<LintModule> modules;  // one or more, sorted by path
};

// Parses the text of a buf.yaml (YAML or JSON, as buf's --config takes it). `source` names it in
// messages. InvalidArgument("invalid_config") naming the line for malformed YAML, a missing or
// unknown version, an unknown key or a value of the wrong shape; InvalidArgument("unknown_rule")
// naming the line for a rule ID or category the version does not have.
Result<LintWorkspace> parse_buf_yaml(std::string_view text, const std::string& source = "buf.yaml");

// Parses the `lint:` section of a spoke.yaml (the keys of a v2 buf.yaml's `lint:`; the v2 rule
// set); a spoke.yaml without one yields the default configuration. Errors as parse_buf_yaml.
Result<LintWorkspace> parse_spoke_yaml_lint(std::string_view text,
                                            const std::string& source = "spoke.yaml");

// A module's lint policy as a JSON object with the keys of a buf.yaml v2 `lint:` section (use,
// except, ignore, ignore_only, enum_zero_value_suffix, rpc_allow_same_request_response,
// rpc_allow_google_protobuf_empty_requests, rpc_allow_google_protobuf_empty_responses,
// service_suffix, disallow_comment_ignores); keys left at their defaults are left out, except
// `use` and `except`.
nlohmann::json lint_section_json(const LintConfig& config);

// Parses a `lint:` section with buf.yaml v2's keys (a JSON object, or YAML) into a v2
// configuration. Errors as parse_spoke_yaml_lint; the messages name `source` when it is not empty.
Result<LintConfig> parse_lint_section(std::string_view text, const std::string& source = "");

// The configuration of `dir`: its buf.yaml, else the `lint:` section of its spoke.yaml; nullopt
// when it has neither. Errors as parse_buf_yaml, Internal when a file cannot be read.
Result<std::optional<LintWorkspace>> read_lint_config(const std::string& dir);

// What lint found.
struct LintResult {
  std::vector<std::string> rules;         // the rule IDs checked, sorted (all modules)
  std::vector<BreakingFinding> findings;  // sorted as buf sorts them, without duplicates
  std::vector<std::string> warnings;      // e.g. a deprecated category in `use`
};

// Lints the target files of `schema` (paths as the module's import paths). The schema must keep
// the parser's source info with options located as protoc interprets them
// (SchemaOptions::interpreted_source_info, see lint_schema_options()). InvalidArgument
// ("unknown_rule") when `config` names a rule or category its version does not have,
// InvalidArgument("invalid_config") for a bad version or ignore path.
Result<LintResult> lint_schema(const Schema& schema, const LintConfig& config);

// How lint_files links: source info kept, standard options located as protoc interprets them.
SchemaOptions lint_schema_options(int threads = 0);

// Links `files` (import paths of one module) with `dependencies` and lints them under `config`.
// Unprocessable("invalid_schema") with the diagnostics when the files do not compile; otherwise
// as lint_schema.
Result<LintResult> lint_files(const std::vector<FileInput>& files,
                              const std::vector<FileInput>& dependencies, const LintConfig& config,
                              int threads = 0);

// Lints the files of a workspace: `files` are relative to the directory of its configuration
// file; each module's files (those under its path and roots, not excluded) are linked with the
// other modules' files and `dependencies` available for import, and linted under the module's
// configuration. Finding paths are relative to the configuration's directory, as buf prints them.
// Errors as lint_files.
Result<LintResult> lint_workspace(const std::vector<FileInput>& files,
                                  const std::vector<FileInput>& dependencies,
                                  const LintWorkspace& workspace, int threads = 0);

// lint_workspace under a configuration given as buf.yaml text.
Result<LintResult> lint_files(const std::vector<FileInput>& files,
                              const std::vector<FileInput>& dependencies, std::string_view buf_yaml,
                              int threads = 0);

// What `spoke lint` lints: a directory of .proto files with its configuration.
struct LintDirectoryOptions {
  std::string dir = ".";
  // Extra import roots: their files can be imported, they are not linted.
  std::vector<std::string> include_dirs;
  // As buf's --config: a path ending in .yaml, .yml or .json is read as a buf.yaml, anything else
  // is the buf.yaml text itself (YAML or JSON). Empty: `dir`'s buf.yaml, else the lint: section
  // of its spoke.yaml, else buf's defaults (those of a v1 buf.yaml).
  std::string config;
  int threads = 0;
};

// A configuration given as buf's --config takes it: true when `given` names a file (a path ending
// in .yaml, .yml or .json), whose text read_config_argument reads; otherwise `given` is the text.
// InvalidArgument("invalid_config") when the file cannot be read.
bool is_config_file(const std::string& given);
Result<std::string> read_config_argument(const std::string& given);

// The configuration `spoke lint` uses for `dir`: `config` as LintDirectoryOptions::config takes
// it, else dir's buf.yaml, else the lint: section of its spoke.yaml, else buf's defaults (those of
// a v1 buf.yaml). Errors as parse_buf_yaml and read_lint_config.
Result<LintWorkspace> lint_configuration(const std::string& dir, const std::string& config = "");

// Reads the tree under `options.dir` (see read_proto_tree) and lints it with lint_workspace.
// NotFound when `dir` is not a directory, InvalidArgument("no_files") when it holds no .proto
// file; otherwise errors as read_lint_config and lint_workspace.
Result<LintResult> lint_directory(const LintDirectoryOptions& options);

// A lint rule of a config version.
struct LintRule {
  std::string id;
  std::vector<std::string> categories;  // without deprecated categories, as buf lists them
  bool is_default = false;
  bool deprecated = false;
  std::string purpose;
};

// Every rule of `version`, in buf's listing order (`buf config ls-lint-rules`, deprecated rules
// last); InvalidArgument("invalid_config") for an unknown version.
Result<std::vector<LintRule>> lint_rules(const std::string& version);

// The categories of `version` (deprecated ones too: DEFAULT, and STYLE_DEFAULT in v1beta1).
std::vector<std::string> lint_categories(const std::string& version);

// The rule IDs `config` selects (use minus except, deprecated IDs replaced), sorted; errors as
// lint_schema.
Result<std::vector<std::string>> resolve_lint_rules(const LintConfig& config);

// Sorts as buf sorts lint output (path, start line, start column, type, message, end line, end
// column) and drops duplicates.
void sort_lint_findings(std::vector<BreakingFinding>& findings);

}  // namespace spoke
