#pragma once

// Token buckets stored in Redis (hiredis), refilled and taken from by one Lua script so that any
// number of processes share them.

#include <chrono>
#include <memory>
#include <string>

#include "spoke/rate_limit.h"
#include "spoke/status.h"

namespace spoke::internal {

// What a redis:// URL names.
struct RedisTarget {
  std::string host;
  int port = 6379;
  std::string user;
  std::string password;
  int db = 0;
  std::string label;  // host:port/db, for messages (never the password)
};

// redis://[[user]:password@]host[:port][/db]. InvalidArgument("invalid_redis_url").
Result<RedisTarget> parse_redis_url(const std::string& url);

class RedisBuckets {
 public:
  RedisBuckets(RedisTarget target, std::chrono::milliseconds timeout, int connections,
               std::string key_prefix);
  ~RedisBuckets();
  RedisBuckets(const RedisBuckets&) = delete;
  RedisBuckets& operator=(const RedisBuckets&) = delete;

  // One token from the bucket `key` of `budget`. Unavailable("redis_unavailable") when Redis
  // does not answer (in time) or answers with an error.
  Result<RateDecision> take(const std::string& key, const RateBudget& budget);
  Status ping();
  const std::string& label() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoke::internal
