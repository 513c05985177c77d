#pragma once

#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <unordered_map>

namespace spoke::internal {

// A bounded map from immutable keys to immutable strings (versions never change, so a file of an
// exact version never changes either; a key naming a module's revision never sees another
// answer). Evicts in insertion order when over `capacity_bytes`. Thread-safe. Used by the
// registry (file contents) and by spoke-server (rendered answers).
class ImmutableCache {
 public:
  explicit ImmutableCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  std::shared_ptr<const std::string> get(const std::string& key) const {
    std::shared_lock lock(mu_);
    auto it = map_.find(key);
    return it == map_.end() ? nullptr : it->second;
  }

  void put(const std::string& key, std::shared_ptr<const std::string> value) {
    if (value->size() > capacity_ / 8) return;  // keep big files out; they would churn the cache
    std::unique_lock lock(mu_);
    if (!map_.emplace(key, value).second) return;
    order_.push_back(key);
    bytes_ += value->size() + key.size();
    while (bytes_ > capacity_ && !order_.empty()) {
      auto it = map_.find(order_.front());
      bytes_ -= it->second->size() + it->first.size();
      map_.erase(it);
      order_.pop_front();
    }
  }

 private:
  std::size_t capacity_;
  mutable std::shared_mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const std::string>> map_;
  std::deque<std::string> order_;
  std::size_t bytes_ = 0;
};

}  // namespace spoke::internal
