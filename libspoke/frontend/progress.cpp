#include "spoke/frontend/progress.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cstdlib>
#include <iostream>

namespace spoke::frontend {
namespace {

std::chrono::milliseconds delay_from_env() {
  const char* v = std::getenv("SPOKE_PROGRESS_DELAY_MS");
  if (v != nullptr && *v != '\0') {
    char* end = nullptr;
    long ms = std::strtol(v, &end, 10);
    if (end != v && *end == '\0' && ms >= 0) return std::chrono::milliseconds(ms);
  }
  return std::chrono::seconds(1);
}

constexpr auto kRedraw = std::chrono::milliseconds(100);

}  // namespace

std::string human_bytes(std::size_t n) {
  if (n < 1024) return fmt::format("{} B", n);
  if (n < 1024 * 1024) return fmt::format("{:.0f} KiB", n / 1024.0);
  if (n < std::size_t{1024} * 1024 * 1024) return fmt::format("{:.1f} MiB", n / 1048576.0);
  return fmt::format("{:.2f} GiB", n / 1073741824.0);
}

Progress Progress::on_stderr(bool quiet) {
  bool terminal = ::isatty(STDERR_FILENO) == 1;
  const char* term = std::getenv("TERM");
  if (term != nullptr && std::string(term) == "dumb") terminal = false;
  return Progress(std::cerr, terminal && !quiet, delay_from_env());
}

Progress::Progress(std::ostream& out, bool enabled, std::chrono::milliseconds delay)
    : out_(out), enabled_(enabled), start_(std::chrono::steady_clock::now()), delay_(delay) {
  if (enabled_) ticker_ = std::thread([this] { run(); });
}

Progress::~Progress() { finish(); }

void Progress::phase(const std::string& name) {
  std::lock_guard lock(mu_);
  phase_ = name;
  unit_.clear();
  detail_.clear();
  done_ = total_ = 0;
  bytes_.reset();
  // Once the delay has passed, every phase shows, however short.
  if (enabled_ && !stop_ && std::chrono::steady_clock::now() - start_ >= delay_) draw_locked();
}

void Progress::count(std::size_t done, std::size_t total, const std::string& unit) {
  std::lock_guard lock(mu_);
  done_ = done;
  total_ = total;
  unit_ = unit;
}

void Progress::bytes(std::size_t done, std::size_t total) {
  std::lock_guard lock(mu_);
  bytes_ = {done, total};
}

void Progress::detail(const std::string& text) {
  std::lock_guard lock(mu_);
  detail_ = text;
}

void Progress::finish() {
  {
    std::lock_guard lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  std::lock_guard lock(mu_);
  if (drawn_) {
    out_ << "\r\033[K" << std::flush;
    drawn_ = false;
  }
}

void Progress::run() {
  std::unique_lock lock(mu_);
  if (wake_.wait_until(lock, start_ + delay_, [this] { return stop_; })) return;
  while (!stop_) {
    draw_locked();
    wake_.wait_for(lock, kRedraw, [this] { return stop_; });
  }
}

std::string Progress::line_locked() const {
  std::string line = phase_;
  if (!unit_.empty()) {
    line += total_ > 0 ? fmt::format(" {}/{} {}", done_, total_, unit_)
                       : fmt::format(" {} {}", done_, unit_);
  }
  if (bytes_) {
    line += bytes_->second > 0
                ? fmt::format(" {}/{}", human_bytes(bytes_->first), human_bytes(bytes_->second))
                : fmt::format(" {}", human_bytes(bytes_->first));
  }
  if (!detail_.empty()) line += (unit_.empty() && !bytes_ ? " " : ", ") + detail_;
  auto elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  line += fmt::format(" ({:.1f} s)", elapsed);
  return line;
}

void Progress::draw_locked() {
  if (phase_.empty()) return;
  out_ << "\r\033[K" << line_locked() << std::flush;
  drawn_ = true;
}

}  // namespace spoke::frontend
