#pragma once

// The id a request is known by in logs and the audit log.

#include <httplib.h>

#include <string>

namespace spoke::server {

inline constexpr char kRequestIdHeader[] = "X-Request-Id";

// The request's X-Request-Id when it is 1 to 128 visible ASCII characters, else a new random one
// (32 hex digits).
std::string request_id_of(const httplib::Request& req);

}  // namespace spoke::server
