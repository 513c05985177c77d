#pragma once

// Webhooks as stored: subscriptions, the events of the outbox, their deliveries (one per event
// and matching subscription) and every attempt to deliver them. The behaviour (signing, sending,
// retries) is in spoke/webhooks.h.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "spoke/model.h"

namespace spoke {

// The event types a subscription may name. "ping" is sent on request only (POST
// /webhooks/{id}/ping), whatever a subscription names.
inline constexpr std::string_view kEventModuleCreated = "module.created";
inline constexpr std::string_view kEventVersionPushed = "version.pushed";
inline constexpr std::string_view kEventVersionRejected = "version.rejected";
inline constexpr std::string_view kEventCompileFinished = "compile.finished";
inline constexpr std::string_view kEventPolicyChanged = "policy.changed";
inline constexpr std::string_view kEventPing = "ping";

// Every type above but ping, in that order.
const std::vector<std::string>& subscribable_event_types();

// A subscription: where to send which events.
struct Webhook {
  std::string id;                   // "wh_<hex>"
  std::string url;                  // http or https
  std::vector<std::string> events;  // event types, or globs of them ("*": every event)
  std::string module;               // "": every module; else a module name or a glob ("acme-*")
  std::string secret;               // "whsec_<base64>": the HMAC key; never listed
  bool active = true;               // false: paused, its deliveries wait (ping and redeliver aside)
  std::map<std::string, std::string> headers;  // extra headers sent with every delivery
  std::string description;
  std::string creator;  // who made it: a token name, or "anonymous"
  Timestamp created_at = 0;
  Timestamp updated_at = 0;
  // Health: since when its deliveries fail (0: the last attempt succeeded, or none was made), and
  // why (the last failure; when it was paused for failing too long, that).
  Timestamp failing_since = 0;
  std::string status_reason;
};

// One event of the outbox: what is sent, byte for byte, to every subscription it matched.
struct WebhookEvent {
  std::string id;  // "evt_<hex>"
  std::string type;
  std::string module;  // empty for ping
  Timestamp time = 0;
  std::string payload;        // the JSON body: {"id", "type", "time", "data"}
  std::int64_t sequence = 0;  // assigned by the store, ascending
};

enum class DeliveryStatus {
  kPending,    // waiting for its next attempt (or being attempted)
  kSucceeded,  // a 2xx answer
  kFailed,     // a final failure: a 4xx other than 408/429, a redirect, or every attempt failed
};
const char* to_string(DeliveryStatus status);
std::optional<DeliveryStatus> parse_delivery_status(std::string_view text);

// One event for one subscription.
struct WebhookDelivery {
  std::string id;  // "msg_<hex>": the webhook-id header of every attempt
  std::string webhook_id;
  std::string event_id;
  std::string event_type;
  std::string module;
  DeliveryStatus status = DeliveryStatus::kPending;
  std::int64_t attempts = 0;     // attempts made
  std::int64_t round_start = 0;  // attempts made before the last redelivery: retries count on
  bool manual = false;  // a ping or a redelivery: sent even while the subscription is paused
  Timestamp created_at = 0;
  Timestamp next_attempt_at = 0;  // when pending: not before then
  Timestamp finished_at = 0;      // when succeeded or failed
  int last_status = 0;            // HTTP status of the last answer (0: none)
  std::string last_error;         // the last failure, described
  std::int64_t sequence = 0;      // assigned by the store, ascending
  // While an attempt runs: the process holding it and until when (by the store's clock).
  std::string owner;
  Timestamp lease_expires_at = 0;
};

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// One attempt: what was sent and what came back.
struct DeliveryAttempt {
  std::string delivery_id;
  std::int64_t number = 0;  // 1, 2, ... per delivery
  Timestamp time = 0;
  std::int64_t duration_ms = 0;
  std::string url;
  HeaderList request_headers;  // the body is the event's payload
  int response_status = 0;     // 0: no answer
  HeaderList response_headers;
  std::string response_body;  // at most the response limit of the sender
  bool response_truncated = false;
  // Why there was no usable answer: "" (an HTTP answer), "dns", "connect", "tls", "timeout",
  // "closed" (the receiver closed the connection), "blocked" (a private address refused).
  std::string error_kind;
  std::string error;  // the failure described; empty on success
};

// Which deliveries of a subscription to list, newest first.
struct DeliveryQuery {
  std::string webhook_id;
  std::optional<DeliveryStatus> status;
  std::string event_type;            // "": any
  std::int64_t before_sequence = 0;  // 0: from the newest
  std::size_t limit = 100;
};

// A delivery claimed for an attempt, with what sending it needs.
struct ClaimedDelivery {
  WebhookDelivery delivery;
  Webhook webhook;
  std::string payload;
};

// The outcome of an attempt, as the store records it.
struct AttemptRecord {
  DeliveryAttempt attempt;                           // attempt.number: delivery.attempts + 1
  std::string owner;                                 // the claim it was made under
  DeliveryStatus status = DeliveryStatus::kPending;  // pending: retried after `retry_in`
  std::chrono::milliseconds retry_in{0};
  // The subscription is paused when its deliveries have failed for this long (0: never).
  std::chrono::milliseconds pause_after{0};
};

// What a retention pass removed.
struct PruneCounts {
  std::size_t deliveries = 0;
  std::size_t attempts = 0;
  std::size_t events = 0;
};

}  // namespace spoke
