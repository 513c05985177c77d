#include "storage/webhook_records.h"

#include <openssl/rand.h>

#include <array>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "spoke/auth.h"

namespace spoke {

const std::vector<std::string>& subscribable_event_types() {
  static const std::vector<std::string> all = {
      std::string(kEventModuleCreated), std::string(kEventVersionPushed),
      std::string(kEventVersionRejected), std::string(kEventCompileFinished),
      std::string(kEventPolicyChanged)};
  return all;
}

namespace internal {

std::string random_id(std::string_view prefix) {
  std::array<unsigned char, 10> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for an id");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(prefix);
  for (unsigned char b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 0xf]);
  }
  return out;
}

bool webhook_matches(const Webhook& webhook, const WebhookEvent& event) {
  if (!webhook.module.empty() && !auth::glob_match(webhook.module, event.module)) return false;
  for (const auto& pattern : webhook.events) {
    if (auth::glob_match(pattern, event.type)) return true;
  }
  return false;
}

std::vector<WebhookDelivery> fan_out(const JournalEvent& event,
                                     const std::vector<Webhook>& webhooks, Timestamp now) {
  std::vector<WebhookDelivery> out;
  for (const auto& w : webhooks) {
    bool targeted = !event.only_webhook.empty();
    if (targeted ? w.id != event.only_webhook : !(w.active && webhook_matches(w, event.event))) {
      continue;
    }
    WebhookDelivery d;
    d.id = random_id("msg_");
    d.webhook_id = w.id;
    d.event_id = event.event.id;
    d.event_type = event.event.type;
    d.module = event.event.module;
    d.manual = targeted;
    d.created_at = now;
    d.next_attempt_at = now;
    out.push_back(std::move(d));
  }
  return out;
}

void apply_attempt(WebhookDelivery& d, const AttemptRecord& r, Timestamp now) {
  d.attempts = r.attempt.number;
  d.status = r.status;
  d.owner.clear();
  d.lease_expires_at = 0;
  d.last_status = r.attempt.response_status;
  d.last_error = r.attempt.error;
  if (r.status == DeliveryStatus::kPending) {
    d.next_attempt_at = now + r.retry_in.count();
  } else {
    d.finished_at = now;
  }
}

void apply_attempt(Webhook& w, const AttemptRecord& r, Timestamp now) {
  if (r.status == DeliveryStatus::kSucceeded) {
    w.failing_since = 0;
    if (w.active) w.status_reason.clear();
    return;
  }
  if (w.failing_since == 0) w.failing_since = now;
  if (!w.active) return;  // paused: its reason stays
  std::string last =
      r.attempt.error.empty() ? fmt::format("HTTP {}", r.attempt.response_status) : r.attempt.error;
  if (r.pause_after.count() > 0 && now - w.failing_since >= r.pause_after.count()) {
    w.active = false;
    w.status_reason = fmt::format("paused at {}: deliveries have failed since {}; last: {}",
                                  format_timestamp(now), format_timestamp(w.failing_since), last);
  } else {
    w.status_reason = "last delivery failed: " + last;
  }
}

void apply_redelivery(WebhookDelivery& d, Timestamp now) {
  d.status = DeliveryStatus::kPending;
  d.round_start = d.attempts;
  d.manual = true;
  d.next_attempt_at = now;
  d.finished_at = 0;
  d.owner.clear();
  d.lease_expires_at = 0;
}

std::string headers_to_text(const HeaderList& headers) {
  nlohmann::json j = nlohmann::json::array();
  for (const auto& [k, v] : headers) j.push_back({k, v});
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

HeaderList headers_from_text(const std::string& text) {
  HeaderList out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& pair : j) {
    if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
      out.emplace_back(pair[0].get<std::string>(), pair[1].get<std::string>());
    }
  }
  return out;
}

std::string header_map_to_text(const std::map<std::string, std::string>& headers) {
  return nlohmann::json(headers).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::map<std::string, std::string> header_map_from_text(const std::string& text) {
  std::map<std::string, std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return out;
  for (const auto& [k, v] : j.items()) {
    if (v.is_string()) out[k] = v.get<std::string>();
  }
  return out;
}

std::string strings_to_text(const std::vector<std::string>& values) {
  return nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::vector<std::string> strings_from_text(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_array()) return out;
  for (const auto& v : j) {
    if (v.is_string()) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace internal
}  // namespace spoke
