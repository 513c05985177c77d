// One contract, run against every backend.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <fmt/format.h>

#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include <SQLiteCpp/SQLiteCpp.h>

#include "spoke/storage.h"
#include "support/postgres_server.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::TempDir;

namespace {

// The PostgreSQL storage of a test's directory (one database per directory, on the shared
// server). Fails the test when PostgreSQL cannot be started: CI installs it.
Storage open_postgres(const std::string& dir) {
  StorageOptions options;
  try {
    options.url = spoke::testing::postgres_url_for(dir);
  } catch (const std::exception& e) {
    FAIL("PostgreSQL: " << e.what());
  }
  auto storage = open_storage(options);
  REQUIRE_MESSAGE(storage.ok(), storage.status().to_string());
  return std::move(storage).value();
}

// Says once why the postgres cases do not run in this build.
void note_postgres_skipped() {
  static bool said = false;
  if (!spoke::testing::kPostgresBuilt && !std::exchange(said, true)) {
    MESSAGE(
        "postgres: skipped, this libspoke is built without PostgreSQL (meson option "
        "postgres disabled, or libpqxx-dev missing)");
  }
}

struct MetadataBackend {
  const char* name;
  // Opens (or reopens) the store in `dir`.
  std::function<std::unique_ptr<MetadataStore>(const std::string& dir)> open;
  bool persistent;
};

std::vector<MetadataBackend> metadata_backends() {
  std::vector<MetadataBackend> out = {
      {"memory", [](const std::string&) { return make_memory_metadata_store(); }, false},
      {"sqlite",
       [](const std::string& dir) {
         auto s = open_sqlite_metadata_store(dir + "/spoke.db");
         REQUIRE_MESSAGE(s.ok(), s.status().to_string());
         return std::move(s).value();
       },
       true},
  };
  if (spoke::testing::kPostgresBuilt) {
    out.push_back({"postgres",
                   [](const std::string& dir) { return std::move(open_postgres(dir).metadata); },
                   true});
  }
  note_postgres_skipped();
  return out;
}

struct BlobBackend {
  const char* name;
  std::function<std::unique_ptr<BlobStore>(const std::string& dir)> open;
  bool persistent;
};

std::vector<BlobBackend> blob_backends() {
  std::vector<BlobBackend> out = {
      {"memory", [](const std::string&) { return make_memory_blob_store(); }, false},
      {"filesystem",
       [](const std::string& dir) {
         auto s = open_filesystem_blob_store(dir + "/blobs");
         REQUIRE_MESSAGE(s.ok(), s.status().to_string());
         return std::move(s).value();
       },
       true},
  };
  if (spoke::testing::kPostgresBuilt) {
    out.push_back({"postgres",
                   [](const std::string& dir) { return std::move(open_postgres(dir).blobs); },
                   true});
  }
  note_postgres_skipped();
  return out;
}

CompileJob make_job(const std::string& id, Timestamp created_at) {
  CompileJob j;
  j.id = id;
  j.module = "beta";
  j.version = "v1.0.0";
  j.language = "go";
  j.status = spoke::JobStatus::kQueued;
  j.created_at = created_at;
  return j;
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
    CHECK(store->create_module({"alpha", "first", 1, 1}, {}).value() == true);
    CHECK(store->create_module({"alpha", "other", 2, 2}, {}).value() == false);
    CHECK(store->get_module("alpha")->description == "first");
    CHECK(store->get_module("nope").status().code() == Code::kNotFound);
    CHECK(store->get_module("nope").status().reason() == "module_not_found");
    CHECK(store->update_module("alpha", "updated", 5).ok());
    CHECK(store->get_module("alpha")->description == "updated");
    CHECK(store->get_module("alpha")->updated_at == 5);
    CHECK(store->get_module("alpha")->created_at == 1);
    CHECK(store->update_module("nope", "x", 5).code() == Code::kNotFound);

    // versions: insert creates the module when missing and assigns increasing sequences
    auto v1 =
        store->insert_version({"beta", "module desc", 3, 3}, make_version("beta", "v1.0.0"), {});
    REQUIRE_MESSAGE(v1.ok(), v1.status().to_string());
    CHECK(store->get_module("beta")->description == "module desc");
    auto v2 = store->insert_version({"beta", "ignored", 4, 4}, make_version("beta", "v1.1.0"), {});
    REQUIRE(v2.ok());
    CHECK(v2->sequence > v1->sequence);
    CHECK(store->get_module("beta")->description == "module desc");

    auto again = store->insert_version({"beta", "", 0, 0}, make_version("beta", "v1.0.0"), {});
    CHECK(again.status().code() == Code::kConflict);
    CHECK(again.status().reason() == "version_exists");
    // Another spelling of the same semantic version is the same version.
    auto spelled = store->insert_version({"beta", "", 0, 0}, make_version("beta", "1.0.0"), {});
    CHECK(spelled.status().reason() == "version_exists");
    CHECK(spelled.status().fields().at("existing_version") == "v1.0.0");

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
    REQUIRE(store->insert_version({"forced", "", 0, 0}, forced, {}).ok());
    CHECK(store->get_version("forced", "v1.2.0")->forced_breaking == 3);
    CHECK(store->get_version("beta", "v9.9.9").status().reason() == "version_not_found");

    // stored descriptors: recorded at insert, or set afterwards on a version that has none
    CHECK(got->descriptor_digest.empty());
    const std::string descriptor = "sha256:" + std::string(64, '9');
    Version described = make_version("zeta", "v1.0.0");
    described.files = {{"z.proto", "", "sha256:" + std::string(64, 'c'), 5}};
    described.descriptor_digest = descriptor;
    REQUIRE(store->insert_version({"zeta", "", 0, 0}, described, {}).ok());
    CHECK(store->get_version("zeta", "v1.0.0")->descriptor_digest == descriptor);
    CHECK(store->set_version_descriptor("beta", "v1.0.0", descriptor).ok());
    CHECK(store->get_version("beta", "v1.0.0")->descriptor_digest == descriptor);
    CHECK(store->get_version("beta", "v1.0.0")->digest == "sha256:" + std::string(64, 'e'));
    CHECK(store->get_version("beta", "v1.1.0")->descriptor_digest.empty());
    CHECK(store->set_version_descriptor("beta", "v9.9.9", descriptor).reason() ==
          "version_not_found");
    CHECK(store->set_version_descriptor("nope", "v1.0.0", descriptor).reason() ==
          "version_not_found");

    auto file = store->get_file("beta", "v1.0.0", "dir/b.proto");
    REQUIRE(file.ok());
    CHECK(file->digest == "sha256:" + std::string(64, 'b'));
    CHECK(store->get_file("beta", "v1.0.0", "missing.proto").status().reason() == "file_not_found");
    CHECK(store->get_file("beta", "v0.0.1", "a.proto").status().reason() == "version_not_found");

    // The path index looks at each module's latest version only.
    auto holders = store->find_path_in_latest("dir/b.proto");
    REQUIRE(holders.ok());
    REQUIRE(holders->size() == 1);
    CHECK((*holders)[0] == std::pair<std::string, std::string>{"beta", "v1.1.0"});
    CHECK(store->find_path_in_latest("forced.proto")->size() == 1);
    CHECK(store->find_path_in_latest("nowhere.proto")->empty());

    auto refs = store->list_versions("beta");
    REQUIRE(refs.ok());
    CHECK(refs->size() == 2);
    CHECK(store->list_versions("alpha")->empty());
    CHECK(store->list_versions("nope").status().code() == Code::kNotFound);

    // listing: ordered by name, after a cursor, bounded
    for (const char* n : {"delta", "charlie", "echo"}) store->create_module({n, "", 1, 1}, {});
    auto page = store->list_modules("", 3);
    REQUIRE(page.ok());
    REQUIRE(page->size() == 3);
    CHECK((*page)[0].module.name == "alpha");
    CHECK((*page)[1].module.name == "beta");
    CHECK((*page)[1].version_count == 2);
    CHECK((*page)[1].latest_version == "v1.1.0");
    CHECK((*page)[0].version_count == 0);
    CHECK((*page)[0].latest_version.empty());
    CHECK((*page)[2].module.name == "charlie");
    auto rest = store->list_modules("charlie", 10);
    REQUIRE(rest->size() == 4);
    CHECK((*rest)[0].module.name == "delta");
    CHECK((*rest)[1].module.name == "echo");
    CHECK((*rest)[2].module.name == "forced");
    CHECK((*rest)[3].module.name == "zeta");

    // Records: latest, count and revision follow every change.
    auto record = store->get_module_record("beta");
    REQUIRE(record.ok());
    CHECK(record->latest_version == "v1.1.0");
    CHECK(record->version_count == 2);
    const std::int64_t revision = record->revision;
    CHECK(store->update_module("beta", "changed", 9).ok());
    CHECK(store->get_module_record("beta")->revision > revision);
    // A stored descriptor recorded later changes the version's answer, so the revision moves.
    const std::int64_t before_descriptor = store->get_module_record("beta")->revision;
    CHECK(store->set_version_descriptor("beta", "v1.1.0", "sha256:" + std::string(64, '8')).ok());
    CHECK(store->get_module_record("beta")->revision > before_descriptor);
    CHECK(store->get_module_record("nope").status().reason() == "module_not_found");
    // A pre-release above the latest release, and a release below it, leave it; a higher
    // release takes over. Commit ids never do while a semantic version exists.
    REQUIRE(
        store->insert_version({"beta", "", 0, 0}, make_version("beta", "v2.0.0-rc.1"), {}).ok());
    REQUIRE(store->insert_version({"beta", "", 0, 0}, make_version("beta", "v1.0.1"), {}).ok());
    REQUIRE(store->insert_version({"beta", "", 0, 0}, make_version("beta", "abcdef0"), {}).ok());
    CHECK(store->get_module_record("beta")->latest_version == "v1.1.0");
    REQUIRE(store->insert_version({"beta", "", 0, 0}, make_version("beta", "1.2.0"), {}).ok());
    CHECK(store->get_module_record("beta")->latest_version == "1.2.0");
    CHECK(store->get_module_record("beta")->version_count == 6);
    REQUIRE(
        store->insert_version({"commits", "", 0, 0}, make_version("commits", "1111111"), {}).ok());
    REQUIRE(
        store->insert_version({"commits", "", 0, 0}, make_version("commits", "0000000"), {}).ok());
    CHECK(store->get_module_record("commits")->latest_version == "0000000");

    // Pages of versions, newest first in version order, with their files and dependencies.
    std::vector<std::string> order;
    std::optional<spoke::VersionCursor> after;
    for (;;) {
      auto versions = store->list_versions_page("beta", after, 2);
      REQUIRE(versions.ok());
      for (const auto& v : versions.value()) {
        order.push_back(v.version);
        CHECK(v.files.size() == 2);
        CHECK(v.dependencies.size() == 1);
        CHECK(v.digest == "sha256:" + std::string(64, 'e'));
      }
      if (versions->size() < 2) break;
      after = spoke::VersionCursor{
          spoke::version_order_key(*spoke::parse_version(versions->back().version)),
          versions->back().sequence};
    }
    CHECK(order == std::vector<std::string>{"v2.0.0-rc.1", "1.2.0", "v1.1.0", "v1.0.1", "v1.0.0",
                                            "abcdef0"});
    CHECK(store->list_versions_page("nope", std::nullopt, 2).status().reason() ==
          "module_not_found");
    CHECK(store->list_versions_page("alpha", std::nullopt, 2)->empty());

    // The version a push is compared with.
    auto previous = [&](const std::string& module, const std::string& pushed) {
      auto r = store->previous_version(module, *spoke::parse_version(pushed));
      REQUIRE(r.ok());
      return r->value_or("(none)");
    };
    CHECK(previous("beta", "v1.1.5") == "v1.1.0");
    CHECK(previous("beta", "v3.0.0") == "v2.0.0-rc.1");
    CHECK(previous("beta", "v2.0.0") == "v2.0.0-rc.1");
    CHECK(previous("beta", "v1.0.0") == "(none)");
    CHECK(previous("beta", "0.9.0") == "(none)");
    CHECK(previous("beta", "1234567") == "1.2.0");
    CHECK(previous("commits", "2222222") == "0000000");
    CHECK(previous("alpha", "v1.0.0") == "(none)");

    if (backend.persistent) {
      store.reset();
      auto reopened = backend.open(dir.str());
      CHECK(reopened->get_version("beta", "v1.1.0").ok());
      CHECK(reopened->get_module_record("beta")->latest_version == "1.2.0");
      CHECK(reopened->list_modules("", 100)->size() == 8);
      CHECK(reopened->get_version("forced", "v1.2.0")->forced_breaking == 3);
      CHECK(reopened->get_version("beta", "v1.0.0")->descriptor_digest ==
            "sha256:" + std::string(64, '9'));
      // Sequences keep growing after a reopen.
      auto v3 = reopened->insert_version({"beta", "", 0, 0}, make_version("beta", "v2.0.0"), {});
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
    Artifact second = a;
    second.key = "sha256:" + std::string(64, '0');
    REQUIRE(store->put_artifact(second).ok());
    auto artifacts = store->list_artifacts("", 10).value();
    REQUIRE(artifacts.size() == 2);
    CHECK(artifacts[0].key == second.key);  // by key
    CHECK(artifacts[1].key == a.key);
    CHECK(artifacts[1].total_size == 1234);
    CHECK(store->list_artifacts("", 1).value().size() == 1);
    auto after = store->list_artifacts(second.key, 10).value();
    REQUIRE(after.size() == 1);
    CHECK(after[0].key == a.key);

    // module policies
    CHECK(store->get_module_policy("beta").status().reason() == "module_not_found");
    CHECK(store->put_module_policy("beta", {}, {}).reason() == "module_not_found");
    REQUIRE(store->create_module({"beta", "", 1, 1}, {}).ok());
    CHECK_FALSE(store->get_module_policy("beta").value().has_value());
    REQUIRE(store->put_module_policy("beta", {"WIRE_JSON", true, false, 40}, {}).ok());
    REQUIRE(store->put_module_policy("beta", {"BACKWARD", false, true, 41}, {}).ok());
    auto policy = store->get_module_policy("beta").value();
    REQUIRE(policy.has_value());
    CHECK(policy->compatibility == "BACKWARD");
    CHECK_FALSE(policy->ignore_unstable_packages);
    CHECK(policy->transitive);
    CHECK(policy->updated_at == 41);
    CHECK_FALSE(policy->lint.has_value());
    // A lint policy: every key of the section kept.
    spoke::LintConfig lint;
    lint.use = {"STANDARD", "COMMENTS"};
    lint.except = {"PACKAGE_VERSION_SUFFIX"};
    lint.ignore = {"legacy"};
    lint.ignore_only["FIELD_LOWER_SNAKE_CASE"] = {"old/a.proto"};
    lint.enum_zero_value_suffix = "_NONE";
    lint.rpc_allow_google_protobuf_empty_requests = true;
    lint.service_suffix = "API";
    lint.allow_comment_ignores = false;
    spoke::ModulePolicy with_lint{"FILE", false, false, 42};
    with_lint.lint = lint;
    REQUIRE(store->put_module_policy("gamma", with_lint, {}).reason() == "module_not_found");
    REQUIRE(store->create_module({"gamma", "", 1, 1}, {}).ok());
    REQUIRE(store->put_module_policy("gamma", with_lint, {}).ok());
    auto linted = store->get_module_policy("gamma").value();
    REQUIRE(linted.has_value());
    REQUIRE(linted->lint.has_value());
    CHECK(linted->lint->use == lint.use);
    CHECK(linted->lint->except == lint.except);
    CHECK(linted->lint->ignore == lint.ignore);
    CHECK(linted->lint->ignore_only == lint.ignore_only);
    CHECK(linted->lint->enum_zero_value_suffix == "_NONE");
    CHECK(linted->lint->rpc_allow_google_protobuf_empty_requests);
    CHECK_FALSE(linted->lint->rpc_allow_google_protobuf_empty_responses);
    CHECK(linted->lint->service_suffix == "API");
    CHECK_FALSE(linted->lint->allow_comment_ignores);
    CHECK(linted->lint->version == "v2");

    if (backend.persistent) {
      store.reset();
      auto reopened = backend.open(dir.str());
      CHECK(reopened->get_job(j.id)->status == spoke::JobStatus::kSucceeded);
      CHECK(reopened->list_jobs_by_status({spoke::JobStatus::kQueued}).value().size() == 2);
      CHECK(reopened->get_artifact(a.key)->file_count == 4);
      CHECK(reopened->get_module_policy("beta").value()->compatibility == "BACKWARD");
      CHECK(reopened->get_module_policy("gamma").value()->lint->use == lint.use);
    }
  }
}

AccessToken make_token(const std::string& name, const std::string& hash, Timestamp created_at) {
  AccessToken t;
  t.name = name;
  t.hash = "sha256:" + hash;
  t.role = Role::kWriter;
  t.scope = "acme-*";
  t.creator = "admin";
  t.created_at = created_at;
  return t;
}

TEST_CASE("token_contract") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());

    AccessToken ci = make_token("ci", std::string(64, '1'), 100);
    ci.expires_at = 5000;
    REQUIRE(store->insert_token(ci, {}).ok());
    auto found = store->find_token(ci.hash);
    REQUIRE_MESSAGE(found.ok(), found.status().to_string());
    CHECK(found->name == "ci");
    CHECK(found->role == Role::kWriter);
    CHECK(found->scope == "acme-*");
    CHECK(found->creator == "admin");
    CHECK(found->created_at == 100);
    CHECK(found->expires_at == 5000);
    CHECK(found->last_used_at == 0);
    CHECK(found->revoked_at == 0);
    CHECK(store->find_token("sha256:" + std::string(64, '9')).status().reason() ==
          "token_not_found");

    // A live token's name is taken; nothing changes.
    AccessToken again = make_token("ci", std::string(64, '2'), 200);
    CHECK(store->insert_token(again, {}).reason() == "token_exists");
    CHECK(store->find_token(again.hash).status().reason() == "token_not_found");

    CHECK(store->touch_token(ci.hash, 300).ok());
    CHECK(store->find_token(ci.hash)->last_used_at == 300);
    CHECK(store->touch_token("sha256:" + std::string(64, '9'), 300).ok());

    AccessToken reader = make_token("a-reader", std::string(64, '3'), 150);
    reader.role = Role::kReader;
    reader.scope = "";
    REQUIRE(store->insert_token(reader, {}).ok());
    auto all = store->list_tokens();
    REQUIRE(all.ok());
    REQUIRE(all->size() == 2);
    CHECK(all->at(0).name == "a-reader");
    CHECK(all->at(0).role == Role::kReader);
    CHECK(all->at(1).name == "ci");

    // Revoked: found (so it can be refused as revoked), no longer revocable, its name free again.
    CHECK(store->revoke_token("ci", 400, {}).ok());
    CHECK(store->find_token(ci.hash)->revoked_at == 400);
    CHECK(store->revoke_token("ci", 500, {}).reason() == "token_not_found");
    CHECK(store->revoke_token("nobody", 500, {}).reason() == "token_not_found");
    REQUIRE(store->insert_token(again, {}).ok());
    CHECK(store->find_token(again.hash)->created_at == 200);
    CHECK(store->find_token(again.hash)->revoked_at == 0);
    CHECK(store->find_token(ci.hash).status().reason() == "token_not_found");

    // Expired by the time a new one of its name is made: replaced.
    AccessToken short_lived = make_token("short", std::string(64, '4'), 100);
    short_lived.expires_at = 1000;
    REQUIRE(store->insert_token(short_lived, {}).ok());
    CHECK(store->insert_token(make_token("short", std::string(64, '5'), 999), {}).reason() ==
          "token_exists");
    CHECK(store->insert_token(make_token("short", std::string(64, '6'), 1000), {}).ok());

    if (backend.persistent) {
      store.reset();
      store = backend.open(dir.str());
      CHECK(store->find_token(again.hash)->name == "ci");
      CHECK(store->list_tokens()->size() == 3);
    }
  }
}

AuditEntry make_audit(Timestamp time, const std::string& actor, const std::string& module) {
  AuditEntry e;
  e.time = time;
  e.actor = actor;
  e.client = "127.0.0.1";
  e.request_id = "req-" + std::to_string(time);
  e.method = "POST";
  e.route = "/modules/{module}/versions";
  e.module = module;
  e.version = "v1.0.0";
  e.status = 201;
  return e;
}

TEST_CASE("audit_log_contract") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());

    std::vector<std::int64_t> ids;
    for (int i = 1; i <= 5; ++i) {
      AuditEntry e =
          make_audit(i * 100, i % 2 == 0 ? "ci" : "anonymous", i <= 3 ? "alpha" : "beta");
      if (i == 5) {
        e.status = 403;
        e.error = "forbidden";
      }
      auto id = store->append_audit(e);
      REQUIRE_MESSAGE(id.ok(), id.status().to_string());
      if (!ids.empty()) CHECK(id.value() > ids.back());
      ids.push_back(id.value());
    }
    AuditQuery all;
    auto got = store->list_audit(all);
    REQUIRE(got.ok());
    REQUIRE(got->size() == 5);
    // Newest first, every field as appended.
    CHECK(got->at(0).id == ids[4]);
    CHECK(got->at(0).time == 500);
    CHECK(got->at(0).actor == "anonymous");
    CHECK(got->at(0).client == "127.0.0.1");
    CHECK(got->at(0).request_id == "req-500");
    CHECK(got->at(0).method == "POST");
    CHECK(got->at(0).route == "/modules/{module}/versions");
    CHECK(got->at(0).module == "beta");
    CHECK(got->at(0).version == "v1.0.0");
    CHECK(got->at(0).status == 403);
    CHECK(got->at(0).error == "forbidden");
    CHECK(got->at(4).id == ids[0]);
    CHECK(got->at(4).error.empty());

    AuditQuery by_module;
    by_module.module = "alpha";
    CHECK(store->list_audit(by_module)->size() == 3);
    AuditQuery by_actor;
    by_actor.actor = "ci";
    auto ci = store->list_audit(by_actor);
    REQUIRE(ci->size() == 2);
    CHECK(ci->at(0).time == 400);
    AuditQuery window;
    window.since = 200;
    window.until = 400;
    auto w = store->list_audit(window);
    REQUIRE(w->size() == 2);
    CHECK(w->at(0).time == 300);
    CHECK(w->at(1).time == 200);
    AuditQuery page;
    page.limit = 2;
    page.before_id = ids[3];
    auto p = store->list_audit(page);
    REQUIRE(p->size() == 2);
    CHECK(p->at(0).id == ids[2]);
    CHECK(p->at(1).id == ids[1]);
    AuditQuery combined;
    combined.module = "alpha";
    combined.actor = "anonymous";
    combined.before_id = ids[2];
    auto c = store->list_audit(combined);
    REQUIRE(c->size() == 1);
    CHECK(c->at(0).id == ids[0]);

    if (backend.persistent) {
      store.reset();
      store = backend.open(dir.str());
      CHECK(store->list_audit(all)->size() == 5);
      CHECK(store->append_audit(make_audit(600, "ci", "alpha")).value() > ids.back());
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
        // Half of them spell it without the "v": still one version.
        Version v = make_version("race", i % 2 == 0 ? "v1.0.0" : "1.0.0", i);
        auto r = store->insert_version({"race", "", 1, 1}, v, {});
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
    REQUIRE(store->insert_version({"old", "", 1, 1}, make_version("old", "v1.0.0"), {}).ok());
  }
  {
    // As a database written before jobs, artifacts, policies and forced pushes existed.
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    raw.exec(
        "DROP TABLE jobs; DROP TABLE artifacts; DROP TABLE module_configs; DROP TABLE tokens; "
        "DROP TABLE audit_log; DROP TABLE webhooks; DROP TABLE webhook_events; "
        "DROP TABLE webhook_deliveries; DROP TABLE webhook_attempts;");
    raw.exec("ALTER TABLE versions DROP COLUMN forced_breaking");
    raw.exec(
        "DROP INDEX versions_by_order; DROP INDEX versions_by_push; "
        "ALTER TABLE versions DROP COLUMN order_key; ALTER TABLE modules DROP COLUMN "
        "latest_version; ALTER TABLE modules DROP COLUMN latest_id; ALTER TABLE modules DROP "
        "COLUMN version_count; ALTER TABLE modules DROP COLUMN revision;");
    raw.exec("ALTER TABLE versions DROP COLUMN descriptor_digest");
    raw.exec("DELETE FROM schema_version WHERE version > 1");
  }
  auto store = open_sqlite_metadata_store(db);
  REQUIRE_MESSAGE(store.ok(), store.status().to_string());
  CHECK(store.value()->get_version("old", "v1.0.0")->digest ==
        make_version("old", "v1.0.0").digest);
  CHECK(store.value()->get_version("old", "v1.0.0")->forced_breaking == 0);
  // What the later schema keeps on the module's row is filled in from the versions.
  CHECK(store.value()->get_module_record("old")->latest_version == "v1.0.0");
  CHECK(store.value()->get_module_record("old")->version_count == 1);
  CHECK(store.value()->list_versions_page("old", std::nullopt, 10)->size() == 1);
  // Versions from before stored descriptors have none; one can be recorded.
  CHECK(store.value()->get_version("old", "v1.0.0")->descriptor_digest.empty());
  CHECK(store.value()
            ->set_version_descriptor("old", "v1.0.0", "sha256:" + std::string(64, '7'))
            .ok());
  CHECK(store.value()->get_version("old", "v1.0.0")->descriptor_digest ==
        "sha256:" + std::string(64, '7'));
  CompileJob j;
  j.id = "job_after_migration";
  j.status = spoke::JobStatus::kQueued;
  CHECK(store.value()->insert_job(j).ok());
  CHECK(store.value()->list_webhooks()->empty());
  SQLite::Database raw(db, SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("SELECT MAX(version) FROM schema_version").getInt() == 10);
}

TEST_CASE("sqlite_store_refuses_a_database_from_a_newer_schema") {
  TempDir dir;
  std::string db = dir.str() + "/spoke.db";
  { REQUIRE(open_sqlite_metadata_store(db).ok()); }
  {
    SQLite::Database raw(db, SQLite::OPEN_READWRITE);
    CHECK(raw.execAndGet("SELECT MAX(version) FROM schema_version").getInt() == 10);
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

TEST_CASE("claims_hand_out_the_oldest_job_once_and_record_its_owner") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    CHECK_FALSE(store->claim_job("a", std::chrono::hours(1)).value().has_value());
    REQUIRE(store->insert_job(make_job("job_1", 1)).ok());
    REQUIRE(store->insert_job(make_job("job_2", 2)).ok());
    CompileJob done = make_job("job_0", 0);
    done.status = spoke::JobStatus::kSucceeded;
    REQUIRE(store->insert_job(done).ok());

    auto first = store->claim_job("a", std::chrono::hours(1)).value();
    REQUIRE(first.has_value());
    CHECK(first->id == "job_1");  // oldest queued; a finished job is never claimed
    CHECK(first->status == spoke::JobStatus::kRunning);
    CHECK(first->owner == "a");
    CHECK(first->attempts == 1);
    CHECK(first->started_at > 0);
    CHECK(first->lease_expires_at > first->started_at);
    auto stored = store->get_job("job_1").value();
    CHECK(stored.status == spoke::JobStatus::kRunning);
    CHECK(stored.owner == "a");
    CHECK(stored.lease_expires_at == first->lease_expires_at);

    auto second = store->claim_job("b", std::chrono::hours(1)).value();
    REQUIRE(second.has_value());
    CHECK(second->id == "job_2");
    CHECK_FALSE(store->claim_job("c", std::chrono::hours(1)).value().has_value());

    // Renewal by the owner only.
    CHECK(store->renew_job_lease("job_1", "a", std::chrono::hours(2)).ok());
    CHECK(store->get_job("job_1")->lease_expires_at > first->lease_expires_at);
    CHECK(store->renew_job_lease("job_1", "b", std::chrono::hours(2)).reason() == "lease_lost");
    CHECK(store->renew_job_lease("job_nope", "a", std::chrono::hours(2)).reason() ==
          "job_not_found");

    // Progress: by the owner only, read back with the job.
    CHECK(store->get_job("job_1")->progress_total == 0);
    REQUIRE(store->set_job_progress("job_1", "a", 3, 7).ok());
    CHECK(store->get_job("job_1")->progress_done == 3);
    CHECK(store->get_job("job_1")->progress_total == 7);
    CHECK(store->set_job_progress("job_1", "b", 4, 7).reason() == "lease_lost");
    CHECK(store->get_job("job_1")->progress_done == 3);
    CHECK(store->set_job_progress("job_nope", "a", 1, 1).reason() == "job_not_found");
    REQUIRE(store->set_job_progress("job_2", "b", 5, 9).ok());

    // Finishing: by the owner; the lease is cleared.
    CompileJob finished = *first;
    finished.status = spoke::JobStatus::kSucceeded;
    finished.artifact_key = "sha256:" + std::string(64, 'a');
    finished.finished_at = finished.started_at + 5;
    CompileJob intruder = finished;
    intruder.owner = std::string("b");
    CHECK(store->finish_job(intruder, {}).reason() == "lease_lost");
    CHECK(store->get_job("job_1")->status == spoke::JobStatus::kRunning);
    REQUIRE(store->finish_job(finished, {}).ok());
    auto after = store->get_job("job_1").value();
    CHECK(after.status == spoke::JobStatus::kSucceeded);
    CHECK(after.artifact_key == finished.artifact_key);
    CHECK(after.owner.empty());
    CHECK(after.lease_expires_at == 0);
    CHECK(store->finish_job(finished, {}).reason() == "lease_lost");  // not running any more

    // Handing back: queued again, claimed by the next worker.
    CompileJob handed = *second;
    handed.status = spoke::JobStatus::kQueued;
    REQUIRE(store->finish_job(handed, {}).ok());
    CHECK(store->get_job("job_2")->status == spoke::JobStatus::kQueued);
    CHECK(store->set_job_progress("job_2", "b", 6, 9).reason() == "lease_lost");  // queued
    auto again = store->claim_job("c", std::chrono::hours(1)).value();
    REQUIRE(again.has_value());
    CHECK(again->id == "job_2");
    CHECK(again->attempts == 2);
    // A new attempt starts from nothing.
    CHECK(again->progress_done == 0);
    CHECK(store->get_job("job_2")->progress_total == 0);
  }
}

TEST_CASE("a_job_whose_lease_expired_is_taken_over_and_released_jobs_are_queued") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    REQUIRE(store->insert_job(make_job("job_1", 1)).ok());
    REQUIRE(store->insert_job(make_job("job_2", 2)).ok());

    // A lease of zero has expired at once: the job is another worker's to take.
    auto dead = store->claim_job("dead", std::chrono::milliseconds(0)).value();
    REQUIRE(dead.has_value());
    CHECK(dead->id == "job_1");
    auto taken = store->claim_job("alive", std::chrono::hours(1)).value();
    REQUIRE(taken.has_value());
    CHECK(taken->id == "job_1");
    CHECK(taken->owner == "alive");
    CHECK(taken->attempts == 2);
    // The worker that lost it cannot record a result over the new owner's.
    CompileJob late = *dead;
    late.status = spoke::JobStatus::kFailed;
    late.error = "too late";
    CHECK(store->finish_job(late, {}).reason() == "lease_lost");
    CHECK(store->get_job("job_1")->owner == "alive");

    // A lease that runs is respected.
    auto next = store->claim_job("other", std::chrono::hours(1)).value();
    REQUIRE(next.has_value());
    CHECK(next->id == "job_2");
    CHECK_FALSE(store->claim_job("third", std::chrono::hours(1)).value().has_value());

    // Release: every job of the owner back in the queue, the others untouched.
    CHECK(store->release_jobs("alive").value() == 1);
    CHECK(store->release_jobs("alive").value() == 0);
    auto released = store->get_job("job_1").value();
    CHECK(released.status == spoke::JobStatus::kQueued);
    CHECK(released.owner.empty());
    CHECK(store->get_job("job_2")->owner == "other");
    auto retaken = store->claim_job("third", std::chrono::hours(1)).value();
    REQUIRE(retaken.has_value());
    CHECK(retaken->id == "job_1");
  }
}

namespace {

// Six claimers (threads; for persistent backends over three stores on one database, i.e.
// processes) call `claim` until it hands out nothing. Returns who got each id; fails the test
// when an id is handed out twice or a claim fails.
std::map<std::string, std::string> claim_concurrently(
    const MetadataBackend& backend, const TempDir& dir, MetadataStore& store,
    const std::function<Result<std::vector<std::string>>(MetadataStore&, const std::string&)>&
        claim) {
  std::vector<std::unique_ptr<MetadataStore>> others;
  if (backend.persistent) {
    for (int i = 0; i < 2; ++i) others.push_back(backend.open(dir.str()));
  }
  std::mutex mu;
  std::map<std::string, std::string> claimed_by;
  std::atomic<int> duplicates{0}, errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    MetadataStore* s = others.empty() ? &store : others[t % others.size()].get();
    threads.emplace_back([&, s, t] {
      std::string owner = "worker-" + std::to_string(t);
      for (;;) {
        auto r = claim(*s, owner);
        if (!r.ok()) {
          ++errors;
          continue;
        }
        if (r->empty()) return;
        std::lock_guard lock(mu);
        for (const auto& id : r.value()) {
          if (!claimed_by.emplace(id, owner).second) ++duplicates;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(duplicates == 0);
  CHECK(errors == 0);
  return claimed_by;
}

}  // namespace

TEST_CASE("concurrent_claimers_never_get_the_same_job") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    constexpr int kJobs = 40;
    for (int i = 0; i < kJobs; ++i) {
      REQUIRE(store->insert_job(make_job(fmt::format("job_{:04}", i), i)).ok());
    }
    auto claimed_by =
        claim_concurrently(backend, dir, *store, [](MetadataStore& s, const std::string& owner) {
          auto r = s.claim_job(owner, std::chrono::hours(1));
          if (!r.ok()) return Result<std::vector<std::string>>(r.status());
          std::vector<std::string> ids;
          if (r->has_value()) ids.push_back((*r)->id);
          return Result<std::vector<std::string>>(std::move(ids));
        });
    CHECK(claimed_by.size() == kJobs);
    for (const auto& [id, owner] : claimed_by) CHECK(store->get_job(id)->owner == owner);
  }
}

TEST_CASE("open_storage_opens_urls_and_lists_the_known_backends") {
  TempDir dir;
  {
    auto s = open_storage({"", "", "sqlite:" + dir.str() + "/rel"});
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    CHECK(std::filesystem::exists(dir.path() / "rel" / "spoke.db"));
  }
  {
    auto s = open_storage({"", "", "sqlite://" + dir.str() + "/abs"});
    REQUIRE_MESSAGE(s.ok(), s.status().to_string());
    CHECK(std::filesystem::exists(dir.path() / "abs" / "blobs" / "sha256"));
  }
  CHECK(open_storage({"", "", "sqlite://host/dir"}).status().reason() == "invalid_storage_url");
  CHECK(open_storage({"", "", "memory:"}).ok());
  // The URL wins over type and root.
  CHECK(open_storage({"oracle", "", "memory:"}).ok());
  auto bad = open_storage({"", "", "mysql://db/x"});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == "unknown_storage_type");
  for (const char* known : {"sqlite", "memory", "postgres", "postgresql"}) {
    CHECK_MESSAGE(bad.status().message().find(known) != std::string::npos, known);
  }
  CHECK(open_storage({"", "", "no-scheme"}).status().reason() == "unknown_storage_type");
  auto no_url = open_storage({"postgres", ""});
  REQUIRE_FALSE(no_url.ok());
  if (spoke::testing::kPostgresBuilt) {
    CHECK(no_url.status().reason() == "invalid_storage_url");
  } else {
    CHECK(no_url.status().reason() == "storage_backend_not_built");
    CHECK(no_url.status().message().find("not built") != std::string::npos);
  }

  // A backend registered by an embedder is opened by its name and listed.
  register_storage_backend(
      {"scratch",
       {"scratch-url"},
       "memory under another name",
       [](const StorageOptions&) -> Result<Storage> {
         return Storage{make_memory_metadata_store(), make_memory_blob_store()};
       },
       ""});
  CHECK(open_storage({"scratch", ""}).ok());
  CHECK(open_storage({"", "", "scratch-url:anything"}).ok());
  CHECK(open_storage({"", "", "mysql://db/x"}).status().message().find("scratch") !=
        std::string::npos);
}

TEST_CASE("postgres_storage_reports_an_unreachable_server_as_unavailable") {
  if (!spoke::testing::kPostgresBuilt) {
    note_postgres_skipped();
    return;
  }
  StorageOptions options;
  options.url =
      "postgresql://postgres@127.0.0.1:" + std::to_string(spoke::testing::free_loopback_port()) +
      "/nothing";
  auto s = open_storage(options);
  REQUIRE_FALSE(s.ok());
  CHECK(s.status().code() == Code::kUnavailable);
  CHECK(s.status().reason() == "storage_unavailable");
  CHECK(s.status().message().find("127.0.0.1") != std::string::npos);
}

TEST_CASE("postgres_storage_migrates_once_and_refuses_a_newer_schema") {
  if (!spoke::testing::kPostgresBuilt) {
    note_postgres_skipped();
    return;
  }
  TempDir dir;
  StorageOptions options;
  options.url = spoke::testing::postgres_url_for(dir.str());
  // Several processes starting at once: each opens the store; the schema is applied once.
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      if (!open_storage(options).ok()) ++failures;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(failures == 0);
  auto& pg = spoke::testing::shared_postgres();
  std::string db = options.url.substr(options.url.rfind('/') + 1);
  CHECK(pg.sql("SELECT count(*) FROM spoke_schema_version", db) == "7");
  CHECK(pg.sql("SELECT max(version) FROM spoke_schema_version", db) == "7");

  pg.sql("INSERT INTO spoke_schema_version VALUES (999)", db);
  auto refused = open_storage(options);
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().reason() == "schema_too_new");
  CHECK(refused.status().message().find("schema version 999") != std::string::npos);
  CHECK(refused.status().message().find("(7)") != std::string::npos);
}

// ---- the change journal and webhooks ------------------------------------------------------------

namespace {

Webhook make_webhook(const std::string& id, std::vector<std::string> events, std::string module,
                     bool active = true) {
  Webhook w;
  w.id = id;
  w.url = "https://hooks.example/" + id;
  w.events = std::move(events);
  w.module = std::move(module);
  w.secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  w.active = active;
  w.headers = {{"X-Team", "platform"}};
  w.description = "hook " + id;
  w.creator = "admin";
  w.created_at = 10;
  w.updated_at = 11;
  return w;
}

JournalEvent make_event(const std::string& id, const std::string& type, const std::string& module) {
  JournalEvent je;
  je.event.id = id;
  je.event.type = type;
  je.event.module = module;
  je.event.time = now_ms();
  je.event.payload = fmt::format(R"({{"id":"{}","type":"{}","data":{{}}}})", id, type);
  return je;
}

// The deliveries of every subscription, by webhook id: event ids, oldest first.
std::map<std::string, std::vector<std::string>> deliveries_by_webhook(MetadataStore& store) {
  std::map<std::string, std::vector<std::string>> out;
  auto webhooks = store.list_webhooks();
  REQUIRE_MESSAGE(webhooks.ok(), webhooks.status().to_string());
  for (const auto& w : webhooks.value()) {
    DeliveryQuery q;
    q.webhook_id = w.id;
    auto got = store.list_deliveries(q);
    REQUIRE_MESSAGE(got.ok(), got.status().to_string());
    auto& list = out[w.id];
    for (auto it = got->rbegin(); it != got->rend(); ++it) list.push_back(it->event_id);
  }
  return out;
}

std::size_t audit_count(MetadataStore& store) {
  AuditQuery q;
  q.limit = 1000;
  return store.list_audit(q)->size();
}

}  // namespace

TEST_CASE("journal_is_written_with_its_change_and_never_without_it") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    REQUIRE(store->insert_webhook(make_webhook("wh_versions", {"version.*"}, "acme-*"), {}).ok());
    REQUIRE(store->insert_webhook(make_webhook("wh_all", {"*"}, ""), {}).ok());
    REQUIRE(store->insert_webhook(make_webhook("wh_paused", {"*"}, "", false), {}).ok());
    REQUIRE(
        store->insert_webhook(make_webhook("wh_policy", {"policy.changed"}, "acme-api"), {}).ok());
    CHECK(store->insert_webhook(make_webhook("wh_all", {"*"}, ""), {}).reason() ==
          "webhook_exists");

    auto journal = [](const std::string& tag, std::vector<JournalEvent> events) {
      Journal j;
      j.events = std::move(events);
      j.audit = make_audit(now_ms(), "ci", "acme-api");
      j.audit->request_id = tag;
      return j;
    };

    // A push that creates its module: module.created and version.pushed, fanned out by the
    // subscriptions' event patterns and module globs; the audit entry with them.
    JournalEvent created = make_event("evt_created1", "module.created", "acme-api");
    created.if_module_created = true;
    Journal push1 =
        journal("push-1", {created, make_event("evt_pushed1", "version.pushed", "acme-api")});
    REQUIRE(store->insert_version({"acme-api", "", 1, 1}, make_version("acme-api", "v1.0.0"), push1)
                .ok());
    auto by = deliveries_by_webhook(*store);
    CHECK(by["wh_versions"] == std::vector<std::string>{"evt_pushed1"});
    CHECK(by["wh_all"] == std::vector<std::string>{"evt_created1", "evt_pushed1"});
    CHECK(by["wh_paused"].empty());
    CHECK(by["wh_policy"].empty());
    auto e = store->get_event("evt_pushed1");
    REQUIRE_MESSAGE(e.ok(), e.status().to_string());
    CHECK(e->type == "version.pushed");
    CHECK(e->module == "acme-api");
    CHECK(e->payload == R"({"id":"evt_pushed1","type":"version.pushed","data":{}})");
    AuditQuery newest;
    newest.limit = 1;
    CHECK(store->list_audit(newest)->at(0).request_id == "push-1");
    CHECK(audit_count(*store) == 1);

    // A failed insert writes neither its events nor its deliveries nor its audit entry.
    Journal again =
        journal("push-again", {created, make_event("evt_pushed2", "version.pushed", "acme-api")});
    CHECK(store->insert_version({"acme-api", "", 1, 1}, make_version("acme-api", "v1.0.0"), again)
              .status()
              .reason() == "version_exists");
    CHECK(store->insert_version({"acme-api", "", 1, 1}, make_version("acme-api", "1.0.0"), again)
              .status()
              .reason() == "version_exists");
    CHECK(store->get_event("evt_pushed2").status().reason() == "event_not_found");
    CHECK(deliveries_by_webhook(*store) == by);
    CHECK(audit_count(*store) == 1);

    // The module exists now: module.created is left out.
    Journal push2 = journal("push-2", {make_event("evt_created2", "module.created", "acme-api"),
                                       make_event("evt_pushed3", "version.pushed", "acme-api")});
    push2.events[0].if_module_created = true;
    REQUIRE(store->insert_version({"acme-api", "", 1, 1}, make_version("acme-api", "v1.1.0"), push2)
                .ok());
    CHECK(store->get_event("evt_created2").status().reason() == "event_not_found");
    CHECK(deliveries_by_webhook(*store)["wh_all"].back() == "evt_pushed3");

    // Module filters: another module reaches only the unfiltered subscription.
    REQUIRE(store
                ->insert_version(
                    {"other", "", 1, 1}, make_version("other", "v1.0.0"),
                    journal("push-other", {make_event("evt_other", "version.pushed", "other")}))
                .ok());
    by = deliveries_by_webhook(*store);
    CHECK(by["wh_all"].back() == "evt_other");
    CHECK(by["wh_versions"].back() == "evt_pushed3");

    // An event no subscription takes is not kept; its audit entry is.
    std::size_t audits = audit_count(*store);
    JournalEvent nobody = make_event("evt_nobody", "ping", "");
    nobody.only_webhook = "wh_none";
    REQUIRE(store->create_module({"zeta", "", 1, 1}, journal("create-zeta", {nobody})).value());
    CHECK(store->get_event("evt_nobody").status().reason() == "event_not_found");
    CHECK(audit_count(*store) == audits + 1);
    // An existing module is no change: nothing is written.
    CHECK_FALSE(store->create_module({"zeta", "", 1, 1}, journal("create-zeta-again", {})).value());
    CHECK(audit_count(*store) == audits + 1);

    // Policies: written with the policy, and not for a missing module.
    Journal policy = journal("policy", {make_event("evt_policy", "policy.changed", "acme-api")});
    REQUIRE(store->put_module_policy("acme-api", {"WIRE", false, false, 5}, policy).ok());
    CHECK(deliveries_by_webhook(*store)["wh_policy"] == std::vector<std::string>{"evt_policy"});
    CHECK(store->put_module_policy("missing", {}, journal("policy-missing", {})).reason() ==
          "module_not_found");
    CHECK(audit_count(*store) == audits + 2);

    // Tokens: the audit entry with the token, none for a refused one.
    AccessToken t = make_token("ci", std::string(64, '1'), 100);
    REQUIRE(store->insert_token(t, journal("token", {})).ok());
    CHECK(store->insert_token(t, journal("token-again", {})).reason() == "token_exists");
    REQUIRE(store->revoke_token("ci", 200, journal("revoke", {})).ok());
    CHECK(store->revoke_token("ci", 300, journal("revoke-again", {})).reason() ==
          "token_not_found");
    CHECK(audit_count(*store) == audits + 4);
    CHECK(store->list_audit(newest)->at(0).request_id == "revoke");

    // A job whose lease was lost records nothing.
    REQUIRE(store->insert_job(make_job("job_1", 1)).ok());
    CompileJob intruder = make_job("job_1", 1);
    intruder.owner = "someone";
    intruder.status = JobStatus::kSucceeded;
    CHECK(store
              ->finish_job(intruder,
                           journal("job", {make_event("evt_job", "compile.finished", "acme-api")}))
              .reason() == "lease_lost");
    CHECK(store->get_event("evt_job").status().reason() == "event_not_found");
    auto claimed = store->claim_job("worker", std::chrono::hours(1));
    REQUIRE(claimed.ok());
    REQUIRE(claimed->has_value());
    CompileJob done = **claimed;
    done.status = JobStatus::kSucceeded;
    REQUIRE(store
                ->finish_job(
                    done, journal("job", {make_event("evt_job", "compile.finished", "acme-api")}))
                .ok());
    CHECK(deliveries_by_webhook(*store)["wh_all"].back() == "evt_job");

    // A ping reaches its one subscription, paused or not, whatever it names.
    JournalEvent ping = make_event("evt_ping", "ping", "");
    ping.only_webhook = "wh_paused";
    REQUIRE(store->append_journal(journal("ping", {ping})).ok());
    by = deliveries_by_webhook(*store);
    CHECK(by["wh_paused"] == std::vector<std::string>{"evt_ping"});
    DeliveryQuery paused;
    paused.webhook_id = "wh_paused";
    CHECK(store->list_deliveries(paused)->at(0).manual);

    // Subscription changes carry their journal too.
    Webhook changed = make_webhook("wh_policy", {"*"}, "acme-*");
    REQUIRE(store->update_webhook(changed, journal("update", {})).ok());
    CHECK(store->get_webhook("wh_policy")->events == std::vector<std::string>{"*"});
    CHECK(store->update_webhook(make_webhook("wh_nope", {"*"}, ""), journal("update-nope", {}))
              .reason() == "webhook_not_found");
    REQUIRE(store->delete_webhook("wh_versions", journal("delete", {})).ok());
    CHECK(store->delete_webhook("wh_versions", journal("delete-again", {})).reason() ==
          "webhook_not_found");
    CHECK(audit_count(*store) == audits + 8);

    if (backend.persistent) {
      auto before = deliveries_by_webhook(*store);
      store.reset();
      store = backend.open(dir.str());
      CHECK(deliveries_by_webhook(*store) == before);
      CHECK(store->get_webhook("wh_all")->headers ==
            std::map<std::string, std::string>{{"X-Team", "platform"}});
    }
  }
}

TEST_CASE("webhook_subscriptions_are_stored_field_for_field") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    Webhook w = make_webhook("wh_a", {"version.pushed", "compile.*"}, "acme-?pi");
    w.headers = {{"Authorization", "Bearer x"}, {"X-Trace", "é"}};
    w.failing_since = 77;
    w.status_reason = "last delivery failed: HTTP 500";
    REQUIRE(store->insert_webhook(w, {}).ok());
    REQUIRE(store->insert_webhook(make_webhook("wh_b", {"*"}, ""), {}).ok());
    auto got = store->get_webhook("wh_a");
    REQUIRE(got.ok());
    CHECK(got->url == w.url);
    CHECK(got->events == w.events);
    CHECK(got->module == "acme-?pi");
    CHECK(got->secret == w.secret);
    CHECK(got->active);
    CHECK(got->headers == w.headers);
    CHECK(got->description == "hook wh_a");
    CHECK(got->creator == "admin");
    CHECK(got->created_at == 10);
    CHECK(got->updated_at == 11);
    CHECK(got->failing_since == 77);
    CHECK(got->status_reason == w.status_reason);
    auto all = store->list_webhooks();
    REQUIRE(all->size() == 2);
    CHECK(all->at(0).id == "wh_a");  // oldest first
    CHECK(all->at(1).id == "wh_b");
    CHECK(store->get_webhook("wh_none").status().reason() == "webhook_not_found");
  }
}

TEST_CASE("deliveries_are_claimed_attempted_retried_and_redelivered") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    REQUIRE(store->insert_webhook(make_webhook("wh_live", {"*"}, ""), {}).ok());
    REQUIRE(store->insert_webhook(make_webhook("wh_paused", {"*"}, "", false), {}).ok());
    Journal j;
    j.events = {make_event("evt_1", "version.pushed", "acme"),
                make_event("evt_2", "version.rejected", "acme")};
    REQUIRE(store->append_journal(j).ok());

    // Only the active subscription's deliveries are due; each is handed out once.
    auto first = store->claim_deliveries("a", std::chrono::hours(1), 10);
    REQUIRE_MESSAGE(first.ok(), first.status().to_string());
    REQUIRE(first->size() == 2);
    CHECK(first->at(0).webhook.id == "wh_live");
    CHECK(first->at(0).webhook.secret == "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
    CHECK(first->at(0).payload == R"({"id":"evt_1","type":"version.pushed","data":{}})");
    CHECK(first->at(0).delivery.owner == "a");
    CHECK(first->at(0).delivery.status == DeliveryStatus::kPending);
    CHECK(store->claim_deliveries("b", std::chrono::hours(1), 10)->empty());
    const WebhookDelivery d1 = first->at(0).delivery;
    const WebhookDelivery d2 = first->at(1).delivery;
    CHECK(d1.event_id == "evt_1");
    CHECK(d2.event_id == "evt_2");
    CHECK(d1.id.starts_with("msg_"));

    // A failed attempt: recorded with everything, the delivery due again later, the subscription
    // failing.
    AttemptRecord failed;
    failed.owner = "a";
    failed.status = DeliveryStatus::kPending;
    failed.retry_in = std::chrono::hours(1);
    DeliveryAttempt& a = failed.attempt;
    a.delivery_id = d1.id;
    a.number = 1;
    a.time = 1234;
    a.duration_ms = 56;
    a.url = "https://hooks.example/wh_live";
    a.request_headers = {{"webhook-id", d1.id}, {"webhook-timestamp", "1234"}};
    a.response_status = 500;
    a.response_headers = {{"Content-Type", "text/plain"}, {"X-Dup", "1"}, {"X-Dup", "2"}};
    a.response_body = std::string("boom\0\xff\xfe tail", 12);
    a.response_truncated = true;
    a.error = "HTTP 500";
    CHECK(store
              ->record_attempt([&] {
                AttemptRecord other = failed;
                other.owner = "b";
                return other;
              }())
              .reason() == "lease_lost");
    REQUIRE(store->record_attempt(failed).ok());
    auto attempts = store->list_attempts(d1.id);
    REQUIRE(attempts->size() == 1);
    const DeliveryAttempt& got = attempts->at(0);
    CHECK(got.number == 1);
    CHECK(got.time == 1234);
    CHECK(got.duration_ms == 56);
    CHECK(got.url == a.url);
    CHECK(got.request_headers == a.request_headers);
    CHECK(got.response_status == 500);
    CHECK(got.response_headers == a.response_headers);
    CHECK(got.response_body == a.response_body);
    CHECK(got.response_truncated);
    CHECK(got.error == "HTTP 500");
    auto after = store->get_delivery(d1.id);
    CHECK(after->status == DeliveryStatus::kPending);
    CHECK(after->attempts == 1);
    CHECK(after->last_status == 500);
    CHECK(after->owner.empty());
    CHECK(after->next_attempt_at >= now_ms() + 30 * 60 * 1000);
    auto health = store->get_webhook("wh_live");
    CHECK(health->failing_since > 0);
    CHECK(health->active);
    CHECK(health->status_reason == "last delivery failed: HTTP 500");
    CHECK(store->claim_deliveries("b", std::chrono::hours(1), 10)->empty());  // not due yet

    // Success: final, and the subscription healthy again.
    AttemptRecord ok;
    ok.owner = "a";
    ok.status = DeliveryStatus::kSucceeded;
    ok.attempt.delivery_id = d2.id;
    ok.attempt.number = 1;
    ok.attempt.response_status = 204;
    REQUIRE(store->record_attempt(ok).ok());
    CHECK(store->get_delivery(d2.id)->status == DeliveryStatus::kSucceeded);
    CHECK(store->get_delivery(d2.id)->finished_at > 0);
    CHECK(store->get_webhook("wh_live")->failing_since == 0);
    CHECK(store->get_webhook("wh_live")->status_reason.empty());
    CHECK(store->record_attempt(ok).reason() == "lease_lost");  // finished already

    // Listing: newest first, by status and by event type.
    DeliveryQuery q;
    q.webhook_id = "wh_live";
    CHECK(store->list_deliveries(q)->at(0).id == d2.id);
    q.status = DeliveryStatus::kSucceeded;
    REQUIRE(store->list_deliveries(q)->size() == 1);
    q.status.reset();
    q.event_type = "version.pushed";
    REQUIRE(store->list_deliveries(q)->size() == 1);
    CHECK(store->list_deliveries(q)->at(0).id == d1.id);
    q.event_type.clear();
    q.limit = 1;
    q.before_sequence = store->list_deliveries(q)->at(0).sequence;
    CHECK(store->list_deliveries(q)->at(0).id == d1.id);

    // Redelivery: pending again at once, manual, retries counted from here; not while held.
    REQUIRE(store->redeliver(d2.id, {}).ok());
    auto again = store->get_delivery(d2.id);
    CHECK(again->status == DeliveryStatus::kPending);
    CHECK(again->manual);
    CHECK(again->round_start == 1);
    CHECK(again->finished_at == 0);
    auto reclaimed = store->claim_deliveries("c", std::chrono::hours(1), 10);
    REQUIRE(reclaimed->size() == 1);
    CHECK(reclaimed->at(0).delivery.id == d2.id);
    CHECK(store->redeliver(d2.id, {}).reason() == "delivery_in_flight");
    CHECK(store->redeliver("msg_none", {}).reason() == "delivery_not_found");
    CHECK(store->release_deliveries("c").value() == 1);
    CHECK(store->get_delivery(d2.id)->owner.empty());

    // Failing long enough pauses the subscription, with the reason.
    auto held = store->claim_deliveries("d", std::chrono::hours(1), 10);
    REQUIRE(held->size() == 1);
    AttemptRecord last = failed;
    last.owner = "d";
    last.attempt.delivery_id = d2.id;
    last.attempt.number = 2;
    last.status = DeliveryStatus::kFailed;
    last.pause_after = std::chrono::milliseconds(1);
    Webhook marked = store->get_webhook("wh_live").value();
    marked.failing_since = 1;  // failing for a long time
    REQUIRE(store->update_webhook(marked, {}).ok());
    REQUIRE(store->record_attempt(last).ok());
    auto paused = store->get_webhook("wh_live");
    CHECK_FALSE(paused->active);
    CHECK(paused->status_reason.find("paused at") == 0);
    CHECK(paused->status_reason.find("HTTP 500") != std::string::npos);
    CHECK(store->get_delivery(d2.id)->status == DeliveryStatus::kFailed);

    // Paused: nothing due is handed out, but a manual delivery (a ping) is.
    REQUIRE(store->redeliver(d1.id, {}).ok());  // manual now
    auto manual = store->claim_deliveries("e", std::chrono::hours(1), 10);
    REQUIRE(manual->size() == 1);
    CHECK(manual->at(0).delivery.id == d1.id);

    // Copies keep ids and states; importing twice adds nothing.
    auto event = store->get_event("evt_1").value();
    WebhookDelivery copied = store->get_delivery(d1.id).value();
    copied.id = "msg_copied";
    DeliveryAttempt copied_attempt = got;
    copied_attempt.delivery_id = "msg_copied";
    REQUIRE(store->import_webhook_log({event}, {copied}, {copied_attempt}).ok());
    REQUIRE(store->import_webhook_log({event}, {copied}, {copied_attempt}).ok());
    CHECK(store->list_attempts("msg_copied")->size() == 1);
    CHECK(store->list_events(0, 100)->size() == 2);

    // Deleting a subscription deletes its deliveries and their attempts.
    REQUIRE(store->delete_webhook("wh_live", {}).ok());
    CHECK(store->get_delivery(d1.id).status().reason() == "delivery_not_found");
    CHECK(store->list_attempts(d1.id)->empty());

    // Retention: finished deliveries and the events no delivery needs go.
    REQUIRE(store->insert_webhook(make_webhook("wh_r", {"*"}, ""), {}).ok());
    Journal r;
    r.events = {make_event("evt_r", "version.pushed", "acme")};
    REQUIRE(store->append_journal(r).ok());
    auto rc = store->claim_deliveries("f", std::chrono::hours(1), 10);
    REQUIRE(rc->size() == 1);
    AttemptRecord done;
    done.owner = "f";
    done.status = DeliveryStatus::kSucceeded;
    done.attempt.delivery_id = rc->at(0).delivery.id;
    done.attempt.number = 1;
    REQUIRE(store->record_attempt(done).ok());
    auto pruned = store->prune_webhook_log(now_ms() + 1000);
    REQUIRE(pruned.ok());
    CHECK(pruned->deliveries == 1);
    CHECK(pruned->attempts == 1);
    CHECK(pruned->events == 3);  // evt_1, evt_2 (their subscription is gone) and evt_r
    CHECK(store->list_events(0, 100)->empty());
  }
}

TEST_CASE("concurrent_claimers_never_get_the_same_delivery") {
  for (const auto& backend : metadata_backends()) {
    CAPTURE(backend.name);
    TempDir dir;
    auto store = backend.open(dir.str());
    REQUIRE(store->insert_webhook(make_webhook("wh_1", {"*"}, ""), {}).ok());
    REQUIRE(store->insert_webhook(make_webhook("wh_2", {"*"}, ""), {}).ok());
    constexpr int kEvents = 20;
    for (int i = 0; i < kEvents; ++i) {
      Journal j;
      j.events = {make_event(fmt::format("evt_{:04}", i), "version.pushed", "acme")};
      REQUIRE(store->append_journal(j).ok());
    }
    auto claimed_by =
        claim_concurrently(backend, dir, *store, [](MetadataStore& s, const std::string& owner) {
          auto r = s.claim_deliveries(owner, std::chrono::hours(1), 3);
          if (!r.ok()) return Result<std::vector<std::string>>(r.status());
          std::vector<std::string> ids;
          for (const auto& c : r.value()) ids.push_back(c.delivery.id);
          return Result<std::vector<std::string>>(std::move(ids));
        });
    CHECK(claimed_by.size() == 2 * kEvents);
    for (const auto& [id, owner] : claimed_by) CHECK(store->get_delivery(id)->owner == owner);
  }
}
