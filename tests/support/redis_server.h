#pragma once

// A real redis-server for tests: on a free loopback port, nothing persisted, killed at the end
// (or earlier, to see what happens without it) and started again on the same port.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "support/test_support.h"

namespace spoke::testing {

class RedisServer {
 public:
  explicit RedisServer(const fs::path& dir) : dir_(dir), port_(free_loopback_port()) {
    fs::create_directories(dir_);
    start();
  }

  // Starts it (again) on its port; waits until it answers PING.
  void start() {
    ++starts_;
    process_ = std::make_unique<Process>(
        std::vector<std::string>{"/usr/bin/env", "redis-server", "--port", std::to_string(port_),
                                 "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
                                 dir_.string()},
        dir_ / ("redis-" + std::to_string(starts_) + ".out"),
        dir_ / ("redis-" + std::to_string(starts_) + ".err"));
    for (int i = 0; i < 500; ++i) {
      if (answers_ping()) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    throw std::runtime_error("redis-server did not start: " + process_->err() + process_->out());
  }

  // SIGKILL: gone at once, as a crash or a network partition looks to a client.
  void kill() {
    process_->signal(SIGKILL);
    process_->wait();
  }

  int port() const { return port_; }
  std::string url() const { return "redis://127.0.0.1:" + std::to_string(port_); }

  bool answers_ping() const {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<std::uint16_t>(port_));
    bool ok = false;
    if (fd >= 0 && ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
      const char ping[] = "PING\r\n";
      char buf[16] = {};
      ok = ::write(fd, ping, sizeof ping - 1) == sizeof ping - 1 && ::read(fd, buf, 7) >= 5 &&
           std::string(buf).starts_with("+PONG");
    }
    if (fd >= 0) ::close(fd);
    return ok;
  }

 private:
  fs::path dir_;
  int port_;
  int starts_ = 0;
  std::unique_ptr<Process> process_;
};

}  // namespace spoke::testing
