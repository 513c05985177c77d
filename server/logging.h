#pragma once

// spoke-server's log: one JSON object per line on stdout, {"ts", "level", "msg", ...}, with the
// request id and trace id of the request the calling thread serves on every line it writes.
// libspoke's own lines (spoke/log.h) arrive here too.

#include <optional>
#include <string>
#include <string_view>

#include "spoke/log.h"
#include "spoke/rest.h"

namespace spoke::server {

// What every line logged while serving a request carries.
struct LogContext {
  std::string request_id;
  std::string trace_id;   // from a W3C traceparent header; empty without one
  std::string parent_id;  // the caller's span id from that header
};

// The calling thread's context (empty outside a request).
LogContext& log_context();

// Writes one line when `level` is enabled (spoke::log::set_level).
void log(log::Level level, std::string_view message,
         const rest::json& fields = rest::json::object());

// Routes libspoke's lines (spoke::log::write) through log() and sets the level.
void install_json_logging(log::Level level);

}  // namespace spoke::server
