#include "common/client.h"

#include <fmt/format.h>

namespace spoke::cli {

std::string encode_segment(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out += fmt::format("%{:02X}", c);
    }
  }
  return out;
}

RegistryClient::RegistryClient(const std::string& url) : url_(url) {
  std::string base = url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  auto scheme_end = base.find("://");
  auto path_start = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
  if (path_start != std::string::npos) {
    prefix_ = base.substr(path_start);
    base = base.substr(0, path_start);
  }
  client_ = std::make_unique<httplib::Client>(base);
  client_->set_connection_timeout(10, 0);
  client_->set_read_timeout(600, 0);
  client_->set_write_timeout(600, 0);
  client_->set_tcp_nodelay(true);
}

Result<wire::json> RegistryClient::finish(const httplib::Result& r, const std::string& what,
                                          int* http_status) {
  if (!r) {
    std::string why;
    switch (r.error()) {
      case httplib::Error::Connection:
        why = "connection refused or host unreachable";
        break;
      case httplib::Error::ConnectionTimeout:
        why = "connection timed out";
        break;
      case httplib::Error::Read:
        why = "the connection was closed while reading the answer";
        break;
      case httplib::Error::Write:
        why = "the connection was closed while sending the request";
        break;
      default:
        why = httplib::to_string(r.error());
        break;
    }
    return Status::Unavailable(
        fmt::format("cannot reach the registry at {} ({}): {}", url_, what, why),
        "registry_unreachable");
  }
  if (http_status != nullptr) *http_status = r->status;
  if (r->status >= 400) return wire::parse_error_json(r->status, r->body);
  auto j = wire::json::parse(r->body, nullptr, false);
  if (j.is_discarded()) {
    return Status::Internal(
        fmt::format("the registry at {} answered {} with a body that is not JSON", url_, what),
        "bad_response");
  }
  return j;
}

Result<wire::json> RegistryClient::get(const std::string& path) {
  httplib::Headers headers{{"Accept", "application/json"}};
  return finish(client_->Get(prefix_ + path, headers), "GET " + path, nullptr);
}

Result<std::string> RegistryClient::get_bytes(const std::string& path) {
  auto r = client_->Get(prefix_ + path);
  if (!r || r->status >= 400) {
    auto failed = finish(r, "GET " + path, nullptr);
    return failed.status();
  }
  return std::move(r->body);
}

Result<wire::json> RegistryClient::post(const std::string& path, const wire::json& body,
                                        bool compress, int* http_status) {
  client_->set_compress(compress);
  auto r = client_->Post(prefix_ + path, body.dump(), "application/json");
  client_->set_compress(false);
  return finish(r, "POST " + path, http_status);
}

Result<wire::json> RegistryClient::put(const std::string& path, const wire::json& body) {
  return finish(client_->Put(prefix_ + path, body.dump(), "application/json"), "PUT " + path,
                nullptr);
}

}  // namespace spoke::cli
