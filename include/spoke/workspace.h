#pragma once

// The local side of libspoke: a directory of .proto files as a build tool or an editor sees it.
// Open it (its spoke.yaml, extra import roots, dependencies from a registry), then validate it,
// build its schema, generate code, compare it with another version, or read its syntax tree.
// spoke's CLI is a thin layer over this; so is anything else that works on files on disk.

#include <google/protobuf/descriptor.pb.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/compile.h"
#include "spoke/dependency_source.h"
#include "spoke/format.h"
#include "spoke/lint.h"
#include "spoke/model.h"
#include "spoke/registry_types.h"
#include "spoke/schema.h"
#include "spoke/status.h"
#include "spoke/validate_dir.h"

namespace spoke {

struct WorkspaceOptions {
  // The import root holding the workspace's files, and where spoke.yaml is read.
  std::string dir = ".";
  // Extra import roots: their files are dependencies (linked against, not targets).
  std::vector<std::string> include_dirs;
  // Paths relative to `dir` (files or directories) whose .proto files are left out.
  std::vector<std::string> excludes;
  // The dependencies, "module@version" ("latest" allowed); empty: the deps: of spoke.yaml.
  std::vector<std::string> dependencies;
  // Where the dependencies come from. Without one, only `dir` and `include_dirs` are read (the
  // declared dependencies are not fetched). Not owned; must outlive the workspace.
  DependencySource* source = nullptr;
};

// One language's generated files.
struct LanguageOutput {
  std::string language;
  std::vector<GeneratedFile> files;
};

struct CompileOutput {
  bool valid = false;                   // the files linked; otherwise nothing was generated
  std::vector<Diagnostic> diagnostics;  // the schema's errors and warnings
  std::vector<LanguageOutput> languages;
};

// A version to compare with: another directory, or a version from a DependencySource.
struct BreakingAgainst {
  std::string dir;  // a directory (its files linked with the workspace's include_dirs)
  // Or a stored version: module and version ("latest" allowed) from `source`, linked with its
  // own dependency closure, which the workspace's files use too.
  std::string module;
  std::string version = "latest";
  DependencySource* source = nullptr;
};

// Not thread-safe; each method reads what it needs from disk (and from the source) once and
// keeps it.
class Workspace {
 public:
  // Reads spoke.yaml (InvalidArgument "invalid_config" naming the line when malformed).
  // NotFound("dir_not_found") when `dir` is not a directory.
  static Result<std::unique_ptr<Workspace>> open(WorkspaceOptions options);
  ~Workspace();
  Workspace(const Workspace&) = delete;
  Workspace& operator=(const Workspace&) = delete;

  const WorkspaceOptions& options() const;
  // The module spoke.yaml names ("" when none).
  const std::string& module() const;
  // The dependencies in use: WorkspaceOptions::dependencies, else spoke.yaml's deps.
  const std::vector<std::string>& dependencies() const;

  // The .proto files under dir (minus excludes), sorted by path. InvalidArgument("no_files")
  // when there is none.
  Result<std::vector<FileInput>> files();
  // What the files are linked against: the include_dirs' files, then (with a source) the
  // dependencies' closure.
  Result<std::vector<FileInput>> dependency_files();
  // The versions the dependencies resolved to (empty without a source).
  Result<std::vector<Dependency>> resolved_dependencies();

  // Parses and links the files against their dependencies, as a push would; with `cache_dir`,
  // answers an unchanged tree from the cache (see validate_dir.h).
  Result<DirectoryValidation> validate(const std::string& cache_dir = "");
  // The linked schema and every diagnostic. Dependency problems are the Status; schema
  // problems are diagnostics of the result.
  Result<SchemaResult> build(const SchemaOptions& options = {});

  // Generates code for every request (in parallel), all or nothing: a missing generator or the
  // first failing language is the Status (checked before anything is read); files that do not
  // link give valid = false with their diagnostics.
  Result<CompileOutput> compile(const std::vector<CompileRequest>& requests,
                                const CompilerOptions& options = {});

  // The breaking changes of this workspace against `against` under `check`.
  Result<BreakingResult> breaking(const BreakingAgainst& against, const BreakingCheck& check);

  // The files linted as `buf lint` lints them (spoke/lint.h), linked with the dependency files,
  // under `config` (as `spoke lint --config` takes it: a .yaml, .yml or .json file, or the text
  // itself), else the directory's buf.yaml, else the lint: section of its spoke.yaml, else buf's
  // defaults. Errors as lint_workspace; dependency problems as dependency_files.
  Result<LintResult> lint(const std::string& config = "");

  // The files formatted as `buf format` formats them (spoke/format.h), in path order.
  Result<std::vector<FormattedFile>> format();

  // The syntax tree of the files (see spoke/ast.h).
  Result<nlohmann::json> ast();
  // The files and what they import, as `protoc --include_imports --descriptor_set_out`.
  Result<google::protobuf::FileDescriptorSet> descriptor_set(bool with_source_info);

  // What `spoke push` sends: the files, the module (`module` or spoke.yaml's), the declared
  // dependencies (none declared: the registry infers them), the git checkout's source info
  // unless `no_git`. InvalidArgument("missing_module") without a module; the files are checked
  // as a push checks them.
  Result<PushRequest> push_request(const std::string& module, const std::string& version,
                                   bool no_git = false);

 private:
  Workspace();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoke
