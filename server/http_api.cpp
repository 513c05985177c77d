// REST routes: parse the request, call one libspoke method, render the result or error through
// the REST mapping (spoke/rest.h).
#include "http_api.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>

#include "http_metrics.h"
#include "logging.h"
#include "request_id.h"
#include "spoke/auth.h"
#include "spoke/breaking.h"
#include "spoke/lint.h"
#include "spoke/metrics.h"
#include "spoke/rest.h"
#include "util/immutable_cache.h"

namespace spoke::server {
namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;
using rest::json;

constexpr const char* kJson = "application/json";
constexpr const char* kConsistencyHeader = "Spoke-Consistency-Token";

void send_json(Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(rest::dump(body), kJson);
}

void send_error(Response& res, const Status& s) {
  send_json(res, rest::http_status(s), rest::error_json(s));
}

// Sends `result`'s value rendered by `render` with `status`, or its error.
template <typename T, typename Render>
void reply(Response& res, const Result<T>& result, int status, Render&& render) {
  if (!result.ok()) return send_error(res, result.status());
  send_json(res, status, render(result.value()));
}

// Sends `result`'s value through rest::to_json with 200, or its error.
template <typename T>
void reply(Response& res, const Result<T>& result) {
  reply(res, result, 200, [](const T& v) { return rest::to_json(v); });
}

// True when an If-None-Match header (a list of entity tags, weak or strong, or "*") matches.
bool etag_matches(const std::string& header, const std::string& etag) {
  std::size_t pos = 0;
  while (pos < header.size()) {
    std::size_t end = header.find(',', pos);
    if (end == std::string::npos) end = header.size();
    std::string tag = header.substr(pos, end - pos);
    tag.erase(0, tag.find_first_not_of(" \t"));
    tag.erase(tag.find_last_not_of(" \t") + 1);
    if (tag.starts_with("W/")) tag.erase(0, 2);
    if (tag == "*" || tag == etag) return true;
    pos = end + 1;
  }
  return false;
}

bool wants_json(const Request& req) {
  return req.get_header_value("Accept").find(kJson) != std::string::npos;
}

Status unsupported_media(std::string message) {
  return Status::InvalidArgument(std::move(message), rest::kUnsupportedMediaType);
}

// What the server knows of the request this worker thread is serving: set before routing, read
// by handlers (the caller) and after the answer (the audit log, metrics, the access log).
struct RequestContext {
  std::chrono::steady_clock::time_point start;  // unset: the request never reached routing
  RouteMatch match;
  Principal caller;
  Status authentication;  // why the presented token was not accepted (OK without one)
  std::string request_id;
  std::string client;          // the client's address (see TrustedProxies)
  std::size_t body_bytes = 0;  // request body bytes read (after decompression)
  bool recorded = false;       // its audit entry is written (a denial)
  AuditRecord audit;           // the entry a change stores with itself (audit.written once it has)
};
thread_local RequestContext current;

// Reads the request body through httplib's decompressing reader, counting decompressed bytes
// against `limit` so a small gzip bomb is refused like a large body.
Result<std::string> read_body(const Request& req, const ContentReader& reader, std::size_t limit) {
  if (req.has_header("Content-Type")) {
    std::string type = req.get_header_value("Content-Type");
    std::string media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (media != kJson) {
      return unsupported_media(
          fmt::format("Content-Type \"{}\" is not supported; send application/json", type));
    }
  }
  if (req.has_header("Content-Encoding")) {
    std::string enc = req.get_header_value("Content-Encoding");
    if (enc != "gzip" && enc != "deflate" && enc != "br" && enc != "identity") {
      return unsupported_media(
          fmt::format("Content-Encoding \"{}\" is not supported; use gzip", enc));
    }
  }
  // No length and not chunked: there is no body (e.g. `curl -X POST` with no data).
  if (!req.has_header("Content-Length") && !req.has_header("Transfer-Encoding")) {
    return std::string();
  }
  std::string body;
  bool too_large = false;
  bool ok = reader([&](const char* data, std::size_t n) {
    if (body.size() + n > limit) {
      too_large = true;
      return false;
    }
    body.append(data, n);
    current.body_bytes += n;
    return true;
  });
  auto too_large_status = [&] {
    return Status::TooLarge(
        fmt::format("request body exceeds the limit of {} bytes (counted after decompression)",
                    limit),
        reason::kPayloadTooLarge);
  };
  if (too_large) return too_large_status();
  if (!ok) {
    std::string length = req.get_header_value("Content-Length");
    if (!length.empty() && std::strtoull(length.c_str(), nullptr, 10) > limit) {
      return too_large_status();
    }
    return Status::InvalidArgument("could not read the request body (truncated or badly encoded)",
                                   reason::kBadBody);
  }
  return body;
}

Result<json> read_json_body(const Request& req, const ContentReader& reader, std::size_t limit) {
  auto body = read_body(req, reader, limit);
  if (!body.ok()) return body.status();
  if (body->empty()) {
    return Status::InvalidArgument("malformed JSON: the request body is empty; send a JSON object",
                                   reason::kMalformedJson);
  }
  return rest::parse_object(body.value());
}

// Optional boolean query parameter: absent is `fallback`; anything but true/false is an error.
Result<bool> bool_param(const Request& req, const char* name, bool fallback) {
  std::string value = req.get_param_value(name);
  if (value.empty()) return fallback;
  if (value == "true") return true;
  if (value == "false") return false;
  return Status::InvalidArgument(fmt::format("{}=\"{}\" must be true or false", name, value),
                                 reason::kInvalidParameter);
}

// ?limit= and ?page_token= of a paginated read (limit 0: the default page).
struct PageParams {
  std::size_t limit = 0;
  std::string token;
};
Result<PageParams> page_params(const Request& req) {
  PageParams p;
  if (req.has_param("limit")) {
    auto parsed = parse_page_limit(req.get_param_value("limit"));
    if (!parsed.ok()) return parsed.status();
    p.limit = parsed.value();
  }
  p.token = req.get_param_value("page_token");
  return p;
}

// Rendered answers of reads that cannot change under their key: a version read names an exact
// version (immutable), a module read names the module's revision, read from the store for each
// request (through the same replica rules as every read), so another instance's push is seen as
// soon as the store shows it.
using ResponseCache = internal::ImmutableCache;

void send_cached(Response& res, const std::string& body) {
  res.status = 200;
  res.set_content(body, kJson);
}

std::string cache_key(std::initializer_list<std::string_view> parts) {
  std::string key;
  for (auto p : parts) {
    key.append(p);
    key.push_back('\0');
  }
  return key;
}

// GET /modules/{module} and GET /modules/{module}/versions: a page of the module's versions
// (`fetch(module, page)` reads it), answered from the cache under the module's revision, which
// one indexed read gives. A push between that read and `fetch` leaves a fresher answer under the
// older revision, which only a reader that still sees the older revision (a lagging replica)
// can get.
template <typename Fetch>
void serve_module_page(Registry& reg, ResponseCache& cache, const char* kind, const Request& req,
                       Response& res, Fetch&& fetch) {
  auto page = page_params(req);
  if (!page.ok()) return send_error(res, page.status());
  const std::string module = req.matches[1];
  auto summary = reg.get_module_summary(module);
  if (!summary.ok()) return send_error(res, summary.status());
  std::string key = cache_key(
      {kind, module, std::to_string(page->limit), page->token, std::to_string(summary->revision)});
  if (auto hit = cache.get(key)) return send_cached(res, *hit);
  auto value = fetch(module, page.value());
  if (!value.ok()) return send_error(res, value.status());
  auto body = std::make_shared<const std::string>(rest::dump(rest::to_json(value.value())));
  cache.put(key, body);
  send_cached(res, *body);
}

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// GET /modules/{module}/versions/{version}/files/{path...}
void serve_file(Registry& reg, const std::string& module, const std::string& version,
                const std::string& path, const Request& req, Response& res) {
  auto f = reg.get_file(module, version, path);
  if (!f.ok()) return send_error(res, f.status());
  std::string etag = "\"" + f->digest + "\"";
  res.set_header("ETag", etag);
  res.set_header("Cache-Control",
                 version == "latest" ? "no-cache" : "public, max-age=31536000, immutable");
  if (etag_matches(req.get_header_value("If-None-Match"), etag)) {
    res.status = 304;
    return;
  }
  if (wants_json(req)) {
    send_json(res, 200, {{"path", f->path}, {"content", f->content}, {"digest", f->digest}});
    return;
  }
  res.status = 200;
  res.set_content(std::move(f->content), "text/plain; charset=utf-8");
}

// The module, version and path of a file read ("GET /modules/{module}/versions/{version}/files/
// {path...}"), found without the regex routes; false when `req` is not one.
struct FileRead {
  std::string module, version, path;
};
bool parse_file_read(const Request& req, FileRead& out) {
  static constexpr std::string_view kPrefix = "/modules/";
  const std::string& p = req.path;
  if (req.method != "GET" || p.compare(0, kPrefix.size(), kPrefix) != 0) return false;
  std::size_t m_end = p.find('/', kPrefix.size());
  if (m_end == std::string::npos || m_end == kPrefix.size()) return false;
  static constexpr std::string_view kVersions = "/versions/";
  if (p.compare(m_end, kVersions.size(), kVersions) != 0) return false;
  std::size_t v_start = m_end + kVersions.size();
  std::size_t v_end = p.find('/', v_start);
  if (v_end == std::string::npos || v_end == v_start) return false;
  static constexpr std::string_view kFiles = "/files/";
  if (p.compare(v_end, kFiles.size(), kFiles) != 0 || p.size() == v_end + kFiles.size())
    return false;
  out = {p.substr(kPrefix.size(), m_end - kPrefix.size()), p.substr(v_start, v_end - v_start),
         p.substr(v_end + kFiles.size())};
  return true;
}

constexpr const char* kFileRoute = "/modules/{module}/versions/{version}/files/{path...}";

// Access control and rate limits of the API listener: the one place a request is let through or
// refused, before its handler runs.
struct Guard {
  AuthMode mode = AuthMode::kNone;
  std::shared_ptr<AccessControl> access;
  RateLimiter* limiter = nullptr;
  RateBudget general;
  RateBudget push;
  TrustedProxies proxies;
  // The API listener's requests are counted in spoke_http_*; the health port's (probes, scrapes)
  // are not.
  bool count_requests = true;
};

// Mutations are audited; reads (GET, and POSTs that store nothing such as /validate) are not.
bool audited(const Route& route) {
  return route.method != "GET" && route.access != Access::kRead && route.access != Access::kPublic;
}

// The error code of an error response body; empty on success.
std::string error_code_of(const Response& res) {
  if (res.status < 400) return "";
  json body = json::parse(res.body, nullptr, false);
  if (body.is_object() && body.contains("error") && body["error"].is_object() &&
      body["error"].contains("code") && body["error"]["code"].is_string()) {
    return body["error"]["code"].get<std::string>();
  }
  return fmt::format("http_{}", res.status);
}

// The audit entry of the request being served, answered with `status`.
AuditEntry audit_entry(const Request& req, int status) {
  AuditEntry e;
  e.actor = current.caller.name;
  e.client = current.client;
  e.request_id = current.request_id;
  e.method = req.method;
  e.route = current.match.route->path;
  e.module = current.match.module;
  e.version = current.match.version;
  e.status = status;
  return e;
}

// For a handler's change: the request's audit entry, answered with `status` when the change is
// made, to be stored in the change's transaction (then the post-routing handler leaves it).
AuditRecord* audit_of(const Request& req, int status) {
  current.audit = AuditRecord{audit_entry(req, status), false};
  return &current.audit;
}

Status record_audit(Guard& guard, const Request& req, const Response& res) {
  AuditEntry e = audit_entry(req, res.status);
  e.error = error_code_of(res);
  return guard.access->record(std::move(e));
}

void log_audit_failure(const Status& s) {
  log(log::Level::kError, "audit entry not written", {{"error", s.to_string()}});
}

// Refuses a request before its handler: the error as the answer. The body was not read, so the
// connection cannot carry another request.
void refuse(const Request& req, Response& res, const Status& s) {
  if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) {
    res.set_header("Connection", "close");
  }
  send_error(res, s);
}

// Who the caller is: the token's principal, or anonymous (then `current.authentication` says
// why a presented token was not accepted).
void identify(Guard& guard, const Request& req) {
  if (!req.has_header("Authorization")) return;
  auto who = guard.access->authenticate(req.get_header_value("Authorization"));
  if (who.ok()) {
    current.caller = std::move(who).value();
  } else {
    current.authentication = who.status();
  }
}

// Takes one token from the caller's bucket: per token, or per client address for anonymous
// callers (an unauthenticated flood is limited as much as any). False (and 429 rate_limited with
// Retry-After in `res`) when the bucket is empty. Pushes and compile requests draw on their own
// budget.
bool within_budget(Guard& guard, const Request& req, Response& res) {
  if (guard.limiter == nullptr) return true;
  const Route* route = current.match.route;
  const RateBudget& budget =
      route != nullptr && route->budget == Budget::kPush ? guard.push : guard.general;
  if (budget.rate <= 0) return true;
  std::string key =
      current.caller.anonymous ? "addr:" + current.client : "token:" + current.caller.name;
  RateDecision d = guard.limiter->take(key, budget);
  if (d.allowed) return true;
  auto seconds = std::max<long long>(1, (d.retry_after.count() + 999) / 1000);
  http_metrics().rate_limited.with({budget.name}).inc();
  res.set_header("Retry-After", std::to_string(seconds));
  std::string who = current.caller.anonymous ? "address " + current.client
                                             : "token \"" + current.caller.name + "\"";
  refuse(req, res,
         Status::ResourceExhausted(
             fmt::format("rate limit exceeded for {}: {} requests a second{} (burst {}); retry "
                         "in {} s",
                         who, budget.rate,
                         budget.name == "push" ? " for pushes and compile requests" : "",
                         budget.burst, seconds),
             reason::kRateLimited)
             .with_field("retry_after_seconds", std::to_string(seconds)));
  log(log::Level::kDebug, "rate limited", {{"budget", budget.name}, {"caller", who}});
  return false;
}

// Authorizes the request `current.match` names; false (and the answer in `res`, its audit entry
// written) when it is refused.
bool admit(Guard& guard, const Request& req, Response& res) {
  const Route& route = *current.match.route;
  // Probes never need a token, and one they send (however stale) is not looked at.
  if (route.access == Access::kPublic) return true;
  Status decision;
  // Under `none` an unusable token only leaves the caller anonymous.
  if (guard.mode != AuthMode::kNone || current.authentication.code() != Code::kUnauthenticated) {
    decision = current.authentication;
  }
  if (decision.ok()) {
    decision = auth::authorize(guard.mode, route.access, current.caller, current.match.module);
  }
  if (decision.ok()) return true;
  if (decision.code() == Code::kUnauthenticated) res.set_header("WWW-Authenticate", "Bearer");
  refuse(req, res, decision);
  if (Status s = record_audit(guard, req, res); !s.ok()) log_audit_failure(s);
  current.recorded = true;
  return false;
}

// The route a request names (file reads found without the regex routes).
void match_route(const Router& router, const Request& req, FileRead* file, bool* is_file) {
  *is_file = parse_file_read(req, *file);
  if (*is_file) {
    current.match.route = router.find("GET", kFileRoute);
    current.match.module = file->module;
    current.match.version = file->version;
  } else {
    // HEAD is served by the GET routes, and needs what they need.
    current.match = router.match(req.method == "HEAD" ? "GET" : req.method, req.path);
  }
}

// Starts the request's context: its id (echoed in X-Request-Id) and trace on every log line.
void begin_request(const Request& req, Response& res) {
  current = RequestContext{};
  current.start = std::chrono::steady_clock::now();
  current.request_id = request_id_of(req);
  current.client = req.remote_addr;
  res.set_header(kRequestIdHeader, current.request_id);
  LogContext& context = log_context();
  context = LogContext{current.request_id, "", ""};
  if (req.has_header(kTraceParentHeader)) {
    if (auto trace = parse_traceparent(req.get_header_value(kTraceParentHeader))) {
      context.trace_id = trace->trace_id;
      context.parent_id = trace->parent_id;
    }
  }
}

// After the answer is written: metrics and the access log of the API listener, then the
// thread's context is cleared (a request httplib refuses before routing starts with none).
void end_request(const Request& req, const Response& res, bool access_log, bool count) {
  bool routed = current.start != std::chrono::steady_clock::time_point();
  double seconds =
      routed
          ? std::chrono::duration<double>(std::chrono::steady_clock::now() - current.start).count()
          : 0.0;
  std::string route = current.match.route != nullptr ? current.match.route->path : "(unmatched)";
  std::size_t bytes_in = current.body_bytes;
  if (req.has_header("Content-Length")) {
    bytes_in = std::strtoull(req.get_header_value("Content-Length").c_str(), nullptr, 10);
  }
  if (count)
    http_metrics().record(route, req.method, res.status, seconds, bytes_in, res.body.size());
  if (access_log) {
    json fields = {{"method", req.method},
                   {"path", req.path},
                   {"route", route},
                   {"status", res.status},
                   {"duration_ms", seconds * 1000.0},
                   {"remote", routed ? current.client : req.remote_addr},
                   {"caller", current.caller.name},
                   {"bytes_in", bytes_in},
                   {"bytes_out", res.body.size()}};
    if (!log_context().parent_id.empty()) fields["parent_span_id"] = log_context().parent_id;
    log(log::Level::kInfo, "request", fields);
  }
  current = RequestContext{};
  log_context() = LogContext{};
}

// Both listeners: the health one has no rate limits, no access log and no request metrics (see
// register_health_routes).
void install_common_handlers(httplib::Server& server, std::shared_ptr<const Router> router,
                             bool access_log, Registry* reg, std::shared_ptr<Guard> guard) {
  server.set_pre_routing_handler([reg, router, guard](const Request& req, Response& res) {
    begin_request(req, res);
    // Reads of GET requests may come from a replica that has the client's own writes.
    set_read_policy(
        {req.method == "GET" || req.method == "HEAD", req.get_header_value(kConsistencyHeader)});
    current.client = guard->proxies.client_of(req);
    FileRead file;
    bool is_file = false;
    match_route(*router, req, &file, &is_file);
    identify(*guard, req);
    // Before access is decided: a caller over its budget (anonymous ones by address) is refused
    // without further work, whatever it asks for.
    if (!within_budget(*guard, req, res)) return httplib::Server::HandlerResponse::Handled;
    // No route: 404 or 405 from the error handler.
    if (current.match.route == nullptr) return httplib::Server::HandlerResponse::Unhandled;
    if (!admit(*guard, req, res)) return httplib::Server::HandlerResponse::Handled;
    if (is_file) {
      serve_file(*reg, file.module, file.version, file.path, req, res);
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  httplib::Server::HandlerWithResponse on_error = [router](const Request& req, Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Status s;
    auto methods = router->methods_for(req.path);
    bool wrong_method = !methods.empty() && methods.count(req.method) == 0;
    if (res.status == 404 || (res.status == 400 && wrong_method)) {
      if (wrong_method) {
        res.status = 405;
        res.set_header("Allow", join(methods));
        s = Status::InvalidArgument(fmt::format("{} is not allowed on {}; allowed: {}", req.method,
                                                req.path, join(methods)),
                                    reason::kMethodNotAllowed);
      } else {
        s = Status::NotFound(fmt::format("no route for {} {}", req.method, req.path),
                             reason::kRouteNotFound);
      }
    } else if (res.status == 413) {
      s = Status::TooLarge("request body too large", reason::kPayloadTooLarge);
    } else if (res.status == 415) {
      s = unsupported_media("unsupported Content-Encoding");
    } else if (res.status == 400) {
      s = Status::InvalidArgument("malformed HTTP request", reason::kBadRequest);
    } else {
      s = Status(Code::kInternal, fmt::format("http_{}", res.status),
                 fmt::format("HTTP {}", res.status));
    }
    res.set_content(rest::dump(rest::error_json(s)), kJson);
    return httplib::Server::HandlerResponse::Handled;
  };
  server.set_error_handler(std::move(on_error));
  server.set_post_routing_handler([guard](const Request& req, Response& res) {
    // A mutation's entry is written before the answer goes out: a client told it succeeded can
    // rely on it being on record.
    if (current.match.route != nullptr && !current.recorded && !current.audit.written &&
        audited(*current.match.route)) {
      current.recorded = true;
      if (Status s = record_audit(*guard, req, res); !s.ok()) {
        log_audit_failure(s);
        if (res.status < 400) {
          // When the store went away, say so as every other request does then.
          send_error(res,
                     Status::Unavailable(
                         fmt::format("the request was carried out but its audit entry could "
                                     "not be written: {}",
                                     s.message()),
                         s.reason() == reason::kStorageUnavailable ? reason::kStorageUnavailable
                                                                   : reason::kAuditUnavailable));
          // httplib has sized (and maybe compressed) the answer already: describe the new one.
          res.headers.erase("Content-Encoding");
          res.headers.erase("Content-Length");
          res.set_header("Content-Length", std::to_string(res.body.size()));
        }
      }
    }
    // A client that hands this token back reads what it wrote, through any server.
    if (std::string token = write_token(); !token.empty()) {
      res.set_header(kConsistencyHeader, token);
    }
  });
  server.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
    log(log::Level::kError, "internal error", {{"error", what}});
    send_error(res, Status::Internal(fmt::format("internal error: {}", what)));
  });
  server.set_logger(
      [access_log, count = guard->count_requests](const Request& req, const Response& res) {
        end_request(req, res, access_log, count);
      });
}

Status compile_unavailable() {
  return Status::Unavailable("code generation is not enabled on this server",
                             reason::kCompileUnavailable);
}

void add_compile_routes(Router& router, CompileService* compiler, std::size_t limit) {
  router.add({"POST", "/modules/{module}/versions/{version}/compile/{language}",
              "build generated code (a background job, or the cached artifact)", Access::kWrite,
              Budget::kPush},
             [compiler, limit](const Request& req, Response& res, const ContentReader* reader) {
               if (compiler == nullptr) return send_error(res, compile_unavailable());
               auto body = read_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto submission = rest::parse_compile_request(body.value());
               if (!submission.ok()) return send_error(res, submission.status());
               submission->module = req.matches[1];
               submission->version = req.matches[2];
               submission->language = req.matches[3];
               if (req.has_param("grpc")) submission->grpc = req.get_param_value("grpc") == "true";
               auto r = compiler->submit(submission.value());
               if (!r.ok()) return send_error(res, r.status());
               if (!r->cache_hit) res.set_header("Location", "/jobs/" + r->job.id);
               send_json(res, r->cache_hit ? 200 : 202, rest::to_json(r.value()));
             });

  router.add({"GET", "/jobs/{id}", "one compile job", Access::kRead},
             [compiler](const Request& req, Response& res, const ContentReader*) {
               if (compiler == nullptr) return send_error(res, compile_unavailable());
               reply(res, compiler->get_job(req.matches[1]));
             });

  router.add({"GET", "/modules/{module}/versions/{version}/jobs",
              "the compile jobs of a version, newest first", Access::kRead},
             [compiler](const Request& req, Response& res, const ContentReader*) {
               if (compiler == nullptr) return send_error(res, compile_unavailable());
               reply(res, compiler->list_jobs(req.matches[1], req.matches[2]));
             });

  router.add(
      {"GET", "/modules/{module}/versions/{version}/download/{language}",
       "the generated code, a zip (or ?format=tar.gz)", Access::kRead},
      [compiler](const Request& req, Response& res, const ContentReader*) {
        if (compiler == nullptr) return send_error(res, compile_unavailable());
        std::string format_name = req.has_param("format") ? req.get_param_value("format") : "zip";
        auto format = parse_archive_format(format_name);
        if (!format.ok()) return send_error(res, format.status());
        auto d = compiler->download(req.matches[1], req.matches[2], req.matches[3], format.value());
        if (!d.ok()) return send_error(res, d.status());
        res.status = 200;
        res.set_header("Content-Disposition", fmt::format("attachment; filename={}", d->filename));
        res.set_content(std::move(d->body), d->content_type);
      });

  router.add({"GET", "/languages", "what this server can generate", Access::kRead},
             [compiler](const Request&, Response& res, const ContentReader*) {
               if (compiler == nullptr) return send_error(res, compile_unavailable());
               send_json(res, 200, rest::to_json(compiler->languages()));
             });
}

void add_access_routes(Router& router, std::shared_ptr<Guard> guard, std::size_t limit) {
  AccessControl* access = guard->access.get();
  router.add(
      {"GET", "/whoami", "the caller: its token's name, role and module scope", Access::kRead},
      [guard](const Request&, Response& res, const ContentReader*) {
        json j = rest::to_json(current.caller);
        j["auth"] = to_string(guard->mode);
        send_json(res, 200, j);
      });

  router.add({"POST", "/tokens", "create an access token (its secret is in this answer only)",
              Access::kAdmin},
             [access, limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto request = rest::parse_token_request(body.value());
               if (!request.ok()) return send_error(res, request.status());
               request->creator = current.caller.name;
               reply(res, access->create_token(request.value(), audit_of(req, 201)), 201,
                     [](const CreatedToken& t) { return rest::to_json(t); });
             });

  router.add({"GET", "/tokens", "every access token (never their secrets)", Access::kAdmin},
             [access](const Request&, Response& res, const ContentReader*) {
               reply(res, access->list_tokens());
             });

  router.add({"DELETE", "/tokens/{name}", "revoke an access token", Access::kAdmin},
             [access](const Request& req, Response& res, const ContentReader*) {
               Status s = access->revoke_token(req.matches[1], audit_of(req, 204));
               if (!s.ok()) return send_error(res, s);
               res.status = 204;
             });

  router.add({"GET", "/audit",
              "the audit log, newest first (?module=&actor=&since=&until=&limit=&page_token=)",
              Access::kAdmin},
             [access](const Request& req, Response& res, const ContentReader*) {
               AuditFilter filter;
               filter.module = req.get_param_value("module");
               filter.actor = req.get_param_value("actor");
               filter.since = req.get_param_value("since");
               filter.until = req.get_param_value("until");
               filter.page_token = req.get_param_value("page_token");
               if (req.has_param("limit")) {
                 auto parsed = parse_page_limit(req.get_param_value("limit"));
                 if (!parsed.ok()) return send_error(res, parsed.status());
                 filter.limit = parsed.value();
               }
               reply(res, access->list_audit(filter), 200,
                     [](const AuditPage& p) { return rest::to_json(p); });
             });
}

Status webhooks_unavailable() {
  return Status::Unavailable("webhooks are not enabled on this server",
                             reason::kWebhooksUnavailable);
}

void add_webhook_routes(Router& router, WebhookService* hooks, std::size_t limit) {
  // Each handler: the service or 503, then the request's one call.
  auto with_hooks = [hooks](auto handler) {
    return [hooks, handler](const Request& req, Response& res, const ContentReader* reader) {
      if (hooks == nullptr) return send_error(res, webhooks_unavailable());
      handler(*hooks, req, res, reader);
    };
  };
  auto read_request = [limit](const Request& req, const ContentReader* reader) {
    auto body = read_json_body(req, *reader, limit);
    if (!body.ok()) return Result<WebhookRequest>(body.status());
    return rest::parse_webhook_request(body.value());
  };
  auto render_created = [](const CreatedWebhook& c) { return rest::to_json(c); };
  auto render_delivery = [](const WebhookDelivery& d) { return rest::to_json(d); };

  router.add(
      {"POST", "/webhooks", "subscribe a URL to events (the signing secret is in this answer only)",
       Access::kAdmin},
      with_hooks(
          [=](WebhookService& w, const Request& req, Response& res, const ContentReader* reader) {
            auto request = read_request(req, reader);
            if (!request.ok()) return send_error(res, request.status());
            reply(res, w.create(request.value(), current.caller.name, audit_of(req, 201)), 201,
                  render_created);
          }));

  router.add(
      {"GET", "/webhooks", "every webhook subscription (never their secrets)", Access::kAdmin},
      with_hooks([](WebhookService& w, const Request&, Response& res, const ContentReader*) {
        reply(res, w.list());
      }));

  router.add({"GET", "/webhooks/{id}", "one webhook subscription and its health", Access::kAdmin},
             with_hooks([](WebhookService& w, const Request& req, Response& res,
                           const ContentReader*) { reply(res, w.get(req.matches[1])); }));

  router.add({"PATCH", "/webhooks/{id}",
              "change a subscription: url, events, module, headers, active (pause, resume), "
              "secret or rotate_secret",
              Access::kAdmin},
             with_hooks([=](WebhookService& w, const Request& req, Response& res,
                            const ContentReader* reader) {
               auto patch = read_request(req, reader);
               if (!patch.ok()) return send_error(res, patch.status());
               reply(res, w.update(req.matches[1], patch.value(), audit_of(req, 200)), 200,
                     render_created);
             }));

  router.add(
      {"DELETE", "/webhooks/{id}", "delete a subscription with its delivery log", Access::kAdmin},
      with_hooks([](WebhookService& w, const Request& req, Response& res, const ContentReader*) {
        Status s = w.remove(req.matches[1], audit_of(req, 204));
        if (!s.ok()) return send_error(res, s);
        res.status = 204;
      }));

  router.add(
      {"GET", "/webhooks/{id}/deliveries",
       "a subscription's deliveries, newest first (?status=&event=&limit=&page_token=)",
       Access::kAdmin},
      with_hooks([](WebhookService& w, const Request& req, Response& res, const ContentReader*) {
        DeliveryFilter filter;
        filter.status = req.get_param_value("status");
        filter.event = req.get_param_value("event");
        filter.page_token = req.get_param_value("page_token");
        if (req.has_param("limit")) {
          auto parsed = parse_page_limit(req.get_param_value("limit"));
          if (!parsed.ok()) return send_error(res, parsed.status());
          filter.limit = parsed.value();
        }
        reply(res, w.list_deliveries(req.matches[1], filter), 200,
              [](const DeliveryPage& p) { return rest::to_json(p); });
      }));

  router.add(
      {"GET", "/webhooks/{id}/deliveries/{delivery}",
       "one delivery with its payload and every attempt", Access::kAdmin},
      with_hooks([](WebhookService& w, const Request& req, Response& res, const ContentReader*) {
        reply(res, w.get_delivery(req.matches[1], req.matches[2]), 200,
              [](const DeliveryDetail& d) { return rest::to_json(d); });
      }));

  router.add(
      {"POST", "/webhooks/{id}/deliveries/{delivery}/redeliver",
       "send a delivery again (same webhook-id), even to a paused subscription", Access::kAdmin},
      with_hooks([=](WebhookService& w, const Request& req, Response& res, const ContentReader*) {
        reply(res, w.redeliver(req.matches[1], req.matches[2], audit_of(req, 202)), 202,
              render_delivery);
      }));

  router.add(
      {"POST", "/webhooks/{id}/ping", "send a ping event to this subscription", Access::kAdmin},
      with_hooks([=](WebhookService& w, const Request& req, Response& res, const ContentReader*) {
        reply(res, w.ping(req.matches[1], audit_of(req, 202)), 202, render_delivery);
      }));
}

void add_module_routes(Router& router, Registry* reg, const Guard* guard,
                       std::shared_ptr<ResponseCache> cache, std::size_t limit) {
  router.add({"POST", "/modules", "create a module", Access::kWrite},
             [reg, limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto create = rest::parse_create_module_request(body.value());
               if (!create.ok()) return send_error(res, create.status());
               auto r = reg->create_module(create->name, create->description, audit_of(req, 201));
               if (!r.ok()) return send_error(res, r.status());
               send_json(res, r->created ? 201 : 200, rest::to_json(r->module));
             });

  router.add({"GET", "/modules", "list modules (paginated)", Access::kRead},
             [reg, guard](const Request& req, Response& res, const ContentReader*) {
               std::size_t page_size = 0;
               if (req.has_param("limit")) {
                 auto parsed = parse_page_limit(req.get_param_value("limit"));
                 if (!parsed.ok()) return send_error(res, parsed.status());
                 page_size = parsed.value();
               }
               auto page = reg->list_modules(page_size, req.get_param_value("page_token"));
               // Modules the caller may not read are not there for it.
               if (page.ok()) {
                 std::erase_if(page->modules, [&](const ModuleSummary& m) {
                   return !auth::may_read(guard->mode, current.caller, m.module.name);
                 });
               }
               reply(res, page);
             });

  router.add(
      {"GET", "/modules/{module}",
       "a module with its versions, newest first (paginated: ?limit=&page_token=)", Access::kRead},
      [reg, cache](const Request& req, Response& res, const ContentReader*) {
        serve_module_page(*reg, *cache, "module", req, res,
                          [&](const std::string& module, const PageParams& page) {
                            return reg->get_module(module, page.limit, page.token);
                          });
      });

  router.add({"PATCH", "/modules/{module}", "change a module's description", Access::kWrite},
             [reg, limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto description = rest::parse_update_module_request(body.value());
               if (!description.ok()) return send_error(res, description.status());
               reply(res, reg->update_module(req.matches[1], description.value()));
             });

  router.add(
      {"GET", "/modules/{module}/config", "the module's breaking-change policy", Access::kRead},
      [reg](const Request& req, Response& res, const ContentReader*) {
        reply(res, reg->get_policy(req.matches[1]));
      });

  router.add({"PUT", "/modules/{module}/config", "set the module's breaking-change policy",
              Access::kAdmin},
             [reg, limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto policy = rest::parse_policy_request(body.value());
               if (!policy.ok()) return send_error(res, policy.status());
               reply(res, reg->set_policy(req.matches[1], policy.value(), audit_of(req, 200)));
             });

  router.add(
      {"GET", "/modules/{module}/diff",
       "breaking changes and every change between two versions (?from=V1&to=V2)", Access::kRead},
      [reg](const Request& req, Response& res, const ContentReader*) {
        for (const char* name : {"from", "to"}) {
          if (req.get_param_value(name).empty()) {
            return send_error(
                res, Status::InvalidArgument(
                         fmt::format("query parameter \"{}\" is required (a version)", name),
                         reason::kMissingParameter));
          }
        }
        auto r = reg->diff(req.matches[1], req.get_param_value("from"), req.get_param_value("to"),
                           req.get_param_value("against"));
        reply(res, r, 200, [](const BreakingResult& b) { return rest::diff_json(b); });
      });
}

void add_version_routes(Router& router, Registry* reg, const Guard* guard,
                        std::shared_ptr<ResponseCache> cache, std::size_t limit) {
  router.add(
      {"POST", "/modules/{module}/versions", "push a version", Access::kWrite, Budget::kPush},
      [reg, guard, limit](const Request& req, Response& res, const ContentReader* reader) {
        auto body = read_json_body(req, *reader, limit);
        if (!body.ok()) return send_error(res, body.status());
        auto push = rest::parse_push_request(body.value(), req.matches[1]);
        if (!push.ok()) return send_error(res, push.status());
        auto force = bool_param(req, "force", false);
        if (!force.ok()) return send_error(res, force.status());
        push->force = push->force || force.value();
        // Forcing past a lint policy is an admin's decision under access control.
        push->may_force_lint =
            auth::authorize(guard->mode, Access::kAdmin, current.caller, push->module).ok();
        auto r = reg->push(push.value(), audit_of(req, 201));
        if (!r.ok()) return send_error(res, r.status());
        send_json(res, r->created ? 201 : 200, rest::to_json(r.value()));
      });

  router.add(
      {"GET", "/modules/{module}/versions",
       "list a module's versions, newest first (paginated: ?limit=&page_token=)", Access::kRead},
      [reg, cache](const Request& req, Response& res, const ContentReader*) {
        serve_module_page(*reg, *cache, "versions", req, res,
                          [&](const std::string& module, const PageParams& page) {
                            return reg->list_versions(module, page.limit, page.token);
                          });
      });

  router.add({"GET", "/modules/{module}/versions/{version}",
              "one version (?include=content for file contents)", Access::kRead},
             [reg, cache](const Request& req, Response& res, const ContentReader*) {
               std::string include = req.get_param_value("include");
               if (!include.empty() && include != "content") {
                 return send_error(
                     res,
                     Status::InvalidArgument(
                         fmt::format("include=\"{}\" is not known; use include=content", include),
                         reason::kInvalidParameter));
               }
               bool with_content = include == "content";
               const std::string module = req.matches[1];
               // A version never changes: its answer is cached under its exact name.
               auto exact = reg->resolve_version(module, req.matches[2]);
               if (!exact.ok()) return send_error(res, exact.status());
               std::string key = cache_key({"version", module, exact.value(), include});
               if (auto hit = cache->get(key)) return send_cached(res, *hit);
               auto v = reg->get_version(module, exact.value(), with_content);
               if (!v.ok()) return send_error(res, v.status());
               auto body =
                   std::make_shared<const std::string>(rest::dump(rest::to_json(*v, with_content)));
               // Until its stored descriptor is recorded (versions stored before them get it when
               // first needed), the answer still changes.
               if (!v->descriptor_digest.empty()) cache->put(key, body);
               send_cached(res, *body);
             });

  router.add({"GET", "/modules/{module}/versions/{version}/dependencies",
              "the pinned dependencies, direct and transitive", Access::kRead},
             [reg](const Request& req, Response& res, const ContentReader*) {
               reply(res, reg->get_dependencies(req.matches[1], req.matches[2]));
             });

  router.add(
      {"GET", "/modules/{module}/versions/{version}/descriptor",
       "the compiled schema, a binary FileDescriptorSet", Access::kRead},
      [reg](const Request& req, Response& res, const ContentReader*) {
        auto source_info = bool_param(req, "source_info", false);
        if (!source_info.ok()) return send_error(res, source_info.status());
        auto bytes = reg->get_descriptor_set(req.matches[1], req.matches[2], source_info.value());
        if (!bytes.ok()) return send_error(res, bytes.status());
        res.status = 200;
        res.set_header("Content-Disposition",
                       fmt::format("attachment; filename={}-{}.binpb", req.matches[1].str(),
                                   req.matches[2].str()));
        res.set_content(std::move(bytes).value(),
                        "application/x-protobuf; messageType=google.protobuf.FileDescriptorSet");
      });

  router.add({"GET", "/modules/{module}/versions/{version}/ast",
              "the syntax tree of the version's files, as JSON", Access::kRead},
             [reg](const Request& req, Response& res, const ContentReader*) {
               reply(res, reg->get_ast(req.matches[1], req.matches[2]), 200,
                     [](const nlohmann::json& tree) { return tree; });
             });

  router.add({"POST", "/validate", "check files against their dependencies without storing",
              Access::kRead},
             [reg, limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto request = rest::parse_validate_request(body.value());
               if (!request.ok()) return send_error(res, request.status());
               reply(res, reg->validate(request.value()));
             });

  router.add(
      {"POST", "/lint", "check files against buf's lint rules without storing", Access::kRead},
      [reg, limit](const Request& req, Response& res, const ContentReader* reader) {
        auto body = read_json_body(req, *reader, limit);
        if (!body.ok()) return send_error(res, body.status());
        auto request = rest::parse_lint_request(body.value());
        if (!request.ok()) return send_error(res, request.status());
        reply(res, reg->lint(request.value()));
      });

  router.add({"POST", "/format", "format files as buf format does", Access::kRead},
             [limit](const Request& req, Response& res, const ContentReader* reader) {
               auto body = read_json_body(req, *reader, limit);
               if (!body.ok()) return send_error(res, body.status());
               auto files = rest::parse_format_request(body.value());
               if (!files.ok()) return send_error(res, files.status());
               reply(res, format_files(files.value()));
             });

  // File reads are the hot path: the pre-routing handler serves them without running the
  // regex routes (see serve_file_fast). The route stays for completeness and for 405s.
  router.add({"GET", "/modules/{module}/versions/{version}/files/{path...}", "one file, raw",
              Access::kRead},
             [reg](const Request& req, Response& res, const ContentReader*) {
               serve_file(*reg, req.matches[1], req.matches[2], req.matches[3], req, res);
             });
}

}  // namespace

namespace {

std::shared_ptr<Guard> make_guard(Registry& registry, const ApiOptions& options) {
  auto guard = std::make_shared<Guard>();
  guard->mode = options.auth;
  guard->access = std::make_shared<AccessControl>(registry);
  guard->limiter = options.limiter;
  guard->general = options.general_budget;
  guard->push = options.push_budget;
  guard->proxies = options.trusted_proxies;
  return guard;
}

}  // namespace

std::shared_ptr<const Router> register_api_routes(httplib::Server& server, Registry& registry,
                                                  const ApiOptions& options) {
  auto router = std::make_shared<Router>(server);
  auto guard = make_guard(registry, options);
  // Rendered answers, shared by the routes; lives as long as the server's handlers.
  static constexpr std::size_t kResponseCacheBytes = 64u << 20;
  auto cache = std::make_shared<ResponseCache>(kResponseCacheBytes);
  add_module_routes(*router, &registry, guard.get(), cache, options.max_body_bytes);
  add_version_routes(*router, &registry, guard.get(), cache, options.max_body_bytes);
  add_compile_routes(*router, options.compile, options.max_body_bytes);
  add_access_routes(*router, guard, options.max_body_bytes);
  add_webhook_routes(*router, options.webhooks, options.max_body_bytes);
  install_common_handlers(server, router, options.access_log, &registry, guard);
  return router;
}

std::shared_ptr<const Router> register_health_routes(httplib::Server& server, Registry& registry,
                                                     const ApiOptions& options,
                                                     const std::atomic<bool>* draining) {
  auto router = std::make_shared<Router>(server);
  Registry* reg = &registry;
  router->add({"GET", "/health/live", "the process is up", Access::kPublic},
              [](const Request&, Response& res, const ContentReader*) {
                send_json(res, 200, {{"status", "ok"}});
              });
  router->add({"GET", "/health/ready", "the storage answers", Access::kPublic},
              [reg, draining](const Request&, Response& res, const ContentReader*) {
                Status s = draining != nullptr && draining->load()
                               ? Status::Unavailable("shutting down", reason::kDraining)
                               : reg->check_ready();
                if (s.ok()) return send_json(res, 200, {{"status", "ok"}});
                send_json(res, 503,
                          {{"status", "unavailable"},
                           {"error", {{"code", s.reason()}, {"message", s.message()}}}});
              });
  router->add(
      {"GET", "/metrics", "figures for Prometheus (text exposition format 0.0.4)", Access::kRead},
      [](const Request&, Response& res, const ContentReader*) {
        res.status = 200;
        res.set_content(metrics::default_registry().expose(), metrics::kContentType);
      });
  // Access control as on the API port (a token under --auth all); no rate limits, no access log.
  ApiOptions health = options;
  health.limiter = nullptr;
  auto guard = make_guard(registry, health);
  guard->count_requests = false;
  install_common_handlers(server, router, false, reg, guard);
  return router;
}

std::vector<ListedRoute> listed_routes() {
  httplib::Server api, health;
  auto storage = open_storage({"memory", ""});
  Registry registry(std::move(storage).value());
  std::vector<ListedRoute> out;
  for (const auto& r : register_api_routes(api, registry, {})->routes()) out.push_back({"api", r});
  for (const auto& r : register_health_routes(health, registry, {})->routes()) {
    out.push_back({"health", r});
  }
  return out;
}

}  // namespace spoke::server
