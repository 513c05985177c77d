#pragma once

#include <httplib.h>

#include <memory>
#include <string>

#include "spoke/status.h"
#include "spoke/wire.h"

namespace spoke::cli {

// A thin HTTP client for a spoke-server: JSON in, JSON out, errors as Status.
class RegistryClient {
 public:
  // `url` like http://host:8080 or http://host/prefix.
  explicit RegistryClient(const std::string& url);

  Result<wire::json> get(const std::string& path);
  // The raw body of a successful GET (e.g. an archive); errors as get's.
  Result<std::string> get_bytes(const std::string& path);
  // Sends `body` gzip-compressed when `compress`.
  Result<wire::json> post(const std::string& path, const wire::json& body, bool compress,
                          int* http_status = nullptr);
  Result<wire::json> put(const std::string& path, const wire::json& body);

  const std::string& url() const { return url_; }

 private:
  Result<wire::json> finish(const httplib::Result& r, const std::string& what, int* http_status);

  std::string url_;
  std::string prefix_;
  std::unique_ptr<httplib::Client> client_;
};

// Percent-encodes one path segment (module, version, ...).
std::string encode_segment(const std::string& s);

}  // namespace spoke::cli
