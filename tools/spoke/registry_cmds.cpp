// spoke push, pull, modules, versions: a directory to the registry and back.
#include <fmt/format.h>

#include <iostream>
#include <set>

#include "command.h"
#include "spoke/file_tree.h"
#include "spoke/frontend/output.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

using frontend::plural;

class PushCommand : public Command {
 public:
  explicit PushCommand(CLI::App& app) {
    app_ = app.add_subcommand("push", "push the .proto files under -dir as module@version");
    app_->add_option("--module", module_, "module name (default: module: in spoke.yaml)");
    app_->add_option("--version", version_, "semantic version (v1.2.3) or commit id")->required();
    app_->add_option("--dir", args_.dir, "directory with the .proto files")->capture_default_str();
    app_->add_option("--description", description_, "description of the module and version");
    app_->add_option("--dep", args_.deps,
                     "dependency as module@version (repeatable; latest allowed)");
    app_->add_flag("--no-git", no_git_, "do not record git source information");
    app_->add_flag("--force", force_,
                   "publish even when the version breaks the module's compatibility or lint "
                   "policy (past a lint policy: an admin's token under access control)");
  }

  int run(const Globals& globals) override {
    auto progress = frontend::Progress::on_stderr(globals.quiet);
    progress.phase("reading " + args_.dir);
    auto ws = Workspace::open({args_.dir, {}, {}, args_.deps, nullptr});
    if (!ws.ok()) return fail(ws.status());
    if (module_.empty() && ws.value()->module().empty()) {
      return usage("--module is required (or module: in spoke.yaml)");
    }
    auto request = ws.value()->push_request(module_, version_, no_git_);
    if (!request.ok()) return fail(request.status());
    request->description = description_;
    request->module_description = description_;
    request->force = force_;

    RemoteRegistry registry(globals.remote());
    const std::size_t file_count = request->files.size();
    std::size_t file_bytes = 0;
    for (const auto& f : request->files) file_bytes += f.content.size();
    progress.phase("uploading");
    progress.count(file_count, 0, file_count == 1 ? "file" : "files");
    progress.detail("gzip of " + frontend::human_bytes(file_bytes));
    auto r = registry.push(request.value(), [&](std::size_t sent, std::size_t total) {
      if (sent < total) {
        progress.bytes(sent, total);
      } else {
        progress.phase("validating and storing on the server");
        progress.count(file_count, 0, file_count == 1 ? "file" : "files");
      }
    });
    progress.finish();
    if (!r.ok() && r.status().findings() != nullptr &&
        (r.status().reason() == reason::kBreakingChange ||
         r.status().reason() == reason::kLintFailed)) {
      // As `buf breaking` / `buf lint` print them, then why nothing was stored.
      for (const auto& f : *r.status().findings()) std::cout << format_finding(f) << "\n";
      std::cerr << "spoke: " << r.status().message() << "\n";
      return frontend::kExitFindings;
    }
    if (!r.ok()) return fail(r.status());
    if (globals.json) {
      rest::json out = rest::to_json(r.value());
      out["created"] = r->created;
      print_json(out);
      return 0;
    }
    const Version& v = r->version;
    for (const auto& w : r->warnings) std::cerr << format_diagnostic(w) << "\n";
    for (const auto& d : v.dependencies) {
      std::cout << "depends on " << d.spec() << " " << d.digest << "\n";
    }
    if (r->created) {
      std::cout << fmt::format("pushed {}@{} ({})\ndigest {}\n", v.module, v.version,
                               plural(v.files.size(), "file"), v.digest);
      if (v.forced_breaking > 0) {
        std::cout << fmt::format(
            "forced: published despite {}\n",
            plural(static_cast<std::size_t>(v.forced_breaking), "breaking change"));
      }
    } else {
      std::cout << fmt::format("{}@{} already exists with identical content\ndigest {}\n", v.module,
                               v.version, v.digest);
    }
    return 0;
  }

 private:
  WorkspaceArgs args_;
  std::string module_, version_, description_;
  bool no_git_ = false;
  bool force_ = false;
};

class PullCommand : public Command {
 public:
  explicit PullCommand(CLI::App& app) {
    app_ = app.add_subcommand("pull", "write module@version's files under -dir");
    app_->add_option("--module", module_, "module name")->required();
    app_->add_option("--version", version_, "version, or latest")->required();
    app_->add_option("--dir", dir_, "directory to write into")->capture_default_str();
    app_->add_flag("--recursive", recursive_, "also pull the dependencies, transitively");
  }

  int run(const Globals& globals) override {
    if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
    auto progress = frontend::Progress::on_stderr(globals.quiet);
    progress.phase("downloading " + module_ + "@" + version_);
    RemoteRegistry registry(globals.remote());
    // The version itself, then (recursively) its closure, under the rules a push obeys.
    auto root = registry.get_version(module_, version_, true);
    if (!root.ok()) return fail(root.status());
    std::vector<Dependency> pulled{{root->module, root->version, root->digest}};
    std::vector<std::size_t> counts{root->files.size()};
    std::vector<File> files = root->files;
    if (recursive_) {
      std::vector<std::string> direct;
      for (const auto& d : root->dependencies) direct.push_back(d.spec());
      progress.phase("fetching dependencies");
      auto counted = count_fetches(registry, progress);
      auto closure = resolve_dependencies(*counted, direct, root->module);
      if (!closure.ok()) return fail(closure.status());
      for (const auto& v : closure->versions) {
        pulled.push_back({v.module, v.version, v.digest});
        counts.push_back(v.files.size());
      }
      std::set<std::string> own;
      for (const auto& f : files) own.insert(f.path);
      for (const auto& f : closure->files) {
        if (own.count(f.path) == 0) files.push_back({f.path, f.content, "", f.content.size()});
      }
    }
    progress.phase("writing");
    progress.count(files.size(), 0, files.size() == 1 ? "file" : "files");
    Status written = write_files_under(dir_, files);
    progress.finish();
    if (!written.ok()) return fail(written);
    if (globals.json) {
      rest::json versions = rest::json::array();
      for (std::size_t i = 0; i < pulled.size(); ++i) {
        versions.push_back({{"module", pulled[i].module},
                            {"version", pulled[i].version},
                            {"digest", pulled[i].digest},
                            {"files", counts[i]}});
      }
      print_json({{"dir", dir_}, {"files", files.size()}, {"versions", versions}});
      return 0;
    }
    for (std::size_t i = 0; i < pulled.size(); ++i) {
      std::cout << fmt::format("pulled {} ({}, digest {})\n", pulled[i].spec(),
                               plural(counts[i], "file"), pulled[i].digest);
    }
    std::cout << fmt::format("wrote {} under {}\n", plural(files.size(), "file"), dir_);
    return 0;
  }

 private:
  std::string module_, version_, dir_ = ".";
  bool recursive_ = false;
};

class ModulesCommand : public Command {
 public:
  explicit ModulesCommand(CLI::App& app) {
    app_ = app.add_subcommand("modules", "list the modules in the registry");
  }

  int run(const Globals& globals) override {
    RemoteRegistry registry(globals.remote());
    auto all = registry.list_all_modules();
    if (!all.ok()) return fail(all.status());
    if (globals.json) {
      rest::json list = rest::json::array();
      for (const auto& m : all.value()) list.push_back(rest::to_json(m));
      print_json({{"modules", list}});
      return 0;
    }
    std::cout << fmt::format("{:<40} {:<20} {:>8}  {}\n", "MODULE", "LATEST", "VERSIONS",
                             "DESCRIPTION");
    for (const auto& m : all.value()) {
      std::cout << fmt::format("{:<40} {:<20} {:>8}  {}\n", m.module.name,
                               m.latest_version.empty() ? "-" : m.latest_version, m.version_count,
                               m.module.description);
    }
    return 0;
  }
};

class VersionsCommand : public Command {
 public:
  explicit VersionsCommand(CLI::App& app) {
    app_ = app.add_subcommand("versions", "list the versions of a module, newest first");
    app_->add_option("--module", module_, "module name")->required();
  }

  int run(const Globals& globals) override {
    if (Status s = validate_module_name(module_); !s.ok()) return fail(s);
    RemoteRegistry registry(globals.remote());
    auto versions = registry.list_versions(module_);
    if (!versions.ok()) return fail(versions.status());
    if (globals.json) {
      print_json(rest::to_json(versions.value()));
      return 0;
    }
    std::cout << fmt::format("{:<24} {:<24} {:>5}  {}\n", "VERSION", "CREATED", "FILES", "DIGEST");
    for (const auto& v : versions.value()) {
      std::cout << fmt::format("{:<24} {:<24} {:>5}  {}\n", v.version,
                               format_timestamp(v.created_at), v.files.size(), v.digest);
    }
    return 0;
  }

 private:
  std::string module_;
};

}  // namespace

void add_registry_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<PushCommand>(app));
  out.push_back(std::make_unique<PullCommand>(app));
  out.push_back(std::make_unique<ModulesCommand>(app));
  out.push_back(std::make_unique<VersionsCommand>(app));
}

}  // namespace spoke::cli
