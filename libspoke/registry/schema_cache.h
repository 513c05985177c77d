#pragma once

// Small caches of the most recently used results that never go stale: linked schemas of stored
// versions by version digest (building one means parsing all its files and its closure's; a
// digest pins the whole graph, whichever instance pushed it), and validation reports by the
// digest of what was validated.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <utility>

#include "spoke/registry_types.h"
#include "spoke/schema.h"

namespace spoke::internal {

// Keeps the `capacity` most recently used values; thread-safe.
template <typename Value>
class RecentCache {
 public:
  explicit RecentCache(std::size_t capacity) : capacity_(capacity) {}

  // The value of `key` (made the most recent), or an empty Value.
  Value get(const std::string& key) {
    std::lock_guard lock(mu_);
    auto it = index_.find(key);
    if (it == index_.end()) return Value();
    entries_.splice(entries_.begin(), entries_, it->second);
    return it->second->second;
  }

  void put(const std::string& key, Value value) {
    std::lock_guard lock(mu_);
    if (auto it = index_.find(key); it != index_.end()) {
      it->second->second = std::move(value);
      entries_.splice(entries_.begin(), entries_, it->second);
      return;
    }
    entries_.emplace_front(key, std::move(value));
    index_[key] = entries_.begin();
    if (entries_.size() > capacity_) {
      index_.erase(entries_.back().first);
      entries_.pop_back();
    }
  }

 private:
  using Entries = std::list<std::pair<std::string, Value>>;
  std::mutex mu_;
  std::size_t capacity_;
  Entries entries_;
  std::unordered_map<std::string, typename Entries::iterator> index_;
};

using SchemaCache = RecentCache<std::shared_ptr<const Schema>>;
using ValidateCache = RecentCache<std::shared_ptr<const ValidateReport>>;

}  // namespace spoke::internal
