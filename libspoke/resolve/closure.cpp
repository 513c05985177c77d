#include "resolve/closure.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>

namespace spoke::internal {

Result<std::vector<ClosureEntry>> compute_closure(MetadataStore& store, const std::string& root,
                                                  const std::string& root_module,
                                                  const std::vector<Dependency>& direct) {
  std::vector<ClosureEntry> out;
  std::map<std::string, std::size_t> by_module;  // module -> index in out
  std::deque<std::pair<Dependency, std::string>> queue;
  for (const auto& d : direct) queue.emplace_back(d, root);
  while (!queue.empty()) {
    auto [pin, parent_chain] = std::move(queue.front());
    queue.pop_front();
    std::string chain = parent_chain + " -> " + pin.spec();
    if (pin.module == root_module) {
      return Status::Unprocessable(fmt::format("dependency cycle: {}", chain), "dependency_cycle");
    }
    if (auto it = by_module.find(pin.module); it != by_module.end()) {
      const ClosureEntry& seen = out[it->second];
      if (seen.pin.version == pin.version) continue;
      return Status::Unprocessable(
          fmt::format("module {} is needed at two versions: {} (via {}) and {} (via {})",
                      pin.module, seen.pin.version, seen.via, pin.version, chain),
          "dependency_conflict");
    }
    auto v = store.get_version(pin.module, pin.version);
    if (!v.ok()) {
      if (v.status().code() != Code::kNotFound) return v.status();
      return Status::Unprocessable(
          fmt::format("dependency {} not found (via {})", pin.spec(), chain),
          "dependency_not_found");
    }
    for (const auto& next : v->dependencies) queue.emplace_back(next, chain);
    by_module[pin.module] = out.size();
    out.push_back({pin, std::move(v).value(), chain});
  }
  return out;
}

Status check_path_conflicts(const std::string& root, const std::vector<File>& root_files,
                            const std::vector<ClosureEntry>& closure) {
  std::map<std::string, std::pair<std::string, std::string>> owner;  // path -> (spec, digest)
  for (const auto& f : root_files) owner.emplace(f.path, std::pair{root, f.digest});
  for (const auto& entry : closure) {
    for (const auto& f : entry.version.files) {
      auto [it, fresh] = owner.emplace(f.path, std::pair{entry.pin.spec(), f.digest});
      if (!fresh && it->second.second != f.digest) {
        return Status::Unprocessable(
                   fmt::format("{} is provided by both {} and {} with different content", f.path,
                               it->second.first, entry.pin.spec()),
                   "path_conflict")
            .with_field("path", f.path)
            .with_field("first", it->second.first)
            .with_field("second", entry.pin.spec());
      }
    }
  }
  return Status::OK();
}

Result<std::vector<FileInput>> load_closure_files(BlobStore& blobs,
                                                  const std::vector<ClosureEntry>& closure) {
  std::vector<FileInput> out;
  std::set<std::string> seen;
  for (const auto& entry : closure) {
    for (const auto& f : entry.version.files) {
      if (!seen.insert(f.path).second) continue;
      auto content = blobs.get(f.digest);
      if (!content.ok()) return content.status();
      out.push_back({f.path, std::move(content).value()});
    }
  }
  return out;
}

}  // namespace spoke::internal
