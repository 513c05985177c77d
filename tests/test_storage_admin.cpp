// Moving and keeping data with real processes: spoke-server migrate-storage between SQLite and
// PostgreSQL (both ways, and PostgreSQL to PostgreSQL), spoke-server backup of a serving SQLite
// storage, and pg_dump/pg_restore of a PostgreSQL one, each restored and compared digest by
// digest with the original.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <fmt/format.h>
#include <httplib.h>

#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "spoke/model.h"
#include "support/postgres_server.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::ProcessResult;
using spoke::testing::Server;
using spoke::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The cluster of this suite; when PostgreSQL cannot start, the test fails with the reason.
spoke::testing::PostgresServer& postgres() { return spoke::testing::shared_postgres(); }

std::string server_bin() { return spoke::testing::binary_from_env("SPOKE_SERVER_BIN"); }

ProcessResult spoke_server(std::vector<std::string> args, const TempDir& dir) {
  args.insert(args.begin(), server_bin());
  return spoke::testing::run(args, dir.path());
}

std::unique_ptr<Server> serve(const TempDir& dir, const std::string& name,
                              std::vector<std::string> storage) {
  storage.push_back("--no-access-log");
  return std::make_unique<Server>(dir.path() / name, storage, "", std::vector<std::string>{},
                                  false);
}

std::vector<std::string> on_sqlite(const fs::path& data) {
  return {"--storage-dir", data.string()};
}
std::vector<std::string> on_postgres(const std::string& url) {
  return {"--storage-type", "postgres", "--postgres-url", url};
}

json get_json(httplib::Client& c, const std::string& path) {
  auto r = c.Get(path);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, path << ": " << r->body);
  return json::parse(r->body);
}

void push(httplib::Client& c, const std::string& module, const std::string& version,
          const std::string& path, const std::string& content,
          std::vector<std::string> dependencies = {}) {
  json body = {{"version", version}, {"files", {{{"path", path}, {"content", content}}}}};
  if (!dependencies.empty()) body["dependencies"] = dependencies;
  auto r = c.Post("/modules/" + module + "/versions", body.dump(), "application/json");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);
}

const char* const kBaseProto =
    "syntax = \"proto3\";\npackage base.v1;\nmessage Id {\n  string value = 1;\n}\n";

// Two modules, one depending on the other, three versions, a policy, a compiled artifact.
void fill(httplib::Client& c) {
  push(c, "base", "v1.0.0", "base/v1/base.proto", kBaseProto);
  push(c, "app", "v1.0.0", "app/v1/app.proto",
       "syntax = \"proto3\";\npackage app.v1;\nimport \"base/v1/base.proto\";\nmessage App {\n  "
       "base.v1.Id id = 1;\n}\n",
       {"base@v1.0.0"});
  push(c, "app", "v1.1.0", "app/v1/app.proto",
       "syntax = \"proto3\";\npackage app.v1;\nimport \"base/v1/base.proto\";\nmessage App {\n  "
       "base.v1.Id id = 1;\n  string name = 2;\n}\n",
       {"base@latest"});
  auto policy =
      c.Put("/modules/app/config", R"({"compatibility": "BACKWARD"})", "application/json");
  REQUIRE(policy);
  REQUIRE(policy->status == 200);
  auto job = c.Post("/modules/app/versions/v1.1.0/compile/python", "", "");
  REQUIRE(job);
  REQUIRE_MESSAGE(job->status == 202, job->body);
  std::string id = json::parse(job->body)["job_id"];
  for (int i = 0; i < 1200; ++i) {
    if (get_json(c, "/jobs/" + id)["status"] == "succeeded") return;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("the compile job did not succeed");
}

// What a store holds, as its server answers it: modules with every version and digest, files,
// the policy, the jobs and the download.
json snapshot(httplib::Client& c) {
  json out;
  out["modules"] = get_json(c, "/modules?limit=100");
  for (const char* m : {"base", "app"}) {
    json module = get_json(c, std::string("/modules/") + m);
    out[m] = module;
    for (const auto& v : module["versions"]) {
      for (const auto& f : v["files"]) {
        auto file =
            c.Get(std::string("/modules/") + m + "/versions/" + v["version"].get<std::string>() +
                  "/files/" + f["path"].get<std::string>());
        REQUIRE(file);
        out["files"].push_back(file->body);
      }
    }
  }
  out["config"] = get_json(c, "/modules/app/config");
  json jobs = get_json(c, "/modules/app/versions/v1.1.0/jobs");
  out["jobs"] = jobs;
  auto zip = c.Get("/modules/app/versions/v1.1.0/download/python");
  REQUIRE(zip);
  CHECK(zip->status == 200);
  out["download_size"] = zip->body.size();
  return out;
}

// Every version's digest, by "module@version".
std::map<std::string, std::string> digests(httplib::Client& c) {
  std::map<std::string, std::string> out;
  json modules = get_json(c, "/modules?limit=1000");
  for (const auto& m : modules["modules"]) {
    std::string name = m["name"];
    json versions = get_json(c, "/modules/" + name + "/versions");
    for (const auto& v : versions["versions"]) {
      out[name + "@" + v["version"].get<std::string>()] = v["digest"];
    }
  }
  return out;
}

// Where the SQLite storage under `data` keeps the blob `digest`.
fs::path blob_file(const fs::path& data, const std::string& digest) {
  std::string hex = digest.substr(7);
  return data / "blobs" / "sha256" / hex.substr(0, 2) / hex.substr(2);
}

std::string fresh_database(const std::string& key) {
  return postgres().database(fmt::format("adm{}", std::hash<std::string>{}(key)));
}

}  // namespace

TEST_CASE("migrate_storage_copies_sqlite_to_postgres_and_back_with_every_digest_verified") {
  TempDir dir;
  fs::path original = dir.path() / "original";
  json before;
  {
    auto s = serve(dir, "s1", on_sqlite(original));
    httplib::Client c("127.0.0.1", s->port());
    c.set_read_timeout(120, 0);
    fill(c);
    before = snapshot(c);
    CHECK(s->stop() == 0);
  }
  std::string pg = fresh_database(dir.str() + "/pg");
  auto copied =
      spoke_server({"migrate-storage", "--from", "sqlite:" + original.string(), "--to", pg}, dir);
  CHECK_MESSAGE(copied.exit_code == 0, copied.err);
  CHECK(copied.err.find("versions: 3/3") != std::string::npos);  // progress on stderr
  CHECK(copied.err.find("copied 2 modules, 3 versions") != std::string::npos);
  CHECK(copied.err.find("3 version digests verified") != std::string::npos);

  // A second run is refused (the target holds data) and changes nothing; --resume is harmless.
  auto again =
      spoke_server({"migrate-storage", "--from", "sqlite:" + original.string(), "--to", pg}, dir);
  CHECK(again.exit_code == 1);
  CHECK(again.err.find("not empty") != std::string::npos);
  auto resumed = spoke_server(
      {"migrate-storage", "--from", "sqlite:" + original.string(), "--to", pg, "--resume"}, dir);
  CHECK_MESSAGE(resumed.exit_code == 0, resumed.err);
  CHECK(resumed.err.find("copied 0 modules, 0 versions") != std::string::npos);

  // PostgreSQL to PostgreSQL, and back to SQLite.
  std::string pg2 = fresh_database(dir.str() + "/pg2");
  auto to_pg2 = spoke_server({"migrate-storage", "--from", pg, "--to", pg2}, dir);
  CHECK_MESSAGE(to_pg2.exit_code == 0, to_pg2.err);
  fs::path back = dir.path() / "back";
  auto to_sqlite =
      spoke_server({"migrate-storage", "--from", pg2, "--to", "sqlite://" + back.string()}, dir);
  CHECK_MESSAGE(to_sqlite.exit_code == 0, to_sqlite.err);

  // Each copy answers exactly what the original did.
  for (const auto& storage : {on_postgres(pg), on_postgres(pg2), on_sqlite(back)}) {
    CAPTURE(storage.back());
    auto s = serve(dir, "check", storage);
    httplib::Client c("127.0.0.1", s->port());
    c.set_read_timeout(120, 0);
    CHECK(snapshot(c) == before);
  }

  // Stored descriptors came along: each version's blob is in the last copy, whole.
  for (const char* m : {"base", "app"}) {
    for (const auto& v : before[m]["versions"]) {
      std::string digest = v.value("descriptor_digest", "");
      REQUIRE_FALSE(digest.empty());
      CHECK(spoke::content_digest(spoke::testing::read_file(blob_file(back, digest))) == digest);
    }
  }
  // A damaged descriptor is caught by the check after a copy too.
  {
    fs::path copy = dir.path() / "d2";
    fs::copy(back, copy, fs::copy_options::recursive);
    std::string digest = before["base"]["versions"][0]["descriptor_digest"];
    spoke::testing::write_file(blob_file(copy, digest), "damaged\n");
    auto caught = spoke_server({"migrate-storage", "--from", "sqlite:" + copy.string(), "--to",
                                "sqlite:" + (dir.path() / "d2-target").string()},
                               dir);
    CHECK(caught.exit_code == 1);
    CHECK(caught.err.find("stored descriptor gives digest") != std::string::npos);
  }

  // A file's blob damaged in a store is caught by the check after the copy.
  fs::path blob = blob_file(back, spoke::content_digest(kBaseProto));
  REQUIRE(fs::exists(blob));
  spoke::testing::write_file(blob, "damaged\n");
  auto damaged = spoke_server({"migrate-storage", "--from", "sqlite:" + back.string(), "--to",
                               "sqlite:" + (dir.path() / "d3").string()},
                              dir);
  CHECK(damaged.exit_code == 1);
  CHECK(damaged.err.find("digest") != std::string::npos);
}

TEST_CASE("backup_copies_a_serving_sqlite_storage_and_its_restore_has_every_digest") {
  TempDir dir;
  fs::path data = dir.path() / "data";
  auto s = serve(dir, "s1", on_sqlite(data));
  httplib::Client c("127.0.0.1", s->port());
  c.set_read_timeout(120, 0);
  fill(c);
  auto before = digests(c);

  // Pushes keep coming while the backup runs.
  std::atomic<bool> done{false};
  std::thread writer([&] {
    httplib::Client w("127.0.0.1", s->port());
    for (int i = 0; !done && i < 500; ++i) {
      json body = {{"version", fmt::format("v0.0.{}", i)},
                   {"files",
                    {{{"path", "busy.proto"},
                      {"content", "syntax = \"proto3\";\npackage busy;\nmessage Busy {}\n"}}}}};
      auto r = w.Post("/modules/busy/versions", body.dump(), "application/json");
      if (!r || r->status != 201) break;
    }
  });
  fs::path backups = dir.path() / "backups";
  auto backup = spoke_server(
      {"backup", "--storage-dir", data.string(), "--to", (backups / "first.db").string()}, dir);
  done = true;
  writer.join();
  CHECK_MESSAGE(backup.exit_code == 0, backup.err);
  CHECK(backup.err.find("version digests verified") != std::string::npos);
  CHECK(fs::exists(backups / "blobs" / "sha256"));
  // Not over an existing file.
  auto twice = spoke_server(
      {"backup", "--storage-dir", data.string(), "--to", (backups / "first.db").string()}, dir);
  CHECK(twice.exit_code == 1);
  // PostgreSQL is backed up with pg_dump.
  auto pg = spoke_server({"backup", "--storage-type", "postgres", "--postgres-url",
                          "postgresql://x@127.0.0.1/y", "--to", (backups / "pg.db").string()},
                         dir);
  CHECK(pg.exit_code == 2);
  CHECK(pg.err.find("pg_dump") != std::string::npos);

  // Restore as docs/operations.md says: the copy becomes spoke.db, the blobs go beside it.
  fs::path restored = dir.path() / "restored";
  fs::create_directories(restored);
  fs::copy_file(backups / "first.db", restored / "spoke.db");
  fs::copy(backups / "blobs", restored / "blobs", fs::copy_options::recursive);
  auto r = serve(dir, "restored-server", on_sqlite(restored));
  httplib::Client rc("127.0.0.1", r->port());
  rc.set_read_timeout(120, 0);
  auto after = digests(rc);
  for (const auto& [version, digest] : before) {
    CAPTURE(version);
    REQUIRE(after.count(version) == 1);
    CHECK(after[version] == digest);
  }
  // What was pushed during the backup and made it in is whole: its digest is the original's.
  auto now = digests(c);
  for (const auto& [version, digest] : after) {
    CAPTURE(version);
    CHECK(now[version] == digest);
  }
}

TEST_CASE("pg_dump_and_pg_restore_restore_a_postgres_storage_with_every_digest") {
  TempDir dir;
  std::string url = fresh_database(dir.str() + "/source");
  json before;
  std::map<std::string, std::string> before_digests;
  {
    auto s = serve(dir, "s1", on_postgres(url));
    httplib::Client c("127.0.0.1", s->port());
    c.set_read_timeout(120, 0);
    fill(c);
    before = snapshot(c);
    before_digests = digests(c);
  }
  auto& pgs = postgres();
  std::string source_db = url.substr(url.rfind('/') + 1);
  fs::path dump = dir.path() / "spoke.dump";
  auto dumped =
      spoke::testing::run({pgs.bin("pg_dump"), "-h", "127.0.0.1", "-p", std::to_string(pgs.port()),
                           "-U", "postgres", "-Fc", "-f", dump.string(), source_db},
                          dir.path());
  REQUIRE_MESSAGE(dumped.exit_code == 0, dumped.err);
  std::string target_db = fmt::format("restored{}", std::hash<std::string>{}(dir.str()));
  pgs.sql("CREATE DATABASE " + target_db);
  auto restored = spoke::testing::run(
      {pgs.bin("pg_restore"), "-h", "127.0.0.1", "-p", std::to_string(pgs.port()), "-U", "postgres",
       "-d", target_db, "--no-owner", dump.string()},
      dir.path());
  REQUIRE_MESSAGE(restored.exit_code == 0, restored.err);
  auto s = serve(dir, "s2", on_postgres(pgs.url(target_db)));
  httplib::Client c("127.0.0.1", s->port());
  c.set_read_timeout(120, 0);
  CHECK(snapshot(c) == before);
  CHECK(digests(c) == before_digests);
  // The restored store keeps going: a new version gets a sequence after the old ones.
  push(c, "base", "v1.1.0", "base/v1/base.proto",
       "syntax = \"proto3\";\npackage base.v1;\nmessage Id {\n  string value = 1;\n  int64 n = "
       "2;\n}\n");
  CHECK(get_json(c, "/modules/base")["latest_version"] == "v1.1.0");
}

TEST_CASE("fill_descriptors_stores_the_descriptors_of_versions_pushed_without_one") {
  TempDir dir;
  fs::path data = dir.path() / "data";
  std::string pg = fresh_database(dir.str() + "/fill");
  std::map<std::string, std::string> stored;  // "module@version" -> descriptor digest
  for (const auto& storage : {on_sqlite(data), on_postgres(pg)}) {
    auto s = serve(dir, "s", storage);
    httplib::Client c("127.0.0.1", s->port());
    c.set_read_timeout(120, 0);
    fill(c);
    for (const char* m : {"base", "app"}) {
      json module = get_json(c, std::string("/modules/") + m);
      for (const auto& v : module["versions"]) {
        std::string key = m;
        key += '@';
        key += v["version"].get<std::string>();
        stored[key] = v["descriptor_digest"];
      }
    }
    CHECK(s->stop() == 0);
  }
  REQUIRE(stored.size() == 3);

  // As stores written before descriptors were stored.
  {
    SQLite::Database db((data / "spoke.db").string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE versions SET descriptor_digest = ''");
  }
  postgres().sql("UPDATE versions SET descriptor_digest = ''", pg.substr(pg.rfind('/') + 1));

  for (const auto& storage : {on_sqlite(data), on_postgres(pg)}) {
    CAPTURE(storage.back());
    std::vector<std::string> args = {"fill-descriptors"};
    args.insert(args.end(), storage.begin(), storage.end());
    auto filled = spoke_server(args, dir);
    CHECK_MESSAGE(filled.exit_code == 0, filled.err);
    CHECK(filled.err.find("versions: 3/3") != std::string::npos);
    CHECK(filled.err.find("stored 3 descriptors; 3 versions checked, 0 could not be built") !=
          std::string::npos);
    auto again = spoke_server(args, dir);
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("stored 0 descriptors; 3 versions checked") != std::string::npos);

    auto s = serve(dir, "after", storage);
    httplib::Client c("127.0.0.1", s->port());
    for (const auto& [version, digest] : stored) {
      auto at = version.find('@');
      json v =
          get_json(c, "/modules/" + version.substr(0, at) + "/versions/" + version.substr(at + 1));
      CHECK(v["descriptor_digest"] == digest);
    }
  }
  CHECK(fs::exists(blob_file(data, stored.begin()->second)));

  // A version that no longer compiles is named, and the command fails.
  {
    SQLite::Database db((data / "spoke.db").string(), SQLite::OPEN_READWRITE);
    db.exec("UPDATE versions SET descriptor_digest = '' WHERE module = 'base'");
  }
  spoke::testing::write_file(blob_file(data, spoke::content_digest(kBaseProto)),
                             "syntax = \"proto3\";\nmessage Broken { Nope n = 1; }\n");
  auto broken = spoke_server({"fill-descriptors", "--storage-dir", data.string()}, dir);
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("base@v1.0.0: stored version base@v1.0.0 no longer compiles") !=
        std::string::npos);
  CHECK(broken.err.find("1 could not be built") != std::string::npos);
}
