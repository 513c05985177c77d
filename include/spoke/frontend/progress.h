#pragma once

// Progress of long work on a terminal: one line on stderr, redrawn in place, shown only when the
// stream is a terminal, not --quiet, and once the work has taken longer than a delay (1 s; the
// environment variable SPOKE_PROGRESS_DELAY_MS changes it). Cleared when the work ends, so that
// what the command prints afterwards starts on a clean line. Part of libspoke-frontend.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>
#include <ostream>
#include <string>
#include <thread>

namespace spoke::frontend {

class Progress {
 public:
  // Progress on stderr: shown when stderr is a terminal and `quiet` is false.
  static Progress on_stderr(bool quiet);
  // Shown on `out` when `enabled`, after `delay`.
  Progress(std::ostream& out, bool enabled, std::chrono::milliseconds delay);
  ~Progress();
  Progress(Progress&& other) = delete;
  Progress& operator=(const Progress&) = delete;

  bool enabled() const { return enabled_; }

  // What is being done ("reading", "uploading", ...); resets the counts.
  void phase(const std::string& name);
  // `done` of `total` `unit`s ("3/12 files"); total 0 when unknown.
  void count(std::size_t done, std::size_t total, const std::string& unit);
  // Bytes moved of `total` ("1.2 MiB/4.0 MiB").
  void bytes(std::size_t done, std::size_t total);
  // Free text after the counts ("go: running, python: done").
  void detail(const std::string& text);
  // Clears the line; nothing more is drawn.
  void finish();

 private:
  void run();
  void draw_locked();
  std::string line_locked() const;

  std::ostream& out_;
  const bool enabled_;
  const std::chrono::steady_clock::time_point start_;
  const std::chrono::milliseconds delay_;
  std::mutex mu_;
  std::condition_variable wake_;
  bool stop_ = false;
  bool drawn_ = false;
  std::string phase_, unit_, detail_;
  std::size_t done_ = 0, total_ = 0;
  std::optional<std::pair<std::size_t, std::size_t>> bytes_;
  std::thread ticker_;
};

// "1.5 MiB", "830 KiB", "12 B".
std::string human_bytes(std::size_t n);

}  // namespace spoke::frontend
