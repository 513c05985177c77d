#pragma once

#include <httplib.h>

#include <atomic>
#include <cstddef>
#include <memory>
#include <vector>

#include "router.h"
#include "spoke/auth.h"
#include "spoke/compile_service.h"
#include "spoke/registry.h"

namespace spoke::server {

struct ApiOptions {
  std::size_t max_body_bytes = 256u << 20;  // counted after decompression
  bool access_log = true;
  // Compile jobs, downloads and /languages; those routes answer 503 without it.
  CompileService* compile = nullptr;
  // Which requests need an access token (see spoke/auth.h).
  AuthMode auth = AuthMode::kNone;
};

// Registers the REST routes on `server`, calling `registry` for everything. `registry` must
// outlive `server`. Returns the route table.
std::shared_ptr<const Router> register_api_routes(httplib::Server& server, Registry& registry,
                                                  const ApiOptions& options);

// Registers /health/live and /health/ready; ready answers 503 while `*draining` is set.
std::shared_ptr<const Router> register_health_routes(httplib::Server& server, Registry& registry,
                                                     const std::atomic<bool>* draining = nullptr);

// The routes of the API listener, without serving them (for `spoke-server routes`).
std::vector<Route> api_routes();

}  // namespace spoke::server
