#pragma once

// The most recently used linked schemas of stored versions, by version digest: building one
// means parsing all its files and its closure's. A digest pins the whole graph, so an entry never
// goes stale, whichever instance pushed it.

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "spoke/schema.h"

namespace spoke::internal {

class SchemaCache {
 public:
  explicit SchemaCache(std::size_t capacity) : capacity_(capacity) {}

  std::shared_ptr<const Schema> get(const std::string& digest) {
    std::lock_guard lock(mu_);
    for (auto it = entries_.begin(); it != entries_.end(); ++it) {
      if (it->first == digest) {
        entries_.splice(entries_.begin(), entries_, it);
        return it->second;
      }
    }
    return nullptr;
  }

  void put(const std::string& digest, std::shared_ptr<const Schema> schema) {
    std::lock_guard lock(mu_);
    entries_.emplace_front(digest, std::move(schema));
    if (entries_.size() > capacity_) entries_.pop_back();
  }

 private:
  std::mutex mu_;
  std::size_t capacity_;
  std::list<std::pair<std::string, std::shared_ptr<const Schema>>> entries_;
};

}  // namespace spoke::internal
