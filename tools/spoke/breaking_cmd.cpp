#include "breaking_cmd.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <iostream>

#include "common/client.h"
#include "common/github.h"
#include "compile_cmd.h"
#include "spoke/breaking.h"
#include "spoke/file_tree.h"
#include "spoke/schema.h"
#include "spoke/wire.h"

namespace spoke::cli {

namespace {

constexpr int kBreakingFound = 100;
constexpr int kFailure = 1;
constexpr int kUsage = 2;

struct Loaded {
  std::shared_ptr<const Schema> schema;
  std::string error;  // empty when it linked
};

Loaded link(const std::string& what, const std::vector<FileInput>& targets,
            const std::vector<FileInput>& deps, int threads) {
  Loaded out;
  SchemaOptions options;
  options.interpreted_source_info = true;
  options.warn_unused_imports = false;
  options.threads = threads;
  auto result = build_schema(targets, deps, options);
  if (!result.valid()) {
    out.error = fmt::format("{} does not compile:", what);
    for (const auto& d : result.diagnostics) {
      if (d.severity == "error") out.error += "\n  " + format_diagnostic(d);
    }
    return out;
  }
  out.schema = result.schema;
  return out;
}

// A version stored in the registry: its files, and those of its dependency closure.
struct Fetched {
  std::vector<FileInput> files;
  std::vector<FileInput> dependencies;
  std::string spec;  // module@exact version
  std::string error;
};

Fetched fetch_version(const std::string& registry, const std::string& module,
                      const std::string& version) {
  Fetched out;
  RegistryClient client(registry);
  auto r = client.get("/modules/" + encode_segment(module) + "/versions/" +
                      encode_segment(version) + "?include=content");
  if (!r.ok()) {
    out.error = r.status().message();
    return out;
  }
  auto v = wire::parse_version_json(r.value());
  if (!v.ok()) {
    out.error = v.status().message();
    return out;
  }
  out.spec = v->module + "@" + v->version;
  for (const auto& f : v->files) out.files.push_back({f.path, f.content});
  std::vector<std::string> direct;
  for (const auto& d : v->dependencies) direct.push_back(d.spec());
  if (!direct.empty()) {
    auto deps = fetch_declared_dependencies(registry, ".", direct);
    if (!deps.ok()) {
      out.error = deps.status().message();
      return out;
    }
    out.dependencies = std::move(deps).value();
  }
  return out;
}

// Reads and links the tree under `dir` (with the -I roots, then `extra`, as dependencies).
Loaded load(const std::string& dir, const std::vector<std::string>& includes, int threads,
            const std::vector<FileInput>& extra = {}) {
  Loaded out;
  auto t0 = std::chrono::steady_clock::now();
  auto tree = read_proto_tree(dir);
  if (std::getenv("SPOKE_TIMING") != nullptr) {
    std::fprintf(stderr, "spoke timing: read %s %.3f s\n", dir.c_str(),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  if (!tree.ok()) {
    out.error = tree.status().message();
    return out;
  }
  if (tree->empty()) {
    out.error = fmt::format("no .proto files under {}", dir);
    return out;
  }
  std::vector<FileInput> deps;
  for (const auto& inc : includes) {
    auto more = read_proto_tree(inc);
    if (!more.ok()) {
      out.error = more.status().message();
      return out;
    }
    for (auto& f : more.value()) deps.push_back(std::move(f));
  }
  deps.insert(deps.end(), extra.begin(), extra.end());
  return link(dir, tree.value(), deps, threads);
}

void print(const std::vector<BreakingFinding>& findings, const std::string& format) {
  for (const auto& f : findings) {
    if (format == "json") {
      nlohmann::ordered_json j;
      if (!f.path.empty()) j["path"] = f.path;
      j["start_line"] = f.start_line;
      j["start_column"] = f.start_column;
      j["end_line"] = f.end_line;
      j["end_column"] = f.end_column;
      j["type"] = f.type;
      j["message"] = f.message;
      std::cout << j.dump() << "\n";
    } else if (format == "github") {
      std::string props;
      if (!f.path.empty()) {
        props = fmt::format(" file={},line={},col={},endLine={},endColumn={}",
                            github_escape(f.path, true), f.start_line, f.start_column, f.end_line,
                            f.end_column);
      }
      std::cout << fmt::format("::error{}::{}\n", props, github_escape(f.message, false));
    } else {
      std::cout << format_finding(f) << "\n";
    }
  }
}

}  // namespace

CLI::App* add_breaking_command(CLI::App& app, BreakingArgs& a) {
  auto* cmd = app.add_subcommand(
      "breaking", "report the breaking changes of the .proto files under -dir against -against");
  cmd->add_option("--dir", a.dir, "import root of the new version")->capture_default_str();
  auto* against =
      cmd->add_option("--against", a.against, "import root of the version to compare against");
  auto* against_module = cmd->add_option(
      "--against-module", a.against_module,
      "compare against a version of this module in the registry (with its dependencies)");
  against->excludes(against_module);
  cmd->add_option("--against-version", a.against_version,
                  "the version of -against-module (default latest)")
      ->capture_default_str();
  cmd->add_option("-I,--include", a.includes, "extra import root for both (repeatable)");
  cmd->add_option("--error-format", a.error_format, "text, json or github")
      ->check(CLI::IsMember({"text", "json", "github"}))
      ->capture_default_str();
  cmd->add_option("--category", a.category,
                  "a buf category (FILE, PACKAGE, WIRE_JSON, WIRE) or a Confluent level "
                  "(BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
                  "FULL_TRANSITIVE, NONE); default FILE");
  cmd->add_option("--use", a.use, "rule ID or category to check (repeatable)");
  cmd->add_option("--except", a.except, "rule ID or category not to check (repeatable)");
  cmd->add_option("--ignore", a.ignore, "file or directory whose changes are ignored (repeatable)");
  cmd->add_flag("--ignore-unstable-packages", a.ignore_unstable_packages,
                "ignore packages such as foo.v1beta1 and foo.v1alpha");
  cmd->add_option("--config-version", a.config_version,
                  "the rule set of this buf.yaml version: v1beta1, v1 or v2")
      ->check(CLI::IsMember({"v1beta1", "v1", "v2"}))
      ->capture_default_str();
  return cmd;
}

int run_breaking(const BreakingArgs& a, const std::string& registry) {
  if (a.against.empty() == a.against_module.empty()) {
    std::cerr << "spoke: breaking needs -against (a directory) or -against-module (a registry "
                 "module)\n";
    return kUsage;
  }
  std::optional<CompatibilityLevel> level;
  BreakingOptions options;
  options.config_version = a.config_version;
  options.use = a.use;
  options.except = a.except;
  options.ignore = a.ignore;
  options.ignore_unstable_packages = a.ignore_unstable_packages;
  options.list_changes = false;
  if (!a.category.empty()) {
    level = parse_compatibility_level(a.category);
    if (!level) {
      auto cats = breaking_categories(a.config_version);
      if (std::find(cats.begin(), cats.end(), a.category) == cats.end()) {
        std::cerr << "spoke: -category " << a.category
                  << " is neither a buf category (FILE, PACKAGE, WIRE_JSON, WIRE) nor a "
                     "Confluent level (BACKWARD, FORWARD, FULL, their _TRANSITIVE forms, NONE)\n";
        return kUsage;
      }
      options.use.push_back(a.category);
    } else if (!a.use.empty() || !a.except.empty()) {
      std::cerr << "spoke: -use and -except apply to buf's rules, not to a Confluent level\n";
      return kUsage;
    }
  }
  if (!level) {
    if (auto rules = resolve_breaking_rules(options); !rules.ok()) {
      std::cerr << "spoke: " << rules.status().message() << "\n";
      return kUsage;
    }
  }
  // The two trees are independent: read and link them at once, each parsing on every core, so
  // that no core idles when the smaller tree is done.
  Loaded current, previous;
  if (!a.against_module.empty()) {
    // The stored version's dependency closure serves the local files too.
    Fetched stored = fetch_version(registry, a.against_module, a.against_version);
    if (!stored.error.empty()) {
      std::cerr << "spoke: " << stored.error << "\n";
      return kFailure;
    }
    current = load(a.dir, a.includes, 0, stored.dependencies);
    if (current.error.empty()) previous = link(stored.spec, stored.files, stored.dependencies, 0);
  } else {
    auto against = std::async(std::launch::async, [&] { return load(a.against, a.includes, 0); });
    current = load(a.dir, a.includes, 0);
    previous = against.get();
  }
  for (const Loaded* l : {&current, &previous}) {
    if (!l->error.empty()) {
      std::cerr << "spoke: " << l->error << "\n";
      return kFailure;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  std::vector<BreakingFinding> findings;
  if (level) {
    findings = check_compatibility({previous.schema.get()}, *current.schema, *level);
  } else {
    auto result = check_breaking(*previous.schema, *current.schema, options);
    if (!result.ok()) {
      std::cerr << "spoke: " << result.status().message() << "\n";
      return kUsage;
    }
    for (const auto& w : result->warnings) std::cerr << "spoke: warning: " << w << "\n";
    findings = std::move(result->findings);
  }
  // SPOKE_TIMING=1 prints how long the comparison took, for benchmarking.
  if (std::getenv("SPOKE_TIMING") != nullptr) {
    std::fprintf(stderr, "spoke timing: compare %.3f s\n",
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  print(findings, a.error_format);
  // The linked trees (a googleapis release is ~1 GB of small objects) are left to the OS, which
  // reclaims them at exit far faster than freeing them one by one.
  static std::vector<std::shared_ptr<const Schema>> keep;
  keep = {current.schema, previous.schema};
  return findings.empty() ? 0 : kBreakingFound;
}

}  // namespace spoke::cli
