// Errors over HTTP: a Status as {"error": {...}} with its status code, and back.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/rest.h"

namespace spoke::rest {

json error_json(const Status& s) {
  json details = json::array();
  for (const auto& d : s.diagnostics()) details.push_back(to_json(d));
  if (s.findings() != nullptr) {
    for (const auto& f : *s.findings()) details.push_back(to_json(f));
  }
  if (!s.fields().empty()) {
    json extra = json::object();
    for (const auto& [k, v] : s.fields()) extra[k] = v;
    details.push_back(std::move(extra));
  }
  return {
      {"error", {{"code", s.reason()}, {"message", s.message()}, {"details", std::move(details)}}}};
}

int http_status(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      // A body the server cannot read at all, as opposed to one with a bad field.
      return s.reason() == kUnsupportedMediaType ? 415 : 400;
    case Code::kNotFound:
      return 404;
    case Code::kConflict:
      return 409;
    case Code::kUnprocessable:
      return 422;
    case Code::kTooLarge:
      return 413;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kResourceExhausted:
      return 429;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

namespace {

Code code_of(int http_status) {
  switch (http_status) {
    case 400:
    case 405:
    case 415:
      return Code::kInvalidArgument;
    case 401:
      return Code::kUnauthenticated;
    case 403:
      return Code::kPermissionDenied;
    case 404:
      return Code::kNotFound;
    case 409:
      return Code::kConflict;
    case 413:
      return Code::kTooLarge;
    case 422:
      return Code::kUnprocessable;
    case 429:
      return Code::kResourceExhausted;
    case 502:
    case 503:
    case 504:
      return Code::kUnavailable;
    default:
      return Code::kInternal;
  }
}

}  // namespace

Status status_from_error(int http_status, std::string_view body) {
  Code code = code_of(http_status);
  json j = json::parse(body, nullptr, false);
  if (!j.is_object() || !j.contains("error") || !j["error"].is_object()) {
    std::string text(body.substr(0, 200));
    return Status(code, fmt::format("http_{}", http_status),
                  fmt::format("HTTP {}{}{}", http_status, text.empty() ? "" : ": ", text));
  }
  const json& e = j["error"];
  Status s(code, e.value("code", fmt::format("http_{}", http_status)),
           e.value("message", fmt::format("HTTP {}", http_status)));
  std::vector<Diagnostic> diags;
  auto findings = std::make_shared<std::vector<BreakingFinding>>();
  for (const auto& d : e.value("details", json::array())) {
    if (!d.is_object()) continue;
    if (d.contains("type") && d.contains("start_line")) {
      if (auto f = finding_from_json(d); f.ok()) findings->push_back(std::move(f).value());
    } else if (d.contains("message")) {
      if (auto diag = diagnostic_from_json(d); diag.ok()) diags.push_back(std::move(diag).value());
    } else {
      for (const auto& [k, v] : d.items()) {
        if (v.is_string()) s.with_field(k, v.get<std::string>());
      }
    }
  }
  s.with_diagnostics(std::move(diags));
  if (!findings->empty()) s.with_findings(std::move(findings));
  return s;
}

Result<json> parse_object(std::string_view text) {
  json j;
  try {
    j = json::parse(text);
  } catch (const json::exception& e) {  // parse_error, or out_of_range for numbers like 1e999
    // e.what() reads "[json.exception.parse_error.101] parse error at line 1, column 5: ..."
    std::string what = e.what();
    auto pos = what.find("] ");
    return Status::InvalidArgument(
        fmt::format("malformed JSON: {}", pos == std::string::npos ? what : what.substr(pos + 2)),
        reason::kMalformedJson);
  }
  if (!j.is_object()) {
    return Status::InvalidArgument(
        fmt::format("malformed JSON: expected an object, got {}", j.type_name()),
        reason::kMalformedJson);
  }
  return j;
}

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

}  // namespace spoke::rest
