#pragma once

// A real PostgreSQL for tests: a new cluster in a temporary directory, on a free loopback port,
// run by an unprivileged user (the `postgres` account the Debian package creates, when the test
// runs as root; PostgreSQL refuses to run as root), stopped and removed at the end.

#include <netinet/in.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace spoke::testing {

// True when this build has the PostgreSQL backend (meson's `postgres` feature found libpqxx).
constexpr bool kPostgresBuilt =
#ifdef SPOKE_TEST_POSTGRES
    true;
#else
    false;
#endif

// The directory of initdb, pg_ctl and friends (the highest version installed), or "".
inline std::string postgres_bin_dir() {
  std::string best;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    fs::path bin = e.path() / "bin";
    if (fs::exists(bin / "initdb") && fs::exists(bin / "pg_ctl") &&
        (best.empty() || std::stoi(e.path().filename().string()) >
                             std::stoi(fs::path(best).parent_path().filename().string()))) {
      best = bin.string();
    }
  }
  return best;
}

class PostgresServer {
 public:
  // Starts a new cluster. Throws with the reason when PostgreSQL is missing or does not start.
  PostgresServer() : PostgresServer(nullptr) {}

  ~PostgresServer() {
    if (running_) run_as_owner({bin("pg_ctl"), "stop", "-D", data_.string(), "-m", "immediate"});
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  // A libpq URL of `database` on this server.
  std::string url(const std::string& database = "postgres") const {
    return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + database;
  }

  // Runs SQL through psql; returns its output (unaligned, tuples only). Throws on failure.
  std::string sql(const std::string& statement, const std::string& database = "postgres") const {
    auto r = run({bin("psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                  "-p", std::to_string(port_), "-U", "postgres", "-d", database, "-c", statement},
                 scratch_);
    if (r.exit_code != 0) throw std::runtime_error("psql " + statement + ": " + r.err);
    while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
    return r.out;
  }

  // A database of that name, created when missing; its URL.
  std::string database(const std::string& name) const {
    if (sql("SELECT 1 FROM pg_database WHERE datname = '" + name + "'").empty()) {
      sql("CREATE DATABASE \"" + name + "\"");
    }
    return url(name);
  }

  void stop(const std::string& mode = "fast") {
    check(run_as_owner({bin("pg_ctl"), "stop", "-w", "-D", data_.string(), "-m", mode}),
          "pg_ctl stop");
    running_ = false;
  }
  void start() {
    check(run_as_owner({bin("pg_ctl"), "start", "-w", "-t", "60", "-D", data_.string(), "-l",
                        (root_ / "server.log").string()}),
          "pg_ctl start");
    running_ = true;
  }

  // A streaming replica of this server (pg_basebackup -R), started on a port of its own.
  std::unique_ptr<PostgresServer> replica() const {
    return std::unique_ptr<PostgresServer>(new PostgresServer(this));
  }

  std::string log() const { return read_file(root_ / "server.log"); }
  const fs::path& bin_dir() const { return bin_dir_; }
  std::string bin(const std::string& name) const { return (bin_dir_ / name).string(); }

  // Runs a command as the cluster's owner.
  ProcessResult run_as_owner(std::vector<std::string> argv) const {
    if (::geteuid() == 0) {
      argv.insert(argv.begin(), {"/usr/bin/setpriv", "--reuid=postgres", "--regid=postgres",
                                 "--init-groups", "--"});
    }
    return run(argv, scratch_);
  }

 private:
  explicit PostgresServer(const PostgresServer* primary) {
    std::string dir = postgres_bin_dir();
    if (dir.empty()) {
      throw std::runtime_error(
          "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb): apt-get install "
          "postgresql, or bash scripts/dev.sh test, which installs it");
    }
    bin_dir_ = dir;
    std::string tmpl = (fs::temp_directory_path() / "spoke-pg-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    root_ = tmpl;
    scratch_ = root_ / "scratch";
    fs::create_directories(scratch_);
    data_ = root_ / "data";
    if (::geteuid() == 0) {
      passwd* pw = ::getpwnam("postgres");
      if (pw == nullptr) {
        throw std::runtime_error(
            "running as root, and there is no `postgres` user to run PostgreSQL as (the "
            "postgresql package creates it)");
      }
      // The owner reaches and owns the cluster directory; scratch stays ours.
      if (::chown(root_.c_str(), pw->pw_uid, pw->pw_gid) != 0) {
        throw std::runtime_error("chown " + root_.string() + " failed");
      }
    }
    if (primary == nullptr) {
      check(run_as_owner({bin("initdb"), "-D", data_.string(), "-U", "postgres", "--auth=trust",
                          "-E", "UTF8", "--locale=C", "--no-sync"}),
            "initdb");
    } else {
      check(run_as_owner({bin("pg_basebackup"), "-D", data_.string(), "-h", "127.0.0.1", "-p",
                          std::to_string(primary->port()), "-U", "postgres", "-R", "-X", "stream",
                          "--checkpoint=fast", "--no-sync"}),
            "pg_basebackup");
    }
    for (int attempt = 0;; ++attempt) {
      port_ = free_loopback_port();
      // Appended: later lines win over the ones a base backup copied from the primary.
      std::string conf = read_file(data_ / "postgresql.conf");
      conf += "\nport = " + std::to_string(port_) +
              "\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '" + root_.string() +
              "'\nfsync = off\nfull_page_writes = off\nmax_connections = 200\n"
              "wal_level = replica\nmax_wal_senders = 5\n";
      write_file_as_owner(data_ / "postgresql.conf", conf);
      auto started = run_as_owner({bin("pg_ctl"), "start", "-w", "-t", "60", "-D", data_.string(),
                                   "-l", (root_ / "server.log").string()});
      if (started.exit_code == 0) break;
      if (attempt == 3) check(started, "pg_ctl start");  // the port may have been taken: retry
    }
    running_ = true;
  }

  void write_file_as_owner(const fs::path& p, const std::string& content) const {
    struct stat st {};
    ::stat(p.c_str(), &st);
    write_file(p, content);
    if (::chown(p.c_str(), st.st_uid, st.st_gid) != 0) {
      throw std::runtime_error("chown " + p.string() + " failed");
    }
  }

  void check(const ProcessResult& r, const std::string& what) const {
    if (r.exit_code != 0) {
      throw std::runtime_error(what + " failed (" + std::to_string(r.exit_code) + "): " + r.out +
                               r.err + read_file(root_ / "server.log"));
    }
  }

  fs::path bin_dir_;
  fs::path root_, scratch_, data_;
  int port_ = 0;
  bool running_ = false;
};

// One server for the whole test program, started on first use (and stopped at exit).
inline PostgresServer& shared_postgres() {
  static PostgresServer server;
  return server;
}

// A database named after `key` (e.g. a test's data directory) on the shared server: the same key
// gives the same database, as a directory gives the same SQLite files.
inline std::string postgres_url_for(const std::string& key) {
  return shared_postgres().database(fmt::format("t{}", std::hash<std::string>{}(key)));
}

}  // namespace spoke::testing
