// Token buckets in Redis through hiredis: a small pool of connections, one Lua script a request.
#include "ratelimit/redis_buckets.h"

#include <fmt/format.h>
#include <hiredis/hiredis.h>
#include <openssl/evp.h>

#include <condition_variable>
#include <mutex>
#include <vector>

namespace spoke::internal {
namespace {

// Refills the bucket KEYS[1] by the time passed on Redis' clock (one clock for every process),
// takes a token when there is one, and keeps the bucket until it would be full again anyway.
// ARGV: rate (tokens a second), burst. Returns {allowed, milliseconds until a token, tokens left}.
constexpr const char* kScript = R"lua(
local clock = redis.call('TIME')
local now = tonumber(clock[1]) * 1000 + math.floor(tonumber(clock[2]) / 1000)
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local state = redis.call('HMGET', KEYS[1], 't', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
else
  local elapsed = now - at
  if elapsed < 0 then elapsed = 0 end
  tokens = math.min(burst, tokens + elapsed * rate / 1000)
end
local allowed = 0
local wait = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  wait = math.ceil((1 - tokens) * 1000 / rate)
end
redis.call('HSET', KEYS[1], 't', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst * 1000 / rate) + 1000)
return {allowed, wait, math.floor(tokens)}
)lua";

std::string sha1_hex(std::string_view text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(text.data(), text.size(), md, &n, EVP_sha1(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < n; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

struct ReplyDeleter {
  void operator()(redisReply* r) const {
    if (r != nullptr) freeReplyObject(r);
  }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* c) const {
    if (c != nullptr) redisFree(c);
  }
};
using Connection = std::unique_ptr<redisContext, ContextDeleter>;

Reply command(redisContext* c, const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (const auto& a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return Reply(static_cast<redisReply*>(
      redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data())));
}

}  // namespace

struct RedisBuckets::Impl {
  RedisTarget target;
  std::chrono::milliseconds timeout;
  int max_connections;
  std::string prefix;
  std::string script_sha = sha1_hex(kScript);

  std::mutex mu;
  std::condition_variable cv;
  std::vector<Connection> idle;
  int open = 0;

  Status unavailable(const std::string& why) const {
    return Status::Unavailable(fmt::format("Redis at {}: {}", target.label, why),
                               reason::kRedisUnavailable);
  }

  Result<Connection> connect() {
    timeval tv{static_cast<time_t>(timeout.count() / 1000),
               static_cast<suseconds_t>((timeout.count() % 1000) * 1000)};
    Connection c(redisConnectWithTimeout(target.host.c_str(), target.port, tv));
    if (c == nullptr) return unavailable("cannot allocate a connection");
    if (c->err != 0) return unavailable(c->errstr);
    redisSetTimeout(c.get(), tv);
    auto check = [&](Reply r, const char* what) -> Status {
      if (r == nullptr) return unavailable(c->errstr);
      if (r->type == REDIS_REPLY_ERROR) {
        return unavailable(fmt::format("{} refused: {}", what, std::string(r->str, r->len)));
      }
      return Status::OK();
    };
    if (!target.password.empty()) {
      std::vector<std::string> auth = {"AUTH"};
      if (!target.user.empty()) auth.push_back(target.user);
      auth.push_back(target.password);
      SPOKE_RETURN_IF_ERROR(check(command(c.get(), auth), "AUTH"));
    }
    if (target.db != 0) {
      SPOKE_RETURN_IF_ERROR(
          check(command(c.get(), {"SELECT", std::to_string(target.db)}), "SELECT"));
    }
    return c;
  }

  Result<Connection> acquire() {
    {
      std::unique_lock lock(mu);
      if (!cv.wait_for(lock, timeout, [&] { return !idle.empty() || open < max_connections; })) {
        return unavailable(fmt::format("all {} connections stayed busy", max_connections));
      }
      if (!idle.empty()) {
        Connection c = std::move(idle.back());
        idle.pop_back();
        return c;
      }
      ++open;
    }
    auto c = connect();
    if (!c.ok()) {
      std::lock_guard lock(mu);
      --open;
      cv.notify_one();
    }
    return c;
  }

  // Returns a connection for reuse, or closes it after an error (hiredis cannot reuse it then).
  void release(Connection c) {
    std::lock_guard lock(mu);
    if (c != nullptr && c->err == 0) {
      idle.push_back(std::move(c));
    } else {
      --open;
    }
    cv.notify_one();
  }

  Result<RateDecision> take(const std::string& key, const RateBudget& budget) {
    auto c = acquire();
    if (!c.ok()) return c.status();
    Connection conn = std::move(c).value();
    std::string full_key = prefix + budget.name + ":" + key;
    std::string rate = fmt::format("{}", budget.rate);
    std::string burst = fmt::format("{}", budget.burst);
    Reply r = command(conn.get(), {"EVALSHA", script_sha, "1", full_key, rate, burst});
    if (r != nullptr && r->type == REDIS_REPLY_ERROR &&
        std::string_view(r->str, r->len).starts_with("NOSCRIPT")) {
      // First use on this Redis (or after a restart): EVAL loads the script.
      r = command(conn.get(), {"EVAL", kScript, "1", full_key, rate, burst});
    }
    Result<RateDecision> out = unavailable("no answer");
    if (r == nullptr) {
      out = unavailable(conn->errstr[0] != 0 ? conn->errstr : "no answer");
    } else if (r->type == REDIS_REPLY_ERROR) {
      out = unavailable(std::string(r->str, r->len));
    } else if (r->type != REDIS_REPLY_ARRAY || r->elements != 3) {
      out = unavailable("unexpected answer to the rate-limit script");
    } else {
      RateDecision d;
      d.allowed = r->element[0]->integer == 1;
      d.retry_after =
          std::chrono::milliseconds(d.allowed ? 0 : std::max(1LL, r->element[1]->integer));
      d.remaining = r->element[2]->integer;
      d.shared = true;
      out = d;
    }
    // A connection that timed out may still get the late answer: never reuse it.
    if (!out.ok()) conn.reset();
    release(std::move(conn));
    return out;
  }
};

RedisBuckets::RedisBuckets(RedisTarget target, std::chrono::milliseconds timeout, int connections,
                           std::string key_prefix)
    : impl_(std::make_unique<Impl>()) {
  impl_->target = std::move(target);
  impl_->timeout = timeout;
  impl_->max_connections = std::max(1, connections);
  impl_->prefix = std::move(key_prefix);
}

RedisBuckets::~RedisBuckets() = default;

Result<RateDecision> RedisBuckets::take(const std::string& key, const RateBudget& budget) {
  return impl_->take(key, budget);
}

Status RedisBuckets::ping() {
  auto c = impl_->acquire();
  if (!c.ok()) return c.status();
  Connection conn = std::move(c).value();
  Reply r = command(conn.get(), {"PING"});
  Status s = r != nullptr && r->type != REDIS_REPLY_ERROR ? Status::OK()
                                                          : impl_->unavailable("PING failed");
  if (!s.ok()) conn.reset();
  impl_->release(std::move(conn));
  return s;
}

const std::string& RedisBuckets::label() const { return impl_->target.label; }

}  // namespace spoke::internal
