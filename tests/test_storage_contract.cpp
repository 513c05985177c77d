// One contract, run against every backend.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <thread>

#include <SQLiteCpp/SQLiteCpp.h>

#include "spoke/storage.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::TempDir;

namespace {

struct MetadataBackend {
  const char* name;
  // Opens (or reopens) the store in `dir`.
  std::function<std::unique_ptr<MetadataStore>(const std::string& dir)> open;
  bool persistent;
};

std::vector<MetadataBackend> metadata_backends() {
  return {
      {"memory", [](const std::string&) { return make_memory_metadata_store(); }, false},
      {"sqlite",
       [](const std::string& dir) {
         auto s = open_sqlite_metadata_store(dir + "/spoke.db");
         REQUIRE_MESSAGE(s.ok(), s.status().to_string());
         return std::move(s).value();
       },
       true},
  };
}

struct BlobBackend {
  const char* name;
  std::function<std::unique_ptr<BlobStore>(const std::string& dir)> open;
  bool persistent;
};

std::vector<BlobBackend> blob_backends() {
  return {
      {"memory", [](const std::string&) { return make_memory_blob_store(); }, false},
      {"filesystem",
       [](const std::string& dir) {
         auto s = open_filesystem_blob_store(dir + "/blobs");
         REQUIRE_MESSAGE(s.ok(), s.status().to_string());
         return std::move(s).value();
       },
       true},
  };
}

Version make_version(const std::string& module, const std::string& version, Timestamp t = 1000) {
  Version v;
  v.module = module;
  v.version = version;
  v.description = "desc " + version;
  v.files = {{"a.proto", "", "sha256:" + std::string(64, 'a'), 10},
             {"dir/b.proto", "", "sha256:" + std::string(64, 'b'), 20}};
  v.dependencies = {{"dep", "v1.0.0", "sha256:" + std::string(64, 'd')}};
  v.source_info = {"https://example.com/repo.git", "0123456789abcdef0123456789abcdef01234567",
                   "main"};
  v.digest = "sha256:" + std::string(64, 'e');
  v.created_at = t;
  return v;
}

}  // namespace

TEST_CASE("metadata_store_contract") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    CHECK(store->ping().ok());

    // modules
    CHECK(store->create_module({"alpha", "first", 1, 1}).value() == true);
    CHECK(store->create_module({"alpha", "other", 2, 2}).value() == false);
    CHECK(store->get_module("alpha")->description == "first");
    CHECK(store->get_module("nope").status().code() == Code::kNotFound);
    CHECK(store->get_module("nope").status().reason() == "module_not_found");
    CHECK(store->update_module("alpha", "updated", 5).ok());
    CHECK(store->get_module("alpha")->description == "updated");
    CHECK(store->get_module("alpha")->updated_at == 5);
    CHECK(store->get_module("alpha")->created_at == 1);
    CHECK(store->update_module("nope", "x", 5).code() == Code::kNotFound);

    // versions: insert creates the module when missing and assigns increasing sequences
    auto v1 = store->insert_version({"beta", "module desc", 3, 3}, make_version("beta", "v1.0.0"));
    REQUIRE_MESSAGE(v1.ok(), v1.status().to_string());
    CHECK(store->get_module("beta")->description == "module desc");
    auto v2 = store->insert_version({"beta", "ignored", 4, 4}, make_version("beta", "v1.1.0"));
    REQUIRE(v2.ok());
    CHECK(v2->sequence > v1->sequence);
    CHECK(store->get_module("beta")->description == "module desc");

    auto again = store->insert_version({"beta", "", 0, 0}, make_version("beta", "v1.0.0"));
    CHECK(again.status().code() == Code::kConflict);
    CHECK(again.status().reason() == "version_exists");

    auto got = store->get_version("beta", "v1.0.0");
    REQUIRE(got.ok());
    CHECK(got->description == "desc v1.0.0");
    CHECK(got->digest == "sha256:" + std::string(64, 'e'));
    REQUIRE(got->files.size() == 2);
    CHECK(got->files[0].path == "a.proto");
    CHECK(got->files[0].size == 10);
    CHECK(got->files[1].path == "dir/b.proto");
    REQUIRE(got->dependencies.size() == 1);
    CHECK(got->dependencies[0].spec() == "dep@v1.0.0");
    CHECK(got->source_info.branch == "main");
    CHECK(got->source_info.commit_sha == "0123456789abcdef0123456789abcdef01234567");
    CHECK(got->created_at == 1000);
    CHECK(got->forced_breaking == 0);
    Version forced = make_version("forced", "v1.2.0");
    forced.files = {{"forced.proto", "", "sha256:" + std::string(64, 'f'), 1}};
    forced.forced_breaking = 3;
    REQUIRE(store->insert_version({"forced", "", 0, 0}, forced).ok());
    CHECK(store->get_version("forced", "v1.2.0")->forced_breaking == 3);
    CHECK(store->get_version("beta", "v9.9.9").status().reason() == "version_not_found");

    auto file = store->get_file("beta", "v1.0.0", "dir/b.proto");
    REQUIRE(file.ok());
    CHECK(file->digest == "sha256:" + std::string(64, 'b'));
    CHECK(store->get_file("beta", "v1.0.0", "missing.proto").status().reason() == "file_not_found");
    CHECK(store->get_file("beta", "v0.0.1", "a.proto").status().reason() == "version_not_found");

    auto holders = store->find_path("dir/b.proto");
    REQUIRE(holders.ok());
    REQUIRE(holders->size() == 2);
    CHECK((*holders)[0] == std::pair<std::string, std::string>{"beta", "v1.0.0"});
    CHECK((*holders)[1] == std::pair<std::string, std::string>{"beta", "v1.1.0"});
    CHECK(store->find_path("nowhere.proto")->empty());

    auto refs = store->list_versions("beta");
    REQUIRE(refs.ok());
    CHECK(refs->size() == 2);
    CHECK(store->list_versions("alpha")->empty());
    CHECK(store->list_versions("nope").status().code() == Code::kNotFound);

    // listing: ordered by name, after a cursor, bounded
    for (const char* n : {"delta", "charlie", "echo"}) store->create_module({n, "", 1, 1});
    auto page = store->list_modules("", 3);
    REQUIRE(page.ok());
    REQUIRE(page->size() == 3);
    CHECK((*page)[0].module.name == "alpha");
    CHECK((*page)[1].module.name == "beta");
    CHECK((*page)[1].versions.size() == 2);
    CHECK((*page)[2].module.name == "charlie");
    auto rest = store->list_modules("charlie", 10);
    REQUIRE(rest->size() == 3);
    CHECK((*rest)[0].module.name == "delta");
    CHECK((*rest)[1].module.name == "echo");
    CHECK((*rest)[2].module.name == "forced");

    if (backend.persistent) {
      store.reset();
      auto reopened = backend.open(dir.str());
      CHECK(reopened->get_version("beta", "v1.1.0").ok());
      CHECK(reopened->list_modules("", 100)->size() == 6);
      CHECK(reopened->get_version("forced", "v1.2.0")->forced_breaking == 3);
      // Sequences keep growing after a reopen.
      auto v3 = reopened->insert_version({"beta", "", 0, 0}, make_version("beta", "v2.0.0"));
      CHECK(v3->sequence > v2->sequence);
    }
  }
}

TEST_CASE("job_artifact_and_policy_contract") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());

    // jobs
    CompileJob j;
    j.id = "job_0000000000000001";
    j.module = "beta";
    j.version = "v1.0.0";
    j.language = "cpp";
    j.grpc = true;
    j.options = {"lite", "dllexport_decl=X"};
    j.status = spoke::JobStatus::kQueued;
    j.created_at = 10;
    REQUIRE(store->insert_job(j).ok());
    CHECK(store->insert_job(j).reason() == "job_exists");
    auto got = store->get_job(j.id);
    REQUIRE(got.ok());
    CHECK(got->language == "cpp");
    CHECK(got->grpc);
    CHECK(got->options == std::vector<std::string>{"lite", "dllexport_decl=X"});
    CHECK(got->status == spoke::JobStatus::kQueued);
    CHECK(store->get_job("job_missing").status().reason() == "job_not_found");

    CompileJob k = j;
    k.id = "job_0000000000000002";
    k.language = "python";
    k.grpc = false;
    k.options = {};
    k.created_at = 11;
    REQUIRE(store->insert_job(k).ok());
    CompileJob other = j;
    other.id = "job_0000000000000003";
    other.version = "v2.0.0";
    other.created_at = 12;
    REQUIRE(store->insert_job(other).ok());

    j.status = spoke::JobStatus::kSucceeded;
    j.generator = "builtin:cpp@libprotoc-3.21.12";
    j.artifact_key = "sha256:" + std::string(64, 'f');
    j.file_count = 4;
    j.started_at = 20;
    j.finished_at = 30;
    j.attempts = 2;
    j.error = "";
    REQUIRE(store->update_job(j).ok());
    auto updated = store->get_job(j.id).value();
    CHECK(updated.status == spoke::JobStatus::kSucceeded);
    CHECK(updated.generator == j.generator);
    CHECK(updated.artifact_key == j.artifact_key);
    CHECK(updated.file_count == 4);
    CHECK(updated.started_at == 20);
    CHECK(updated.finished_at == 30);
    CHECK(updated.attempts == 2);
    CompileJob ghost = j;
    ghost.id = "job_ghost";
    CHECK(store->update_job(ghost).reason() == "job_not_found");

    auto listed = store->list_jobs("beta", "v1.0.0").value();
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == k.id);  // newest first
    CHECK(listed[1].id == j.id);
    CHECK(store->list_jobs("beta", "v9.0.0").value().empty());
    auto pending =
        store->list_jobs_by_status({spoke::JobStatus::kQueued, spoke::JobStatus::kRunning}).value();
    REQUIRE(pending.size() == 2);
    CHECK(pending[0].id == k.id);  // oldest first
    CHECK(pending[1].id == other.id);

    // artifacts: first write wins
    Artifact a;
    a.key = j.artifact_key;
    a.module = "beta";
    a.version = "v1.0.0";
    a.language = "cpp";
    a.generator = j.generator;
    a.manifest_digest = "sha256:" + std::string(64, '1');
    a.file_count = 4;
    a.total_size = 1234;
    a.created_at = 30;
    REQUIRE(store->put_artifact(a).ok());
    Artifact again = a;
    again.file_count = 99;
    REQUIRE(store->put_artifact(again).ok());
    auto art = store->get_artifact(a.key);
    REQUIRE(art.ok());
    CHECK(art->file_count == 4);
    CHECK(art->total_size == 1234);
    CHECK(art->manifest_digest == a.manifest_digest);
    CHECK(store->get_artifact("sha256:" + std::string(64, '2')).status().reason() ==
          "artifact_not_found");

    // module policies
    CHECK(store->get_module_policy("beta").status().reason() == "module_not_found");
    CHECK(store->put_module_policy("beta", {}).reason() == "module_not_found");
    REQUIRE(store->create_module({"beta", "", 1, 1}).ok());
    CHECK_FALSE(store->get_module_policy("beta").value().has_value());
    REQUIRE(store->put_module_policy("beta", {"WIRE_JSON", true, false, 40}).ok());
    REQUIRE(store->put_module_policy("beta", {"BACKWARD", false, true, 41}).ok());
    auto policy = store->get_module_policy("beta").value();
    REQUIRE(policy.has_value());
    CHECK(policy->compatibility == "BACKWARD");
    CHECK_FALSE(policy->ignore_unstable_packages);
    CHECK(policy->transitive);
    CHECK(policy->updated_at == 41);

    if (backend.persistent) {
      store.reset();
      auto reopened = backend.open(dir.str());
      CHECK(reopened->get_job(j.id)->status == spoke::JobStatus::kSucceeded);
      CHECK(reopened->list_jobs_by_status({spoke::JobStatus::kQueued}).value().size() == 2);
      CHECK(reopened->get_artifact(a.key)->file_count == 4);
      CHECK(reopened->get_module_policy("beta").value()->compatibility == "BACKWARD");
    }
  }
}

TEST_CASE("concurrent_inserts_of_one_version_have_exactly_one_winner") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    constexpr int kThreads = 8;
    std::atomic<int> wins{0}, conflicts{0}, other{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        Version v = make_version("race", "v1.0.0", i);
        auto r = store->insert_version({"race", "", 1, 1}, v);
        if (r.ok())
          ++wins;
        else if (r.status().reason() == "version_exists")
          ++conflicts;
        else
          ++other;
      });
    }
    for (auto& t : threads) t.join();
    CHECK(wins == 1);
    CHECK(conflicts == kThreads - 1);
    CHECK(other == 0);
    CHECK(store->list_versions("race")->size() == 1);
  }
}

TEST_CASE("sqlite_store_migrates_a_version_1_database_keeping_its_data") {
  TempDir dir;
  std::string db = dir.str() + "/spoke.db";
  {
    auto store = open_sqlite_metadata_store(db).value();
    REQUIRE(store->insert_version({"old", "", 1, 1}, make_version("old", "v1.0.0")).ok());
  }
  {
    // As a database written before jobs, artifacts, policies and forced pushes existed.
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec("DROP TABLE jobs; DROP TABLE artifacts; DROP TABLE module_configs;");
    raw.exec("ALTER TABLE versions DROP COLUMN forced_breaking");
    raw.exec("DELETE FROM schema_version WHERE version > 1");
  }
  auto store = open_sqlite_metadata_store(db);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  CHECK(store.value()->get_version("old", "v1.0.0")->digest ==
        make_version("old", "v1.0.0").digest);
  CHECK(store.value()->get_version("old", "v1.0.0")->forced_breaking == 0);
  CompileJob j;
  j.id = "job_after_migration";
  j.status = spoke::JobStatus::kQueued;
  CHECK(store.value()->insert_job(j).ok());
  SQLite::Database raw(db, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT MAX(version) FROM schema_version").getInt() == 3);
}

TEST_CASE("sqlite_store_refuses_a_database_from_a_newer_schema") {
  TempDir dir;
  std::string db = dir.str() + "/spoke.db";
  { REQUIRE(open_sqlite_metadata_store(db).ok()); }
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    CHECK(raw.execAndGet("SELECT MAX(version) FROM schema_version").getInt() == 3);
    raw.exec("INSERT INTO schema_version VALUES (999)");
  }
  auto reopened = open_sqlite_metadata_store(db);
  REQUIRE_FALSE(reopened.ok());
  CHECK(reopened.status().reason() == "schema_too_new");
  CHECK(reopened.status().message().find("schema version 999") != std::string::npos);
}

TEST_CASE("blob_store_contract") {
  for (const auto& backend : blob_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    CHECK(store->ping().ok());
    std::string content = "syntax = \"proto3\";\n";
    std::string digest = content_digest(content);
    CHECK(store->exists(digest).value() == false);
    CHECK(store->get(digest).status().reason() == "blob_not_found");
    CHECK(store->put(digest, content).ok());
    CHECK(store->put(digest, content).ok());  // idempotent
    CHECK(store->exists(digest).value() == true);
    CHECK(store->get(digest).value() == content);
    std::string empty_digest = content_digest("");
    CHECK(store->put(empty_digest, "").ok());
    CHECK(store->get(empty_digest).value().empty());
    // A batch: new blobs, one already stored, and a duplicate within the batch.
    std::vector<std::string> contents;
    for (int i = 0; i < 300; ++i) contents.push_back(fmt::format("message M{} {{}}\n", i));
    std::vector<std::string> digests;
    std::vector<std::pair<std::string, std::string_view>> batch;
    for (const auto& c : contents) {
      digests.push_back(content_digest(c));
      batch.emplace_back(digests.back(), c);
    }
    batch.emplace_back(digest, content);
    batch.emplace_back(digests[7], contents[7]);
    REQUIRE(store->put_many(batch).ok());
    CHECK(store->put_many(batch).ok());  // idempotent
    CHECK(store->put_many({}).ok());
    for (std::size_t i = 0; i < contents.size(); ++i) {
      CHECK(store->get(digests[i]).value() == contents[i]);
    }
    if (backend.persistent) {
      store.reset();
      auto reopened = backend.open(dir.str());
      CHECK(reopened->get(digest).value() == content);
      CHECK(reopened->get(digests[299]).value() == contents[299]);
    }
  }
}

TEST_CASE("filesystem_blob_store_rejects_malformed_digests_and_leaves_no_temporaries") {
  TempDir dir;
  auto store = open_filesystem_blob_store(dir.str() + "/blobs").value();
  for (const char* bad : {"sha256:../../etc/passwd", "md5:abc", "sha256:ABC", ""}) {
    CHECK(store->put(bad, "x").reason() == "invalid_digest");
    CHECK(store->get(bad).status().reason() == "invalid_digest");
  }
  // A batch with a malformed digest stores nothing of it and leaves no temporary behind.
  std::string fine = "message Fine {}\n";
  CHECK(store->put_many({{content_digest(fine), fine}, {"sha256:nope", "x"}}).reason() ==
        "invalid_digest");
  CHECK(std::filesystem::is_empty(dir.path() / "blobs" / "tmp"));
  CHECK_FALSE(store->exists(content_digest(fine)).value());
  std::string content(1 << 20, 'x');
  REQUIRE(store->put(content_digest(content), content).ok());
  CHECK(std::filesystem::is_empty(dir.path() / "blobs" / "tmp"));
  std::string hex = content_digest(content).substr(7);
  CHECK(std::filesystem::file_size(dir.path() / "blobs" / "sha256" / hex.substr(0, 2) /
                                   hex.substr(2)) == content.size());
}

TEST_CASE("open_storage_names_the_known_types") {
  TempDir dir;
  CHECK(open_storage({"sqlite", dir.str()}).ok());
  CHECK(open_storage({"filesystem", dir.str()}).ok());
  CHECK(open_storage({"memory", ""}).ok());
  auto bad = open_storage({"oracle", dir.str()});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == "unknown_storage_type");
  CHECK(bad.status().message().find("sqlite") != std::string::npos);
  CHECK(std::filesystem::exists(dir.path() / "spoke.db"));
}
