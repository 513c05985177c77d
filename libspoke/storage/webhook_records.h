#pragma once

// What every metadata backend does alike with webhook records: the errors, the fan-out of a
// journal's events to subscriptions, the effect of an attempt on a delivery and on its
// subscription's health, and the JSON text columns hold. Private to libspoke.

#include <fmt/format.h>

#include <string>
#include <string_view>
#include <vector>

#include "spoke/reason.h"
#include "spoke/status.h"
#include "spoke/storage.h"
#include "spoke/webhook_types.h"

namespace spoke::internal {

inline Status webhook_not_found(const std::string& id) {
  return Status::NotFound(fmt::format("webhook {} not found", id), reason::kWebhookNotFound);
}
inline Status webhook_exists(const std::string& id) {
  return Status::Conflict(fmt::format("webhook {} already exists", id), reason::kWebhookExists);
}
inline Status delivery_not_found(const std::string& id) {
  return Status::NotFound(fmt::format("delivery {} not found", id), reason::kDeliveryNotFound);
}
inline Status event_not_found(const std::string& id) {
  return Status::NotFound(fmt::format("event {} not found", id), reason::kEventNotFound);
}
inline Status delivery_in_flight(const std::string& id) {
  return Status::Conflict(
      fmt::format("delivery {} is being attempted right now; redeliver it once that attempt ends",
                  id),
      reason::kDeliveryInFlight);
}
inline Status delivery_lease_lost(const std::string& id, const std::string& owner) {
  return Status::Conflict(
      fmt::format("delivery {} is no longer held by {}: its lease expired or it was released", id,
                  owner),
      reason::kLeaseLost);
}

// "<prefix><20 random hex digits>" (OpenSSL RAND_bytes).
std::string random_id(std::string_view prefix);

// True when `webhook` subscribes to `event`: its event patterns and its module filter match.
bool webhook_matches(const Webhook& webhook, const WebhookEvent& event);

// The deliveries `event` makes among `webhooks` (see JournalEvent::only_webhook), each pending,
// due at `now`, with a new id.
std::vector<WebhookDelivery> fan_out(const JournalEvent& event,
                                     const std::vector<Webhook>& webhooks, Timestamp now);

// The delivery after `record` (made at `now`): attempts counted, lease cleared, due again after
// the retry delay when still pending, finished otherwise.
void apply_attempt(WebhookDelivery& delivery, const AttemptRecord& record, Timestamp now);
// The subscription's health after `record`: a success clears it; a failure marks it failing
// (from its first failure on) and pauses it once it has failed for record.pause_after.
void apply_attempt(Webhook& webhook, const AttemptRecord& record, Timestamp now);
// A delivery made pending again by a redelivery at `now`.
void apply_redelivery(WebhookDelivery& delivery, Timestamp now);

// JSON text columns.
std::string headers_to_text(const HeaderList& headers);
HeaderList headers_from_text(const std::string& text);
std::string header_map_to_text(const std::map<std::string, std::string>& headers);
std::map<std::string, std::string> header_map_from_text(const std::string& text);
std::string strings_to_text(const std::vector<std::string>& values);
std::vector<std::string> strings_from_text(const std::string& text);

}  // namespace spoke::internal
