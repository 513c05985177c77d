// Compile jobs on a real spoke-server: queued builds, downloads unpacked and compared with what
// the real protoc writes, the artifact cache, persisted jobs that survive a kill, auto-compile on
// push, and each rejection.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <httplib.h>
#include <sys/stat.h>

#include <chrono>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "spoke/archive.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::as_map;
using spoke::testing::difference;
using spoke::testing::find_protoc;
using spoke::testing::read_file;
using spoke::testing::read_tree;
using spoke::testing::run;
using spoke::testing::Server;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

namespace {

using Files = std::map<std::string, std::string>;

const Files kCommon = {{"acme/common/v1/money.proto", R"(syntax = "proto3";
package acme.common.v1;
option go_package = "example.com/acme/common/v1;commonv1";
option java_multiple_files = true;

// An amount of money.
message Money {
  string currency = 1;  // ISO 4217
  int64 units = 2;
}
)"}};

const Files kApi = {{"acme/api/v1/invoice.proto", R"(syntax = "proto3";
package acme.api.v1;
option go_package = "example.com/acme/api/v1;apiv1";

import "acme/common/v1/money.proto";
import "google/protobuf/timestamp.proto";

// An invoice.
message Invoice {
  string id = 1;
  acme.common.v1.Money total = 2;
  google.protobuf.Timestamp issued = 3;
  map<string, string> labels = 4;
  oneof payer {
    string person = 5;
    string company = 6;
  }
  optional string memo = 7;
}

// Invoices.
service Invoices {
  rpc Get(Invoice) returns (Invoice);
}
)"},
                    {"acme/api/v1/status.proto", R"(syntax = "proto3";
package acme.api.v1;
option go_package = "example.com/acme/api/v1;apiv1";

enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_PAID = 1;
}
)"}};

void make_executable_script(const fs::path& p, const std::string& body) {
  write_file(p, "#!/bin/sh\n" + body);
  ::chmod(p.c_str(), 0755);
}

struct Fixture {
  TempDir dir;
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::Client> client;
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");

  void start(std::vector<std::string> args = {}) {
    client.reset();
    server.reset();  // SIGKILL: nothing is shut down cleanly
    server = std::make_unique<Server>(dir / "server", std::move(args), (dir / "data").string());
    client = std::make_unique<httplib::Client>(server->url());
    client->set_read_timeout(120, 0);
  }

  json get_json(const std::string& path) {
    auto r = client->Get(path);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 200, path << ": " << r->body);
    return json::parse(r->body);
  }

  httplib::Result post(const std::string& path, const std::string& body = "") {
    return client->Post(path, body, body.empty() ? "" : "application/json");
  }

  void push(const std::string& module, const Files& files, std::vector<std::string> extra = {}) {
    fs::path src = dir / ("src-" + module);
    for (const auto& [path, content] : files) write_file(src / path, content);
    std::vector<std::string> argv = {cli,         "push",        "-module", module,
                                     "-version",  "v1.0.0",      "-dir",    src.string(),
                                     "-registry", server->url(), "-no-git"};
    for (auto& e : extra) argv.push_back(std::move(e));
    auto r = run(argv, dir.path());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  }

  void push_sample() {
    push("common", kCommon);
    push("api", kApi, {"-dep", "common@v1.0.0"});
  }

  // Polls a job until it is neither queued nor running.
  json wait_job(const std::string& id, int seconds = 120) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
    for (;;) {
      json j = get_json("/jobs/" + id);
      if (j["status"] != "queued" && j["status"] != "running") return j;
      REQUIRE_MESSAGE(std::chrono::steady_clock::now() < deadline, j.dump());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // The unpacked download of `language`, in `format`.
  Files download(const std::string& language, const std::string& format = "zip") {
    auto r = client->Get("/modules/api/versions/v1.0.0/download/" + language +
                         (format == "zip" ? "" : "?format=" + format));
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 200, r->body);
    CHECK(r->get_header_value("Content-Type") ==
          (format == "zip" ? "application/zip" : "application/gzip"));
    CHECK(r->get_header_value("Content-Disposition") == "attachment; filename=api-v1.0.0-" +
                                                            language + "." +
                                                            (format == "zip" ? "zip" : "tar.gz"));
    auto files = spoke::read_archive(r->body);
    REQUIRE_MESSAGE(files.ok(), files.status().to_string());
    return as_map(files.value());
  }

  // What protoc writes for the api module with `flags` (each "{out}" replaced), from the
  // recursive pull of api@v1.0.0.
  Files protoc(const std::vector<std::string>& flags, const std::string& tag) {
    fs::path pulled = dir / "pulled";
    if (!fs::exists(pulled)) {
      auto r = run({cli, "pull", "-module", "api", "-version", "v1.0.0", "-recursive", "-dir",
                    pulled.string(), "-registry", server->url()},
                   dir.path());
      REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    }
    fs::path out = dir / ("protoc-" + tag);
    fs::create_directories(out);
    std::vector<std::string> argv = {find_protoc(), "-I" + pulled.string()};
    for (auto f : flags) {
      auto pos = f.find("{out}");
      if (pos != std::string::npos) f.replace(pos, 5, out.string());
      argv.push_back(f);
    }
    for (const auto& [path, _] : kApi) argv.push_back(path);
    auto r = run(argv, dir.path());
    REQUIRE_MESSAGE(r.exit_code == 0, r.err);
    return read_tree(out);
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "server_builds_every_builtin_language_and_go_as_protoc_does") {
  REQUIRE_FALSE(find_protoc().empty());
  start();
  push_sample();
  const std::vector<std::string> languages = {"cpp",    "java", "kotlin", "python", "pyi",
                                              "csharp", "objc", "php",    "ruby",   "go"};
  std::map<std::string, std::string> job_ids;
  for (const auto& language : languages) {
    auto r = post("/modules/api/versions/v1.0.0/compile/" + language);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 202, language << ": " << r->body);
    json j = json::parse(r->body);
    CHECK(j["status"] == "queued");
    CHECK(j["cache_hit"] == false);
    CHECK(r->get_header_value("Location") == "/jobs/" + j["job_id"].get<std::string>());
    job_ids[language] = j["job_id"];
  }
  for (const auto& language : languages) {
    CAPTURE(language);
    json done = wait_job(job_ids[language]);
    REQUIRE_MESSAGE(done["status"] == "succeeded", done.dump());
    CHECK(done["attempts"] == 1);
    CHECK(done["file_count"].get<int>() > 0);
    CHECK(done["download_url"] == "/modules/api/versions/v1.0.0/download/" + language);
    Files ours = download(language);
    Files theirs = language == "go" ? protoc({"--go_out={out}"}, language)
                                    : protoc({"--" + language + "_out={out}"}, language);
    CHECK_MESSAGE(ours == theirs, difference(ours, theirs));
    CHECK(done["file_count"].get<std::size_t>() == ours.size());
  }
  // tar.gz carries the same files.
  CHECK(download("cpp", "tar.gz") == download("cpp"));

  // The jobs of the version, newest first.
  json listed = get_json("/modules/api/versions/v1.0.0/jobs");
  REQUIRE(listed["jobs"].size() == languages.size());
  CHECK(listed["jobs"][0]["language"] == "go");
  CHECK(listed["jobs"][0]["generator"].get<std::string>().starts_with("plugin:protoc-gen-go@"));
  CHECK(listed["jobs"][languages.size() - 1]["generator"] == "builtin:cpp@libprotoc-3.21.12");
}

TEST_CASE_FIXTURE(Fixture, "same_version_generator_and_options_is_a_cache_hit") {
  start();
  push_sample();
  auto first = post("/modules/api/versions/v1.0.0/compile/cpp", R"({"options": ["lite"]})");
  REQUIRE(first);
  REQUIRE(first->status == 202);
  json done = wait_job(json::parse(first->body)["job_id"]);
  REQUIRE(done["status"] == "succeeded");

  auto again = post("/modules/api/versions/latest/compile/cpp", R"({"options": ["lite"]})");
  REQUIRE(again);
  REQUIRE_MESSAGE(again->status == 200, again->body);
  json hit = json::parse(again->body);
  CHECK(hit["cache_hit"] == true);
  CHECK(hit["status"] == "succeeded");
  CHECK(hit["version"] == "v1.0.0");
  CHECK(hit["artifact"]["key"] == done["artifact_key"]);
  CHECK(hit["artifact"]["file_count"] == done["file_count"]);

  // Other options are another artifact: built, and different (lite runtime).
  auto full = post("/modules/api/versions/v1.0.0/compile/cpp");
  REQUIRE(full);
  REQUIRE(full->status == 202);
  json full_done = wait_job(json::parse(full->body)["job_id"]);
  REQUIRE(full_done["status"] == "succeeded");
  CHECK(full_done["artifact_key"] != done["artifact_key"]);
  CHECK(download("cpp") == protoc({"--cpp_out={out}"}, "cpp"));
  CHECK(protoc({"--cpp_out=lite:{out}"}, "cpp-lite") != protoc({"--cpp_out={out}"}, "cpp-full"));
}

TEST_CASE_FIXTURE(Fixture, "a_job_killed_by_a_restart_completes_after_it") {
  // A plugin slow enough to be caught running: it waits, then answers as protoc-gen-go.
  fs::path plugins = dir / "plugins";
  fs::path marker = dir / "plugin-started";
  make_executable_script(plugins / "protoc-gen-slowgo",
                         "touch '" + marker.string() + "'\nsleep 3\nexec protoc-gen-go \"$@\"\n");
  // A short lease: the new server takes the job over once the dead one's lease expires.
  start({"--plugin-dir", plugins.string(), "--compile-job-lease", "3"});
  push_sample();
  auto r = post("/modules/api/versions/v1.0.0/compile/slowgo");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 202, r->body);
  std::string id = json::parse(r->body)["job_id"];
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!fs::exists(marker)) {
    REQUIRE(std::chrono::steady_clock::now() < deadline);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  json running = get_json("/jobs/" + id);
  CHECK(running["status"] == "running");
  // A plugin sees every file at once: none of the version's files are generated yet.
  CHECK_MESSAGE(running["progress"]["files_total"] == kApi.size(), running.dump());
  CHECK(running["progress"]["files_done"] == 0);

  // Kills the server mid-job, starts a new one.
  start({"--plugin-dir", plugins.string(), "--compile-job-lease", "3"});
  json done = wait_job(id);
  CHECK_MESSAGE(done["status"] == "succeeded", done.dump());
  CHECK(done["attempts"] == 2);
  CHECK(download("slowgo") == protoc({"--go_out={out}"}, "go"));
}

TEST_CASE_FIXTURE(Fixture, "auto_compile_builds_on_every_push") {
  start({"--auto-compile", "python,cpp"});
  push_sample();
  json jobs = get_json("/modules/api/versions/v1.0.0/jobs")["jobs"];
  REQUIRE(jobs.size() == 2);
  for (const auto& j : jobs) CHECK(wait_job(j["job_id"])["status"] == "succeeded");
  CHECK(download("python") == protoc({"--python_out={out}"}, "python"));
  // common was pushed too, and built.
  CHECK(get_json("/modules/common/versions/v1.0.0/jobs")["jobs"].size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "a_failed_build_is_recorded_and_its_download_is_422") {
  fs::path plugins = dir / "plugins";
  make_executable_script(plugins / "protoc-gen-broken",
                         "cat >/dev/null\necho 'broken: cannot generate today' >&2\nexit 3\n");
  start({"--plugin-dir", plugins.string()});
  push_sample();
  auto r = post("/modules/api/versions/v1.0.0/compile/broken");
  REQUIRE(r);
  REQUIRE(r->status == 202);
  json done = wait_job(json::parse(r->body)["job_id"]);
  REQUIRE(done["status"] == "failed");
  CHECK(done["error"].get<std::string>().find("broken: cannot generate today") !=
        std::string::npos);
  CHECK(done.count("download_url") == 0);
  auto d = client->Get("/modules/api/versions/v1.0.0/download/broken");
  REQUIRE(d);
  CHECK(d->status == 422);
  json e = json::parse(d->body)["error"];
  CHECK(e["code"] == "compile_failed");
  CHECK(e["message"].get<std::string>().find("broken: cannot generate today") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "compile_rejections") {
  start();
  push_sample();
  auto error_of = [](const httplib::Result& r) { return json::parse(r->body)["error"]; };

  auto unknown = post("/modules/api/versions/v1.0.0/compile/cobol");
  REQUIRE(unknown);
  CHECK(unknown->status == 400);
  CHECK(error_of(unknown)["code"] == "unsupported_language");
  std::string message = error_of(unknown)["message"];
  CHECK(message.find("protoc-gen-cobol") != std::string::npos);
  CHECK(message.find("cpp, csharp") != std::string::npos);

  auto bad_json = post("/modules/api/versions/v1.0.0/compile/cpp", "{not json");
  REQUIRE(bad_json);
  CHECK(bad_json->status == 400);
  CHECK(error_of(bad_json)["code"] == "malformed_json");

  auto bad_field = post("/modules/api/versions/v1.0.0/compile/cpp", R"({"grpc": "yes"})");
  REQUIRE(bad_field);
  CHECK(bad_field->status == 400);
  CHECK(error_of(bad_field)["message"] == "field \"grpc\" must be a boolean");

  auto unknown_field = post("/modules/api/versions/v1.0.0/compile/cpp", R"({"lang": "go"})");
  REQUIRE(unknown_field);
  CHECK(unknown_field->status == 400);
  CHECK(error_of(unknown_field)["code"] == "unknown_field");

  auto grpc_without_plugin =
      post("/modules/api/versions/v1.0.0/compile/kotlin", R"({"grpc": true})");
  REQUIRE(grpc_without_plugin);
  CHECK(grpc_without_plugin->status == 400);

  auto missing = post("/modules/api/versions/v9.9.9/compile/cpp");
  REQUIRE(missing);
  CHECK(missing->status == 404);
  CHECK(error_of(missing)["code"] == "version_not_found");

  auto not_built = client->Get("/modules/api/versions/v1.0.0/download/java");
  REQUIRE(not_built);
  CHECK(not_built->status == 404);
  CHECK(error_of(not_built)["code"] == "not_built");
  CHECK(error_of(not_built)["message"].get<std::string>().find(
            "POST /modules/api/versions/v1.0.0/compile/java") != std::string::npos);

  auto bad_format = client->Get("/modules/api/versions/v1.0.0/download/java?format=rar");
  REQUIRE(bad_format);
  CHECK(bad_format->status == 400);
  CHECK(error_of(bad_format)["code"] == "invalid_format");

  auto no_job = client->Get("/jobs/job_0123456789abcdef");
  REQUIRE(no_job);
  CHECK(no_job->status == 404);
  CHECK(error_of(no_job)["code"] == "job_not_found");

  // Nothing was queued by any of these.
  CHECK(get_json("/modules/api/versions/v1.0.0/jobs")["jobs"].empty());
}

TEST_CASE_FIXTURE(Fixture, "languages_lists_builtins_and_plugins") {
  start();
  json langs = get_json("/languages")["languages"];
  std::map<std::string, json> by_name;
  for (const auto& l : langs) by_name[l["language"]] = l;
  for (const char* builtin :
       {"cpp", "java", "kotlin", "python", "pyi", "csharp", "objc", "php", "ruby"}) {
    REQUIRE_MESSAGE(by_name.count(builtin) == 1, builtin);
    CHECK(by_name[builtin]["builtin"] == true);
  }
  REQUIRE(by_name.count("go") == 1);
  CHECK(by_name["go"]["builtin"] == false);
  CHECK(by_name["go"]["plugin"].get<std::string>().ends_with("/protoc-gen-go"));
}

TEST_CASE_FIXTURE(Fixture, "spoke_compile_module_downloads_the_server_build") {
  start();
  push_sample();
  fs::path out = dir / "generated";
  auto r = run({cli, "compile", "-module", "api", "-version", "v1.0.0", "-lang", "python", "-out",
                out.string(), "-registry", server->url()},
               dir.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(read_tree(out) == protoc({"--python_out={out}"}, "python"));
  CHECK(r.out.find("api@v1.0.0") != std::string::npos);

  // Again: answered from the artifact cache.
  auto again = run({cli, "compile", "-module", "api", "-version", "latest", "-lang", "python",
                    "-out", (dir / "again").string(), "-registry", server->url()},
                   dir.path());
  REQUIRE_MESSAGE(again.exit_code == 0, again.err);
  CHECK(again.out.find("cached") != std::string::npos);
  CHECK(read_tree(dir / "again") == read_tree(out));

  auto unknown = run({cli, "compile", "-module", "api", "-version", "v1.0.0", "-lang", "cobol",
                      "-out", (dir / "x").string(), "-registry", server->url()},
                     dir.path());
  CHECK(unknown.exit_code == 1);
  CHECK(unknown.err.starts_with("spoke: no generator for \"cobol\""));
  CHECK(std::count(unknown.err.begin(), unknown.err.end(), '\n') == 1);
  CHECK_FALSE(fs::exists(dir / "x"));

  // Options go to the server per language, as with -dir; one for a language not compiled is a
  // usage error.
  auto stray = run({cli, "compile", "-module", "api", "-lang", "python", "-opt", "cpp:lite", "-out",
                    (dir / "y").string(), "-registry", server->url()},
                   dir.path());
  CHECK(stray.exit_code == 2);
  CHECK(stray.err.find("-opt cpp:lite: cpp is not one of the languages compiled") !=
        std::string::npos);
  auto lite = run({cli, "compile", "-module", "api", "-lang", "cpp", "-opt", "cpp:lite", "-out",
                   (dir / "lite").string(), "-registry", server->url()},
                  dir.path());
  REQUIRE_MESSAGE(lite.exit_code == 0, lite.err);
  CHECK(read_tree(dir / "lite") == protoc({"--cpp_out=lite:{out}"}, "cpp-lite"));
}

TEST_CASE_FIXTURE(Fixture, "an_unknown_auto_compile_language_stops_the_server_at_start") {
  auto r = run({spoke::testing::binary_from_env("SPOKE_SERVER_BIN"), "--port", "0", "--health-port",
                "0", "--storage-dir", (dir / "data").string(), "--auto-compile", "python,cobol"},
               dir.path());
  CHECK(r.exit_code == 2);
  CHECK(r.err.starts_with("spoke-server: --auto-compile cobol: "));
  CHECK(r.err.find("protoc-gen-cobol") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "server_builds_the_googleapis_subset_as_protoc_does") {
  const char* shared_env = std::getenv("SPOKE_SHARED_DIR");
  const char* build_env = std::getenv("SPOKE_BUILD_DIR");
  fs::path fetch =
      fs::path(shared_env != nullptr ? shared_env : "") / "corpus" / "fetch-googleapis.sh";
  if (shared_env == nullptr || build_env == nullptr || !fs::exists(fetch)) {
    MESSAGE("SKIP: ../shared/corpus is absent: the googleapis comparison needs it");
    return;
  }
  fs::path corpus = fs::path(build_env) / "corpus" / "googleapis-6.0.1";
  if (!fs::exists(corpus / "google" / "api" / "annotations.proto")) {
    fs::path staging = fs::path(build_env) / "corpus" / ".googleapis-6.0.1.jobs.partial";
    fs::remove_all(staging);
    auto r = run({"/bin/bash", fetch.string(), staging.string(), "6.0.1"}, dir.path());
    REQUIRE_MESSAGE(r.exit_code == 0, "fetching googleapis failed: " << r.err);
    if (!fs::exists(corpus / "google" / "api" / "annotations.proto")) {
      fs::remove_all(corpus);
      fs::rename(staging, corpus);
    }
  }
  // google/type, google/rpc, google/api (top level) and google/longrunning as modules that
  // depend on each other, as a user would publish them.
  start();
  const std::vector<std::pair<std::string, std::vector<std::string>>> modules = {
      {"google-type", {"google/type"}},
      {"google-rpc", {"google/rpc", "google/rpc/context"}},
      {"google-api", {"google/api"}},
      {"google-longrunning", {"google/longrunning"}}};
  std::vector<std::string> all_paths;
  for (const auto& [module, dirs] : modules) {
    Files files;
    for (const auto& sub : dirs) {
      for (const auto& e : fs::directory_iterator(corpus / sub)) {
        if (e.path().extension() != ".proto") continue;
        files[sub + "/" + e.path().filename().string()] = read_file(e.path());
      }
    }
    for (const auto& [path, _] : files) all_paths.push_back(path);
    push(module, files);  // dependencies inferred from the imports
  }
  REQUIRE(all_paths.size() > 50);
  // Each module with its closure, pulled into its own import root for protoc.
  std::map<std::string, fs::path> pulled;
  for (const auto& [module, _] : modules) {
    pulled[module] = dir / ("pulled-" + module);
    auto pull = run({cli, "pull", "-module", module, "-version", "v1.0.0", "-recursive", "-dir",
                     pulled[module].string(), "-registry", server->url()},
                    dir.path());
    REQUIRE_MESSAGE(pull.exit_code == 0, pull.err);
  }

  // csharp needs a base namespace here: google/api/http.proto and google/rpc/http.proto would
  // both make Http.cs (protoc fails on them alike).
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"cpp", ""},    {"java", ""}, {"kotlin", ""},
      {"python", ""}, {"pyi", ""},  {"csharp", "base_namespace="},
      {"objc", ""},   {"php", ""},  {"ruby", ""},
      {"go", ""}};
  for (const auto& [module, dirs] : modules) {
    CAPTURE(module);
    std::vector<std::string> targets;
    for (const auto& p : all_paths) {
      for (const auto& sub : dirs) {
        if (fs::path(p).parent_path().generic_string() == sub) targets.push_back(p);
      }
    }
    std::map<std::string, std::string> job_ids;
    for (const auto& [language, option] : runs) {
      json body = {{"options", option.empty() ? json::array() : json::array({option})}};
      auto r = post("/modules/" + module + "/versions/v1.0.0/compile/" + language, body.dump());
      REQUIRE(r);
      REQUIRE_MESSAGE(r->status == 202, language << ": " << r->body);
      job_ids[language] = json::parse(r->body)["job_id"];
    }
    for (const auto& [language, option] : runs) {
      CAPTURE(language);
      json done = wait_job(job_ids[language], 300);
      REQUIRE_MESSAGE(done["status"] == "succeeded", done.dump());
      auto d = client->Get("/modules/" + module + "/versions/v1.0.0/download/" + language);
      REQUIRE(d);
      REQUIRE(d->status == 200);
      auto files = spoke::read_archive(d->body);
      REQUIRE(files.ok());
      fs::path out = dir / ("protoc-" + module + "-" + language);
      fs::create_directories(out);
      std::vector<std::string> argv = {find_protoc(), "-I" + pulled[module].string(),
                                       "--" + language + "_out=" + out.string()};
      if (!option.empty()) argv.push_back("--" + language + "_opt=" + option);
      for (const auto& t : targets) argv.push_back(t);
      auto theirs = run(argv, dir.path());
      REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
      Files ours = as_map(files.value());
      Files expected = read_tree(out);
      CHECK(!ours.empty());
      CHECK_MESSAGE(ours == expected, difference(ours, expected));
    }
  }
}
