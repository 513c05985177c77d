// The closure of a workspace's dependencies over a DependencySource.
#include "spoke/dependency_source.h"

#include <map>

#include "resolve/closure.h"

namespace spoke {

Result<DependencyClosure> resolve_dependencies(DependencySource& source,
                                               const std::vector<std::string>& specs,
                                               const std::string& root_module) {
  // Each version is fetched once, though pinning and the closure both ask for it.
  std::map<std::string, Version> fetched;  // "module@version" as asked -> version
  internal::VersionLookup lookup = [&](const Dependency& wanted) -> Result<Version> {
    std::string key = wanted.spec();
    if (auto it = fetched.find(key); it != fetched.end()) return it->second;
    auto v = wanted.digest.empty() ? source.fetch_version(wanted.module, wanted.version)
                                   : source.fetch_pinned(wanted);
    if (!v.ok()) return v.status();
    for (auto& f : v->files) {
      if (f.digest.empty()) f.digest = content_digest(f.content);
    }
    fetched.emplace(v->module + "@" + v->version, v.value());
    return v;
  };
  auto direct = internal::pin_dependencies(lookup, root_module, specs);
  if (!direct.ok()) return direct.status();
  std::string root = root_module.empty() ? "(workspace)" : root_module;
  auto closure = internal::compute_closure(lookup, root, root_module, direct.value());
  if (!closure.ok()) return closure.status();
  SPOKE_RETURN_IF_ERROR(internal::check_path_conflicts(root, {}, closure.value()));
  DependencyClosure out;
  out.files = internal::closure_files(closure.value());
  for (auto& entry : closure.value()) {
    for (auto& f : entry.version.files) f.content.clear();
    out.versions.push_back(std::move(entry.version));
  }
  return out;
}

}  // namespace spoke
