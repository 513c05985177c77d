// Several spoke-server processes on one PostgreSQL database, spoken to over HTTP: pushes racing
// through two servers, a policy set through one governing the other, compile jobs claimed once
// and taken over from a killed server, graceful shutdown, a database restart during traffic,
// and reads from a streaming replica.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <arpa/inet.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/postgres_server.h"
#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::Server;
using spoke::testing::TempDir;
namespace fs = std::filesystem;

namespace {

// The cluster of this suite; when PostgreSQL cannot start, the test fails with the reason.
spoke::testing::PostgresServer& postgres() { return spoke::testing::shared_postgres(); }

// A fresh database for one test case.
std::string fresh_database(const TempDir& dir) {
  return postgres().database(fmt::format("mi{}", std::hash<std::string>{}(dir.str())));
}

std::unique_ptr<Server> start_instance(const TempDir& dir, const std::string& name,
                                       const std::string& url,
                                       std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"--storage-type", "postgres", "--postgres-url", url,
                                   "--no-access-log"};
  for (auto& a : extra) args.push_back(std::move(a));
  return std::make_unique<Server>(dir.path() / name, args, "", std::vector<std::string>{}, false);
}

std::string proto(const std::string& message, const std::string& extra_field = "") {
  return "syntax = \"proto3\";\npackage race;\n\nmessage " + message + " {\n  string id = 1;\n" +
         extra_field + "}\n";
}

json push_body(const std::string& version, const std::string& content,
               std::vector<std::string> dependencies = {}) {
  json body = {{"version", version}, {"files", {{{"path", "race.proto"}, {"content", content}}}}};
  if (!dependencies.empty()) body["dependencies"] = dependencies;
  return body;
}

httplib::Result push(httplib::Client& c, const std::string& module, const json& body,
                     const httplib::Headers& headers = {}) {
  return c.Post("/modules/" + module + "/versions", headers, body.dump(), "application/json");
}

json get_json(httplib::Client& c, const std::string& path, const httplib::Headers& headers = {}) {
  auto r = c.Get(path, headers);
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 200, path << ": " << r->body);
  return json::parse(r->body);
}

std::unique_ptr<httplib::Client> client_of(const Server& s) {
  auto c = std::make_unique<httplib::Client>("127.0.0.1", s.port());
  c->set_read_timeout(120, 0);
  return c;
}

std::vector<std::string> version_names(const json& module) {
  std::vector<std::string> out;
  for (const auto& v : module["versions"]) out.push_back(v["version"]);
  return out;
}

void make_executable_script(const fs::path& p, const std::string& body) {
  spoke::testing::write_file(p, "#!/bin/sh\n" + body);
  ::chmod(p.c_str(), 0755);
}

// A plugin "slowgo" in `plugins` that appends the pid of the server running it (its parent) to
// `runs`, waits `seconds`, then answers as protoc-gen-go.
void make_slow_plugin(const fs::path& plugins, const fs::path& runs, int seconds) {
  make_executable_script(plugins / "protoc-gen-slowgo", "echo $PPID >> '" + runs.string() +
                                                            "'\nsleep " + std::to_string(seconds) +
                                                            "\nexec protoc-gen-go \"$@\"\n");
}

const char* const kJobsProto =
    "syntax = \"proto3\";\npackage jobs;\noption go_package = \"example.com/jobs\";\n\n"
    "message Job {\n  string id = 1;\n}\n";

json wait_job(httplib::Client& c, const std::string& id) {
  for (int i = 0; i < 2400; ++i) {
    json j = get_json(c, "/jobs/" + id);
    if (j["status"] != "queued" && j["status"] != "running") return j;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  FAIL("job " << id << " did not finish");
  return {};
}

// Lines of a file, without empty ones.
std::vector<std::string> lines_of(const fs::path& p) {
  std::vector<std::string> out;
  std::istringstream in(spoke::testing::read_file(p));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

}  // namespace

TEST_CASE("pushes_of_one_version_through_two_servers_have_one_winner_and_all_agree") {
  TempDir dir;
  std::string url = fresh_database(dir);
  auto a = start_instance(dir, "a", url);
  auto b = start_instance(dir, "b", url);

  // Eight pushes of race@v1.0.0 at once, half through each server, with two contents.
  constexpr int kPushes = 8;
  std::vector<int> statuses(kPushes);
  std::vector<std::string> codes(kPushes);
  std::vector<std::thread> threads;
  for (int i = 0; i < kPushes; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", (i % 2 == 0 ? a : b)->port());
      c.set_read_timeout(60, 0);
      auto r = push(c, "race", push_body("v1.0.0", proto(i < kPushes / 2 ? "First" : "Second")));
      if (!r) return;
      statuses[i] = r->status;
      json body = json::parse(r->body, nullptr, false);
      if (body.contains("error")) codes[i] = body["error"]["code"];
    });
  }
  for (auto& t : threads) t.join();
  int winner = -1;
  for (int i = 0; i < kPushes; ++i) {
    CAPTURE(i);
    CHECK((statuses[i] == 201 || statuses[i] == 200 || statuses[i] == 409));
    if (statuses[i] == 201) {
      CHECK(winner == -1);
      winner = i;
    }
  }
  REQUIRE(winner >= 0);
  bool first_won = winner < kPushes / 2;
  for (int i = 0; i < kPushes; ++i) {
    if (i == winner) continue;
    CAPTURE(i);
    if ((i < kPushes / 2) == first_won) {
      CHECK(statuses[i] == 200);  // identical content: the stored version
    } else {
      CHECK(statuses[i] == 409);
      CHECK(codes[i] == "version_exists");
    }
  }

  // Two spellings of one semantic version pushed at once through both servers: one version.
  std::vector<int> spelled(kPushes);
  threads.clear();
  for (int i = 0; i < kPushes; ++i) {
    threads.emplace_back([&, i] {
      httplib::Client c("127.0.0.1", (i % 2 == 0 ? a : b)->port());
      c.set_read_timeout(60, 0);
      auto r = push(c, "spelling", push_body(i % 2 == 0 ? "v1.0.0" : "1.0.0", proto("Same")));
      if (r) spelled[i] = r->status;
    });
  }
  for (auto& t : threads) t.join();
  CHECK(std::count(spelled.begin(), spelled.end(), 201) == 1);
  CHECK(std::count(spelled.begin(), spelled.end(), 201) +
            std::count(spelled.begin(), spelled.end(), 200) +
            std::count(spelled.begin(), spelled.end(), 409) ==
        kPushes);
  CHECK(get_json(*client_of(*a), "/modules/spelling")["version_count"] == 1);

  // More versions, alternating servers: both answer the same module, latest and listing.
  auto ca = client_of(*a);
  auto cb = client_of(*b);
  // a has answered (and cached) the module before b's pushes: it must not answer it again.
  const json before = get_json(*ca, "/modules/race");
  CHECK(get_json(*ca, "/modules/race/versions") == json{{"versions", before["versions"]}});
  REQUIRE(push(*cb, "race",
               push_body("v1.1.0", proto(first_won ? "First" : "Second", "  string more = 2;\n")))
              ->status == 201);
  REQUIRE(push(*ca, "race", push_body("v0.9.0", proto("Old")))->status == 201);
  REQUIRE(push(*cb, "other", push_body("v1.0.0", proto("Other")))->status == 201);
  json from_a = get_json(*ca, "/modules/race");
  json from_b = get_json(*cb, "/modules/race");
  CHECK(from_a == from_b);
  CHECK(from_a["latest_version"] == "v1.1.0");
  CHECK(version_names(from_a) == std::vector<std::string>{"v1.1.0", "v1.0.0", "v0.9.0"});
  CHECK(get_json(*ca, "/modules?limit=10") == get_json(*cb, "/modules?limit=10"));
  CHECK(get_json(*ca, "/modules/race/versions/latest")["version"] == "v1.1.0");
  CHECK(get_json(*cb, "/modules/race/versions/latest")["version"] == "v1.1.0");
}

TEST_CASE("a_policy_set_through_one_server_governs_the_next_push_through_another") {
  TempDir dir;
  std::string url = fresh_database(dir);
  auto a = start_instance(dir, "a", url);
  auto b = start_instance(dir, "b", url);
  auto ca = client_of(*a);
  auto cb = client_of(*b);
  REQUIRE(
      push(*ca, "policy", push_body("v1.0.0", proto("Thing", "  string name = 2;\n")))->status ==
      201);
  // NONE through b: a breaking push through a is accepted.
  auto none = cb->Put("/modules/policy/config", R"({"compatibility": "NONE"})", "application/json");
  REQUIRE(none);
  REQUIRE_MESSAGE(none->status == 200, none->body);
  CHECK(push(*ca, "policy", push_body("v2.0.0", proto("Thing")))->status == 201);
  // FILE through a: the next breaking push through b is refused.
  auto file = ca->Put("/modules/policy/config", R"({"compatibility": "FILE"})", "application/json");
  REQUIRE(file);
  REQUIRE(file->status == 200);
  CHECK(get_json(*cb, "/modules/policy/config")["compatibility"] == "FILE");
  auto refused = push(*cb, "policy", push_body("v3.0.0", proto("Renamed")));
  REQUIRE(refused);
  CHECK(refused->status == 409);
  CHECK(json::parse(refused->body)["error"]["code"] == "breaking_change");
}

TEST_CASE("compile_jobs_are_claimed_once_across_servers_and_taken_over_from_a_killed_one") {
  TempDir dir;
  std::string url = fresh_database(dir);
  fs::path plugins = dir.path() / "plugins";
  fs::path runs = dir.path() / "runs";
  make_slow_plugin(plugins, runs, 4);
  std::vector<std::string> flags = {"--plugin-dir", plugins.string(), "--compile-job-lease", "3"};
  auto a = start_instance(dir, "a", url, flags);
  auto b = start_instance(dir, "b", url, flags);
  auto ca = client_of(*a);
  auto cb = client_of(*b);
  REQUIRE(push(*ca, "jobs", push_body("v1.0.0", kJobsProto))->status == 201);

  // Jobs submitted through both servers each run once.
  std::vector<std::string> ids;
  int n = 0;
  for (const char* language : {"cpp", "python", "java", "csharp"}) {
    auto& c = n++ % 2 == 0 ? *ca : *cb;
    auto r = c.Post(std::string("/modules/jobs/versions/v1.0.0/compile/") + language, "", "");
    REQUIRE(r);
    REQUIRE_MESSAGE(r->status == 202, r->body);
    ids.push_back(json::parse(r->body)["job_id"]);
  }
  for (const auto& id : ids) {
    json done = wait_job(*cb, id);
    CHECK_MESSAGE(done["status"] == "succeeded", done.dump());
    CHECK(done["attempts"] == 1);
  }

  // A job whose server is killed while it runs: the other takes it over once the lease expires.
  auto r = ca->Post("/modules/jobs/versions/v1.0.0/compile/slowgo", "", "");
  REQUIRE(r);
  REQUIRE_MESSAGE(r->status == 202, r->body);
  std::string id = json::parse(r->body)["job_id"];
  for (int i = 0; i < 1200 && lines_of(runs).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(lines_of(runs).size() == 1);
  pid_t runner = std::stoi(lines_of(runs)[0]);
  REQUIRE((runner == a->process().pid() || runner == b->process().pid()));
  Server& killed = runner == a->process().pid() ? *a : *b;
  Server& survivor = runner == a->process().pid() ? *b : *a;
  killed.process().signal(SIGKILL);
  killed.process().wait();
  auto cs = client_of(survivor);
  json done = wait_job(*cs, id);
  CHECK_MESSAGE(done["status"] == "succeeded", done.dump());
  CHECK(done["attempts"] == 2);
  auto run_lines = lines_of(runs);
  REQUIRE(run_lines.size() == 2);
  CHECK(std::stoi(run_lines[1]) == survivor.process().pid());
  auto zip = cs->Get("/modules/jobs/versions/v1.0.0/download/slowgo");
  REQUIRE(zip);
  CHECK(zip->status == 200);
}

TEST_CASE("sigterm_drains_a_server_and_releases_its_running_job_to_another") {
  TempDir dir;
  std::string url = fresh_database(dir);
  fs::path plugins = dir.path() / "plugins";
  fs::path runs = dir.path() / "runs";
  make_slow_plugin(plugins, runs, 2);
  // A lease far longer than the test: the job moves because it is released, not expired.
  std::vector<std::string> flags = {"--plugin-dir", plugins.string(), "--compile-job-lease",
                                    "3600"};
  auto a = start_instance(dir, "a", url, flags);
  auto ca = client_of(*a);
  REQUIRE(push(*ca, "jobs", push_body("v1.0.0", kJobsProto))->status == 201);
  auto r = ca->Post("/modules/jobs/versions/v1.0.0/compile/slowgo", "", "");
  REQUIRE(r);
  REQUIRE(r->status == 202);
  std::string id = json::parse(r->body)["job_id"];
  for (int i = 0; i < 1200 && lines_of(runs).empty(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  REQUIRE(lines_of(runs).size() == 1);

  // A request in flight: half of a push is sent.
  std::string body = push_body("v2.0.0", kJobsProto).dump();
  std::string head =
      "POST /modules/jobs/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nConnection: close\r\nContent-Length: " +
      std::to_string(body.size()) + "\r\n\r\n";
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(a->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  std::string first = head + body.substr(0, body.size() / 2);
  REQUIRE(::send(fd, first.data(), first.size(), 0) == static_cast<ssize_t>(first.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // the request is being read

  a->process().signal(SIGTERM);
  // Draining: not ready any more, while the request in flight is still served.
  httplib::Client health("127.0.0.1", a->health_port());
  int ready = 200;
  for (int i = 0; i < 400 && ready != 503; ++i) {
    auto h = health.Get("/health/ready");
    REQUIRE(h);
    ready = h->status;
    if (ready != 503) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(ready == 503);
  // The job was handed back: a second server takes it at once (its lease had an hour to go).
  auto b = start_instance(dir, "b", url, flags);
  auto cb = client_of(*b);
  std::string rest = body.substr(body.size() / 2);
  REQUIRE(::send(fd, rest.data(), rest.size(), 0) == static_cast<ssize_t>(rest.size()));
  std::string response;
  char buf[4096];
  for (ssize_t n; (n = ::recv(fd, buf, sizeof buf, 0)) > 0;) {
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  CHECK_MESSAGE(response.starts_with("HTTP/1.1 201"), response);
  CHECK(a->process().wait() == 0);
  json done = wait_job(*cb, id);
  CHECK_MESSAGE(done["status"] == "succeeded", done.dump());
  auto run_lines = lines_of(runs);
  REQUIRE(run_lines.size() >= 2);
  CHECK(std::stoi(run_lines.back()) == b->process().pid());
  CHECK(get_json(*cb, "/modules/jobs/versions/v2.0.0")["version"] == "v2.0.0");
}

TEST_CASE("the_drain_timeout_bounds_a_shutdown") {
  TempDir dir;
  std::string url = fresh_database(dir);
  auto a = start_instance(dir, "a", url, {"--drain-timeout", "1"});
  // A request that never completes.
  std::string head =
      "POST /modules/x/versions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
      "application/json\r\nContent-Length: 1000\r\n\r\n{";
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(a->port()));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  REQUIRE(::send(fd, head.data(), head.size(), 0) == static_cast<ssize_t>(head.size()));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  a->process().signal(SIGTERM);
  CHECK(a->process().wait() == 1);
  CHECK(a->log().find("drain timeout") != std::string::npos);
  ::close(fd);
}

TEST_CASE("a_database_restart_during_traffic_loses_no_acknowledged_push_and_gives_no_500") {
  TempDir dir;
  std::string url = fresh_database(dir);
  std::vector<std::string> flags = {"--postgres-query-timeout", "5"};
  auto a = start_instance(dir, "a", url, flags);
  auto b = start_instance(dir, "b", url, flags);

  struct Outcome {
    std::string version;
    int status = 0;
    std::string digest;
    std::string code;
  };
  std::mutex mu;
  std::vector<Outcome> outcomes;
  std::atomic<bool> restarted{false};
  std::atomic<int> after_restart{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      httplib::Client c("127.0.0.1", (t % 2 == 0 ? a : b)->port());
      c.set_read_timeout(60, 0);
      for (int i = 0; i < 2000; ++i) {
        std::string version = fmt::format("v{}.0.{}", t + 1, i);
        auto r = push(c, "traffic", push_body(version, proto("Traffic")));
        Outcome o{version, r ? r->status : -1, "", ""};
        if (r) {
          json body = json::parse(r->body, nullptr, false);
          if (body.contains("digest")) o.digest = body["digest"];
          if (body.contains("error")) o.code = body["error"]["code"];
        }
        {
          std::lock_guard lock(mu);
          outcomes.push_back(o);
        }
        if (restarted && ++after_restart > 40) return;
        if (!r || r->status != 201) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    });
  }
  // Let traffic flow, then restart the database under it.
  for (int i = 0; i < 400; ++i) {
    {
      std::lock_guard lock(mu);
      if (outcomes.size() >= 20) break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  postgres().stop();
  // While it is down: not ready, and requests fail at once with 503 storage_unavailable.
  httplib::Client health("127.0.0.1", a->health_port());
  auto ready = health.Get("/health/ready");
  REQUIRE(ready);
  CHECK(ready->status == 503);
  httplib::Client probe("127.0.0.1", b->port());
  auto down = probe.Get("/modules/traffic");
  REQUIRE(down);
  CHECK(down->status == 503);
  CHECK(json::parse(down->body)["error"]["code"] == "storage_unavailable");
  postgres().start();
  restarted = true;
  for (auto& t : clients) t.join();

  // Service resumed by itself, and every push that was acknowledged is there.
  auto ca = client_of(*a);
  auto cb = client_of(*b);
  CHECK(health.Get("/health/ready")->status == 200);
  std::size_t acknowledged = 0, unavailable = 0;
  for (const auto& o : outcomes) {
    CAPTURE(o.version);
    CAPTURE(o.code);
    CHECK(o.status != -1);
    CHECK((o.status == 201 || o.status == 200 || o.status == 503));
    if (o.status == 503) {
      CHECK(o.code == "storage_unavailable");
      ++unavailable;
    }
    if (o.status == 201 || o.status == 200) {
      ++acknowledged;
      json v = get_json(acknowledged % 2 ? *ca : *cb, "/modules/traffic/versions/" + o.version);
      CHECK(v["digest"] == o.digest);
    }
  }
  CHECK(acknowledged > 40);
  MESSAGE(acknowledged << " pushes acknowledged, " << unavailable << " answered 503");
}

TEST_CASE("reads_go_to_a_replica_and_each_client_reads_its_own_writes") {
  TempDir dir;
  std::string url = fresh_database(dir);
  std::unique_ptr<spoke::testing::PostgresServer> replica;
  try {
    replica = postgres().replica();
  } catch (const std::exception& e) {
    FAIL("replica: " << e.what());
  }
  std::string db = url.substr(url.rfind('/') + 1);
  std::string replica_url = replica->url(db);
  std::vector<std::string> flags = {"--postgres-replica-urls", replica_url};
  auto a = start_instance(dir, "a", url, flags);
  auto b = start_instance(dir, "b", url, flags);
  auto ca = client_of(*a);
  auto cb = client_of(*b);

  auto first = push(*ca, "rep", push_body("v1.0.0", proto("One")));
  REQUIRE(first);
  REQUIRE(first->status == 201);
  std::string first_token = first->get_header_value("Spoke-Consistency-Token");
  REQUIRE_FALSE(first_token.empty());
  // The replica catches up with a's write.
  std::string caught_up = "SELECT pg_last_wal_replay_lsn() >= '" + first_token + "'::pg_lsn";
  for (int i = 0; i < 400 && replica->sql(caught_up) != "t"; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  REQUIRE(replica->sql(caught_up) == "t");
  REQUIRE(replica->sql("SELECT count(*) FROM versions", db) == "1");
  replica->sql("SELECT pg_wal_replay_pause()");

  // b writes while the replica stands still.
  auto pushed = push(*cb, "rep", push_body("v2.0.0", proto("One", "  string two = 2;\n")));
  REQUIRE(pushed);
  REQUIRE(pushed->status == 201);
  std::string token = pushed->get_header_value("Spoke-Consistency-Token");
  REQUIRE_FALSE(token.empty());

  // Another client through a: the listing comes from the replica, which lags.
  CHECK(version_names(get_json(*ca, "/modules/rep")) == std::vector<std::string>{"v1.0.0"});
  // The writer, through a, with its token: its write is there.
  CHECK(version_names(get_json(*ca, "/modules/rep", {{"Spoke-Consistency-Token", token}})) ==
        std::vector<std::string>{"v2.0.0", "v1.0.0"});
  // Through the server it wrote through: there too.
  CHECK(version_names(get_json(*cb, "/modules/rep")) ==
        std::vector<std::string>{"v2.0.0", "v1.0.0"});
  // An exact version the replica lacks is found on the primary.
  CHECK(get_json(*ca, "/modules/rep/versions/v2.0.0")["version"] == "v2.0.0");
  // The checks of a push read the primary: latest is v2.0.0 there, v1.0.0 on the replica.
  json user = {{"version", "v1.0.0"},
               {"files",
                {{{"path", "user.proto"},
                  {"content",
                   "syntax = \"proto3\";\npackage user;\nimport \"race.proto\";\n"
                   "message U {\n  race.One one = 1;\n}\n"}}}},
               {"dependencies", {"rep@latest"}}};
  auto dependent = push(*ca, "user", user);
  REQUIRE(dependent);
  REQUIRE_MESSAGE(dependent->status == 201, dependent->body);
  CHECK(json::parse(dependent->body)["pinned_dependencies"][0]["version"] == "v2.0.0");

  // Once the replica replays again, everyone sees everything.
  replica->sql("SELECT pg_wal_replay_resume()");
  std::vector<std::string> seen;
  for (int i = 0; i < 400; ++i) {
    seen = version_names(get_json(*ca, "/modules/rep"));
    if (seen.size() == 2) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  CHECK(seen == std::vector<std::string>{"v2.0.0", "v1.0.0"});
}
