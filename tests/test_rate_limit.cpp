// Rate limits on real servers: token buckets per token and per client address, the separate
// budget of pushes and compile requests, 429 rate_limited with Retry-After, X-Forwarded-For from
// trusted proxies; buckets shared by two instances through a real redis-server, the fallback
// while it is killed and the return to shared buckets when it is back; bad settings refused.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "support/redis_server.h"
#include "support/test_support.h"

using json = nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::Server;
using spoke::testing::TempDir;

namespace {

// One token every 1000 s: a bucket never refills during a test.
const std::string kSlow = "0.001";

json push_body(const std::string& version) {
  return {{"version", version},
          {"files", {{{"path", "example.proto"}, {"content", kExampleProto}}}}};
}

int get(httplib::Client& client, const std::string& path, httplib::Headers headers = {}) {
  auto r = client.Get(path, headers);
  REQUIRE(r);
  return r->status;
}

httplib::Headers from(const std::string& address) { return {{"X-Forwarded-For", address}}; }

double metric(const Server& server, const std::string& series, const std::string& token = "") {
  httplib::Client health("127.0.0.1", server.health_port());
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto r = health.Get("/metrics", headers);
  REQUIRE(r);
  std::istringstream lines(r->body);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with(series + " ")) return std::stod(line.substr(series.size() + 1));
  }
  return 0;
}

// Checks a refusal: 429, rate_limited, Retry-After in whole seconds.
void check_limited(const httplib::Result& r) {
  REQUIRE(r);
  CHECK(r->status == 429);
  json body = json::parse(r->body);
  CHECK(body["error"]["code"] == "rate_limited");
  CHECK(body["error"]["message"].get<std::string>().find("rate limit exceeded") !=
        std::string::npos);
  int retry = std::stoi(r->get_header_value("Retry-After"));
  CHECK(retry >= 1);
  CHECK(retry <= 1000);
}

}  // namespace

TEST_CASE("each_caller_has_a_bucket_and_an_unauthenticated_flood_is_limited_by_address") {
  TempDir dir;
  const std::string admin = "spoke_" + std::string(43, 'r');
  Server server(dir.path() / "s", {"--auth", "all", "--rate-limit", kSlow, "--rate-burst", "3"}, "",
                {"SPOKE_ADMIN_TOKEN=" + admin});
  httplib::Client client("127.0.0.1", server.port());
  httplib::Headers bad = {{"Authorization", "Bearer spoke_" + std::string(43, 'x')}};
  // Anonymous and with unknown tokens: one bucket, this address's. Refused by auth first...
  for (int i = 0; i < 3; ++i) CHECK(get(client, "/modules", bad) == 401);
  // ...then by the rate limit, whatever the token says.
  check_limited(client.Get("/modules", bad));
  check_limited(client.Get("/modules"));
  check_limited(client.Get("/no/such/route"));
  // A token has a bucket of its own.
  httplib::Headers as_admin = {{"Authorization", "Bearer " + admin}};
  for (int i = 0; i < 3; ++i) CHECK(get(client, "/modules", as_admin) == 200);
  auto over = client.Get("/modules", as_admin);
  check_limited(over);
  CHECK(json::parse(over->body)["error"]["message"].get<std::string>().find("token \"admin\"") !=
        std::string::npos);
  // The health port is never limited.
  httplib::Client health("127.0.0.1", server.health_port());
  CHECK(get(health, "/health/live") == 200);
  // (the health port needs a token under --auth all too)
  CHECK(metric(server, "spoke_rate_limited_total{budget=\"general\"}", admin) == 4);
  CHECK(metric(server,
               "spoke_http_requests_total{route=\"/modules\",method=\"GET\",status=\"429\"}",
               admin) == 3);
  // The admin's bucket is empty now: even its /audit waits.
  check_limited(client.Get("/audit?limit=100", {{"Authorization", "Bearer " + admin}}));
}

TEST_CASE("pushes_and_compile_requests_have_their_own_lower_budget") {
  TempDir dir;
  Server server(dir.path() / "s", {"--rate-limit", kSlow, "--rate-burst", "20", "--push-rate-limit",
                                   kSlow, "--push-rate-burst", "2"});
  httplib::Client client("127.0.0.1", server.port());
  auto push = [&](const std::string& version) {
    return client.Post("/modules/acme/versions", push_body(version).dump(), "application/json");
  };
  CHECK(push("v1.0.0")->status == 201);
  auto compile = client.Post("/modules/acme/versions/v1.0.0/compile/cpp", "{}", "application/json");
  REQUIRE(compile);
  CHECK(compile->status < 400);
  auto third = push("v1.0.1");
  check_limited(third);
  CHECK(json::parse(third->body)["error"]["message"].get<std::string>().find(
            "pushes and compile requests") != std::string::npos);
  CHECK(third->get_header_value("Connection") == "close");  // its body was not read
  check_limited(
      client.Post("/modules/acme/versions/v1.0.0/compile/python", "{}", "application/json"));
  // Reads still have their budget.
  CHECK(get(client, "/modules/acme") == 200);
  CHECK(metric(server, "spoke_rate_limited_total{budget=\"push\"}") == 2);
  CHECK(metric(server, "spoke_rate_limited_total{budget=\"general\"}") == 0);
}

TEST_CASE("x_forwarded_for_names_the_client_only_behind_a_trusted_proxy") {
  TempDir dir;
  Server trusting(dir.path() / "t", {"--rate-limit", kSlow, "--rate-burst", "1",
                                     "--trusted-proxies", "10.0.0.0/8, 127.0.0.1"});
  httplib::Client client("127.0.0.1", trusting.port());
  CHECK(get(client, "/modules", from("203.0.113.7")) == 200);
  CHECK(get(client, "/modules", from("203.0.113.8")) == 200);
  check_limited(client.Get("/modules", from("203.0.113.7")));
  // The rightmost address that is not a trusted proxy is the client.
  check_limited(client.Get("/modules", from("203.0.113.8, 10.1.2.3")));
  CHECK(get(client, "/modules", from("198.51.100.1, 203.0.113.9, 10.1.2.3")) == 200);
  // Not an address: the proxy itself is the client.
  CHECK(get(client, "/modules", from("unknown")) == 200);
  check_limited(client.Get("/modules"));
  // The access log names the client.
  CHECK(trusting.log().find("\"remote\":\"203.0.113.7\"") != std::string::npos);

  Server plain(dir.path() / "p", {"--rate-limit", kSlow, "--rate-burst", "1"});
  httplib::Client direct("127.0.0.1", plain.port());
  CHECK(get(direct, "/modules", from("203.0.113.7")) == 200);
  // Without trusted proxies anyone could claim any address: the header is ignored.
  check_limited(direct.Get("/modules", from("203.0.113.8")));
}

TEST_CASE("bad_rate_limit_settings_are_refused_at_start") {
  TempDir dir;
  auto start = [&](std::vector<std::string> args) {
    return spoke::testing::run_server(std::move(args), dir.path());
  };
  auto negative = start({"--rate-limit", "-1"});
  CHECK(negative.exit_code == 2);
  CHECK(negative.err.find("--rate-limit") != std::string::npos);
  auto lonely = start({"--redis-url", "redis://127.0.0.1:1"});
  CHECK(lonely.exit_code == 2);
  CHECK(lonely.err ==
        "spoke-server: --redis-url shares rate limits: set --rate-limit (or --push-rate-limit) "
        "too\n");
  auto tls = start({"--rate-limit", "5", "--redis-url", "rediss://:secret@cache:6380"});
  CHECK(tls.exit_code == 2);
  CHECK(tls.err.find("rediss://") != std::string::npos);
  CHECK(tls.err.find("secret") == std::string::npos);
  auto port = start({"--rate-limit", "5", "--redis-url", "redis://:hunter2@cache:port"});
  CHECK(port.exit_code == 2);
  CHECK(port.err ==
        "spoke-server: --redis-url: Redis URL \"redis://...@cache:port\": bad port; use "
        "redis://[[user]:password@]host[:port][/db]\n");
  auto proxy = start({"--trusted-proxies", "10.0.0.0/40"});
  CHECK(proxy.exit_code == 2);
  CHECK(proxy.err.find("10.0.0.0/40") != std::string::npos);
}

#ifdef SPOKE_TEST_REDIS
TEST_CASE("two_instances_share_buckets_through_redis_and_fall_back_while_it_is_gone") {
  TempDir dir;
  spoke::testing::RedisServer redis(dir.path() / "redis");
  std::vector<std::string> args = {"--rate-limit", kSlow,       "--rate-burst",      "4",
                                   "--redis-url",  redis.url(), "--trusted-proxies", "127.0.0.1"};
  Server a(dir.path() / "a", args);
  Server b(dir.path() / "b", args);
  httplib::Client ca("127.0.0.1", a.port());
  httplib::Client cb("127.0.0.1", b.port());
  CHECK(metric(a, "spoke_rate_limit_redis_up") == 1);
  CHECK(metric(b, "spoke_rate_limit_redis_up") == 1);

  // One budget of 4 for a client, whichever instance it reaches.
  CHECK(get(ca, "/modules", from("203.0.113.1")) == 200);
  CHECK(get(cb, "/modules", from("203.0.113.1")) == 200);
  CHECK(get(ca, "/modules", from("203.0.113.1")) == 200);
  CHECK(get(cb, "/modules", from("203.0.113.1")) == 200);
  check_limited(ca.Get("/modules", from("203.0.113.1")));
  check_limited(cb.Get("/modules", from("203.0.113.1")));
  CHECK(get(cb, "/modules", from("203.0.113.2")) == 200);  // another client

  // Redis gone: nothing is refused for that; each instance limits on its own.
  redis.kill();
  CHECK(get(ca, "/modules", from("203.0.113.3")) == 200);
  CHECK(metric(a, "spoke_rate_limit_redis_up") == 0);
  CHECK(metric(a, "spoke_rate_limit_redis_errors_total") >= 1);
  CHECK(metric(a, "spoke_rate_limit_fallback_decisions_total") >= 1);
  CHECK(a.log().find("Redis does not answer") != std::string::npos);
  for (int i = 0; i < 4; ++i) CHECK(get(ca, "/modules", from("203.0.113.4")) == 200);
  check_limited(ca.Get("/modules", from("203.0.113.4")));
  // ... and B has its own bucket for the same client now.
  CHECK(get(cb, "/modules", from("203.0.113.4")) == 200);

  // Redis back: once an instance tries again (at most once a second), buckets are shared again.
  redis.start();
  auto shared_again = [&](Server& server, httplib::Client& client) {
    for (int i = 0; i < 400; ++i) {
      CHECK(get(client, "/modules", from("198.51.100." + std::to_string(i % 250))) == 200);
      if (metric(server, "spoke_rate_limit_redis_up") == 1) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    return false;
  };
  REQUIRE(shared_again(a, ca));
  REQUIRE(shared_again(b, cb));
  CHECK(a.log().find("rate limits: shared through Redis") != std::string::npos);
  for (int i = 0; i < 2; ++i) {
    CHECK(get(ca, "/modules", from("203.0.113.5")) == 200);
    CHECK(get(cb, "/modules", from("203.0.113.5")) == 200);
  }
  check_limited(ca.Get("/modules", from("203.0.113.5")));
  check_limited(cb.Get("/modules", from("203.0.113.5")));
}
#else
TEST_CASE("redis_is_not_built_in") {
  MESSAGE(
      "rate limits through Redis are not built into this spoke (-Dredis=disabled or no "
      "libhiredis-dev): the shared-bucket cases do not run");
}
#endif
