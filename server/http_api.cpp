// REST routes: parse the request, call one Registry method, render the result or error as JSON.
#include "http_api.h"

#include <fmt/format.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <regex>
#include <set>

#include "spoke/ast.h"
#include "spoke/breaking.h"
#include "spoke/schema.h"
#include "spoke/wire.h"

namespace spoke::server {
namespace {

using httplib::ContentReader;
using httplib::Request;
using httplib::Response;
using wire::json;

constexpr const char* kJson = "application/json";

// Invalid UTF-8 can only reach a response through an echo of bad input (a parser message); it
// is replaced rather than allowed to fail the response.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

void send_json(Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(dump(body), kJson);
}

void send_error(Response& res, const Status& s) {
  send_json(res, wire::http_status(s), wire::error_json(s));
}

// Sends `result`'s value rendered by `render` with `status`, or its error.
template <typename T, typename Render>
void reply(Response& res, const Result<T>& result, int status, Render&& render) {
  if (!result.ok()) return send_error(res, result.status());
  send_json(res, status, render(result.value()));
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
  auto accept = req.get_header_value("Accept");
  return accept.find("application/json") != std::string::npos;
}

// Reads the request body through httplib's decompressing reader, counting decompressed bytes
// against `limit` so a small gzip bomb is refused like a large body.
Result<std::string> read_body(const Request& req, const ContentReader& reader, std::size_t limit) {
  if (req.has_header("Content-Type")) {
    std::string type = req.get_header_value("Content-Type");
    std::string media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (media != kJson) {
      return Status(
          Code::kUnsupportedMedia, "unsupported_media_type",
          fmt::format("Content-Type \"{}\" is not supported; send application/json", type));
    }
  }
  if (req.has_header("Content-Encoding")) {
    std::string enc = req.get_header_value("Content-Encoding");
    if (enc != "gzip" && enc != "deflate" && enc != "br" && enc != "identity") {
      return Status(Code::kUnsupportedMedia, "unsupported_media_type",
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
    return true;
  });
  auto too_large_status = [&] {
    return Status::TooLarge(
        fmt::format("request body exceeds the limit of {} bytes (counted after decompression)",
                    limit),
        "payload_too_large");
  };
  if (too_large) return too_large_status();
  if (!ok) {
    std::string length = req.get_header_value("Content-Length");
    if (!length.empty() && std::strtoull(length.c_str(), nullptr, 10) > limit) {
      return too_large_status();
    }
    return Status::InvalidArgument("could not read the request body (truncated or badly encoded)",
                                   "bad_body");
  }
  return body;
}

Result<json> read_json_body(const Request& req, const ContentReader& reader, std::size_t limit) {
  auto body = read_body(req, reader, limit);
  if (!body.ok()) return body.status();
  if (body->empty()) {
    return Status::InvalidArgument("malformed JSON: the request body is empty; send a JSON object",
                                   "malformed_json");
  }
  return wire::parse_object(body.value());
}

json module_detail_json(const ModuleDetail& d) {
  json j = wire::to_json(d.module);
  json versions = json::array();
  std::vector<VersionRef> refs;
  for (const auto& v : d.versions) {
    versions.push_back(wire::to_json(v, false));
    refs.push_back({v.version, v.digest, v.created_at, v.sequence});
  }
  auto latest = pick_latest(refs);
  j["latest_version"] = latest ? json(latest->version) : json(nullptr);
  j["version_count"] = d.versions.size();
  j["versions"] = std::move(versions);
  return j;
}

// Start time of the request this worker thread is serving, for the access log.
thread_local std::chrono::steady_clock::time_point request_start;

// Routes we serve, to tell 405 (known path, other method) from 404.
struct RouteTable {
  std::vector<std::pair<std::regex, std::string>> routes;
  void add(const std::string& pattern, const std::string& method) {
    routes.emplace_back(std::regex(pattern), method);
  }
  std::set<std::string> methods_for(const std::string& path) const {
    std::set<std::string> out;
    for (const auto& [re, m] : routes) {
      if (std::regex_match(path, re)) out.insert(m);
    }
    return out;
  }
};

std::string join(const std::set<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// GET /modules/{module}/versions/{version}/files/{path}, split by hand.
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

// Serves a file read without the regex routes; false when `req` is not one.
bool serve_file_fast(Registry& reg, const Request& req, Response& res) {
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
  serve_file(reg, p.substr(kPrefix.size(), m_end - kPrefix.size()),
             p.substr(v_start, v_end - v_start), p.substr(v_end + kFiles.size()), req, res);
  return true;
}

void install_common_handlers(httplib::Server& server, std::shared_ptr<RouteTable> table,
                             bool access_log, Registry* fast_files) {
  server.set_pre_routing_handler([fast_files](const Request& req, Response& res) {
    request_start = std::chrono::steady_clock::now();
    if (fast_files != nullptr && serve_file_fast(*fast_files, req, res)) {
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  httplib::Server::HandlerWithResponse on_error = [table](const Request& req, Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    Status s;
    auto methods = table->methods_for(req.path);
    bool wrong_method = !methods.empty() && methods.count(req.method) == 0;
    if (res.status == 404 || (res.status == 400 && wrong_method)) {
      if (wrong_method) {
        res.status = 405;
        res.set_header("Allow", join(methods));
        s = Status(Code::kInvalidArgument, "method_not_allowed",
                   fmt::format("{} is not allowed on {}; allowed: {}", req.method, req.path,
                               join(methods)));
      } else {
        s = Status::NotFound(fmt::format("no route for {} {}", req.method, req.path),
                             "route_not_found");
      }
    } else if (res.status == 413) {
      s = Status::TooLarge("request body too large", "payload_too_large");
    } else if (res.status == 415) {
      s = Status(Code::kUnsupportedMedia, "unsupported_media_type", "unsupported Content-Encoding");
    } else if (res.status == 400) {
      s = Status::InvalidArgument("malformed HTTP request", "bad_request");
    } else {
      s = Status(Code::kInternal, fmt::format("http_{}", res.status),
                 fmt::format("HTTP {}", res.status));
    }
    res.set_content(dump(wire::error_json(s)), kJson);
    return httplib::Server::HandlerResponse::Handled;
  };
  server.set_error_handler(std::move(on_error));
  server.set_exception_handler([](const Request&, Response& res, std::exception_ptr ep) {
    std::string what = "unknown error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {  // NOLINT(bugprone-empty-catch)
    }
    send_error(res, Status::Internal(fmt::format("internal error: {}", what)));
  });
  if (access_log) {
    server.set_logger([](const Request& req, const Response& res) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                    std::chrono::steady_clock::now() - request_start)
                    .count();
      json line = {{"ts", format_timestamp(now_ms())},
                   {"method", req.method},
                   {"path", req.path},
                   {"status", res.status},
                   {"duration_ms", static_cast<double>(us) / 1000.0},
                   {"remote", req.remote_addr}};
      std::string text = dump(line) + "\n";
      std::fwrite(text.data(), 1, text.size(), stdout);
      std::fflush(stdout);
    });
  }
}

}  // namespace

json job_json(const CompileJob& j) {
  json out = {{"job_id", j.id},
              {"module", j.module},
              {"version", j.version},
              {"language", j.language},
              {"grpc", j.grpc},
              {"options", j.options},
              {"status", to_string(j.status)},
              {"attempts", j.attempts},
              {"created_at", format_timestamp(j.created_at)},
              {"started_at", j.started_at > 0 ? json(format_timestamp(j.started_at)) : json()},
              {"finished_at", j.finished_at > 0 ? json(format_timestamp(j.finished_at)) : json()},
              {"duration_ms", job_duration_ms(j)}};
  if (!j.generator.empty()) out["generator"] = j.generator;
  if (j.status == JobStatus::kFailed) out["error"] = j.error;
  if (j.status == JobStatus::kSucceeded) {
    out["artifact_key"] = j.artifact_key;
    out["file_count"] = j.file_count;
    out["download_url"] =
        fmt::format("/modules/{}/versions/{}/download/{}", j.module, j.version, j.language);
  }
  return out;
}

json artifact_json(const Artifact& a) {
  return {{"key", a.key},
          {"module", a.module},
          {"version", a.version},
          {"language", a.language},
          {"generator", a.generator},
          {"file_count", a.file_count},
          {"total_size", a.total_size},
          {"created_at", format_timestamp(a.created_at)},
          {"download_url",
           fmt::format("/modules/{}/versions/{}/download/{}", a.module, a.version, a.language)}};
}

Status compile_unavailable() {
  return Status::Unavailable("code generation is not enabled on this server",
                             "compile_unavailable");
}

void register_compile_routes(httplib::Server& server, RouteTable& table, CompileService* compiler,
                             std::size_t limit) {
  const std::string compile = R"(/modules/([^/]+)/versions/([^/]+)/compile/([^/]+))";
  const std::string download = R"(/modules/([^/]+)/versions/([^/]+)/download/([^/]+))";
  const std::string jobs = R"(/modules/([^/]+)/versions/([^/]+)/jobs)";

  table.add(compile, "POST");
  server.Post(compile,
              [compiler, limit](const Request& req, Response& res, const ContentReader& reader) {
                if (compiler == nullptr) return send_error(res, compile_unavailable());
                auto body = read_body(req, reader, limit);
                if (!body.ok()) return send_error(res, body.status());
                auto submission = wire::parse_compile_request(body.value());
                if (!submission.ok()) return send_error(res, submission.status());
                submission->module = req.matches[1];
                submission->version = req.matches[2];
                submission->language = req.matches[3];
                if (req.has_param("grpc")) submission->grpc = req.get_param_value("grpc") == "true";
                auto r = compiler->submit(submission.value());
                if (!r.ok()) return send_error(res, r.status());
                json out = job_json(r->job);
                out["cache_hit"] = r->cache_hit;
                if (r->artifact) out["artifact"] = artifact_json(*r->artifact);
                if (!r->cache_hit) res.set_header("Location", "/jobs/" + r->job.id);
                send_json(res, r->cache_hit ? 200 : 202, out);
              });

  table.add("/jobs/([^/]+)", "GET");
  server.Get("/jobs/([^/]+)", [compiler](const Request& req, Response& res) {
    if (compiler == nullptr) return send_error(res, compile_unavailable());
    reply(res, compiler->get_job(req.matches[1]), 200, job_json);
  });

  table.add(jobs, "GET");
  server.Get(jobs, [compiler](const Request& req, Response& res) {
    if (compiler == nullptr) return send_error(res, compile_unavailable());
    reply(res, compiler->list_jobs(req.matches[1], req.matches[2]), 200,
          [](const std::vector<CompileJob>& list) {
            json out = json::array();
            for (const auto& j : list) out.push_back(job_json(j));
            return json{{"jobs", std::move(out)}};
          });
  });

  table.add(download, "GET");
  server.Get(download, [compiler](const Request& req, Response& res) {
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

  table.add("/languages", "GET");
  server.Get("/languages", [compiler](const Request&, Response& res) {
    if (compiler == nullptr) return send_error(res, compile_unavailable());
    json out = json::array();
    for (const auto& l : compiler->languages()) {
      json item = {{"language", l.language}, {"builtin", l.builtin}};
      if (!l.program.empty()) item["plugin"] = l.program;
      item["grpc"] = !l.grpc_program.empty();
      if (!l.grpc_program.empty()) item["grpc_plugin"] = l.grpc_program;
      out.push_back(std::move(item));
    }
    send_json(res, 200, {{"languages", std::move(out)}});
  });
}

void register_api_routes(httplib::Server& server, Registry& registry, const ApiOptions& options) {
  auto table = std::make_shared<RouteTable>();
  const std::size_t limit = options.max_body_bytes;
  Registry* reg = &registry;

  const std::string modules = R"(/modules)";
  const std::string module = R"(/modules/([^/]+))";
  const std::string versions = R"(/modules/([^/]+)/versions)";
  const std::string version = R"(/modules/([^/]+)/versions/([^/]+))";
  const std::string file = R"(/modules/([^/]+)/versions/([^/]+)/files/(.+))";

  table->add(modules, "POST");
  server.Post(modules, [reg, limit](const Request& req, Response& res,
                                    const ContentReader& reader) {
    auto body = read_json_body(req, reader, limit);
    if (!body.ok()) return send_error(res, body.status());
    const json& j = body.value();
    auto name = j.find("name");
    if (name == j.end() || !name->is_string()) {
      return send_error(res,
                        Status::InvalidArgument("field \"name\" is required and must be a string",
                                                "missing_field"));
    }
    auto desc = j.find("description");
    if (desc != j.end() && !desc->is_null() && !desc->is_string()) {
      return send_error(
          res, Status::InvalidArgument("field \"description\" must be a string", "invalid_field"));
    }
    auto r =
        reg->create_module(name->get<std::string>(),
                           desc != j.end() && desc->is_string() ? desc->get<std::string>() : "");
    if (!r.ok()) return send_error(res, r.status());
    send_json(res, r->created ? 201 : 200, wire::to_json(r->module));
  });

  table->add(modules, "GET");
  server.Get(modules, [reg](const Request& req, Response& res) {
    std::size_t limit_param = 0;
    if (req.has_param("limit")) {
      const std::string text = req.get_param_value("limit");
      char* end = nullptr;
      long v = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || v < 1 || v > 1000) {
        return send_error(res,
                          Status::InvalidArgument(
                              fmt::format("limit \"{}\" must be an integer from 1 to 1000", text),
                              "invalid_limit"));
      }
      limit_param = static_cast<std::size_t>(v);
    }
    auto page = reg->list_modules(limit_param, req.get_param_value("page_token"));
    reply(res, page, 200, [](const ModulePage& p) {
      json list = json::array();
      for (const auto& m : p.modules) list.push_back(wire::to_json(m));
      json j = {{"modules", std::move(list)}};
      if (!p.next_page_token.empty()) j["next_page_token"] = p.next_page_token;
      return j;
    });
  });

  table->add(module, "GET");
  server.Get(module, [reg](const Request& req, Response& res) {
    reply(res, reg->get_module(req.matches[1]), 200, module_detail_json);
  });

  table->add(module, "PATCH");
  server.Patch(
      module, [reg, limit](const Request& req, Response& res, const ContentReader& reader) {
        auto body = read_json_body(req, reader, limit);
        if (!body.ok()) return send_error(res, body.status());
        auto desc = body->find("description");
        if (desc == body->end() || !desc->is_string()) {
          return send_error(
              res, Status::InvalidArgument("field \"description\" is required and must be a string",
                                           "missing_field"));
        }
        reply(res, reg->update_module(req.matches[1], desc->get<std::string>()), 200,
              [](const Module& m) { return wire::to_json(m); });
      });

  CompileService* compiler = options.compile;
  table->add(versions, "POST");
  server.Post(versions, [reg, limit, compiler](const Request& req, Response& res,
                                               const ContentReader& reader) {
    auto body = read_json_body(req, reader, limit);
    if (!body.ok()) return send_error(res, body.status());
    auto push = wire::parse_push_request(body.value(), req.matches[1]);
    if (!push.ok()) return send_error(res, push.status());
    if (req.has_param("force")) {
      std::string force = req.get_param_value("force");
      if (force != "true" && force != "false") {
        return send_error(
            res, Status::InvalidArgument(fmt::format("force=\"{}\" must be true or false", force),
                                         "invalid_parameter"));
      }
      push->force = push->force || force == "true";
    }
    auto r = reg->push(push.value());
    if (!r.ok()) return send_error(res, r.status());
    json out = wire::to_json(r->version, false);
    json warnings = json::array();
    for (const auto& w : r->warnings) warnings.push_back(wire::to_json(w));
    out["warnings"] = std::move(warnings);
    send_json(res, r->created ? 201 : 200, out);
    if (r->created && compiler != nullptr) {
      compiler->on_push(r->version.module, r->version.version);
    }
  });

  table->add(versions, "GET");
  server.Get(versions, [reg](const Request& req, Response& res) {
    reply(res, reg->list_versions(req.matches[1]), 200, [](const std::vector<Version>& vs) {
      json list = json::array();
      for (const auto& v : vs) list.push_back(wire::to_json(v, false));
      return json{{"versions", std::move(list)}};
    });
  });

  table->add(version, "GET");
  server.Get(version, [reg](const Request& req, Response& res) {
    std::string include = req.get_param_value("include");
    if (!include.empty() && include != "content") {
      return send_error(
          res, Status::InvalidArgument(
                   fmt::format("include=\"{}\" is not known; use include=content", include),
                   "invalid_parameter"));
    }
    bool with_content = include == "content";
    reply(res, reg->get_version(req.matches[1], req.matches[2], with_content), 200,
          [with_content](const Version& v) { return wire::to_json(v, with_content); });
  });

  const std::string config = module + "/config";
  table->add(config, "GET");
  server.Get(config, [reg](const Request& req, Response& res) {
    reply(res, reg->get_policy(req.matches[1]), 200,
          [](const EffectivePolicy& p) { return wire::to_json(p); });
  });

  table->add(config, "PUT");
  server.Put(config, [reg, limit](const Request& req, Response& res, const ContentReader& reader) {
    auto body = read_json_body(req, reader, limit);
    if (!body.ok()) return send_error(res, body.status());
    auto policy = wire::parse_policy_request(body.value());
    if (!policy.ok()) return send_error(res, policy.status());
    reply(res, reg->set_policy(req.matches[1], policy.value()), 200,
          [](const EffectivePolicy& p) { return wire::to_json(p); });
  });

  const std::string diff = module + "/diff";
  table->add(diff, "GET");
  server.Get(diff, [reg](const Request& req, Response& res) {
    for (const char* name : {"from", "to"}) {
      if (req.get_param_value(name).empty()) {
        return send_error(res,
                          Status::InvalidArgument(
                              fmt::format("query parameter \"{}\" is required (a version)", name),
                              "missing_parameter"));
      }
    }
    auto r = reg->diff(req.matches[1], req.get_param_value("from"), req.get_param_value("to"),
                       req.get_param_value("against"));
    reply(res, r, 200, [](const BreakingResult& b) { return wire::diff_json(b); });
  });

  const std::string dependencies = version + "/dependencies";
  table->add(dependencies, "GET");
  server.Get(dependencies, [reg](const Request& req, Response& res) {
    reply(res, reg->get_dependencies(req.matches[1], req.matches[2]), 200,
          [](const DependencyReport& r) { return wire::to_json(r); });
  });

  const std::string descriptor = version + "/descriptor";
  table->add(descriptor, "GET");
  server.Get(descriptor, [reg](const Request& req, Response& res) {
    std::string source_info = req.get_param_value("source_info");
    if (!source_info.empty() && source_info != "true" && source_info != "false") {
      return send_error(res,
                        Status::InvalidArgument(
                            fmt::format("source_info=\"{}\" must be true or false", source_info),
                            "invalid_parameter"));
    }
    auto schema = reg->get_schema(req.matches[1], req.matches[2]);
    if (!schema.ok()) return send_error(res, schema.status());
    std::string bytes = descriptor_set(*schema.value(), source_info == "true").SerializeAsString();
    res.status = 200;
    res.set_header("Content-Disposition", fmt::format("attachment; filename={}-{}.binpb",
                                                      req.matches[1].str(), req.matches[2].str()));
    res.set_content(std::move(bytes),
                    "application/x-protobuf; messageType=google.protobuf.FileDescriptorSet");
  });

  const std::string ast = version + "/ast";
  table->add(ast, "GET");
  server.Get(ast, [reg](const Request& req, Response& res) {
    auto schema = reg->get_schema(req.matches[1], req.matches[2]);
    if (!schema.ok()) return send_error(res, schema.status());
    send_json(res, 200, schema_ast_json(*schema.value()));
  });

  table->add("/validate", "POST");
  server.Post("/validate",
              [reg, limit](const Request& req, Response& res, const ContentReader& reader) {
                auto body = read_json_body(req, reader, limit);
                if (!body.ok()) return send_error(res, body.status());
                auto request = wire::parse_validate_request(body.value());
                if (!request.ok()) return send_error(res, request.status());
                reply(res, reg->validate(request.value()), 200,
                      [](const ValidateReport& r) { return wire::to_json(r); });
              });

  // File reads are the hot path: the pre-routing handler serves them without running the
  // regex routes (see serve_file_fast). The regex route stays for completeness and for 405s.
  table->add(file, "GET");
  server.Get(file, [reg](const Request& req, Response& res) {
    serve_file(*reg, req.matches[1], req.matches[2], req.matches[3], req, res);
  });

  register_compile_routes(server, *table, compiler, limit);
  install_common_handlers(server, table, options.access_log, reg);
}

void register_health_routes(httplib::Server& server, Registry& registry) {
  auto table = std::make_shared<RouteTable>();
  Registry* reg = &registry;
  table->add("/health/live", "GET");
  server.Get("/health/live", [](const Request&, Response& res) {
    send_json(res, 200, {{"status", "ok"}});
  });
  table->add("/health/ready", "GET");
  server.Get("/health/ready", [reg](const Request&, Response& res) {
    Status s = reg->check_ready();
    if (s.ok()) return send_json(res, 200, {{"status", "ok"}});
    send_json(
        res, 503,
        {{"status", "unavailable"}, {"error", {{"code", s.reason()}, {"message", s.message()}}}});
  });
  install_common_handlers(server, table, false, nullptr);
}

}  // namespace spoke::server
