#include "storage/walk.h"

#include <algorithm>

namespace spoke::internal {

Status list_everything(MetadataStore& store, std::vector<Module>* modules,
                       std::vector<VersionKey>* versions) {
  constexpr std::size_t kPage = 500;
  std::string after;
  for (;;) {
    auto page = store.list_modules(after, kPage);
    if (!page.ok()) return page.status();
    for (const auto& record : page.value()) {
      if (modules != nullptr) modules->push_back(record.module);
      auto refs = store.list_versions(record.module.name);
      if (!refs.ok()) return refs.status();
      for (const auto& ref : refs.value()) {
        versions->push_back({record.module.name, ref.version, ref.sequence});
      }
    }
    if (page->size() < kPage) break;
    after = page->back().module.name;
  }
  std::sort(versions->begin(), versions->end(),
            [](const VersionKey& a, const VersionKey& b) { return a.sequence < b.sequence; });
  return Status::OK();
}

}  // namespace spoke::internal
