#pragma once

// Who sent a request: the peer address, or behind trusted proxies (load balancers that append
// the address they received a request from to X-Forwarded-For) the address the first of them saw.

#include <httplib.h>

#include <array>
#include <string>
#include <vector>

#include "spoke/status.h"

namespace spoke::server {

class TrustedProxies {
 public:
  // Addresses and CIDR ranges, IPv4 or IPv6 ("10.0.0.0/8", "192.168.1.7", "fd00::/8").
  // InvalidArgument naming the entry that is neither.
  static Result<TrustedProxies> parse(const std::vector<std::string>& entries);

  bool empty() const { return ranges_.empty(); }
  bool contains(const std::string& address) const;

  // The peer address when it is not a trusted proxy (X-Forwarded-For is then ignored: anyone can
  // send one). From a trusted proxy: the X-Forwarded-For entries read right to left, the first
  // that is not a trusted proxy itself; the leftmost entry when all are; the peer when the header
  // is absent or an entry is not an address.
  std::string client_of(const httplib::Request& req) const;

 private:
  struct Range {
    int family;  // AF_INET or AF_INET6
    std::array<unsigned char, 16> bytes;
    int prefix;
  };
  std::vector<Range> ranges_;
};

}  // namespace spoke::server
