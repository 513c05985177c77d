// spoke: the command-line client. Argument parsing and printing only; the work is in libspoke
// (local checks, file trees) and in the registry behind the HTTP API.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>

#include "breaking_cmd.h"
#include "common/args.h"
#include "common/client.h"
#include "common/github.h"
#include "compile_cmd.h"
#include "lint_cmd.h"
#include "policy_cmd.h"
#include "spoke/ast.h"
#include "spoke/breaking.h"
#include "spoke/file_tree.h"
#include "spoke/model.h"
#include "spoke/module_config.h"
#include "spoke/schema.h"
#include "spoke/validate_dir.h"
#include "spoke/wire.h"

namespace {

// "1 file", "2 files".
std::string count_files(std::size_t n) { return fmt::format("{} file{}", n, n == 1 ? "" : "s"); }

using spoke::Result;
using spoke::Status;
using spoke::cli::encode_segment;
using spoke::cli::github_escape;
using spoke::cli::RegistryClient;
using spoke::wire::json;

constexpr int kExitFailure = 1;

struct Common {
  std::string registry;
  bool json_output = false;
};

int fail(const Status& s) {
  std::cerr << "spoke: " << s.message() << "\n";
  for (const auto& d : s.diagnostics()) {
    if (d.line == 0 && (d.file.empty() || d.message.find(d.file) != std::string::npos)) {
      std::cerr << "  " << d.message << "\n";
    } else {
      std::cerr << "  " << spoke::format_diagnostic(d) << "\n";
    }
  }
  return kExitFailure;
}

void print_json(const json& j) { std::cout << j.dump(2) << "\n"; }

std::string version_path(const std::string& module, const std::string& version) {
  return "/modules/" + encode_segment(module) + "/versions/" + encode_segment(version);
}

// ---- push -------------------------------------------------------------------------------------

struct PushArgs {
  std::string module, version, dir = ".", description;
  std::vector<std::string> deps;
  bool no_git = false;
  bool force = false;
};

constexpr int kExitBreaking = 100;

// Fills module and deps from `dir`/spoke.yaml where the flags left them empty.
Status apply_module_config(const std::string& dir, std::string& module,
                           std::vector<std::string>& deps, bool& declared) {
  auto config = spoke::read_module_config(dir);
  if (!config.ok()) return config.status();
  if (config->has_value()) {
    if (module.empty()) module = config->value().module;
    if (deps.empty()) deps = config->value().deps;
  }
  // Nothing declared (no -dep, no deps: in spoke.yaml): the registry infers from imports.
  declared = !deps.empty();
  if (module.empty()) {
    return Status::InvalidArgument("--module is required (or module: in spoke.yaml)", "usage");
  }
  return Status::OK();
}

int run_push(const Common& common, PushArgs a) {
  bool declared = false;
  if (Status s = apply_module_config(a.dir, a.module, a.deps, declared); !s.ok()) {
    if (s.reason() == "usage") {
      std::cerr << "spoke: " << s.message() << " (run spoke --help for usage)\n";
      return 2;
    }
    return fail(s);
  }
  if (Status s = spoke::validate_module_name(a.module); !s.ok()) return fail(s);
  if (auto v = spoke::parse_version(a.version); !v.ok()) return fail(v.status());
  auto tree = spoke::read_proto_tree(a.dir);
  if (!tree.ok()) return fail(tree.status());
  if (tree->empty()) {
    return fail(Status::InvalidArgument(fmt::format("no .proto files under {}", a.dir)));
  }
  std::vector<spoke::File> check;
  for (const auto& f : tree.value()) check.push_back({f.path, f.content, "", f.content.size()});
  if (Status s = spoke::validate_files(check); !s.ok()) return fail(s);

  json files = json::array();
  for (const auto& f : tree.value()) files.push_back({{"path", f.path}, {"content", f.content}});
  json body = {{"version", a.version},
               {"description", a.description},
               {"module_description", a.description},
               {"files", std::move(files)},
               {"dependencies", a.deps},
               {"infer_dependencies", !declared},
               {"force", a.force}};
  if (!a.no_git) {
    auto si = spoke::detect_git_source_info(a.dir);
    if (!si.commit_sha.empty()) body["source_info"] = spoke::wire::to_json(si);
  }
  RegistryClient client(common.registry);
  int status = 0;
  auto r = client.post("/modules/" + encode_segment(a.module) + "/versions", body, true, &status);
  if (!r.ok() && r.status().reason() == "breaking_change") {
    // As `buf breaking` prints them, then why nothing was stored.
    if (r.status().findings() != nullptr) {
      for (const auto& f : *r.status().findings()) std::cout << spoke::format_finding(f) << "\n";
    }
    std::cerr << "spoke: " << r.status().message() << "\n";
    return kExitBreaking;
  }
  if (!r.ok()) return fail(r.status());
  if (common.json_output) {
    json out = r.value();
    out["created"] = status == 201;
    print_json(out);
    return 0;
  }
  auto v = spoke::wire::parse_version_json(r.value());
  if (!v.ok()) return fail(v.status());
  for (const auto& w : r->value("warnings", json::array())) {
    std::cerr << spoke::format_diagnostic({w.value("file", ""), w.value("line", 0),
                                           w.value("column", 0), w.value("severity", "warning"),
                                           w.value("message", "")})
              << "\n";
  }
  for (const auto& d : v->dependencies)
    std::cout << "depends on " << d.spec() << " " << d.digest << "\n";
  if (status == 201) {
    std::cout << fmt::format("pushed {}@{} ({})\ndigest {}\n", v->module, v->version,
                             count_files(v->files.size()), v->digest);
    if (v->forced_breaking > 0) {
      std::cout << fmt::format("forced: published despite {} breaking change{}\n",
                               v->forced_breaking, v->forced_breaking == 1 ? "" : "s");
    }
  } else {
    std::cout << fmt::format("{}@{} already exists with identical content\ndigest {}\n", v->module,
                             v->version, v->digest);
  }
  return 0;
}

// ---- pull -------------------------------------------------------------------------------------

struct PullArgs {
  std::string module, version, dir = ".";
  bool recursive = false;
};

int run_pull(const Common& common, const PullArgs& a) {
  if (Status s = spoke::validate_module_name(a.module); !s.ok()) return fail(s);
  RegistryClient client(common.registry);
  // Breadth-first over pinned dependencies when recursive; each module@version fetched once.
  std::vector<std::pair<std::string, std::string>> queue{{a.module, a.version}};
  std::set<std::string> seen;
  std::map<std::string, std::pair<std::string, std::string>> owner;  // path -> (spec, digest)
  std::vector<spoke::File> files;
  json pulled = json::array();
  for (std::size_t i = 0; i < queue.size(); ++i) {
    auto [module, version] = queue[i];
    auto r = client.get(version_path(module, version) + "?include=content");
    if (!r.ok()) return fail(r.status());
    auto v = spoke::wire::parse_version_json(r.value());
    if (!v.ok()) return fail(v.status());
    std::string spec = v->module + "@" + v->version;
    if (!seen.insert(spec).second) continue;
    pulled.push_back({{"module", v->module},
                      {"version", v->version},
                      {"digest", v->digest},
                      {"files", v->files.size()}});
    for (auto& f : v->files) {
      auto [it, fresh] = owner.emplace(f.path, std::pair{spec, f.digest});
      if (!fresh) {
        if (it->second.second != f.digest) {
          return fail(
              Status::Conflict(fmt::format("{} is provided by both {} and {} with different "
                                           "content",
                                           f.path, it->second.first, spec)));
        }
        continue;
      }
      files.push_back(std::move(f));
    }
    if (a.recursive) {
      for (const auto& d : v->dependencies) queue.emplace_back(d.module, d.version);
    }
  }
  if (Status s = spoke::write_files_under(a.dir, files); !s.ok()) return fail(s);
  if (common.json_output) {
    print_json({{"dir", a.dir}, {"files", files.size()}, {"versions", pulled}});
    return 0;
  }
  for (const auto& p : pulled) {
    std::cout << fmt::format("pulled {}@{} ({}, digest {})\n", p["module"].get<std::string>(),
                             p["version"].get<std::string>(),
                             count_files(p["files"].get<std::size_t>()),
                             p["digest"].get<std::string>());
  }
  std::cout << fmt::format("wrote {} under {}\n", count_files(files.size()), a.dir);
  return 0;
}

// ---- modules / versions -----------------------------------------------------------------------

int run_modules(const Common& common) {
  RegistryClient client(common.registry);
  json all = json::array();
  std::string token;
  do {
    auto r = client.get("/modules?limit=1000" + (token.empty() ? "" : "&page_token=" + token));
    if (!r.ok()) return fail(r.status());
    for (auto& m : r.value()["modules"]) all.push_back(std::move(m));
    token = r->value("next_page_token", "");
  } while (!token.empty());
  if (common.json_output) {
    print_json({{"modules", all}});
    return 0;
  }
  std::cout << fmt::format("{:<40} {:<20} {:>8}  {}\n", "MODULE", "LATEST", "VERSIONS",
                           "DESCRIPTION");
  for (const auto& m : all) {
    std::string latest =
        m["latest_version"].is_string() ? m["latest_version"].get<std::string>() : "-";
    std::cout << fmt::format("{:<40} {:<20} {:>8}  {}\n", m["name"].get<std::string>(), latest,
                             m["version_count"].get<std::size_t>(),
                             m["description"].get<std::string>());
  }
  return 0;
}

int run_versions(const Common& common, const std::string& module) {
  if (Status s = spoke::validate_module_name(module); !s.ok()) return fail(s);
  RegistryClient client(common.registry);
  auto r = client.get("/modules/" + encode_segment(module) + "/versions");
  if (!r.ok()) return fail(r.status());
  if (common.json_output) {
    print_json(r.value());
    return 0;
  }
  std::cout << fmt::format("{:<24} {:<24} {:>5}  {}\n", "VERSION", "CREATED", "FILES", "DIGEST");
  for (const auto& j : r.value()["versions"]) {
    auto v = spoke::wire::parse_version_json(j);
    if (!v.ok()) return fail(v.status());
    std::cout << fmt::format("{:<24} {:<24} {:>5}  {}\n", v->version,
                             spoke::format_timestamp(v->created_at), v->files.size(), v->digest);
  }
  return 0;
}

// ---- validate ---------------------------------------------------------------------------------

struct ValidateArgs {
  std::string dir = ".";
  std::vector<std::string> includes;
  std::string error_format = "text";
  std::vector<std::string> deps;
  bool recursive = false;
  bool no_cache = false;
};

// The files of `specs` and of everything they depend on, fetched from the registry.
// The files of `specs` and of everything they depend on, fetched from the registry, under the
// rules a push applies: one version per module, one content per path.
Result<std::vector<spoke::FileInput>> fetch_closure_files(RegistryClient& client,
                                                          const std::vector<std::string>& specs) {
  std::vector<std::pair<std::string, std::string>> versions;  // (module, exact version)
  std::map<std::string, std::string> version_of;              // module -> exact version
  auto add = [&](const std::string& module, const std::string& version) -> Status {
    auto [it, fresh] = version_of.emplace(module, version);
    if (fresh) {
      versions.emplace_back(module, version);
    } else if (it->second != version) {
      return Status::Unprocessable(fmt::format("module {} is needed at two versions: {} and {}",
                                               module, it->second, version),
                                   "dependency_conflict");
    }
    return Status::OK();
  };
  for (const auto& spec : specs) {
    auto parsed = spoke::parse_dependency_spec(spec);
    if (!parsed.ok()) return parsed.status();
    auto v = client.get(version_path(parsed->first, parsed->second));
    if (!v.ok()) return v.status();
    std::string exact = v->value("version", parsed->second);
    SPOKE_RETURN_IF_ERROR(add(parsed->first, exact));
    auto deps = client.get(version_path(parsed->first, exact) + "/dependencies");
    if (!deps.ok()) return deps.status();
    for (const auto& d : deps.value()["transitive"]) {
      SPOKE_RETURN_IF_ERROR(add(d["module"].get<std::string>(), d["version"].get<std::string>()));
    }
  }
  std::vector<spoke::FileInput> files;
  std::map<std::string, std::pair<std::string, std::string>> owner;  // path -> (spec, digest)
  for (const auto& [module, version] : versions) {
    auto r = client.get(version_path(module, version) + "?include=content");
    if (!r.ok()) return r.status();
    std::string spec = module + "@" + version;
    for (const auto& f : r.value()["files"]) {
      std::string path = f["path"].get<std::string>();
      std::string digest = f.value("digest", "");
      auto [it, fresh] = owner.emplace(path, std::pair{spec, digest});
      if (!fresh) {
        if (it->second.second == digest) continue;
        return Status::Unprocessable(
            fmt::format("{} is provided by both {} and {} with different content", path,
                        it->second.first, spec),
            "path_conflict");
      }
      files.push_back({std::move(path), f["content"].get<std::string>()});
    }
  }
  return files;
}

// Prints diagnostics as protoc does (text), one JSON object per line (json), or as GitHub
// Actions annotations (github).
void print_diagnostics(const std::vector<spoke::Diagnostic>& diags, const std::string& format) {
  for (const auto& d : diags) {
    if (format == "json") {
      std::cout << spoke::wire::to_json(d).dump() << "\n";
    } else if (format == "github") {
      std::string props = "file=" + github_escape(d.file, true);
      if (d.line > 0) props += fmt::format(",line={},col={}", d.line, d.column);
      std::cout << fmt::format("::{} {}::{}\n", d.severity == "warning" ? "warning" : "error",
                               props, github_escape(d.message, false));
    } else {
      std::cerr << spoke::format_diagnostic(d) << "\n";
    }
  }
}

// The files to link against: -I roots, then (with -recursive) the declared dependencies and
// their closure fetched from the registry.
Result<std::vector<spoke::FileInput>> gather_dependencies(const Common& common, ValidateArgs& a) {
  std::vector<spoke::FileInput> deps;
  for (const auto& inc : a.includes) {
    auto more = spoke::read_proto_tree(inc);
    if (!more.ok()) return more.status();
    for (auto& f : more.value()) deps.push_back(std::move(f));
  }
  if (a.recursive || !a.deps.empty()) {
    std::string module;
    bool declared = false;
    if (Status s = apply_module_config(a.dir, module, a.deps, declared);
        !s.ok() && s.reason() != "usage") {
      return s;
    }
    RegistryClient client(common.registry);
    auto fetched = fetch_closure_files(client, a.deps);
    if (!fetched.ok()) return fetched.status();
    for (auto& f : fetched.value()) deps.push_back(std::move(f));
  }
  return deps;
}

int run_validate(const Common& common, ValidateArgs a) {
  spoke::DirectoryValidationOptions options;
  options.dir = a.dir;
  options.include_dirs = a.includes;
  if (!a.no_cache) options.cache_dir = spoke::default_cache_dir();
  if (a.recursive || !a.deps.empty()) {
    ValidateArgs fetch_only = a;
    fetch_only.includes.clear();
    auto fetched = gather_dependencies(common, fetch_only);
    if (!fetched.ok()) return fail(fetched.status());
    options.extra_dependencies = std::move(fetched).value();
  }
  auto result = spoke::validate_directory(options);
  if (!result.ok()) return fail(result.status());
  print_diagnostics(result->diagnostics, a.error_format);
  return result->valid ? 0 : kExitFailure;
}

// Prints the structure of the files under -dir as JSON (the same shape as GET .../ast).
int run_ast(const Common& common, ValidateArgs a) {
  auto tree = spoke::read_proto_tree(a.dir);
  if (!tree.ok()) return fail(tree.status());
  if (tree->empty())
    return fail(Status::InvalidArgument(fmt::format("no .proto files under {}", a.dir)));
  auto gathered = gather_dependencies(common, a);
  if (!gathered.ok()) return fail(gathered.status());
  auto& deps = gathered.value();
  auto result = spoke::build_schema(tree.value(), deps);
  if (!result.valid()) {
    print_diagnostics(result.diagnostics, "text");
    return kExitFailure;
  }
  std::cout
      << spoke::schema_ast_json(*result.schema).dump(2, ' ', false, json::error_handler_t::replace)
      << "\n";
  return 0;
}

}  // namespace

namespace spoke::cli {

Result<std::vector<spoke::FileInput>> fetch_declared_dependencies(const std::string& registry,
                                                                  const std::string& dir,
                                                                  std::vector<std::string> deps) {
  Common common;
  common.registry = registry;
  ValidateArgs a;
  a.dir = dir;
  a.deps = std::move(deps);
  a.recursive = true;
  return gather_dependencies(common, a);
}

}  // namespace spoke::cli

int main(int argc, char** argv) {
  CLI::App app{"spoke: push, pull and inspect Protocol Buffers modules in a Spoke registry"};
  app.require_subcommand(1);
  Common common;
  const char* env_registry = std::getenv("SPOKE_REGISTRY");
  common.registry =
      env_registry != nullptr && *env_registry ? env_registry : "http://localhost:8080";
  app.add_option("--registry", common.registry,
                 "registry URL (default: $SPOKE_REGISTRY or http://localhost:8080)");
  app.add_flag("--json", common.json_output, "print machine-readable JSON");
  auto add_common = [&](CLI::App* sub) {
    sub->add_option("--registry", common.registry,
                    "registry URL (default: $SPOKE_REGISTRY or http://localhost:8080)");
    sub->add_flag("--json", common.json_output, "print machine-readable JSON");
  };

  PushArgs push;
  auto* push_cmd = app.add_subcommand("push", "push the .proto files under -dir as module@version");
  push_cmd->add_option("--module", push.module, "module name (default: module: in spoke.yaml)");
  push_cmd->add_option("--version", push.version, "semantic version (v1.2.3) or commit id")
      ->required();
  push_cmd->add_option("--dir", push.dir, "directory with the .proto files")->capture_default_str();
  push_cmd->add_option("--description", push.description, "description of the module and version");
  push_cmd->add_option("--dep", push.deps,
                       "dependency as module@version (repeatable; latest allowed)");
  push_cmd->add_flag("--no-git", push.no_git, "do not record git source information");
  push_cmd->add_flag("--force", push.force,
                     "publish even when the version breaks the module's compatibility policy");
  add_common(push_cmd);

  PullArgs pull;
  auto* pull_cmd = app.add_subcommand("pull", "write module@version's files under -dir");
  pull_cmd->add_option("--module", pull.module, "module name")->required();
  pull_cmd->add_option("--version", pull.version, "version, or latest")->required();
  pull_cmd->add_option("--dir", pull.dir, "directory to write into")->capture_default_str();
  pull_cmd->add_flag("--recursive", pull.recursive, "also pull the dependencies, transitively");
  add_common(pull_cmd);

  ValidateArgs validate;
  auto* validate_cmd = app.add_subcommand("validate", "parse and link the .proto files under -dir");
  validate_cmd->add_option("--dir", validate.dir, "import root holding the files to validate")
      ->capture_default_str();
  validate_cmd->add_option("-I,--include", validate.includes, "extra import root (repeatable)");
  validate_cmd->add_option(
      "--dep", validate.deps,
      "dependency module@version to fetch from -registry with its closure (repeatable; "
      "implies -recursive; default: deps: in spoke.yaml)");
  validate_cmd->add_flag("--recursive", validate.recursive,
                         "fetch the declared dependencies and their closure from -registry first");
  validate_cmd->add_flag("--no-cache", validate.no_cache,
                         "do not use or fill the result cache ($SPOKE_CACHE_DIR, ~/.cache/spoke)");
  validate_cmd->add_option("--error-format", validate.error_format, "text, json or github")
      ->check(CLI::IsMember({"text", "json", "github"}))
      ->capture_default_str();
  add_common(validate_cmd);

  ValidateArgs ast;
  auto* ast_cmd =
      app.add_subcommand("ast", "print the structure of the .proto files under -dir as JSON");
  ast_cmd->add_option("--dir", ast.dir, "import root holding the files")->capture_default_str();
  ast_cmd->add_option("-I,--include", ast.includes, "extra import root (repeatable)");
  ast_cmd->add_option("--dep", ast.deps, "dependency module@version to fetch with -recursive");
  ast_cmd->add_flag("--recursive", ast.recursive,
                    "fetch the declared dependencies from -registry first");
  add_common(ast_cmd);

  spoke::cli::BreakingArgs breaking;
  auto* breaking_cmd = spoke::cli::add_breaking_command(app, breaking);
  add_common(breaking_cmd);

  spoke::cli::LintArgs lint;
  auto* lint_cmd = spoke::cli::add_lint_command(app, lint);

  auto* modules_cmd = app.add_subcommand("modules", "list the modules in the registry");
  add_common(modules_cmd);

  std::string versions_module;
  auto* versions_cmd =
      app.add_subcommand("versions", "list the versions of a module, newest first");
  versions_cmd->add_option("--module", versions_module, "module name")->required();
  add_common(versions_cmd);

  spoke::cli::CompileCommands compile_commands(app, add_common);
  spoke::cli::PolicyCommands policy_commands(app, add_common);

  if (argc > 1 && argv[1][0] != '-' &&
      app.get_subcommands([&](CLI::App* s) { return s->check_name(argv[1]); }).empty()) {
    std::cerr
        << "spoke: unknown command \"" << argv[1]
        << "\"; commands: push, pull, validate, ast, breaking, diff, config, compile, languages, "
           "modules, versions (run spoke --help for usage)\n";
    return 2;
  }
  auto args = spoke::cli::normalize_long_flags(argc, argv);
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), const_cast<char**>(cargs.data()));
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    std::cerr << "spoke: " << what << " (run spoke --help for usage)\n";
    return 2;
  }

  auto dispatch = [&]() -> int {
    if (*push_cmd) return run_push(common, push);
    if (*pull_cmd) return run_pull(common, pull);
    if (*validate_cmd) return run_validate(common, validate);
    if (*ast_cmd) return run_ast(common, ast);
    if (*breaking_cmd) return spoke::cli::run_breaking(breaking, common.registry);
    if (*lint_cmd) return spoke::cli::run_lint(lint);
    if (*modules_cmd) return run_modules(common);
    if (*versions_cmd) return run_versions(common, versions_module);
    if (int code = compile_commands.run(common.registry, common.json_output); code >= 0) {
      return code;
    }
    if (int code = policy_commands.run(common.registry, common.json_output); code >= 0) {
      return code;
    }
    return 2;
  };
  int code = dispatch();
  // Large trees (a linked googleapis is ~1 GB of small objects) are left to the OS to reclaim:
  // freeing them one by one takes seconds.
  std::cout.flush();
  std::cerr.flush();
  std::fflush(nullptr);
  std::_Exit(code);
}
