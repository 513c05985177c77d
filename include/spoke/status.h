#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "spoke/reason.h"

namespace spoke {

struct BreakingFinding;  // spoke/breaking.h

// What went wrong, in terms a front-end can map to a transport status.
enum class Code {
  kOk,
  kInvalidArgument,    // malformed input (HTTP 400)
  kNotFound,           // a named thing does not exist (404)
  kConflict,           // state conflict, e.g. a version exists with other content (409)
  kUnprocessable,      // well-formed but semantically invalid, e.g. schema errors (422)
  kTooLarge,           // input over a configured limit (413)
  kUnauthenticated,    // no valid credentials (401)
  kPermissionDenied,   // credentials that do not allow this (403)
  kResourceExhausted,  // over a rate limit or quota (429)
  kUnavailable,        // storage or a peer does not answer (503)
  kInternal,           // a bug or an I/O failure (500)
};

enum class Severity { kError, kWarning };

// "error", "warning".
inline const char* to_string(Severity s) { return s == Severity::kWarning ? "warning" : "error"; }
inline std::optional<Severity> parse_severity(std::string_view text) {
  if (text == "error") return Severity::kError;
  if (text == "warning") return Severity::kWarning;
  return std::nullopt;
}

// How problems are printed (`--error-format`): text as protoc/buf print it, one JSON object a
// line, GitHub Actions annotations.
enum class ErrorFormat { kText, kJson, kGithub };

// "text", "json", "github"; nullopt for anything else.
inline std::optional<ErrorFormat> parse_error_format(std::string_view name) {
  if (name == "text") return ErrorFormat::kText;
  if (name == "json") return ErrorFormat::kJson;
  if (name == "github") return ErrorFormat::kGithub;
  return std::nullopt;
}

// One problem found in an input, located where possible (1-based line/column; 0 = unknown).
struct Diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  Severity severity = Severity::kError;
  std::string message;
};

// The result of an operation that returns nothing. Cheap when OK.
// `reason` is a stable machine-readable code ("version_exists", "invalid_name", ...).
class Status {
 public:
  Status() = default;
  Status(Code code, std::string reason, std::string message)
      : code_(code), reason_(std::move(reason)), message_(std::move(message)) {}

  static Status OK() { return {}; }
  static Status InvalidArgument(std::string message,
                                std::string reason = reason::kInvalidArgument) {
    return {Code::kInvalidArgument, std::move(reason), std::move(message)};
  }
  static Status NotFound(std::string message, std::string reason = reason::kNotFound) {
    return {Code::kNotFound, std::move(reason), std::move(message)};
  }
  static Status Conflict(std::string message, std::string reason = reason::kConflict) {
    return {Code::kConflict, std::move(reason), std::move(message)};
  }
  static Status Unprocessable(std::string message, std::string reason = reason::kUnprocessable) {
    return {Code::kUnprocessable, std::move(reason), std::move(message)};
  }
  static Status TooLarge(std::string message, std::string reason = reason::kTooLarge) {
    return {Code::kTooLarge, std::move(reason), std::move(message)};
  }
  static Status Unauthenticated(std::string message,
                                std::string reason = reason::kUnauthenticated) {
    return {Code::kUnauthenticated, std::move(reason), std::move(message)};
  }
  static Status PermissionDenied(std::string message, std::string reason = reason::kForbidden) {
    return {Code::kPermissionDenied, std::move(reason), std::move(message)};
  }
  static Status ResourceExhausted(std::string message, std::string reason = reason::kRateLimited) {
    return {Code::kResourceExhausted, std::move(reason), std::move(message)};
  }
  static Status Unavailable(std::string message, std::string reason = reason::kUnavailable) {
    return {Code::kUnavailable, std::move(reason), std::move(message)};
  }
  static Status Internal(std::string message, std::string reason = reason::kInternal) {
    return {Code::kInternal, std::move(reason), std::move(message)};
  }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& reason() const { return reason_; }
  const std::string& message() const { return message_; }

  // Per-item problems (schema diagnostics, one per invalid path, ...).
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }
  Status& with_diagnostics(std::vector<Diagnostic> d) {
    diagnostics_ = std::move(d);
    return *this;
  }
  // Extra named facts about the failure (e.g. "existing_digest").
  const std::map<std::string, std::string>& fields() const { return fields_; }
  Status& with_field(std::string key, std::string value) {
    fields_[std::move(key)] = std::move(value);
    return *this;
  }

  // The breaking changes a push was refused for (reason "breaking_change"); nullptr otherwise.
  const std::vector<BreakingFinding>* findings() const { return findings_.get(); }
  Status& with_findings(std::shared_ptr<const std::vector<BreakingFinding>> f) {
    findings_ = std::move(f);
    return *this;
  }

  std::string to_string() const { return ok() ? "ok" : reason_ + ": " + message_; }

 private:
  Code code_ = Code::kOk;
  std::string reason_;
  std::string message_;
  std::vector<Diagnostic> diagnostics_;
  std::map<std::string, std::string> fields_;
  std::shared_ptr<const std::vector<BreakingFinding>> findings_;
};

// A value or the Status that explains why there is none.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT(google-explicit-constructor)
  Result(Status status) : v_(std::move(status)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace spoke

#define SPOKE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::spoke::Status spoke_status_ = (expr);        \
    if (!spoke_status_.ok()) return spoke_status_; \
  } while (0)
