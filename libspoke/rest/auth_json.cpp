// Access tokens, the caller and the audit log as JSON, in both directions.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::parse_timestamp;
using internal::read_response;
using internal::read_string;
using internal::reject_unknown_fields;
using internal::timestamp_or_null;

namespace {

json scope_or_null(const std::string& scope) { return scope.empty() ? json() : json(scope); }

AccessToken read_token(const json& j) {
  AccessToken t;
  t.name = j.at("name").get<std::string>();
  t.role = parse_role(j.at("role").get<std::string>()).value_or(Role::kReader);
  if (j.contains("module") && j["module"].is_string()) t.scope = j["module"].get<std::string>();
  t.creator = j.value("creator", "");
  t.created_at = parse_timestamp(j.value("created_at", json()));
  t.expires_at = parse_timestamp(j.value("expires_at", json()));
  t.last_used_at = parse_timestamp(j.value("last_used_at", json()));
  t.revoked_at = parse_timestamp(j.value("revoked_at", json()));
  return t;
}

}  // namespace

json to_json(const AccessToken& t) {
  return {{"name", t.name},
          {"role", to_string(t.role)},
          {"module", scope_or_null(t.scope)},
          {"creator", t.creator},
          {"created_at", timestamp_or_null(t.created_at)},
          {"expires_at", timestamp_or_null(t.expires_at)},
          {"last_used_at", timestamp_or_null(t.last_used_at)},
          {"revoked_at", timestamp_or_null(t.revoked_at)}};
}

json to_json(const CreatedToken& t) {
  json j = to_json(t.token);
  j["token"] = t.secret;
  return j;
}

json to_json(const std::vector<AccessToken>& tokens) {
  json out = json::array();
  for (const auto& t : tokens) out.push_back(to_json(t));
  return {{"tokens", std::move(out)}};
}

json to_json(const Principal& p) {
  return {{"name", p.name},
          {"anonymous", p.anonymous},
          {"role", p.anonymous ? json() : json(to_string(p.role))},
          {"module", scope_or_null(p.scope)},
          {"expires_at", timestamp_or_null(p.expires_at)}};
}

json to_json(const AuditEntry& e) {
  return {{"id", e.id},
          {"time", format_timestamp(e.time)},
          {"actor", e.actor},
          {"client", e.client},
          {"request_id", e.request_id},
          {"method", e.method},
          {"route", e.route},
          {"module", e.module.empty() ? json() : json(e.module)},
          {"version", e.version.empty() ? json() : json(e.version)},
          {"status", e.status},
          {"error", e.error.empty() ? json() : json(e.error)}};
}

json to_json(const AuditPage& p) {
  json entries = json::array();
  for (const auto& e : p.entries) entries.push_back(to_json(e));
  json out = {{"entries", std::move(entries)}};
  if (!p.next_page_token.empty()) out["next_page_token"] = p.next_page_token;
  return out;
}

json to_json(const NewToken& t) {
  json j = {{"name", t.name}, {"role", to_string(t.role)}};
  if (!t.scope.empty()) j["module"] = t.scope;
  if (t.expires_in.count() > 0) {
    auto ms = t.expires_in.count();
    j["expires_in"] = ms % 1000 == 0 ? fmt::format("{}s", ms / 1000) : fmt::format("{}ms", ms);
  }
  return j;
}

Result<NewToken> parse_token_request(const json& body) {
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(body, {"name", "role", "module", "expires_in"},
                                              "a token has name, role, module and expires_in"));
  NewToken t;
  SPOKE_RETURN_IF_ERROR(read_string(body, "name", t.name));
  if (t.name.empty()) {
    return Status::InvalidArgument("field \"name\" is required", reason::kMissingField);
  }
  std::string role;
  SPOKE_RETURN_IF_ERROR(read_string(body, "role", role));
  if (role.empty()) {
    return Status::InvalidArgument("field \"role\" is required: reader, writer or admin",
                                   reason::kMissingField);
  }
  auto parsed = parse_role(role);
  if (!parsed) {
    return Status::InvalidArgument(
        fmt::format("role \"{}\" is not known; use reader, writer or admin", role),
        reason::kInvalidRole);
  }
  t.role = *parsed;
  SPOKE_RETURN_IF_ERROR(read_string(body, "module", t.scope));
  std::string expires_in;
  SPOKE_RETURN_IF_ERROR(read_string(body, "expires_in", expires_in));
  if (!expires_in.empty()) {
    if (expires_in.ends_with("ms") && expires_in.size() > 2) {
      // What to_json(NewToken) writes for durations that are not whole seconds.
      auto d = auth::parse_duration(expires_in.substr(0, expires_in.size() - 2) + "s");
      if (!d.ok()) return d.status();
      t.expires_in = std::chrono::milliseconds(d->count() / 1000);
    } else {
      auto d = auth::parse_duration(expires_in);
      if (!d.ok()) return d.status();
      t.expires_in = d.value();
    }
  }
  return t;
}

Result<AccessToken> token_from_json(const json& j) {
  return read_response<AccessToken>("token", [&] { return read_token(j); });
}

Result<CreatedToken> created_token_from_json(const json& j) {
  return read_response<CreatedToken>("token", [&] {
    return CreatedToken{read_token(j), j.at("token").get<std::string>()};
  });
}

Result<std::vector<AccessToken>> tokens_from_json(const json& j) {
  return read_response<std::vector<AccessToken>>("token list", [&] {
    std::vector<AccessToken> out;
    for (const auto& t : j.at("tokens")) out.push_back(read_token(t));
    return out;
  });
}

Result<Principal> principal_from_json(const json& j) {
  return read_response<Principal>("whoami", [&] {
    Principal p;
    p.name = j.at("name").get<std::string>();
    p.anonymous = j.value("anonymous", false);
    if (j.contains("role") && j["role"].is_string()) {
      p.role = parse_role(j["role"].get<std::string>()).value_or(Role::kReader);
    }
    if (j.contains("module") && j["module"].is_string()) p.scope = j["module"].get<std::string>();
    p.expires_at = parse_timestamp(j.value("expires_at", json()));
    return p;
  });
}

Result<AuditPage> audit_page_from_json(const json& j) {
  return read_response<AuditPage>("audit log", [&] {
    AuditPage page;
    auto str = [](const json& e, const char* key) {
      return e.contains(key) && e[key].is_string() ? e[key].get<std::string>() : std::string();
    };
    for (const auto& e : j.at("entries")) {
      AuditEntry a;
      a.id = e.at("id").get<std::int64_t>();
      a.time = parse_timestamp(e.value("time", json()));
      a.actor = str(e, "actor");
      a.client = str(e, "client");
      a.request_id = str(e, "request_id");
      a.method = str(e, "method");
      a.route = str(e, "route");
      a.module = str(e, "module");
      a.version = str(e, "version");
      a.status = e.value("status", 0);
      a.error = str(e, "error");
      page.entries.push_back(std::move(a));
    }
    page.next_page_token = j.value("next_page_token", "");
    return page;
  });
}

}  // namespace spoke::rest
