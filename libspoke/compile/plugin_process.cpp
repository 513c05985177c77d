#include "compile/plugin_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <map>
#include <sstream>
#include <thread>

extern char** environ;

namespace spoke::compile_internal {

namespace {

constexpr std::size_t kMaxStderr = 64 * 1024;

bool is_executable_file(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::vector<std::string> search_dirs(const CompilerOptions& options) {
  std::vector<std::string> dirs = options.plugin_dirs;
  const char* path = std::getenv("PATH");
  std::stringstream in(path != nullptr ? path : "");
  for (std::string dir; std::getline(in, dir, ':');) {
    if (!dir.empty()) dirs.push_back(dir);
  }
  return dirs;
}

// Closes a descriptor once.
struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }
  void reset() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

// stderr as one line: trimmed, lines joined with "; ".
std::string one_line(const std::string& text) {
  std::string out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.pop_back();
    }
    if (line.empty()) continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  return out;
}

Status failure(Code code, const char* reason, std::string message, const std::string& err) {
  std::string stderr_line = one_line(err);
  if (!stderr_line.empty()) message += ": " + stderr_line;
  Status s(code, reason, std::move(message));
  s.with_field("stderr", err);
  return s;
}

}  // namespace

std::string find_program(const std::string& name, const CompilerOptions& options) {
  if (auto it = options.plugin_binaries.find(name); it != options.plugin_binaries.end()) {
    return is_executable_file(it->second) ? it->second : "";
  }
  for (const auto& dir : search_dirs(options)) {
    std::string candidate = dir + "/" + name;
    if (is_executable_file(candidate)) return candidate;
  }
  return "";
}

std::vector<std::pair<std::string, std::string>> list_plugins(const CompilerOptions& options) {
  std::map<std::string, std::string> found;
  for (const auto& [name, path] : options.plugin_binaries) {
    if (name.starts_with("protoc-gen-") && is_executable_file(path)) found.emplace(name, path);
  }
  for (const auto& dir : search_dirs(options)) {
    auto* d = ::opendir(dir.c_str());
    if (d == nullptr) continue;
    std::vector<std::string> names;
    while (auto* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name.starts_with("protoc-gen-") && name.size() > 11) names.push_back(name);
    }
    ::closedir(d);
    for (const auto& name : names) {
      if (found.count(name) == 0 && is_executable_file(dir + "/" + name)) {
        found.emplace(name, dir + "/" + name);
      }
    }
  }
  return {found.begin(), found.end()};
}

Result<std::string> run_plugin(const std::string& program, const std::string& display_name,
                               const std::string& input, std::chrono::milliseconds timeout) {
  int in_pair[2], out_pipe[2], err_pipe[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pair) != 0) {
    return Status::Internal(fmt::format("socketpair: {}", std::strerror(errno)));
  }
  Fd in_ours(in_pair[0]), in_theirs(in_pair[1]);
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    return Status::Internal(fmt::format("pipe: {}", std::strerror(errno)));
  }
  Fd out_ours(out_pipe[0]), out_theirs(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    return Status::Internal(fmt::format("pipe: {}", std::strerror(errno)));
  }
  Fd err_ours(err_pipe[0]), err_theirs(err_pipe[1]);
  // stdin is one end of a socket pair so that writing to a plugin that quit is EPIPE, not
  // SIGPIPE (send with MSG_NOSIGNAL). The plugin reads it as it reads a pipe.
  ::shutdown(in_ours.fd, SHUT_RD);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in_theirs.fd, 0);
  posix_spawn_file_actions_adddup2(&actions, out_theirs.fd, 1);
  posix_spawn_file_actions_adddup2(&actions, err_theirs.fd, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  // Its own process group, so that a timeout kills whatever it started too; default signal
  // handling and an empty mask whatever the caller (a server) set.
  sigset_t defaults, empty;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGPIPE);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGINT);
  sigemptyset(&empty);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setsigmask(&attr, &empty);
  posix_spawnattr_setpgroup(&attr, 0);
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, program.c_str(), &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    return Status(
        Code::kInternal, reason::kGeneratorFailed,
        fmt::format("{}: could not run {}: {}", display_name, program, std::strerror(rc)));
  }
  in_theirs.reset();
  out_theirs.reset();
  err_theirs.reset();
  for (int fd : {in_ours.fd, out_ours.fd, err_ours.fd}) {
    ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }

  const auto deadline = std::chrono::steady_clock::now() + timeout;
  auto kill_group = [&] {
    ::kill(-pid, SIGKILL);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  };
  std::string err;
  auto timed_out = [&] {
    kill_group();
    return failure(Code::kInternal, reason::kPluginTimeout,
                   fmt::format("{} did not finish within {:g} s and was killed", display_name,
                               static_cast<double>(timeout.count()) / 1000),
                   err);
  };
  std::string out;
  std::size_t written = 0;
  if (input.empty()) in_ours.reset();
  char buf[65536];
  while (in_ours.fd >= 0 || out_ours.fd >= 0 || err_ours.fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return timed_out();
    std::vector<pollfd> fds;
    if (in_ours.fd >= 0) fds.push_back({in_ours.fd, POLLOUT, 0});
    if (out_ours.fd >= 0) fds.push_back({out_ours.fd, POLLIN, 0});
    if (err_ours.fd >= 0) fds.push_back({err_ours.fd, POLLIN, 0});
    int n =
        ::poll(fds.data(), fds.size(), static_cast<int>(std::min<long long>(left.count(), 1000)));
    if (n < 0 && errno != EINTR) {
      kill_group();
      return Status::Internal(fmt::format("poll: {}", std::strerror(errno)));
    }
    for (const auto& p : fds) {
      if (p.revents == 0) continue;
      if (p.fd == in_ours.fd) {
        ssize_t w = ::send(in_ours.fd, input.data() + written, input.size() - written,
                           MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) written += static_cast<std::size_t>(w);
        // Done, or the plugin stopped reading: its exit status says what happened.
        if (written == input.size() || (w < 0 && errno != EAGAIN && errno != EINTR)) {
          in_ours.reset();
        }
        continue;
      }
      Fd& target = p.fd == out_ours.fd ? out_ours : err_ours;
      ssize_t r = ::read(target.fd, buf, sizeof buf);
      if (r > 0) {
        if (&target == &out_ours) {
          out.append(buf, static_cast<std::size_t>(r));
        } else if (err.size() < kMaxStderr) {
          err.append(buf, std::min(static_cast<std::size_t>(r), kMaxStderr - err.size()));
        }
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        target.reset();
      }
    }
  }

  int status = 0;
  for (;;) {
    pid_t w = ::waitpid(pid, &status, WNOHANG);
    if (w == pid) break;
    if (w < 0 && errno != EINTR) {
      return Status::Internal(fmt::format("waitpid: {}", std::strerror(errno)));
    }
    if (std::chrono::steady_clock::now() >= deadline) return timed_out();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return failure(
        Code::kInternal, reason::kGeneratorFailed,
        fmt::format("{} was killed by signal {} ({})", display_name, sig, ::strsignal(sig)), err);
  }
  if (WEXITSTATUS(status) != 0) {
    return failure(Code::kInternal, reason::kGeneratorFailed,
                   fmt::format("{} failed with exit status {}", display_name, WEXITSTATUS(status)),
                   err);
  }
  return out;
}

}  // namespace spoke::compile_internal
