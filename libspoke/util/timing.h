#pragma once

// Phase timings for benchmarking: with SPOKE_TIMING set in the environment, each phase() call
// prints "spoke timing: <scope> <name> <seconds>" to stderr; otherwise it costs one branch.

#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace spoke::internal {

class PhaseTimer {
 public:
  explicit PhaseTimer(const char* scope) : scope_(scope) {}

  void phase(const char* name) {
    if (!enabled()) return;
    auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "spoke timing: %s %s %.3f s\n", scope_, name,
                 std::chrono::duration<double>(now - start_).count());
    start_ = now;
  }

  static bool enabled() {
    static const bool on = std::getenv("SPOKE_TIMING") != nullptr;
    return on;
  }

 private:
  const char* scope_;
  std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};

}  // namespace spoke::internal
