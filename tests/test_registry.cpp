#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "spoke/file_tree.h"
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
