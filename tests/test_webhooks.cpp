// Webhooks against real servers and a real receiver on loopback: Standard Webhooks signatures
// checked independently, retries and their log, timeouts, closed connections, kill -9 with
// deliveries pending, redelivery, pause, module filters, private addresses, two servers on one
// PostgreSQL database, the CLI, and migrate-storage.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "rest/json_fields.h"
#include "spoke/webhooks.h"
#include "support/postgres_server.h"
#include "support/test_support.h"
#include "webhooks/sender.h"

using json = nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::Server;
using spoke::testing::TempDir;

namespace {

// ---- an independent Standard Webhooks verifier (OpenSSL only, not libspoke) ----------------

std::string b64decode(const std::string& in) {
  std::string out(in.size(), '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(in.data()),
                          static_cast<int>(in.size()));
  if (n < 0) return "";
  std::size_t pad = in.ends_with("==") ? 2 : in.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string b64encode(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3) + 1, '\0');
  int len =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(len));
  return out;
}

// As the specification says: HMAC-SHA256 keyed with the base64-decoded part of the secret after
// "whsec_", over "{webhook-id}.{webhook-timestamp}.{body}", base64; the header holds one or more
// space-separated "v1,<signature>".
bool signature_valid(const std::string& secret, const std::string& id, const std::string& ts,
                     const std::string& body, const std::string& header) {
  std::string key = b64decode(secret.substr(6));
  std::string content = id + "." + ts + "." + body;
  unsigned char mac[32];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac, &len);
  std::string expected = "v1," + b64encode(mac, len);
  std::size_t pos = 0;
  while (pos <= header.size()) {
    std::size_t end = header.find(' ', pos);
    if (end == std::string::npos) end = header.size();
    if (header.substr(pos, end - pos) == expected) return true;
    pos = end + 1;
  }
  return false;
}

// ---- the receiver ---------------------------------------------------------------------------

struct Received {
  std::string path;
  std::string id, timestamp, signature, event, content_type, team;
  std::string body;
  bool valid = false;  // the signature checked out against the path's secret
  int answered = 0;
};

// An HTTP server on loopback answering each path with a script, recording every request.
class Receiver {
 public:
  using Script = std::function<void(int n, const httplib::Request&, httplib::Response&)>;

  Receiver() {
    server_.set_keep_alive_max_count(1);
    server_.Post(".*", [this](const httplib::Request& req, httplib::Response& res) {
      Received r;
      r.path = req.path;
      r.id = req.get_header_value("webhook-id");
      r.timestamp = req.get_header_value("webhook-timestamp");
      r.signature = req.get_header_value("webhook-signature");
      r.event = req.get_header_value("X-Spoke-Event");
      r.content_type = req.get_header_value("Content-Type");
      r.team = req.get_header_value("X-Team");
      r.body = req.body;
      Script script;
      int n = 0;
      {
        std::lock_guard lock(mu_);
        auto secret = secrets_.find(req.path);
        r.valid = secret != secrets_.end() &&
                  signature_valid(secret->second, r.id, r.timestamp, r.body, r.signature);
        n = ++counts_[req.path];
        if (auto s = scripts_.find(req.path); s != scripts_.end()) script = s->second;
      }
      entered_cv_.notify_all();
      res.status = 200;
      res.set_content("ok", "text/plain");
      if (script) script(n, req, res);
      r.answered = res.status;
      {
        std::lock_guard lock(mu_);
        received_.push_back(std::move(r));
      }
      cv_.notify_all();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ~Receiver() {
    release();
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return fmt::format("http://127.0.0.1:{}{}", port_, path);
  }
  void on(const std::string& path, Script script) {
    std::lock_guard lock(mu_);
    scripts_[path] = std::move(script);
  }
  void secret(const std::string& path, const std::string& secret) {
    std::lock_guard lock(mu_);
    secrets_[path] = secret;
  }
  std::vector<Received> at(const std::string& path) {
    std::lock_guard lock(mu_);
    std::vector<Received> out;
    for (const auto& r : received_) {
      if (r.path == path) out.push_back(r);
    }
    return out;
  }
  // Waits until `path` has had `n` requests; false after 30 s.
  bool wait_for(const std::string& path, std::size_t n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(30), [&] {
      std::size_t count = 0;
      for (const auto& r : received_) count += r.path == path;
      return count >= n;
    });
  }
  // Waits until `path` has been asked `n` times (answered or not); false after 30 s.
  bool wait_entered(const std::string& path, int n) {
    std::unique_lock lock(mu_);
    return entered_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return counts_[path] >= n; });
  }
  // A handler may block on the latch until release().
  void hold(const httplib::Request&) {
    std::unique_lock lock(mu_);
    latch_cv_.wait_for(lock, std::chrono::seconds(30), [&] { return released_; });
  }
  void release() {
    {
      std::lock_guard lock(mu_);
      released_ = true;
    }
    latch_cv_.notify_all();
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_, latch_cv_, entered_cv_;
  bool released_ = false;
  std::map<std::string, Script> scripts_;
  std::map<std::string, std::string> secrets_;
  std::map<std::string, int> counts_;
  std::vector<Received> received_;
};

// A TCP listener that reads each request and closes the connection without answering.
class Closer {
 public:
  Closer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    socklen_t len = sizeof addr;
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    ::listen(fd_, 16);
    thread_ = std::thread([this] {
      for (;;) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        char buf[4096];
        (void)::recv(c, buf, sizeof buf, 0);
        ++accepted;
        ::close(c);
      }
    });
  }
  ~Closer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  std::string url() const { return fmt::format("http://127.0.0.1:{}/hook", port_); }
  std::atomic<int> accepted{0};

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

// ---- talking to the server ------------------------------------------------------------------

// The flags of a test server: short delays, loopback allowed; `more` (flag, value pairs, or a
// lone flag) replaces a default of the same flag or adds to them.
std::vector<std::string> fast_retries(const std::vector<std::string>& more = {}) {
  std::vector<std::pair<std::string, std::string>> flags = {{"--webhook-backoff-base", "0.2"},
                                                            {"--webhook-poll-interval", "0.05"},
                                                            {"--webhook-timeout", "5"}};
  std::vector<std::string> lone = {"--webhook-allow-private"};
  for (std::size_t i = 0; i < more.size(); ++i) {
    bool has_value = i + 1 < more.size() && !more[i + 1].starts_with("--");
    if (!has_value) {
      lone.push_back(more[i]);
      continue;
    }
    auto it =
        std::find_if(flags.begin(), flags.end(), [&](const auto& f) { return f.first == more[i]; });
    if (it != flags.end()) {
      it->second = more[i + 1];
    } else {
      flags.emplace_back(more[i], more[i + 1]);
    }
    ++i;
  }
  std::vector<std::string> args = lone;
  for (const auto& [flag, value] : flags) {
    args.push_back(flag);
    args.push_back(value);
  }
  return args;
}

struct Api {
  explicit Api(int port, std::string token = "") : client("127.0.0.1", port) {
    if (!token.empty()) client.set_bearer_token_auth(token.c_str());
    client.set_read_timeout(30, 0);
  }
  // The answer's status and JSON body (null when none).
  std::pair<int, json> call(const std::string& method, const std::string& path,
                            const json& body = nullptr) {
    std::string text = body.is_null() ? "" : body.dump();
    httplib::Result r = method == "GET"      ? client.Get(path)
                        : method == "DELETE" ? client.Delete(path)
                        : method == "PATCH"  ? client.Patch(path, text, "application/json")
                        : method == "PUT"    ? client.Put(path, text, "application/json")
                                             : client.Post(path, text, "application/json");
    REQUIRE(r);
    return {r->status, json::parse(r->body.empty() ? "null" : r->body, nullptr, false)};
  }
  json ok(const std::string& method, const std::string& path, const json& body = nullptr) {
    auto [status, j] = call(method, path, body);
    CHECK_MESSAGE(status < 300, method << " " << path << ": " << status << " " << j.dump());
    return j;
  }
  // Subscribes `url`; returns {id, secret}.
  std::pair<std::string, std::string> subscribe(const std::string& url,
                                                json extra = json::object()) {
    extra["url"] = url;
    auto [status, j] = call("POST", "/webhooks", extra);
    REQUIRE_MESSAGE(status == 201, j.dump());
    return {j["id"].get<std::string>(), j.value("secret", "")};
  }
  json push(const std::string& module, const std::string& version,
            const std::string& content = kExampleProto) {
    return call("POST", "/modules/" + module + "/versions",
                {{"version", version},
                 {"files", {{{"path", "example.proto"}, {"content", content}}}}})
        .second;
  }
  json deliveries(const std::string& id, const std::string& query = "") {
    return ok("GET", "/webhooks/" + id + "/deliveries" + query)["deliveries"];
  }
  // Waits until every delivery of `id` is finished (and there are `n`); returns them.
  json settled(const std::string& id, std::size_t n) {
    for (int i = 0; i < 600; ++i) {
      json all = deliveries(id);
      bool done = all.size() >= n;
      for (const auto& d : all) done = done && d["status"] != "pending";
      if (done) return all;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL("deliveries of " << id << " did not finish: " << deliveries(id).dump());
    return {};
  }
  httplib::Client client;
};

bool eventually(const std::function<bool()>& condition) {
  for (int i = 0; i < 600; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace

// ---- signing, addresses, URLs: libspoke alone ---------------------------------------------

TEST_CASE("signatures_match_the_standard_webhooks_example") {
  // The example of the specification (standardwebhooks.com).
  auto sig =
      spoke::webhooks::sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                            "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, R"({"test": 2432232314})");
  REQUIRE(sig.ok());
  CHECK(sig.value() == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  CHECK(spoke::webhooks::verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                                "v1,bogus " + sig.value(), R"({"test": 2432232314})", 1614265400)
            .ok());
  CHECK(spoke::webhooks::verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig.value(),
                                R"({"test": 2432232315})", 1614265400)
            .code() == spoke::Code::kUnauthenticated);
  CHECK(spoke::webhooks::verify("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
                                "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", sig.value(),
                                R"({"test": 2432232314})", 1614265330 + 3600)
            .code() == spoke::Code::kUnauthenticated);

  std::string made = spoke::webhooks::generate_secret();
  CHECK(made.starts_with("whsec_"));
  CHECK(spoke::webhooks::validate_secret(made).ok());
  CHECK(b64decode(made.substr(6)).size() == 32);
  CHECK(spoke::webhooks::validate_secret("secret").reason() == "invalid_secret");
  CHECK(spoke::webhooks::validate_secret("whsec_!!!!").reason() == "invalid_secret");
  CHECK(spoke::webhooks::validate_secret("whsec_c2hvcnQ=").reason() == "invalid_secret");
}

TEST_CASE("private_addresses_and_webhook_urls") {
  using spoke::webhooks::is_private_address;
  for (const char* a : {"127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                        "169.254.169.254", "100.64.0.1", "0.0.0.0", "224.0.0.1", "::1",
                        "::", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "::ffff:10.0.0.1"}) {
    CAPTURE(a);
    CHECK(is_private_address(a));
  }
  for (const char* a : {"8.8.8.8", "172.32.0.1", "192.169.0.1", "2001:4860:4860::8888",
                        "::ffff:8.8.8.8", "example.com"}) {
    CAPTURE(a);
    CHECK_FALSE(is_private_address(a));
  }
  auto url = spoke::internal::parse_webhook_url("https://[2001:db8::1]:8443/hook?x=1");
  REQUIRE(url.ok());
  CHECK(url->host == "2001:db8::1");
  CHECK(url->port == 8443);
  CHECK(url->target == "/hook?x=1");
  CHECK(spoke::internal::parse_webhook_url("http://ci.example")->target == "/");
  for (const char* bad : {"ftp://x/y", "http://", "http://user:pw@host/", "http://h/#frag",
                          "http://h:99999/", "http://h/a b", "hooks.example/x"}) {
    CAPTURE(bad);
    CHECK(spoke::internal::parse_webhook_url(bad).status().reason() == "invalid_url");
  }
  auto later = spoke::internal::parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT",
                                                  1445412480000);  // 07:28:00
  REQUIRE(later);
  CHECK(later->count() == 30000);
  CHECK(spoke::internal::parse_retry_after("7", 0)->count() == 7000);
  CHECK_FALSE(spoke::internal::parse_retry_after("soon", 0));
}

// ---- deliveries through a real server --------------------------------------------------------

TEST_CASE("every_event_arrives_signed_by_the_specification_with_its_payload") {
  TempDir dir;
  Receiver receiver;
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto [id, secret] = api.subscribe(receiver.url("/all"), {{"headers", {{"X-Team", "platform"}}}});
  receiver.secret("/all", secret);
  CHECK(id.starts_with("wh_"));
  // The secret is shown once: never again.
  json shown = api.ok("GET", "/webhooks/" + id);
  CHECK_FALSE(shown.contains("secret"));
  CHECK(shown["state"] == "active");
  CHECK(shown["events"] == json::array({"*"}));
  CHECK(shown["module"].is_null());
  CHECK(api.ok("GET", "/webhooks")["webhooks"].dump().find(secret) == std::string::npos);

  json pushed = api.push("acme-api", "v1.0.0");
  REQUIRE(receiver.wait_for("/all", 2));
  json rejected = api.push("acme-api", "v2.0.0", "syntax = \"proto3\"; message {");
  CHECK(rejected["error"]["code"] == "invalid_schema");
  api.ok("PUT", "/modules/acme-api/config", {{"compatibility", "WIRE"}});
  json job = api.ok("POST", "/modules/acme-api/versions/v1.0.0/compile/cpp", json::object());
  REQUIRE(receiver.wait_for("/all", 5));

  std::map<std::string, json> by_type;
  std::set<std::string> ids;
  for (const auto& r : receiver.at("/all")) {
    CAPTURE(r.body);
    CHECK(r.valid);
    CHECK(r.content_type == "application/json");
    CHECK(r.team == "platform");
    CHECK(r.id.starts_with("msg_"));
    CHECK(ids.insert(r.id).second);
    json body = json::parse(r.body);
    CHECK(body["type"] == r.event);
    CHECK(body["id"].get<std::string>().starts_with("evt_"));
    CHECK(body["time"].get<std::string>().ends_with("Z"));
    // The timestamp is now-ish, in seconds.
    CHECK(std::abs(std::stoll(r.timestamp) - spoke::now_ms() / 1000) < 600);
    by_type[r.event] = body;
  }
  json created = by_type.at("module.created")["data"];
  CHECK(created["module"] == "acme-api");
  json v = by_type.at("version.pushed")["data"];
  CHECK(v["module"] == "acme-api");
  CHECK(v["version"] == "v1.0.0");
  CHECK(v["digest"] == pushed["digest"]);
  CHECK(v["files"][0]["path"] == "example.proto");
  CHECK(v["files"][0]["digest"] == pushed["files"][0]["digest"]);
  CHECK(v["dependencies"] == json::array());
  CHECK(v["forced_breaking"] == 0);
  json r = by_type.at("version.rejected")["data"];
  CHECK(r["version"] == "v2.0.0");
  CHECK(r["code"] == "invalid_schema");
  CHECK(r["errors"].get<int>() >= 1);
  CHECK(r["findings"] == 0);
  json p = by_type.at("policy.changed")["data"];
  CHECK(p["compatibility"] == "WIRE");
  CHECK(p["default"] == false);
  json c = by_type.at("compile.finished")["data"];
  CHECK(c["language"] == "cpp");
  CHECK(c["status"] == "succeeded");
  CHECK(c["job_id"] == job["job_id"]);
  CHECK(c["artifact_key"].get<std::string>().starts_with("sha256:"));
  CHECK(c["duration_ms"].get<std::int64_t>() >= 0);

  // The log says the same: the delivery's id is the webhook-id, its payload the body.
  json log = api.settled(id, 5);
  std::set<std::string> logged;
  for (const auto& d : log) {
    CHECK(d["status"] == "succeeded");
    CHECK(d["attempt_count"] == 1);
    logged.insert(d["id"].get<std::string>());
  }
  CHECK(logged == ids);
  CHECK(api.deliveries(id, "?event=version.pushed").size() == 1);
  json first = api.deliveries(id, "?limit=1");
  REQUIRE(first.size() == 1);
  auto page = api.ok("GET", "/webhooks/" + id + "/deliveries?limit=3");
  CHECK(page["deliveries"].size() == 3);
  auto rest = api.ok("GET", "/webhooks/" + id + "/deliveries?limit=3&page_token=" +
                                page["next_page_token"].get<std::string>());
  CHECK(rest["deliveries"].size() == 2);
  CHECK_FALSE(rest.contains("next_page_token"));
  // No secret in the server's logs.
  CHECK(server.log().find(secret) == std::string::npos);
}

TEST_CASE("a_receiver_failing_twice_gets_the_delivery_on_the_third_attempt") {
  TempDir dir;
  Receiver receiver;
  receiver.on("/flaky", [](int n, const httplib::Request&, httplib::Response& res) {
    if (n <= 2) {
      res.status = 500;
      res.set_content(fmt::format("failure {}", n), "text/plain");
    } else {
      res.set_content("thanks", "text/plain");
    }
  });
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto [id, secret] = api.subscribe(receiver.url("/flaky"), {{"events", {"version.pushed"}}});
  receiver.secret("/flaky", secret);
  api.push("acme-api", "v1.0.0");
  json log = api.settled(id, 1);
  REQUIRE(log.size() == 1);
  CHECK(log[0]["status"] == "succeeded");
  CHECK(log[0]["attempt_count"] == 3);
  CHECK(log[0]["last_status"] == 200);

  auto got = receiver.at("/flaky");
  REQUIRE(got.size() == 3);
  for (const auto& r : got) {
    CHECK(r.valid);
    CHECK(r.id == log[0]["id"]);  // one webhook-id on every attempt
    CHECK(r.body == got[0].body);
  }
  json detail = api.ok("GET", "/webhooks/" + id + "/deliveries/" + log[0]["id"].get<std::string>());
  CHECK(detail["payload"] == json::parse(got[0].body));
  REQUIRE(detail["attempts"].size() == 3);
  for (int i = 0; i < 3; ++i) {
    json a = detail["attempts"][i];
    CAPTURE(a.dump());
    CHECK(a["number"] == i + 1);
    CHECK(a["request"]["body"] == got[0].body);
    CHECK(a["request"]["headers"]["webhook-id"] == log[0]["id"]);
    CHECK(a["request"]["headers"]["X-Spoke-Event"] == "version.pushed");
    CHECK(a["request"]["headers"]["webhook-signature"].get<std::string>().starts_with("v1,"));
    CHECK(a["response"]["status"] == (i < 2 ? 500 : 200));
    CHECK(a["response"]["body"] == (i < 2 ? fmt::format("failure {}", i + 1) : "thanks"));
    CHECK(a["response"]["headers"]["Content-Type"] == "text/plain");
    CHECK(a["duration_ms"].get<std::int64_t>() >= 0);
    if (i < 2) {
      CHECK(a["error"]["kind"] == "http");
      CHECK(a["error"]["message"] == "HTTP 500");
    } else {
      CHECK(a["error"].is_null());
    }
  }
  // Healthy again after the success.
  json w = api.ok("GET", "/webhooks/" + id);
  CHECK(w["state"] == "active");
  CHECK(w["failing_since"].is_null());
}

TEST_CASE("timeouts_closed_connections_final_answers_and_retry_after") {
  TempDir dir;
  Receiver receiver;
  Closer closer;
  receiver.on("/slow",
              [&](int, const httplib::Request& req, httplib::Response&) { receiver.hold(req); });
  receiver.on("/gone",
              [](int, const httplib::Request&, httplib::Response& res) { res.status = 410; });
  receiver.on("/moved", [](int, const httplib::Request&, httplib::Response& res) {
    res.status = 302;
    res.set_header("Location", "http://127.0.0.1:1/elsewhere");
  });
  receiver.on("/busy", [](int n, const httplib::Request&, httplib::Response& res) {
    if (n == 1) {
      res.status = 429;
      res.set_header("Retry-After", "2");
    }
  });
  Server server(dir.path() / "server",
                fast_retries({"--webhook-timeout", "1", "--webhook-max-attempts", "2"}));
  Api api(server.port());
  json pushed_only = {{"events", {"version.pushed"}}};
  auto slow = api.subscribe(receiver.url("/slow"), pushed_only).first;
  auto closed = api.subscribe(closer.url(), pushed_only).first;
  auto gone = api.subscribe(receiver.url("/gone"), pushed_only).first;
  auto moved = api.subscribe(receiver.url("/moved"), pushed_only).first;
  auto busy = api.subscribe(receiver.url("/busy"), pushed_only).first;
  auto refused = api.subscribe("http://127.0.0.1:1/nobody", pushed_only).first;
  api.push("acme-api", "v1.0.0");

  auto attempts = [&](const std::string& id) {
    json d = api.settled(id, 1)[0];
    return api.ok("GET", "/webhooks/" + id + "/deliveries/" + d["id"].get<std::string>());
  };
  json s = attempts(slow);
  CHECK(s["status"] == "failed");
  REQUIRE(s["attempts"].size() == 2);
  CHECK(s["attempts"][0]["error"]["kind"] == "timeout");
  CHECK(s["attempts"][0]["response"].is_null());
  CHECK(s["last_error"].get<std::string>().find("gave up after 2 attempts") != std::string::npos);

  json c = attempts(closed);
  CHECK(c["status"] == "failed");
  CHECK(c["attempts"][0]["error"]["kind"] == "closed");
  CHECK(closer.accepted >= 2);

  json g = attempts(gone);  // 4xx: final at once
  CHECK(g["status"] == "failed");
  CHECK(g["attempts"].size() == 1);
  CHECK(g["attempts"][0]["response"]["status"] == 410);

  json m = attempts(moved);  // redirects are not followed
  CHECK(m["status"] == "failed");
  CHECK(m["attempts"].size() == 1);
  CHECK(m["attempts"][0]["error"]["message"].get<std::string>().find(
            "redirects are not followed") != std::string::npos);

  json b = attempts(busy);
  CHECK(b["status"] == "succeeded");
  REQUIRE(b["attempts"].size() == 2);
  CHECK(b["attempts"][0]["response"]["status"] == 429);
  // Retry-After: 2 was honoured (the backoff alone would be about 0.2 s).
  auto t0 = spoke::rest::internal::parse_timestamp(b["attempts"][0]["time"]);
  auto t1 = spoke::rest::internal::parse_timestamp(b["attempts"][1]["time"]);
  CHECK(t1 - t0 >= 2000);

  json n = attempts(refused);
  CHECK(n["attempts"][0]["error"]["kind"] == "connect");

  // Failing subscriptions say so, with the reason.
  json w = api.ok("GET", "/webhooks/" + gone);
  CHECK(w["state"] == "failing");
  CHECK(w["reason"] == "last delivery failed: HTTP 410");
  CHECK_FALSE(w["failing_since"].is_null());
}

TEST_CASE("a_slow_receiver_does_not_hold_up_the_others_nor_the_push") {
  TempDir dir;
  Receiver receiver;
  receiver.on("/stuck",
              [&](int, const httplib::Request& req, httplib::Response&) { receiver.hold(req); });
  Server server(dir.path() / "server", fast_retries({"--webhook-timeout", "30"}));
  Api api(server.port());
  api.subscribe(receiver.url("/stuck"), {{"events", {"version.pushed"}}});
  api.subscribe(receiver.url("/fine"), {{"events", {"version.pushed"}}});
  api.push("acme-api", "v1.0.0");
  REQUIRE(receiver.wait_entered("/stuck", 1));
  // While /stuck holds a delivery: the next push is answered, and /fine gets its delivery.
  json pushed = api.push("acme-api", "v1.1.0");
  CHECK(pushed["version"] == "v1.1.0");
  CHECK(receiver.wait_for("/fine", 2));
  CHECK(receiver.at("/stuck").empty());  // recorded only once it answers
  receiver.release();
  CHECK(receiver.wait_for("/stuck", 2));
}

TEST_CASE("deliveries_pending_at_a_kill_9_go_out_after_the_restart_each_once") {
  TempDir dir;
  Receiver receiver;
  std::atomic<bool> down{true};
  // Refused for a while: every delivery waits 8 s before its next attempt.
  receiver.on("/later", [&](int, const httplib::Request&, httplib::Response& res) {
    if (down) {
      res.status = 503;
      res.set_header("Retry-After", "8");
    }
  });
  std::vector<std::string> args = fast_retries();
  std::string data = (dir.path() / "data").string();
  auto server = std::make_unique<Server>(dir.path() / "server", args, data);
  std::string id, secret;
  std::set<std::string> before;
  {
    Api api(server->port());
    std::tie(id, secret) = api.subscribe(receiver.url("/later"));
    receiver.secret("/later", secret);
    for (const char* v : {"v1.0.0", "v1.1.0", "v1.2.0"}) api.push("acme-api", v);
    // module.created and three version.pushed, each tried once and refused, none being tried.
    REQUIRE(eventually([&] {
      before.clear();
      for (const auto& r : receiver.at("/later")) before.insert(r.id);
      if (before.size() < 4) return false;
      json all = api.deliveries(id);
      return std::all_of(all.begin(), all.end(), [](const json& d) {
        return d["attempt_count"] == 1 && d["in_flight"] == false;
      });
    }));
  }
  REQUIRE(before.size() == 4);
  server->process().signal(SIGKILL);
  server->process().wait();
  server.reset();
  down = false;

  server = std::make_unique<Server>(dir.path() / "server", args, data);
  Api api(server->port());
  json log = api.settled(id, 4);
  std::map<std::string, int> delivered;
  for (const auto& r : receiver.at("/later")) {
    CHECK(r.valid);
    if (r.answered == 200) ++delivered[r.id];
  }
  CHECK(delivered.size() == 4);
  for (const auto& [delivery, times] : delivered) {
    CAPTURE(delivery);
    CHECK(times == 1);
    CHECK(before.count(delivery) == 1);  // the same webhook-id as before the kill
  }
  for (const auto& d : log) {
    CHECK(d["status"] == "succeeded");
    CHECK(d["attempt_count"] == 2);
  }
}

TEST_CASE("redeliver_ping_pause_and_resume") {
  TempDir dir;
  Receiver receiver;
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto [id, secret] = api.subscribe(receiver.url("/hook"), {{"events", {"version.*"}}});
  receiver.secret("/hook", secret);
  api.push("acme-api", "v1.0.0");
  json first = api.settled(id, 1)[0];
  std::string delivery = first["id"];

  // Redelivery: the same webhook-id again, a second attempt in the log.
  auto [status, again] =
      api.call("POST", "/webhooks/" + id + "/deliveries/" + delivery + "/redeliver");
  CHECK(status == 202);
  CHECK(again["id"] == delivery);
  CHECK(again["manual"] == true);
  REQUIRE(receiver.wait_for("/hook", 2));
  auto got = receiver.at("/hook");
  CHECK(got[1].id == delivery);
  CHECK(got[1].body == got[0].body);
  CHECK(got[1].valid);
  CHECK(eventually([&] {
    return api.ok("GET", "/webhooks/" + id + "/deliveries/" + delivery)["attempts"].size() == 2;
  }));
  CHECK(api.call("POST", "/webhooks/" + id + "/deliveries/msg_nope/redeliver").first == 404);
  CHECK(api.call("POST", "/webhooks/wh_nope/deliveries/" + delivery + "/redeliver")
            .second["error"]["code"] == "webhook_not_found");

  // Ping: whatever the subscription names.
  auto [ping_status, ping] = api.call("POST", "/webhooks/" + id + "/ping");
  CHECK(ping_status == 202);
  CHECK(ping["event"] == "ping");
  REQUIRE(receiver.wait_for("/hook", 3));
  auto p = receiver.at("/hook")[2];
  CHECK(p.event == "ping");
  CHECK(p.valid);
  CHECK(json::parse(p.body)["data"]["webhook_id"] == id);
  CHECK(api.call("POST", "/webhooks/wh_nope/ping").first == 404);

  // Paused: its events are not delivered; resumed: they are again.
  json paused = api.ok("PATCH", "/webhooks/" + id, {{"active", false}});
  CHECK(paused["state"] == "paused");
  api.push("acme-api", "v1.1.0");
  api.push("other", "v1.0.0");
  api.ok("PATCH", "/webhooks/" + id, {{"active", true}});
  api.push("acme-api", "v1.2.0");
  REQUIRE(receiver.wait_for("/hook", 4));
  json latest = json::parse(receiver.at("/hook")[3].body);
  CHECK(latest["data"]["version"] == "v1.2.0");
  CHECK(api.settled(id, 3).size() == 3);  // the first push, the ping, the last push

  // Removed: gone with its log.
  CHECK(api.call("DELETE", "/webhooks/" + id).first == 204);
  CHECK(api.call("GET", "/webhooks/" + id).second["error"]["code"] == "webhook_not_found");
  CHECK(api.call("GET", "/webhooks/" + id + "/deliveries").first == 404);
}

TEST_CASE("a_subscription_failing_for_too_long_is_paused_with_the_reason") {
  TempDir dir;
  Receiver receiver;
  receiver.on("/down",
              [](int, const httplib::Request&, httplib::Response& res) { res.status = 502; });
  Server server(dir.path() / "server",
                fast_retries({"--webhook-pause-after", "1", "--webhook-max-attempts", "50"}));
  Api api(server.port());
  auto id = api.subscribe(receiver.url("/down"), {{"events", {"version.pushed"}}}).first;
  api.push("acme-api", "v1.0.0");
  json w;
  REQUIRE(eventually([&] {
    w = api.ok("GET", "/webhooks/" + id);
    return w["state"] == "paused";
  }));
  CHECK(w["active"] == false);
  CHECK(w["reason"].get<std::string>().starts_with("paused at "));
  CHECK(w["reason"].get<std::string>().find("HTTP 502") != std::string::npos);
  // Its pending delivery waits; resuming sends it again.
  std::size_t tried = receiver.at("/down").size();
  json d = api.deliveries(id)[0];
  CHECK(d["status"] == "pending");
  receiver.on("/down", [](int, const httplib::Request&, httplib::Response&) {});
  json resumed = api.ok("PATCH", "/webhooks/" + id, {{"active", true}});
  CHECK(resumed["state"] == "active");
  CHECK(resumed["reason"].is_null());
  CHECK(api.settled(id, 1)[0]["status"] == "succeeded");
  CHECK(receiver.at("/down").size() > tried);
}

TEST_CASE("module_and_event_filters_choose_the_deliveries") {
  TempDir dir;
  Receiver receiver;
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto acme =
      api.subscribe(receiver.url("/acme"), {{"module", "acme-*"}, {"events", {"version.pushed"}}})
          .first;
  auto other = api.subscribe(receiver.url("/other"), {{"module", "other"}, {"events", "*"}}).first;
  auto policies = api.subscribe(receiver.url("/policies"), {{"events", {"policy.changed"}}}).first;
  api.push("acme-api", "v1.0.0");
  api.push("acme-web", "v1.0.0");
  api.push("other", "v1.0.0");
  api.push("unrelated", "v1.0.0");
  api.ok("PUT", "/modules/unrelated/config", {{"compatibility", "NONE"}});
  json a = api.settled(acme, 2);
  json o = api.settled(other, 2);
  json p = api.settled(policies, 1);
  std::set<std::string> acme_modules;
  for (const auto& d : a) {
    CHECK(d["event"] == "version.pushed");
    acme_modules.insert(d["module"].get<std::string>());
  }
  CHECK(acme_modules == std::set<std::string>{"acme-api", "acme-web"});
  for (const auto& d : o) CHECK(d["module"] == "other");
  CHECK(p[0]["module"] == "unrelated");
  // Nothing more came.
  CHECK(api.deliveries(acme).size() == 2);
  CHECK(api.deliveries(other).size() == 2);
  CHECK(api.deliveries(policies).size() == 1);
}

TEST_CASE("private_addresses_are_refused_without_the_flag") {
  TempDir dir;
  Receiver receiver;
  Server server(dir.path() / "server", {"--webhook-poll-interval", "0.05"});
  Api api(server.port());
  for (const char* host : {"127.0.0.1", "10.0.0.7", "169.254.169.254", "[::1]"}) {
    CAPTURE(host);
    auto [status, body] =
        api.call("POST", "/webhooks", {{"url", fmt::format("http://{}/x", host)}});
    CHECK(status == 400);
    CHECK(body["error"]["code"] == "invalid_url");
    CHECK(body["error"]["message"].get<std::string>().find("--webhook-allow-private") !=
          std::string::npos);
  }
  // A name is checked once resolved: localhost is loopback.
  auto id = api.subscribe(receiver.url("/x").replace(7, 9, "localhost")).first;
  api.push("acme-api", "v1.0.0");
  json d = api.settled(id, 2)[0];
  CHECK(d["status"] == "failed");
  json detail = api.ok("GET", "/webhooks/" + id + "/deliveries/" + d["id"].get<std::string>());
  REQUIRE(detail["attempts"].size() == 1);
  CHECK(detail["attempts"][0]["error"]["kind"] == "blocked");
  CHECK(detail["attempts"][0]["error"]["message"].get<std::string>().find("private") !=
        std::string::npos);
  CHECK(receiver.at("/x").empty());
}

TEST_CASE("requests_for_subscriptions_are_checked") {
  TempDir dir;
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto code_of = [&](const std::string& method, const std::string& path, const json& body) {
    auto [status, j] = api.call(method, path, body);
    CHECK_MESSAGE(status == 400, method << " " << path << " " << body.dump() << ": " << j.dump());
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : j.dump();
  };
  CHECK(code_of("POST", "/webhooks", json::object()) == "missing_field");
  CHECK(code_of("POST", "/webhooks", {{"url", "ftp://x/y"}}) == "invalid_url");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"events", {"version.deleted"}}}) ==
        "invalid_event");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"events", json::array()}}) ==
        "invalid_event");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"events", 3}}) == "invalid_field");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"module", "Bad Module"}}) ==
        "invalid_module_filter");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"secret", "hunter2"}}) ==
        "invalid_secret");
  CHECK(code_of("POST", "/webhooks",
                {{"url", "http://h/"}, {"headers", {{"webhook-signature", "x"}}}}) ==
        "invalid_header");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"headers", {{"Bad Name", "x"}}}}) ==
        "invalid_header");
  CHECK(code_of("POST", "/webhooks", {{"url", "http://h/"}, {"colour", "red"}}) == "unknown_field");
  auto [id, secret] =
      api.subscribe("http://hooks.example/x", {{"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"},
                                               {"headers", {{"Authorization", "Bearer abc"}}}});
  CHECK(secret.empty());  // a secret the client gave is not echoed
  json shown = api.ok("GET", "/webhooks/" + id);
  CHECK(shown["headers"]["Authorization"] == "[redacted]");
  CHECK(code_of("GET", "/webhooks/" + id + "/deliveries?status=lost", nullptr) == "invalid_status");
  CHECK(code_of("GET", "/webhooks/" + id + "/deliveries?limit=0", nullptr) == "invalid_limit");
  CHECK(code_of("GET", "/webhooks/" + id + "/deliveries?page_token=x", nullptr) ==
        "invalid_page_token");
  CHECK(code_of("PATCH", "/webhooks/" + id,
                {{"secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"}, {"rotate_secret", true}}) ==
        "invalid_secret");
  // Rotation shows the new secret once.
  json rotated = api.ok("PATCH", "/webhooks/" + id, {{"rotate_secret", true}});
  CHECK(rotated["secret"].get<std::string>().starts_with("whsec_"));
  CHECK(rotated["secret"] != secret);
  json plain = api.ok("PATCH", "/webhooks/" + id, {{"description", "ci"}});
  CHECK_FALSE(plain.contains("secret"));
  CHECK(plain["description"] == "ci");
  CHECK(api.call("PATCH", "/webhooks/wh_nope", {{"active", true}}).first == 404);
  CHECK(api.call("GET", "/webhooks/" + id + "/deliveries/msg_nope").first == 404);
}

TEST_CASE("two_servers_on_one_postgresql_database_send_each_delivery_once") {
  if (!spoke::testing::kPostgresBuilt) {
    MESSAGE("postgres: skipped, this build has no PostgreSQL backend");
    return;
  }
  TempDir dir;
  Receiver receiver;
  std::string url;
  try {
    url = spoke::testing::postgres_url_for(dir.str());
  } catch (const std::exception& e) {
    FAIL("PostgreSQL: " << e.what());
  }
  auto start = [&](const std::string& name) {
    return std::make_unique<Server>(dir.path() / name,
                                    fast_retries({"--storage-type", "postgres", "--postgres-url",
                                                  url, "--webhook-workers", "3"}),
                                    "", std::vector<std::string>{}, false);
  };
  auto a = start("a");
  auto b = start("b");
  Api api_a(a->port()), api_b(b->port());
  auto [id, secret] = api_a.subscribe(receiver.url("/pg"));
  receiver.secret("/pg", secret);
  constexpr int kVersions = 12;
  for (int i = 0; i < kVersions; ++i) {
    Api& api = i % 2 == 0 ? api_a : api_b;
    json r = api.push("acme-api", fmt::format("v1.{}.0", i));
    REQUIRE_MESSAGE(r.contains("digest"), r.dump());
  }
  json log = api_b.settled(id, kVersions + 1);
  REQUIRE(log.size() == kVersions + 1);
  std::map<std::string, int> received;
  for (const auto& r : receiver.at("/pg")) {
    CHECK(r.valid);
    ++received[r.id];
  }
  CHECK(received.size() == kVersions + 1);
  for (const auto& [delivery, n] : received) {
    CAPTURE(delivery);
    CHECK(n == 1);
  }
  for (const auto& d : log) {
    CHECK(d["status"] == "succeeded");
    CHECK(d["attempt_count"] == 1);
  }
}

TEST_CASE("subscription_changes_are_admin_only_and_in_the_audit_log") {
  TempDir dir;
  const std::string admin = "spoke_" + std::string(40, 'a');
  Server server(dir.path() / "server", fast_retries({"--auth", "writes"}), "",
                {"SPOKE_ADMIN_TOKEN=" + admin});
  Api anonymous(server.port());
  CHECK(anonymous.call("GET", "/webhooks").first == 401);
  Api api(server.port(), admin);
  auto id = api.subscribe("http://hooks.example/audit").first;
  api.ok("PATCH", "/webhooks/" + id, {{"active", false}});
  CHECK(api.call("POST", "/webhooks/" + id + "/ping").first == 202);
  CHECK(api.call("DELETE", "/webhooks/" + id).first == 204);
  CHECK(api.call("DELETE", "/webhooks/" + id).first == 404);
  json entries = api.ok("GET", "/audit?limit=5")["entries"];
  REQUIRE(entries.size() == 5);
  std::vector<std::string> seen;
  for (const auto& e : entries) {
    seen.push_back(fmt::format("{} {} {}", e["method"].get<std::string>(),
                               e["route"].get<std::string>(), e["status"].get<int>()));
    CHECK(e["actor"] == "admin");
  }
  CHECK(seen == std::vector<std::string>{"DELETE /webhooks/{id} 404", "DELETE /webhooks/{id} 204",
                                         "POST /webhooks/{id}/ping 202", "PATCH /webhooks/{id} 200",
                                         "POST /webhooks 201"});
}

TEST_CASE("spoke_webhooks_commands") {
  TempDir dir;
  Receiver receiver;
  Server server(dir.path() / "server", fast_retries());
  auto spoke_cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), spoke::testing::binary_from_env("SPOKE_CLI_BIN"));
    args.push_back("--registry");
    args.push_back(server.url());
    return spoke::testing::run(args, dir.path());
  };
  auto added = spoke_cli({"webhooks", "add", "--url", receiver.url("/cli"), "--event",
                          "version.pushed", "--module", "acme-*", "--header", "X-Team=platform"});
  REQUIRE_MESSAGE(added.exit_code == 0, added.err);
  std::string secret = added.out.substr(0, added.out.find('\n'));
  CHECK(secret.starts_with("whsec_"));
  CHECK(added.err.find("shown only now") != std::string::npos);
  receiver.secret("/cli", secret);

  auto listed = spoke_cli({"webhooks", "list", "--json"});
  REQUIRE(listed.exit_code == 0);
  std::string id = json::parse(listed.out)["webhooks"][0]["id"];
  auto shown = spoke_cli({"webhooks", "show", id});
  CHECK(shown.out.find("acme-*") != std::string::npos);
  CHECK(shown.out.find("X-Team: platform") != std::string::npos);
  CHECK(shown.out.find(secret) == std::string::npos);

  Api api(server.port());
  api.push("acme-api", "v1.0.0");
  REQUIRE(receiver.wait_for("/cli", 1));
  CHECK(receiver.at("/cli")[0].valid);
  std::string delivery = api.settled(id, 1)[0]["id"];
  auto deliveries = spoke_cli({"webhooks", "deliveries", id});
  CHECK(deliveries.out.find(delivery + " ") != std::string::npos);
  CHECK(deliveries.out.find("version.pushed succeeded") != std::string::npos);
  auto one = spoke_cli({"webhooks", "deliveries", id, delivery});
  CHECK(one.out.find("attempt 1") != std::string::npos);
  CHECK(one.out.find("HTTP 200") != std::string::npos);

  auto redelivered = spoke_cli({"webhooks", "redeliver", id, delivery});
  CHECK(redelivered.exit_code == 0);
  CHECK(redelivered.out == "redelivering " + delivery + "\n");
  auto pinged = spoke_cli({"webhooks", "ping", id});
  CHECK(pinged.exit_code == 0);
  REQUIRE(receiver.wait_for("/cli", 3));

  auto paused = spoke_cli({"webhooks", "update", id, "--pause"});
  CHECK(paused.exit_code == 0);
  CHECK(api.ok("GET", "/webhooks/" + id)["state"] == "paused");
  auto rotated = spoke_cli({"webhooks", "update", id, "--rotate-secret", "--resume"});
  CHECK(rotated.out.starts_with("whsec_"));
  CHECK(api.ok("GET", "/webhooks/" + id)["state"] == "active");

  auto bad = spoke_cli({"webhooks", "add", "--url", "ftp://x"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("scheme \"ftp\"") != std::string::npos);
  auto bad_header = spoke_cli({"webhooks", "add", "--url", receiver.url("/x"), "--header", "x"});
  CHECK(bad_header.exit_code == 2);
  auto removed = spoke_cli({"webhooks", "remove", id});
  CHECK(removed.exit_code == 0);
  auto missing = spoke_cli({"webhooks", "show", id});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("not found") != std::string::npos);
}

TEST_CASE("migrate_storage_copies_subscriptions_and_their_logs") {
  TempDir dir;
  Receiver receiver;
  std::string from = "sqlite:" + (dir.path() / "from").string();
  std::string to = "sqlite:" + (dir.path() / "to").string();
  std::string id, secret, delivery;
  {
    Server server(dir.path() / "server", fast_retries(), (dir.path() / "from").string());
    Api api(server.port());
    std::tie(id, secret) = api.subscribe(receiver.url("/copied"), {{"events", {"version.pushed"}}});
    receiver.secret("/copied", secret);
    api.push("acme-api", "v1.0.0");
    delivery = api.settled(id, 1)[0]["id"];
    server.stop();
  }
  auto migrated = spoke::testing::run({spoke::testing::binary_from_env("SPOKE_SERVER_BIN"),
                                       "migrate-storage", "--from", from, "--to", to},
                                      dir.path());
  REQUIRE_MESSAGE(migrated.exit_code == 0, migrated.err);
  CHECK(migrated.err.find("1 webhooks, 1 webhook events, 1 webhook deliveries") !=
        std::string::npos);
  Server server(dir.path() / "server2", fast_retries(), (dir.path() / "to").string());
  Api api(server.port());
  json w = api.ok("GET", "/webhooks/" + id);
  CHECK(w["url"] == receiver.url("/copied"));
  json d = api.ok("GET", "/webhooks/" + id + "/deliveries/" + delivery);
  CHECK(d["status"] == "succeeded");
  REQUIRE(d["attempts"].size() == 1);
  CHECK(d["attempts"][0]["response"]["status"] == 200);
  CHECK(d["payload"]["data"]["version"] == "v1.0.0");
  // The copied secret still signs.
  api.push("acme-api", "v1.1.0");
  CHECK(api.settled(id, 2)[0]["status"] == "succeeded");
  REQUIRE(receiver.at("/copied").size() == 2);
  CHECK(receiver.at("/copied")[1].valid);
}

TEST_CASE("the_standardwebhooks_javascript_library_accepts_the_deliveries") {
  // The receiver's side as users write it (docs/webhooks.md): the npm package, installed once
  // into the build directory. Skipped without node and npm (or without the npm registry).
  TempDir dir;
  const char* build_dir = std::getenv("SPOKE_BUILD_DIR");
  std::filesystem::path prefix =
      std::filesystem::path(build_dir != nullptr ? build_dir : dir.str()) / "npm-standardwebhooks";
  std::filesystem::path package = prefix / "node_modules" / "standardwebhooks";
  if (!std::filesystem::exists(package / "package.json")) {
    auto installed =
        spoke::testing::run({"/bin/sh", "-c",
                             "command -v node >/dev/null && command -v npm >/dev/null && "
                             "timeout 120 npm install --no-audit --no-fund --silent --prefix '" +
                                 prefix.string() + "' standardwebhooks"},
                            dir.path());
    if (installed.exit_code != 0 || !std::filesystem::exists(package / "package.json")) {
      MESSAGE("standardwebhooks (npm): skipped, node, npm or the npm registry is not available");
      return;
    }
  }
  Receiver receiver;
  Server server(dir.path() / "server", fast_retries());
  Api api(server.port());
  auto [id, secret] = api.subscribe(receiver.url("/js"));
  api.push("acme-api", "v1.0.0");
  REQUIRE(receiver.wait_for("/js", 2));
  Received r = receiver.at("/js")[0];
  json headers = {
      {"webhook-id", r.id}, {"webhook-timestamp", r.timestamp}, {"webhook-signature", r.signature}};
  spoke::testing::write_file(dir.path() / "body.json", r.body);
  spoke::testing::write_file(dir.path() / "headers.json", headers.dump());
  spoke::testing::write_file(dir.path() / "tampered.json", r.body + " ");
  std::string script = fmt::format(
      "const {{ Webhook }} = require('{}');\n"
      "const fs = require('fs');\n"
      "const wh = new Webhook('{}');\n"
      "const headers = JSON.parse(fs.readFileSync('headers.json', 'utf8'));\n"
      "const event = wh.verify(fs.readFileSync(process.argv[2], 'utf8'), headers);\n"
      "console.log(event.type);\n",
      package.string(), secret);
  spoke::testing::write_file(dir.path() / "verify.js", script);
  auto verified =
      spoke::testing::run({"/bin/sh", "-c", "node verify.js body.json"}, dir.path(), {}, dir.str());
  CHECK_MESSAGE(verified.exit_code == 0, verified.err);
  CHECK(verified.out == r.event + "\n");
  auto tampered = spoke::testing::run({"/bin/sh", "-c", "node verify.js tampered.json"}, dir.path(),
                                      {}, dir.str());
  CHECK(tampered.exit_code != 0);
  CHECK(tampered.err.find("No matching signature found") != std::string::npos);
}
