#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "spoke/breaking.h"
#include "spoke/file_tree.h"
#include "spoke/lint.h"
#include "spoke/registry.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::kExampleProto;
using spoke::testing::TempDir;

namespace {

PushRequest example_push(const std::string& version = "v1.0.0") {
  PushRequest r;
  r.module = "example";
  r.version = version;
  r.files = {{"example.proto", kExampleProto}};
  return r;
}

// Forwards to a real blob store but fails the n-th put (fault injection).
class FailingBlobStore final : public BlobStore {
 public:
  FailingBlobStore(std::unique_ptr<BlobStore> inner, int fail_on_put)
      : inner_(std::move(inner)), fail_on_put_(fail_on_put) {}
  Status ping() override { return inner_->ping(); }
  Status put(const std::string& d, std::string_view c) override {
    if (++puts_ == fail_on_put_) return Status::Internal("injected write failure", "storage_error");
    return inner_->put(d, c);
  }
  Result<std::string> get(const std::string& d) override { return inner_->get(d); }
  Result<bool> exists(const std::string& d) override { return inner_->exists(d); }

 private:
  std::unique_ptr<BlobStore> inner_;
  int fail_on_put_;
  int puts_ = 0;
};

std::unique_ptr<Registry> sqlite_registry(const TempDir& dir) {
  auto r = Registry::open({"sqlite", dir.str()});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

}  // namespace

TEST_CASE("push_then_read_back") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  auto pushed = reg->push(example_push());
  REQUIRE_MESSAGE(pushed.ok(), pushed.status().to_string());
  CHECK(pushed->created);
  CHECK(pushed->version.digest ==
        "sha256:30c432b58841dca4cb1ea75390e0027d668b75c8b281b36c08668a567e2d93aa");
  auto v = reg->get_version("example", "v1.0.0", true);
  REQUIRE(v.ok());
  REQUIRE(v->files.size() == 1);
  CHECK(v->files[0].content == kExampleProto);
  CHECK(v->files[0].digest == content_digest(kExampleProto));
  auto f = reg->get_file("example", "latest", "example.proto");
  REQUIRE(f.ok());
  CHECK(f->content == kExampleProto);
  // Second read comes from the cache and is identical.
  CHECK(reg->get_file("example", "v1.0.0", "example.proto")->content == kExampleProto);
  CHECK(reg->get_file("example", "v1.0.0", "example.proto")->digest == f->digest);
}

TEST_CASE("push_of_identical_content_is_idempotent") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  auto first = reg->push(example_push());
  REQUIRE(first.ok());
  auto req = example_push();
  req.description = "another description does not make it different content";
  auto second = reg->push(req);
  REQUIRE(second.ok());
  CHECK_FALSE(second->created);
  CHECK(second->version.digest == first->version.digest);
  CHECK(second->version.created_at == first->version.created_at);
  CHECK(reg->list_versions("example")->size() == 1);
}

TEST_CASE("push_of_different_content_under_an_existing_version_conflicts") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  REQUIRE(reg->push(example_push()).ok());
  auto req = example_push();
  req.files[0].content += "// changed\n";
  auto r = reg->push(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == Code::kConflict);
  CHECK(r.status().reason() == "version_exists");
  CHECK(r.status().fields().at("existing_digest") ==
        "sha256:30c432b58841dca4cb1ea75390e0027d668b75c8b281b36c08668a567e2d93aa");
  // Nothing lost: the original content is still served.
  CHECK(reg->get_file("example", "v1.0.0", "example.proto")->content == kExampleProto);
}

TEST_CASE("push_rejects_bad_input_and_stores_nothing") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  struct Case {
    const char* name;
    std::function<void(PushRequest&)> mutate;
    const char* reason;
  };
  std::vector<Case> cases = {
      {"bad module", [](PushRequest& r) { r.module = "Bad"; }, "invalid_module_name"},
      {"bad version", [](PushRequest& r) { r.version = "one"; }, "invalid_version"},
      {"latest is not a version", [](PushRequest& r) { r.version = "latest"; }, "invalid_version"},
      {"no files", [](PushRequest& r) { r.files.clear(); }, "no_files"},
      {"absolute path", [](PushRequest& r) { r.files[0].path = "/abs.proto"; }, "invalid_path"},
      {"dotdot", [](PushRequest& r) { r.files[0].path = "../x.proto"; }, "invalid_path"},
      {"backslash", [](PushRequest& r) { r.files[0].path = "a\\x.proto"; }, "invalid_path"},
      {"not proto", [](PushRequest& r) { r.files[0].path = "x.txt"; }, "invalid_path"},
      {"duplicate", [](PushRequest& r) { r.files.push_back(r.files[0]); }, "duplicate_path"},
      {"utf8", [](PushRequest& r) { r.files[0].content = "\xff\xfe"; }, "invalid_utf8"},
      {"bad dependency", [](PushRequest& r) { r.dependencies = {"nope"}; }, "invalid_dependency"},
      {"missing dependency", [](PushRequest& r) { r.dependencies = {"ghost@v1.0.0"}; },
       "dependency_not_found"},
      {"self dependency", [](PushRequest& r) { r.dependencies = {"example@latest"}; },
       "dependency_cycle"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    auto req = example_push();
    c.mutate(req);
    auto r = reg->push(req);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().reason() == c.reason);
    CHECK(r.status().code() != Code::kInternal);
  }
  CHECK(reg->list_modules(0, "")->modules.empty());
}

TEST_CASE("dependencies_are_pinned_and_covered_by_the_digest") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  PushRequest common;
  common.module = "common";
  common.version = "v1.0.0";
  common.files = {{"common/types.proto", "syntax = \"proto3\";\npackage common;\nmessage Id {}\n"}};
  auto c1 = reg->push(common);
  REQUIRE(c1.ok());
  common.version = "v1.1.0";
  common.files[0].content += "message Name {}\n";
  auto c2 = reg->push(common);
  REQUIRE(c2.ok());

  auto req = example_push();
  req.dependencies = {"common@latest"};
  auto r = reg->push(req);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  REQUIRE(r->version.dependencies.size() == 1);
  CHECK(r->version.dependencies[0].version == "v1.1.0");  // pinned to what latest was
  CHECK(r->version.dependencies[0].digest == c2->version.digest);
  CHECK(r->version.digest != reg->push(example_push("v0.9.0"))->version.digest);
  CHECK(r->version.digest == compute_version_digest(r->version.files, r->version.dependencies));

  auto stored = reg->get_version("example", "v1.0.0", false);
  CHECK(stored->dependencies[0].spec() == "common@v1.1.0");

  auto dup = example_push("v2.0.0");
  dup.dependencies = {"common@v1.0.0", "common@v1.1.0"};
  CHECK(reg->push(dup).status().reason() == "duplicate_dependency");
}

TEST_CASE("a_failed_blob_write_leaves_no_version_visible") {
  Storage storage{make_memory_metadata_store(),
                  std::make_unique<FailingBlobStore>(make_memory_blob_store(), 2)};
  Registry reg(std::move(storage));
  auto req = example_push();
  req.files.push_back({"second.proto", "syntax = \"proto3\";\n"});
  auto r = reg.push(req);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().message() == "injected write failure");
  CHECK(reg.get_version("example", "v1.0.0", false).status().code() == Code::kNotFound);
  CHECK(reg.list_modules(0, "")->modules.empty());
  // The same push succeeds once storage works again (the 3rd put onward succeeds).
  auto retry = reg.push(req);
  REQUIRE_MESSAGE(retry.ok(), retry.status().to_string());
  CHECK(retry->created);
}

TEST_CASE("concurrent_pushes_of_one_version_have_one_winner") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  std::atomic<int> created{0}, identical{0}, conflicts{0}, other{0};
  std::mutex mu;
  std::string other_reasons;
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto req = example_push();
      if (i % 2 == 1) req.files[0].content += "// variant\n";
      auto r = reg->push(req);
      if (r.ok())
        (r->created ? created : identical)++;
      else if (r.status().reason() == "version_exists")
        ++conflicts;
      else {
        ++other;
        std::lock_guard lock(mu);
        other_reasons += r.status().to_string() + "\n";
      }
    });
  }
  for (auto& t : threads) t.join();
  CAPTURE(other_reasons);
  CHECK(created == 1);
  CHECK(identical == 3);  // the three others with the winner's content
  CHECK(conflicts == 4);
  CHECK(other == 0);
}

TEST_CASE("modules_list_with_latest_and_pages") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  for (const char* name : {"m-c", "m-a", "m-b", "m-e", "m-d"}) {
    REQUIRE(reg->create_module(name, std::string("module ") + name).ok());
  }
  auto created = reg->create_module("m-a", "new description");
  CHECK_FALSE(created->created);
  CHECK(created->module.description == "module m-a");  // unchanged
  auto req = example_push("v1.0.0");
  req.module = "m-b";
  REQUIRE(reg->push(req).ok());
  req.version = "v2.0.0-rc.1";
  REQUIRE(reg->push(req).ok());

  auto p1 = reg->list_modules(2, "");
  REQUIRE(p1.ok());
  REQUIRE(p1->modules.size() == 2);
  CHECK(p1->modules[0].module.name == "m-a");
  CHECK(p1->modules[1].module.name == "m-b");
  CHECK(p1->modules[1].latest_version == "v1.0.0");
  CHECK(p1->modules[1].version_count == 2);
  CHECK(p1->modules[0].latest_version.empty());
  REQUIRE_FALSE(p1->next_page_token.empty());
  auto p2 = reg->list_modules(2, p1->next_page_token);
  CHECK(p2->modules[0].module.name == "m-c");
  auto p3 = reg->list_modules(2, p2->next_page_token);
  REQUIRE(p3->modules.size() == 1);
  CHECK(p3->modules[0].module.name == "m-e");
  CHECK(p3->next_page_token.empty());
  CHECK(reg->list_modules(2, "zz-not-hex").status().reason() == "invalid_page_token");

  auto updated = reg->update_module("m-a", "changed");
  CHECK(updated->description == "changed");
  CHECK(reg->update_module("m-zzz", "x").status().code() == Code::kNotFound);

  auto detail = reg->get_module("m-b");
  REQUIRE(detail->versions.size() == 2);
  CHECK(detail->versions[0].version == "v2.0.0-rc.1");  // newest first by precedence
}

TEST_CASE("write_files_under_never_writes_outside_the_directory") {
  TempDir dir;
  std::vector<File> ok = {{"a/b.proto", "x", "", 1}, {"c.proto", "y", "", 1}};
  REQUIRE(write_files_under(dir.str() + "/out", ok).ok());
  CHECK(spoke::testing::read_file(dir.path() / "out/a/b.proto") == "x");

  std::vector<File> evil = {{"fine.proto", "x", "", 1}, {"../escape.proto", "y", "", 1}};
  auto s = write_files_under(dir.str() + "/out2", evil);
  CHECK(s.reason() == "unsafe_path");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "escape.proto"));
  CHECK_FALSE(std::filesystem::exists(dir.path() / "out2/fine.proto"));  // nothing written

  // A symlink inside the target pointing outside it is not followed.
  std::filesystem::create_directories(dir.path() / "out3");
  std::filesystem::create_directories(dir.path() / "elsewhere");
  std::filesystem::create_directory_symlink(dir.path() / "elsewhere", dir.path() / "out3/link");
  auto sl = write_files_under(dir.str() + "/out3", {{"link/x.proto", "z", "", 1}});
  CHECK(sl.reason() == "unsafe_path");
  CHECK_FALSE(std::filesystem::exists(dir.path() / "elsewhere/x.proto"));
}

TEST_CASE("read_proto_tree_collects_proto_files_relative_to_the_root") {
  TempDir dir;
  spoke::testing::write_file(dir.path() / "b.proto", "b");
  spoke::testing::write_file(dir.path() / "sub/a.proto", "a");
  spoke::testing::write_file(dir.path() / "notes.txt", "ignored");
  spoke::testing::write_file(dir.path() / ".git/x.proto", "hidden dir skipped");
  auto tree = read_proto_tree(dir.str());
  REQUIRE(tree.ok());
  REQUIRE(tree->size() == 2);
  CHECK((*tree)[0].path == "b.proto");
  CHECK((*tree)[1].path == "sub/a.proto");
  CHECK((*tree)[1].content == "a");
  CHECK(read_proto_tree(dir.str() + "/missing").status().reason() == "dir_not_found");
}

TEST_CASE("one_semantic_version_has_one_spelling") {
  TempDir dir;
  auto reg = sqlite_registry(dir);
  REQUIRE(reg->push(example_push("v1.0.0")).ok());
  auto r = reg->push(example_push("1.0.0"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "version_exists");
  CHECK(r.status().fields().at("existing_version") == "v1.0.0");
  // Build metadata makes a distinct version string; a pre-release is another version.
  CHECK(reg->push(example_push("1.0.0+build.7")).ok());
  CHECK(reg->push(example_push("1.0.0-rc.1")).ok());
}

// ---- policies, inference, diffs and events on memory storage ----------------------------------

namespace {

const char* kOrder = R"(syntax = "proto3";
package shop.v1;
message Order {
  string id = 1;
  int64 total = 2;
  string note = 3;
}
)";

const char* kOrderNoNote = R"(syntax = "proto3";
package shop.v1;
message Order {
  string id = 1;
  int64 total = 2;
}
)";

std::unique_ptr<Registry> memory_registry() {
  auto r = Registry::open({"memory", ""});
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return std::move(r).value();
}

Result<PushResult> push_order(Registry& reg, const std::string& version, const char* content,
                              bool force = false, const std::string& module = "shop") {
  PushRequest r;
  r.module = module;
  r.version = version;
  r.files = {{"shop/v1/order.proto", content}};
  r.force = force;
  return reg.push(r);
}

}  // namespace

TEST_CASE("policy_refuses_a_breaking_push_with_its_findings_unless_forced") {
  auto reg = memory_registry();
  REQUIRE(push_order(*reg, "v1.0.0", kOrder).ok());
  auto refused = push_order(*reg, "v1.1.0", kOrderNoNote);
  CHECK(refused.status().code() == Code::kConflict);
  CHECK(refused.status().reason() == reason::kBreakingChange);
  REQUIRE(refused.status().findings() != nullptr);
  CHECK(refused.status().findings()->at(0).type == "FIELD_NO_DELETE");
  CHECK(reg->get_version("shop", "v1.1.0", false).status().reason() == reason::kVersionNotFound);

  auto forced = push_order(*reg, "v1.1.0", kOrderNoNote, true);
  REQUIRE(forced.ok());
  CHECK(forced->version.forced_breaking == 1);
}

TEST_CASE("lint_policy_refuses_a_push_unless_forced_by_a_caller_allowed_to") {
  auto reg = memory_registry();
  REQUIRE(reg->create_module("shop", "").ok());
  ModulePolicy policy;
  policy.lint = LintConfig{};
  policy.lint->use = {"FIELD_LOWER_SNAKE_CASE"};
  auto set = reg->set_policy("shop", policy);
  REQUIRE_MESSAGE(set.ok(), set.status().to_string());
  REQUIRE(set->policy.lint.has_value());
  CHECK(set->policy.lint->use == std::vector<std::string>{"FIELD_LOWER_SNAKE_CASE"});

  const char* camel = "syntax = \"proto3\";\npackage shop.v1;\nmessage O { string orderId = 1; }\n";
  PushRequest p;
  p.module = "shop";
  p.version = "v1.0.0";
  p.files = {{"shop/v1/o.proto", camel}};
  auto refused = reg->push(p);
  CHECK(refused.status().code() == Code::kUnprocessable);
  CHECK(refused.status().reason() == reason::kLintFailed);
  REQUIRE(refused.status().findings() != nullptr);
  CHECK(refused.status().findings()->at(0).type == "FIELD_LOWER_SNAKE_CASE");
  p.force = true;
  p.may_force_lint = false;
  auto forbidden = reg->push(p);
  CHECK(forbidden.status().code() == Code::kPermissionDenied);
  CHECK(forbidden.status().fields().at("required_role") == "admin");
  CHECK(reg->get_version("shop", "v1.0.0", false).status().reason() == reason::kVersionNotFound);
  p.may_force_lint = true;
  CHECK(reg->push(p).ok());

  // A configuration buf would refuse is not stored.
  policy.lint->use = {"NO_SUCH_RULE"};
  CHECK(reg->set_policy("shop", policy).status().reason() == reason::kUnknownRule);
  CHECK(reg->get_policy("shop")->policy.lint->use ==
        std::vector<std::string>{"FIELD_LOWER_SNAKE_CASE"});
}

TEST_CASE("lint_of_files_under_a_config_the_module_policy_or_the_defaults") {
  auto reg = memory_registry();
  const char* camel = "syntax = \"proto3\";\npackage shop.v1;\nmessage O { string orderId = 1; }\n";
  LintRequest r;
  r.files = {{"shop/v1/o.proto", camel}};
  auto defaults = reg->lint(r);
  REQUIRE_MESSAGE(defaults.ok(), defaults.status().to_string());
  auto standard = resolve_lint_rules(LintConfig{});
  CHECK(defaults->rules == standard.value());
  CHECK_FALSE(defaults->findings.empty());

  r.config = LintConfig{};
  r.config->use = {"FIELD_LOWER_SNAKE_CASE"};
  auto configured = reg->lint(r);
  REQUIRE(configured.ok());
  REQUIRE(configured->findings.size() == 1);
  CHECK(configured->findings[0].path == "shop/v1/o.proto");
  CHECK(configured->findings[0].start_line == 3);

  REQUIRE(reg->create_module("shop", "").ok());
  ModulePolicy policy;
  policy.lint = LintConfig{};
  policy.lint->use = {"MESSAGE_PASCAL_CASE"};
  REQUIRE(reg->set_policy("shop", policy).ok());
  r.config.reset();
  r.module = "shop";
  auto by_policy = reg->lint(r);
  REQUIRE(by_policy.ok());
  CHECK(by_policy->rules == std::vector<std::string>{"MESSAGE_PASCAL_CASE"});
  CHECK(by_policy->findings.empty());

  r.files = {{"shop/v1/o.proto", "syntax = \"proto3\";\nmessage {"}};
  auto broken = reg->lint(r);
  CHECK(broken.status().reason() == reason::kInvalidSchema);
  CHECK_FALSE(broken.status().diagnostics().empty());
  r.files = {{"../o.proto", camel}};
  CHECK(reg->lint(r).status().reason() == reason::kInvalidPath);
}

TEST_CASE("policy_levels_none_backward_and_transitive") {
  auto reg = memory_registry();
  REQUIRE(push_order(*reg, "v1.0.0", kOrder).ok());
  ModulePolicy none;
  none.compatibility = "none";
  auto set = reg->set_policy("shop", none);
  REQUIRE(set.ok());
  CHECK(set->policy.compatibility == "NONE");
  CHECK_FALSE(set->is_default);
  CHECK(push_order(*reg, "v1.1.0", kOrderNoNote).ok());

  // BACKWARD: readers of the new version read old data; a deleted field is fine, a retyped one
  // is not, and transitive compares with every earlier version.
  ModulePolicy backward;
  backward.compatibility = "BACKWARD";
  backward.transitive = true;
  REQUIRE(reg->set_policy("shop", backward).ok());
  const char* retyped = R"(syntax = "proto3";
package shop.v1;
message Order {
  string id = 1;
  int64 total = 2;
  int32 note = 3;
}
)";
  auto against_all = push_order(*reg, "v1.2.0", retyped);
  CHECK(against_all.status().reason() == reason::kBreakingChange);
  CHECK(against_all.status().message().find("2 earlier versions") != std::string::npos);

  ModulePolicy bogus;
  bogus.compatibility = "SIDEWAYS";
  CHECK(reg->set_policy("shop", bogus).status().reason() == reason::kInvalidCompatibility);
  CHECK(reg->set_policy("nowhere", none).status().reason() == reason::kModuleNotFound);
  CHECK(reg->set_default_compatibility("sideways").reason() == reason::kInvalidCompatibility);
}

TEST_CASE("diff_lists_changes_and_the_findings_of_the_compatibility_asked_for") {
  auto reg = memory_registry();
  REQUIRE(push_order(*reg, "v1.0.0", kOrder).ok());
  REQUIRE(push_order(*reg, "v2.0.0", kOrderNoNote, true).ok());
  auto file = reg->diff("shop", "v1.0.0", "v2.0.0", "");
  REQUIRE(file.ok());
  CHECK(file->findings.size() == 1);
  REQUIRE(file->changes.size() == 1);
  CHECK(file->changes[0].kind == ChangeKind::kDeleted);
  CHECK(file->changes[0].name == "shop.v1.Order.note");
  auto backward = reg->diff("shop", "v1.0.0", "v2.0.0", "backward");
  REQUIRE(backward.ok());
  CHECK(backward->findings.empty());
  CHECK(backward->rules == std::vector<std::string>{"BACKWARD"});
  CHECK(backward->changes.size() == 1);
  CHECK(reg->diff("shop", "v1.0.0", "v9.0.0", "").status().code() == Code::kNotFound);
  CHECK(reg->diff("shop", "v1.0.0", "v2.0.0", "up").status().reason() ==
        reason::kInvalidCompatibility);
}

TEST_CASE("inference_pins_the_latest_provider_of_each_import") {
  auto reg = memory_registry();
  const char* money = "syntax = \"proto3\";\npackage m;\nmessage Money {}\n";
  const char* uses =
      "syntax = \"proto3\";\nimport \"m/money.proto\";\nmessage A { m.Money x = 1; }\n";
  PushRequest common{"common", "v1.0.0"};
  common.files = {{"m/money.proto", money}};
  REQUIRE(reg->push(common).ok());
  common.version = "v1.1.0";
  REQUIRE(reg->push(common).ok());
  CHECK(reg->infer_dependencies("api", {{"a.proto", uses}}).value() ==
        std::vector<std::string>{"common@v1.1.0"});

  PushRequest api{"api", "v1.0.0"};
  api.files = {{"a.proto", uses}};
  api.infer_dependencies = true;
  auto pushed = reg->push(api);
  REQUIRE_MESSAGE(pushed.ok(), pushed.status().to_string());
  CHECK(pushed->version.dependencies.at(0).spec() == "common@v1.1.0");

  PushRequest other{"other", "v1.0.0"};
  other.files = {{"m/money.proto", money}};
  REQUIRE(reg->push(other).ok());
  CHECK(reg->infer_dependencies("api", {{"a.proto", uses}}).status().reason() ==
        reason::kAmbiguousImport);
  CHECK(
      reg->infer_dependencies("api", {{"a.proto", "import \"x/y.proto\";\n"}}).status().reason() ==
      reason::kUnresolvedImport);
}

TEST_CASE("subscribers_see_modules_pushes_rejections_and_policies") {
  auto reg = memory_registry();
  std::vector<std::string> seen;
  reg->subscribe([&](const RegistryEvent& e) {
    switch (e.kind) {
      case EventKind::kModuleCreated:
        seen.push_back("created " + e.module);
        break;
      case EventKind::kVersionPushed:
        seen.push_back("pushed " + e.module + "@" + e.version + " " +
                       std::to_string(e.stored->files.size()));
        break;
      case EventKind::kVersionRejected:
        seen.push_back("rejected " + e.module + "@" + e.version + " " + e.rejection->reason());
        break;
      case EventKind::kPolicyChanged:
        seen.push_back("policy " + e.module + " " + e.policy->policy.compatibility);
        break;
    }
  });
  REQUIRE(push_order(*reg, "v1.0.0", kOrder).ok());
  REQUIRE(push_order(*reg, "v1.0.0", kOrder).ok());  // identical: nothing happened
  CHECK_FALSE(push_order(*reg, "v1.1.0", kOrderNoNote).ok());
  ModulePolicy wire;
  wire.compatibility = "WIRE";
  REQUIRE(reg->set_policy("shop", wire).ok());
  CHECK(seen == std::vector<std::string>{"created shop", "pushed shop@v1.0.0 1",
                                         "rejected shop@v1.1.0 breaking_change",
                                         "policy shop WIRE"});
}

TEST_CASE("changes_store_their_webhook_events_and_audit_entry_with_them") {
  auto storage = open_storage({"memory", ""});
  REQUIRE(storage.ok());
  MetadataStore* store = storage->metadata.get();
  Registry reg(std::move(storage).value());
  Webhook all;
  all.id = "wh_all";
  all.url = "https://hooks.example/all";
  all.events = {"*"};
  all.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  REQUIRE(store->insert_webhook(all, {}).ok());
  auto events = [&] {
    std::vector<std::string> types;
    DeliveryQuery q;
    q.webhook_id = "wh_all";
    auto got = store->list_deliveries(q);
    REQUIRE(got.ok());
    for (auto it = got->rbegin(); it != got->rend(); ++it) types.push_back(it->event_type);
    return types;
  };
  auto audit_count = [&] { return store->list_audit({})->size(); };

  AuditRecord push_audit;
  push_audit.entry.actor = "ci";
  push_audit.entry.status = 201;
  auto pushed = reg.push(example_push(), &push_audit);
  REQUIRE_MESSAGE(pushed.ok(), pushed.status().to_string());
  CHECK(push_audit.written);
  CHECK(events() == std::vector<std::string>{"module.created", "version.pushed"});
  auto entries = store->list_audit({});
  REQUIRE(entries->size() == 1);
  CHECK(entries->at(0).actor == "ci");
  CHECK(entries->at(0).status == 201);
  CHECK(entries->at(0).time > 0);

  // The payload says what was pushed.
  DeliveryQuery q;
  q.webhook_id = "wh_all";
  auto event = store->get_event(store->list_deliveries(q)->at(0).event_id);
  auto body = nlohmann::json::parse(event->payload);
  CHECK(body["type"] == "version.pushed");
  CHECK(body["id"] == event->id);
  CHECK(body["data"]["module"] == "example");
  CHECK(body["data"]["version"] == "v1.0.0");
  CHECK(body["data"]["digest"] == pushed->version.digest);
  CHECK(body["data"]["files"][0]["path"] == "example.proto");
  CHECK(body["data"]["forced_breaking"] == 0);

  // Identical content is no change: no event, and the audit entry is the caller's.
  AuditRecord same;
  REQUIRE(reg.push(example_push(), &same).ok());
  CHECK_FALSE(same.written);
  CHECK(events().size() == 2);

  // A refused push stores its version.rejected event, and nothing else.
  AuditRecord refused;
  PushRequest bad = example_push("v2.0.0");
  bad.files = {{"example.proto", "syntax = \"proto3\"; message {"}};
  auto r = reg.push(bad, &refused);
  REQUIRE_FALSE(r.ok());
  CHECK_FALSE(refused.written);
  CHECK(audit_count() == 1);
  CHECK(events().back() == "version.rejected");
  auto rejected =
      nlohmann::json::parse(store->get_event(store->list_deliveries(q)->at(0).event_id)->payload);
  CHECK(rejected["data"]["code"] == "invalid_schema");
  CHECK(rejected["data"]["errors"].get<int>() >= 1);
  CHECK(reg.get_version("example", "v2.0.0", false).status().code() == Code::kNotFound);

  AuditRecord policy_audit;
  ModulePolicy wire;
  wire.compatibility = "wire";
  REQUIRE(reg.set_policy("example", wire, &policy_audit).ok());
  CHECK(policy_audit.written);
  CHECK(events().back() == "policy.changed");
  auto policy =
      nlohmann::json::parse(store->get_event(store->list_deliveries(q)->at(0).event_id)->payload);
  CHECK(policy["data"]["compatibility"] == "WIRE");
  CHECK(audit_count() == 2);

  AuditRecord created, existing;
  REQUIRE(reg.create_module("fresh", "", &created).ok());
  REQUIRE(reg.create_module("fresh", "", &existing).ok());
  CHECK(created.written);
  CHECK_FALSE(existing.written);
  CHECK(events().back() == "module.created");
  CHECK(audit_count() == 3);
}
