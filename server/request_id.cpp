#include "request_id.h"

#include <fmt/format.h>

#include <random>

namespace spoke::server {
namespace {

bool lower_hex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool all_zeros(std::string_view s) { return s.find_first_not_of('0') == std::string_view::npos; }

}  // namespace

std::string request_id_of(const httplib::Request& req) {
  std::string given = req.get_header_value(kRequestIdHeader);
  bool usable = !given.empty() && given.size() <= 128;
  for (char c : given) usable = usable && c > ' ' && c < 127;
  if (usable) return given;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

std::optional<TraceParent> parse_traceparent(std::string_view header) {
  // version(2) '-' trace-id(32) '-' parent-id(16) '-' flags(2), and for later versions maybe
  // more after a further '-'.
  if (header.size() < 55) return std::nullopt;
  std::string_view version = header.substr(0, 2), trace = header.substr(3, 32),
                   parent = header.substr(36, 16), flags = header.substr(53, 2);
  if (header[2] != '-' || header[35] != '-' || header[52] != '-') return std::nullopt;
  if (!lower_hex(version) || !lower_hex(trace) || !lower_hex(parent) || !lower_hex(flags)) {
    return std::nullopt;
  }
  if (version == "ff" || all_zeros(trace) || all_zeros(parent)) return std::nullopt;
  if (version == "00" ? header.size() != 55 : header.size() > 55 && header[55] != '-') {
    return std::nullopt;
  }
  return TraceParent{std::string(trace), std::string(parent)};
}

}  // namespace spoke::server
