#pragma once

// Caches of the most recently used results that never go stale: linked schemas of stored versions
// within a budget of bytes (each counted by approximate_size), by a key naming the version digest
// and the form it was linked in (a digest pins the whole graph, whichever instance pushed it), and
// validation reports by the digest of what was validated.

#include <cstddef>
#include <list>
#include <map>
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

using ValidateCache = RecentCache<std::shared_ptr<const ValidateReport>>;

// The linked schemas, within a budget of bytes.
class SchemaCache {
 public:
  using Entry = std::shared_ptr<const Schema>;

  explicit SchemaCache(std::size_t capacity_bytes) : capacity_(capacity_bytes) {}

  Entry get(const std::string& key) {
    std::lock_guard lock(mu_);
    return find(key);
  }

  void put(const std::string& key, Entry schema) {
    std::lock_guard lock(mu_);
    insert(key, std::move(schema));
  }

  void set_capacity(std::size_t bytes) {
    std::lock_guard lock(mu_);
    capacity_ = bytes;
    evict();
  }

  std::size_t bytes() const {
    std::lock_guard lock(mu_);
    return bytes_;
  }

 private:
  struct Slot {
    std::string key;
    Entry schema;
    std::size_t size;
  };

  Entry find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    lru_.splice(lru_.begin(), lru_, it->second);
    return it->second->schema;
  }

  void insert(const std::string& key, Entry schema) {
    if (index_.count(key) != 0) return;
    std::size_t size = approximate_size(*schema);
    if (size > capacity_) return;  // would push out everything else
    lru_.push_front({key, std::move(schema), size});
    index_.emplace(key, lru_.begin());
    bytes_ += size;
    evict();
  }

  void evict() {
    while (bytes_ > capacity_ && !lru_.empty()) {
      bytes_ -= lru_.back().size;
      index_.erase(lru_.back().key);
      lru_.pop_back();
    }
  }

  mutable std::mutex mu_;
  std::size_t capacity_;
  std::size_t bytes_ = 0;
  std::list<Slot> lru_;
  std::map<std::string, std::list<Slot>::iterator> index_;
};

}  // namespace spoke::internal
