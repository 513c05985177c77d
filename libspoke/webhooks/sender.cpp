#include "webhooks/sender.h"

#include <fmt/format.h>
#include <httplib.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cctype>
#include <ctime>

#include "spoke/reason.h"
#include "spoke/webhooks.h"

namespace spoke::internal {
namespace {

Status invalid_url(const std::string& url, const std::string& why) {
  return Status::InvalidArgument(fmt::format("webhook URL \"{}\": {}", url, why),
                                 reason::kInvalidUrl);
}

// The numeric addresses `host` resolves to (a numeric host is itself), or the resolver's error.
Result<std::vector<std::string>> resolve(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found);
  if (rc != 0) {
    return Status::Unavailable(fmt::format("cannot resolve {}: {}", host, gai_strerror(rc)));
  }
  std::vector<std::string> out;
  for (addrinfo* a = found; a != nullptr; a = a->ai_next) {
    char text[NI_MAXHOST];
    if (getnameinfo(a->ai_addr, a->ai_addrlen, text, sizeof text, nullptr, 0, NI_NUMERICHOST) ==
        0) {
      out.emplace_back(text);
    }
  }
  freeaddrinfo(found);
  if (out.empty()) return Status::Unavailable(fmt::format("{} resolves to no address", host));
  return out;
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

Result<WebhookUrl> parse_webhook_url(const std::string& url) {
  if (url.size() > 2048) return invalid_url(url.substr(0, 64) + "...", "longer than 2048 bytes");
  for (unsigned char c : url) {
    if (c <= ' ' || c == 0x7f)
      return invalid_url(url, "spaces and control characters are not allowed");
  }
  WebhookUrl out;
  std::size_t colon = url.find("://");
  if (colon == std::string::npos) return invalid_url(url, "not an absolute http or https URL");
  out.scheme = lower(url.substr(0, colon));
  if (out.scheme != "http" && out.scheme != "https") {
    return invalid_url(url, fmt::format("scheme \"{}\" is not http or https", out.scheme));
  }
  std::string rest = url.substr(colon + 3);
  if (rest.find('#') != std::string::npos) return invalid_url(url, "a fragment (#...) is not sent");
  std::size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  out.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (out.target.front() == '?') out.target.insert(0, "/");
  if (authority.find('@') != std::string::npos) {
    return invalid_url(url, "user information (user@host) is not allowed; use headers instead");
  }
  std::string port_text;
  if (authority.starts_with("[")) {
    std::size_t close = authority.find(']');
    if (close == std::string::npos) return invalid_url(url, "unterminated IPv6 address");
    out.host = authority.substr(1, close - 1);
    std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return invalid_url(url, "bad characters after the IPv6 address");
      port_text = after.substr(1);
    }
  } else {
    std::size_t p = authority.rfind(':');
    out.host = authority.substr(0, p);
    if (p != std::string::npos) port_text = authority.substr(p + 1);
  }
  if (out.host.empty()) return invalid_url(url, "no host");
  out.port = out.scheme == "https" ? 443 : 80;
  if (!port_text.empty()) {
    int port = 0;
    for (char c : port_text) {
      if (c < '0' || c > '9' || port > 65535) return invalid_url(url, "bad port");
      port = port * 10 + (c - '0');
    }
    if (port < 1 || port > 65535) return invalid_url(url, "bad port");
    out.port = port;
  }
  return out;
}

std::optional<std::chrono::milliseconds> parse_retry_after(const std::string& value,
                                                           Timestamp now) {
  if (value.empty()) return std::nullopt;
  bool digits = true;
  for (char c : value) digits = digits && c >= '0' && c <= '9';
  if (digits) {
    if (value.size() > 9) return std::chrono::milliseconds(999999999LL * 1000);
    return std::chrono::milliseconds(std::stoll(value) * 1000);
  }
  std::tm tm{};
  const char* end = strptime(value.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  std::int64_t at = static_cast<std::int64_t>(timegm(&tm)) * 1000;
  return std::chrono::milliseconds(at > now ? at - now : 0);
}

SendResult send_webhook(const SendRequest& request) {
  SendResult out;
  auto started = std::chrono::steady_clock::now();
  auto finish = [&](std::string kind, std::string error) {
    out.error_kind = std::move(kind);
    out.error = std::move(error);
    out.duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::steady_clock::now() - started)
                          .count();
    return out;
  };

  auto url = parse_webhook_url(request.url);
  if (!url.ok()) return finish("blocked", url.status().message());
  auto addresses = resolve(url->host, url->port);
  if (!addresses.ok()) return finish("dns", addresses.status().message());
  // The address checked is the address connected to: the host is not resolved again.
  std::string address;
  for (const auto& a : addresses.value()) {
    if (request.allow_private || !webhooks::is_private_address(a)) {
      address = a;
      break;
    }
  }
  if (address.empty()) {
    return finish("blocked",
                  fmt::format("{} resolves to {}, a loopback, private or link-local address; "
                              "deliveries there need spoke-server --webhook-allow-private",
                              url->host, addresses->front()));
  }

  std::string origin = fmt::format(
      "{}://{}:{}", url->scheme,
      url->host.find(':') != std::string::npos ? "[" + url->host + "]" : url->host, url->port);
  httplib::Client client(origin);
  client.set_hostname_addr_map({{url->host, address}});
  auto timeout = request.timeout;
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(timeout);
  auto usecs = std::chrono::duration_cast<std::chrono::microseconds>(timeout - secs);
  client.set_connection_timeout(secs.count(), usecs.count());
  client.set_read_timeout(secs.count(), usecs.count());
  client.set_write_timeout(secs.count(), usecs.count());
  client.set_follow_location(false);
  client.set_keep_alive(false);
  client.set_decompress(true);

  auto deadline = started + timeout;
  bool past_deadline = false;
  httplib::Request req;
  req.method = "POST";
  req.path = url->target;
  for (const auto& [k, v] : request.headers) req.headers.emplace(k, v);
  req.body = request.body;
  // The answer's body up to the limit; the rest is read and dropped, within the deadline.
  req.content_receiver = [&](const char* data, std::size_t n, std::uint64_t, std::uint64_t) {
    if (std::chrono::steady_clock::now() > deadline) {
      past_deadline = true;
      return false;
    }
    std::size_t room =
        request.response_limit - std::min(request.response_limit, out.response_body.size());
    if (n > room) out.truncated = true;
    out.response_body.append(data, std::min(n, room));
    return true;
  };
  req.progress = [&](std::uint64_t, std::uint64_t) {
    if (std::chrono::steady_clock::now() > deadline) {
      past_deadline = true;
      return false;
    }
    return true;
  };
  httplib::Response res;
  httplib::Error error = httplib::Error::Success;
  bool sent = client.send(req, res, error);
  auto elapsed = std::chrono::steady_clock::now() - started;
  bool timed_out = past_deadline || elapsed >= timeout - std::chrono::milliseconds(50);
  if (!sent || error != httplib::Error::Success) {
    std::string what = httplib::to_string(error);
    switch (error) {
      case httplib::Error::SSLConnection:
      case httplib::Error::SSLLoadingCerts:
      case httplib::Error::SSLServerVerification:
        return finish("tls", fmt::format("TLS with {} ({}) failed: {}", url->host, address, what));
      case httplib::Error::ConnectionTimeout:
        return finish("timeout", fmt::format("connecting to {} ({}) took longer than {} ms",
                                             url->host, address, timeout.count()));
      case httplib::Error::Connection:
        if (timed_out) {
          return finish("timeout", fmt::format("connecting to {} ({}) took longer than {} ms",
                                               url->host, address, timeout.count()));
        }
        return finish("connect",
                      fmt::format("cannot connect to {} ({}): {}", url->host, address, what));
      default:
        if (timed_out) {
          return finish("timeout", fmt::format("{} ({}) did not answer within {} ms", url->host,
                                               address, timeout.count()));
        }
        return finish("closed", fmt::format("{} ({}) closed the connection without a complete "
                                            "answer ({})",
                                            url->host, address, what));
    }
  }
  out.status = res.status;
  for (const auto& [k, v] : res.headers) out.response_headers.emplace_back(k, v);
  if (res.has_header("Retry-After")) {
    out.retry_after = parse_retry_after(res.get_header_value("Retry-After"), now_ms());
  }
  return finish("", "");
}

}  // namespace spoke::internal
