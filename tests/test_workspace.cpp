// The local side of libspoke: Workspace over a directory, dependencies through a DependencySource
// (a Registry in-process, a RemoteRegistry over HTTP to a real spoke-server, the on-disk cache),
// and the closure rules they share.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <map>

#include "spoke/archive.h"
#include "spoke/dependency_source.h"
#include "spoke/registry.h"
#include "spoke/remote_registry.h"
#include "spoke/workspace.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::read_file;
using spoke::testing::TempDir;
using spoke::testing::write_file;

namespace {

const char* kMoney = R"(syntax = "proto3";
package acme.common.v1;
message Money {
  string currency = 1;
  int64 units = 2;
}
)";

const char* kInvoice = R"(syntax = "proto3";
package acme.api.v1;
import "acme/common/v1/money.proto";
message Invoice {
  acme.common.v1.Money total = 1;
}
)";

const char* kInvoiceV2 = R"(syntax = "proto3";
package acme.api.v1;
import "acme/common/v1/money.proto";
message Invoice {
  acme.common.v1.Money amount = 1;
}
)";

std::unique_ptr<Registry> memory_registry() {
  auto r = Registry::open({"memory", ""});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

void push(Registry& reg, const std::string& module, const std::string& version,
          std::vector<FileInput> files, std::vector<std::string> deps = {}) {
  PushRequest r;
  r.module = module;
  r.version = version;
  r.files = std::move(files);
  r.dependencies = std::move(deps);
  auto pushed = reg.push(r);
  REQUIRE_MESSAGE(pushed.ok(), pushed.status().to_string());
}

// Counts what reaches the source underneath, to see what a cache saves.
class CountingSource : public DependencySource {
 public:
  explicit CountingSource(DependencySource& inner) : inner_(inner) {}
  Result<Version> fetch_version(const std::string& m, const std::string& v) override {
    ++contents;
    return inner_.fetch_version(m, v);
  }
  Result<Version> fetch_metadata(const std::string& m, const std::string& v) override {
    ++metadata;
    return inner_.fetch_metadata(m, v);
  }
  Result<Version> fetch_pinned(const Dependency& pin) override {
    ++contents;
    return inner_.fetch_pinned(pin);
  }
  std::string describe() const override { return "counting"; }
  int contents = 0;
  int metadata = 0;

 private:
  DependencySource& inner_;
};

}  // namespace

TEST_CASE("workspace_reads_spoke_yaml_and_fetches_the_declared_closure_in_process") {
  auto reg = memory_registry();
  push(*reg, "common", "v1.0.0", {{"acme/common/v1/money.proto", kMoney}});
  TempDir dir;
  write_file(dir / "acme/api/v1/invoice.proto", kInvoice);
  write_file(dir / "spoke.yaml", "module: api\ndeps:\n  - common@latest\n");

  // Without a source, the declared dependency is not fetched: the import is missing.
  auto alone = Workspace::open({dir.str()});
  REQUIRE(alone.ok());
  CHECK(alone.value()->module() == "api");
  CHECK(alone.value()->dependencies() == std::vector<std::string>{"common@latest"});
  auto missing = alone.value()->build();
  REQUIRE(missing.ok());
  CHECK_FALSE(missing->valid());

  WorkspaceOptions options;
  options.dir = dir.str();
  options.source = reg.get();
  auto ws = Workspace::open(options);
  REQUIRE(ws.ok());
  auto built = ws.value()->build();
  REQUIRE_MESSAGE(built.ok(), built.status().to_string());
  CHECK(built->valid());
  auto resolved = ws.value()->resolved_dependencies();
  REQUIRE(resolved.ok());
  REQUIRE(resolved->size() == 1);
  CHECK(resolved->front().spec() == "common@v1.0.0");
  auto set = ws.value()->descriptor_set(false);
  REQUIRE(set.ok());
  CHECK(set->file_size() == 2);
  CHECK(set->file(1).name() == "acme/api/v1/invoice.proto");
}

TEST_CASE("workspace_lints_under_its_buf_yaml_with_dependencies_from_a_source") {
  auto reg = memory_registry();
  push(*reg, "common", "v1.0.0", {{"acme/common/v1/money.proto", kMoney}});
  TempDir dir;
  write_file(dir / "acme/api/v1/invoice.proto", std::string(kInvoice) + "message bad_name {}\n");
  write_file(dir / "buf.yaml", "version: v2\nlint:\n  use: [MESSAGE_PASCAL_CASE]\n");
  WorkspaceOptions options;
  options.dir = dir.str();
  options.dependencies = {"common@v1.0.0"};
  options.source = reg.get();
  auto ws = Workspace::open(options);
  REQUIRE(ws.ok());
  auto linted = ws.value()->lint();
  REQUIRE_MESSAGE(linted.ok(), linted.status().to_string());
  CHECK(linted->rules == std::vector<std::string>{"MESSAGE_PASCAL_CASE"});
  REQUIRE(linted->findings.size() == 1);
  CHECK(linted->findings[0].path == "acme/api/v1/invoice.proto");
  CHECK(linted->findings[0].type == "MESSAGE_PASCAL_CASE");
  // A config given instead.
  auto other = ws.value()->lint("{version: v2, lint: {use: [FIELD_LOWER_SNAKE_CASE]}}");
  REQUIRE(other.ok());
  CHECK(other->findings.empty());
  CHECK(ws.value()->lint("{version: v9}").status().reason() == "invalid_config");

  // Without the dependency the files do not link.
  options.dependencies.clear();
  options.source = nullptr;
  auto alone = Workspace::open(options);
  REQUIRE(alone.ok());
  CHECK(alone.value()->lint().status().reason() == "invalid_schema");
}

TEST_CASE("workspace_compiles_every_language_or_nothing") {
  TempDir dir;
  write_file(dir / "acme/common/v1/money.proto", kMoney);
  auto ws = Workspace::open({dir.str()});
  REQUIRE(ws.ok());
  CompileRequest cpp, python;
  cpp.language = "cpp";
  python.language = "python";
  auto out = ws.value()->compile({cpp, python});
  REQUIRE_MESSAGE(out.ok(), out.status().to_string());
  REQUIRE(out->valid);
  REQUIRE(out->languages.size() == 2);
  CHECK(out->languages[0].language == "cpp");
  CHECK(out->languages[0].files.size() == 2);  // .pb.h and .pb.cc
  CHECK(out->languages[1].files.at(0).name == "acme/common/v1/money_pb2.py");

  CompileRequest nosuch;
  nosuch.language = "nosuch";
  auto refused = ws.value()->compile({cpp, nosuch});
  CHECK(refused.status().reason() == "plugin_not_found");

  write_file(dir / "broken.proto", "syntax = \"proto3\";\nmessage {\n");
  auto broken = Workspace::open({dir.str()});
  REQUIRE(broken.ok());
  auto invalid = broken.value()->compile({cpp});
  REQUIRE(invalid.ok());
  CHECK_FALSE(invalid->valid);
  CHECK(invalid->languages.empty());
  CHECK(invalid->diagnostics.at(0).file == "broken.proto");
}

TEST_CASE("workspace_excludes_paths_and_refuses_a_missing_directory") {
  TempDir dir;
  write_file(dir / "a/a.proto", "syntax = \"proto3\";\npackage a;\n");
  write_file(dir / "vendor/v.proto", "syntax = \"proto3\";\npackage v;\n");
  WorkspaceOptions options;
  options.dir = dir.str();
  options.excludes = {"vendor"};
  auto ws = Workspace::open(options);
  REQUIRE(ws.ok());
  auto files = ws.value()->files();
  REQUIRE(files.ok());
  REQUIRE(files->size() == 1);
  CHECK(files->front().path == "a/a.proto");

  auto gone = Workspace::open({(dir / "nowhere").string()});
  CHECK(gone.status().reason() == "dir_not_found");

  write_file(dir / "bad/spoke.yaml", "module: [1, 2\n");
  auto bad = Workspace::open({(dir / "bad").string()});
  CHECK(bad.status().reason() == "invalid_config");
}

TEST_CASE("workspace_breaking_against_a_directory_and_a_stored_version") {
  auto reg = memory_registry();
  push(*reg, "common", "v1.0.0", {{"acme/common/v1/money.proto", kMoney}});
  push(*reg, "api", "v1.0.0", {{"acme/api/v1/invoice.proto", kInvoice}}, {"common@v1.0.0"});

  TempDir dir;
  write_file(dir / "new/acme/api/v1/invoice.proto", kInvoiceV2);
  write_file(dir / "old/acme/api/v1/invoice.proto", kInvoice);
  write_file(dir / "common/acme/common/v1/money.proto", kMoney);
  WorkspaceOptions options;
  options.dir = (dir / "new").string();
  options.include_dirs = {(dir / "common").string()};
  auto ws = Workspace::open(options);
  REQUIRE(ws.ok());

  BreakingCheck file_rules;  // FILE by default
  auto against_dir = ws.value()->breaking({(dir / "old").string()}, file_rules);
  REQUIRE_MESSAGE(against_dir.ok(), against_dir.status().to_string());
  // The rename changes the field's name and its JSON name.
  REQUIRE(against_dir->findings.size() == 2);
  CHECK(against_dir->findings[0].type == "FIELD_SAME_JSON_NAME");
  CHECK(against_dir->findings[1].type == "FIELD_SAME_NAME");

  BreakingAgainst stored;
  stored.module = "api";
  stored.source = reg.get();
  auto against_registry = ws.value()->breaking(stored, file_rules);
  REQUIRE_MESSAGE(against_registry.ok(), against_registry.status().to_string());
  CHECK(against_registry->findings == against_dir->findings);

  // A Confluent level reads by number, so a rename is compatible.
  BreakingCheck backward;
  backward.compatibility = "BACKWARD";
  auto confluent = ws.value()->breaking(stored, backward);
  REQUIRE(confluent.ok());
  CHECK(confluent->findings.empty());
  CHECK(confluent->rules == std::vector<std::string>{"BACKWARD"});

  BreakingCheck mixed;
  mixed.compatibility = "BACKWARD";
  mixed.rules.use = {"FIELD_SAME_NAME"};
  CHECK(ws.value()->breaking(stored, mixed).status().reason() == "invalid_check");
  BreakingCheck sideways;
  sideways.compatibility = "SIDEWAYS";
  CHECK(ws.value()->breaking(stored, sideways).status().reason() == "invalid_compatibility");
}

TEST_CASE("closure_rules_hold_for_local_work_as_for_a_push") {
  auto reg = memory_registry();
  push(*reg, "common", "v1.0.0", {{"acme/common/v1/money.proto", kMoney}});
  push(*reg, "common", "v2.0.0", {{"acme/common/v1/money.proto", kMoney}});
  push(*reg, "other", "v1.0.0", {{"acme/common/v1/money.proto", "syntax = \"proto3\";\n"}});
  push(*reg, "mid", "v1.0.0", {{"mid.proto", "syntax = \"proto3\";\n"}}, {"common@v1.0.0"});

  auto ok = resolve_dependencies(*reg, {"mid@latest"});
  REQUIRE_MESSAGE(ok.ok(), ok.status().to_string());
  REQUIRE(ok->versions.size() == 2);
  CHECK(ok->versions[0].module == "mid");
  CHECK(ok->versions[1].version == "v1.0.0");
  CHECK(ok->files.size() == 2);

  CHECK(resolve_dependencies(*reg, {"mid@v1.0.0", "common@v2.0.0"}).status().reason() ==
        "dependency_conflict");
  CHECK(resolve_dependencies(*reg, {"common@v1.0.0", "other@v1.0.0"}).status().reason() ==
        "path_conflict");
  CHECK(resolve_dependencies(*reg, {"common@v9.0.0"}).status().reason() == "dependency_not_found");
  CHECK(resolve_dependencies(*reg, {"common@v1.0.0", "common@v2.0.0"}).status().reason() ==
        "duplicate_dependency");
  CHECK(resolve_dependencies(*reg, {"common"}).status().reason() == "invalid_dependency");
  CHECK(resolve_dependencies(*reg, {"mid@v1.0.0"}, "common").status().reason() ==
        "dependency_cycle");
}

TEST_CASE("cached_source_answers_pinned_versions_without_asking_and_checks_digests") {
  auto reg = memory_registry();
  push(*reg, "common", "v1.0.0", {{"acme/common/v1/money.proto", kMoney}});
  push(*reg, "mid", "v1.0.0", {{"mid.proto", "syntax = \"proto3\";\n"}}, {"common@v1.0.0"});
  TempDir cache;
  CountingSource counting(*reg);
  auto cached = make_cached_source(counting, cache.str());

  auto first = resolve_dependencies(*cached, {"mid@v1.0.0"});
  REQUIRE(first.ok());
  CHECK(counting.contents == 2);
  // Again: the direct dependency's metadata is asked for (the registry may hold other content
  // under that name); every content comes from the cache.
  auto second = resolve_dependencies(*cached, {"mid@v1.0.0"});
  REQUIRE(second.ok());
  CHECK(counting.contents == 2);
  CHECK(counting.metadata == 2);
  CHECK(second->files.size() == first->files.size());

  // A damaged entry is not an answer: it is fetched again.
  write_file(cache / "common/v1.0.0.version",
             read_file(cache / "common/v1.0.0.version").replace(40, 3, "XYZ"));
  auto third = resolve_dependencies(*cached, {"mid@v1.0.0"});
  REQUIRE(third.ok());
  CHECK(counting.contents == 3);

  // Another registry holding different content under the same name is not answered from it.
  auto other = memory_registry();
  push(*other, "common", "v1.0.0", {{"acme/common/v1/money.proto", "syntax = \"proto3\";\n"}});
  auto from_other = make_cached_source(*other, cache.str());
  auto v = from_other->fetch_version("common", "v1.0.0");
  REQUIRE(v.ok());
  CHECK(v->files.at(0).content == "syntax = \"proto3\";\n");
}

TEST_CASE("remote_registry_speaks_to_a_real_server_with_typed_values") {
  TempDir dir;
  spoke::testing::Server server(dir / "server");
  RemoteRegistry remote({server.url()});

  PushRequest p;
  p.module = "common";
  p.version = "v1.0.0";
  p.files = {{"acme/common/v1/money.proto", kMoney}};
  std::size_t last_progress = 0;
  auto pushed = remote.push(p, [&](std::size_t sent, std::size_t total) {
    CHECK(sent <= total);
    last_progress = sent;
  });
  REQUIRE_MESSAGE(pushed.ok(), pushed.status().to_string());
  CHECK(pushed->created);
  CHECK(last_progress > 0);
  auto again = remote.push(p);
  REQUIRE(again.ok());
  CHECK_FALSE(again->created);
  CHECK(again->version.digest == pushed->version.digest);

  auto detail = remote.get_module("common");
  REQUIRE(detail.ok());
  CHECK(detail->latest_version == "v1.0.0");
  CHECK(detail->versions.size() == 1);

  // Errors arrive as the server's Status.
  auto missing = remote.get_version("common", "v9.9.9", false);
  CHECK(missing.status().code() == Code::kNotFound);
  CHECK(missing.status().reason() == "version_not_found");
  PushRequest broken = p;
  broken.version = "v1.1.0";
  broken.files = {{"acme/common/v1/money.proto", "syntax = \"proto3\";\nmessage {\n"}};
  auto refused = remote.push(broken);
  CHECK(refused.status().reason() == "invalid_schema");
  CHECK_FALSE(refused.status().diagnostics().empty());

  // A workspace over the remote registry.
  write_file(dir / "api/acme/api/v1/invoice.proto", kInvoice);
  WorkspaceOptions options;
  options.dir = (dir / "api").string();
  options.dependencies = {"common@latest"};
  options.source = &remote;
  auto ws = Workspace::open(options);
  REQUIRE(ws.ok());
  auto validation = ws.value()->validate();
  REQUIRE_MESSAGE(validation.ok(), validation.status().to_string());
  CHECK(validation->valid);

  // Lint on the server, typed.
  LintRequest lint;
  lint.files = {{"acme/api/v1/invoice.proto", kInvoice}};
  lint.dependencies = {"common@v1.0.0"};
  lint.config = LintConfig{};
  lint.config->use = {"FIELD_LOWER_SNAKE_CASE", "PACKAGE_DIRECTORY_MATCH"};
  auto linted = remote.lint(lint);
  REQUIRE_MESSAGE(linted.ok(), linted.status().to_string());
  CHECK(linted->rules ==
        std::vector<std::string>{"FIELD_LOWER_SNAKE_CASE", "PACKAGE_DIRECTORY_MATCH"});
  CHECK(linted->findings.empty());
  lint.config->use = {"NOPE"};
  CHECK(remote.lint(lint).status().reason() == "unknown_rule");
  ModulePolicy with_lint;
  with_lint.lint = LintConfig{};
  with_lint.lint->use = {"FIELD_LOWER_SNAKE_CASE"};
  auto set = remote.set_policy("common", with_lint);
  REQUIRE_MESSAGE(set.ok(), set.status().to_string());
  REQUIRE(remote.get_policy("common")->policy.lint.has_value());
  CHECK(remote.get_policy("common")->policy.lint->use == with_lint.lint->use);

  auto languages = remote.languages();
  REQUIRE(languages.ok());
  bool has_cpp = false;
  for (const auto& l : languages.value()) has_cpp = has_cpp || (l.language == "cpp" && l.builtin);
  CHECK(has_cpp);

  RemoteRegistry nowhere({"http://127.0.0.1:1"});
  CHECK(nowhere.get_module("common").status().reason() == "registry_unreachable");
}
