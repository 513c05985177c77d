#pragma once

// Helpers for tests that use real files and real processes.

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace spoke::testing {

namespace fs = std::filesystem;

// A fresh directory removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "spoke-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }
  std::string str() const { return path_.string(); }
  fs::path operator/(const std::string& rel) const { return path_ / rel; }

 private:
  fs::path path_;
};

// protoc from PATH, or "" when there is none (a test needing it fails: it proves nothing without).
inline std::string find_protoc() {
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    fs::path candidate = fs::path(dir) / "protoc";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return "";
}

inline void write_file(const fs::path& p, const std::string& content) {
  fs::create_directories(p.parent_path());
  std::ofstream out(p, std::ios::binary);
  out << content;
}

inline std::string read_file(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Path of a built binary handed to the test by meson through the environment.
// Every regular file under `dir` by its '/'-separated path relative to `dir`, with its content;
// empty when `dir` does not exist.
inline std::map<std::string, std::string> read_tree(const fs::path& dir) {
  std::map<std::string, std::string> out;
  if (!fs::exists(dir)) return out;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.is_regular_file())
      out[fs::relative(e.path(), dir).generic_string()] = read_file(e.path());
  }
  return out;
}

// Generated files (anything with `name` and `content`) by name.
template <typename GeneratedFiles>
std::map<std::string, std::string> as_map(const GeneratedFiles& files) {
  std::map<std::string, std::string> out;
  for (const auto& f : files) out[f.name] = f.content;
  return out;
}

// "" when the trees are equal, else a line per name missing from `ours`, extra in it, or with
// other content than in `reference`: for failure messages.
inline std::string difference(const std::map<std::string, std::string>& ours,
                              const std::map<std::string, std::string>& reference) {
  std::string out;
  for (const auto& [name, content] : reference) {
    auto it = ours.find(name);
    if (it == ours.end()) {
      out += "  missing: " + name + "\n";
    } else if (it->second != content) {
      out += "  differs: " + name + "\n";
    }
  }
  for (const auto& [name, _] : ours) {
    if (reference.count(name) == 0) out += "  extra: " + name + "\n";
  }
  return out;
}

inline std::string binary_from_env(const char* var) {
  const char* v = std::getenv(var);
  if (v == nullptr || *v == '\0') throw std::runtime_error(std::string(var) + " is not set");
  return v;
}

struct ProcessResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// A child process with stdout/stderr redirected to files.
class Process {
 public:
  Process(const std::vector<std::string>& argv, const fs::path& out_file, const fs::path& err_file,
          const std::vector<std::string>& extra_env = {}, const std::string& cwd = "")
      : out_file_(out_file), err_file_(err_file) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    if (!cwd.empty()) posix_spawn_file_actions_addchdir_np(&actions, cwd.c_str());
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> env_storage;
    for (char** e = environ; *e != nullptr; ++e) env_storage.emplace_back(*e);
    for (const auto& e : extra_env) env_storage.push_back(e);
    std::vector<char*> envp;
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
    int rc = posix_spawn(&pid_, argv[0].c_str(), &actions, nullptr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error("posix_spawn " + argv[0] + " failed");
  }
  ~Process() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }
  void signal(int sig) { ::kill(pid_, sig); }

  // Waits for exit; returns the exit code (128+signal when killed).
  int wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::string out() const { return read_file(out_file_); }
  std::string err() const { return read_file(err_file_); }

 private:
  pid_t pid_ = -1;
  fs::path out_file_, err_file_;
};

// Runs a command to completion.
inline ProcessResult run(const std::vector<std::string>& argv, const fs::path& scratch,
                         const std::vector<std::string>& extra_env = {},
                         const std::string& cwd = "") {
  static int counter = 0;
  ++counter;
  fs::path out = scratch / ("run-" + std::to_string(counter) + ".out");
  fs::path err = scratch / ("run-" + std::to_string(counter) + ".err");
  Process p(argv, out, err, extra_env, cwd);
  ProcessResult r;
  r.exit_code = p.wait();
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

// The storage flags of servers tests start, for a data directory: by default the embedded
// storage in it. A suite can point them elsewhere (e.g. a PostgreSQL database per directory).
inline std::function<std::vector<std::string>(const std::string& data_dir)>& server_storage_args() {
  static std::function<std::vector<std::string>(const std::string&)> args =
      [](const std::string& data_dir) -> std::vector<std::string> {
    return {"--storage-dir", data_dir};
  };
  return args;
}

// A real spoke-server on ephemeral ports with its data in `data_dir`.
class Server {
 public:
  explicit Server(const fs::path& work, std::vector<std::string> extra_args = {},
                  const std::string& data_dir = "", std::vector<std::string> env = {},
                  bool default_storage_flag = true)
      : work_(work) {
    fs::create_directories(work);
    fs::path port_file = work / "ports";
    fs::remove(port_file);
    std::vector<std::string> argv = {binary_from_env("SPOKE_SERVER_BIN"),
                                     "--port",
                                     "0",
                                     "--health-port",
                                     "0",
                                     "--host",
                                     "127.0.0.1",
                                     "--port-file",
                                     port_file.string(),
                                     "--threads",
                                     "8"};
    if (default_storage_flag) {
      for (auto& a : server_storage_args()(data_dir.empty() ? (work / "data").string() : data_dir))
        argv.push_back(std::move(a));
    }
    for (auto& a : extra_args) argv.push_back(std::move(a));
    process_ = std::make_unique<Process>(argv, work / "server.out", work / "server.err", env);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < deadline) {
      if (fs::exists(port_file)) {
        std::ifstream in(port_file);
        in >> port_ >> health_port_;
        if (port_ > 0) return;
      }
      int status = 0;
      if (::waitpid(process_->pid(), &status, WNOHANG) > 0) {
        throw std::runtime_error("spoke-server exited at start: " + read_file(work / "server.err"));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    throw std::runtime_error("spoke-server did not start: " + read_file(work / "server.err"));
  }

  int port() const { return port_; }
  int health_port() const { return health_port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  Process& process() { return *process_; }
  // Sends SIGTERM and waits; returns the exit code.
  int stop() {
    process_->signal(SIGTERM);
    return process_->wait();
  }
  std::string log() const { return read_file(work_ / "server.out"); }

 private:
  fs::path work_;
  std::unique_ptr<Process> process_;
  int port_ = 0;
  int health_port_ = 0;
};

// spoke-server run to completion with `args` and a data directory in `scratch`: for settings it
// refuses at start.
inline ProcessResult run_server(std::vector<std::string> args, const fs::path& scratch) {
  args.insert(args.begin(), binary_from_env("SPOKE_SERVER_BIN"));
  args.push_back("--storage-dir");
  args.push_back((scratch / "refused-data").string());
  return run(args, scratch);
}

// A TCP port on 127.0.0.1 nothing listens on right now.
inline int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("no free loopback port");
  }
  int port = ntohs(addr.sin_port);
  ::close(fd);
  return port;
}

inline const char* kExampleProto =
    "syntax = \"proto3\";\npackage example;\n\nmessage Hello {\n  string message = 1;\n}\n";

}  // namespace spoke::testing
