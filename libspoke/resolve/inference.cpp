#include "resolve/inference.h"

#include <fmt/format.h>

#include <map>
#include <set>

#include "resolve/closure.h"
#include "spoke/schema.h"

namespace spoke::internal {

Result<std::vector<std::string>> infer_dependencies(MetadataStore& store, const std::string& module,
                                                    const std::vector<FileInput>& files) {
  std::set<std::string> own;
  for (const auto& f : files) own.insert(f.path);
  std::map<std::string, std::string> needed;  // module -> exact latest version
  std::set<std::string> looked_up;
  for (const auto& f : files) {
    for (const auto& imp : scan_imports(f.content)) {
      if (own.count(imp) != 0 || is_well_known_file(imp) || !looked_up.insert(imp).second) continue;
      auto holders = store.find_path_in_latest(imp);
      if (!holders.ok()) return holders.status();
      std::vector<std::pair<std::string, std::string>> candidates;  // (module, latest)
      for (const auto& [m, latest] : holders.value()) {
        if (m != module) candidates.emplace_back(m, latest);
      }
      if (candidates.empty()) {
        return Status::Unprocessable(
            fmt::format("import \"{}\" (in {}) is not in this module, not a well-known type, and "
                        "not provided by the latest version of any module; push the module that "
                        "provides it first or declare the dependency",
                        imp, f.path),
            reason::kUnresolvedImport);
      }
      if (candidates.size() > 1) {
        return Status::Unprocessable(
            fmt::format("import \"{}\" (in {}) is provided by both {}@{} and {}@{}; declare the "
                        "one you mean in spoke.yaml or with -dep",
                        imp, f.path, candidates[0].first, candidates[0].second, candidates[1].first,
                        candidates[1].second),
            reason::kAmbiguousImport);
      }
      needed.emplace(candidates[0].first, candidates[0].second);
    }
  }
  std::vector<std::string> specs;
  for (const auto& [m, v] : needed) specs.push_back(m + "@" + v);
  return specs;
}

}  // namespace spoke::internal
