// bench_bare_server: the baseline of tests/bench/http_bench.sh. A cpp-httplib server with one
// route, GET /file, that returns a fixed body, tuned like spoke-server (TCP_NODELAY, keep-alive
// max count, worker pool size), so the benchmark measures what Spoke adds on top of cpp-httplib.
//
//   bench_bare_server [--host ADDR] [--port N] [--port-file FILE] [--threads N]
//                     [--keep-alive-max N] [--listen-backlog N] [--body-file FILE | --body-size N]
//
// With --port 0 a free port is picked; --port-file then receives "<port> 0" (the same
// "<api port> <health port>" format as spoke-server; there is no health port here).
// --listen-backlog N (default 0: keep cpp-httplib's built-in backlog, CPPHTTPLIB_LISTEN_BACKLOG,
// which is 5 in the packaged library) re-issues listen(2) on the bound socket with backlog N.
#include <httplib.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

namespace {

struct Config {
  std::string host = "127.0.0.1";
  int port = 0;
  std::string port_file;
  int threads = 64;
  int keep_alive_max = 100000;
  int listen_backlog = 0;
  std::string body_file;
  long body_size = 2048;
};

[[noreturn]] void usage(int code) {
  std::fputs(
      "usage: bench_bare_server [--host ADDR] [--port N] [--port-file FILE] [--threads N]\n"
      "                         [--keep-alive-max N] [--listen-backlog N]\n"
      "                         [--body-file FILE | --body-size N]\n",
      code == 0 ? stdout : stderr);
  std::exit(code);
}

bool parse_int(const char* text, long min, long max, long& out) {
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) return false;
  out = v;
  return true;
}

Config parse_args(int argc, char** argv) {
  Config c;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") usage(0);
    std::string value;
    if (auto eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg.resize(eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      std::cerr << "bench_bare_server: " << arg << " needs a value\n";
      usage(2);
    }
    long n = 0;
    auto number = [&](long min, long max) {
      if (!parse_int(value.c_str(), min, max, n)) {
        std::cerr << "bench_bare_server: invalid " << arg << " \"" << value << "\"\n";
        usage(2);
      }
      return n;
    };
    if (arg == "--host") {
      c.host = value;
    } else if (arg == "--port") {
      c.port = static_cast<int>(number(0, 65535));
    } else if (arg == "--port-file") {
      c.port_file = value;
    } else if (arg == "--threads") {
      c.threads = static_cast<int>(number(1, 4096));
    } else if (arg == "--keep-alive-max") {
      c.keep_alive_max = static_cast<int>(number(1, 100000000));
    } else if (arg == "--listen-backlog") {
      c.listen_backlog = static_cast<int>(number(0, 65535));
    } else if (arg == "--body-file") {
      c.body_file = value;
    } else if (arg == "--body-size") {
      c.body_size = number(0, 64L << 20);
    } else {
      std::cerr << "bench_bare_server: unknown option " << arg << "\n";
      usage(2);
    }
  }
  return c;
}

}  // namespace

int main(int argc, char** argv) {
  Config c = parse_args(argc, argv);

  std::string body;
  if (!c.body_file.empty()) {
    std::ifstream in(c.body_file, std::ios::binary);
    if (!in) {
      std::cerr << "bench_bare_server: cannot read " << c.body_file << "\n";
      return 1;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    body = ss.str();
  } else {
    body.assign(static_cast<std::size_t>(c.body_size), 'x');
  }

  signal(SIGPIPE, SIG_IGN);

  httplib::Server server;
  // The same tuning as spoke-server (server/main.cpp, tune()).
  const auto threads = static_cast<std::size_t>(c.threads);
  server.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server.set_tcp_nodelay(true);
  server.set_keep_alive_max_count(static_cast<std::size_t>(c.keep_alive_max));
  // cpp-httplib calls listen(2) with a compile-time backlog; remember the listening socket so
  // --listen-backlog can raise it (listen(2) on a listening socket only updates the backlog).
  socket_t listen_sock = INVALID_SOCKET;
  server.set_socket_options([&listen_sock](socket_t sock) {
    httplib::default_socket_options(sock);
    listen_sock = sock;
  });

  server.Get("/file", [&body](const httplib::Request&, httplib::Response& res) {
    res.set_content(body, "text/plain; charset=utf-8");
  });

  int port = c.port == 0 ? server.bind_to_any_port(c.host)
                         : (server.bind_to_port(c.host, c.port) ? c.port : -1);
  if (port < 0) {
    std::cerr << "bench_bare_server: cannot listen on " << c.host << ":" << c.port << "\n";
    return 1;
  }
  if (c.listen_backlog > 0 && ::listen(listen_sock, c.listen_backlog) != 0) {
    std::cerr << "bench_bare_server: listen(backlog " << c.listen_backlog
              << ") failed: " << std::strerror(errno) << "\n";
    return 1;
  }
  if (!c.port_file.empty()) {
    std::string tmp = c.port_file + ".tmp";
    std::ofstream(tmp) << port << " 0\n";
    std::rename(tmp.c_str(), c.port_file.c_str());
  }
  std::cout << "bench_bare_server listening on " << c.host << ":" << port << " (" << body.size()
            << "-byte body, " << c.threads << " threads)" << std::endl;
  server.listen_after_bind();
  return 0;
}
