#include "breaking/ignores.h"

#include <regex>

#include "breaking/rules.h"

namespace spoke::breaking_internal {

namespace {

// True when `path` is one of `roots` or under one of them ("." is the whole module).
bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  for (std::string r : roots) {
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    if (r == "." || r.empty() || path == r) return true;
    if (path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/') {
      return true;
    }
  }
  return false;
}

}  // namespace

Result<Ignores> Ignores::make(const BreakingOptions& options) {
  Ignores out;
  out.ignore_ = options.ignore;
  out.ignore_unstable_packages_ = options.ignore_unstable_packages;
  for (const auto& [entry, paths] : options.ignore_only) {
    auto ids = expand_rule(options.config_version, entry);
    if (!ids.ok()) return ids.status();
    for (const auto& id : ids.value()) {
      auto& v = out.ignore_only_[id];
      v.insert(v.end(), paths.begin(), paths.end());
    }
  }
  return out;
}

bool Ignores::ignored(const std::string& rule, const std::string& path,
                      const Schema& schema) const {
  if (path.empty()) return false;
  if (under_any(path, ignore_)) return true;
  auto it = ignore_only_.find(rule);
  if (it != ignore_only_.end() && under_any(path, it->second)) return true;
  if (!ignore_unstable_packages_) return false;
  const google::protobuf::FileDescriptor* f = schema.file(path);
  return is_unstable_package(f == nullptr ? "" : f->package());
}

bool is_unstable_package(const std::string& package) {
  auto dot = package.rfind('.');
  if (dot == std::string::npos) return false;
  static const std::regex kVersion(
      "v[1-9][0-9]*(test.*|(alpha|beta)([1-9][0-9]*)?|p[1-9][0-9]*(alpha|beta)([1-9][0-9]*)?)");
  return std::regex_match(package.substr(dot + 1), kVersion);
}

}  // namespace spoke::breaking_internal
