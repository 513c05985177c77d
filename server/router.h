#pragma once

// The one route table of spoke-server: every route's method and path template, registered with
// httplib from here, so that a wrong method is 405 with Allow (not 404), and so that the routes
// can be listed (docs, access rules, metrics by route template).

#include <httplib.h>

#include <functional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "spoke/auth.h"

namespace spoke::server {

// A handler gets the request (path parameters in req.matches, 1-based, in template order), the
// response, and the body reader of methods that take a body (nullptr for GET, HEAD, DELETE).
using Handler = std::function<void(const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader* body)>;

// Which rate-limit budget a request draws on: pushes and compile requests, the expensive ones,
// have their own (--push-rate-limit), everything else the general one (--rate-limit).
enum class Budget { kGeneral, kPush };

struct Route {
  std::string method;  // "GET", "POST", ...
  // "/modules/{module}/versions/{version}/files/{path...}": {name} is one path segment,
  // {name...} the rest of the path.
  std::string path;
  std::string summary;  // one line, as docs/api.md lists it
  // What the caller needs (decided before the handler runs, see server/http_api.cpp). A route
  // that does not say is admin-only.
  Access access = Access::kAdmin;
  Budget budget = Budget::kGeneral;
};

// A route a request matched, and the parameters access is decided on.
struct RouteMatch {
  const Route* route = nullptr;
  std::string module;   // the {module} parameter, when the template has one
  std::string version;  // the {version} parameter
};

class Router {
 public:
  explicit Router(httplib::Server& server) : server_(server) {}

  void add(Route route, Handler handler);

  const std::vector<Route>& routes() const { return routes_; }
  // The methods routed for a concrete path (empty when no template matches it).
  std::set<std::string> methods_for(const std::string& path) const;
  // The template of the route serving `method` `path`, or "" (for logs and metrics).
  std::string template_for(const std::string& method, const std::string& path) const;

  // The route of that method and template, or nullptr.
  const Route* find(const std::string& method, const std::string& path_template) const;
  // The route serving `method` `path`; route is nullptr when none does.
  RouteMatch match(const std::string& method, const std::string& path) const;

  // "/modules/([^/]+)" from "/modules/{module}".
  static std::string to_regex(const std::string& path_template);

 private:
  httplib::Server& server_;
  std::vector<Route> routes_;
  std::vector<std::regex> patterns_;
  // Per route: the capture groups of {module} and {version} (0: none).
  std::vector<std::pair<std::size_t, std::size_t>> groups_;
};

}  // namespace spoke::server
