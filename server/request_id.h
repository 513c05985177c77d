#pragma once

// The id a request is known by in logs and the audit log, and the trace it belongs to.

#include <httplib.h>

#include <optional>
#include <string>
#include <string_view>

namespace spoke::server {

inline constexpr char kRequestIdHeader[] = "X-Request-Id";
inline constexpr char kTraceParentHeader[] = "traceparent";

// The request's X-Request-Id when it is 1 to 128 visible ASCII characters, else a new random one
// (32 hex digits).
std::string request_id_of(const httplib::Request& req);

// A W3C Trace Context traceparent: "00-<trace id: 32 hex>-<parent id: 16 hex>-<flags: 2 hex>".
struct TraceParent {
  std::string trace_id;
  std::string parent_id;
};
// nullopt when the header is malformed, or its ids are all zeros, or its version is ff (the
// specification says to ignore such a header). Versions above 00 are read as 00 is.
std::optional<TraceParent> parse_traceparent(std::string_view header);

}  // namespace spoke::server
