// spoke-server: wires libspoke to the REST API and the health endpoints.
#include <httplib.h>
#include <signal.h>
#include <sys/socket.h>

#include <CLI/CLI.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <mutex>
#include <thread>

#include "admin_commands.h"
#include "http_api.h"
#include "http_metrics.h"
#include "logging.h"
#include "spoke/auth.h"
#include "spoke/frontend/args.h"
#include "spoke/registry.h"
#include "spoke/rest.h"
#include "spoke/version.h"
#include "spoke/webhooks.h"

namespace {

struct Config {
  std::string host = "0.0.0.0";
  int port = 8080;
  int health_port = 9090;
  std::string storage_type = "sqlite";
  std::string storage_dir = "./data";
  std::string postgres_url;
  std::vector<std::string> postgres_replica_urls;
  int postgres_pool_size = 16;
  double postgres_query_timeout_s = 10;
  double postgres_connect_timeout_s = 5;
  double drain_timeout_s = 30;
  double compile_job_lease_s = 30;
  std::string max_body = "256MiB";
  std::string schema_cache = "1GiB";
  int threads = 64;
  int keep_alive_max = 100000;
  int read_timeout_s = 60;
  int listen_backlog = 1024;
  std::string port_file;
  bool no_access_log = false;
  int compile_workers = 2;
  std::vector<std::string> auto_compile;
  double plugin_timeout_s = 60;
  std::vector<std::string> plugin_dirs;
  std::string compatibility = "FILE";
  std::string auth = "none";
  int webhook_workers = 4;
  int webhook_max_attempts = 12;
  double webhook_backoff_base_s = 60;
  double webhook_timeout_s = 10;
  double webhook_pause_after_s = 5 * 24 * 3600;
  bool webhook_allow_private = false;
  int webhook_retention_days = 30;
  double webhook_poll_interval_s = 1;
  std::string log_level = "info";
  double rate_limit = 0;
  double rate_burst = 0;
  double push_rate_limit = 0;
  double push_rate_burst = 0;
  std::string redis_url;
  std::vector<std::string> trusted_proxies;
  std::string tls_cert;
  std::string tls_key;
};

using spoke::log::Level;
using spoke::server::log;

// A budget of `rate` requests a second; the burst defaults to one second's worth (at least 1).
spoke::RateBudget budget(std::string name, double rate, double burst) {
  return {std::move(name), rate, burst > 0 ? burst : std::max(1.0, std::ceil(rate))};
}

bool readable(const std::string& path) { return std::ifstream(path).good(); }

// The listening socket of a server, remembered so its backlog can be raised after bind.
struct ListenSocket {
  socket_t fd = -1;
};

// `count_connections`: the workers count the connections they hold in
// spoke_http_open_connections (the API's, not the health port's).
void tune(httplib::Server& server, const Config& c, ListenSocket& listen_socket,
          bool count_connections) {
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, which would let a second server
  // start on a port already in use and silently split the traffic with the first.
  server.set_socket_options([&listen_socket](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_socket.fd = sock;
  });
  int threads = c.threads;
  server.new_task_queue = [threads, count_connections]() -> httplib::TaskQueue* {
    if (!count_connections) return new httplib::ThreadPool(static_cast<std::size_t>(threads));
    return spoke::server::counting_task_queue(static_cast<std::size_t>(threads));
  };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(static_cast<size_t>(c.keep_alive_max));
  server.set_read_timeout(c.read_timeout_s, 0);
}

// Binds and listens. httplib listens with a backlog of 5, which drops connections when many
// clients connect at once; listen() again raises it (on Linux that only changes the backlog).
int bind_server(httplib::Server& server, const std::string& host, int port,
                const ListenSocket& listen_socket, int backlog) {
  int bound =
      port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  if (bound >= 0 && listen_socket.fd >= 0) ::listen(listen_socket.fd, backlog);
  return bound;
}

// True for addresses only this machine reaches.
bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  CLI::App app{"spoke-server: the Spoke Protocol Buffers schema registry"};
  app.option_defaults()->always_capture_default();
  app.add_option("--port", c.port, "API port (0 picks a free one)")->envname("SPOKE_PORT");
  app.add_option("--health-port", c.health_port, "health port for /health/live and /health/ready")
      ->envname("SPOKE_HEALTH_PORT");
  app.add_option("--host", c.host, "address to listen on")->envname("SPOKE_HOST");
  app.add_option("--storage-type", c.storage_type,
                 "sqlite (default), filesystem (same), memory, postgres")
      ->envname("SPOKE_STORAGE_TYPE");
  app.add_option("--storage-dir", c.storage_dir, "data directory of the embedded storage")
      ->envname("SPOKE_FILESYSTEM_ROOT");
  app.add_option("--postgres-url", c.postgres_url,
                 "PostgreSQL URL for --storage-type postgres (postgresql://user@host:5432/db)")
      ->envname("SPOKE_POSTGRES_URL");
  app.add_option("--postgres-replica-urls", c.postgres_replica_urls,
                 "read replicas, comma-separated: GET requests may read from them")
      ->envname("SPOKE_POSTGRES_REPLICA_URLS")
      ->delimiter(',');
  app.add_option("--postgres-pool-size", c.postgres_pool_size,
                 "connections kept per PostgreSQL server (primary, each replica)")
      ->envname("SPOKE_POSTGRES_POOL_SIZE")
      ->check(CLI::Range(1, 1000));
  app.add_option("--postgres-query-timeout", c.postgres_query_timeout_s,
                 "seconds a statement may run (or wait for a connection) before the request "
                 "gets 503")
      ->envname("SPOKE_POSTGRES_QUERY_TIMEOUT")
      ->check(CLI::PositiveNumber);
  app.add_option("--postgres-connect-timeout", c.postgres_connect_timeout_s,
                 "seconds a connection attempt may take")
      ->envname("SPOKE_POSTGRES_CONNECT_TIMEOUT")
      ->check(CLI::PositiveNumber);
  app.add_option("--drain-timeout", c.drain_timeout_s,
                 "on SIGTERM, seconds in-flight requests get to finish before the server exits")
      ->envname("SPOKE_DRAIN_TIMEOUT")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--compile-job-lease", c.compile_job_lease_s,
                 "seconds a compile job stays this server's without renewal; another server "
                 "takes over a job whose server died once it expires")
      ->envname("SPOKE_COMPILE_JOB_LEASE")
      ->check(CLI::PositiveNumber);
  app.add_option("--max-body-size", c.max_body,
                 "largest accepted request body after decompression (e.g. 256MiB)")
      ->envname("SPOKE_MAX_BODY_SIZE");
  app.add_option("--schema-cache-size", c.schema_cache,
                 "memory the linked schemas of recently used versions may take (diffs, policy "
                 "checks, descriptors, compile jobs), e.g. 1GiB")
      ->envname("SPOKE_SCHEMA_CACHE_SIZE");
  app.add_option("--threads", c.threads, "HTTP worker threads")
      ->envname("SPOKE_THREADS")
      ->check(CLI::Range(1, 4096));
  app.add_option("--keep-alive-max", c.keep_alive_max, "requests served per keep-alive connection")
      ->envname("SPOKE_KEEP_ALIVE_MAX")
      ->check(CLI::Range(1, 100000000));
  app.add_option("--listen-backlog", c.listen_backlog,
                 "connections the kernel queues before accept")
      ->envname("SPOKE_LISTEN_BACKLOG")
      ->check(CLI::Range(1, 65535));
  app.add_option("--read-timeout", c.read_timeout_s, "seconds to wait for a client's request")
      ->envname("SPOKE_READ_TIMEOUT");
  app.add_option("--port-file", c.port_file,
                 "write \"<api port> <health port>\" here once listening (useful with --port 0)");
  app.add_flag("--no-access-log", c.no_access_log, "do not log one JSON line per request");
  app.add_option("--compile-workers", c.compile_workers, "background workers for compile jobs")
      ->envname("SPOKE_COMPILE_WORKERS")
      ->check(CLI::Range(1, 64));
  app.add_option("--auto-compile", c.auto_compile,
                 "languages compiled on every push, comma-separated (e.g. go,python)")
      ->envname("SPOKE_AUTO_COMPILE")
      ->delimiter(',');
  app.add_option("--plugin-timeout", c.plugin_timeout_s,
                 "seconds a protoc plugin may run before the job fails")
      ->envname("SPOKE_PLUGIN_TIMEOUT")
      ->check(CLI::PositiveNumber);
  app.add_option("--compatibility", c.compatibility,
                 "breaking-change policy of modules that set none: FILE (default), PACKAGE, "
                 "WIRE_JSON, WIRE, BACKWARD[_TRANSITIVE], FORWARD[_TRANSITIVE], "
                 "FULL[_TRANSITIVE] or NONE")
      ->envname("SPOKE_COMPATIBILITY");
  app.add_option("--plugin-dir", c.plugin_dirs,
                 "directory searched for protoc-gen-* plugins before $PATH (repeatable)");

  app.add_option("--auth", c.auth,
                 "which requests need an access token: none (default), writes (every change), "
                 "all (everything but /health/*)")
      ->envname("SPOKE_AUTH");
  app.add_option("--log-level", c.log_level,
                 "least severe log lines written: debug, info, warn, error")
      ->envname("SPOKE_LOG_LEVEL");
  app.add_option("--rate-limit", c.rate_limit,
                 "requests a second each token (or each client address, for anonymous callers) "
                 "may make; 0: unlimited")
      ->envname("SPOKE_RATE_LIMIT")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--rate-burst", c.rate_burst,
                 "requests a caller may make at once above --rate-limit (default: one second's "
                 "worth)")
      ->envname("SPOKE_RATE_BURST")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--push-rate-limit", c.push_rate_limit,
                 "requests a second for pushes and compile requests, a budget of their own "
                 "(default: a tenth of --rate-limit)")
      ->envname("SPOKE_PUSH_RATE_LIMIT")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--push-rate-burst", c.push_rate_burst,
                 "pushes and compile requests a caller may make at once (default: one second's "
                 "worth)")
      ->envname("SPOKE_PUSH_RATE_BURST")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--redis-url", c.redis_url,
                 "share rate limits with every instance through this Redis "
                 "(redis://[[user]:password@]host[:port][/db])")
      ->envname("SPOKE_REDIS_URL");
  app.add_option("--trusted-proxies", c.trusted_proxies,
                 "addresses or CIDR ranges of load balancers whose X-Forwarded-For names the "
                 "client, comma-separated")
      ->envname("SPOKE_TRUSTED_PROXIES")
      ->delimiter(',');
  app.add_option("--tls-cert", c.tls_cert,
                 "serve the API over HTTPS with this PEM certificate (chain) file")
      ->envname("SPOKE_TLS_CERT");
  app.add_option("--tls-key", c.tls_key, "the PEM private key of --tls-cert")
      ->envname("SPOKE_TLS_KEY");

  app.add_option("--webhook-workers", c.webhook_workers,
                 "threads sending webhook deliveries (a slow receiver holds one per attempt)")
      ->envname("SPOKE_WEBHOOK_WORKERS")
      ->check(CLI::Range(1, 256));
  app.add_option("--webhook-max-attempts", c.webhook_max_attempts,
                 "attempts per webhook delivery before it fails")
      ->envname("SPOKE_WEBHOOK_MAX_ATTEMPTS")
      ->check(CLI::Range(1, 100));
  app.add_option("--webhook-backoff-base", c.webhook_backoff_base_s,
                 "seconds before the second attempt of a delivery; each further one doubles "
                 "(up to 8 hours), with jitter")
      ->envname("SPOKE_WEBHOOK_BACKOFF_BASE")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--webhook-timeout", c.webhook_timeout_s,
                 "seconds one delivery attempt may take (connect, send, answer)")
      ->envname("SPOKE_WEBHOOK_TIMEOUT")
      ->check(CLI::PositiveNumber);
  app.add_option("--webhook-pause-after", c.webhook_pause_after_s,
                 "seconds a webhook's deliveries may keep failing before it is paused (0: never)")
      ->envname("SPOKE_WEBHOOK_PAUSE_AFTER")
      ->check(CLI::NonNegativeNumber);
  app.add_flag("--webhook-allow-private", c.webhook_allow_private,
               "let deliveries reach loopback, private and link-local addresses")
      ->envname("SPOKE_WEBHOOK_ALLOW_PRIVATE");
  app.add_option("--webhook-retention-days", c.webhook_retention_days,
                 "days finished webhook deliveries and their attempts are kept (0: forever)")
      ->envname("SPOKE_WEBHOOK_RETENTION_DAYS")
      ->check(CLI::Range(0, 100000));
  app.add_option("--webhook-poll-interval", c.webhook_poll_interval_s,
                 "seconds between looks for due deliveries (retries, other servers' events)")
      ->envname("SPOKE_WEBHOOK_POLL_INTERVAL")
      ->check(CLI::PositiveNumber);

  auto* routes_cmd = app.add_subcommand(
      "routes", "print the API's routes (method, path, access needed, purpose) and exit");
  bool routes_json = false;
  routes_cmd->add_flag("--json", routes_json, "one JSON array of {method, path, access, summary}");
  spoke::server::AdminArgs admin_args;
  spoke::server::add_admin_commands(app, admin_args);

  auto args = spoke::frontend::normalize_long_flags(argc, argv);
  std::vector<const char*> cargs;
  for (const auto& a : args) cargs.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(cargs.size()), const_cast<char**>(cargs.data()));
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  if (*routes_cmd) {
    spoke::rest::json all = spoke::rest::json::array();
    for (const auto& [listener, r] : spoke::server::listed_routes()) {
      if (routes_json) {
        all.push_back({{"method", r.method},
                       {"path", r.path},
                       {"access", spoke::to_string(r.access)},
                       {"listener", listener},
                       {"summary", r.summary}});
      } else {
        std::cout << r.method << " " << r.path << "  [" << spoke::to_string(r.access) << "]  "
                  << r.summary << (listener == "health" ? " (health port)" : "") << "\n";
      }
    }
    if (routes_json) std::cout << all.dump(2) << "\n";
    return 0;
  }

  auto ms = [](double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  };
  spoke::StorageOptions storage;
  storage.type = c.storage_type;
  storage.root = c.storage_dir;
  if (c.storage_type == "postgres" || c.storage_type == "postgresql") storage.url = c.postgres_url;
  storage.replica_urls = c.postgres_replica_urls;
  storage.pool_size = c.postgres_pool_size;
  storage.query_timeout = ms(c.postgres_query_timeout_s);
  storage.connect_timeout = ms(c.postgres_connect_timeout_s);
  if (int code = spoke::server::run_admin_command(app, admin_args, storage); code >= 0) {
    return code;
  }
  auto auth_mode = spoke::parse_auth_mode(c.auth);
  if (!auth_mode.ok()) {
    std::cerr << "spoke-server: --auth: " << auth_mode.status().message() << "\n";
    return 2;
  }

  auto level = spoke::log::parse_level(c.log_level);
  if (!level) {
    std::cerr << "spoke-server: --log-level \"" << c.log_level
              << "\" is not one of debug, info, warn, error\n";
    return 2;
  }
  spoke::server::install_json_logging(*level);
  auto proxies = spoke::server::TrustedProxies::parse(c.trusted_proxies);
  if (!proxies.ok()) {
    std::cerr << "spoke-server: --trusted-proxies: " << proxies.status().message() << "\n";
    return 2;
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    std::cerr << "spoke-server: --tls-cert and --tls-key go together (a certificate and its key)\n";
    return 2;
  }
  for (const auto& [flag, path] : {std::pair{"--tls-cert", c.tls_cert}, {"--tls-key", c.tls_key}}) {
    if (!path.empty() && !readable(path)) {
      std::cerr << "spoke-server: " << flag << ": cannot read " << path << "\n";
      return 2;
    }
  }
  std::unique_ptr<spoke::RateLimiter> limiter;
  if (c.rate_limit > 0 || c.push_rate_limit > 0) {
    spoke::RateLimiterOptions limits;
    limits.redis_url = c.redis_url;
    auto opened = spoke::RateLimiter::open(limits);
    if (!opened.ok()) {
      std::cerr << "spoke-server: --redis-url: " << opened.status().message() << "\n";
      return 2;
    }
    limiter = std::move(opened).value();
  } else if (!c.redis_url.empty()) {
    std::cerr << "spoke-server: --redis-url shares rate limits: set --rate-limit (or "
                 "--push-rate-limit) too\n";
    return 2;
  }

  std::size_t max_body = 0;
  if (!spoke::frontend::parse_byte_size(c.max_body, max_body) || max_body == 0) {
    std::cerr << "spoke-server: invalid --max-body-size \"" << c.max_body << "\" (e.g. 256MiB)\n";
    return 2;
  }

  std::size_t schema_cache = 0;
  if (!spoke::frontend::parse_byte_size(c.schema_cache, schema_cache)) {
    std::cerr << "spoke-server: invalid --schema-cache-size \"" << c.schema_cache
              << "\" (e.g. 1GiB, or 0 to keep none)\n";
    return 2;
  }

  // Signals are taken by one thread with sigwait; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  auto registry = spoke::Registry::open(storage);
  if (!registry.ok()) {
    std::cerr << "spoke-server: cannot open storage: " << registry.status().message() << "\n";
    return 1;
  }
  registry.value()->set_schema_cache_bytes(schema_cache);
  if (spoke::Status s = registry.value()->set_default_compatibility(c.compatibility); !s.ok()) {
    std::cerr << "spoke-server: --compatibility: " << s.message() << "\n";
    return 2;
  }

  // The bootstrap admin token: only its hash is stored; the variable is not read again.
  if (const char* admin = std::getenv("SPOKE_ADMIN_TOKEN"); admin != nullptr && *admin != 0) {
    spoke::AccessControl access(*registry.value());
    if (spoke::Status s = access.bootstrap_admin(admin); !s.ok()) {
      std::cerr << "spoke-server: SPOKE_ADMIN_TOKEN: " << s.message() << "\n";
      return s.code() == spoke::Code::kInvalidArgument ? 2 : 1;
    }
  }

  spoke::CompileServiceOptions compile_options;
  compile_options.workers = c.compile_workers;
  compile_options.compiler.plugin_dirs = c.plugin_dirs;
  compile_options.compiler.plugin_timeout =
      std::chrono::milliseconds(static_cast<std::int64_t>(c.plugin_timeout_s * 1000));
  compile_options.auto_compile = c.auto_compile;
  compile_options.lease = ms(c.compile_job_lease_s);
  spoke::CompileService compiler(*registry.value(), compile_options);
  if (auto s = compiler.start(); !s.ok()) {
    if (s.reason() == spoke::reason::kInvalidAutoCompile) {
      std::cerr << "spoke-server: --" << s.message() << "\n";
      return 2;
    }
    std::cerr << "spoke-server: cannot resume compile jobs: " << s.message() << "\n";
    return 1;
  }

  spoke::WebhookOptions webhook_options;
  webhook_options.workers = c.webhook_workers;
  webhook_options.max_attempts = c.webhook_max_attempts;
  webhook_options.backoff_base = ms(c.webhook_backoff_base_s);
  webhook_options.timeout = ms(c.webhook_timeout_s);
  webhook_options.pause_after = ms(c.webhook_pause_after_s);
  webhook_options.allow_private = c.webhook_allow_private;
  webhook_options.retention_days = c.webhook_retention_days;
  webhook_options.poll_interval = ms(c.webhook_poll_interval_s);
  spoke::WebhookService webhooks(*registry.value(), webhook_options);
  if (auto s = webhooks.start(); !s.ok()) {
    std::cerr << "spoke-server: webhooks: " << s.message() << "\n";
    return 2;
  }

  // The API over HTTPS with --tls-cert; the health port stays plain HTTP (probes, scrapes).
  std::unique_ptr<httplib::Server> api_server;
  if (!c.tls_cert.empty()) {
    api_server = std::make_unique<httplib::SSLServer>(c.tls_cert.c_str(), c.tls_key.c_str());
    if (!api_server->is_valid()) {
      std::cerr << "spoke-server: --tls-cert " << c.tls_cert << " and --tls-key " << c.tls_key
                << " are not a PEM certificate and its private key\n";
      return 2;
    }
  } else {
    api_server = std::make_unique<httplib::Server>();
  }
  httplib::Server& api = *api_server;
  httplib::Server health;
  ListenSocket api_socket, health_socket;
  tune(api, c, api_socket, true);
  tune(health, Config{.threads = 2}, health_socket, false);
  spoke::server::ApiOptions api_options;
  api_options.max_body_bytes = max_body;
  api_options.access_log = !c.no_access_log;
  api_options.compile = &compiler;
  api_options.auth = auth_mode.value();
  api_options.limiter = limiter.get();
  double push_rate = c.push_rate_limit > 0 ? c.push_rate_limit : c.rate_limit / 10;
  api_options.general_budget = budget("general", c.rate_limit, c.rate_burst);
  api_options.push_budget = budget("push", push_rate, c.push_rate_burst);
  api_options.trusted_proxies = proxies.value();
  api_options.webhooks = &webhooks;
  spoke::server::register_api_routes(api, *registry.value(), api_options);
  api.set_payload_max_length(max_body);
  std::atomic<bool> draining{false};
  spoke::server::register_health_routes(health, *registry.value(), api_options, &draining);

  int api_port = bind_server(api, c.host, c.port, api_socket, c.listen_backlog);
  if (api_port < 0) {
    std::cerr << "spoke-server: cannot listen on " << c.host << ":" << c.port << "\n";
    return 1;
  }
  int health_port = bind_server(health, c.host, c.health_port, health_socket, c.listen_backlog);
  if (health_port < 0) {
    std::cerr << "spoke-server: cannot listen on " << c.host << ":" << c.health_port
              << " (health)\n";
    return 1;
  }
  if (!c.port_file.empty()) {
    std::string tmp = c.port_file + ".tmp";
    std::ofstream(tmp) << api_port << " " << health_port << "\n";
    std::rename(tmp.c_str(), c.port_file.c_str());
  }
  spoke::rest::json limits = nullptr;
  if (limiter != nullptr) {
    limits = {{"rate", api_options.general_budget.rate},
              {"burst", api_options.general_budget.burst},
              {"push_rate", api_options.push_budget.rate},
              {"push_burst", api_options.push_budget.burst},
              {"shared", c.redis_url.empty() ? "no"
                         : limiter->shared() ? "redis"
                                             : "fallback"}};
  }
  log(Level::kInfo, "listening",
      {{"host", c.host},
       {"port", api_port},
       {"health_port", health_port},
       {"tls", !c.tls_cert.empty()},
       {"storage_type", c.storage_type},
       {"storage_dir", c.storage_dir},
       {"compatibility", registry.value()->default_compatibility()},
       {"auth", spoke::to_string(auth_mode.value())},
       {"rate_limits", limits},
       {"version", spoke::version()}});
  if (auth_mode.value() == spoke::AuthMode::kNone && !is_loopback(c.host)) {
    log(Level::kWarn, "--auth none: every request is allowed, and this server listens on " +
                          c.host +
                          " beyond loopback; anyone who can reach it may push, change policies "
                          "and create tokens (use --auth writes or --auth all)");
  }

  // SIGTERM drains: readiness answers 503 first (load balancers stop sending), then the
  // listener stops, the compile jobs running here are released for other servers, and requests
  // in flight finish, for at most --drain-timeout.
  std::atomic<bool> stopping{false};
  std::mutex drain_mu;
  std::condition_variable drained_cv;
  bool drained = false;
  std::thread watchdog;
  std::thread signal_thread([&] {
    timespec wait{0, 200 * 1000 * 1000};
    while (!stopping.load()) {
      int sig = sigtimedwait(&signals, nullptr, &wait);
      if (sig == SIGINT || sig == SIGTERM) {
        log(Level::kInfo, "shutting down", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
        draining = true;
        stopping = true;
        api.stop();
        watchdog = std::thread([&] {
          std::unique_lock lock(drain_mu);
          if (!drained_cv.wait_for(lock, ms(c.drain_timeout_s), [&] { return drained; })) {
            log(Level::kError, "drain timeout: exiting with requests still running");
            std::_Exit(1);
          }
        });
        compiler.stop();
        webhooks.stop();
      }
    }
  });
  std::thread health_thread([&] { health.listen_after_bind(); });
  api.listen_after_bind();  // returns once stopped and in-flight requests are done
  stopping = true;
  signal_thread.join();
  compiler.stop();  // releases the jobs running here; queued ones stay for any server
  webhooks.stop();  // finishes the attempts in flight; pending deliveries stay for any server
  {
    std::lock_guard lock(drain_mu);
    drained = true;
  }
  drained_cv.notify_all();
  if (watchdog.joinable()) watchdog.join();
  health.stop();
  health_thread.join();
  registry.value().reset();  // closes storage
  log(Level::kInfo, "stopped");
  return 0;
}
