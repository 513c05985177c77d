// redis:// URLs.
#include <fmt/format.h>

#include <charconv>

#include "ratelimit/redis_buckets.h"

namespace spoke::internal {
namespace {

bool parse_int(std::string_view text, int& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<RedisTarget> parse_redis_url(const std::string& url) {
  // The URL as messages show it: a password never.
  std::string shown = url;
  if (auto at = url.rfind('@'); at != std::string::npos) {
    auto scheme = url.find("://");
    shown = (scheme != std::string::npos && scheme < at ? url.substr(0, scheme + 3) : "") + "...@" +
            url.substr(at + 1);
  }
  auto invalid = [&](const std::string& why) {
    return Status::InvalidArgument(
        fmt::format("Redis URL \"{}\": {}; use redis://[[user]:password@]host[:port][/db]", shown,
                    why),
        reason::kInvalidRedisUrl);
  };
  constexpr std::string_view kScheme = "redis://";
  if (!url.starts_with(kScheme)) {
    return invalid(url.starts_with("rediss://") ? "TLS to Redis (rediss://) is not supported"
                                                : "the scheme must be redis://");
  }
  std::string rest = url.substr(kScheme.size());
  RedisTarget t;
  if (auto at = rest.rfind('@'); at != std::string::npos) {
    std::string userinfo = rest.substr(0, at);
    rest = rest.substr(at + 1);
    auto colon = userinfo.find(':');
    if (colon == std::string::npos) {
      t.password = userinfo;  // redis://password@host, as several clients accept
    } else {
      t.user = userinfo.substr(0, colon);
      t.password = userinfo.substr(colon + 1);
    }
  }
  std::string hostport = rest;
  if (auto slash = rest.find('/'); slash != std::string::npos) {
    hostport = rest.substr(0, slash);
    std::string db = rest.substr(slash + 1);
    if (!db.empty() && (!parse_int(db, t.db) || t.db < 0)) {
      return invalid("the database must be a number");
    }
  }
  if (hostport.starts_with("[")) {
    auto close = hostport.find(']');
    if (close == std::string::npos) return invalid("unclosed [ in the host");
    t.host = hostport.substr(1, close - 1);
    hostport = hostport.substr(close + 1);
    if (!hostport.empty() && !hostport.starts_with(":")) return invalid("bad port");
    if (!hostport.empty() && (!parse_int(hostport.substr(1), t.port))) return invalid("bad port");
  } else if (auto colon = hostport.rfind(':'); colon != std::string::npos) {
    t.host = hostport.substr(0, colon);
    if (!parse_int(hostport.substr(colon + 1), t.port)) return invalid("bad port");
  } else {
    t.host = hostport;
  }
  if (t.host.empty()) return invalid("no host");
  if (t.port <= 0 || t.port > 65535) return invalid("bad port");
  t.label = fmt::format("{}:{}/{}", t.host, t.port, t.db);
  return t;
}

}  // namespace spoke::internal
