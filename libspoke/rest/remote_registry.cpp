// The typed HTTP client of spoke-server.
#include "spoke/remote_registry.h"

#include <fmt/format.h>
#include <httplib.h>
#include <openssl/x509.h>
#include <zlib.h>

#include "spoke/rest.h"

namespace spoke {
namespace {

using rest::json;

// The gzip form of `data` (the push body: tens of MB of .proto text shrink tenfold).
std::string gzip(std::string_view data) {
  z_stream zs{};
  deflateInit2(&zs, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace

std::string encode_path_segment(const std::string& s) {
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

struct RemoteRegistry::Impl {
  RemoteOptions options;
  std::string prefix;  // a path the registry is served under ("" at the root)
  std::string host;    // host[:port] of the URL
  std::unique_ptr<httplib::Client> client;

  explicit Impl(RemoteOptions o) : options(std::move(o)) {
    std::string base = options.url;
    while (!base.empty() && base.back() == '/') base.pop_back();
    auto scheme_end = base.find("://");
    auto path_start = base.find('/', scheme_end == std::string::npos ? 0 : scheme_end + 3);
    if (path_start != std::string::npos) {
      prefix = base.substr(path_start);
      base = base.substr(0, path_start);
    }
    host = base.substr(scheme_end == std::string::npos ? 0 : scheme_end + 3);
    client = std::make_unique<httplib::Client>(base);
    client->set_connection_timeout(options.connect_timeout_s, 0);
    client->set_read_timeout(options.timeout_s, 0);
    client->set_write_timeout(options.timeout_s, 0);
    client->set_tcp_nodelay(true);
    if (!options.ca_cert.empty()) client->set_ca_cert_path(options.ca_cert.c_str());
    client->enable_server_certificate_verification(true);
    if (!options.token.empty()) client->set_bearer_token_auth(options.token.c_str());
  }

  // "?k=v&..." of the non-empty values (empty when there is none).
  static std::string query(std::initializer_list<std::pair<const char*, std::string>> params) {
    std::string out;
    for (const auto& [key, value] : params) {
      if (value.empty()) continue;
      out.push_back(out.empty() ? '?' : '&');
      out.append(key);
      out.push_back('=');
      out.append(encode_path_segment(value));
    }
    return out;
  }

  Status remove(const std::string& path) {
    auto r = client->Delete(prefix + path);
    if (!r) return unreachable(r, "DELETE " + path);
    if (r->status >= 400) return rest::status_from_error(r->status, r->body);
    return Status::OK();
  }

  static std::string module_path(const std::string& module) {
    return "/modules/" + encode_path_segment(module);
  }
  static std::string version_path(const std::string& module, const std::string& version) {
    return module_path(module) + "/versions/" + encode_path_segment(version);
  }

  Status unreachable(const httplib::Result& r, const std::string& what) const {
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
      case httplib::Error::SSLServerVerification: {
        long verify = client->get_openssl_verify_result();
        why = verify != X509_V_OK
                  ? fmt::format(
                        "its TLS certificate is not trusted ({}); pass --ca-cert (or "
                        "SPOKE_CA_CERT) with the CA that signed it",
                        X509_verify_cert_error_string(verify))
                  : fmt::format("its TLS certificate is not for {}", host);
        break;
      }
      case httplib::Error::SSLLoadingCerts:
        why = options.ca_cert.empty()
                  ? "cannot load the system's CA certificates"
                  : fmt::format("cannot load CA certificates from {}", options.ca_cert);
        break;
      case httplib::Error::SSLConnection:
        why = "the TLS handshake failed (is it an https server?)";
        break;
      default:
        why = httplib::to_string(r.error());
        break;
    }
    return Status::Unavailable(
        fmt::format("cannot reach the registry at {} ({}): {}", options.url, what, why),
        reason::kRegistryUnreachable);
  }

  // The response's JSON body, or the error it carries.
  Result<json> finish(const httplib::Result& r, const std::string& what, int* status = nullptr) {
    if (!r) return unreachable(r, what);
    if (status != nullptr) *status = r->status;
    if (r->status >= 400) return rest::status_from_error(r->status, r->body);
    auto j = json::parse(r->body, nullptr, false);
    if (j.is_discarded()) {
      return Status::Internal(
          fmt::format("the registry at {} answered {} with a body that is not JSON", options.url,
                      what),
          reason::kBadResponse);
    }
    return j;
  }

  Result<json> get(const std::string& path) {
    httplib::Headers headers{{"Accept", "application/json"}};
    return finish(client->Get(prefix + path, headers), "GET " + path);
  }

  Result<json> send(const std::string& method, const std::string& path, const json& body,
                    int* status = nullptr) {
    std::string text = rest::dump(body);
    httplib::Result r = method == "PUT"     ? client->Put(prefix + path, text, "application/json")
                        : method == "PATCH" ? client->Patch(prefix + path, text, "application/json")
                                            : client->Post(prefix + path, text, "application/json");
    return finish(r, method + " " + path, status);
  }
};

Result<Principal> RemoteRegistry::whoami() {
  auto r = impl_->get("/whoami");
  if (!r.ok()) return r.status();
  return rest::principal_from_json(r.value());
}

Result<CreatedToken> RemoteRegistry::create_token(const NewToken& request) {
  auto r = impl_->send("POST", "/tokens", rest::to_json(request));
  if (!r.ok()) return r.status();
  return rest::created_token_from_json(r.value());
}

Result<std::vector<AccessToken>> RemoteRegistry::list_tokens() {
  auto r = impl_->get("/tokens");
  if (!r.ok()) return r.status();
  return rest::tokens_from_json(r.value());
}

Status RemoteRegistry::revoke_token(const std::string& name) {
  return impl_->remove("/tokens/" + encode_path_segment(name));
}

Result<AuditPage> RemoteRegistry::list_audit(const AuditFilter& filter) {
  auto r = impl_->get("/audit" +
                      Impl::query({{"module", filter.module},
                                   {"actor", filter.actor},
                                   {"since", filter.since},
                                   {"until", filter.until},
                                   {"limit", filter.limit == 0 ? "" : std::to_string(filter.limit)},
                                   {"page_token", filter.page_token}}));
  if (!r.ok()) return r.status();
  return rest::audit_page_from_json(r.value());
}

namespace {
std::string webhook_path(const std::string& id) { return "/webhooks/" + encode_path_segment(id); }
std::string delivery_path(const std::string& id, const std::string& delivery) {
  return webhook_path(id) + "/deliveries/" + encode_path_segment(delivery);
}
}  // namespace

Result<CreatedWebhook> RemoteRegistry::create_webhook(const WebhookRequest& request) {
  auto r = impl_->send("POST", "/webhooks", rest::to_json(request));
  if (!r.ok()) return r.status();
  return rest::created_webhook_from_json(r.value());
}

Result<std::vector<Webhook>> RemoteRegistry::list_webhooks() {
  auto r = impl_->get("/webhooks");
  if (!r.ok()) return r.status();
  return rest::webhooks_from_json(r.value());
}

Result<Webhook> RemoteRegistry::get_webhook(const std::string& id) {
  auto r = impl_->get(webhook_path(id));
  if (!r.ok()) return r.status();
  return rest::webhook_from_json(r.value());
}

Result<CreatedWebhook> RemoteRegistry::update_webhook(const std::string& id,
                                                      const WebhookRequest& patch) {
  auto r = impl_->send("PATCH", webhook_path(id), rest::to_json(patch));
  if (!r.ok()) return r.status();
  return rest::created_webhook_from_json(r.value());
}

Status RemoteRegistry::delete_webhook(const std::string& id) {
  return impl_->remove(webhook_path(id));
}

Result<DeliveryPage> RemoteRegistry::list_deliveries(const std::string& id,
                                                     const DeliveryFilter& filter) {
  auto r = impl_->get(webhook_path(id) + "/deliveries" +
                      Impl::query({{"status", filter.status},
                                   {"event", filter.event},
                                   {"limit", filter.limit == 0 ? "" : std::to_string(filter.limit)},
                                   {"page_token", filter.page_token}}));
  if (!r.ok()) return r.status();
  return rest::delivery_page_from_json(r.value());
}

Result<DeliveryDetail> RemoteRegistry::get_delivery(const std::string& id,
                                                    const std::string& delivery) {
  auto r = impl_->get(delivery_path(id, delivery));
  if (!r.ok()) return r.status();
  return rest::delivery_detail_from_json(r.value());
}

Result<WebhookDelivery> RemoteRegistry::redeliver(const std::string& id,
                                                  const std::string& delivery) {
  auto r = impl_->send("POST", delivery_path(id, delivery) + "/redeliver", json::object());
  if (!r.ok()) return r.status();
  return rest::delivery_from_json(r.value());
}

Result<WebhookDelivery> RemoteRegistry::ping_webhook(const std::string& id) {
  auto r = impl_->send("POST", webhook_path(id) + "/ping", json::object());
  if (!r.ok()) return r.status();
  return rest::delivery_from_json(r.value());
}

RemoteRegistry::RemoteRegistry(RemoteOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}
RemoteRegistry::~RemoteRegistry() = default;

const RemoteOptions& RemoteRegistry::options() const { return impl_->options; }

Result<CreateModuleResult> RemoteRegistry::create_module(const std::string& name,
                                                         const std::string& description) {
  int status = 0;
  auto r = impl_->send("POST", "/modules",
                       rest::to_json(rest::CreateModuleRequest{name, description}), &status);
  if (!r.ok()) return r.status();
  auto m = rest::module_from_json(r.value());
  if (!m.ok()) return m.status();
  return CreateModuleResult{std::move(m).value(), status == 201};
}

namespace {

// `path` with ?limit= and &page_token= as given.
std::string paged(std::string path, std::size_t limit, const std::string& page_token) {
  std::string sep = "?";
  if (limit > 0) {
    path += fmt::format("{}limit={}", sep, limit);
    sep = "&";
  }
  if (!page_token.empty()) path += sep + "page_token=" + encode_path_segment(page_token);
  return path;
}

}  // namespace

Result<ModulePage> RemoteRegistry::list_modules(std::size_t limit, const std::string& page_token) {
  auto r = impl_->get(paged("/modules", limit, page_token));
  if (!r.ok()) return r.status();
  return rest::module_page_from_json(r.value());
}

Result<std::vector<ModuleSummary>> RemoteRegistry::list_all_modules() {
  std::vector<ModuleSummary> all;
  std::string token;
  do {
    auto page = list_modules(1000, token);
    if (!page.ok()) return page.status();
    for (auto& m : page->modules) all.push_back(std::move(m));
    token = page->next_page_token;
  } while (!token.empty());
  return all;
}

Result<ModuleDetail> RemoteRegistry::get_module(const std::string& name, std::size_t limit,
                                                const std::string& page_token) {
  auto r = impl_->get(paged(Impl::module_path(name), limit, page_token));
  if (!r.ok()) return r.status();
  return rest::module_detail_from_json(r.value());
}

Result<PushResult> RemoteRegistry::push(const PushRequest& request,
                                        const UploadProgress& progress) {
  const std::string path = Impl::module_path(request.module) + "/versions";
  std::string body = gzip(rest::dump(rest::to_json(request)));
  httplib::Headers headers{{"Content-Encoding", "gzip"}, {"Accept", "application/json"}};
  const std::size_t total = body.size();
  auto r = impl_->client->Post(
      impl_->prefix + path, headers, total,
      [&](std::size_t offset, std::size_t length, httplib::DataSink& sink) {
        constexpr std::size_t kChunk = 256 << 10;
        std::size_t n = std::min(length, kChunk);
        if (!sink.write(body.data() + offset, n)) return false;
        if (progress) progress(offset + n, total);
        return true;
      },
      "application/json");
  int status = 0;
  auto j = impl_->finish(r, "POST " + path, &status);
  if (!j.ok()) return j.status();
  return rest::push_result_from_json(j.value(), status == 201);
}

Result<VersionPage> RemoteRegistry::list_versions(const std::string& module, std::size_t limit,
                                                  const std::string& page_token) {
  auto r = impl_->get(paged(Impl::module_path(module) + "/versions", limit, page_token));
  if (!r.ok()) return r.status();
  return rest::version_page_from_json(r.value());
}

Result<std::vector<Version>> RemoteRegistry::list_versions(const std::string& module) {
  std::vector<Version> all;
  std::string token;
  do {
    auto page = list_versions(module, 1000, token);
    if (!page.ok()) return page.status();
    for (auto& v : page->versions) all.push_back(std::move(v));
    token = std::move(page->next_page_token);
  } while (!token.empty());
  return all;
}

Result<Version> RemoteRegistry::get_version(const std::string& module, const std::string& version,
                                            bool with_content) {
  auto r =
      impl_->get(Impl::version_path(module, version) + (with_content ? "?include=content" : ""));
  if (!r.ok()) return r.status();
  return rest::version_from_json(r.value());
}

Result<DependencyReport> RemoteRegistry::get_dependencies(const std::string& module,
                                                          const std::string& version) {
  auto r = impl_->get(Impl::version_path(module, version) + "/dependencies");
  if (!r.ok()) return r.status();
  return rest::dependency_report_from_json(r.value());
}

Result<ValidateReport> RemoteRegistry::validate(const ValidateRequest& request) {
  auto r = impl_->send("POST", "/validate", rest::to_json(request));
  if (!r.ok()) return r.status();
  return rest::validate_report_from_json(r.value());
}

Result<LintResult> RemoteRegistry::lint(const LintRequest& request) {
  auto r = impl_->send("POST", "/lint", rest::to_json(request));
  if (!r.ok()) return r.status();
  return rest::lint_result_from_json(r.value());
}

Result<EffectivePolicy> RemoteRegistry::get_policy(const std::string& module) {
  auto r = impl_->get(Impl::module_path(module) + "/config");
  if (!r.ok()) return r.status();
  return rest::policy_from_json(r.value());
}

Result<EffectivePolicy> RemoteRegistry::set_policy(const std::string& module,
                                                   const ModulePolicy& policy) {
  auto r = impl_->send("PUT", Impl::module_path(module) + "/config", rest::to_json(policy));
  if (!r.ok()) return r.status();
  return rest::policy_from_json(r.value());
}

Result<BreakingResult> RemoteRegistry::diff(const std::string& module, const std::string& from,
                                            const std::string& to, const std::string& against) {
  std::string path = fmt::format("{}/diff?from={}&to={}", Impl::module_path(module),
                                 encode_path_segment(from), encode_path_segment(to));
  if (!against.empty()) path += "&against=" + encode_path_segment(against);
  auto r = impl_->get(path);
  if (!r.ok()) return r.status();
  return rest::diff_from_json(r.value());
}

Result<SubmitResult> RemoteRegistry::submit_compile(const CompileSubmission& submission) {
  auto r = impl_->send("POST",
                       Impl::version_path(submission.module, submission.version) + "/compile/" +
                           encode_path_segment(submission.language),
                       rest::to_json(submission));
  if (!r.ok()) return r.status();
  return rest::submit_result_from_json(r.value());
}

Result<CompileJob> RemoteRegistry::get_job(const std::string& id) {
  auto r = impl_->get("/jobs/" + encode_path_segment(id));
  if (!r.ok()) return r.status();
  return rest::job_from_json(r.value());
}

Result<std::string> RemoteRegistry::download(const std::string& module, const std::string& version,
                                             const std::string& language, ArchiveFormat format) {
  std::string path = fmt::format("{}/download/{}?format={}", Impl::version_path(module, version),
                                 encode_path_segment(language), archive_extension(format));
  auto r = impl_->client->Get(impl_->prefix + path);
  if (!r || r->status >= 400) return impl_->finish(r, "GET " + path).status();
  return std::move(r->body);
}

Result<std::vector<LanguageInfo>> RemoteRegistry::languages() {
  auto r = impl_->get("/languages");
  if (!r.ok()) return r.status();
  return rest::languages_from_json(r.value());
}

Result<Version> RemoteRegistry::fetch_version(const std::string& module,
                                              const std::string& version) {
  return get_version(module, version, true);
}

Result<Version> RemoteRegistry::fetch_metadata(const std::string& module,
                                               const std::string& version) {
  return get_version(module, version, false);
}

std::string RemoteRegistry::describe() const { return "registry " + impl_->options.url; }

}  // namespace spoke
