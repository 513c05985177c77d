// WebhookService: subscriptions and their delivery logs over the store, and the threads that
// claim due deliveries, sign and send them, and record each attempt.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <random>
#include <thread>

#include "metrics/library_metrics.h"
#include "registry/registry_access.h"
#include "spoke/auth.h"
#include "spoke/log.h"
#include "spoke/registry.h"
#include "spoke/storage.h"
#include "spoke/webhooks.h"
#include "storage/webhook_records.h"
#include "util/paging.h"
#include "webhooks/events.h"
#include "webhooks/sender.h"

namespace spoke {
namespace {

constexpr std::size_t kMaxDescription = 1000;
constexpr std::size_t kMaxHeaders = 32;
// Headers a subscription may not set: the signature's, the event's, and HTTP's framing.
constexpr const char* kReservedHeaders[] = {"webhook-id",
                                            "webhook-timestamp",
                                            "webhook-signature",
                                            "x-spoke-event",
                                            "content-type",
                                            "content-length",
                                            "transfer-encoding",
                                            "connection",
                                            "host",
                                            "content-encoding",
                                            "te",
                                            "upgrade",
                                            "keep-alive",
                                            "trailer"};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

Status invalid(std::string message, const char* why) {
  return Status::InvalidArgument(std::move(message), why);
}

Status check_events(const std::vector<std::string>& events) {
  if (events.empty()) {
    return invalid("events must name at least one event type, or \"*\" for every event",
                   reason::kInvalidEvent);
  }
  const auto& known = subscribable_event_types();
  for (const auto& pattern : events) {
    bool matches = std::any_of(known.begin(), known.end(), [&](const std::string& type) {
      return auth::glob_match(pattern, type);
    });
    if (!matches) {
      std::string names;
      for (const auto& t : known) names += (names.empty() ? "" : ", ") + t;
      return invalid(fmt::format("event \"{}\" matches no event type; the types are {} (or a "
                                 "glob of them such as \"version.*\", or \"*\")",
                                 pattern, names),
                     reason::kInvalidEvent);
    }
  }
  return Status::OK();
}

Status check_headers(const std::map<std::string, std::string>& headers) {
  if (headers.size() > kMaxHeaders) {
    return invalid(fmt::format("at most {} extra headers", kMaxHeaders), reason::kInvalidHeader);
  }
  static constexpr std::string_view kTokenChars = "!#$%&'*+-.^_`|~";
  for (const auto& [name, value] : headers) {
    bool ok = !name.empty() && name.size() <= 256;
    for (char c : name) {
      ok = ok && (std::isalnum(static_cast<unsigned char>(c)) ||
                  kTokenChars.find(c) != std::string_view::npos);
    }
    if (!ok) {
      return invalid(fmt::format("header name \"{}\" is not a valid HTTP header name", name),
                     reason::kInvalidHeader);
    }
    std::string l = lower(name);
    for (const char* reserved : kReservedHeaders) {
      if (l == reserved) {
        return invalid(fmt::format("header \"{}\" is set by the delivery itself", name),
                       reason::kInvalidHeader);
      }
    }
    if (value.size() > 8192 || std::any_of(value.begin(), value.end(), [](char c) {
          return c == '\r' || c == '\n' || c == '\0';
        })) {
      return invalid(fmt::format("the value of header \"{}\" must be one line of at most 8192 "
                                 "bytes",
                                 name),
                     reason::kInvalidHeader);
    }
  }
  return Status::OK();
}

// The subscription `w` after `r`, checked. `creating`: the url is required and a secret made.
Result<std::string> apply_request(Webhook& w, const WebhookRequest& r, bool creating,
                                  bool allow_private) {
  std::string new_secret;
  if (r.url) {
    auto url = internal::parse_webhook_url(*r.url);
    if (!url.ok()) return url.status();
    // A numeric private address can be refused now; names are checked when resolved.
    if (!allow_private && webhooks::is_private_address(url->host)) {
      return invalid(fmt::format("webhook URL \"{}\": {} is a loopback, private or link-local "
                                 "address; deliveries there need spoke-server "
                                 "--webhook-allow-private",
                                 *r.url, url->host),
                     reason::kInvalidUrl);
    }
    w.url = *r.url;
  } else if (creating) {
    return Status::InvalidArgument("field \"url\" is required: where to send the events",
                                   reason::kMissingField);
  }
  if (r.events) {
    SPOKE_RETURN_IF_ERROR(check_events(*r.events));
    w.events = *r.events;
  } else if (creating) {
    w.events = {"*"};
  }
  if (r.module) {
    if (!auth::validate_scope(*r.module).ok()) {
      return invalid(fmt::format("module filter \"{}\" is not a module name or a glob of one "
                                 "(\"acme-*\"); leave it out for every module",
                                 *r.module),
                     reason::kInvalidModuleFilter);
    }
    w.module = *r.module;
  }
  if (r.secret && r.rotate_secret) {
    return invalid("give a secret or ask for a new one (rotate_secret), not both",
                   reason::kInvalidSecret);
  }
  if (r.secret) {
    SPOKE_RETURN_IF_ERROR(webhooks::validate_secret(*r.secret));
    w.secret = *r.secret;
  } else if (creating || r.rotate_secret) {
    new_secret = webhooks::generate_secret();
    w.secret = new_secret;
  }
  if (r.headers) {
    SPOKE_RETURN_IF_ERROR(check_headers(*r.headers));
    w.headers = *r.headers;
  }
  if (r.description) {
    if (r.description->size() > kMaxDescription) {
      return Status::InvalidArgument(
          fmt::format("description is longer than {} bytes", kMaxDescription),
          reason::kInvalidField);
    }
    w.description = *r.description;
  }
  if (r.active) {
    // Resuming starts afresh: the failures that paused it are history.
    if (*r.active && !w.active) {
      w.failing_since = 0;
      w.status_reason.clear();
    }
    if (!*r.active && w.active) w.status_reason.clear();
    w.active = *r.active;
  }
  return new_secret;
}

Webhook without_secret(Webhook w) {
  w.secret.clear();
  return w;
}

std::uint64_t random_u64() {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  std::lock_guard lock(mu);
  return rng();
}

std::string new_owner_id() {
  char host[256] = {};
  if (::gethostname(host, sizeof host - 1) != 0) host[0] = '\0';
  return fmt::format("{}:{}:{:08x}", host, ::getpid(), random_u64() & 0xffffffffu);
}

}  // namespace

struct WebhookService::Impl {
  Impl(Registry& r, WebhookOptions o)
      : registry(r), options(std::move(o)), store(internal::RegistryAccess::metadata(r)) {}

  void dispatch();
  void send_loop();
  void attempt(const ClaimedDelivery& claimed);
  std::chrono::milliseconds backoff(std::int64_t round_attempts) const;
  void wake() {
    {
      std::lock_guard lock(mu);
      ++wakeups;
    }
    cv.notify_all();
  }
  Result<Webhook> find(const std::string& id) { return store.get_webhook(id); }
  Result<WebhookDelivery> find_delivery(const std::string& webhook_id,
                                        const std::string& delivery_id) {
    SPOKE_RETURN_IF_ERROR(find(webhook_id).status());
    auto d = store.get_delivery(delivery_id);
    if (!d.ok()) return d.status();
    if (d->webhook_id != webhook_id) return internal::delivery_not_found(delivery_id);
    return d;
  }

  Registry& registry;
  WebhookOptions options;
  MetadataStore& store;
  const std::string owner = new_owner_id();
  std::chrono::milliseconds lease() const { return options.timeout + std::chrono::seconds(60); }

  std::mutex stop_mu;
  std::mutex mu;
  std::condition_variable cv;       // the dispatcher: wake-ups, a sender going idle, stop
  std::condition_variable work_cv;  // the senders: claimed deliveries, stop
  std::deque<ClaimedDelivery> queue;
  int idle = 0;
  std::size_t wakeups = 0;
  bool stopping = false;
  bool started = false;
  bool subscribed = false;
  std::vector<std::thread> threads;
};

WebhookService::WebhookService(Registry& registry, WebhookOptions options)
    : impl_(std::make_shared<Impl>(registry, std::move(options))) {}

WebhookService::~WebhookService() { stop(); }

const WebhookOptions& WebhookService::options() const { return impl_->options; }

Status WebhookService::start() {
  const WebhookOptions& o = impl_->options;
  if (o.workers < 1 || o.max_attempts < 1 || o.backoff_base.count() < 0 || o.timeout.count() <= 0 ||
      o.poll_interval.count() <= 0 || o.retention_days < 0 || o.pause_after.count() < 0) {
    return Status::InvalidArgument(
        "webhook options out of range: workers and attempts at least 1, a positive timeout and "
        "poll interval, no negative delays or retention",
        reason::kInvalidParameter);
  }
  std::lock_guard lock(impl_->mu);
  if (impl_->started) return Status::OK();
  impl_->started = true;
  impl_->stopping = false;
  if (!impl_->subscribed) {
    impl_->subscribed = true;
    std::weak_ptr<Impl> weak = impl_;
    // A change in this process may have written deliveries: look now rather than at the next poll.
    impl_->registry.subscribe([weak](const RegistryEvent&) {
      if (auto impl = weak.lock()) impl->wake();
    });
  }
  Impl* impl = impl_.get();
  impl->threads.emplace_back([impl] { impl->dispatch(); });
  for (int i = 0; i < o.workers; ++i) impl->threads.emplace_back([impl] { impl->send_loop(); });
  return Status::OK();
}

void WebhookService::stop() {
  // One stopper at a time, and each returns only once the threads are gone.
  std::lock_guard stopping_lock(impl_->stop_mu);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(impl_->mu);
    if (!impl_->started) return;
    impl_->stopping = true;
    threads = std::move(impl_->threads);
  }
  impl_->cv.notify_all();
  impl_->work_cv.notify_all();
  for (auto& t : threads) t.join();
  {
    std::lock_guard lock(impl_->mu);
    impl_->queue.clear();
    impl_->started = false;
  }
  // What was claimed here and not sent goes back for any process.
  auto released = impl_->store.release_deliveries(impl_->owner);
  if (!released.ok()) {
    log::write(log::Level::kError, "webhooks: cannot hand back deliveries",
               {{"error", released.status().to_string()}});
  }
}

void WebhookService::Impl::dispatch() {
  auto next_prune = std::chrono::steady_clock::now();
  std::unique_lock lock(mu);
  while (!stopping) {
    if (options.retention_days > 0 && std::chrono::steady_clock::now() >= next_prune) {
      next_prune = std::chrono::steady_clock::now() + std::chrono::hours(1);
      lock.unlock();
      Timestamp before = now_ms() - static_cast<Timestamp>(options.retention_days) * 86400000;
      auto pruned = store.prune_webhook_log(before);
      if (!pruned.ok()) {
        log::write(log::Level::kError, "webhooks: retention failed",
                   {{"error", pruned.status().to_string()}});
      }
      lock.lock();
      continue;
    }
    int free = idle - static_cast<int>(queue.size());
    wakeups = 0;
    if (free > 0) {
      lock.unlock();
      auto claimed = store.claim_deliveries(owner, lease(), static_cast<std::size_t>(free));
      lock.lock();
      if (!claimed.ok()) {
        log::write(log::Level::kError, "webhooks: cannot claim deliveries",
                   {{"error", claimed.status().to_string()}});
      } else if (!claimed->empty()) {
        for (auto& c : claimed.value()) queue.push_back(std::move(c));
        work_cv.notify_all();
        // As many as there was room for: there may be more.
        if (claimed->size() == static_cast<std::size_t>(free)) continue;
      }
    }
    cv.wait_for(lock, options.poll_interval, [&] {
      return stopping || wakeups > 0 || idle - static_cast<int>(queue.size()) > free;
    });
  }
}

void WebhookService::Impl::send_loop() {
  std::unique_lock lock(mu);
  for (;;) {
    ++idle;
    cv.notify_all();
    work_cv.wait(lock, [&] { return stopping || !queue.empty(); });
    --idle;
    if (stopping) return;
    ClaimedDelivery claimed = std::move(queue.front());
    queue.pop_front();
    lock.unlock();
    attempt(claimed);
    lock.lock();
  }
}

std::chrono::milliseconds WebhookService::Impl::backoff(std::int64_t round_attempts) const {
  double delay = static_cast<double>(options.backoff_base.count());
  for (std::int64_t i = 1; i < round_attempts && delay < options.backoff_cap.count(); ++i) {
    delay *= 2;
  }
  delay = std::min(delay, static_cast<double>(options.backoff_cap.count()));
  // +-20%: deliveries that failed together do not come back together.
  double jitter = 0.8 + 0.4 * static_cast<double>(random_u64() % 10001) / 10000.0;
  return std::chrono::milliseconds(static_cast<std::int64_t>(delay * jitter));
}

void WebhookService::Impl::attempt(const ClaimedDelivery& claimed) {
  const WebhookDelivery& d = claimed.delivery;
  const Webhook& w = claimed.webhook;
  AttemptRecord record;
  record.owner = owner;
  record.pause_after = options.pause_after;
  DeliveryAttempt& a = record.attempt;
  a.delivery_id = d.id;
  a.number = d.attempts + 1;
  a.time = now_ms();
  a.url = w.url;

  std::int64_t timestamp = a.time / 1000;
  auto signature = webhooks::sign(w.secret, d.id, timestamp, claimed.payload);
  internal::SendRequest request;
  request.url = w.url;
  request.body = claimed.payload;
  request.timeout = options.timeout;
  request.allow_private = options.allow_private;
  request.response_limit = options.response_limit;
  request.headers = {{"Content-Type", "application/json"},
                     {"User-Agent", "spoke-webhooks"},
                     {"webhook-id", d.id},
                     {"webhook-timestamp", std::to_string(timestamp)},
                     {"webhook-signature", signature.ok() ? signature.value() : ""},
                     {"X-Spoke-Event", d.event_type}};
  for (const auto& [k, v] : w.headers) request.headers.emplace_back(k, v);
  for (const auto& [k, v] : request.headers) {
    a.request_headers.emplace_back(
        k, webhooks::is_sensitive_header(k) && w.headers.count(k) != 0 ? "[redacted]" : v);
  }

  internal::SendResult result;
  if (!signature.ok()) {
    result.error_kind = "blocked";
    result.error = "the subscription's secret cannot sign: " + signature.status().message();
  } else {
    result = internal::send_webhook(request);
  }
  a.duration_ms = result.duration_ms;
  a.response_status = result.status;
  a.response_headers = result.response_headers;
  a.response_body = std::move(result.response_body);
  a.response_truncated = result.truncated;
  a.error_kind = result.error_kind;
  a.error = result.error;

  const int status = result.status;
  bool succeeded = result.error_kind.empty() && status >= 200 && status < 300;
  bool retryable;
  if (!result.error_kind.empty()) {
    retryable = result.error_kind != "blocked";
  } else {
    retryable = status == 408 || status == 429 || status >= 500;
    if (!succeeded) {
      a.error = status >= 300 && status < 400
                    ? fmt::format(
                          "HTTP {}: redirects are not followed; point the webhook at the "
                          "final URL",
                          status)
                    : fmt::format("HTTP {}", status);
    }
  }
  std::int64_t round_attempts = a.number - d.round_start;
  if (succeeded) {
    record.status = DeliveryStatus::kSucceeded;
  } else if (retryable && round_attempts < options.max_attempts) {
    record.status = DeliveryStatus::kPending;
    record.retry_in = backoff(round_attempts);
    if (result.retry_after && (status == 429 || status == 503)) {
      record.retry_in = std::min(*result.retry_after, options.backoff_cap);
    }
  } else {
    record.status = DeliveryStatus::kFailed;
    if (retryable) {
      a.error += fmt::format(" (gave up after {} attempt{})", round_attempts,
                             round_attempts == 1 ? "" : "s");
    }
  }
  Status s = store.record_attempt(record);
  if (!s.ok()) {
    log::write(log::Level::kError, "webhooks: an attempt was not recorded",
               {{"delivery_id", d.id}, {"attempt", a.number}, {"error", s.to_string()}});
  }
  const char* outcome = succeeded                                   ? "succeeded"
                        : record.status == DeliveryStatus::kPending ? "retrying"
                                                                    : "failed";
  auto& metrics = internal::library_metrics();
  metrics.webhook_deliveries.with({outcome}).inc();
  metrics.webhook_delivery_duration.with({outcome}).observe(static_cast<double>(a.duration_ms) /
                                                            1000.0);
  if (options.observer) {
    AttemptReport report;
    report.webhook_id = w.id;
    report.event_type = d.event_type;
    report.outcome = outcome;
    report.status = status;
    report.error_kind = a.error_kind;
    report.duration = std::chrono::milliseconds(a.duration_ms);
    options.observer(report);
  }
}

// ---- subscriptions and the log ------------------------------------------------------------

Result<CreatedWebhook> WebhookService::create(const WebhookRequest& request,
                                              const std::string& creator, AuditRecord* audit) {
  Webhook w;
  auto secret = apply_request(w, request, true, impl_->options.allow_private);
  if (!secret.ok()) return secret.status();
  w.id = internal::random_id("wh_");
  w.creator = creator.empty() ? "anonymous" : creator;
  w.created_at = w.updated_at = now_ms();
  SPOKE_RETURN_IF_ERROR(impl_->store.insert_webhook(w, internal::journal_with(audit)));
  internal::mark_written(audit);
  return CreatedWebhook{without_secret(w), std::move(secret).value()};
}

Result<std::vector<Webhook>> WebhookService::list() {
  auto all = impl_->store.list_webhooks();
  if (!all.ok()) return all.status();
  for (auto& w : all.value()) w.secret.clear();
  return all;
}

Result<Webhook> WebhookService::get(const std::string& id) {
  auto w = impl_->find(id);
  if (!w.ok()) return w.status();
  return without_secret(std::move(w).value());
}

Result<CreatedWebhook> WebhookService::update(const std::string& id, const WebhookRequest& patch,
                                              AuditRecord* audit) {
  auto w = impl_->find(id);
  if (!w.ok()) return w.status();
  bool resumed = patch.active && *patch.active && !w->active;
  auto secret = apply_request(w.value(), patch, false, impl_->options.allow_private);
  if (!secret.ok()) return secret.status();
  w->updated_at = now_ms();
  SPOKE_RETURN_IF_ERROR(impl_->store.update_webhook(w.value(), internal::journal_with(audit)));
  internal::mark_written(audit);
  if (resumed) impl_->wake();
  return CreatedWebhook{without_secret(std::move(w).value()), std::move(secret).value()};
}

Status WebhookService::remove(const std::string& id, AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(impl_->store.delete_webhook(id, internal::journal_with(audit)));
  internal::mark_written(audit);
  return Status::OK();
}

Result<DeliveryPage> WebhookService::list_deliveries(const std::string& webhook_id,
                                                     const DeliveryFilter& filter) {
  SPOKE_RETURN_IF_ERROR(impl_->find(webhook_id).status());
  DeliveryQuery q;
  q.webhook_id = webhook_id;
  if (!filter.status.empty()) {
    q.status = parse_delivery_status(filter.status);
    if (!q.status) {
      return invalid(
          fmt::format("status \"{}\" is not pending, succeeded or failed", filter.status),
          reason::kInvalidStatus);
    }
  }
  q.event_type = filter.event;
  auto fetch = internal::page_fetch_size(filter.limit);
  if (!fetch.ok()) return fetch.status();
  q.limit = fetch.value();
  auto before = internal::parse_page_token(filter.page_token);
  if (!before.ok()) return before.status();
  q.before_sequence = before.value();
  auto found = impl_->store.list_deliveries(q);
  if (!found.ok()) return found.status();
  DeliveryPage page;
  page.deliveries = std::move(found).value();
  page.next_page_token = internal::finish_page(page.deliveries, q.limit,
                                               [](const WebhookDelivery& d) { return d.sequence; });
  return page;
}

Result<DeliveryDetail> WebhookService::get_delivery(const std::string& webhook_id,
                                                    const std::string& delivery_id) {
  auto d = impl_->find_delivery(webhook_id, delivery_id);
  if (!d.ok()) return d.status();
  auto e = impl_->store.get_event(d->event_id);
  if (!e.ok()) return e.status();
  auto attempts = impl_->store.list_attempts(delivery_id);
  if (!attempts.ok()) return attempts.status();
  return DeliveryDetail{std::move(d).value(), std::move(e).value(), std::move(attempts).value()};
}

Result<WebhookDelivery> WebhookService::redeliver(const std::string& webhook_id,
                                                  const std::string& delivery_id,
                                                  AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(impl_->find_delivery(webhook_id, delivery_id).status());
  SPOKE_RETURN_IF_ERROR(impl_->store.redeliver(delivery_id, internal::journal_with(audit)));
  internal::mark_written(audit);
  impl_->wake();
  return impl_->store.get_delivery(delivery_id);
}

Result<WebhookDelivery> WebhookService::ping(const std::string& webhook_id, AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(impl_->find(webhook_id).status());
  Journal journal = internal::journal_with(audit);
  journal.events.push_back(internal::ping_event(webhook_id));
  const std::string event_id = journal.events.back().event.id;
  SPOKE_RETURN_IF_ERROR(impl_->store.append_journal(journal));
  internal::mark_written(audit);
  impl_->wake();
  DeliveryQuery q;
  q.webhook_id = webhook_id;
  q.event_type = std::string(kEventPing);
  q.limit = 20;
  auto recent = impl_->store.list_deliveries(q);
  if (!recent.ok()) return recent.status();
  for (auto& d : recent.value()) {
    if (d.event_id == event_id) return std::move(d);
  }
  // Deleted between the two statements.
  return internal::webhook_not_found(webhook_id);
}

Result<PruneCounts> WebhookService::prune() {
  if (impl_->options.retention_days == 0) return PruneCounts{};
  Timestamp before = now_ms() - static_cast<Timestamp>(impl_->options.retention_days) * 86400000;
  return impl_->store.prune_webhook_log(before);
}

}  // namespace spoke
