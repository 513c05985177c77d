#include "request_id.h"

#include <fmt/format.h>

#include <random>

namespace spoke::server {

std::string request_id_of(const httplib::Request& req) {
  std::string given = req.get_header_value(kRequestIdHeader);
  bool usable = !given.empty() && given.size() <= 128;
  for (char c : given) usable = usable && c > ' ' && c < 127;
  if (usable) return given;
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{:016x}{:016x}", rng(), rng());
}

}  // namespace spoke::server
