#pragma once

// One HTTP POST of a delivery: the URL checked and its host resolved once (the address checked
// against private ranges is the address connected to), no redirects followed, one deadline for
// the whole attempt, the answer's body kept up to a limit. Private to libspoke.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "spoke/status.h"
#include "spoke/webhook_types.h"

namespace spoke::internal {

// The parts of an http(s) URL a delivery needs.
struct WebhookUrl {
  std::string scheme;  // "http" or "https"
  std::string host;    // without brackets for IPv6
  int port = 0;
  std::string target;  // path and query, "/" at least
};
// InvalidArgument("invalid_url") saying what is wrong: a scheme other than http and https, no
// host, a bad port, user information, a fragment, spaces or control characters.
Result<WebhookUrl> parse_webhook_url(const std::string& url);

struct SendRequest {
  std::string url;
  HeaderList headers;
  std::string body;
  std::chrono::milliseconds timeout{10000};
  bool allow_private = false;
  std::size_t response_limit = 16 * 1024;
};

struct SendResult {
  int status = 0;  // 0: no answer
  HeaderList response_headers;
  std::string response_body;
  bool truncated = false;
  std::string error_kind;  // as DeliveryAttempt::error_kind
  std::string error;
  std::int64_t duration_ms = 0;
  std::optional<std::chrono::milliseconds> retry_after;  // from a Retry-After header
};

SendResult send_webhook(const SendRequest& request);

// A Retry-After value: seconds, or an HTTP date (relative to `now`). nullopt when unreadable.
std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value, Timestamp now);

}  // namespace spoke::internal
