#pragma once

// The values spoke::Registry takes and answers (requests, reports, pages), apart from the model's
// own types: what a push sends, what a validation reports, a page of modules. Used by the
// registry, by its REST mapping and by the workspace, which prepares pushes.

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

struct ModuleSummary {
  Module module;
  std::string latest_version;  // empty when the module has no versions
  std::size_t version_count = 0;
  // Grows with every change to the module or its versions: equal revisions, equal answers.
  std::int64_t revision = 0;
};

struct ModulePage {
  std::vector<ModuleSummary> modules;
  std::string next_page_token;  // empty on the last page
};

struct ModuleDetail {
  Module module;
  std::string latest_version;  // what `latest` names; empty when there are no versions
  std::size_t version_count = 0;
  std::vector<Version> versions;  // one page, newest first, files without contents
  std::string next_page_token;    // empty on the last page
  std::int64_t revision = 0;      // see ModuleSummary::revision
};

// One page of a module's versions, newest first, files without contents.
struct VersionPage {
  std::vector<Version> versions;
  std::string next_page_token;  // empty on the last page
};

struct PushRequest {
  std::string module;
  std::string version;
  std::string description;
  std::string module_description;  // used only when the push creates the module
  std::vector<FileInput> files;
  std::vector<std::string> dependencies;  // "module@version", "latest" allowed
  // With no dependencies declared: resolve each import the files do not satisfy themselves to
  // the module whose latest version provides that path.
  bool infer_dependencies = false;
  SourceInfo source_info;
  // Publish even when the version breaks the module's policy; the number of breaking changes is
  // recorded as the version's forced_breaking.
  bool force = false;
  // Whether `force` also publishes past the module's lint policy. A server under access control
  // clears it for callers without the admin role: a forced push with lint findings is then
  // refused with PermissionDenied("forbidden") naming the admin role. Not sent over the API.
  bool may_force_lint = true;
};

struct PushResult {
  Version version;                   // files without contents
  bool created = false;              // false: identical content was already there
  std::vector<Diagnostic> warnings;  // e.g. unused imports
};

struct ValidateRequest {
  std::string module;  // optional: names the module, so a cycle back to it is caught
  std::vector<FileInput> files;
  std::vector<std::string> dependencies;
  bool infer_dependencies = false;
};

// What Registry::lint checks: files as for a validation, under a lint configuration.
struct LintRequest {
  std::string module;  // optional: names the module (its lint policy applies without `config`)
  std::vector<FileInput> files;
  std::vector<std::string> dependencies;
  bool infer_dependencies = false;
  // The lint section to check under; nullopt: the module's lint policy, else buf's default
  // rules (those of a buf.yaml v2: STANDARD).
  std::optional<LintConfig> config;
};

struct ValidateReport {
  bool valid = false;
  std::vector<Diagnostic> diagnostics;
  std::vector<Dependency> dependencies;  // as pinned
};

struct DependencyReport {
  std::vector<Dependency> direct;
  std::vector<Dependency> transitive;  // the whole closure, breadth first, direct ones included
};

// A stored version's files with contents, and every file of its dependency closure.
struct VersionSources {
  Version version;                      // files with contents
  std::vector<FileInput> files;         // the version's own files
  std::vector<FileInput> dependencies;  // files of the pinned closure
};

// What Registry::fill_descriptors did.
struct DescriptorFillReport {
  std::size_t versions = 0;           // versions looked at
  std::size_t filled = 0;             // descriptors built and stored
  std::vector<std::string> failures;  // "module@version: why", for versions left without one
};
// Versions `done` of `total` looked at; `version` is the last ("module@version").
using FillProgress =
    std::function<void(std::size_t done, std::size_t total, const std::string& version)>;

// The breaking-change policy a module's pushes are checked under.
struct EffectivePolicy {
  ModulePolicy policy;      // compatibility always set, upper case
  bool is_default = false;  // the module sets no compatibility: the server's default applies
};

// Parses a page size from a query (1..1000); InvalidArgument("invalid_limit") otherwise.
Result<std::size_t> parse_page_limit(std::string_view text);

struct CreateModuleResult {
  Module module;
  bool created = false;
};

}  // namespace spoke
