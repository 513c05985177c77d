#include "logging.h"

#include <cstdio>

#include "spoke/model.h"

namespace spoke::server {

LogContext& log_context() {
  thread_local LogContext context;
  return context;
}

void log(log::Level level, std::string_view message, const rest::json& fields) {
  if (!log::enabled(level)) return;
  rest::json line = {
      {"ts", format_timestamp(now_ms())}, {"level", log::to_string(level)}, {"msg", message}};
  const LogContext& context = log_context();
  if (!context.request_id.empty()) line["request_id"] = context.request_id;
  if (!context.trace_id.empty()) line["trace_id"] = context.trace_id;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) line[key] = value;
  }
  // One write per line: lines of concurrent requests never interleave.
  std::string text = rest::dump(line) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void install_json_logging(log::Level level) {
  log::set_level(level);
  log::set_sink([](log::Level l, std::string_view message, const rest::json& fields) {
    log(l, message, fields);
  });
}

}  // namespace spoke::server
