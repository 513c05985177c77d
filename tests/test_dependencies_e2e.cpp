// Module dependencies end to end: a real spoke-server, the real spoke CLI and the real protoc.
// Each rule is checked through the HTTP API and through the CLI.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <google/protobuf/descriptor.pb.h>
#include <httplib.h>
#include <unistd.h>
#include "support/doctest.h"

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "spoke/model.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::find_protoc;
using spoke::testing::read_file;
using spoke::testing::run;
using spoke::testing::Server;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

namespace {

using Files = std::map<std::string, std::string>;

// ---- the modules of these tests ---------------------------------------------------------------

const std::string kIdsV1 =
    "syntax = \"proto3\";\npackage common;\n\n// An identifier.\nmessage Id {\n  string value = "
    "1;\n"
    "}\n";
const std::string kIdsV2 =
    "syntax = \"proto3\";\npackage common;\n\n// An identifier.\nmessage Id {\n  string value = "
    "1;\n"
    "  string kind = 2;\n}\n";
// Imports common/ids.proto and uses it.
const std::string kApi =
    "syntax = \"proto3\";\npackage api;\n\nimport \"common/ids.proto\";\n\nmessage GetRequest {\n"
    "  common.Id id = 1;\n}\n";

// A chain of three modules: chain-a imports chain-b's file, which imports chain-c's, which
// imports a well-known type.
const std::string kChainC = R"(syntax = "proto3";
package chain.c;

import "google/protobuf/timestamp.proto";

// The bottom of the chain.
message C {
  google.protobuf.Timestamp at = 1;
}
)";
const std::string kChainB = R"(syntax = "proto3";
package chain.b;

import "chain/c/c.proto";

message B {
  chain.c.C c = 1;
}
)";
const std::string kChainA = R"(syntax = "proto3";
package chain.a;

import "chain/b/b.proto";

// The top of the chain.
message A {
  chain.b.B b = 1;  // the middle
}

service Tops {
  rpc Get(A) returns (A);
}
)";

json dep(const std::string& module, const std::string& version, const std::string& digest) {
  return {{"module", module}, {"version", version}, {"digest", digest}};
}

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

struct Fixture {
  TempDir dir;
  Server server{dir.path() / "server"};
  httplib::Client client{"127.0.0.1", server.port()};
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");

  httplib::Result post(const std::string& path, const json& body) {
    return client.Post(path, body.dump(), "application/json");
  }

  static json files_json(const Files& files) {
    json out = json::array();
    for (const auto& [path, content] : files) out.push_back({{"path", path}, {"content", content}});
    return out;
  }

  httplib::Result push(const std::string& module, const std::string& version, const Files& files,
                       const std::vector<std::string>& deps = {}, bool infer = false) {
    return post("/modules/" + module + "/versions", {{"version", version},
                                                     {"files", files_json(files)},
                                                     {"dependencies", deps},
                                                     {"infer_dependencies", infer}});
  }

  // Pushes and requires a 201; the stored version.
  json push_ok(const std::string& module, const std::string& version, const Files& files,
               const std::vector<std::string>& deps = {}, bool infer = false) {
    auto r = push(module, version, files, deps, infer);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 201, r->body);
    return json::parse(r->body);
  }

  json get_json(const std::string& path) {
    auto r = client.Get(path);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 200, path << ": " << r->body);
    return json::parse(r->body);
  }

  int status_of(const std::string& path) {
    auto r = client.Get(path);
    REQUIRE(r);
    return r->status;
  }

  // Asserts an error response with `status` and `code`; the error object.
  static json error_of(const httplib::Result& r, int status, const std::string& code) {
    REQUIRE(r);
    CHECK_MESSAGE(r->status == status, r->body);
    json j = json::parse(r->body, nullptr, false);
    REQUIRE_MESSAGE(j.is_object(), r->body);
    REQUIRE_MESSAGE(j.contains("error"), r->body);
    CHECK_MESSAGE(j["error"]["code"] == code, r->body);
    return j["error"];
  }

  // Writes `files` under dir/name; that directory.
  fs::path tree(const std::string& name, const Files& files) {
    fs::path root = dir / name;
    for (const auto& [path, content] : files) write_file(root / path, content);
    return root;
  }

  // The spoke CLI with SPOKE_REGISTRY pointing at the test server.
  spoke::testing::ProcessResult spoke(std::vector<std::string> args) {
    args.insert(args.begin(), cli);
    return run(args, dir.path(),
               {"SPOKE_REGISTRY=" + server.url(), "SPOKE_CACHE_DIR=" + (dir / "cache").string(),
                "XDG_CACHE_HOME=" + (dir / "xdg-cache").string()});
  }

  // common@v1.0.0 and common@v1.1.0; their digests.
  std::pair<std::string, std::string> push_common() {
    std::string d1 = push_ok("common", "v1.0.0", {{"common/ids.proto", kIdsV1}})["digest"];
    std::string d2 = push_ok("common", "v1.1.0", {{"common/ids.proto", kIdsV2}})["digest"];
    return {d1, d2};
  }

  // chain-c@v1.0.0 <- chain-b@v1.0.0 <- chain-a@v1.0.0; their digests.
  std::map<std::string, std::string> push_chain() {
    std::map<std::string, std::string> d;
    d["c"] = push_ok("chain-c", "v1.0.0", {{"chain/c/c.proto", kChainC}})["digest"];
    d["b"] =
        push_ok("chain-b", "v1.0.0", {{"chain/b/b.proto", kChainB}}, {"chain-c@v1.0.0"})["digest"];
    d["a"] =
        push_ok("chain-a", "v1.0.0", {{"chain/a/a.proto", kChainA}}, {"chain-b@v1.0.0"})["digest"];
    return d;
  }

  std::vector<std::string> module_names() {
    std::vector<std::string> out;
    json all = get_json("/modules");  // named: a temporary would die before the loop body
    for (const auto& m : all["modules"]) out.push_back(m["name"].get<std::string>());
    return out;
  }
};

// The version digest of `files` pinned to `deps`, from the file contents.
std::string expected_digest(const Files& files, const std::vector<spoke::Dependency>& deps) {
  std::vector<spoke::File> fs;
  for (const auto& [path, content] : files) {
    fs.push_back({path, content, spoke::content_digest(content), content.size()});
  }
  return spoke::compute_version_digest(fs, deps);
}

std::vector<std::string> names_of(const google::protobuf::FileDescriptorSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.file()) out.push_back(f.name());
  return out;
}

}  // namespace

// ---- pinning `latest` -------------------------------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "api_latest_is_pinned_to_an_exact_version_covered_by_the_digest") {
  auto [d100, d110] = push_common();
  Files api = {{"api/api.proto", kApi}};
  json v = push_ok("api", "v1.0.0", api, {"common@latest"});
  CHECK(v["dependencies"] == json({"common@v1.1.0"}));
  CHECK(v["pinned_dependencies"] == json::array({dep("common", "v1.1.0", d110)}));
  // The digest covers the pin: the files alone, or pinned to v1.0.0, give other digests.
  CHECK(v["digest"] == expected_digest(api, {{"common", "v1.1.0", d110}}));
  CHECK(v["digest"] != expected_digest(api, {}));
  CHECK(v["digest"] != expected_digest(api, {{"common", "v1.0.0", d100}}));

  // Stored as pinned, and still pinned after a newer release.
  push_ok("common", "v1.2.0", {{"common/ids.proto", kIdsV2 + "// v1.2.0\n"}});
  json stored = get_json("/modules/api/versions/v1.0.0");
  CHECK(stored["pinned_dependencies"] == json::array({dep("common", "v1.1.0", d110)}));
  CHECK(stored["digest"] == v["digest"]);

  // "latest" now names v1.2.0: the same files are other content, and versions are immutable.
  auto again = push("api", "v1.0.0", api, {"common@latest"});
  json err = error_of(again, 409, "version_exists");
  CHECK(has(err["message"], v["digest"].get<std::string>()));
  // Declaring the exact pin re-runs the push idempotently.
  auto exact = push("api", "v1.0.0", api, {"common@v1.1.0"});
  REQUIRE(exact);
  CHECK_MESSAGE(exact->status == 200, exact->body);
  CHECK(json::parse(exact->body)["digest"] == v["digest"]);
}

TEST_CASE_FIXTURE(Fixture, "cli_latest_is_pinned_to_an_exact_version_covered_by_the_digest") {
  fs::path c1 = tree("common1", {{"common/ids.proto", kIdsV1}});
  fs::path c2 = tree("common2", {{"common/ids.proto", kIdsV2}});
  REQUIRE(
      spoke({"push", "-module", "common", "-version", "v1.0.0", "-dir", c1.string()}).exit_code ==
      0);
  REQUIRE(
      spoke({"push", "-module", "common", "-version", "v1.1.0", "-dir", c2.string()}).exit_code ==
      0);
  std::string d110 = get_json("/modules/common/versions/v1.1.0")["digest"];

  Files api = {{"api/api.proto", kApi}};
  fs::path a = tree("api", api);
  auto r = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-dep",
                  "common@latest", "-no-git"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  std::string digest = expected_digest(api, {{"common", "v1.1.0", d110}});
  CHECK_MESSAGE(r.out == "depends on common@v1.1.0 " + d110 + "\npushed api@v1.0.0 (1 file)\n" +
                             "digest " + digest + "\n",
                r.out);
  json stored = get_json("/modules/api/versions/v1.0.0");
  CHECK(stored["pinned_dependencies"] == json::array({dep("common", "v1.1.0", d110)}));
  CHECK(stored["digest"] == digest);

  // After common@v1.2.0, the same push pins v1.2.0: another digest, refused.
  fs::path c3 = tree("common3", {{"common/ids.proto", kIdsV2 + "// v1.2.0\n"}});
  REQUIRE(
      spoke({"push", "-module", "common", "-version", "v1.2.0", "-dir", c3.string()}).exit_code ==
      0);
  auto again = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-dep",
                      "common@latest", "-no-git"});
  CHECK(again.exit_code == 1);
  CHECK_MESSAGE(again.err.starts_with("spoke: version api@v1.0.0 already exists with different "
                                      "content (existing digest " +
                                      digest),
                again.err);
  // And a recursive pull brings back the pinned version, not the latest.
  auto pull = spoke({"pull", "-module", "api", "-version", "v1.0.0", "-dir",
                     (dir / "pulled").string(), "-recursive"});
  REQUIRE_MESSAGE(pull.exit_code == 0, pull.err);
  CHECK(has(pull.out, "pulled common@v1.1.0 (1 file, digest " + d110 + ")"));
  CHECK(read_file(dir / "pulled/common/ids.proto") == kIdsV2);
}

// ---- declared dependencies: spoke.yaml, -dep, the API's list ----------------------------------

TEST_CASE_FIXTURE(Fixture, "api_declared_dependencies_are_used_rather_than_inferred") {
  auto [d100, d110] = push_common();
  // Inference would pick common@v1.1.0 (the latest); the declared v1.0.0 wins.
  json v = push_ok("api", "v1.0.0", {{"api/api.proto", kApi}}, {"common@v1.0.0"}, true);
  CHECK(v["pinned_dependencies"] == json::array({dep("common", "v1.0.0", d100)}));
  // Without the flag and without a list, nothing is inferred: the import is missing.
  auto bare = push("api", "v1.1.0", {{"api/api.proto", kApi}});
  json err = error_of(bare, 422, "invalid_schema");
  CHECK(has(err["message"], "common/ids.proto: File not found."));
  // A malformed or repeated declaration is refused before anything else.
  error_of(push("api", "v1.2.0", {{"api/api.proto", kApi}}, {"common"}), 400, "invalid_dependency");
  error_of(push("api", "v1.2.0", {{"api/api.proto", kApi}}, {"common@v1.0.0", "common@v1.1.0"}),
           400, "duplicate_dependency");
  CHECK(get_json("/modules/api/versions")["versions"].size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "cli_spoke_yaml_names_the_module_and_its_dependencies") {
  auto [d100, d110] = push_common();
  fs::path a = tree(
      "api", {{"api/api.proto", kApi}, {"spoke.yaml", "module: api\ndeps:\n  - common@v1.0.0\n"}});
  auto r = spoke({"push", "-version", "v1.0.0", "-dir", a.string(), "-no-git"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.starts_with("depends on common@v1.0.0 " + d100 + "\npushed api@v1.0.0 (1 file)\n"));
  json stored = get_json("/modules/api/versions/v1.0.0");
  CHECK(stored["pinned_dependencies"] == json::array({dep("common", "v1.0.0", d100)}));
  // spoke.yaml is not a .proto file and is not pushed.
  REQUIRE(stored["files"].size() == 1);
  CHECK(stored["files"][0]["path"] == "api/api.proto");

  // latest in spoke.yaml is pinned too.
  fs::path b = tree("api-latest", {{"api/api.proto", kApi},
                                   {"spoke.yaml", "module: api-latest\ndeps: [common@latest]\n"}});
  auto latest = spoke({"push", "-version", "v1.0.0", "-dir", b.string(), "-no-git"});
  REQUIRE_MESSAGE(latest.exit_code == 0, latest.err);
  CHECK(get_json("/modules/api-latest/versions/v1.0.0")["pinned_dependencies"] ==
        json::array({dep("common", "v1.1.0", d110)}));

  // A malformed spoke.yaml stops the push, naming the line; nothing is sent.
  fs::path bad =
      tree("bad", {{"api/api.proto", kApi},
                   {"spoke.yaml", "module: bad\ndeps:\n  - common@v1.0.0\n  - common\n"}});
  auto broken = spoke({"push", "-version", "v1.0.0", "-dir", bad.string(), "-no-git"});
  CHECK(broken.exit_code == 1);
  CHECK_MESSAGE(broken.err.starts_with("spoke: " + (bad / "spoke.yaml").string() + ":4: "),
                broken.err);
  CHECK(has(broken.err, "\"common\""));
  CHECK(status_of("/modules/bad") == 404);
}

TEST_CASE_FIXTURE(Fixture, "cli_dep_flags_replace_the_deps_of_spoke_yaml") {
  auto [d100, d110] = push_common();
  push_ok("other", "v1.0.0", {{"other/o.proto", "syntax = \"proto3\";\npackage other;\n"}});
  fs::path a =
      tree("api", {{"api/api.proto", kApi},
                   {"spoke.yaml", "module: api\ndeps:\n  - common@v1.0.0\n  - other@v1.0.0\n"}});
  auto r =
      spoke({"push", "-version", "v1.0.0", "-dir", a.string(), "-dep", "common@v1.1.0", "-no-git"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  // Only the flag's list: other@v1.0.0 of spoke.yaml is not merged in.
  CHECK(r.out.starts_with("depends on common@v1.1.0 " + d110 + "\npushed api@v1.0.0 (1 file)\n"));
  json stored = get_json("/modules/api/versions/v1.0.0");
  CHECK(stored["pinned_dependencies"] == json::array({dep("common", "v1.1.0", d110)}));

  // -module wins over module: as well.
  auto renamed = spoke({"push", "-module", "api-two", "-version", "v1.0.0", "-dir", a.string(),
                        "-dep", "common@v1.0.0", "-no-git"});
  REQUIRE_MESSAGE(renamed.exit_code == 0, renamed.err);
  CHECK(get_json("/modules/api-two/versions/v1.0.0")["pinned_dependencies"] ==
        json::array({dep("common", "v1.0.0", d100)}));
}

// ---- inference --------------------------------------------------------------------------------

const Files kInferring = {
    {"api/api.proto",
     "syntax = \"proto3\";\npackage api;\n\nimport \"common/ids.proto\";\nimport "
     "\"api/types.proto\";\nimport \"google/protobuf/timestamp.proto\";\n\nmessage Req {\n  "
     "common.Id id = 1;\n  api.T t = 2;\n  google.protobuf.Timestamp at = 3;\n}\n"},
    {"api/types.proto", "syntax = \"proto3\";\npackage api;\n\nmessage T {}\n"}};

TEST_CASE_FIXTURE(Fixture, "api_inference_pins_the_one_module_providing_an_import") {
  auto [d100, d110] = push_common();
  // Own files and well-known types are not dependencies; common/ids.proto is, at its latest.
  json v = push_ok("api", "v1.0.0", kInferring, {}, true);
  CHECK(v["pinned_dependencies"] == json::array({dep("common", "v1.1.0", d110)}));
  CHECK(v["digest"] == expected_digest(kInferring, {{"common", "v1.1.0", d110}}));
  CHECK(v["warnings"] == json::array());
}

TEST_CASE_FIXTURE(Fixture, "api_inference_with_two_candidates_is_ambiguous") {
  push_common();
  push_ok("fork", "v2.0.0", {{"common/ids.proto", kIdsV1}});
  json err = error_of(push("api", "v1.0.0", kInferring, {}, true), 422, "ambiguous_import");
  std::string msg = err["message"];
  CHECK_MESSAGE(has(msg, "\"common/ids.proto\""), msg);
  CHECK_MESSAGE(has(msg, "common@v1.1.0"), msg);
  CHECK_MESSAGE(has(msg, "fork@v2.0.0"), msg);
  CHECK(status_of("/modules/api") == 404);
  // POST /validate infers the same way.
  auto validated =
      post("/validate",
           {{"files", files_json(kInferring)}, {"module", "api"}, {"infer_dependencies", true}});
  error_of(validated, 422, "ambiguous_import");
}

TEST_CASE_FIXTURE(Fixture, "api_inference_with_no_candidate_names_the_import") {
  push_common();
  Files files = kInferring;
  files["api/extra.proto"] =
      "syntax = \"proto3\";\npackage api;\nimport \"nobody/has/this.proto\";\n";
  json err = error_of(push("api", "v1.0.0", files, {}, true), 422, "unresolved_import");
  std::string msg = err["message"];
  CHECK_MESSAGE(has(msg, "\"nobody/has/this.proto\""), msg);
  CHECK_MESSAGE(has(msg, "api/extra.proto"), msg);
  CHECK(status_of("/modules/api") == 404);
}

TEST_CASE_FIXTURE(Fixture, "cli_push_with_nothing_declared_infers_dependencies") {
  auto [d100, d110] = push_common();
  fs::path a = tree("api", kInferring);
  auto r = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-no-git"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK_MESSAGE(
      r.out.starts_with("depends on common@v1.1.0 " + d110 + "\npushed api@v1.0.0 (2 files)\n"),
      r.out);
  CHECK(get_json("/modules/api/versions/v1.0.0")["pinned_dependencies"] ==
        json::array({dep("common", "v1.1.0", d110)}));
}

TEST_CASE_FIXTURE(Fixture, "cli_inference_with_two_candidates_names_both") {
  push_common();
  push_ok("fork", "v2.0.0", {{"common/ids.proto", kIdsV1}});
  fs::path a = tree("api", kInferring);
  auto r = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.starts_with("spoke: import \"common/ids.proto\""), r.err);
  CHECK_MESSAGE(has(r.err, "common@v1.1.0"), r.err);
  CHECK_MESSAGE(has(r.err, "fork@v2.0.0"), r.err);
  CHECK(status_of("/modules/api") == 404);
  // Declaring the one meant resolves it.
  auto chosen = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-dep",
                       "fork@v2.0.0", "-no-git"});
  CHECK_MESSAGE(chosen.exit_code == 0, chosen.err);
}

TEST_CASE_FIXTURE(Fixture, "cli_inference_with_no_candidate_names_the_import") {
  push_common();
  Files files = kInferring;
  files["api/extra.proto"] =
      "syntax = \"proto3\";\npackage api;\nimport \"nobody/has/this.proto\";\n";
  fs::path a = tree("api", files);
  auto r = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.starts_with("spoke: import \"nobody/has/this.proto\" (in api/extra.proto)"),
                r.err);
  CHECK(status_of("/modules/api") == 404);
}

// ---- closure: one content per path ------------------------------------------------------------

const Files kSharedX = {
    {"shared/types.proto", "syntax = \"proto3\";\npackage shared;\nmessage T {}\n"}};
const Files kSharedY = {
    {"shared/types.proto", "syntax = \"proto3\";\npackage shared;\nmessage T { int32 n = 1; }\n"}};
const Files kUsesShared = {
    {"app/app.proto",
     "syntax = \"proto3\";\npackage app;\nimport \"shared/types.proto\";\nmessage App { shared.T t "
     "= 1; }\n"}};

TEST_CASE_FIXTURE(Fixture, "api_path_conflict_in_the_closure_names_both_providers") {
  push_ok("x", "v1.0.0", kSharedX);
  push_ok("y", "v1.0.0", kSharedY);
  json err =
      error_of(push("app", "v1.0.0", kUsesShared, {"x@v1.0.0", "y@v1.0.0"}), 422, "path_conflict");
  CHECK(err["message"] ==
        "shared/types.proto is provided by both x@v1.0.0 and y@v1.0.0 with different content");
  CHECK(err["details"] ==
        json::array(
            {{{"path", "shared/types.proto"}, {"first", "x@v1.0.0"}, {"second", "y@v1.0.0"}}}));

  // Also when the second provider is only reached transitively.
  push_ok("via-y", "v1.0.0", {{"via/v.proto", "syntax = \"proto3\";\npackage via;\n"}},
          {"y@v1.0.0"});
  json deep = error_of(push("app", "v1.0.0", kUsesShared, {"x@v1.0.0", "via-y@v1.0.0"}), 422,
                       "path_conflict");
  CHECK(has(deep["message"], "x@v1.0.0"));
  CHECK(has(deep["message"], "y@v1.0.0"));

  // And between the pushed files and a dependency.
  Files own = kUsesShared;
  own["shared/types.proto"] = kSharedY.at("shared/types.proto");
  json mine = error_of(push("app", "v1.0.0", own, {"x@v1.0.0"}), 422, "path_conflict");
  CHECK(mine["message"] ==
        "shared/types.proto is provided by both app@v1.0.0 and x@v1.0.0 with different content");
  CHECK(status_of("/modules/app") == 404);

  // The same path with the same content is fine.
  push_ok("x-copy", "v1.0.0", kSharedX);
  json ok = push_ok("app", "v1.0.0", kUsesShared, {"x@v1.0.0", "x-copy@v1.0.0"});
  CHECK(ok["pinned_dependencies"].size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "cli_path_conflict_in_the_closure_names_both_providers") {
  push_ok("x", "v1.0.0", kSharedX);
  push_ok("y", "v1.0.0", kSharedY);
  fs::path app = tree("app", kUsesShared);
  auto r = spoke({"push", "-module", "app", "-version", "v1.0.0", "-dir", app.string(), "-dep",
                  "x@v1.0.0", "-dep", "y@v1.0.0", "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err ==
                    "spoke: shared/types.proto is provided by both x@v1.0.0 and y@v1.0.0 "
                    "with different content\n",
                r.err);
  CHECK(status_of("/modules/app") == 404);
}

// ---- closure: no cycles -----------------------------------------------------------------------

const Files kCycleA1 = {{"a/a.proto", "syntax = \"proto3\";\npackage a;\nmessage A {}\n"}};
const Files kCycleB1 = {
    {"b/b.proto",
     "syntax = \"proto3\";\npackage b;\nimport \"a/a.proto\";\nmessage B { a.A a = 1; }\n"}};
const Files kCycleA2 = {
    {"a/a2.proto",
     "syntax = \"proto3\";\npackage a;\nimport \"b/b.proto\";\nmessage A2 { b.B b = 1; }\n"}};

TEST_CASE_FIXTURE(Fixture, "api_dependency_cycle_shows_the_chain") {
  push_ok("a", "v1.0.0", kCycleA1);
  push_ok("b", "v1.0.0", kCycleB1, {"a@v1.0.0"});
  json err = error_of(push("a", "v2.0.0", kCycleA2, {"b@v1.0.0"}), 422, "dependency_cycle");
  CHECK(err["message"] == "dependency cycle: a@v2.0.0 -> b@v1.0.0 -> a@v1.0.0");
  CHECK(status_of("/modules/a/versions/v2.0.0") == 404);
  // Through inference too: b/b.proto is provided by b, whose closure holds a.
  json inferred = error_of(push("a", "v2.0.0", kCycleA2, {}, true), 422, "dependency_cycle");
  CHECK(inferred["message"] == "dependency cycle: a@v2.0.0 -> b@v1.0.0 -> a@v1.0.0");
  // Depending on yourself directly.
  json self = error_of(push("a", "v2.0.0", kCycleA2, {"a@latest"}), 422, "dependency_cycle");
  CHECK(has(self["message"], "a@latest"));
  // POST /validate with the module named catches it as well.
  json validated = error_of(
      post("/validate",
           {{"module", "a"}, {"files", files_json(kCycleA2)}, {"dependencies", {"b@v1.0.0"}}}),
      422, "dependency_cycle");
  CHECK(has(validated["message"], "b@v1.0.0 -> a@v1.0.0"));
  CHECK(get_json("/modules/a/versions")["versions"].size() == 1);
}

TEST_CASE_FIXTURE(Fixture, "cli_dependency_cycle_shows_the_chain") {
  push_ok("a", "v1.0.0", kCycleA1);
  push_ok("b", "v1.0.0", kCycleB1, {"a@v1.0.0"});
  fs::path a2 = tree("a2", kCycleA2);
  auto r = spoke({"push", "-module", "a", "-version", "v2.0.0", "-dir", a2.string(), "-dep",
                  "b@v1.0.0", "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err == "spoke: dependency cycle: a@v2.0.0 -> b@v1.0.0 -> a@v1.0.0\n", r.err);
  // Inferred (no declaration): the same chain.
  auto inferred =
      spoke({"push", "-module", "a", "-version", "v2.0.0", "-dir", a2.string(), "-no-git"});
  CHECK(inferred.exit_code == 1);
  CHECK_MESSAGE(inferred.err == "spoke: dependency cycle: a@v2.0.0 -> b@v1.0.0 -> a@v1.0.0\n",
                inferred.err);
  CHECK(status_of("/modules/a/versions/v2.0.0") == 404);
}

// ---- closure: missing modules and versions ----------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "api_missing_dependency_is_named") {
  push_common();
  for (const std::string spec : {"ghost@v1.0.0", "ghost@latest", "common@v9.9.9"}) {
    CAPTURE(spec);
    json err = error_of(push("api", "v1.0.0", {{"api/api.proto", kApi}}, {spec}), 422,
                        "dependency_not_found");
    CHECK_MESSAGE(has(err["message"], spec), err["message"]);
  }
  json validated = error_of(post("/validate", {{"files", files_json({{"api/api.proto", kApi}})},
                                               {"dependencies", {"common@v9.9.9"}}}),
                            422, "dependency_not_found");
  CHECK(has(validated["message"], "common@v9.9.9"));
  CHECK(status_of("/modules/api") == 404);
  // Reading the dependencies of a missing version names what is missing.
  json no_module =
      error_of(client.Get("/modules/ghost/versions/v1.0.0/dependencies"), 404, "module_not_found");
  CHECK(has(no_module["message"], "ghost"));
  json no_version = error_of(client.Get("/modules/common/versions/v9.9.9/dependencies"), 404,
                             "version_not_found");
  CHECK(has(no_version["message"], "v9.9.9"));
}

TEST_CASE_FIXTURE(Fixture, "cli_missing_dependency_is_named") {
  push_common();
  fs::path a = tree("api", {{"api/api.proto", kApi}});
  auto r = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-dep",
                  "common@v9.9.9", "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(r.err.starts_with("spoke: dependency \"common@v9.9.9\" cannot be resolved"), r.err);
  auto ghost = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", a.string(), "-dep",
                      "ghost@latest", "-no-git"});
  CHECK(ghost.exit_code == 1);
  CHECK_MESSAGE(ghost.err.starts_with("spoke: dependency \"ghost@latest\" cannot be resolved"),
                ghost.err);
  CHECK(status_of("/modules/api") == 404);
  // validate -recursive cannot fetch it either: one "spoke: " line naming it.
  auto validate = spoke({"validate", "-dir", a.string(), "-recursive", "-dep", "common@v9.9.9"});
  CHECK(validate.exit_code == 1);
  CHECK_MESSAGE(validate.err.starts_with("spoke: "), validate.err);
  CHECK_MESSAGE(has(validate.err, "v9.9.9"), validate.err);
  CHECK(std::count(validate.err.begin(), validate.err.end(), '\n') == 1);
}

// ---- schemas that do not compile --------------------------------------------------------------

const Files kBroken = {{"orders/orders.proto", R"(syntax = "proto3";
package orders;

message Order {
  Money total = 1;
  string id = 2;
  string note = 2;
}
)"}};

TEST_CASE_FIXTURE(Fixture, "api_invalid_schema_is_refused_with_every_diagnostic") {
  json err = error_of(push("orders", "v1.0.0", kBroken), 422, "invalid_schema");
  CHECK(err["message"] ==
        "orders@v1.0.0 does not compile: 2 errors, first: orders/orders.proto:5:3: \"Money\" is "
        "not defined.");
  json expected = json::array(
      {{{"file", "orders/orders.proto"},
        {"line", 5},
        {"column", 3},
        {"severity", "error"},
        {"message", "\"Money\" is not defined."}},
       {{"file", "orders/orders.proto"},
        {"line", 7},
        {"column", 17},
        {"severity", "error"},
        {"message", "Field number 2 has already been used in \"orders.Order\" by field \"id\"."}}});
  CHECK_MESSAGE(err["details"] == expected, err["details"].dump(2));
  // Nothing stored: neither the version nor the module it would have created.
  json missing = error_of(client.Get("/modules/orders/versions/v1.0.0"), 404, "module_not_found");
  CHECK(status_of("/modules/orders") == 404);

  // In an existing module, the version is still not stored.
  push_ok("orders", "v0.9.0", {{"orders/orders.proto", "syntax = \"proto3\";\npackage orders;\n"}});
  error_of(push("orders", "v1.0.0", kBroken), 422, "invalid_schema");
  error_of(client.Get("/modules/orders/versions/v1.0.0"), 404, "version_not_found");
  CHECK(get_json("/modules/orders/versions")["versions"].size() == 1);
  CHECK(status_of("/modules/orders/versions/v1.0.0/files/orders/orders.proto") == 404);
}

TEST_CASE_FIXTURE(Fixture, "cli_invalid_schema_is_refused_with_every_diagnostic") {
  fs::path o = tree("orders", kBroken);
  auto r =
      spoke({"push", "-module", "orders", "-version", "v1.0.0", "-dir", o.string(), "-no-git"});
  CHECK(r.exit_code == 1);
  CHECK_MESSAGE(
      r.err ==
          "spoke: orders@v1.0.0 does not compile: 2 errors, first: orders/orders.proto:5:3: "
          "\"Money\" is not defined.\n"
          "  orders/orders.proto:5:3: \"Money\" is not defined.\n"
          "  orders/orders.proto:7:17: Field number 2 has already been used in \"orders.Order\" by "
          "field \"id\".\n",
      r.err);
  CHECK(r.out.empty());
  CHECK(status_of("/modules/orders/versions/v1.0.0") == 404);
  CHECK(module_names().empty());
}

TEST_CASE_FIXTURE(Fixture, "push_warnings_are_returned_and_printed") {
  push_common();
  Files unused = {{"api/api.proto",
                   "syntax = \"proto3\";\npackage api;\n\nimport \"common/ids.proto\";\n\nmessage "
                   "Req {}\n"}};
  json v = push_ok("api", "v1.0.0", unused, {"common@v1.0.0"});
  CHECK(v["warnings"] == json::array({{{"file", "api/api.proto"},
                                       {"line", 4},
                                       {"column", 1},
                                       {"severity", "warning"},
                                       {"message", "Import common/ids.proto is unused."}}}));
  fs::path a = tree("api", unused);
  auto r = spoke({"push", "-module", "api", "-version", "v2.0.0", "-dir", a.string(), "-dep",
                  "common@v1.0.0", "-no-git"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.err == "api/api.proto:4:1: warning: Import common/ids.proto is unused.\n");
}

// ---- POST /validate ---------------------------------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "api_validate_reports_without_storing") {
  auto [d100, d110] = push_common();
  auto valid = post("/validate", {{"files", files_json({{"api/api.proto", kApi}})},
                                  {"dependencies", {"common@latest"}}});
  REQUIRE(valid);
  REQUIRE_MESSAGE(valid->status == 200, valid->body);
  json vj = json::parse(valid->body);
  CHECK(vj["valid"] == true);
  CHECK(vj["diagnostics"] == json::array());
  CHECK(vj["dependencies"] == json::array({dep("common", "v1.1.0", d110)}));

  // Inferred, with a warning: still valid.
  Files warn = kInferring;
  warn["api/extra.proto"] =
      "syntax = \"proto3\";\npackage api;\nimport \"api/types.proto\";\nmessage E {}\n";
  auto inferred = post("/validate", {{"files", files_json(warn)}, {"infer_dependencies", true}});
  REQUIRE(inferred);
  json ij = json::parse(inferred->body);
  CHECK(ij["valid"] == true);
  CHECK(ij["dependencies"] == json::array({dep("common", "v1.1.0", d110)}));
  CHECK(ij["diagnostics"] == json::array({{{"file", "api/extra.proto"},
                                           {"line", 3},
                                           {"column", 1},
                                           {"severity", "warning"},
                                           {"message", "Import api/types.proto is unused."}}}));

  // Invalid: every problem, located; still a 200 with valid = false.
  Files broken = kBroken;
  broken["orders/more.proto"] =
      "syntax = \"proto3\";\npackage orders;\nmessage M {\n  int32 x = \n}\n";
  auto invalid = post("/validate", {{"files", files_json(broken)}});
  REQUIRE(invalid);
  REQUIRE_MESSAGE(invalid->status == 200, invalid->body);
  json bj = json::parse(invalid->body);
  CHECK(bj["valid"] == false);
  std::vector<std::string> got;
  for (const auto& d : bj["diagnostics"]) {
    got.push_back(d["file"].get<std::string>() + ":" + std::to_string(d.value("line", 0)) + ":" +
                  std::to_string(d.value("column", 0)) + ": " + d["message"].get<std::string>());
  }
  std::vector<std::string> expected = {
      "orders/more.proto:5:1: Expected field number.",
      "orders/orders.proto:5:3: \"Money\" is not defined.",
      "orders/orders.proto:7:17: Field number 2 has already been used in \"orders.Order\" by field "
      "\"id\"."};
  CHECK_MESSAGE(got == expected, bj["diagnostics"].dump(2));

  // Nothing of it was stored.
  CHECK(module_names() == std::vector<std::string>{"common"});
  CHECK(get_json("/modules/common/versions")["versions"].size() == 2);
}

// ---- the dependencies of a version ------------------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "api_dependencies_lists_direct_and_transitive_pins") {
  auto d = push_chain();
  json a = get_json("/modules/chain-a/versions/v1.0.0/dependencies");
  CHECK(a["direct"] == json::array({dep("chain-b", "v1.0.0", d["b"])}));
  CHECK(a["transitive"] ==
        json::array({dep("chain-b", "v1.0.0", d["b"]), dep("chain-c", "v1.0.0", d["c"])}));
  json b = get_json("/modules/chain-b/versions/v1.0.0/dependencies");
  CHECK(b["direct"] == json::array({dep("chain-c", "v1.0.0", d["c"])}));
  CHECK(b["transitive"] == json::array({dep("chain-c", "v1.0.0", d["c"])}));
  json c = get_json("/modules/chain-c/versions/v1.0.0/dependencies");
  CHECK(c["direct"] == json::array());
  CHECK(c["transitive"] == json::array());
  // latest names the same version; the digests are those of the versions themselves.
  CHECK(get_json("/modules/chain-a/versions/latest/dependencies") == a);
  CHECK(get_json("/modules/chain-c/versions/v1.0.0")["digest"] == d["c"]);
  // A newer chain-c changes nothing for the pinned chain.
  push_ok("chain-c", "v1.1.0", {{"chain/c/c.proto", kChainC + "// newer\n"}});
  CHECK(get_json("/modules/chain-a/versions/v1.0.0/dependencies") == a);
}

TEST_CASE_FIXTURE(Fixture, "cli_pull_recursive_writes_the_closure_protoc_compiles") {
  std::string protoc = find_protoc();
  REQUIRE_MESSAGE(!protoc.empty(), "protoc is not on PATH; this test needs it");
  auto d = push_chain();
  fs::path out = dir / "vendor";
  auto pull = spoke(
      {"pull", "-module", "chain-a", "-version", "v1.0.0", "-dir", out.string(), "-recursive"});
  REQUIRE_MESSAGE(pull.exit_code == 0, pull.err);
  CHECK(pull.out == "pulled chain-a@v1.0.0 (1 file, digest " + d["a"] +
                        ")\npulled chain-b@v1.0.0 (1 file, digest " + d["b"] +
                        ")\npulled chain-c@v1.0.0 (1 file, digest " + d["c"] +
                        ")\nwrote 3 files under " + out.string() + "\n");
  CHECK(read_file(out / "chain/a/a.proto") == kChainA);
  CHECK(read_file(out / "chain/b/b.proto") == kChainB);
  CHECK(read_file(out / "chain/c/c.proto") == kChainC);

  // The real protoc compiles the module from that directory alone.
  fs::path set_file = dir / "local.binpb";
  auto compiled = run({protoc, "-I" + out.string(), "--include_imports",
                       "--descriptor_set_out=" + set_file.string(), "chain/a/a.proto"},
                      dir.path(), {}, out.string());
  CHECK_MESSAGE(compiled.exit_code == 0, compiled.err);
  CHECK(compiled.err.empty());
  google::protobuf::FileDescriptorSet local;
  REQUIRE(local.ParseFromString(read_file(set_file)));
  CHECK(names_of(local) == std::vector<std::string>{"google/protobuf/timestamp.proto",
                                                    "chain/c/c.proto", "chain/b/b.proto",
                                                    "chain/a/a.proto"});

  // Without -recursive, protoc cannot.
  fs::path flat = dir / "flat";
  REQUIRE(spoke({"pull", "-module", "chain-a", "-version", "v1.0.0", "-dir", flat.string()})
              .exit_code == 0);
  auto flat_compile =
      run({protoc, "-I" + flat.string(), "--descriptor_set_out=/dev/null", "chain/a/a.proto"},
          dir.path(), {}, flat.string());
  CHECK(flat_compile.exit_code == 1);
  CHECK(has(flat_compile.err, "chain/b/b.proto: File not found."));
}

// ---- descriptor and AST -----------------------------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "api_descriptor_is_a_file_descriptor_set_with_imports_first") {
  push_chain();
  auto r = client.Get("/modules/chain-a/versions/v1.0.0/descriptor");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  CHECK(r->get_header_value("Content-Type").starts_with("application/x-protobuf"));
  google::protobuf::FileDescriptorSet set;
  REQUIRE(set.ParseFromString(r->body));
  CHECK(names_of(set) == std::vector<std::string>{"google/protobuf/timestamp.proto",
                                                  "chain/c/c.proto", "chain/b/b.proto",
                                                  "chain/a/a.proto"});
  for (const auto& f : set.file()) CHECK_FALSE(f.has_source_code_info());
  const auto& a = set.file(3);
  REQUIRE(a.message_type_size() == 1);
  CHECK(a.message_type(0).name() == "A");
  CHECK(a.message_type(0).field(0).type_name() == ".chain.b.B");
  CHECK(a.service(0).method(0).input_type() == ".chain.a.A");
  CHECK(a.dependency(0) == "chain/b/b.proto");

  auto with_info = client.Get("/modules/chain-a/versions/v1.0.0/descriptor?source_info=true");
  REQUIRE(with_info);
  REQUIRE(with_info->status == 200);
  google::protobuf::FileDescriptorSet full;
  REQUIRE(full.ParseFromString(with_info->body));
  CHECK(names_of(full) == names_of(set));
  const auto& fa = full.file(3);
  REQUIRE(fa.has_source_code_info());
  bool leading = false, trailing = false;
  for (const auto& loc : fa.source_code_info().location()) {
    if (loc.leading_comments() == " The top of the chain.\n") leading = true;
    if (loc.trailing_comments() == " the middle\n") trailing = true;
  }
  CHECK(leading);
  CHECK(trailing);
  CHECK(full.file(1).has_source_code_info());  // chain/c/c.proto, a dependency's file

  auto no_info = client.Get("/modules/chain-a/versions/v1.0.0/descriptor?source_info=false");
  REQUIRE(no_info);
  CHECK(no_info->body == r->body);
  error_of(client.Get("/modules/chain-a/versions/v1.0.0/descriptor?source_info=yes"), 400,
           "invalid_parameter");
  error_of(client.Get("/modules/chain-a/versions/v9.0.0/descriptor"), 404, "version_not_found");
}

TEST_CASE_FIXTURE(Fixture, "descriptor_matches_what_protoc_writes_for_the_pulled_closure") {
  std::string protoc = find_protoc();
  REQUIRE_MESSAGE(!protoc.empty(), "protoc is not on PATH; this test needs it");
  push_chain();
  fs::path out = dir / "vendor";
  REQUIRE(spoke({"pull", "-module", "chain-a", "-version", "v1.0.0", "-dir", out.string(),
                 "-recursive"})
              .exit_code == 0);
  for (bool info : {false, true}) {
    CAPTURE(info);
    fs::path set_file = dir / (info ? "with-info.binpb" : "plain.binpb");
    std::vector<std::string> argv = {protoc, "-I" + out.string(), "--include_imports",
                                     "--descriptor_set_out=" + set_file.string()};
    if (info) argv.push_back("--include_source_info");
    argv.push_back("chain/a/a.proto");
    auto compiled = run(argv, dir.path(), {}, out.string());
    REQUIRE_MESSAGE(compiled.exit_code == 0, compiled.err);
    auto r = client.Get(std::string("/modules/chain-a/versions/v1.0.0/descriptor") +
                        (info ? "?source_info=true" : ""));
    REQUIRE(r);
    REQUIRE(r->status == 200);
    google::protobuf::FileDescriptorSet ours, theirs;
    REQUIRE(ours.ParseFromString(r->body));
    REQUIRE(theirs.ParseFromString(read_file(set_file)));
    REQUIRE(ours.file_size() == theirs.file_size());
    // File by file, so that a difference is easy to read; well-known types excepted when
    // source info is asked for (protoc has their sources, the registry only their descriptors).
    for (int i = 0; i < ours.file_size(); ++i) {
      CAPTURE(theirs.file(i).name());
      if (info && theirs.file(i).name().starts_with("google/protobuf/")) {
        auto a = ours.file(i), b = theirs.file(i);
        a.clear_source_code_info();
        b.clear_source_code_info();
        CHECK(a.SerializeAsString() == b.SerializeAsString());
        continue;
      }
      CHECK_MESSAGE(ours.file(i).SerializeAsString() == theirs.file(i).SerializeAsString(),
                    "registry:\n"
                        << ours.file(i).DebugString() << "\nprotoc:\n"
                        << theirs.file(i).DebugString());
    }
  }
}

TEST_CASE_FIXTURE(Fixture, "api_ast_gives_the_files_with_messages_and_comments") {
  push_chain();
  json ast = get_json("/modules/chain-a/versions/v1.0.0/ast");
  REQUIRE(ast["files"].size() == 1);  // the version's own files only
  const json& f = ast["files"][0];
  CHECK(f["path"] == "chain/a/a.proto");
  CHECK(f["package"] == "chain.a");
  CHECK(f["syntax"] == "proto3");
  REQUIRE(f["imports"].size() == 1);
  CHECK(f["imports"][0]["path"] == "chain/b/b.proto");
  REQUIRE(f["messages"].size() == 1);
  const json& m = f["messages"][0];
  CHECK(m["name"] == "A");
  CHECK(m["full_name"] == "chain.a.A");
  CHECK(m["leading_comments"] == " The top of the chain.\n");
  CHECK(m["span"] ==
        json({{"start_line", 7}, {"start_column", 1}, {"end_line", 9}, {"end_column", 2}}));
  REQUIRE(m["fields"].size() == 1);
  CHECK(m["fields"][0]["name"] == "b");
  CHECK(m["fields"][0]["type_name"] == "chain.b.B");
  CHECK(m["fields"][0]["trailing_comments"] == " the middle\n");
  REQUIRE(f["services"].size() == 1);
  CHECK(f["services"][0]["name"] == "Tops");

  error_of(client.Get("/modules/chain-a/versions/v9.0.0/ast"), 404, "version_not_found");
}

TEST_CASE_FIXTURE(Fixture, "cli_ast_with_fetched_dependencies_matches_the_api") {
  push_chain();
  json api = get_json("/modules/chain-a/versions/v1.0.0/ast");
  fs::path a = tree("chain-a", {{"chain/a/a.proto", kChainA},
                                {"spoke.yaml", "module: chain-a\ndeps: [chain-b@v1.0.0]\n"}});
  auto r = spoke({"ast", "-dir", a.string(), "-recursive"});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(json::parse(r.out) == api);
  // Without its dependencies it does not link, and says why.
  auto alone = spoke({"ast", "-dir", a.string()});
  CHECK(alone.exit_code == 1);
  CHECK(has(alone.err, "chain/b/b.proto: File not found."));
}

// ---- spoke validate against the registry ------------------------------------------------------

TEST_CASE_FIXTURE(Fixture, "cli_validate_recursive_fetches_declared_dependencies") {
  push_chain();
  fs::path a = tree("chain-a", {{"chain/a/a.proto", kChainA},
                                {"spoke.yaml", "module: chain-a\ndeps:\n  - chain-b@v1.0.0\n"}});
  // Alone, the import is missing.
  auto alone = spoke({"validate", "-dir", a.string()});
  CHECK(alone.exit_code == 1);
  CHECK_MESSAGE(alone.err ==
                    "chain/b/b.proto: File not found.\n"
                    "chain/a/a.proto:4:1: Import \"chain/b/b.proto\" was not found or "
                    "had errors.\n"
                    "chain/a/a.proto:8:3: \"chain.b.B\" is not defined.\n",
                alone.err);
  // With the registry: chain-b and, through its pins, chain-c.
  auto fetched = run({cli, "validate", "-dir", a.string(), "-registry", server.url(), "-recursive"},
                     dir.path(), {"SPOKE_CACHE_DIR=" + (dir / "cache").string()});
  CHECK_MESSAGE(fetched.exit_code == 0, fetched.err);
  CHECK(fetched.err.empty());
  CHECK(fetched.out.empty());
  // -dep instead of spoke.yaml.
  fs::path bare = tree("bare", {{"chain/a/a.proto", kChainA}});
  auto with_dep =
      spoke({"validate", "-dir", bare.string(), "-recursive", "-dep", "chain-b@latest"});
  CHECK_MESSAGE(with_dep.exit_code == 0, with_dep.err);
  // Only the declared closure is fetched: chain-c alone does not provide chain/b/b.proto.
  auto wrong = spoke({"validate", "-dir", bare.string(), "-recursive", "-dep", "chain-c@v1.0.0",
                      "--error-format", "json"});
  CHECK(wrong.exit_code == 1);
  CHECK(has(wrong.out,
            R"({"file":"chain/b/b.proto","message":"File not found.","severity":"error"})"));
  // validate stores nothing.
  CHECK(get_json("/modules/chain-a/versions")["versions"].size() == 1);
}
