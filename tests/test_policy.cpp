// Breaking-change policies on a real spoke-server: module config, pushes refused with their
// findings, forced pushes, the server's default, diffs and migration guides, and
// `spoke breaking -against-module`, through the HTTP API and the real CLI.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <httplib.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::run;
using spoke::testing::Server;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

namespace {

const char* const kPath = "shop/v1/order.proto";

const char* const kOrder = R"(syntax = "proto3";
package shop.v1;

message Order {
  string id = 1;
  int64 total = 2;
  string note = 3;
}
)";

// kOrder without the field "note".
const char* const kOrderNoNote = R"(syntax = "proto3";
package shop.v1;

message Order {
  string id = 1;
  int64 total = 2;
}
)";

// kOrderNoNote with a new field 4.
const char* const kOrderLabel = R"(syntax = "proto3";
package shop.v1;

message Order {
  string id = 1;
  int64 total = 2;
  string label = 4;
}
)";

// kOrderLabel with a new field 5.
const char* const kOrderExtra = R"(syntax = "proto3";
package shop.v1;

message Order {
  string id = 1;
  int64 total = 2;
  string label = 4;
  string extra = 5;
}
)";

const char* const kNoteDeleted =
    "Previously present field \"3\" with name \"note\" on message \"Order\" was deleted.";

struct Fixture {
  TempDir dir;
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::Client> client;
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");
  int pushes = 0;

  explicit Fixture(std::vector<std::string> args = {}, std::vector<std::string> env = {}) {
    server = std::make_unique<Server>(dir / "server", std::move(args), (dir / "data").string(),
                                      std::move(env));
    client = std::make_unique<httplib::Client>(server->url());
    client->set_read_timeout(60, 0);
  }

  // A new server process on the same data.
  void restart() {
    server.reset();
    server = std::make_unique<Server>(dir / "server", std::vector<std::string>{},
                                      (dir / "data").string());
    client = std::make_unique<httplib::Client>(server->url());
    client->set_read_timeout(60, 0);
  }

  json push_body(const std::string& version, const std::string& content) {
    return {{"version", version}, {"files", {{{"path", kPath}, {"content", content}}}}};
  }

  httplib::Result push(const std::string& module, const std::string& version,
                       const std::string& content, const std::string& query = "") {
    return client->Post("/modules/" + module + "/versions" + query,
                        push_body(version, content).dump(), "application/json");
  }

  void push_ok(const std::string& module, const std::string& version, const std::string& content) {
    auto r = push(module, version, content);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 201, r->body);
  }

  httplib::Result put_config(const std::string& module, const std::string& body) {
    return client->Put("/modules/" + module + "/config", body, "application/json");
  }

  void set_config(const std::string& module, const json& body) {
    auto r = put_config(module, body.dump());
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 200, r->body);
  }

  json get_json(const std::string& path, int status = 200) {
    auto r = client->Get(path);
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == status, path << ": " << r->body);
    return json::parse(r->body);
  }

  // The CLI on `content` written as kPath under a fresh directory.
  spoke::testing::ProcessResult cli_push(const std::string& module, const std::string& version,
                                         const std::string& content,
                                         std::vector<std::string> extra = {}) {
    fs::path src = dir / ("src-" + std::to_string(++pushes));
    write_file(src / kPath, content);
    std::vector<std::string> argv = {cli,         "push",        "-module", module,
                                     "-version",  version,       "-dir",    src.string(),
                                     "-registry", server->url(), "-no-git"};
    for (auto& e : extra) argv.push_back(std::move(e));
    return run(argv, dir.path());
  }

  spoke::testing::ProcessResult spoke(std::vector<std::string> args) {
    args.insert(args.begin(), cli);
    args.push_back("-registry");
    args.push_back(server->url());
    return run(args, dir.path());
  }
};

// The JSON error body: {"error": {"code", "message", "details"}}.
json error_of(const httplib::Result& r, int status, const std::string& code) {
  REQUIRE(r);
  CHECK_MESSAGE(r->status == status, r->body);
  json j = json::parse(r->body);
  REQUIRE(j.contains("error"));
  CHECK(j["error"]["code"] == code);
  CHECK(j["error"]["message"].is_string());
  CHECK(j["error"]["details"].is_array());
  return j["error"];
}

json note_deleted_finding(const std::string& type, const std::string& message) {
  return {{"path", kPath},   {"start_line", 4}, {"start_column", 1}, {"end_line", 7},
          {"end_column", 2}, {"type", type},    {"message", message}};
}

}  // namespace

TEST_CASE("default_file_policy_refuses_a_deleted_field_with_its_findings_and_stores_nothing") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  auto r = f.push("shop", "v1.1.0", kOrderNoNote);
  json e = error_of(r, 409, "breaking_change");
  CHECK(e["message"] ==
        "shop@v1.1.0 breaks the FILE compatibility of module shop against shop@v1.0.0: 1 "
        "breaking change; fix it, or push with force to publish anyway");
  CHECK(e["details"] == json::array({note_deleted_finding("FIELD_NO_DELETE", kNoteDeleted)}));
  f.get_json("/modules/shop/versions/v1.1.0", 404);
  CHECK(f.get_json("/modules/shop")["version_count"] == 1);

  // The CLI prints the findings as buf breaking does and exits 100.
  auto cli = f.cli_push("shop", "v1.1.0", kOrderNoNote);
  CHECK(cli.exit_code == 100);
  CHECK(cli.out == std::string(kPath) + ":4:1:" + kNoteDeleted + "\n");
  CHECK(cli.err ==
        "spoke: shop@v1.1.0 breaks the FILE compatibility of module shop against shop@v1.0.0: 1 "
        "breaking change; fix it, or push with force to publish anyway\n");

  // A compatible change goes in.
  auto ok = f.cli_push("shop", "v1.1.0", std::string(kOrder) + "\nmessage Refund {}\n");
  CHECK_MESSAGE(ok.exit_code == 0, ok.err);
}

TEST_CASE("none_allows_what_file_refuses") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  f.set_config("shop", {{"compatibility", "NONE"}});
  f.push_ok("shop", "v2.0.0", kOrderNoNote);
  CHECK(f.get_json("/modules/shop/versions/v2.0.0")["forced_breaking"] == 0);
}

TEST_CASE("backward_allows_a_deleted_field_that_wire_refuses") {
  Fixture f;
  f.push_ok("confluent", "v1.0.0", kOrder);
  f.set_config("confluent", {{"compatibility", "BACKWARD"}});
  f.push_ok("confluent", "v1.1.0", kOrderNoNote);

  f.push_ok("wire", "v1.0.0", kOrder);
  f.set_config("wire", {{"compatibility", "WIRE"}});
  json e = error_of(f.push("wire", "v1.1.0", kOrderNoNote), 409, "breaking_change");
  CHECK(e["message"].get<std::string>().find("breaks the WIRE compatibility") != std::string::npos);
  CHECK(e["details"] ==
        json::array({note_deleted_finding(
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
            "Previously present field \"3\" with name \"note\" on message \"Order\" was deleted "
            "without reserving the number \"3\".")}));
  // Reserving the number satisfies WIRE.
  std::string reserved = kOrderNoNote;
  reserved.replace(reserved.find("}\n"), 2, "  reserved 3;\n}\n");
  f.push_ok("wire", "v1.1.0", reserved);

  // A changed type breaks both.
  std::string retyped = kOrder;
  retyped.replace(retyped.find("int64 total"), 11, "string total");
  for (const char* level : {"BACKWARD", "WIRE"}) {
    CAPTURE(level);
    std::string module = std::string("retyped-") + (level[0] == 'W' ? "wire" : "backward");
    f.push_ok(module, "v1.0.0", kOrder);
    f.set_config(module, {{"compatibility", level}});
    json b = error_of(f.push(module, "v1.1.0", retyped), 409, "breaking_change");
    REQUIRE(b["details"].size() == 1);
    CHECK(b["details"][0]["path"] == kPath);
    CHECK(b["details"][0]["start_line"] == 6);
  }
}

TEST_CASE("transitive_checks_against_every_earlier_version") {
  Fixture f;
  f.push_ok("ledger", "v1.0.0", kOrder);
  f.set_config("ledger", {{"compatibility", "NONE"}});
  f.push_ok("ledger", "v2.0.0", kOrderNoNote);
  f.set_config("ledger", {{"compatibility", "WIRE"}});
  f.push_ok("ledger", "v3.0.0", kOrderLabel);  // against v2.0.0 only
  f.set_config("ledger", {{"compatibility", "WIRE"}, {"transitive", true}});
  json e = error_of(f.push("ledger", "v4.0.0", kOrderExtra), 409, "breaking_change");
  CHECK(e["message"] ==
        "ledger@v4.0.0 breaks the WIRE compatibility of module ledger against 3 earlier "
        "versions: 1 breaking change; fix it, or push with force to publish anyway");
  REQUIRE(e["details"].size() == 1);
  CHECK(e["details"][0]["type"] == "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED");

  // The previous version is the previous one in semver order, not the latest pushed.
  Fixture g;
  g.push_ok("ordered", "v1.0.0", kOrderNoNote);
  g.push_ok("ordered", "v2.0.0", kOrderNoNote + std::string("message Extra {}\n"));
  g.push_ok("ordered", "v1.1.0", kOrderLabel);  // against v1.0.0: Extra was never there
  json h = error_of(g.push("ordered", "v2.1.0", kOrderLabel), 409, "breaking_change");
  CHECK(h["details"][0]["type"] == "MESSAGE_NO_DELETE");
}

TEST_CASE("force_publishes_a_breaking_push_and_records_it") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  auto r = f.push("shop", "v2.0.0", kOrderNoNote, "?force=true");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 201, r->body);
  CHECK(json::parse(r->body)["forced_breaking"] == 1);
  CHECK(f.get_json("/modules/shop/versions/v2.0.0")["forced_breaking"] == 1);

  json body = f.push_body("v3.0.0", kOrderLabel);
  body["force"] = true;
  auto in_body = f.client->Post("/modules/shop/versions", body.dump(), "application/json");
  REQUIRE(in_body);
  CHECK(in_body->status == 201);

  auto cli = f.cli_push("shop", "v4.0.0", kOrder, {"-force"});
  CHECK_MESSAGE(cli.exit_code == 0, cli.err);
  CHECK(cli.out.find("forced: published despite 1 breaking change\n") != std::string::npos);
  CHECK(f.get_json("/modules/shop/versions/v4.0.0")["forced_breaking"] == 1);

  json bad = error_of(f.push("shop", "v5.0.0", kOrder, "?force=yes"), 400, "invalid_parameter");
  CHECK(bad["message"] == "force=\"yes\" must be true or false");
  body = f.push_body("v5.0.0", kOrder);
  body["force"] = "yes";
  json wrong = error_of(f.client->Post("/modules/shop/versions", body.dump(), "application/json"),
                        400, "invalid_field");
  CHECK(wrong["message"] == "field \"force\" must be true or false");
}

TEST_CASE("config_get_put_and_every_rejection") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  json got = f.get_json("/modules/shop/config");
  CHECK(got["compatibility"] == "FILE");
  CHECK(got["default"] == true);
  CHECK(got["ignore_unstable_packages"] == false);
  CHECK(got["transitive"] == false);
  CHECK(got["updated_at"].is_null());
  CHECK(got["lint"].is_null());

  auto put = f.put_config(
      "shop",
      R"({"compatibility": "backward", "ignore_unstable_packages": true, "transitive": false})");
  REQUIRE(put);
  REQUIRE_MESSAGE(put->status == 200, put->body);
  json set = json::parse(put->body);
  CHECK(set["compatibility"] == "BACKWARD");
  CHECK(set["default"] == false);
  CHECK(set["ignore_unstable_packages"] == true);
  CHECK(set["updated_at"].is_string());
  CHECK(f.get_json("/modules/shop/config")["compatibility"] == "BACKWARD");

  json level = error_of(f.put_config("shop", R"({"compatibility": "SIDEWAYS"})"), 400,
                        "invalid_compatibility");
  CHECK(level["message"] ==
        "compatibility \"SIDEWAYS\" is not known; use one of FILE, PACKAGE, WIRE_JSON, WIRE, "
        "BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, FULL_TRANSITIVE, NONE");
  json field = error_of(f.put_config("shop", R"({"compatibility": "WIRE", "strict": true})"), 400,
                        "unknown_field");
  CHECK(field["message"] ==
        "unknown field \"strict\"; a module config has compatibility, ignore_unstable_packages, "
        "transitive and lint");
  json type = error_of(f.put_config("shop", R"({"transitive": "yes"})"), 400, "invalid_field");
  CHECK(type["message"] == "field \"transitive\" must be true or false");
  error_of(f.put_config("shop", "{not json"), 400, "malformed_json");
  json missing =
      error_of(f.put_config("nowhere", R"({"compatibility": "WIRE"})"), 404, "module_not_found");
  CHECK(missing["message"] == "module \"nowhere\" not found");
  error_of(f.client->Get("/modules/nowhere/config"), 404, "module_not_found");
  CHECK(f.get_json("/modules/shop/config")["compatibility"] == "BACKWARD");
  auto del = f.client->Delete("/modules/shop/config");
  REQUIRE(del);
  CHECK(del->status == 405);

  // The CLI prints and sets it.
  auto shown = f.spoke({"config", "-module", "shop"});
  CHECK_MESSAGE(shown.exit_code == 0, shown.err);
  CHECK(shown.out ==
        "module shop\ncompatibility BACKWARD\nignore_unstable_packages true\ntransitive false\n"
        "lint off\n");
  auto changed = f.spoke({"config", "-module", "shop", "-compatibility", "WIRE_JSON",
                          "-ignore-unstable-packages", "-transitive"});
  CHECK_MESSAGE(changed.exit_code == 0, changed.err);
  CHECK(changed.out ==
        "module shop\ncompatibility WIRE_JSON\nignore_unstable_packages true\ntransitive true\n"
        "lint off\n");
  auto flags_only = f.spoke({"config", "-module", "shop"});
  CHECK(flags_only.out.find("compatibility WIRE_JSON\n") != std::string::npos);
  auto bad = f.spoke({"config", "-module", "shop", "-compatibility", "SIDEWAYS"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err ==
        "spoke: compatibility \"SIDEWAYS\" is not known; use one of FILE, PACKAGE, WIRE_JSON, "
        "WIRE, BACKWARD, BACKWARD_TRANSITIVE, FORWARD, FORWARD_TRANSITIVE, FULL, "
        "FULL_TRANSITIVE, NONE\n");
  auto absent = f.spoke({"config", "-module", "nowhere"});
  CHECK(absent.exit_code == 1);
  CHECK(absent.err == "spoke: module \"nowhere\" not found\n");
}

TEST_CASE("server_default_compatibility_by_flag_and_environment") {
  {
    Fixture f({"--compatibility", "none"});
    f.push_ok("shop", "v1.0.0", kOrder);
    json got = f.get_json("/modules/shop/config");
    CHECK(got["compatibility"] == "NONE");
    CHECK(got["default"] == true);
    f.push_ok("shop", "v2.0.0", kOrderNoNote);
  }
  {
    Fixture f({}, {"SPOKE_COMPATIBILITY=WIRE"});
    f.push_ok("shop", "v1.0.0", kOrder);
    CHECK(f.get_json("/modules/shop/config")["compatibility"] == "WIRE");
    error_of(f.push("shop", "v2.0.0", kOrderNoNote), 409, "breaking_change");
  }
  TempDir dir;
  auto bad = run({spoke::testing::binary_from_env("SPOKE_SERVER_BIN"), "--port", "0",
                  "--storage-dir", (dir / "data").string(), "--compatibility", "SIDEWAYS"},
                 dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("spoke-server: --compatibility: compatibility \"SIDEWAYS\" is not known") !=
        std::string::npos);
}

TEST_CASE("diff_as_json_and_as_a_migration_guide") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  auto forced = f.push("shop", "v2.0.0", kOrderLabel, "?force=true");
  REQUIRE(forced);
  REQUIRE(forced->status == 201);

  json d = f.get_json("/modules/shop/diff?from=v1.0.0&to=v2.0.0");
  json deleted = note_deleted_finding("FIELD_NO_DELETE", kNoteDeleted);
  deleted["end_line"] = 8;  // the message of v2.0.0 has one more line
  CHECK(d["breaking"] == json::array({deleted}));
  std::vector<std::string> changes;
  for (const auto& c : d["changes"]) {
    changes.push_back(c["kind"].get<std::string>() + " " + c["element"].get<std::string>() + " " +
                      c["name"].get<std::string>());
  }
  CHECK(changes == std::vector<std::string>{"added field shop.v1.Order.label",
                                            "deleted field shop.v1.Order.note"});

  // Against WIRE_JSON the deletion breaks the number not being reserved; against NONE nothing.
  json wj = f.get_json("/modules/shop/diff?from=v1.0.0&to=v2.0.0&against=WIRE_JSON");
  REQUIRE(wj["breaking"].size() == 2);
  CHECK(f.get_json("/modules/shop/diff?from=v1.0.0&to=v2.0.0&against=NONE")["breaking"].empty());
  CHECK(
      f.get_json("/modules/shop/diff?from=v2.0.0&to=v1.0.0&against=BACKWARD")["breaking"].empty());

  error_of(f.client->Get("/modules/shop/diff?from=v1.0.0&to=v2.0.0&against=SIDEWAYS"), 400,
           "invalid_compatibility");
  json from = error_of(f.client->Get("/modules/shop/diff?to=v2.0.0"), 400, "missing_parameter");
  CHECK(from["message"] == "query parameter \"from\" is required (a version)");
  error_of(f.client->Get("/modules/shop/diff?from=v1.0.0&to=v9.0.0"), 404, "version_not_found");
  error_of(f.client->Get("/modules/nowhere/diff?from=v1.0.0&to=v2.0.0"), 404, "module_not_found");

  auto as_json =
      f.spoke({"diff", "-module", "shop", "-from", "v1.0.0", "-to", "v2.0.0", "--format", "json"});
  CHECK_MESSAGE(as_json.exit_code == 0, as_json.err);
  CHECK(json::parse(as_json.out) == d);

  auto text = f.spoke({"diff", "-module", "shop", "-from", "v1.0.0", "-to", "v2.0.0"});
  CHECK_MESSAGE(text.exit_code == 0, text.err);
  CHECK(text.out.starts_with(std::string(kPath) + ":4:1:" + kNoteDeleted + "\n" +
                             "1 breaking change, 2 changes from shop@v1.0.0 to shop@v2.0.0\n"));

  auto md = f.spoke(
      {"diff", "-module", "shop", "-from", "v1.0.0", "-to", "v2.0.0", "--format", "markdown"});
  CHECK_MESSAGE(md.exit_code == 0, md.err);
  CHECK(
      md.out.starts_with("# Migration guide: shop v1.0.0 → v2.0.0\n\n1 breaking change.\n\n"
                         "## Breaking changes\n\n### FIELD_NO_DELETE\n\n"));
  CHECK(md.out.find("- **What changed:** " + std::string(kNoteDeleted) + " (`" + kPath +
                    ":4:1`)\n- **Breaks:** generated code\n- **What to do:** Stop reading the "
                    "field.") != std::string::npos);
  CHECK(md.out.find("## All changes\n\n- added field `shop.v1.Order.label` in `" +
                    std::string(kPath) + ":7:3`\n- deleted field `shop.v1.Order.note` in `" +
                    kPath + ":7:3`\n") != std::string::npos);

  auto wire = f.spoke({"diff", "-module", "shop", "-from", "v1.0.0", "-to", "v2.0.0", "-against",
                       "WIRE", "--format", "markdown"});
  CHECK(wire.out.find("### FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED\n\n") != std::string::npos);
  CHECK(wire.out.find("- **Breaks:** wire (binary) data, JSON data and generated code\n") !=
        std::string::npos);

  auto missing = f.spoke({"diff", "-module", "shop", "-from", "v1.0.0", "-to", "v9.0.0"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "spoke: version shop@v9.0.0 not found\n");
}

TEST_CASE("breaking_against_a_registry_version") {
  Fixture f;
  const std::string money =
      "syntax = \"proto3\";\npackage shop.common;\nmessage Money {\n"
      "  int64 units = 1;\n}\n";
  json common = {{"version", "v1.0.0"},
                 {"files", {{{"path", "shop/common/money.proto"}, {"content", money}}}}};
  auto c = f.client->Post("/modules/common/versions", common.dump(), "application/json");
  REQUIRE(c);
  REQUIRE(c->status == 201);
  const std::string with_import = std::string(kOrder).replace(
      std::string(kOrder).find("\nmessage"), 0, "\nimport \"shop/common/money.proto\";\n");
  json order = {{"version", "v1.0.0"},
                {"dependencies", {"common@v1.0.0"}},
                {"files", {{{"path", kPath}, {"content", with_import}}}}};
  auto o = f.client->Post("/modules/shop/versions", order.dump(), "application/json");
  REQUIRE(o);
  REQUIRE_MESSAGE(o->status == 201, o->body);

  fs::path local = f.dir / "local";
  std::string changed = with_import;
  changed.replace(changed.find("  string note = 3;\n"), 18, "");
  write_file(local / kPath, changed);
  auto r = f.spoke({"breaking", "-dir", local.string(), "-against-module", "shop",
                    "-against-version", "v1.0.0"});
  CHECK_MESSAGE(r.exit_code == 100, r.err);
  CHECK(r.out == std::string(kPath) + ":6:1:" + kNoteDeleted + "\n");

  write_file(local / kPath, with_import);
  auto same = f.spoke({"breaking", "-dir", local.string(), "-against-module", "shop"});
  CHECK_MESSAGE(same.exit_code == 0, same.err);
  CHECK(same.out.empty());

  auto absent = f.spoke({"breaking", "-dir", local.string(), "-against-module", "nowhere"});
  CHECK(absent.exit_code == 1);
  CHECK(absent.err == "spoke: module \"nowhere\" not found\n");
  auto both = f.spoke(
      {"breaking", "-dir", local.string(), "-against", local.string(), "-against-module", "shop"});
  CHECK(both.exit_code == 2);
  auto neither = f.spoke({"breaking", "-dir", local.string()});
  CHECK(neither.exit_code == 2);
  CHECK(neither.err ==
        "spoke: breaking needs -against (a directory) or -against-module (a "
        "registry module)\n");
}

// ---- lint policies ------------------------------------------------------------------------------

namespace {

// A field named in camel case: FIELD_LOWER_SNAKE_CASE finds it.
const char* const kCamel = R"(syntax = "proto3";
package shop.v1;

message Order {
  string orderId = 1;
}
)";

const char* const kCamelFinding =
    "Field name \"orderId\" should be lower_snake_case, such as \"order_id\".";

// kCamel's finding as `buf lint --error-format json` prints it.
json camel_finding() {
  return {{"path", kPath},           {"start_line", 5}, {"end_column", 17},
          {"start_column", 10},      {"end_line", 5},   {"type", "FIELD_LOWER_SNAKE_CASE"},
          {"message", kCamelFinding}};
}

}  // namespace

TEST_CASE("lint_policy_is_set_read_and_refused_when_buf_would_refuse_it") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  auto put = f.put_config("shop", R"({"compatibility": "WIRE", "lint": {"use": ["STANDARD"],
      "except": ["PACKAGE_VERSION_SUFFIX"], "ignore": ["legacy"],
      "ignore_only": {"FIELD_LOWER_SNAKE_CASE": ["shop/v1/old.proto"]},
      "enum_zero_value_suffix": "_NONE", "rpc_allow_same_request_response": true,
      "service_suffix": "API", "disallow_comment_ignores": true}})");
  REQUIRE(put);
  REQUIRE_MESSAGE(put->status == 200, put->body);
  json expected = {{"use", {"STANDARD"}},
                   {"except", {"PACKAGE_VERSION_SUFFIX"}},
                   {"ignore", {"legacy"}},
                   {"ignore_only", {{"FIELD_LOWER_SNAKE_CASE", {"shop/v1/old.proto"}}}},
                   {"enum_zero_value_suffix", "_NONE"},
                   {"rpc_allow_same_request_response", true},
                   {"service_suffix", "API"},
                   {"disallow_comment_ignores", true}};
  CHECK(json::parse(put->body)["lint"] == expected);
  json got = f.get_json("/modules/shop/config");
  CHECK(got["lint"] == expected);
  CHECK(got["compatibility"] == "WIRE");

  // It survives a restart: it is stored.
  f.restart();
  CHECK(f.get_json("/modules/shop/config")["lint"] == expected);

  json rule = error_of(f.put_config("shop", R"({"lint": {"use": ["STANDARD", "NO_SUCH_RULE"]}})"),
                       400, "unknown_rule");
  CHECK(rule["message"].get<std::string>().find("NO_SUCH_RULE") != std::string::npos);
  json key =
      error_of(f.put_config("shop", R"({"lint": {"uses": ["STANDARD"]}})"), 400, "unknown_field");
  CHECK(key["message"].get<std::string>().find("\"uses\"") != std::string::npos);
  json type =
      error_of(f.put_config("shop", R"({"lint": {"use": "STANDARD"}})"), 400, "invalid_field");
  CHECK(type["message"] == "field \"lint.use\" must be an array of strings");
  error_of(f.put_config("shop", R"({"lint": ["STANDARD"]})"), 400, "invalid_field");
  error_of(f.put_config("shop", R"({"lint": {"rpc_allow_same_request_response": "yes"}})"), 400,
           "invalid_field");
  json path = error_of(f.put_config("shop", R"({"lint": {"ignore": ["../outside"]}})"), 400,
                       "invalid_config");
  CHECK(path["message"].get<std::string>().find("../outside") != std::string::npos);
  // Nothing changed by the refusals.
  CHECK(f.get_json("/modules/shop/config")["lint"] == expected);

  // PUT replaces the whole policy: without lint, there is none.
  f.set_config("shop", {{"compatibility", "WIRE"}});
  CHECK(f.get_json("/modules/shop/config")["lint"].is_null());
}

TEST_CASE("a_push_that_breaks_the_lint_policy_is_refused_with_its_findings_unless_forced") {
  Fixture f;
  f.push_ok("shop", "v1.0.0", kOrder);
  f.set_config("shop", {{"lint", {{"use", {"FIELD_LOWER_SNAKE_CASE"}}}}});
  auto r = f.push("shop", "v1.1.0", kCamel + std::string("\nmessage Refund {}\n"));
  json e = error_of(r, 422, "lint_failed");
  CHECK(e["message"] ==
        "shop@v1.1.0 breaks the lint policy of module shop: 1 finding; fix it, or push with force "
        "to publish anyway (under access control, forcing past a lint policy needs the admin "
        "role)");
  CHECK(e["details"] == json::array({camel_finding()}));
  f.get_json("/modules/shop/versions/v1.1.0", 404);

  // The CLI prints the findings as spoke lint does and exits 100.
  auto cli = f.cli_push("shop", "v1.1.0", kCamel);
  CHECK(cli.exit_code == 100);
  fs::path src = f.dir / "lint-src";
  write_file(src / kPath, kCamel);
  auto linted = f.spoke({"lint", "-dir", src.string(), "-config",
                         R"({"version": "v2", "lint": {"use": ["FIELD_LOWER_SNAKE_CASE"]}})"});
  CHECK(linted.exit_code == 100);
  CHECK(cli.out == linted.out);
  CHECK(cli.out == std::string(kPath) + ":5:10:" + kCamelFinding + "\n");
  CHECK(cli.err.find("breaks the lint policy of module shop") != std::string::npos);

  // Forced (no access control: anyone may): published.
  auto forced = f.cli_push("shop", "v1.1.0", kCamel, {"-force"});
  CHECK_MESSAGE(forced.exit_code == 0, forced.err);
  f.get_json("/modules/shop/versions/v1.1.0");

  // The lint policy and the breaking policy are checked together: the CLI sets and removes it.
  auto set = f.spoke({"config", "-module", "shop", "-lint", "STANDARD,COMMENTS", "-lint-except",
                      "PACKAGE_VERSION_SUFFIX"});
  CHECK_MESSAGE(set.exit_code == 0, set.err);
  CHECK(set.out ==
        "module shop\ncompatibility FILE (server default)\nignore_unstable_packages false\n"
        "transitive false\nlint {\"except\":[\"PACKAGE_VERSION_SUFFIX\"],\"use\":[\"STANDARD\","
        "\"COMMENTS\"]}\n");
  auto keep = f.spoke({"config", "-module", "shop", "-compatibility", "WIRE"});
  CHECK(keep.out.find("compatibility WIRE\n") != std::string::npos);
  CHECK(keep.out.find("\"use\":[\"STANDARD\",\"COMMENTS\"]") != std::string::npos);
  auto section = f.spoke({"config", "-module", "shop", "-lint-config",
                          "use: [FIELD_LOWER_SNAKE_CASE]\nservice_suffix: API\n"});
  CHECK_MESSAGE(section.exit_code == 0, section.err);
  CHECK(f.get_json("/modules/shop/config")["lint"] == json{{"use", {"FIELD_LOWER_SNAKE_CASE"}},
                                                           {"except", json::array()},
                                                           {"service_suffix", "API"}});
  auto bad = f.spoke({"config", "-module", "shop", "-lint", "NO_SUCH_RULE"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("NO_SUCH_RULE") != std::string::npos);
  auto off = f.spoke({"config", "-module", "shop", "-no-lint"});
  CHECK_MESSAGE(off.exit_code == 0, off.err);
  CHECK(off.out.find("lint off\n") != std::string::npos);
  CHECK(f.get_json("/modules/shop/config")["compatibility"] == "WIRE");
  auto pushed = f.cli_push("shop", "v1.2.0", kCamel + std::string("\nmessage Extra {}\n"));
  CHECK_MESSAGE(pushed.exit_code == 0, pushed.err);
}

TEST_CASE("post_lint_checks_files_under_a_config_or_the_module_policy") {
  Fixture f;
  json files = {{{"path", kPath}, {"content", kCamel}}};
  auto lint = [&](const json& body) {
    return f.client->Post("/lint", body.dump(), "application/json");
  };
  // No config and no module: buf's default rules (v2 STANDARD).
  auto r = lint({{"files", files}});
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  json out = json::parse(r->body);
  bool snake = false;
  for (const auto& finding : out["findings"]) {
    snake = snake || finding["type"] == "FIELD_LOWER_SNAKE_CASE";
  }
  CHECK(snake);
  CHECK(std::find(out["rules"].begin(), out["rules"].end(), "PACKAGE_VERSION_SUFFIX") !=
        out["rules"].end());

  // A config: only what it selects.
  r = lint({{"files", files}, {"config", {{"use", {"FIELD_LOWER_SNAKE_CASE"}}}}});
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  out = json::parse(r->body);
  CHECK(out["rules"] == json::array({"FIELD_LOWER_SNAKE_CASE"}));
  CHECK(out["findings"] == json::array({camel_finding()}));

  // The module's policy when no config is given.
  f.push_ok("shop", "v1.0.0", kOrder);
  f.set_config("shop", {{"lint", {{"use", {"PACKAGE_DIRECTORY_MATCH"}}}}});
  r = lint({{"files", files}, {"module", "shop"}});
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  out = json::parse(r->body);
  CHECK(out["rules"] == json::array({"PACKAGE_DIRECTORY_MATCH"}));
  CHECK(out["findings"].empty());

  // Rejections.
  json invalid = error_of(
      lint({{"files", {{{"path", kPath}, {"content", "syntax = \"proto3\";\nmessage {"}}}}}), 422,
      "invalid_schema");
  CHECK(invalid["details"][0]["file"] == kPath);
  error_of(lint({{"files", files}, {"config", {{"use", {"NOPE"}}}}}), 400, "unknown_rule");
  error_of(lint({{"files", files}, {"configs", json::object()}}), 400, "unknown_field");
  error_of(lint({{"config", json::object()}}), 400, "missing_field");
  error_of(lint({{"files", {{{"path", "../x.proto"}, {"content", kCamel}}}}}), 400, "invalid_path");
  error_of(f.client->Post("/lint", "[1]", "application/json"), 400, "malformed_json");
  error_of(lint({{"files", files}, {"dependencies", {"nowhere@v1.0.0"}}}), 422,
           "dependency_not_found");
}
