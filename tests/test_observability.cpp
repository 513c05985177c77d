// What an operator sees of a real spoke-server: GET /metrics checked by Prometheus' promtool and
// moving with traffic, request ids and traces in JSON log lines, log levels, and the alert rules
// of docs/alerts.yml checked and unit-tested by promtool.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <httplib.h>

#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>

#include "support/test_support.h"

#ifdef SPOKE_TEST_POSTGRES
#include "support/postgres_server.h"
#endif

using json = nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::Server;
using spoke::testing::TempDir;

namespace {

json push_body(const std::string& version, const std::string& content = kExampleProto) {
  return {{"version", version}, {"files", {{{"path", "example.proto"}, {"content", content}}}}};
}

// Every sample of an exposition by its series (`name{labels}` as exposed).
using Samples = std::map<std::string, double>;

Samples parse_samples(const std::string& text) {
  Samples out;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (line.empty() || line[0] == '#') continue;
    auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

std::string scrape_text(const Server& server, const std::string& token = "") {
  httplib::Client health("127.0.0.1", server.health_port());
  httplib::Headers headers;
  if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
  auto r = health.Get("/metrics", headers);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  CHECK(r->get_header_value("Content-Type") == "text/plain; version=0.0.4; charset=utf-8");
  return r->body;
}

Samples scrape(const Server& server) { return parse_samples(scrape_text(server)); }

double at(const Samples& s, const std::string& series) {
  auto it = s.find(series);
  return it == s.end() ? 0 : it->second;
}

// promtool's verdict on a file it checks: exit code and what it printed.
spoke::testing::ProcessResult promtool(const std::vector<std::string>& args,
                                       const spoke::testing::fs::path& scratch) {
  std::vector<std::string> argv = {"/usr/bin/env", "promtool"};
  argv.insert(argv.end(), args.begin(), args.end());
  return spoke::testing::run(argv, scratch);
}

// Fails the test when `promtool check metrics` (reading the exposition from stdin) finds
// anything to say about `exposition`.
void check_with_promtool(const std::string& exposition, const spoke::testing::fs::path& scratch) {
  spoke::testing::write_file(scratch / "metrics.txt", exposition);
  auto verdict = spoke::testing::run(
      {"/bin/sh", "-c", "promtool check metrics < \"$0\"", (scratch / "metrics.txt").string()},
      scratch);
  CHECK_MESSAGE(verdict.exit_code == 0, verdict.out << verdict.err);
}

std::string source_dir() {
  return spoke::testing::fs::path(__FILE__).parent_path().parent_path().string();
}

// The lines of a server log, each parsed (a line that is not one JSON object fails the test).
std::vector<json> log_lines(const std::string& log) {
  std::vector<json> out;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    json j = json::parse(line, nullptr, false);
    REQUIRE_MESSAGE((!j.is_discarded() && j.is_object()), "not one JSON object: " << line);
    CHECK(j.contains("ts"));
    CHECK(j.contains("level"));
    CHECK(j.contains("msg"));
    out.push_back(std::move(j));
  }
  return out;
}

}  // namespace

TEST_CASE("metrics_pass_promtool_and_every_family_moves_with_traffic") {
  TempDir dir;
  Server server(dir.path() / "s", {"--compile-workers", "1"});
  std::string first = scrape_text(server);
  check_with_promtool(first, dir.path());
  Samples before = parse_samples(first);
  CHECK(
      std::regex_search(first, std::regex("spoke_build_info\\{version=\"[0-9]+\\.[0-9]+\\.[0-9]+\","
                                          "protobuf_version=\"[0-9]+\\.[0-9]+\\.[0-9]+\"\\} 1\n")));

  httplib::Client client("127.0.0.1", server.port());
  auto post = [&](const std::string& path, const json& body) {
    auto r = client.Post(path, body.dump(), "application/json");
    REQUIRE(r);
    return r->status;
  };
  const std::string v1 = "/modules/acme/versions/v1.0.0";
  CHECK(post("/modules/acme/versions", push_body("v1.0.0")) == 201);  // created
  CHECK(post("/modules/acme/versions", push_body("v1.0.0")) == 200);  // identical
  CHECK(post("/modules/acme/versions", push_body("v1.0.1", "syntax = \"proto3\";\nmessage {\n")) ==
        422);  // invalid
  CHECK(post("/modules/acme/versions",
             push_body("v1.0.0", "syntax = \"proto3\";\npackage example;\nmessage Other {}\n")) ==
        409);  // conflict
  CHECK(post("/modules/acme/versions",
             push_body("v1.1.0", "syntax = \"proto3\";\npackage example;\nmessage Hello {}\n")) ==
        409);  // breaking (the field is gone)
  json files = {{"files", {{{"path", "a.proto"}, {"content", kExampleProto}}}}};
  CHECK(post("/validate", files) == 200);  // valid, then from the validate cache
  CHECK(post("/validate", files) == 200);
  CHECK(post("/validate", {{"files", {{{"path", "a.proto"}, {"content", "message {"}}}}}) == 200);
  for (int i = 0; i < 2; ++i) {
    CHECK(client.Get(v1 + "/files/example.proto")->status == 200);  // file cache: miss, hit
    CHECK(client.Get(v1 + "/descriptor")->status == 200);           // schema cache: miss, hit
  }
  CHECK(client.Get("/no/such/route")->status == 404);
  // A compile job runs to the end; asking again is answered from the artifact.
  auto job = client.Post(v1 + "/compile/cpp", "{}", "application/json");
  REQUIRE(job);
  REQUIRE_MESSAGE(job->status == 202, job->body);
  std::string id = json::parse(job->body)["job_id"];
  for (int i = 0; i < 600; ++i) {
    auto j = json::parse(client.Get("/jobs/" + id)->body);
    if (j["status"] == "succeeded" || j["status"] == "failed") break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto again = client.Post(v1 + "/compile/cpp", "{}", "application/json");
  REQUIRE(again);
  CHECK_MESSAGE(again->status == 200, again->body);

  std::string text = scrape_text(server);
  check_with_promtool(text, dir.path());
  Samples after = parse_samples(text);
  auto moved = [&](const std::string& series, double by) {
    CAPTURE(series);
    CHECK(at(after, series) - at(before, series) == doctest::Approx(by));
  };
  auto grew = [&](const std::string& series) {
    CAPTURE(series);
    CHECK(at(after, series) > at(before, series));
  };
  const std::string push = "route=\"/modules/{module}/versions\",method=\"POST\"";
  moved("spoke_http_requests_total{" + push + ",status=\"201\"}", 1);
  moved("spoke_http_requests_total{" + push + ",status=\"409\"}", 2);
  moved("spoke_http_requests_total{route=\"(unmatched)\",method=\"GET\",status=\"404\"}", 1);
  moved("spoke_http_request_duration_seconds_count{" + push + "}", 5);
  grew("spoke_http_request_duration_seconds_sum{" + push + "}");
  grew("spoke_http_request_bytes_total{" + push + "}");
  grew("spoke_http_response_bytes_total{" + push + "}");
  for (const char* outcome : {"created", "identical", "invalid", "conflict", "breaking"}) {
    moved(std::string("spoke_pushes_total{outcome=\"") + outcome + "\"}", 1);
  }
  moved("spoke_validations_total{result=\"valid\"}", 2);
  moved("spoke_validations_total{result=\"invalid\"}", 1);
  for (const char* cache : {"file", "schema", "validate", "artifact"}) {
    CAPTURE(cache);
    grew(std::string("spoke_cache_hits_total{cache=\"") + cache + "\"}");
    grew(std::string("spoke_cache_misses_total{cache=\"") + cache + "\"}");
  }
  moved("spoke_compile_jobs_total{language=\"cpp\",state=\"queued\"}", 1);
  moved("spoke_compile_jobs_total{language=\"cpp\",state=\"running\"}", 1);
  moved("spoke_compile_jobs_total{language=\"cpp\",state=\"succeeded\"}", 1);
  moved("spoke_compile_jobs_total{language=\"cpp\",state=\"cached\"}", 1);
  moved("spoke_compile_job_duration_seconds_count{language=\"cpp\"}", 1);
  CHECK(after.count("spoke_compile_queue_length") == 1);
  CHECK(at(after, "spoke_compile_queue_length") == 0);
  CHECK(after.count("spoke_compile_jobs_running") == 1);
  grew(
      "spoke_storage_operation_duration_seconds_count{store=\"metadata\",operation=\"insert_"
      "version\"}");
  grew("spoke_storage_operation_duration_seconds_count{store=\"blob\",operation=\"put_many\"}");
  grew(
      "spoke_storage_operation_duration_seconds_count{store=\"metadata\",operation=\"get_"
      "version\"}");

  // A keep-alive connection is open while it lasts.
  httplib::Client keep("127.0.0.1", server.port());
  keep.set_keep_alive(true);
  REQUIRE(keep.Get("/modules"));
  CHECK(at(scrape(server), "spoke_http_open_connections") >= 1);
  keep.stop();
  double open = 1;
  for (int i = 0; i < 400 && open > 0; ++i) {
    open = at(scrape(server), "spoke_http_open_connections");
    if (open > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(open == 0);
}

TEST_CASE("metrics_need_a_token_under_auth_all_and_stay_open_otherwise") {
  TempDir dir;
  const std::string admin = "spoke_" + std::string(43, 'm');
  Server all(dir.path() / "all", {"--auth", "all"}, "", {"SPOKE_ADMIN_TOKEN=" + admin});
  httplib::Client health("127.0.0.1", all.health_port());
  auto anonymous = health.Get("/metrics");
  REQUIRE(anonymous);
  CHECK(anonymous->status == 401);
  CHECK(anonymous->get_header_value("WWW-Authenticate") == "Bearer");
  CHECK(health.Get("/health/live")->status == 200);
  CHECK(scrape_text(all, admin).find("# TYPE spoke_http_requests_total counter") !=
        std::string::npos);
  Server writes(dir.path() / "writes", {"--auth", "writes"});
  CHECK(scrape_text(writes).find("spoke_build_info") != std::string::npos);
}

#ifdef SPOKE_TEST_POSTGRES
TEST_CASE("database_connections_are_exposed_for_postgres") {
  TempDir dir;
  Server server(dir.path() / "s",
                {"--storage-type", "postgres", "--postgres-url",
                 spoke::testing::postgres_url_for(dir.str()), "--postgres-pool-size", "5"},
                "", {}, false);
  httplib::Client client("127.0.0.1", server.port());
  REQUIRE(client.Post("/modules/acme/versions", push_body("v1.0.0").dump(), "application/json")
              ->status == 201);
  Samples s = scrape(server);
  double max = 0, open = 0;
  for (const auto& [series, value] : s) {
    if (series.starts_with("spoke_database_connections_max{")) max += value;
    if (series.starts_with("spoke_database_connections{")) open += value;
  }
  CHECK(max == 5);
  CHECK(open >= 1);
  CHECK(open <= 5);
}
#endif

TEST_CASE("request_ids_and_trace_ids_are_in_every_log_line_of_their_request") {
  TempDir dir;
  Server server(dir.path() / "s",
                {"--log-level", "debug", "--rate-limit", "0.001", "--rate-burst", "1"});
  httplib::Client client("127.0.0.1", server.port());
  const std::string trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  auto given = client.Get("/modules", {{"X-Request-Id", "build-42"},
                                       {"traceparent", "00-" + trace + "-00f067aa0ba902b7-01"}});
  REQUIRE(given);
  CHECK(given->status == 200);
  CHECK(given->get_header_value("X-Request-Id") == "build-42");
  // Over budget: the refusal logs a line of its own at debug, then the access line.
  auto refused = client.Get("/modules", {{"X-Request-Id", "build-43"},
                                         {"traceparent", "00-" + trace + "-00f067aa0ba902b8-01"}});
  REQUIRE(refused);
  CHECK(refused->status == 429);
  CHECK(refused->get_header_value("X-Request-Id") == "build-43");
  auto generated = client.Get("/modules", {{"traceparent", "00-not-a-trace"}});
  REQUIRE(generated);
  std::string id = generated->get_header_value("X-Request-Id");
  CHECK(std::regex_match(id, std::regex("[0-9a-f]{32}")));
  // Each answer has an id, even one for no route.
  CHECK(client.Get("/nowhere")->get_header_value("X-Request-Id").size() == 32);
  CHECK(server.stop() == 0);

  std::map<std::string, std::vector<json>> by_request;
  for (const json& line : log_lines(server.log())) {
    if (line.contains("request_id")) by_request[line["request_id"]].push_back(line);
  }
  REQUIRE(by_request["build-42"].size() == 1);
  CHECK(by_request["build-42"][0]["msg"] == "request");
  CHECK(by_request["build-42"][0]["trace_id"] == trace);
  CHECK(by_request["build-42"][0]["parent_span_id"] == "00f067aa0ba902b7");
  CHECK(by_request["build-42"][0]["route"] == "/modules");
  REQUIRE(by_request["build-43"].size() == 2);
  CHECK(by_request["build-43"][0]["msg"] == "rate limited");
  CHECK(by_request["build-43"][0]["level"] == "debug");
  for (const json& line : by_request["build-43"]) CHECK(line["trace_id"] == trace);
  REQUIRE(by_request[id].size() == 2);  // rate limited too (burst 1)
  for (const json& line : by_request[id]) CHECK_FALSE(line.contains("trace_id"));
}

TEST_CASE("log_levels_filter_lines_and_bad_ones_are_refused") {
  TempDir dir;
  {
    Server quiet(dir.path() / "quiet", {"--log-level", "warn"});
    httplib::Client client("127.0.0.1", quiet.port());
    CHECK(client.Get("/modules")->status == 200);
    CHECK(quiet.stop() == 0);
    CHECK(quiet.log().find("\"msg\":\"request\"") == std::string::npos);
    CHECK(quiet.log().find("\"msg\":\"listening\"") == std::string::npos);
  }
  {
    Server from_env(dir.path() / "env", {}, "", {"SPOKE_LOG_LEVEL=error"});
    httplib::Client client("127.0.0.1", from_env.port());
    CHECK(client.Get("/modules")->status == 200);
    CHECK(from_env.stop() == 0);
    CHECK(from_env.log().empty());
  }
  {
    Server info(dir.path() / "info");
    httplib::Client client("127.0.0.1", info.port());
    CHECK(client.Get("/modules")->status == 200);
    CHECK(info.stop() == 0);
    auto lines = log_lines(info.log());
    REQUIRE(lines.size() >= 4);  // listening, request, shutting down, stopped
    CHECK(lines.front()["msg"] == "listening");
    CHECK(lines.front()["level"] == "info");
  }
  auto bad = spoke::testing::run_server({"--log-level", "verbose"}, dir.path());
  CHECK(bad.exit_code == 2);
  CHECK(bad.err ==
        "spoke-server: --log-level \"verbose\" is not one of debug, info, warn, error\n");
}

TEST_CASE("the_alert_rules_pass_promtool_and_fire_when_they_should") {
  TempDir dir;
  std::string rules = source_dir() + "/docs/alerts.yml";
  auto checked = promtool({"check", "rules", rules}, dir.path());
  CHECK_MESSAGE(checked.exit_code == 0, checked.out << checked.err);
  auto tested = promtool({"test", "rules", source_dir() + "/tests/alerts_test.yml"}, dir.path());
  CHECK_MESSAGE(tested.exit_code == 0, tested.out << tested.err);
  // Every metric a rule reads is one the server exposes.
  Server server(dir.path() / "s");
  std::string exposed = scrape_text(server);
  std::string text = spoke::testing::read_file(rules);
  std::regex metric("spoke_[a-z_]+");
  int seen = 0;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), metric);
       it != std::sregex_iterator(); ++it) {
    std::string name = it->str();
    for (const char* suffix : {"_bucket", "_count", "_sum"}) {
      if (name.ends_with(suffix) && exposed.find("# TYPE " + name + " ") == std::string::npos) {
        name = name.substr(0, name.size() - std::string(suffix).size());
      }
    }
    CAPTURE(name);
    CHECK(exposed.find("# TYPE " + name + " ") != std::string::npos);
    ++seen;
  }
  CHECK(seen >= 4);
}
