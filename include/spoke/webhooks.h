#pragma once

// Webhooks: subscriptions to the registry's events (module.created, version.pushed,
// version.rejected, compile.finished, policy.changed), delivered as JSON bodies signed by the
// Standard Webhooks specification (standardwebhooks.com) from an outbox the changes themselves
// write (spoke/storage.h, Journal), with retries, exponential backoff and a log of every attempt.
// The value types are in spoke/webhook_types.h; docs/webhooks.md describes the wire format.

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"
#include "spoke/webhook_types.h"

namespace spoke {

class Registry;

namespace webhooks {

inline constexpr std::string_view kSecretPrefix = "whsec_";

// "whsec_" followed by the base64 of 32 random bytes (OpenSSL RAND_bytes).
std::string generate_secret();
// OK for "whsec_" followed by the base64 of 24 to 64 bytes, as the specification recommends;
// InvalidArgument("invalid_secret") saying what is wrong otherwise.
Status validate_secret(std::string_view secret);
// The value of the webhook-signature header for a message: "v1,<base64 of HMAC-SHA256 of
// "<id>.<timestamp>.<body>" keyed with the secret's decoded bytes>". InvalidArgument
// ("invalid_secret") for a malformed secret.
Result<std::string> sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                         std::string_view body);
// What a receiver does: OK when `signature_header` (space-separated "v1,<base64>" entries) holds
// the signature of (id, timestamp, body) and `timestamp` is within `tolerance` of `now` (both
// seconds since the epoch). Unauthenticated saying why otherwise.
Status verify(std::string_view secret, std::string_view id, std::string_view timestamp,
              std::string_view signature_header, std::string_view body, std::int64_t now,
              std::chrono::seconds tolerance = std::chrono::minutes(5));

// True for addresses a delivery may not reach without --webhook-allow-private: loopback,
// private (RFC 1918, unique local), link-local, carrier-grade NAT, unspecified, multicast and
// reserved ranges, and IPv4 addresses mapped into IPv6 from those. `address` is a numeric IPv4
// or IPv6 address; anything else is not private.
bool is_private_address(std::string_view address);

// "Authorization", "Cookie" and names holding "token", "secret", "key" or "password": values
// shown as "[redacted]" in listings and the delivery log.
bool is_sensitive_header(std::string_view name);

}  // namespace webhooks

// A subscription as asked for: POST /webhooks (url required; events default to every event) or
// PATCH /webhooks/{id} (absent fields are left as they are).
struct WebhookRequest {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> events;
  std::optional<std::string> module;
  std::optional<std::string> secret;  // absent on creation: one is generated
  std::optional<bool> active;
  std::optional<std::map<std::string, std::string>> headers;
  std::optional<std::string> description;
  bool rotate_secret = false;  // PATCH: generate a new secret
};

// A subscription just made or changed: `secret` is set when it was generated or rotated, and is
// shown this once.
struct CreatedWebhook {
  Webhook webhook;
  std::string secret;
};

// Which deliveries of a subscription to list, as a client gives them.
struct DeliveryFilter {
  std::string status;     // "pending", "succeeded", "failed"; empty: any
  std::string event;      // an event type; empty: any
  std::size_t limit = 0;  // 1..1000; 0: 100
  std::string page_token;
};

// One page of deliveries, newest first.
struct DeliveryPage {
  std::vector<WebhookDelivery> deliveries;
  std::string next_page_token;  // empty on the last page
};

// A delivery with its event and every attempt.
struct DeliveryDetail {
  WebhookDelivery delivery;
  WebhookEvent event;
  std::vector<DeliveryAttempt> attempts;
};

// What one attempt came to, as the service reports it to an observer (metrics).
struct AttemptReport {
  std::string webhook_id;
  std::string event_type;
  // "succeeded", "retrying" (failed, another attempt follows), "failed" (final).
  std::string outcome;
  int status = 0;          // HTTP status; 0 without an answer
  std::string error_kind;  // as DeliveryAttempt::error_kind
  std::chrono::milliseconds duration{0};
};

struct WebhookOptions {
  int workers = 4;  // delivery threads: a slow receiver holds one of them at most per attempt
  // Attempts per delivery before it fails, and the delay before the second: each further one
  // doubles, up to backoff_cap, with +-20% jitter (a Retry-After answer sets it instead).
  int max_attempts = 12;
  std::chrono::milliseconds backoff_base{60 * 1000};
  std::chrono::milliseconds backoff_cap{8 * 60 * 60 * 1000};
  std::chrono::milliseconds timeout{10 * 1000};  // per attempt: connecting, sending, the answer
  // A subscription whose deliveries have failed for this long is paused (0: never).
  std::chrono::milliseconds pause_after{5LL * 24 * 60 * 60 * 1000};
  bool allow_private = false;              // may deliveries reach loopback and private addresses
  std::size_t response_limit = 16 * 1024;  // bytes of a response body kept in the log
  // How often idle delivery threads look for due deliveries (events of other processes, retries).
  std::chrono::milliseconds poll_interval{1000};
  // Finished deliveries, their attempts and events older than this many days are deleted, once
  // at start and hourly (0: kept forever).
  int retention_days = 30;
  // Told of every attempt (e.g. for metrics); called on a delivery thread, must be quick.
  std::function<void(const AttemptReport&)> observer;
};

// Subscriptions, their delivery logs, and the delivery threads, over a registry's store. Any
// number of processes sharing the store deliver together: each delivery is claimed by one of
// them at a time. Thread-safe.
class WebhookService {
 public:
  WebhookService(Registry& registry, WebhookOptions options);
  ~WebhookService();  // stop()
  WebhookService(const WebhookService&) = delete;
  WebhookService& operator=(const WebhookService&) = delete;

  const WebhookOptions& options() const;

  // Starts the delivery threads (and retention). InvalidArgument for options out of range.
  Status start();
  // Stops claiming, lets attempts in flight finish (each bounded by the timeout), and hands back
  // what this process holds for any process to send.
  void stop();

  // The changes below take an optional AuditRecord, stored with the change (see AuditRecord).

  // InvalidArgument("missing_field" for the url, "invalid_url", "invalid_event",
  // "invalid_module_filter", "invalid_secret", "invalid_header").
  Result<CreatedWebhook> create(const WebhookRequest& request, const std::string& creator,
                                AuditRecord* audit = nullptr);
  // Every subscription, oldest first, without secrets.
  Result<std::vector<Webhook>> list();
  // Without its secret. NotFound("webhook_not_found").
  Result<Webhook> get(const std::string& id);
  // Changes what `patch` sets. Setting active resumes a paused subscription and clears its
  // failure state. Errors as create, and NotFound("webhook_not_found").
  Result<CreatedWebhook> update(const std::string& id, const WebhookRequest& patch,
                                AuditRecord* audit = nullptr);
  // Deletes it with its deliveries and their attempts. NotFound("webhook_not_found").
  Status remove(const std::string& id, AuditRecord* audit = nullptr);

  // InvalidArgument("invalid_status", "invalid_limit", "invalid_page_token");
  // NotFound("webhook_not_found").
  Result<DeliveryPage> list_deliveries(const std::string& webhook_id, const DeliveryFilter& filter);
  // NotFound("webhook_not_found", "delivery_not_found").
  Result<DeliveryDetail> get_delivery(const std::string& webhook_id,
                                      const std::string& delivery_id);
  // Sends a delivery again (same webhook-id), even to a paused subscription, with a fresh round
  // of retries. Conflict("delivery_in_flight"); NotFound as get_delivery.
  Result<WebhookDelivery> redeliver(const std::string& webhook_id, const std::string& delivery_id,
                                    AuditRecord* audit = nullptr);
  // Sends a ping event to this subscription only (paused or not). NotFound("webhook_not_found").
  Result<WebhookDelivery> ping(const std::string& webhook_id, AuditRecord* audit = nullptr);

  // Deletes what retention_days says is old now. Returns what went.
  Result<PruneCounts> prune();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace spoke
