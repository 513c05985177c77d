#include "resolve/closure.h"

#include <fmt/format.h>

#include <deque>
#include <map>
#include <set>

namespace spoke::internal {

Result<std::vector<Dependency>> pin_dependencies(const VersionLookup& lookup,
                                                 const std::string& module,
                                                 const std::vector<std::string>& specs) {
  std::vector<Dependency> pinned;
  std::set<std::string> seen;
  for (const auto& spec : specs) {
    auto parsed = parse_dependency_spec(spec);
    if (!parsed.ok()) return parsed.status();
    auto& [dep_module, dep_version] = parsed.value();
    if (dep_module == module) {
      return Status::Unprocessable(
          fmt::format("module {} cannot depend on itself (\"{}\")", module, spec),
          reason::kDependencyCycle);
    }
    if (!seen.insert(dep_module).second) {
      return Status::InvalidArgument(
          fmt::format("module {} is listed more than once in dependencies", dep_module),
          reason::kDuplicateDependency);
    }
    auto dep = lookup({dep_module, dep_version, ""});
    if (!dep.ok()) {
      Code code = dep.status().code();
      if (code != Code::kNotFound && code != Code::kInvalidArgument) return dep.status();
      return Status::Unprocessable(
          fmt::format("dependency \"{}\" cannot be resolved: {}", spec, dep.status().message()),
          reason::kDependencyNotFound);
    }
    pinned.push_back({dep_module, dep->version, dep->digest});
  }
  return pinned;
}

Result<std::vector<ClosureEntry>> compute_closure(const VersionLookup& lookup,
                                                  const std::string& root,
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
      return Status::Unprocessable(fmt::format("dependency cycle: {}", chain),
                                   reason::kDependencyCycle);
    }
    if (auto it = by_module.find(pin.module); it != by_module.end()) {
      const ClosureEntry& seen = out[it->second];
      if (seen.pin.version == pin.version) continue;
      return Status::Unprocessable(
          fmt::format("module {} is needed at two versions: {} (via {}) and {} (via {})",
                      pin.module, seen.pin.version, seen.via, pin.version, chain),
          reason::kDependencyConflict);
    }
    auto v = lookup(pin);
    if (!v.ok()) {
      if (v.status().code() != Code::kNotFound) return v.status();
      return Status::Unprocessable(
          fmt::format("dependency {} not found (via {})", pin.spec(), chain),
          reason::kDependencyNotFound);
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
                   reason::kPathConflict)
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

std::vector<FileInput> closure_files(const std::vector<ClosureEntry>& closure) {
  std::vector<FileInput> out;
  std::set<std::string> seen;
  for (const auto& entry : closure) {
    for (const auto& f : entry.version.files) {
      if (seen.insert(f.path).second) out.push_back({f.path, f.content});
    }
  }
  return out;
}

VersionLookup store_lookup(MetadataStore& store) {
  return [&store](const Dependency& wanted) -> Result<Version> {
    const std::string& module = wanted.module;
    std::string exact = wanted.version;
    if (exact == "latest") {
      auto record = store.get_module_record(module);
      if (!record.ok()) return record.status();
      if (record->latest_version.empty()) {
        return Status::NotFound(fmt::format("module \"{}\" has no versions", module),
                                reason::kVersionNotFound);
      }
      exact = record->latest_version;
    }
    return store.get_version(module, exact);
  };
}

}  // namespace spoke::internal
