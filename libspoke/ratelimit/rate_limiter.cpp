// Token buckets in this process, and the fallback between Redis and them.
#include <fmt/format.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <mutex>
#include <unordered_map>

#include "metrics/library_metrics.h"
#include "ratelimit/redis_buckets.h"
#include "spoke/log.h"
#include "spoke/rate_limit.h"

namespace spoke {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t now_ms_steady() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch())
      .count();
}

// Buckets of this process, in shards so that concurrent requests of different callers rarely
// wait for each other.
class LocalBuckets {
 public:
  RateDecision take(const std::string& key, const RateBudget& budget) {
    std::string full = budget.name + ":" + key;
    Shard& shard = shards_[std::hash<std::string>{}(full) % kShards];
    auto now = Clock::now();
    std::lock_guard lock(shard.mu);
    if (shard.buckets.size() > kSweepAbove) sweep(shard, now, budget);
    auto [it, added] = shard.buckets.try_emplace(full, Bucket{budget.burst, now});
    Bucket& b = it->second;
    if (!added) {
      double elapsed = std::chrono::duration<double>(now - b.at).count();
      b.tokens = std::min(budget.burst, b.tokens + std::max(0.0, elapsed) * budget.rate);
      b.at = now;
    }
    RateDecision d;
    if (b.tokens >= 1) {
      b.tokens -= 1;
      d.allowed = true;
    } else {
      d.allowed = false;
      d.retry_after = std::chrono::milliseconds(std::max<long long>(
          1, static_cast<long long>(std::ceil((1 - b.tokens) * 1000 / budget.rate))));
    }
    d.remaining = static_cast<long long>(std::floor(b.tokens));
    return d;
  }

 private:
  struct Bucket {
    double tokens;
    Clock::time_point at;
  };
  struct Shard {
    std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  static constexpr std::size_t kShards = 16;
  static constexpr std::size_t kSweepAbove = 4096;

  // Forgets buckets that have refilled: a new one starts full, the same.
  static void sweep(Shard& shard, Clock::time_point now, const RateBudget& budget) {
    std::erase_if(shard.buckets, [&](const auto& entry) {
      double elapsed = std::chrono::duration<double>(now - entry.second.at).count();
      return entry.second.tokens + elapsed * budget.rate >= budget.burst;
    });
  }

  Shard shards_[kShards];
};

}  // namespace

struct RateLimiter::Impl {
  RateLimiterOptions options;
  LocalBuckets local;
#ifdef SPOKE_HAVE_REDIS
  std::unique_ptr<internal::RedisBuckets> redis;
#endif
  std::atomic<bool> redis_up{false};
  std::atomic<std::int64_t> retry_at_ms{0};

  void went_down(const Status& why) {
    auto& m = internal::library_metrics();
    m.rate_limit_redis_errors.with({}).inc();
    retry_at_ms.store(now_ms_steady() + options.redis_retry.count());
    if (redis_up.exchange(false)) {
      m.rate_limit_redis_up.with({}).set(0);
      log::write(log::Level::kWarn,
                 "rate limits: Redis does not answer; each instance limits on its own until it "
                 "does",
                 {{"error", why.message()}});
    }
  }

  void came_back(const std::string& label) {
    if (!redis_up.exchange(true)) {
      internal::library_metrics().rate_limit_redis_up.with({}).set(1);
      log::write(log::Level::kInfo, "rate limits: shared through Redis", {{"redis", label}});
    }
  }

  RateDecision take(const std::string& key, const RateBudget& budget) {
    if (budget.rate <= 0) return RateDecision{true, {}, 0, false};
#ifdef SPOKE_HAVE_REDIS
    if (redis != nullptr) {
      // While Redis is down, one request per retry interval tries it again.
      bool ask = redis_up.load();
      if (!ask) {
        std::int64_t due = retry_at_ms.load();
        std::int64_t now = now_ms_steady();
        ask = now >= due &&
              retry_at_ms.compare_exchange_strong(due, now + options.redis_retry.count());
      }
      if (ask) {
        auto d = redis->take(key, budget);
        if (d.ok()) {
          came_back(redis->label());
          return d.value();
        }
        went_down(d.status());
      }
      internal::library_metrics().rate_limit_fallback_decisions.with({}).inc();
    }
#endif
    return local.take(key, budget);
  }
};

RateLimiter::RateLimiter(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
RateLimiter::~RateLimiter() = default;

Result<std::unique_ptr<RateLimiter>> RateLimiter::open(const RateLimiterOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (!options.redis_url.empty()) {
    auto target = internal::parse_redis_url(options.redis_url);
    if (!target.ok()) return target.status();
#ifdef SPOKE_HAVE_REDIS
    impl->redis = std::make_unique<internal::RedisBuckets>(
        target.value(), options.redis_timeout, options.redis_connections, options.key_prefix);
    if (Status s = impl->redis->ping(); s.ok()) {
      impl->came_back(impl->redis->label());
    } else {
      impl->redis_up = true;  // so that went_down says so
      impl->went_down(s);
    }
#else
    return Status::InvalidArgument(
        "rate limits through Redis are not built into this libspoke (install libhiredis-dev and "
        "configure with -Dredis=enabled)",
        reason::kRedisNotBuilt);
#endif
  }
  return std::unique_ptr<RateLimiter>(new RateLimiter(std::move(impl)));
}

RateDecision RateLimiter::take(const std::string& key, const RateBudget& budget) {
  return impl_->take(key, budget);
}

bool RateLimiter::shared() const { return impl_->redis_up.load(); }

}  // namespace spoke
