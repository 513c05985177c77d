#include "router.h"

namespace spoke::server {

std::string Router::to_regex(const std::string& path_template) {
  std::string out;
  for (std::size_t i = 0; i < path_template.size(); ++i) {
    char c = path_template[i];
    if (c == '{') {
      std::size_t end = path_template.find('}', i);
      bool rest = end >= 3 && path_template.compare(end - 3, 3, "...") == 0;
      out += rest ? "(.+)" : "([^/]+)";
      i = end;
    } else if (c == '.' || c == '+' || c == '*' || c == '?' || c == '(' || c == ')' || c == '[' ||
               c == ']' || c == '|' || c == '^' || c == '$' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

// The 1-based capture group of parameter `name` in `path_template`; 0 when absent.
std::size_t group_of(const std::string& path_template, const std::string& name) {
  std::size_t group = 0;
  for (std::size_t i = path_template.find('{'); i != std::string::npos;
       i = path_template.find('{', i + 1)) {
    ++group;
    std::size_t end = path_template.find('}', i);
    if (path_template.compare(i + 1, end - i - 1, name) == 0) return group;
  }
  return 0;
}

}  // namespace

void Router::add(Route route, Handler handler) {
  std::string pattern = to_regex(route.path);
  patterns_.emplace_back(pattern);
  groups_.emplace_back(group_of(route.path, "module"), group_of(route.path, "version"));
  const std::string& m = route.method;
  if (m == "GET") {
    server_.Get(pattern, [handler](const httplib::Request& req, httplib::Response& res) {
      handler(req, res, nullptr);
    });
  } else if (m == "DELETE") {
    server_.Delete(pattern, [handler](const httplib::Request& req, httplib::Response& res) {
      handler(req, res, nullptr);
    });
  } else {
    auto with_body = [handler](const httplib::Request& req, httplib::Response& res,
                               const httplib::ContentReader& reader) {
      handler(req, res, &reader);
    };
    if (m == "POST") {
      server_.Post(pattern, with_body);
    } else if (m == "PUT") {
      server_.Put(pattern, with_body);
    } else {
      server_.Patch(pattern, with_body);
    }
  }
  routes_.push_back(std::move(route));
}

std::set<std::string> Router::methods_for(const std::string& path) const {
  std::set<std::string> out;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (std::regex_match(path, patterns_[i])) out.insert(routes_[i].method);
  }
  return out;
}

const Route* Router::find(const std::string& method, const std::string& path_template) const {
  for (const auto& r : routes_) {
    if (r.method == method && r.path == path_template) return &r;
  }
  return nullptr;
}

RouteMatch Router::match(const std::string& method, const std::string& path) const {
  RouteMatch out;
  std::smatch m;
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method != method || !std::regex_match(path, m, patterns_[i])) continue;
    out.route = &routes_[i];
    if (groups_[i].first != 0) out.module = m[groups_[i].first].str();
    if (groups_[i].second != 0) out.version = m[groups_[i].second].str();
    break;
  }
  return out;
}

std::string Router::template_for(const std::string& method, const std::string& path) const {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method == method && std::regex_match(path, patterns_[i])) return routes_[i].path;
  }
  return "";
}

}  // namespace spoke::server
