// The REST API against a real spoke-server on ephemeral ports.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <zlib.h>
#include "support/doctest.h"

#include <nlohmann/json.hpp>
#include <thread>

#include "support/postgres_server.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::Server;
using spoke::testing::TempDir;

namespace {

// SPOKE_TEST_STORAGE=postgres (the http_api_postgres test) runs every server of this suite on
// PostgreSQL: one database per data directory, on a cluster started for the suite.
bool on_postgres() {
  const char* storage = std::getenv("SPOKE_TEST_STORAGE");
  return storage != nullptr && std::string(storage) == "postgres";
}

const bool kStorageChosen = [] {
  if (on_postgres()) {
    spoke::testing::server_storage_args() = [](const std::string& data_dir) {
      return std::vector<std::string>{"--storage-type", "postgres", "--postgres-url",
                                      spoke::testing::postgres_url_for(data_dir)};
    };
  }
  return true;
}();

std::string gzip(const std::string& data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_COMPRESSION, Z_DEFLATED, 31, 8, Z_DEFAULT_STRATEGY);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  std::string out(deflateBound(&zs, data.size()), '\0');
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

json push_body(const std::string& version, const std::string& content = kExampleProto) {
  return {{"version", version}, {"files", {{{"path", "example.proto"}, {"content", content}}}}};
}

json body_of(const httplib::Result& r) {
  REQUIRE(r);
  return json::parse(r->body);
}

// Asserts an error response: status, JSON error body with `code`.
void check_error(const httplib::Result& r, int status, const std::string& code) {
  REQUIRE(r);
  CHECK_MESSAGE(r->status == status, r->body);
  CHECK(r->get_header_value("Content-Type") == "application/json");
  json j = json::parse(r->body, nullptr, false);
  REQUIRE_MESSAGE(j.is_object(), r->body);
  REQUIRE(j.contains("error"));
  CHECK_MESSAGE(j["error"]["code"] == code, r->body);
  CHECK(j["error"]["message"].is_string());
  CHECK_FALSE(j["error"]["message"].get<std::string>().empty());
  CHECK(j["error"]["details"].is_array());
}

struct Fixture {
  TempDir dir;
  Server server{dir.path() / "server"};
  httplib::Client client{"127.0.0.1", server.port()};
  httplib::Client health{"127.0.0.1", server.health_port()};

  httplib::Result post(const std::string& path, const json& body) {
    return client.Post(path, body.dump(), "application/json");
  }
};

}  // namespace

TEST_CASE_FIXTURE(Fixture, "modules_are_created_once_and_listed") {
  auto r = post("/modules", {{"name", "payments"}, {"description", "Payment APIs"}});
  REQUIRE(r);
  CHECK(r->status == 201);
  json m = json::parse(r->body);
  CHECK(m["name"] == "payments");
  CHECK(m["description"] == "Payment APIs");
  CHECK(m["created_at"].get<std::string>().ends_with("Z"));

  auto again = post("/modules", {{"name", "payments"}, {"description", "ignored"}});
  CHECK(again->status == 200);
  CHECK(json::parse(again->body)["description"] == "Payment APIs");

  auto patched = client.Patch("/modules/payments", json{{"description", "Payments v2"}}.dump(),
                              "application/json");
  CHECK(patched->status == 200);
  CHECK(json::parse(patched->body)["description"] == "Payments v2");

  for (const char* n : {"a-one", "b-two", "c-three"}) post("/modules", {{"name", n}});
  auto page1 = body_of(client.Get("/modules?limit=2"));
  REQUIRE(page1["modules"].size() == 2);
  CHECK(page1["modules"][0]["name"] == "a-one");
  CHECK(page1["modules"][0]["version_count"] == 0);
  CHECK(page1["modules"][0]["latest_version"].is_null());
  std::string token = page1["next_page_token"];
  auto page2 = body_of(client.Get("/modules?limit=2&page_token=" + token));
  REQUIRE(page2["modules"].size() == 2);
  CHECK(page2["modules"][1]["name"] == "payments");
  CHECK_FALSE(page2.contains("next_page_token"));
}

TEST_CASE_FIXTURE(Fixture, "versions_are_pushed_listed_and_read") {
  auto created = post("/modules/example/versions", push_body("v1.0.0"));
  REQUIRE(created);
  CHECK(created->status == 201);  // module created on the way
  json v = json::parse(created->body);
  CHECK(v["digest"] == "sha256:30c432b58841dca4cb1ea75390e0027d668b75c8b281b36c08668a567e2d93aa");
  CHECK(v["files"][0]["path"] == "example.proto");
  CHECK_FALSE(v["files"][0].contains("content"));

  auto same = post("/modules/example/versions", push_body("v1.0.0"));
  CHECK(same->status == 200);
  CHECK(json::parse(same->body)["digest"] == v["digest"]);

  auto conflict = post("/modules/example/versions", push_body("v1.0.0", "syntax = \"proto3\";\n"));
  check_error(conflict, 409, "version_exists");
  CHECK(json::parse(conflict->body)["error"]["details"][0]["existing_digest"] == v["digest"]);

  REQUIRE(post("/modules/example/versions",
               push_body("v1.1.0", std::string(kExampleProto) + "// 1.1\n"))
              ->status == 201);
  REQUIRE(post("/modules/example/versions",
               push_body("v2.0.0-beta.1", std::string(kExampleProto) + "// b\n"))
              ->status == 201);

  auto list = body_of(client.Get("/modules/example/versions"));
  REQUIRE(list["versions"].size() == 3);
  CHECK(list["versions"][0]["version"] == "v2.0.0-beta.1");
  CHECK(list["versions"][1]["version"] == "v1.1.0");

  auto module = body_of(client.Get("/modules/example"));
  CHECK(module["latest_version"] == "v1.1.0");
  CHECK(module["version_count"] == 3);
  CHECK(module["versions"][0]["version"] == "v2.0.0-beta.1");
  CHECK_FALSE(module["versions"][0]["files"][0].contains("content"));

  // Pages of versions: a first page of the same shape, then the rest by token, on both routes.
  auto first = body_of(client.Get("/modules/example/versions?limit=2"));
  REQUIRE(first["versions"].size() == 2);
  CHECK(first["versions"][0]["version"] == "v2.0.0-beta.1");
  std::string token = first["next_page_token"];
  auto second = body_of(client.Get("/modules/example/versions?limit=2&page_token=" + token));
  REQUIRE(second["versions"].size() == 1);
  CHECK(second["versions"][0]["version"] == "v1.0.0");
  CHECK_FALSE(second.contains("next_page_token"));
  CHECK_FALSE(list.contains("next_page_token"));
  auto module_page = body_of(client.Get("/modules/example?limit=1"));
  CHECK(module_page["version_count"] == 3);
  REQUIRE(module_page["versions"].size() == 1);
  auto module_next = body_of(client.Get("/modules/example?limit=2&page_token=" +
                                        module_page["next_page_token"].get<std::string>()));
  REQUIRE(module_next["versions"].size() == 2);
  CHECK(module_next["versions"][0]["version"] == "v1.1.0");
  check_error(client.Get("/modules/example/versions?limit=0"), 400, "invalid_limit");
  check_error(client.Get("/modules/example?limit=1001"), 400, "invalid_limit");
  check_error(client.Get("/modules/example/versions?page_token=zz"), 400, "invalid_page_token");
  check_error(client.Get("/modules/example?page_token=00"), 400, "invalid_page_token");
  // A push shows at once in the module's answers (they are cached by the module's revision).
  REQUIRE(post("/modules/example/versions",
               push_body("v1.2.0", std::string(kExampleProto) + "// 1.2\n"))
              ->status == 201);
  auto grown = body_of(client.Get("/modules/example"));
  CHECK(grown["version_count"] == 4);
  CHECK(grown["latest_version"] == "v1.2.0");
  CHECK(body_of(client.Get("/modules/example/versions"))["versions"].size() == 4);
  auto renamed =
      client.Patch("/modules/example", json{{"description", "changed"}}.dump(), "application/json");
  REQUIRE(renamed->status == 200);
  CHECK(body_of(client.Get("/modules/example"))["description"] == "changed");

  auto latest = body_of(client.Get("/modules/example/versions/latest"));
  CHECK(latest["version"] == "v1.2.0");
  CHECK_FALSE(latest["files"][0].contains("content"));
  auto with_content = body_of(client.Get("/modules/example/versions/v1.0.0?include=content"));
  CHECK(with_content["files"][0]["content"] == kExampleProto);
  check_error(client.Get("/modules/example/versions/v1.0.0?include=everything"), 400,
              "invalid_parameter");
}

TEST_CASE_FIXTURE(Fixture, "raw_files_have_etags_and_json_form") {
  REQUIRE(post("/modules/example/versions", push_body("v1.0.0"))->status == 201);
  auto r = client.Get("/modules/example/versions/v1.0.0/files/example.proto");
  REQUIRE(r);
  CHECK(r->status == 200);
  CHECK(r->body == kExampleProto);
  CHECK(r->get_header_value("Content-Type") == "text/plain; charset=utf-8");
  std::string etag = r->get_header_value("ETag");
  CHECK(etag == "\"sha256:a525b975c030becb25f629820994c31e56b2c4030118b7a5931d28a9dbba7d46\"");

  auto cached = client.Get("/modules/example/versions/v1.0.0/files/example.proto",
                           httplib::Headers{{"If-None-Match", etag}});
  CHECK(cached->status == 304);
  CHECK(cached->body.empty());
  auto stale = client.Get("/modules/example/versions/v1.0.0/files/example.proto",
                          httplib::Headers{{"If-None-Match", "\"sha256:00\""}});
  CHECK(stale->status == 200);
  for (std::string header : {"\"sha256:00\", " + etag, "W/" + etag, std::string("*")}) {
    auto r2 = client.Get("/modules/example/versions/v1.0.0/files/example.proto",
                         httplib::Headers{{"If-None-Match", header}});
    CHECK_MESSAGE(r2->status == 304, header);
  }

  auto as_json = client.Get("/modules/example/versions/latest/files/example.proto",
                            httplib::Headers{{"Accept", "application/json"}});
  json j = json::parse(as_json->body);
  CHECK(j["path"] == "example.proto");
  CHECK(j["content"] == kExampleProto);
  CHECK(j["digest"] == "sha256:a525b975c030becb25f629820994c31e56b2c4030118b7a5931d28a9dbba7d46");

  // Nested paths.
  json nested = {
      {"version", "v1.0.0"},
      {"files", {{{"path", "acme/v1/api.proto"}, {"content", "syntax = \"proto3\";\n"}}}}};
  REQUIRE(post("/modules/acme/versions", nested)->status == 201);
  CHECK(client.Get("/modules/acme/versions/v1.0.0/files/acme/v1/api.proto")->body ==
        "syntax = \"proto3\";\n");
}

TEST_CASE_FIXTURE(Fixture, "missing_things_are_404_with_a_json_body") {
  REQUIRE(post("/modules/example/versions", push_body("v1.0.0"))->status == 201);
  check_error(client.Get("/modules/nope"), 404, "module_not_found");
  check_error(client.Get("/modules/nope/versions"), 404, "module_not_found");
  check_error(client.Get("/modules/nope/versions/v1.0.0"), 404, "module_not_found");
  check_error(client.Get("/modules/example/versions/v9.0.0"), 404, "version_not_found");
  check_error(client.Get("/modules/example/versions/v1.0.0/files/missing.proto"), 404,
              "file_not_found");
  check_error(client.Get("/modules/nope/versions/latest/files/a.proto"), 404, "module_not_found");
  post("/modules", {{"name", "empty"}});
  check_error(client.Get("/modules/empty/versions/latest"), 404, "version_not_found");
  check_error(client.Get("/no/such/route"), 404, "route_not_found");
  check_error(client.Patch("/modules/nope", json{{"description", "x"}}.dump(), "application/json"),
              404, "module_not_found");
}

TEST_CASE_FIXTURE(Fixture, "bad_requests_are_rejected_with_400") {
  check_error(client.Post("/modules", "{not json", "application/json"), 400, "malformed_json");
  check_error(client.Post("/modules", "", "application/json"), 400, "malformed_json");
  check_error(client.Post("/modules", "[1,2]", "application/json"), 400, "malformed_json");
  check_error(post("/modules", {{"description", "no name"}}), 400, "missing_field");
  check_error(post("/modules", {{"name", 42}}), 400, "missing_field");
  check_error(post("/modules", {{"name", "ok-name"}, {"description", 7}}), 400, "invalid_field");
  check_error(post("/modules", {{"name", "Not_Valid"}}), 400, "invalid_module_name");
  check_error(client.Get("/modules/UPPER"), 400, "invalid_module_name");
  check_error(client.Get("/modules?limit=0"), 400, "invalid_limit");
  check_error(client.Get("/modules?limit=abc"), 400, "invalid_limit");
  check_error(client.Get("/modules?page_token=zz"), 400, "invalid_page_token");
  check_error(client.Patch("/modules/x", json{{"description", 1}}.dump(), "application/json"), 400,
              "missing_field");

  check_error(post("/modules/example/versions", {{"files", json::array()}}), 400, "missing_field");
  check_error(post("/modules/example/versions", {{"version", "v1.0.0"}}), 400, "missing_field");
  check_error(post("/modules/example/versions", {{"version", 1}, {"files", json::array()}}), 400,
              "invalid_field");
  check_error(post("/modules/example/versions", {{"version", "v1.0.0"}, {"files", "x"}}), 400,
              "invalid_field");
  check_error(post("/modules/example/versions",
                   {{"version", "v1.0.0"}, {"files", {{{"path", "a.proto"}}}}}),
              400, "invalid_field");
  check_error(post("/modules/example/versions", {{"version", "v1.0.0"}, {"files", json::array()}}),
              400, "no_files");
  check_error(post("/modules/example/versions", push_body("1.0")), 400, "invalid_version");
  json bad_path = {{"version", "v1.0.0"}, {"files", {{{"path", "../x.proto"}, {"content", ""}}}}};
  check_error(post("/modules/example/versions", bad_path), 400, "invalid_path");
  json dup = {
      {"version", "v1.0.0"},
      {"files", {{{"path", "a.proto"}, {"content", ""}}, {{"path", "a.proto"}, {"content", ""}}}}};
  check_error(post("/modules/example/versions", dup), 400, "duplicate_path");
  json deps = push_body("v1.0.0");
  deps["dependencies"] = {1};
  check_error(post("/modules/example/versions", deps), 400, "invalid_field");
  deps["dependencies"] = {"no-at-sign"};
  check_error(post("/modules/example/versions", deps), 400, "invalid_dependency");
  json si = push_body("v1.0.0");
  si["source_info"] = "main";
  check_error(post("/modules/example/versions", si), 400, "invalid_field");
  // Invalid UTF-8 inside JSON text is malformed JSON.
  check_error(
      client.Post(
          "/modules/example/versions",
          "{\"version\":\"v1.0.0\",\"files\":[{\"path\":\"a.proto\",\"content\":\"\xff\"}]}",
          "application/json"),
      400, "malformed_json");
  // Nothing was stored by any of the above.
  check_error(client.Get("/modules/example"), 404, "module_not_found");
}

TEST_CASE_FIXTURE(Fixture, "unprocessable_dependencies_are_422") {
  json body = push_body("v1.0.0");
  body["dependencies"] = {"ghost@v1.0.0"};
  auto r = post("/modules/example/versions", body);
  check_error(r, 422, "dependency_not_found");
  CHECK(json::parse(r->body)["error"]["message"].get<std::string>().find("ghost@v1.0.0") !=
        std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "wrong_method_is_405_and_wrong_media_type_is_415") {
  auto r = client.Delete("/modules/example");
  check_error(r, 405, "method_not_allowed");
  CHECK(r->get_header_value("Allow") == "GET, PATCH");
  check_error(client.Put("/modules", "{}", "application/json"), 405, "method_not_allowed");
  // Without a body httplib rejects the request before routing; still a 405 on a known path.
  check_error(client.Post("/modules/example", "", ""), 405, "method_not_allowed");
  check_error(client.Post("/modules", "name=x", "application/x-www-form-urlencoded"), 415,
              "unsupported_media_type");
  httplib::Headers enc{{"Content-Encoding", "compress"}};
  check_error(client.Post("/modules", enc, "{}", "application/json"), 415,
              "unsupported_media_type");
}

TEST_CASE_FIXTURE(Fixture, "gzip_request_bodies_are_accepted") {
  std::string body = push_body("v1.0.0").dump();
  httplib::Headers headers{{"Content-Encoding", "gzip"}};
  auto r = client.Post("/modules/example/versions", headers, gzip(body), "application/json");
  REQUIRE(r);
  CHECK_MESSAGE(r->status == 201, r->body);
  CHECK(client.Get("/modules/example/versions/v1.0.0/files/example.proto")->body == kExampleProto);
  check_error(client.Post("/modules", headers, "not gzip at all", "application/json"), 400,
              "bad_body");
}

TEST_CASE_FIXTURE(Fixture, "format_answers_what_buf_format_prints_and_refuses_broken_files") {
  json body = {{"files",
                {{{"path", "a.proto"}, {"content", "syntax=\"proto3\";message  A{int32 x=1;}"}},
                 {{"path", "b.proto"}, {"content", "syntax = \"proto3\";\n"}}}}};
  auto r = post("/format", body);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, r->body);
  json j = json::parse(r->body);
  REQUIRE(j["files"].size() == 2);
  CHECK(j["files"][0]["content"] == "syntax = \"proto3\";\n\nmessage A {\n  int32 x = 1;\n}\n");
  CHECK(j["files"][0]["changed"] == true);
  CHECK(j["files"][1]["changed"] == false);

  auto broken = post("/format", {{"files", {{{"path", "c.proto"}, {"content", "message {"}}}}});
  check_error(broken, 400, "proto_syntax_error");
  json e = json::parse(broken->body);
  CHECK(e["error"]["details"][0]["file"] == "c.proto");
  check_error(post("/format", {{"files", {{{"path", "c.proto"}}}}}), 400, "invalid_field");
  check_error(post("/format", {{"files", json::array()}, {"extra", 1}}), 400, "unknown_field");
}

TEST_CASE_FIXTURE(Fixture, "health_endpoints_answer_on_their_own_port") {
  auto live = health.Get("/health/live");
  REQUIRE(live);
  CHECK(live->status == 200);
  auto ready = health.Get("/health/ready");
  CHECK(ready->status == 200);
  CHECK(json::parse(ready->body)["status"] == "ok");
  check_error(client.Get("/health/live"), 404, "route_not_found");
}

TEST_CASE("body_limits_count_decompressed_bytes") {
  TempDir dir;
  Server server(dir.path() / "server", {"--max-body-size", "64KiB"});
  httplib::Client client("127.0.0.1", server.port());
  std::string big_content(100 * 1024, 'a');
  std::string body = push_body("v1.0.0", "// " + big_content + "\n").dump();

  auto plain = client.Post("/modules/example/versions", body, "application/json");
  check_error(plain, 413, "payload_too_large");

  // 100 KiB of 'a' compresses to a few hundred bytes: a small bomb, refused after decompression.
  std::string compressed = gzip(body);
  REQUIRE(compressed.size() < 4096);
  httplib::Client client2("127.0.0.1", server.port());
  auto bomb =
      client2.Post("/modules/example/versions", httplib::Headers{{"Content-Encoding", "gzip"}},
                   compressed, "application/json");
  check_error(bomb, 413, "payload_too_large");

  httplib::Client client3("127.0.0.1", server.port());
  CHECK(client3.Post("/modules/example/versions", push_body("v1.0.0").dump(), "application/json")
            ->status == 201);
}

TEST_CASE("data_survives_a_restart_and_sigterm_stops_cleanly") {
  TempDir dir;
  std::string data = (dir.path() / "data").string();
  {
    Server server(dir.path() / "s1", {}, data);
    httplib::Client client("127.0.0.1", server.port());
    REQUIRE(
        client.Post("/modules/example/versions", push_body("v1.0.0").dump(), "application/json")
            ->status == 201);
    CHECK(server.stop() == 0);
    std::string log = server.log();
    CHECK(log.find("\"msg\":\"shutting down\"") != std::string::npos);
    CHECK(log.find("\"msg\":\"stopped\"") != std::string::npos);
    // The access log has one JSON line per request with method, path, status and duration.
    bool found = false;
    std::istringstream lines(log);
    for (std::string line; std::getline(lines, line);) {
      json j = json::parse(line, nullptr, false);
      REQUIRE_MESSAGE(!j.is_discarded(), line);
      if (j.value("path", "") == "/modules/example/versions") {
        found = true;
        CHECK(j["method"] == "POST");
        CHECK(j["status"] == 201);
        CHECK(j["duration_ms"].is_number());
      }
    }
    CHECK(found);
  }
  Server again(dir.path() / "s2", {}, data);
  httplib::Client client("127.0.0.1", again.port());
  CHECK(client.Get("/modules/example/versions/v1.0.0/files/example.proto")->body == kExampleProto);
}

TEST_CASE("sigterm_lets_requests_in_flight_finish") {
  TempDir dir;
  Server server(dir.path() / "server");
  std::string body = push_body("v1.0.0").dump();
  std::string head =
      "POST /modules/example/versions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
      "Content-Type: application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(server.port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string first = head + body.substr(0, body.size() / 2);
  REQUIRE(::send(fd, first.data(), first.size(), 0) == static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the request is being read
  server.process().signal(SIGTERM);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // server is shutting down
  std::string rest = body.substr(body.size() / 2);
  REQUIRE(::send(fd, rest.data(), rest.size(), 0) == static_cast<ssize_t>(rest.size()));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;)
    response.append(buf, static_cast<size_t>(n));
  ::close(fd);
  CHECK_MESSAGE(response.starts_with("HTTP/1.1 201"), response);
  CHECK(server.process().wait() == 0);
  // New connections are refused once it has stopped.
  httplib::Client late("127.0.0.1", server.port());
  CHECK_FALSE(late.Get("/modules"));
  // And the version it finished is there.
  Server again(dir.path() / "server2", {}, (dir.path() / "server" / "data").string());
  httplib::Client client("127.0.0.1", again.port());
  CHECK(client.Get("/modules/example/versions/v1.0.0/files/example.proto")->body == kExampleProto);
}

TEST_CASE("readiness_fails_when_storage_is_gone") {
  TempDir dir;
  std::string data = (dir.path() / "data").string();
  Server server(dir.path() / "server", {}, data);
  httplib::Client health("127.0.0.1", server.health_port());
  CHECK(health.Get("/health/ready")->status == 200);
  if (on_postgres()) {
    spoke::testing::shared_postgres().stop();
  } else {
    std::filesystem::remove_all(std::filesystem::path(data) / "blobs");
  }
  auto r = health.Get("/health/ready");
  CHECK(r->status == 503);
  CHECK(json::parse(r->body)["status"] == "unavailable");
  CHECK(json::parse(r->body)["error"]["code"] == "storage_unavailable");
  CHECK(health.Get("/health/live")->status == 200);
  if (on_postgres()) {
    // The database comes back: so does the server, by itself.
    spoke::testing::shared_postgres().start();
    httplib::Client client("127.0.0.1", server.port());
    int status = 0;
    for (int i = 0; i < 200 && status != 201; ++i) {
      auto pushed =
          client.Post("/modules/example/versions", push_body("v1.0.0").dump(), "application/json");
      REQUIRE(pushed);
      status = pushed->status;
      CHECK_MESSAGE((status == 201 || status == 503), pushed->body);
      if (status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    CHECK(status == 201);
    CHECK(health.Get("/health/ready")->status == 200);
  }
}

TEST_CASE("server_configuration_from_original_flags_and_environment") {
  TempDir dir;
  std::string server_bin = spoke::testing::binary_from_env("SPOKE_SERVER_BIN");
  SUBCASE("single_dash_flags_as_the_original_writes_them") {
    std::string data = (dir.path() / "flag-data").string();
    Server server(dir.path() / "s", {"-storage-dir", data, "-max-body-size", "1MiB"}, "", {},
                  false);
    httplib::Client client("127.0.0.1", server.port());
    REQUIRE(
        client.Post("/modules/example/versions", push_body("v1.0.0").dump(), "application/json")
            ->status == 201);
    CHECK(std::filesystem::exists(std::filesystem::path(data) / "spoke.db"));
  }
  SUBCASE("environment_selects_the_filesystem_default_and_its_root") {
    std::string root = (dir.path() / "env-root").string();
    Server server(dir.path() / "s", {}, "",
                  {"SPOKE_STORAGE_TYPE=filesystem", "SPOKE_FILESYSTEM_ROOT=" + root}, false);
    httplib::Client client("127.0.0.1", server.port());
    REQUIRE(
        client.Post("/modules/example/versions", push_body("v1.0.0").dump(), "application/json")
            ->status == 201);
    CHECK(std::filesystem::exists(std::filesystem::path(root) / "spoke.db"));
    CHECK(std::filesystem::exists(std::filesystem::path(root) / "blobs" / "sha256"));
  }
  SUBCASE("flags_win_over_environment") {
    std::string env_root = (dir.path() / "env-root").string();
    std::string flag_root = (dir.path() / "flag-root").string();
    Server server(dir.path() / "s", {"--storage-dir", flag_root}, "",
                  {"SPOKE_FILESYSTEM_ROOT=" + env_root}, false);
    CHECK(std::filesystem::exists(std::filesystem::path(flag_root) / "spoke.db"));
    CHECK_FALSE(std::filesystem::exists(env_root));
  }
  SUBCASE("bad_configuration_exits_with_a_message") {
    auto unknown = spoke::testing::run({server_bin, "--port", "0", "--health-port", "0",
                                        "--storage-dir", (dir.path() / "d").string()},
                                       dir.path(), {"SPOKE_STORAGE_TYPE=oracle"});
    CHECK(unknown.exit_code == 1);
    CHECK(unknown.err.find("unknown storage type \"oracle\"") != std::string::npos);
    auto bad_size = spoke::testing::run({server_bin, "-max-body-size", "lots"}, dir.path());
    CHECK(bad_size.exit_code == 2);
    CHECK(bad_size.err.find("invalid --max-body-size") != std::string::npos);
    auto bad_cache = spoke::testing::run({server_bin, "-schema-cache-size", "lots"}, dir.path());
    CHECK(bad_cache.exit_code == 2);
    CHECK(bad_cache.err.find("invalid --schema-cache-size \"lots\"") != std::string::npos);
    auto bad_port = spoke::testing::run({server_bin, "-port", "http"}, dir.path());
    CHECK(bad_port.exit_code == 2);
  }
}

TEST_CASE_FIXTURE(Fixture, "garbage_input_never_gets_a_5xx") {
  // A fixed-seed stream of malformed bodies and paths: every answer is a 4xx with a JSON error.
  std::uint32_t seed = 12345;
  auto next = [&] {
    seed = seed * 1664525u + 1013904223u;
    return seed >> 8;
  };
  const std::vector<std::string> fragments = {"{",           "}",
                                              "[",           "]",
                                              "\"",          ":",
                                              ",",           "null",
                                              "1e999",       "\"version\"",
                                              "\"files\"",   "\"path\"",
                                              "\"content\"", "\"../x.proto\"",
                                              "\"v1.0.0\"",  "true",
                                              "\\u0000",     "\xc3"};
  const std::vector<std::string> paths = {"/modules", "/modules/example/versions",
                                          "/modules/example"};
  for (int i = 0; i < 300; ++i) {
    std::string body;
    int n = 1 + static_cast<int>(next() % 12);
    for (int k = 0; k < n; ++k) body += fragments[next() % fragments.size()];
    const std::string& path = paths[next() % paths.size()];
    auto r = path == "/modules/example" ? client.Patch(path, body, "application/json")
                                        : client.Post(path, body, "application/json");
    REQUIRE(r);
    CHECK_MESSAGE(r->status < 500, body);
    CHECK_MESSAGE(r->status >= 400, body);
    CHECK(json::parse(r->body, nullptr, false).contains("error"));
  }
  for (const char* path : {"/modules/%ff", "/modules/a/versions/%00/files/x.proto",
                           "/modules/a/versions/v1.0.0/files/..%2f..%2fetc%2fpasswd",
                           "/modules/example/versions/v1.0.0/files/", "/modules//versions"}) {
    auto r = client.Get(path);
    REQUIRE(r);
    CHECK_MESSAGE(r->status >= 400, path);
    CHECK_MESSAGE(r->status < 500, path);
  }
}

TEST_CASE("a_second_server_cannot_take_a_port_in_use") {
  TempDir dir;
  Server first(dir.path() / "first");
  auto second =
      spoke::testing::run({spoke::testing::binary_from_env("SPOKE_SERVER_BIN"), "--host",
                           "127.0.0.1", "--port", std::to_string(first.port()), "--health-port",
                           "0", "--storage-dir", (dir.path() / "d2").string()},
                          dir.path());
  CHECK(second.exit_code == 1);
  CHECK(second.err.find("cannot listen on 127.0.0.1:" + std::to_string(first.port())) !=
        std::string::npos);
}
