#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "client_address.h"
#include "router.h"
#include "spoke/auth.h"
#include "spoke/compile_service.h"
#include "spoke/rate_limit.h"
#include "spoke/registry.h"
#include "spoke/webhooks.h"

namespace spoke::server {

struct ApiOptions {
  std::size_t max_body_bytes = 256u << 20;  // counted after decompression
  bool access_log = true;
  // Compile jobs, downloads and /languages; those routes answer 503 without it.
  CompileService* compile = nullptr;
  // Which requests need an access token (see spoke/auth.h).
  AuthMode auth = AuthMode::kNone;
  // Webhook subscriptions and their delivery logs; those routes answer 503 without it.
  WebhookService* webhooks = nullptr;
  // Rate limits (null: none): per token, or per client address for anonymous callers; pushes
  // and compile requests draw on `push_budget`, everything else on `general_budget`.
  RateLimiter* limiter = nullptr;
  RateBudget general_budget{"general", 0, 1};
  RateBudget push_budget{"push", 0, 1};
  // Proxies whose X-Forwarded-For is believed (see client_address.h).
  TrustedProxies trusted_proxies;
};

// Registers the REST routes on `server`, calling `registry` for everything. `registry` must
// outlive `server`. Returns the route table.
std::shared_ptr<const Router> register_api_routes(httplib::Server& server, Registry& registry,
                                                  const ApiOptions& options);

// Registers /health/live, /health/ready (503 while `*draining` is set) and /metrics, with the
// access control of `options` (its rate limits do not apply here).
std::shared_ptr<const Router> register_health_routes(httplib::Server& server, Registry& registry,
                                                     const ApiOptions& options,
                                                     const std::atomic<bool>* draining = nullptr);

// Every route of both listeners, without serving them (for `spoke-server routes`).
struct ListedRoute {
  std::string listener;  // "api" (--port) or "health" (--health-port)
  Route route;
};
std::vector<ListedRoute> listed_routes();

}  // namespace spoke::server
