// spoke webhooks add|list|show|update|remove|deliveries|redeliver|ping: webhook subscriptions
// and their delivery logs (admin).
#include <fmt/format.h>

#include <iostream>

#include "command.h"
#include "spoke/frontend/output.h"
#include "spoke/rest.h"

namespace spoke::cli {
namespace {

std::string when(Timestamp t) { return t == 0 ? "-" : format_timestamp(t); }

std::string state_of(const Webhook& w) {
  if (!w.active) return "paused";
  return w.failing_since != 0 ? "failing" : "active";
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ",") + s;
  return out;
}

void print_webhook(const Webhook& w) {
  std::cout << fmt::format("{} {} {} events {} module {}\n", w.id, state_of(w), w.url,
                           join(w.events), w.module.empty() ? "*" : w.module);
}

void print_webhook_detail(const Webhook& w) {
  std::cout << fmt::format(
      "id           {}\nurl          {}\nevents       {}\nmodule       {}\n"
      "state        {}\n",
      w.id, w.url, join(w.events), w.module.empty() ? "*" : w.module, state_of(w));
  if (w.failing_since != 0) std::cout << "failing since " << when(w.failing_since) << "\n";
  if (!w.status_reason.empty()) std::cout << "reason       " << w.status_reason << "\n";
  for (const auto& [k, v] : w.headers) std::cout << "header       " << k << ": " << v << "\n";
  if (!w.description.empty()) std::cout << "description  " << w.description << "\n";
  std::cout << fmt::format("created      {} by {}\nupdated      {}\n", when(w.created_at),
                           w.creator, when(w.updated_at));
}

void print_delivery(const WebhookDelivery& d) {
  std::string last = d.last_status != 0 ? fmt::format(" HTTP {}", d.last_status) : "";
  if (!d.last_error.empty() && d.last_status == 0) last = " " + d.last_error;
  std::string next = d.status == DeliveryStatus::kPending ? " next " + when(d.next_attempt_at)
                                                          : " finished " + when(d.finished_at);
  std::cout << fmt::format("{} {} {} {}{} attempts {}{}{}\n", d.id, when(d.created_at),
                           d.event_type, to_string(d.status),
                           d.module.empty() ? "" : " " + d.module, d.attempts, last, next);
}

void print_delivery_detail(const DeliveryDetail& detail) {
  print_delivery(detail.delivery);
  std::cout << "payload " << detail.event.payload << "\n";
  for (const auto& a : detail.attempts) {
    std::string outcome =
        a.response_status != 0 ? fmt::format("HTTP {}", a.response_status) : a.error_kind;
    std::cout << fmt::format("attempt {} at {} ({} ms) {}{}\n", a.number, when(a.time),
                             a.duration_ms, outcome,
                             a.error.empty() || a.response_status != 0 ? "" : ": " + a.error);
    if (!a.response_body.empty()) {
      std::cout << "  response " << a.response_body << (a.response_truncated ? " [truncated]" : "")
                << "\n";
    }
  }
}

// "Name=value" pairs of --header.
Result<std::map<std::string, std::string>> parse_headers(const std::vector<std::string>& pairs) {
  std::map<std::string, std::string> out;
  for (const auto& p : pairs) {
    auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument(fmt::format("--header \"{}\" must be Name=value", p),
                                     reason::kInvalidHeader);
    }
    out[p.substr(0, eq)] = p.substr(eq + 1);
  }
  return out;
}

class WebhooksCommand : public Command {
 public:
  explicit WebhooksCommand(CLI::App& app) {
    app_ = app.add_subcommand("webhooks", "webhook subscriptions and their delivery logs (admin)");
    app_->require_subcommand(1);

    add_ = app_->add_subcommand("add", "subscribe a URL to events; prints its signing secret");
    add_->add_option("--url", url_, "where to POST the events (http or https)")->required();
    add_fields(add_);
    add_->add_flag("--paused", paused_, "create it paused");

    list_ = app_->add_subcommand("list", "every subscription");

    show_ = app_->add_subcommand("show", "one subscription and its health");
    show_->add_option("id", id_, "the webhook's id")->required();

    update_ = app_->add_subcommand("update", "change a subscription (what is given only)");
    update_->add_option("id", id_, "the webhook's id")->required();
    update_->add_option("--url", url_, "where to POST the events");
    add_fields(update_);
    update_->add_flag("--pause", paused_, "pause it: deliveries wait");
    update_->add_flag("--resume", resume_, "resume it (and forget its failures)");
    update_->add_flag("--rotate-secret", rotate_, "make a new secret and print it");
    update_->add_flag("--clear-headers", clear_headers_, "send no extra headers");

    remove_ = app_->add_subcommand("remove", "delete a subscription and its delivery log");
    remove_->add_option("id", id_, "the webhook's id")->required();

    deliveries_ = app_->add_subcommand(
        "deliveries", "a subscription's deliveries, newest first; or one with every attempt");
    deliveries_->add_option("id", id_, "the webhook's id")->required();
    deliveries_->add_option("delivery", delivery_, "a delivery's id: show it with its attempts");
    deliveries_->add_option("--status", filter_.status, "pending, succeeded or failed");
    deliveries_->add_option("--event", filter_.event, "only this event type");
    deliveries_->add_option("--limit", filter_.limit, "deliveries per page (1 to 1000)");
    deliveries_->add_option("--page-token", filter_.page_token,
                            "the next page, as a previous one named");

    redeliver_ = app_->add_subcommand("redeliver", "send a delivery again (same webhook-id)");
    redeliver_->add_option("id", id_, "the webhook's id")->required();
    redeliver_->add_option("delivery", delivery_, "the delivery's id")->required();

    ping_ = app_->add_subcommand("ping", "send a ping event to a subscription");
    ping_->add_option("id", id_, "the webhook's id")->required();

    // --registry, --token and --json may follow the subcommand.
    for (CLI::App* sub : {add_, list_, show_, update_, remove_, deliveries_, redeliver_, ping_}) {
      sub->fallthrough();
    }
  }

  int run(const Globals& globals) override {
    RemoteRegistry registry(globals.remote());
    if (*add_ || *update_) return add_or_update(registry, globals);
    if (*list_) {
      auto all = registry.list_webhooks();
      if (!all.ok()) return fail(all.status());
      if (globals.json) {
        print_json(rest::to_json(all.value()));
      } else {
        for (const auto& w : all.value()) print_webhook(w);
      }
      return frontend::kExitOk;
    }
    if (*show_) {
      auto w = registry.get_webhook(id_);
      if (!w.ok()) return fail(w.status());
      if (globals.json) {
        print_json(rest::to_json(w.value()));
      } else {
        print_webhook_detail(w.value());
      }
      return frontend::kExitOk;
    }
    if (*remove_) {
      if (Status s = registry.delete_webhook(id_); !s.ok()) return fail(s);
      std::cout << "removed webhook " << id_ << "\n";
      return frontend::kExitOk;
    }
    if (*deliveries_) return deliveries(registry, globals);
    auto d = *redeliver_ ? registry.redeliver(id_, delivery_) : registry.ping_webhook(id_);
    if (!d.ok()) return fail(d.status());
    if (globals.json) {
      print_json(rest::to_json(d.value()));
    } else {
      std::cout << (*redeliver_ ? "redelivering " : "ping queued as delivery ") << d->id << "\n";
    }
    return frontend::kExitOk;
  }

 private:
  void add_fields(CLI::App* sub) {
    sub->add_option("--event", events_,
                    "an event type or glob (repeatable): module.created, version.pushed, "
                    "version.rejected, compile.finished, policy.changed; default every event");
    sub->add_option("--module", module_, "only this module, or a glob (\"acme-*\")");
    sub->add_option("--secret", secret_, "the signing secret (whsec_...); default: generated");
    sub->add_option("--header", headers_, "an extra header, Name=value (repeatable)");
    sub->add_option("--description", description_, "what it is for");
  }

  int add_or_update(RemoteRegistry& registry, const Globals& globals) {
    const char* help = *add_ ? "spoke webhooks add" : "spoke webhooks update";
    WebhookRequest r;
    if (!url_.empty()) r.url = url_;
    if (!events_.empty()) r.events = events_;
    if (add_->count("--module") + update_->count("--module") > 0) r.module = module_;
    if (!secret_.empty()) r.secret = secret_;
    if (!description_.empty()) r.description = description_;
    if (!headers_.empty() || clear_headers_) {
      auto headers = parse_headers(headers_);
      if (!headers.ok()) return usage(headers.status().message(), help);
      r.headers = std::move(headers).value();
    }
    if (paused_ && resume_) return usage("--pause or --resume, not both", help);
    if (paused_) r.active = false;
    if (resume_) r.active = true;
    r.rotate_secret = rotate_;
    auto done = *add_ ? registry.create_webhook(r) : registry.update_webhook(id_, r);
    if (!done.ok()) return fail(done.status());
    if (globals.json) {
      print_json(rest::to_json(done.value()));
    } else if (!done->secret.empty()) {
      std::cout << done->secret << "\n";
      std::cerr << fmt::format("{} webhook {}; its secret is shown only now\n",
                               *add_ ? "created" : "updated", done->webhook.id);
    } else {
      std::cout << (*add_ ? "created webhook " : "updated webhook ") << done->webhook.id << "\n";
    }
    return frontend::kExitOk;
  }

  int deliveries(RemoteRegistry& registry, const Globals& globals) {
    if (!delivery_.empty()) {
      auto d = registry.get_delivery(id_, delivery_);
      if (!d.ok()) return fail(d.status());
      if (globals.json) {
        print_json(rest::to_json(d.value()));
      } else {
        print_delivery_detail(d.value());
      }
      return frontend::kExitOk;
    }
    auto page = registry.list_deliveries(id_, filter_);
    if (!page.ok()) return fail(page.status());
    if (globals.json) {
      print_json(rest::to_json(page.value()));
      return frontend::kExitOk;
    }
    for (const auto& d : page->deliveries) print_delivery(d);
    if (!page->next_page_token.empty()) {
      std::cerr << "more: --page-token " << page->next_page_token << "\n";
    }
    return frontend::kExitOk;
  }

  CLI::App *add_ = nullptr, *list_ = nullptr, *show_ = nullptr, *update_ = nullptr;
  CLI::App *remove_ = nullptr, *deliveries_ = nullptr, *redeliver_ = nullptr, *ping_ = nullptr;
  std::string id_, delivery_, url_, module_, secret_, description_;
  std::vector<std::string> events_, headers_;
  bool paused_ = false, resume_ = false, rotate_ = false, clear_headers_ = false;
  DeliveryFilter filter_;
};

}  // namespace

void add_webhook_commands(CLI::App& app, Commands& out) {
  out.push_back(std::make_unique<WebhooksCommand>(app));
}

}  // namespace spoke::cli
