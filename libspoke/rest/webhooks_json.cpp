// Webhook subscriptions, deliveries and attempts as JSON, in both directions.
#include <fmt/format.h>

#include "rest/json_fields.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::parse_timestamp;
using internal::read_bool;
using internal::read_response;
using internal::read_string;
using internal::reject_unknown_fields;
using internal::timestamp_or_null;
using internal::wrong_type;

namespace {

json or_null(const std::string& s) { return s.empty() ? json() : json(s); }

// Headers as an object; repeated names joined with ", " as HTTP allows.
json headers_json(const HeaderList& headers) {
  json out = json::object();
  for (const auto& [k, v] : headers) {
    if (out.contains(k)) {
      out[k] = out[k].get<std::string>() + ", " + v;
    } else {
      out[k] = v;
    }
  }
  return out;
}

HeaderList read_headers(const json& j) {
  HeaderList out;
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out.emplace_back(k, v.get<std::string>());
  }
  return out;
}

const char* state_of(const Webhook& w) {
  if (!w.active) return "paused";
  return w.failing_since != 0 ? "failing" : "active";
}

Webhook read_webhook(const json& j) {
  Webhook w;
  w.id = j.at("id").get<std::string>();
  w.url = j.at("url").get<std::string>();
  for (const auto& e : j.at("events")) w.events.push_back(e.get<std::string>());
  if (j.contains("module") && j["module"].is_string()) w.module = j["module"].get<std::string>();
  w.active = j.at("active").get<bool>();
  if (auto h = j.find("headers"); h != j.end() && h->is_object()) {
    for (const auto& [k, v] : h->items()) {
      if (v.is_string()) w.headers[k] = v.get<std::string>();
    }
  }
  w.description = j.value("description", "");
  w.creator = j.value("creator", "");
  w.created_at = parse_timestamp(j.value("created_at", json()));
  w.updated_at = parse_timestamp(j.value("updated_at", json()));
  w.failing_since = parse_timestamp(j.value("failing_since", json()));
  if (j.contains("reason") && j["reason"].is_string()) {
    w.status_reason = j["reason"].get<std::string>();
  }
  return w;
}

WebhookDelivery read_delivery(const json& j) {
  WebhookDelivery d;
  d.id = j.at("id").get<std::string>();
  d.webhook_id = j.at("webhook_id").get<std::string>();
  d.event_id = j.at("event_id").get<std::string>();
  d.event_type = j.at("event").get<std::string>();
  if (j.contains("module") && j["module"].is_string()) d.module = j["module"].get<std::string>();
  d.status =
      parse_delivery_status(j.at("status").get<std::string>()).value_or(DeliveryStatus::kPending);
  d.attempts = j.at("attempt_count").get<std::int64_t>();
  d.manual = j.value("manual", false);
  d.created_at = parse_timestamp(j.value("created_at", json()));
  d.next_attempt_at = parse_timestamp(j.value("next_attempt_at", json()));
  d.finished_at = parse_timestamp(j.value("finished_at", json()));
  if (j.contains("last_status") && j["last_status"].is_number()) {
    d.last_status = j["last_status"].get<int>();
  }
  if (j.contains("last_error") && j["last_error"].is_string()) {
    d.last_error = j["last_error"].get<std::string>();
  }
  return d;
}

}  // namespace

json to_json(const Webhook& w) {
  json headers = json::object();
  for (const auto& [k, v] : w.headers) {
    headers[k] = webhooks::is_sensitive_header(k) ? "[redacted]" : v;
  }
  return {{"id", w.id},
          {"url", w.url},
          {"events", w.events},
          {"module", or_null(w.module)},
          {"active", w.active},
          {"state", state_of(w)},
          {"failing_since", timestamp_or_null(w.failing_since)},
          {"reason", or_null(w.status_reason)},
          {"headers", std::move(headers)},
          {"description", w.description},
          {"creator", w.creator},
          {"created_at", timestamp_or_null(w.created_at)},
          {"updated_at", timestamp_or_null(w.updated_at)}};
}

json to_json(const CreatedWebhook& c) {
  json j = to_json(c.webhook);
  if (!c.secret.empty()) j["secret"] = c.secret;
  return j;
}

json to_json(const std::vector<Webhook>& webhooks) {
  json list = json::array();
  for (const auto& w : webhooks) list.push_back(to_json(w));
  return {{"webhooks", std::move(list)}};
}

json to_json(const WebhookDelivery& d) {
  return {{"id", d.id},
          {"webhook_id", d.webhook_id},
          {"event_id", d.event_id},
          {"event", d.event_type},
          {"module", or_null(d.module)},
          {"status", to_string(d.status)},
          {"attempt_count", d.attempts},
          {"in_flight", d.status == DeliveryStatus::kPending && !d.owner.empty() &&
                            d.lease_expires_at > now_ms()},
          {"manual", d.manual},
          {"created_at", timestamp_or_null(d.created_at)},
          {"next_attempt_at",
           d.status == DeliveryStatus::kPending ? timestamp_or_null(d.next_attempt_at) : json()},
          {"finished_at", timestamp_or_null(d.finished_at)},
          {"last_status", d.last_status == 0 ? json() : json(d.last_status)},
          {"last_error", or_null(d.last_error)}};
}

json to_json(const DeliveryPage& p) {
  json list = json::array();
  for (const auto& d : p.deliveries) list.push_back(to_json(d));
  json out = {{"deliveries", std::move(list)}};
  if (!p.next_page_token.empty()) out["next_page_token"] = p.next_page_token;
  return out;
}

json to_json(const DeliveryAttempt& a, const std::string& body) {
  json j = {{"number", a.number},
            {"time", timestamp_or_null(a.time)},
            {"duration_ms", a.duration_ms},
            {"url", a.url},
            {"request", {{"headers", headers_json(a.request_headers)}, {"body", body}}},
            {"response", json()},
            {"error", json()}};
  if (a.response_status != 0) {
    j["response"] = {{"status", a.response_status},
                     {"headers", headers_json(a.response_headers)},
                     {"body", a.response_body},
                     {"truncated", a.response_truncated}};
  }
  if (!a.error.empty()) {
    j["error"] = {{"kind", a.error_kind.empty() ? "http" : a.error_kind}, {"message", a.error}};
  }
  return j;
}

json to_json(const DeliveryDetail& d) {
  json j = to_json(d.delivery);
  json payload = json::parse(d.event.payload, nullptr, false);
  j["payload"] = payload.is_discarded() ? json(d.event.payload) : payload;
  json attempts = json::array();
  for (const auto& a : d.attempts) attempts.push_back(to_json(a, d.event.payload));
  j["attempts"] = std::move(attempts);
  return j;
}

json to_json(const WebhookRequest& r) {
  json j = json::object();
  if (r.url) j["url"] = *r.url;
  if (r.events) j["events"] = *r.events;
  if (r.module) j["module"] = or_null(*r.module);
  if (r.secret) j["secret"] = *r.secret;
  if (r.active) j["active"] = *r.active;
  if (r.headers) j["headers"] = *r.headers;
  if (r.description) j["description"] = *r.description;
  if (r.rotate_secret) j["rotate_secret"] = true;
  return j;
}

Result<WebhookRequest> parse_webhook_request(const json& body) {
  SPOKE_RETURN_IF_ERROR(reject_unknown_fields(
      body,
      {"url", "events", "module", "secret", "active", "headers", "description", "rotate_secret"},
      "a webhook has url, events, module, secret, active, headers, description (and, to change "
      "one, rotate_secret)"));
  WebhookRequest r;
  auto text = [&](const char* key, std::optional<std::string>& out) -> Status {
    auto it = body.find(key);
    if (it == body.end()) return Status::OK();
    std::string value;
    SPOKE_RETURN_IF_ERROR(read_string(body, key, value));
    out = value;
    return Status::OK();
  };
  SPOKE_RETURN_IF_ERROR(text("url", r.url));
  SPOKE_RETURN_IF_ERROR(text("module", r.module));
  SPOKE_RETURN_IF_ERROR(text("secret", r.secret));
  SPOKE_RETURN_IF_ERROR(text("description", r.description));
  if (auto it = body.find("events"); it != body.end() && !it->is_null()) {
    std::vector<std::string> events;
    if (it->is_string()) {
      events.push_back(it->get<std::string>());
    } else if (it->is_array()) {
      for (const auto& e : *it) {
        if (!e.is_string()) return wrong_type("events", "a list of event types, or \"*\"");
        events.push_back(e.get<std::string>());
      }
    } else {
      return wrong_type("events", "a list of event types, or \"*\"");
    }
    r.events = std::move(events);
  }
  if (auto it = body.find("active"); it != body.end() && !it->is_null()) {
    bool active = true;
    SPOKE_RETURN_IF_ERROR(read_bool(body, "active", active));
    r.active = active;
  }
  if (auto it = body.find("headers"); it != body.end() && !it->is_null()) {
    if (!it->is_object()) return wrong_type("headers", "an object of header names and values");
    std::map<std::string, std::string> headers;
    for (const auto& [k, v] : it->items()) {
      if (!v.is_string()) return wrong_type("headers." + k, "a string");
      headers[k] = v.get<std::string>();
    }
    r.headers = std::move(headers);
  }
  SPOKE_RETURN_IF_ERROR(read_bool(body, "rotate_secret", r.rotate_secret));
  return r;
}

Result<Webhook> webhook_from_json(const json& j) {
  return read_response<Webhook>("webhook", [&] { return read_webhook(j); });
}

Result<CreatedWebhook> created_webhook_from_json(const json& j) {
  return read_response<CreatedWebhook>("webhook", [&] {
    return CreatedWebhook{read_webhook(j), j.value("secret", "")};
  });
}

Result<std::vector<Webhook>> webhooks_from_json(const json& j) {
  return read_response<std::vector<Webhook>>("webhooks", [&] {
    std::vector<Webhook> out;
    for (const auto& w : j.at("webhooks")) out.push_back(read_webhook(w));
    return out;
  });
}

Result<WebhookDelivery> delivery_from_json(const json& j) {
  return read_response<WebhookDelivery>("delivery", [&] { return read_delivery(j); });
}

Result<DeliveryPage> delivery_page_from_json(const json& j) {
  return read_response<DeliveryPage>("deliveries", [&] {
    DeliveryPage p;
    for (const auto& d : j.at("deliveries")) p.deliveries.push_back(read_delivery(d));
    p.next_page_token = j.value("next_page_token", "");
    return p;
  });
}

Result<DeliveryDetail> delivery_detail_from_json(const json& j) {
  return read_response<DeliveryDetail>("delivery", [&] {
    DeliveryDetail out;
    out.delivery = read_delivery(j);
    out.event.id = out.delivery.event_id;
    out.event.type = out.delivery.event_type;
    out.event.module = out.delivery.module;
    const json& payload = j.at("payload");
    out.event.payload = payload.is_string() ? payload.get<std::string>() : dump(payload);
    for (const auto& a : j.at("attempts")) {
      DeliveryAttempt attempt;
      attempt.delivery_id = out.delivery.id;
      attempt.number = a.at("number").get<std::int64_t>();
      attempt.time = parse_timestamp(a.value("time", json()));
      attempt.duration_ms = a.value("duration_ms", std::int64_t{0});
      attempt.url = a.value("url", "");
      attempt.request_headers = read_headers(a.at("request").value("headers", json::object()));
      if (a.contains("response") && a["response"].is_object()) {
        const json& r = a["response"];
        attempt.response_status = r.at("status").get<int>();
        attempt.response_headers = read_headers(r.value("headers", json::object()));
        attempt.response_body = r.value("body", "");
        attempt.response_truncated = r.value("truncated", false);
      }
      if (a.contains("error") && a["error"].is_object()) {
        std::string kind = a["error"].value("kind", "");
        attempt.error_kind = kind == "http" ? "" : kind;
        attempt.error = a["error"].value("message", "");
      }
      out.attempts.push_back(std::move(attempt));
    }
    return out;
  });
}

}  // namespace spoke::rest
