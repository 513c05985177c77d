// Access control and the audit log: tokens, roles and scopes in libspoke, then every route of a
// real spoke-server under every auth mode for every kind of caller, then the spoke CLI.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <dlfcn.h>
#include <httplib.h>
#include <sys/stat.h>
#include "support/doctest.h"

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "spoke/auth.h"
#include "spoke/storage.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::Server;
using spoke::testing::TempDir;

// Every CRYPTO_memcmp libspoke makes comes here first (the executable's definition interposes
// libcrypto's), so a test can see that tokens are compared through it.
namespace {
std::atomic<int> memcmp_calls{0};
}
extern "C" int CRYPTO_memcmp(const void* a, const void* b, size_t len) {
  ++memcmp_calls;
  using Fn = int (*)(const void*, const void*, size_t);
  static Fn real = reinterpret_cast<Fn>(dlsym(RTLD_NEXT, "CRYPTO_memcmp"));
  return real(a, b, len);
}

namespace {

const std::string kAdminSecret = "spoke_" + std::string(64, 'a');

// ---- libspoke ---------------------------------------------------------------------------------

TEST_CASE("secrets_are_spoke_and_43_base64url_characters_and_never_repeat") {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string s = spoke::auth::generate_secret();
    REQUIRE(s.starts_with("spoke_"));
    CHECK(s.size() == 6 + 43);  // 32 bytes, base64url without padding
    CHECK(s.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                              6) == std::string::npos);
    CHECK(seen.insert(s).second);
  }
  CHECK(spoke::auth::hash_secret("spoke_x") ==
        "sha256:52cf4051d6a3fa9b53a29d37411e3bb222eef3c5ae553e383bd5b61c0582133f");
  CHECK(spoke::auth::hash_secret("spoke_x") != spoke::auth::hash_secret("spoke_y"));
}

TEST_CASE("globs_and_scopes") {
  using spoke::auth::glob_match;
  using spoke::auth::scope_covers;
  CHECK(glob_match("acme-*", "acme-api"));
  CHECK(glob_match("acme-*", "acme-"));
  CHECK_FALSE(glob_match("acme-*", "acme"));
  CHECK_FALSE(glob_match("acme-*", "other-acme-api"));
  CHECK(glob_match("*-api", "acme-api"));
  CHECK(glob_match("a?c", "abc"));
  CHECK_FALSE(glob_match("a?c", "ac"));
  CHECK(glob_match("a*b*c", "axxbyyc"));
  CHECK_FALSE(glob_match("a*b*c", "axxbyy"));
  CHECK(glob_match("payments", "payments"));
  CHECK_FALSE(glob_match("payments", "payments2"));
  CHECK(scope_covers("", "anything"));
  CHECK_FALSE(scope_covers("acme", "acme-api"));
  CHECK(spoke::auth::validate_scope("acme-*").ok());
  CHECK(spoke::auth::validate_scope("").ok());
  CHECK(spoke::auth::validate_scope("Acme/*").reason() == "invalid_scope");
  CHECK(spoke::auth::validate_token_name("ci-1.x").ok());
  CHECK(spoke::auth::validate_token_name("").reason() == "invalid_name");
  CHECK(spoke::auth::validate_token_name("a b").reason() == "invalid_name");
}

TEST_CASE("durations_and_times") {
  using spoke::auth::parse_duration;
  CHECK(parse_duration("720h")->count() == 720LL * 3600 * 1000);
  CHECK(parse_duration("1h30m")->count() == 90LL * 60 * 1000);
  CHECK(parse_duration("7d")->count() == 7LL * 86400 * 1000);
  CHECK(parse_duration("45s")->count() == 45000);
  for (const char* bad : {"", "h", "10", "10x", "-1h", "0s", "1h 2m"}) {
    CAPTURE(bad);
    CHECK(parse_duration(bad).status().reason() == "invalid_duration");
  }
  CHECK(spoke::auth::parse_time("2026-12-04T21:00:00Z", 0).value() == 1796418000000);
  CHECK(spoke::auth::parse_time("2026-12-04T21:00:00.250Z", 0).value() == 1796418000250);
  CHECK(spoke::auth::parse_time("24h", 100000000000).value() == 100000000000 - 86400000);
  CHECK(spoke::auth::parse_time("yesterday", 0).status().reason() == "invalid_time");
}

spoke::Principal token_of(spoke::Role role, const std::string& scope = "") {
  spoke::Principal p;
  p.anonymous = false;
  p.name = "t";
  p.role = role;
  p.scope = scope;
  return p;
}

TEST_CASE("authorize_decides_by_mode_role_and_scope") {
  using spoke::Access;
  using spoke::AuthMode;
  using spoke::Role;
  using spoke::auth::authorize;
  spoke::Principal anonymous;
  CHECK(authorize(AuthMode::kNone, Access::kAdmin, anonymous, "").ok());
  CHECK(authorize(AuthMode::kWrites, Access::kRead, anonymous, "m").ok());
  CHECK(authorize(AuthMode::kWrites, Access::kWrite, anonymous, "m").reason() == "unauthenticated");
  CHECK(authorize(AuthMode::kAll, Access::kRead, anonymous, "m").reason() == "unauthenticated");
  CHECK(authorize(AuthMode::kAll, Access::kPublic, anonymous, "").ok());
  auto reader = token_of(Role::kReader);
  CHECK(authorize(AuthMode::kAll, Access::kRead, reader, "m").ok());
  auto denied = authorize(AuthMode::kAll, Access::kWrite, reader, "m");
  CHECK(denied.reason() == "forbidden");
  CHECK(denied.fields().at("required_role") == "writer");
  CHECK(denied.message().find("writer role") != std::string::npos);
  auto scoped = token_of(Role::kWriter, "acme-*");
  CHECK(authorize(AuthMode::kAll, Access::kWrite, scoped, "acme-api").ok());
  auto hidden = authorize(AuthMode::kAll, Access::kRead, scoped, "other");
  CHECK(hidden.reason() == "module_not_found");
  CHECK(hidden.message() == "module \"other\" not found");
  CHECK(authorize(AuthMode::kWrites, Access::kRead, scoped, "other").ok());
  CHECK(authorize(AuthMode::kWrites, Access::kWrite, scoped, "other").reason() == "forbidden");
  CHECK(authorize(AuthMode::kWrites, Access::kWrite, scoped, "").reason() == "forbidden");
  CHECK(authorize(AuthMode::kWrites, Access::kRead, scoped, "").ok());
  auto admin = token_of(Role::kAdmin);
  CHECK(authorize(AuthMode::kAll, Access::kAdmin, admin, "").ok());
  CHECK(authorize(AuthMode::kAll, Access::kAdmin, token_of(Role::kWriter), "")
            .fields()
            .at("required_role") == "admin");
  CHECK(spoke::auth::may_read(AuthMode::kAll, scoped, "acme-x"));
  CHECK_FALSE(spoke::auth::may_read(AuthMode::kAll, scoped, "other"));
  CHECK(spoke::auth::may_read(AuthMode::kWrites, scoped, "other"));
}

TEST_CASE("tokens_authenticate_until_revoked_or_expired_and_are_compared_in_constant_time") {
  auto store = spoke::make_memory_metadata_store();
  spoke::AccessControl access(*store);
  spoke::NewToken request{"ci", spoke::Role::kWriter, "acme-*", {}, "admin"};
  auto created = access.create_token(request);
  REQUIRE_MESSAGE(created.ok(), created.status().to_string());
  CHECK(created->token.hash == spoke::auth::hash_secret(created->secret));
  // Only the hash is kept.
  auto stored = store->list_tokens();
  REQUIRE(stored->size() == 1);
  CHECK(stored->at(0).hash == created->token.hash);
  CHECK(stored->at(0).hash.find(created->secret) == std::string::npos);
  CHECK(access.list_tokens()->at(0).hash.empty());
  CHECK(access.create_token(request).status().reason() == "token_exists");

  int before = memcmp_calls.load();
  auto who = access.authenticate("Bearer " + created->secret);
  REQUIRE_MESSAGE(who.ok(), who.status().to_string());
  CHECK(memcmp_calls.load() > before);
  CHECK_FALSE(who->anonymous);
  CHECK(who->name == "ci");
  CHECK(who->role == spoke::Role::kWriter);
  CHECK(who->scope == "acme-*");
  CHECK(store->list_tokens()->at(0).last_used_at > 0);

  CHECK(access.authenticate("")->anonymous);
  for (const std::string& bad : {std::string("Basic abc"), std::string("Bearer"),
                                 std::string("Bearer nope"), "Bearer " + created->secret + "x"}) {
    CAPTURE(bad);
    CHECK(access.authenticate(bad).status().reason() == "unauthenticated");
  }
  CHECK(access.revoke_token("ci").ok());
  auto revoked = access.authenticate("Bearer " + created->secret);
  CHECK(revoked.status().reason() == "unauthenticated");
  CHECK(revoked.status().message().find("revoked") != std::string::npos);
  CHECK(access.revoke_token("ci").reason() == "token_not_found");

  spoke::AccessToken old;
  old.name = "old";
  old.hash = spoke::auth::hash_secret("spoke_old");
  old.created_at = 1;
  old.expires_at = 2;
  REQUIRE(store->insert_token(old, {}).ok());
  auto expired = access.authenticate("Bearer spoke_old");
  CHECK(expired.status().reason() == "unauthenticated");
  CHECK(expired.status().message().find("expired") != std::string::npos);

  CHECK(access.create_token({"bad name", spoke::Role::kReader, "", {}, ""}).status().reason() ==
        "invalid_name");
  CHECK(access.create_token({"x", spoke::Role::kReader, "A*", {}, ""}).status().reason() ==
        "invalid_scope");
}

TEST_CASE("the_bootstrap_admin_token_is_stored_once_and_rotated") {
  auto store = spoke::make_memory_metadata_store();
  spoke::AccessControl access(*store);
  CHECK(access.bootstrap_admin("short").reason() == "invalid_token");
  REQUIRE(access.bootstrap_admin(kAdminSecret).ok());
  REQUIRE(access.bootstrap_admin(kAdminSecret).ok());
  CHECK(store->list_tokens()->size() == 1);
  CHECK(access.authenticate("Bearer " + kAdminSecret)->role == spoke::Role::kAdmin);
  std::string rotated = "spoke_" + std::string(64, 'b');
  REQUIRE(access.bootstrap_admin(rotated).ok());
  CHECK(access.authenticate("Bearer " + kAdminSecret).status().reason() == "unauthenticated");
  CHECK(access.authenticate("Bearer " + rotated)->name == "admin");
  // A revoked secret stays revoked.
  REQUIRE(access.revoke_token("admin").ok());
  CHECK(access.bootstrap_admin(rotated).reason() == "invalid_token");
}

TEST_CASE("audit_pages_follow_each_other_and_filters_are_checked") {
  auto store = spoke::make_memory_metadata_store();
  spoke::AccessControl access(*store);
  for (int i = 0; i < 5; ++i) {
    static const std::string kActors[] = {"ci", "anonymous"};
    spoke::AuditEntry e{.actor = kActors[i % 2],
                        .route = std::string("/modules/{module}/versions"),
                        .module = std::string("m"),
                        .status = 201};
    REQUIRE(access.record(e).ok());
  }
  spoke::AuditFilter filter;
  filter.limit = 2;
  auto p1 = access.list_audit(filter);
  REQUIRE(p1.ok());
  REQUIRE(p1->entries.size() == 2);
  CHECK(p1->entries[0].id == 5);
  CHECK(p1->entries[0].time > 0);
  filter.page_token = p1->next_page_token;
  auto p2 = access.list_audit(filter);
  REQUIRE(p2->entries.size() == 2);
  CHECK(p2->entries[0].id == 3);
  filter.page_token = p2->next_page_token;
  auto p3 = access.list_audit(filter);
  REQUIRE(p3->entries.size() == 1);
  CHECK(p3->next_page_token.empty());
  CHECK(access.list_audit({.page_token = "x"}).status().reason() == "invalid_page_token");
  CHECK(access.list_audit({.since = "soon"}).status().reason() == "invalid_time");
  CHECK(access.list_audit({.limit = 5000}).status().reason() == "invalid_limit");
  CHECK(access.list_audit({.actor = "ci"})->entries.size() == 3);
}

// ---- every route, every caller, every mode ---------------------------------------------------

// The callers the table covers.
enum class Caller { kNoToken, kReader, kWriterOtherModule, kWriter, kAdmin, kRevoked };
constexpr Caller kCallers[] = {Caller::kNoToken, Caller::kReader, Caller::kWriterOtherModule,
                               Caller::kWriter,  Caller::kAdmin,  Caller::kRevoked};
const char* name_of(Caller c) {
  switch (c) {
    case Caller::kNoToken:
      return "no token";
    case Caller::kReader:
      return "reader";
    case Caller::kWriterOtherModule:
      return "writer of other-*";
    case Caller::kWriter:
      return "writer";
    case Caller::kAdmin:
      return "admin";
    case Caller::kRevoked:
      return "revoked";
  }
  return "";
}

enum class Outcome { kAllowed, kUnauthenticated, kForbidden, kHidden };

// One row per route: what it needs and a request that exercises it on module acme-api.
struct RouteCase {
  std::string access;    // "public", "read", "write", "admin"
  std::string listener;  // "api" or "health" (the port it is served on)
  std::string method;
  std::function<std::string()> path;  // concrete (may need ids made during setup)
  std::string body;                   // JSON, for methods with a body
  bool module_scoped;                 // the route has {module}
};

// What the rules of docs/operations.md say a caller gets.
Outcome expected(spoke::AuthMode mode, Caller caller, const RouteCase& rc) {
  using spoke::AuthMode;
  if (mode == AuthMode::kNone || rc.access == "public") return Outcome::kAllowed;
  bool read = rc.access == "read";
  switch (caller) {
    case Caller::kRevoked:
      return Outcome::kUnauthenticated;
    case Caller::kNoToken:
      return read && mode == AuthMode::kWrites ? Outcome::kAllowed : Outcome::kUnauthenticated;
    case Caller::kReader:
      return read ? Outcome::kAllowed : Outcome::kForbidden;
    case Caller::kWriterOtherModule:
      if (rc.module_scoped && mode == AuthMode::kAll) return Outcome::kHidden;
      return read ? Outcome::kAllowed : Outcome::kForbidden;
    case Caller::kWriter:
      return rc.access == "admin" ? Outcome::kForbidden : Outcome::kAllowed;
    case Caller::kAdmin:
      return Outcome::kAllowed;
  }
  return Outcome::kAllowed;
}

json push_body(const std::string& version) {
  return {{"version", version},
          {"files", {{{"path", "example.proto"}, {"content", kExampleProto}}}}};
}

httplib::Result send(httplib::Client& client, const std::string& method, const std::string& path,
                     const std::string& body, const std::string& token,
                     httplib::Headers headers = {}) {
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  if (method == "GET") return client.Get(path, headers);
  if (method == "DELETE") return client.Delete(path, headers);
  if (method == "POST") return client.Post(path, headers, body, "application/json");
  if (method == "PUT") return client.Put(path, headers, body, "application/json");
  return client.Patch(path, headers, body, "application/json");
}

// A server in one auth mode with the callers' tokens and module acme-api at v1.0.0.
struct ModeServer {
  spoke::AuthMode mode;
  TempDir dir;
  std::unique_ptr<Server> server;
  std::unique_ptr<httplib::Client> client;
  std::unique_ptr<httplib::Client> health;  // the health port: /health/*, /metrics
  std::map<Caller, std::string> tokens;
  std::vector<std::string> secrets;  // every secret seen, for the log check
  std::string job_id;
  std::string webhook_id, delivery_id;

  explicit ModeServer(spoke::AuthMode m) : mode(m) {
    server = std::make_unique<Server>(
        dir.path() / "server", std::vector<std::string>{"--auth", spoke::to_string(m)}, "",
        std::vector<std::string>{"SPOKE_ADMIN_TOKEN=" + kAdminSecret});
    client = std::make_unique<httplib::Client>("127.0.0.1", server->port());
    health = std::make_unique<httplib::Client>("127.0.0.1", server->health_port());
    tokens[Caller::kAdmin] = kAdminSecret;
    secrets.push_back(kAdminSecret);
    auto make = [&](Caller c, const json& body) {
      auto r = send(*client, "POST", "/tokens", body.dump(), kAdminSecret);
      REQUIRE(r);
      REQUIRE_MESSAGE(r->status == 201, r->body);
      tokens[c] = json::parse(r->body)["token"].get<std::string>();
      secrets.push_back(tokens[c]);
    };
    make(Caller::kReader, {{"name", "reader"}, {"role", "reader"}});
    make(Caller::kWriterOtherModule,
         {{"name", "other"}, {"role", "writer"}, {"module", "other-*"}});
    make(Caller::kWriter, {{"name", "writer"}, {"role", "writer"}, {"expires_in", "720h"}});
    make(Caller::kRevoked, {{"name", "revoked"}, {"role", "admin"}});
    auto revoked = send(*client, "DELETE", "/tokens/revoked", "", kAdminSecret);
    REQUIRE(revoked);
    REQUIRE(revoked->status == 204);
    auto pushed = send(*client, "POST", "/modules/acme-api/versions", push_body("v1.0.0").dump(),
                       kAdminSecret);
    REQUIRE(pushed);
    REQUIRE_MESSAGE(pushed->status == 201, pushed->body);
    auto job =
        send(*client, "POST", "/modules/acme-api/versions/v1.0.0/compile/cpp", "{}", kAdminSecret);
    REQUIRE(job);
    REQUIRE_MESSAGE((job->status == 202 || job->status == 200), job->body);
    job_id = json::parse(job->body)["job_id"].get<std::string>();
    auto hook =
        send(*client, "POST", "/webhooks",
             json{{"url", "https://hooks.example/auth"}, {"events", {"version.pushed"}}}.dump(),
             kAdminSecret);
    REQUIRE(hook);
    REQUIRE_MESSAGE(hook->status == 201, hook->body);
    webhook_id = json::parse(hook->body)["id"].get<std::string>();
    auto ping = send(*client, "POST", "/webhooks/" + webhook_id + "/ping", "", kAdminSecret);
    REQUIRE(ping);
    REQUIRE_MESSAGE(ping->status == 202, ping->body);
    delivery_id = json::parse(ping->body)["id"].get<std::string>();
  }
};

// The table: every route the server lists must have a row.
std::map<std::pair<std::string, std::string>, RouteCase> route_table(const ModeServer& s) {
  auto fixed = [](std::string p) { return [p] { return p; }; };
  json files = {{"files", {{{"path", "example.proto"}, {"content", kExampleProto}}}}};
  const std::string v = "/modules/acme-api/versions/v1.0.0";
  std::map<std::pair<std::string, std::string>, RouteCase> t;
  auto row = [&](const std::string& method, const std::string& tmpl, const std::string& access,
                 std::function<std::string()> path, std::string body = "",
                 std::string listener = "api") {
    t[{method, tmpl}] = {access,          std::move(listener),
                         method,          std::move(path),
                         std::move(body), tmpl.find("{module}") != std::string::npos};
  };
  row("POST", "/modules", "write", fixed("/modules"), json{{"name", "acme-new"}}.dump());
  row("GET", "/modules", "read", fixed("/modules"));
  row("GET", "/modules/{module}", "read", fixed("/modules/acme-api"));
  row("PATCH", "/modules/{module}", "write", fixed("/modules/acme-api"),
      json{{"description", "d"}}.dump());
  row("GET", "/modules/{module}/config", "read", fixed("/modules/acme-api/config"));
  row("PUT", "/modules/{module}/config", "admin", fixed("/modules/acme-api/config"),
      json{{"compatibility", "FILE"}}.dump());
  row("GET", "/modules/{module}/diff", "read",
      fixed("/modules/acme-api/diff?from=v1.0.0&to=v1.0.0"));
  row("POST", "/modules/{module}/versions", "write", fixed("/modules/acme-api/versions"),
      push_body("v1.0.0").dump());
  row("GET", "/modules/{module}/versions", "read", fixed("/modules/acme-api/versions"));
  row("GET", "/modules/{module}/versions/{version}", "read", fixed(v));
  row("GET", "/modules/{module}/versions/{version}/dependencies", "read",
      fixed(v + "/dependencies"));
  row("GET", "/modules/{module}/versions/{version}/descriptor", "read", fixed(v + "/descriptor"));
  row("GET", "/modules/{module}/versions/{version}/ast", "read", fixed(v + "/ast"));
  row("GET", "/modules/{module}/versions/{version}/files/{path...}", "read",
      fixed(v + "/files/example.proto"));
  row("POST", "/validate", "read", fixed("/validate"), files.dump());
  row("POST", "/lint", "read", fixed("/lint"), files.dump());
  row("POST", "/format", "read", fixed("/format"), files.dump());
  row("POST", "/modules/{module}/versions/{version}/compile/{language}", "write",
      fixed(v + "/compile/cpp"), "{}");
  row("GET", "/jobs/{id}", "read", fixed("/jobs/" + s.job_id));
  row("GET", "/modules/{module}/versions/{version}/jobs", "read", fixed(v + "/jobs"));
  row("GET", "/modules/{module}/versions/{version}/download/{language}", "read",
      fixed(v + "/download/cpp"));
  row("GET", "/languages", "read", fixed("/languages"));
  row("GET", "/whoami", "read", fixed("/whoami"));
  row("POST", "/tokens", "admin", fixed("/tokens"), "");
  t[{"POST", "/tokens"}].body = "";  // made per request below: names must differ
  row("GET", "/tokens", "admin", fixed("/tokens"));
  row("DELETE", "/tokens/{name}", "admin", fixed("/tokens/nobody"));
  row("GET", "/audit", "admin", fixed("/audit?limit=5"));
  const std::string w = "/webhooks/" + s.webhook_id;
  const std::string d = w + "/deliveries/" + s.delivery_id;
  row("POST", "/webhooks", "admin", fixed("/webhooks"),
      json{{"url", "https://hooks.example/table"}}.dump());
  row("GET", "/webhooks", "admin", fixed("/webhooks"));
  row("GET", "/webhooks/{id}", "admin", fixed(w));
  row("PATCH", "/webhooks/{id}", "admin", fixed(w), json{{"description", "d"}}.dump());
  row("DELETE", "/webhooks/{id}", "admin", fixed("/webhooks/wh_nobody"));
  row("GET", "/webhooks/{id}/deliveries", "admin", fixed(w + "/deliveries"));
  row("GET", "/webhooks/{id}/deliveries/{delivery}", "admin", fixed(d));
  row("POST", "/webhooks/{id}/deliveries/{delivery}/redeliver", "admin", fixed(d + "/redeliver"));
  row("POST", "/webhooks/{id}/ping", "admin", fixed(w + "/ping"));
  row("GET", "/health/live", "public", fixed("/health/live"), "", "health");
  row("GET", "/health/ready", "public", fixed("/health/ready"), "", "health");
  row("GET", "/metrics", "read", fixed("/metrics"), "", "health");
  return t;
}

std::string body_for(const RouteCase& rc, const std::string& tmpl) {
  static int n = 0;
  if (tmpl == "/tokens" && rc.method == "POST") {
    return json{{"name", "made-" + std::to_string(++n)}, {"role", "reader"}}.dump();
  }
  return rc.body;
}

std::vector<json> listed_routes() {
  TempDir scratch;
  auto r = spoke::testing::run(
      {spoke::testing::binary_from_env("SPOKE_SERVER_BIN"), "routes", "--json"}, scratch.path());
  REQUIRE(r.exit_code == 0);
  json all = json::parse(r.out);
  REQUIRE(all.is_array());
  REQUIRE(all.size() > 10);
  return {all.begin(), all.end()};
}

TEST_CASE("every_route_under_every_mode_for_every_caller") {
  auto routes = listed_routes();
  for (spoke::AuthMode mode :
       {spoke::AuthMode::kNone, spoke::AuthMode::kWrites, spoke::AuthMode::kAll}) {
    CAPTURE(spoke::to_string(mode));
    ModeServer s(mode);
    auto table = route_table(s);
    for (const json& route : routes) {
      std::string method = route["method"], tmpl = route["path"];
      CAPTURE(method + " " + tmpl);
      auto row = table.find({method, tmpl});
      if (row == table.end()) {
        FAIL_CHECK("route " << method << " " << tmpl
                            << " has no row in the access table of tests/test_auth.cpp: add "
                               "one saying what it needs (read, write or admin)");
        continue;
      }
      const RouteCase& rc = row->second;
      CHECK_MESSAGE(route["access"] == rc.access,
                    "the route table says " << route["access"] << ", the test " << rc.access);
      CHECK_MESSAGE(route["listener"] == rc.listener, "the route table serves it on "
                                                          << route["listener"] << ", the test on "
                                                          << rc.listener);
      for (Caller caller : kCallers) {
        CAPTURE(name_of(caller));
        std::string token = caller == Caller::kNoToken ? "" : s.tokens.at(caller);
        auto r = send(rc.listener == "health" ? *s.health : *s.client, method, rc.path(),
                      body_for(rc, tmpl), token);
        REQUIRE(r);
        if (tmpl == "/tokens" && method == "POST" && r->status == 201) {
          s.secrets.push_back(json::parse(r->body)["token"].get<std::string>());
        }
        json body = json::parse(r->body, nullptr, false);
        std::string code;
        if (body.is_object() && body.contains("error") && body["error"].is_object())
          code = body["error"]["code"].get<std::string>();
        switch (expected(mode, caller, rc)) {
          case Outcome::kAllowed:
            CHECK_MESSAGE(r->status != 401, r->body);
            CHECK_MESSAGE(r->status != 403, r->body);
            CHECK_MESSAGE(code != "module_not_found", r->body);
            CHECK_MESSAGE(r->status < 500, r->body);
            break;
          case Outcome::kUnauthenticated:
            CHECK_MESSAGE(r->status == 401, r->body);
            CHECK(code == "unauthenticated");
            CHECK(r->get_header_value("WWW-Authenticate") == "Bearer");
            break;
          case Outcome::kForbidden:
            CHECK_MESSAGE(r->status == 403, r->body);
            CHECK(code == "forbidden");
            REQUIRE(body["error"]["details"].size() == 1);
            CHECK(body["error"]["details"][0]["required_role"] ==
                  (rc.access == "admin" ? "admin" : "writer"));
            break;
          case Outcome::kHidden:
            // Exactly the answer for a module that does not exist.
            CHECK_MESSAGE(r->status == 404, r->body);
            CHECK(code == "module_not_found");
            CHECK(body["error"]["message"] == "module \"acme-api\" not found");
            break;
        }
      }
    }
    // Listings leave out what the caller may not read.
    auto listed = send(*s.client, "GET", "/modules", "", s.tokens.at(Caller::kWriterOtherModule));
    REQUIRE(listed);
    if (mode == spoke::AuthMode::kAll) {
      CHECK(json::parse(listed->body)["modules"].empty());
    } else {
      CHECK_FALSE(json::parse(listed->body)["modules"].empty());
    }
    auto missing = send(*s.client, "GET", "/modules/acme-gone", "", kAdminSecret);
    CHECK(json::parse(missing->body)["error"]["message"] == "module \"acme-gone\" not found");

    // No secret is ever written to the logs.
    std::string logs =
        s.server->log() + spoke::testing::read_file(s.dir.path() / "server" / "server.err");
    CHECK(logs.find("/tokens") != std::string::npos);  // the access log is on
    for (const auto& secret : s.secrets) {
      CHECK_MESSAGE(logs.find(secret) == std::string::npos, "a token is in the log");
      CHECK(logs.find(secret.substr(6)) == std::string::npos);
    }
  }
}

TEST_CASE("forcing_a_push_past_a_lint_policy_needs_the_admin_role") {
  ModeServer s(spoke::AuthMode::kWrites);
  auto set = send(*s.client, "PUT", "/modules/acme-api/config",
                  json{{"lint", {{"use", {"FIELD_LOWER_SNAKE_CASE"}}}}}.dump(), kAdminSecret);
  REQUIRE(set);
  REQUIRE_MESSAGE(set->status == 200, set->body);
  const char* camel =
      "syntax = \"proto3\";\npackage acme.v1;\nmessage M { string someField = 1; }\n";
  auto body = [&](const std::string& version) {
    return json{{"version", version},
                {"files", {{{"path", "acme/v1/m.proto"}, {"content", camel}}}}}
        .dump();
  };
  const std::string writer = s.tokens.at(Caller::kWriter);
  // Not forced: the findings, for anyone.
  auto refused = send(*s.client, "POST", "/modules/acme-api/versions", body("v1.1.0"), writer);
  REQUIRE(refused);
  CHECK(refused->status == 422);
  json e = json::parse(refused->body)["error"];
  CHECK(e["code"] == "lint_failed");
  CHECK(e["details"][0]["type"] == "FIELD_LOWER_SNAKE_CASE");
  // Forced by a writer: the admin role is named, nothing is stored.
  auto forbidden =
      send(*s.client, "POST", "/modules/acme-api/versions?force=true", body("v1.1.0"), writer);
  REQUIRE(forbidden);
  CHECK(forbidden->status == 403);
  e = json::parse(forbidden->body)["error"];
  CHECK(e["code"] == "forbidden");
  CHECK(e["message"].get<std::string>().find("admin role") != std::string::npos);
  bool names_admin = false;
  for (const auto& d : e["details"])
    names_admin = names_admin || d.value("required_role", "") == "admin";
  CHECK(names_admin);
  auto missing = send(*s.client, "GET", "/modules/acme-api/versions/v1.1.0", "", writer);
  CHECK(missing->status == 404);
  // Forced by an admin: published.
  auto forced = send(*s.client, "POST", "/modules/acme-api/versions?force=true", body("v1.1.0"),
                     kAdminSecret);
  REQUIRE(forced);
  CHECK_MESSAGE(forced->status == 201, forced->body);
  // A writer's force still passes a breaking-change policy when lint has nothing to say.
  const char* clean =
      "syntax = \"proto3\";\npackage acme.v1;\nmessage M { string some_field = 1; }\n";
  auto ok = send(
      *s.client, "POST", "/modules/acme-api/versions?force=true",
      json{{"version", "v1.2.0"}, {"files", {{{"path", "acme/v1/m.proto"}, {"content", clean}}}}}
          .dump(),
      writer);
  REQUIRE(ok);
  CHECK_MESSAGE(ok->status == 201, ok->body);
}

TEST_CASE("mutations_and_denials_are_in_the_audit_log") {
  ModeServer s(spoke::AuthMode::kWrites);
  auto pushed = send(*s.client, "POST", "/modules/acme-api/versions", push_body("v1.1.0").dump(),
                     s.tokens.at(Caller::kWriter), {{"X-Request-Id", "req-push-1"}});
  REQUIRE(pushed);
  REQUIRE(pushed->status == 201);
  auto denied =
      send(*s.client, "POST", "/modules/acme-api/versions", push_body("v1.2.0").dump(), "");
  REQUIRE(denied->status == 401);
  auto forbidden =
      send(*s.client, "PUT", "/modules/acme-api/config", "{}", s.tokens.at(Caller::kReader));
  REQUIRE(forbidden->status == 403);
  // Reads are not audited.
  send(*s.client, "GET", "/modules/acme-api", "", s.tokens.at(Caller::kReader));

  auto log = send(*s.client, "GET", "/audit?module=acme-api&limit=3", "", kAdminSecret);
  REQUIRE(log);
  REQUIRE_MESSAGE(log->status == 200, log->body);
  json page = json::parse(log->body);
  REQUIRE(page["entries"].size() == 3);
  json f = page["entries"][0];
  CHECK(f["actor"] == "reader");
  CHECK(f["method"] == "PUT");
  CHECK(f["route"] == "/modules/{module}/config");
  CHECK(f["status"] == 403);
  CHECK(f["error"] == "forbidden");
  json d = page["entries"][1];
  CHECK(d["actor"] == "anonymous");
  CHECK(d["status"] == 401);
  CHECK(d["error"] == "unauthenticated");
  CHECK(d["version"].is_null());
  json p = page["entries"][2];
  CHECK(p["actor"] == "writer");
  CHECK(p["client"] == "127.0.0.1");
  CHECK(p["request_id"] == "req-push-1");
  CHECK(p["route"] == "/modules/{module}/versions");
  CHECK(p["module"] == "acme-api");
  CHECK(p["status"] == 201);
  CHECK(p["error"].is_null());
  CHECK(page.contains("next_page_token"));

  auto next = send(
      *s.client, "GET",
      "/audit?module=acme-api&limit=3&page_token=" + page["next_page_token"].get<std::string>(), "",
      kAdminSecret);
  json rest = json::parse(next->body);
  REQUIRE_FALSE(rest["entries"].empty());
  CHECK(rest["entries"][0]["id"].get<int>() < p["id"].get<int>());

  auto by_actor =
      json::parse(send(*s.client, "GET", "/audit?actor=writer", "", kAdminSecret)->body);
  for (const auto& e : by_actor["entries"]) CHECK(e["actor"] == "writer");
  CHECK_FALSE(by_actor["entries"].empty());
  auto window = json::parse(send(*s.client, "GET",
                                 "/audit?since=2000-01-01T00:00:00Z&until=2000-01-02T00:00:00Z", "",
                                 kAdminSecret)
                                ->body);
  CHECK(window["entries"].empty());
  auto bad = send(*s.client, "GET", "/audit?since=soon", "", kAdminSecret);
  CHECK(bad->status == 400);
  CHECK(json::parse(bad->body)["error"]["code"] == "invalid_time");
  auto bad_page = send(*s.client, "GET", "/audit?page_token=zz", "", kAdminSecret);
  CHECK(json::parse(bad_page->body)["error"]["code"] == "invalid_page_token");
}

TEST_CASE("token_requests_are_checked") {
  ModeServer s(spoke::AuthMode::kAll);
  auto post = [&](const json& body) {
    return send(*s.client, "POST", "/tokens", body.dump(), kAdminSecret);
  };
  auto code = [](const httplib::Result& r) {
    return json::parse(r->body)["error"]["code"].get<std::string>();
  };
  CHECK(code(post({{"role", "reader"}})) == "missing_field");
  CHECK(code(post({{"name", "x"}})) == "missing_field");
  CHECK(code(post({{"name", "x"}, {"role", "root"}})) == "invalid_role");
  CHECK(code(post({{"name", "x"}, {"role", "reader"}, {"expires_in", "soon"}})) ==
        "invalid_duration");
  CHECK(code(post({{"name", "x"}, {"role", "reader"}, {"module", "A/B"}})) == "invalid_scope");
  CHECK(code(post({{"name", "x"}, {"role", "reader"}, {"colour", "red"}})) == "unknown_field");
  auto dup = post({{"name", "reader"}, {"role", "reader"}});
  CHECK(dup->status == 409);
  CHECK(code(dup) == "token_exists");
  auto ok =
      post({{"name", "ci"}, {"role", "writer"}, {"module", "acme-*"}, {"expires_in", "720h"}});
  REQUIRE(ok->status == 201);
  json t = json::parse(ok->body);
  CHECK(t["token"].get<std::string>().starts_with("spoke_"));
  CHECK(t["module"] == "acme-*");
  CHECK(t["creator"] == "admin");
  CHECK(t["expires_at"].is_string());
  // The secret is in that answer only.
  auto list = send(*s.client, "GET", "/tokens", "", kAdminSecret);
  CHECK(list->body.find(t["token"].get<std::string>()) == std::string::npos);
  json tokens = json::parse(list->body)["tokens"];
  bool found = false;
  for (const auto& each : tokens) {
    CHECK_FALSE(each.contains("token"));
    CHECK_FALSE(each.contains("hash"));
    if (each["name"] == "ci") found = true;
    if (each["name"] == "revoked") CHECK(each["revoked_at"].is_string());
  }
  CHECK(found);
  auto who =
      json::parse(send(*s.client, "GET", "/whoami", "", t["token"].get<std::string>())->body);
  CHECK(who["name"] == "ci");
  CHECK(who["role"] == "writer");
  CHECK(who["module"] == "acme-*");
  CHECK(who["auth"] == "all");
  auto gone = send(*s.client, "DELETE", "/tokens/ci", "", kAdminSecret);
  CHECK(gone->status == 204);
  auto again = send(*s.client, "DELETE", "/tokens/ci", "", kAdminSecret);
  CHECK(again->status == 404);
  CHECK(code(again) == "token_not_found");
  auto after = send(*s.client, "GET", "/whoami", "", t["token"].get<std::string>());
  CHECK(after->status == 401);
  CHECK(json::parse(after->body)["error"]["message"].get<std::string>().find("revoked") !=
        std::string::npos);
  // HEAD needs what GET needs.
  CHECK(s.client->Head("/modules/acme-api/versions/v1.0.0/files/example.proto")->status == 401);
  CHECK(s.client->Head("/modules/acme-api")->status == 401);
  // Health needs no token.
  httplib::Client health("127.0.0.1", s.server->health_port());
  CHECK(health.Get("/health/live")->status == 200);
  CHECK(health.Get("/health/ready")->status == 200);
}

TEST_CASE("spoke_server_token_create_works_on_the_storage_and_the_server_accepts_it") {
  TempDir dir;
  std::string data = (dir.path() / "data").string();
  std::string bin = spoke::testing::binary_from_env("SPOKE_SERVER_BIN");
  auto made = spoke::testing::run({bin, "token", "create", "--name", "ci", "--role", "writer",
                                   "--module", "acme-*", "--storage-dir", data},
                                  dir.path());
  REQUIRE_MESSAGE(made.exit_code == 0, made.err);
  std::string secret = made.out.substr(0, made.out.find('\n'));
  CHECK(secret.starts_with("spoke_"));
  CHECK(made.err.find("shown only now") != std::string::npos);
  auto dup = spoke::testing::run(
      {bin, "token", "create", "--name", "ci", "--role", "writer", "--storage-dir", data},
      dir.path());
  CHECK(dup.exit_code == 1);
  CHECK(dup.err.find("exists") != std::string::npos);
  auto bad_role = spoke::testing::run(
      {bin, "token", "create", "--name", "x", "--role", "root", "--storage-dir", data}, dir.path());
  CHECK(bad_role.exit_code == 2);

  Server server(dir.path() / "server", {"--auth", "all"}, data);
  httplib::Client client("127.0.0.1", server.port());
  auto who = send(client, "GET", "/whoami", "", secret);
  REQUIRE(who->status == 200);
  CHECK(json::parse(who->body)["role"] == "writer");
  CHECK(send(client, "POST", "/modules/acme-x/versions", push_body("v1.0.0").dump(), secret)
            ->status == 201);
  CHECK(
      send(client, "POST", "/modules/beta/versions", push_body("v1.0.0").dump(), secret)->status ==
      404);
  CHECK(server.log().find("\"auth\":\"all\"") != std::string::npos);

  // Revoked from the command line while the server runs: refused at once.
  auto revoked = spoke::testing::run(
      {bin, "token", "revoke", "--name", "ci", "--storage-dir", data}, dir.path());
  CHECK(revoked.exit_code == 0);
  CHECK(send(client, "GET", "/whoami", "", secret)->status == 401);
  auto listed = spoke::testing::run({bin, "token", "list", "--storage-dir", data}, dir.path());
  CHECK(json::parse(listed.out)["tokens"][0]["revoked_at"].is_string());
}

TEST_CASE("the_server_warns_about_auth_none_beyond_loopback_and_refuses_bad_settings") {
  TempDir dir;
  std::string bin = spoke::testing::binary_from_env("SPOKE_SERVER_BIN");
  {
    // Listening on every address with --auth none: warned at start.
    spoke::testing::fs::path ports = dir.path() / "ports";
    spoke::testing::Process open(
        {bin, "--host", "0.0.0.0", "--port", "0", "--health-port", "0", "--port-file",
         ports.string(), "--storage-dir", (dir.path() / "open").string()},
        dir.path() / "open.out", dir.path() / "open.err");
    for (int i = 0; i < 1000 && !spoke::testing::fs::exists(ports); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    REQUIRE(spoke::testing::fs::exists(ports));
    open.signal(SIGTERM);
    open.wait();
    CHECK(open.out().find("\"level\":\"warn\"") != std::string::npos);
    CHECK(open.out().find("--auth none") != std::string::npos);
  }
  Server local(dir.path() / "local");
  CHECK(local.log().find("\"level\":\"warn\"") == std::string::npos);
  auto bad = spoke::testing::run(
      {bin, "--auth", "some", "--storage-dir", (dir.path() / "d").string()}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err.find("none, writes or all") != std::string::npos);
  auto weak = spoke::testing::run({bin, "--storage-dir", (dir.path() / "d").string()}, dir.path(),
                                  {"SPOKE_ADMIN_TOKEN=hunter2"});
  CHECK(weak.exit_code == 2);
  CHECK(weak.err.find("SPOKE_ADMIN_TOKEN") != std::string::npos);
  CHECK(weak.err.find("hunter2") == std::string::npos);
}

// ---- the spoke CLI ---------------------------------------------------------------------------

TEST_CASE("spoke_login_token_whoami_and_audit_against_a_real_server") {
  TempDir home;
  Server server(home.path() / "server", {"--auth", "writes"}, "",
                {"SPOKE_ADMIN_TOKEN=" + kAdminSecret});
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");
  std::string url = server.url();
  // Every run with HOME in the temporary directory and no token from the environment.
  auto spoke_run = [&](std::vector<std::string> args, const std::string& env_token = "") {
    std::vector<std::string> argv = {
        "/usr/bin/env",       "HOME=" + home.str(),       "XDG_CONFIG_HOME=",
        "SPOKE_CREDENTIALS=", "SPOKE_TOKEN=" + env_token, cli};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--registry");
    argv.push_back(url);
    return spoke::testing::run(argv, home.path());
  };
  auto login_with_stdin = [&](const std::string& token) {
    return spoke::testing::run(
        {"/usr/bin/env", "HOME=" + home.str(),
         "XDG_CONFIG_HOME=", "SPOKE_CREDENTIALS=", "SPOKE_TOKEN=", "/bin/bash", "-c",
         "printf '%s\\n' \"$0\" | \"$1\" login --registry \"$2\"", token, cli, url},
        home.path());
  };

  auto anonymous = spoke_run({"whoami"});
  REQUIRE_MESSAGE(anonymous.exit_code == 0, anonymous.err);
  CHECK(anonymous.out == "anonymous\n");

  auto refused = spoke_run({"token", "create", "--name", "ci", "--role", "writer"});
  CHECK(refused.exit_code == 1);
  CHECK(refused.err.find("access token") != std::string::npos);

  auto created = spoke_run({"token", "create", "--name", "ci", "--role", "writer", "--expires-in",
                            "720h", "--token", kAdminSecret});
  REQUIRE_MESSAGE(created.exit_code == 0, created.err);
  std::string secret = created.out.substr(0, created.out.find('\n'));
  REQUIRE(secret.starts_with("spoke_"));
  CHECK(created.err.find("shown only now") != std::string::npos);

  // A bad token is not stored.
  auto bad = login_with_stdin("spoke_" + std::string(43, 'z'));
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("not known") != std::string::npos);
  spoke::testing::fs::path credentials = home.path() / ".config" / "spoke" / "credentials";
  CHECK_FALSE(spoke::testing::fs::exists(credentials));

  auto login = login_with_stdin(secret);
  REQUIRE_MESSAGE(login.exit_code == 0, login.err);
  CHECK(login.out == "logged in to " + url + " as ci (writer, every module)\n");
  REQUIRE(spoke::testing::fs::exists(credentials));
  struct stat st {};
  REQUIRE(::stat(credentials.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(json::parse(spoke::testing::read_file(credentials))[url] == secret);

  // The stored token goes with every registry command.
  CHECK(spoke_run({"whoami"}).out == "ci (writer, every module)\n");
  spoke::testing::write_file(home.path() / "proto" / "example.proto", kExampleProto);
  auto push = spoke_run({"push", "--module", "acme-api", "--version", "v1.0.0", "--dir",
                         (home.path() / "proto").string()});
  CHECK_MESSAGE(push.exit_code == 0, push.err);
  // --token and SPOKE_TOKEN win over it.
  CHECK(spoke_run({"whoami", "--token", kAdminSecret}).out == "admin (admin, every module)\n");
  CHECK(spoke_run({"whoami"}, kAdminSecret).out == "admin (admin, every module)\n");
  auto who_json = spoke_run({"whoami", "--json"});
  CHECK(json::parse(who_json.out)["role"] == "writer");

  // A writer may not manage tokens.
  auto forbidden = spoke_run({"token", "list"});
  CHECK(forbidden.exit_code == 1);
  CHECK(forbidden.err.find("admin role") != std::string::npos);
  auto listed = spoke_run({"token", "list", "--token", kAdminSecret});
  REQUIRE_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(listed.out.find("ci writer * live") != std::string::npos);
  auto listed_json = spoke_run({"token", "list", "--json", "--token", kAdminSecret});
  CHECK(json::parse(listed_json.out)["tokens"].size() == 2);

  auto audit = spoke_run(
      {"audit", "--actor", "ci", "--module", "acme-api", "--json", "--token", kAdminSecret});
  REQUIRE_MESSAGE(audit.exit_code == 0, audit.err);
  json entries = json::parse(audit.out)["entries"];
  REQUIRE_FALSE(entries.empty());
  CHECK(entries[0]["route"] == "/modules/{module}/versions");
  CHECK(entries[0]["module"] == "acme-api");
  CHECK(entries[0]["status"] == 201);
  auto audit_text =
      spoke_run({"audit", "--module", "acme-api", "--limit", "1", "--token", kAdminSecret});
  REQUIRE_MESSAGE(audit_text.exit_code == 0, audit_text.err);
  CHECK(audit_text.out.find("ci POST /modules/{module}/versions 201 on acme-api") !=
        std::string::npos);
  // Every filter reaches the server: a window in the past is empty, the last hour is not, and
  // pages follow each other.
  auto window = spoke_run({"audit", "--since", "2000-01-01T00:00:00Z", "--until",
                           "2000-01-02T00:00:00Z", "--json", "--token", kAdminSecret});
  REQUIRE_MESSAGE(window.exit_code == 0, window.err);
  CHECK(json::parse(window.out)["entries"].empty());
  auto recent = spoke_run({"audit", "--since", "1h", "--json", "--token", kAdminSecret});
  REQUIRE_MESSAGE(recent.exit_code == 0, recent.err);
  CHECK(json::parse(recent.out)["entries"].size() >= 2);
  auto page1 = spoke_run({"audit", "--limit", "1", "--json", "--token", kAdminSecret});
  REQUIRE_MESSAGE(page1.exit_code == 0, page1.err);
  json p1 = json::parse(page1.out);
  REQUIRE(p1["entries"].size() == 1);
  REQUIRE(p1.contains("next_page_token"));
  auto page2 =
      spoke_run({"audit", "--limit", "1", "--page-token", p1["next_page_token"].get<std::string>(),
                 "--json", "--token", kAdminSecret});
  REQUIRE_MESSAGE(page2.exit_code == 0, page2.err);
  json p2 = json::parse(page2.out);
  REQUIRE(p2["entries"].size() == 1);
  CHECK(p2["entries"][0]["id"].get<std::int64_t>() < p1["entries"][0]["id"].get<std::int64_t>());
  auto audit_bad = spoke_run({"audit", "--since", "soon", "--token", kAdminSecret});
  CHECK(audit_bad.exit_code == 1);
  CHECK(audit_bad.err.find("soon") != std::string::npos);

  auto revoked = spoke_run({"token", "revoke", "--name", "ci", "--token", kAdminSecret});
  CHECK_MESSAGE(revoked.exit_code == 0, revoked.err);
  auto after = spoke_run({"whoami"});
  CHECK(after.exit_code == 1);
  CHECK(after.err.find("revoked") != std::string::npos);

  auto logout = spoke_run({"logout"});
  CHECK(logout.out == "logged out of " + url + "\n");
  CHECK(spoke_run({"whoami"}).out == "anonymous\n");
  CHECK(spoke_run({"logout"}).out == "no token was stored for " + url + "\n");
  auto anonymous_push = spoke_run({"push", "--module", "acme-api", "--version", "v1.1.0", "--dir",
                                   (home.path() / "proto").string()});
  CHECK(anonymous_push.exit_code == 1);
  CHECK(anonymous_push.err.find("access token") != std::string::npos);
}

}  // namespace
