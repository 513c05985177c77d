#include "client_address.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <charconv>

namespace spoke::server {
namespace {

struct Address {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
};

bool parse_address(std::string text, Address& out) {
  if (text.starts_with("[") && text.ends_with("]")) text = text.substr(1, text.size() - 2);
  if (inet_pton(AF_INET, text.c_str(), out.bytes.data()) == 1) {
    out.family = AF_INET;
    return true;
  }
  if (inet_pton(AF_INET6, text.c_str(), out.bytes.data()) == 1) {
    // An IPv4 address mapped into IPv6 (::ffff:a.b.c.d) is that IPv4 address.
    static constexpr unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (std::equal(kMapped, kMapped + 12, out.bytes.begin())) {
      std::copy(out.bytes.begin() + 12, out.bytes.end(), out.bytes.begin());
      out.family = AF_INET;
      return true;
    }
    out.family = AF_INET6;
    return true;
  }
  return false;
}

std::string trim(std::string s) {
  s.erase(0, s.find_first_not_of(" \t"));
  s.erase(s.find_last_not_of(" \t") + 1);
  return s;
}

}  // namespace

Result<TrustedProxies> TrustedProxies::parse(const std::vector<std::string>& entries) {
  TrustedProxies out;
  for (const auto& raw : entries) {
    std::string entry = trim(raw);
    if (entry.empty()) continue;
    std::string address = entry;
    int prefix = -1;
    if (auto slash = entry.find('/'); slash != std::string::npos) {
      address = entry.substr(0, slash);
      std::string bits = entry.substr(slash + 1);
      auto [end, ec] = std::from_chars(bits.data(), bits.data() + bits.size(), prefix);
      if (ec != std::errc() || end != bits.data() + bits.size()) prefix = -2;
    }
    Address a;
    int max_prefix = 0;
    bool ok = parse_address(address, a);
    if (ok) max_prefix = a.family == AF_INET ? 32 : 128;
    if (!ok || prefix == -2 || prefix > max_prefix) {
      return Status::InvalidArgument(
          fmt::format("trusted proxy \"{}\" is not an IP address or CIDR range (e.g. 10.0.0.0/8, "
                      "192.168.1.7, fd00::/8)",
                      entry),
          reason::kInvalidArgument);
    }
    out.ranges_.push_back({a.family, a.bytes, prefix < 0 ? max_prefix : prefix});
  }
  return out;
}

bool TrustedProxies::contains(const std::string& address) const {
  Address a;
  if (!parse_address(address, a)) return false;
  for (const auto& r : ranges_) {
    if (r.family != a.family) continue;
    int full = r.prefix / 8, rest = r.prefix % 8;
    if (!std::equal(r.bytes.begin(), r.bytes.begin() + full, a.bytes.begin())) continue;
    if (rest != 0) {
      unsigned char mask = static_cast<unsigned char>(0xff << (8 - rest));
      if ((r.bytes[static_cast<std::size_t>(full)] & mask) !=
          (a.bytes[static_cast<std::size_t>(full)] & mask)) {
        continue;
      }
    }
    return true;
  }
  return false;
}

std::string TrustedProxies::client_of(const httplib::Request& req) const {
  if (ranges_.empty() || !contains(req.remote_addr)) return req.remote_addr;
  // Every X-Forwarded-For header, in order, as one list.
  std::vector<std::string> hops;
  auto count = req.get_header_value_count("X-Forwarded-For");
  for (std::size_t i = 0; i < count; ++i) {
    std::string value = req.get_header_value("X-Forwarded-For", i);
    std::size_t pos = 0;
    while (pos <= value.size()) {
      std::size_t comma = value.find(',', pos);
      if (comma == std::string::npos) comma = value.size();
      std::string hop = trim(value.substr(pos, comma - pos));
      if (hop.starts_with("[") && hop.ends_with("]")) hop = hop.substr(1, hop.size() - 2);
      hops.push_back(std::move(hop));
      pos = comma + 1;
    }
  }
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    Address a;
    if (!parse_address(*it, a)) return req.remote_addr;
    if (!contains(*it) || std::next(it) == hops.rend()) return *it;
  }
  return req.remote_addr;
}

}  // namespace spoke::server
