#pragma once

// Rate limits: token buckets by key (a caller), kept in this process or shared by every process
// through Redis. A bucket holds at most `burst` tokens and gains `rate` a second; a request
// takes one, and is refused while the bucket is empty.
//
// With Redis, one atomic script per request refills and takes from the bucket stored under the
// key, so any number of processes share one budget per caller. When Redis does not answer, each
// process falls back to its own buckets (requests are never refused because Redis is down),
// says so once in its log and in spoke_rate_limit_redis_up, and goes back to Redis once it
// answers again (tried again at most once per `redis_retry`).

#include <chrono>
#include <memory>
#include <string>

#include "spoke/status.h"

namespace spoke {

struct RateBudget {
  std::string name;  // part of every bucket's key: buckets of two budgets never mix
  double rate = 0;   // tokens a second; 0 or less: unlimited
  double burst = 1;  // the most tokens a bucket holds (at least 1)
};

struct RateDecision {
  bool allowed = true;
  // When refused: how long until the bucket holds a token again (at least 1 ms).
  std::chrono::milliseconds retry_after{0};
  // Whole tokens left after this request.
  long long remaining = 0;
  bool shared = false;  // decided by Redis (false: by this process's buckets)
};

struct RateLimiterOptions {
  // redis://[[user]:password@]host[:port][/db]; empty: buckets in this process only.
  std::string redis_url;
  // The longest a Redis connection attempt or command may take before falling back.
  std::chrono::milliseconds redis_timeout{250};
  // After Redis failed: how long requests use this process's buckets before Redis is tried
  // again.
  std::chrono::milliseconds redis_retry{1000};
  std::string key_prefix = "spoke:rate:";
  int redis_connections = 8;
};

class RateLimiter {
 public:
  // InvalidArgument("invalid_redis_url") for a URL that is not redis://...;
  // InvalidArgument("redis_not_built") when this libspoke was built without hiredis. A Redis that
  // does not answer yet is not an error: the limiter starts on its own buckets.
  static Result<std::unique_ptr<RateLimiter>> open(const RateLimiterOptions& options);
  ~RateLimiter();
  RateLimiter(const RateLimiter&) = delete;
  RateLimiter& operator=(const RateLimiter&) = delete;

  // Takes one token from the bucket of `key` (e.g. "token:ci", "addr:10.0.0.7") in `budget`.
  // Thread-safe.
  RateDecision take(const std::string& key, const RateBudget& budget);

  // True when buckets are shared through Redis and Redis answered last time it was asked.
  bool shared() const;

 private:
  struct Impl;
  explicit RateLimiter(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoke
