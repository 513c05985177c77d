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

void Router::add(Route route, Handler handler) {
  std::string pattern = to_regex(route.path);
  patterns_.emplace_back(pattern);
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

std::string Router::template_for(const std::string& method, const std::string& path) const {
  for (std::size_t i = 0; i < routes_.size(); ++i) {
    if (routes_[i].method == method && std::regex_match(path, patterns_[i])) return routes_[i].path;
  }
  return "";
}

}  // namespace spoke::server
