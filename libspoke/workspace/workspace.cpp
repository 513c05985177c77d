// Workspace: a directory of .proto files, its configuration and its dependencies, for local work.
#include "spoke/workspace.h"

#include <fmt/format.h>

#include <filesystem>
#include <future>
#include <optional>

#include "spoke/ast.h"
#include "spoke/file_tree.h"
#include "spoke/module_config.h"

namespace spoke {
namespace {

// The schema of a version being compared, or why there is none.
Result<std::shared_ptr<const Schema>> link_for_comparison(const std::string& what,
                                                          const std::vector<FileInput>& targets,
                                                          const std::vector<FileInput>& deps) {
  auto built = build_schema(targets, deps, breaking_schema_options());
  if (built.valid()) return built.schema;
  std::vector<Diagnostic> errors;
  for (auto& d : built.diagnostics) {
    if (d.severity == Severity::kError) errors.push_back(std::move(d));
  }
  return Status::Unprocessable(fmt::format("{} does not compile:", what), reason::kInvalidSchema)
      .with_diagnostics(std::move(errors));
}

Result<std::vector<FileInput>> read_roots(const std::vector<std::string>& dirs) {
  std::vector<FileInput> out;
  for (const auto& dir : dirs) {
    auto more = read_proto_tree(dir);
    if (!more.ok()) return more.status();
    for (auto& f : more.value()) out.push_back(std::move(f));
  }
  return out;
}

}  // namespace

struct Workspace::Impl {
  WorkspaceOptions options;
  std::string module;
  std::vector<std::string> dependencies;
  std::optional<std::vector<FileInput>> files;
  std::optional<std::vector<FileInput>> include_files;
  std::optional<DependencyClosure> closure;

  Result<std::vector<FileInput>> read_files() {
    if (!files) {
      auto tree = read_proto_tree(options.dir, options.excludes);
      if (!tree.ok()) return tree.status();
      if (tree->empty()) {
        return Status::InvalidArgument(fmt::format("no .proto files under {}", options.dir),
                                       reason::kNoFiles);
      }
      files = std::move(tree).value();
    }
    return *files;
  }

  // The dependencies' closure from the source (empty without one).
  Result<const DependencyClosure*> fetched() {
    if (!closure) {
      if (options.source == nullptr || dependencies.empty()) {
        closure.emplace();
      } else {
        auto resolved = resolve_dependencies(*options.source, dependencies, module);
        if (!resolved.ok()) return resolved.status();
        closure = std::move(resolved).value();
      }
    }
    return &*closure;
  }

  // The include roots' files, then `extra`.
  Result<std::vector<FileInput>> link_dependencies(const std::vector<FileInput>& extra) {
    if (!include_files) {
      auto read = read_roots(options.include_dirs);
      if (!read.ok()) return read.status();
      include_files = std::move(read).value();
    }
    std::vector<FileInput> out = *include_files;
    out.insert(out.end(), extra.begin(), extra.end());
    return out;
  }
};

Workspace::Workspace() : impl_(std::make_unique<Impl>()) {}
Workspace::~Workspace() = default;

Result<std::unique_ptr<Workspace>> Workspace::open(WorkspaceOptions options) {
  std::error_code ec;
  if (!std::filesystem::is_directory(options.dir, ec)) {
    return Status::NotFound(fmt::format("directory \"{}\" does not exist", options.dir),
                            reason::kDirNotFound);
  }
  auto config = read_module_config(options.dir);
  if (!config.ok()) return config.status();
  std::unique_ptr<Workspace> ws(new Workspace());
  Impl& impl = *ws->impl_;
  if (config->has_value()) {
    impl.module = config->value().module;
    impl.dependencies = config->value().deps;
  }
  if (!options.dependencies.empty()) impl.dependencies = options.dependencies;
  impl.options = std::move(options);
  return ws;
}

const WorkspaceOptions& Workspace::options() const { return impl_->options; }
const std::string& Workspace::module() const { return impl_->module; }
const std::vector<std::string>& Workspace::dependencies() const { return impl_->dependencies; }

Result<std::vector<FileInput>> Workspace::files() { return impl_->read_files(); }

Result<std::vector<FileInput>> Workspace::dependency_files() {
  auto closure = impl_->fetched();
  if (!closure.ok()) return closure.status();
  return impl_->link_dependencies(closure.value()->files);
}

Result<std::vector<Dependency>> Workspace::resolved_dependencies() {
  auto closure = impl_->fetched();
  if (!closure.ok()) return closure.status();
  std::vector<Dependency> out;
  for (const auto& v : closure.value()->versions) out.push_back({v.module, v.version, v.digest});
  return out;
}

Result<DirectoryValidation> Workspace::validate(const std::string& cache_dir) {
  auto closure = impl_->fetched();
  if (!closure.ok()) return closure.status();
  DirectoryValidationOptions options;
  options.dir = impl_->options.dir;
  options.excludes = impl_->options.excludes;
  options.include_dirs = impl_->options.include_dirs;
  options.extra_dependencies = closure.value()->files;
  options.cache_dir = cache_dir;
  return validate_directory(options);
}

Result<SchemaResult> Workspace::build(const SchemaOptions& options) {
  auto targets = files();
  if (!targets.ok()) return targets.status();
  auto deps = dependency_files();
  if (!deps.ok()) return deps.status();
  return build_schema(targets.value(), deps.value(), options);
}

Result<CompileOutput> Workspace::compile(const std::vector<CompileRequest>& requests,
                                         const CompilerOptions& options) {
  // A missing generator is reported before anything is read or fetched.
  for (const auto& r : requests) SPOKE_RETURN_IF_ERROR(check_compile_request(r, options));
  SchemaOptions schema_options;
  schema_options.for_code_generation = true;
  auto built = build(schema_options);
  if (!built.ok()) return built.status();
  CompileOutput out;
  out.valid = built->valid();
  out.diagnostics = std::move(built->diagnostics);
  if (!out.valid) return out;
  // Every language at once; nothing is returned unless all of them succeed.
  std::vector<std::future<Result<std::vector<GeneratedFile>>>> pending;
  for (const auto& r : requests) {
    pending.push_back(std::async(std::launch::async, [&schema = *built->schema, &r, &options] {
      return spoke::compile(schema, r, options);
    }));
  }
  std::optional<Status> failure;
  for (std::size_t i = 0; i < pending.size(); ++i) {
    auto result = pending[i].get();
    if (!result.ok()) {
      if (!failure) failure = result.status();
      continue;
    }
    out.languages.push_back({requests[i].language, std::move(result).value()});
  }
  if (failure) return *failure;
  return out;
}

Result<BreakingResult> Workspace::breaking(const BreakingAgainst& against,
                                           const BreakingCheck& check) {
  SPOKE_RETURN_IF_ERROR(validate_breaking_check(check));
  auto targets = files();
  if (!targets.ok()) return targets.status();
  std::shared_ptr<const Schema> before, after;
  if (!against.module.empty()) {
    if (against.source == nullptr) {
      return Status::InvalidArgument("comparing with a stored version needs a dependency source",
                                     reason::kNoSource);
    }
    auto stored = against.source->fetch_version(against.module, against.version);
    if (!stored.ok()) return stored.status();
    std::vector<std::string> direct;
    for (const auto& d : stored->dependencies) direct.push_back(d.spec());
    auto closure = resolve_dependencies(*against.source, direct, stored->module);
    if (!closure.ok()) return closure.status();
    // The stored version's closure serves the local files too.
    auto deps = impl_->link_dependencies(closure->files);
    if (!deps.ok()) return deps.status();
    auto current = link_for_comparison(impl_->options.dir, targets.value(), deps.value());
    if (!current.ok()) return current.status();
    std::vector<FileInput> stored_files;
    for (const auto& f : stored->files) stored_files.push_back({f.path, f.content});
    auto previous =
        link_for_comparison(stored->module + "@" + stored->version, stored_files, closure->files);
    if (!previous.ok()) return previous.status();
    after = std::move(current).value();
    before = std::move(previous).value();
  } else {
    auto against_files = read_proto_tree(against.dir);
    if (!against_files.ok()) return against_files.status();
    if (against_files->empty()) {
      return Status::InvalidArgument(fmt::format("no .proto files under {}", against.dir),
                                     reason::kNoFiles);
    }
    auto deps = impl_->link_dependencies({});
    if (!deps.ok()) return deps.status();
    // The two trees are independent: link them at once, each parsing on every core.
    auto previous = std::async(std::launch::async, [&] {
      return link_for_comparison(against.dir, against_files.value(), deps.value());
    });
    auto current = link_for_comparison(impl_->options.dir, targets.value(), deps.value());
    auto prev = previous.get();
    if (!current.ok()) return current.status();
    if (!prev.ok()) return prev.status();
    after = std::move(current).value();
    before = std::move(prev).value();
  }
  return run_breaking_check(check, {before.get()}, *after);
}

Result<LintResult> Workspace::lint(const std::string& config) {
  auto configuration = lint_configuration(impl_->options.dir, config);
  if (!configuration.ok()) return configuration.status();
  auto targets = files();
  if (!targets.ok()) return targets.status();
  auto deps = dependency_files();
  if (!deps.ok()) return deps.status();
  return lint_workspace(targets.value(), deps.value(), configuration.value());
}

Result<std::vector<FormattedFile>> Workspace::format() {
  auto targets = files();
  if (!targets.ok()) return targets.status();
  return format_files(targets.value());
}

Result<nlohmann::json> Workspace::ast() {
  auto built = build();
  if (!built.ok()) return built.status();
  if (!built->valid()) {
    return Status::Unprocessable(
               fmt::format("the files under {} do not compile", impl_->options.dir),
               reason::kInvalidSchema)
        .with_diagnostics(std::move(built->diagnostics));
  }
  return schema_ast_json(*built->schema);
}

Result<google::protobuf::FileDescriptorSet> Workspace::descriptor_set(bool with_source_info) {
  SchemaOptions options;
  options.for_code_generation = with_source_info;
  auto built = build(options);
  if (!built.ok()) return built.status();
  if (!built->valid()) {
    return Status::Unprocessable(
               fmt::format("the files under {} do not compile", impl_->options.dir),
               reason::kInvalidSchema)
        .with_diagnostics(std::move(built->diagnostics));
  }
  return spoke::descriptor_set(*built->schema, with_source_info);
}

Result<PushRequest> Workspace::push_request(const std::string& module, const std::string& version,
                                            bool no_git) {
  PushRequest r;
  r.module = module.empty() ? impl_->module : module;
  if (r.module.empty()) {
    return Status::InvalidArgument("--module is required (or module: in spoke.yaml)",
                                   reason::kMissingModule);
  }
  SPOKE_RETURN_IF_ERROR(validate_module_name(r.module));
  if (auto v = parse_version(version); !v.ok()) return v.status();
  r.version = version;
  auto tree = files();
  if (!tree.ok()) return tree.status();
  std::vector<File> check;
  check.reserve(tree->size());
  for (const auto& f : tree.value()) check.push_back({f.path, f.content, "", f.content.size()});
  SPOKE_RETURN_IF_ERROR(validate_files(check));
  r.files = std::move(tree).value();
  r.dependencies = impl_->dependencies;
  // Nothing declared (no -dep, no deps: in spoke.yaml): the registry infers from imports.
  r.infer_dependencies = r.dependencies.empty();
  if (!no_git) {
    auto si = detect_git_source_info(impl_->options.dir);
    if (!si.commit_sha.empty()) r.source_info = std::move(si);
  }
  return r;
}

}  // namespace spoke
