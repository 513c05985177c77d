#pragma once

// One computation per key at a time: callers that ask for a key being computed wait for that
// computation's result instead of starting another (loading a version's schema can take seconds).

#include <exception>
#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

namespace spoke::internal {

template <typename T>
class SingleFlight {
 public:
  T run(const std::string& key, const std::function<T()>& compute) {
    std::shared_future<T> pending;
    std::promise<T> mine;
    {
      std::lock_guard lock(mu_);
      if (auto it = flights_.find(key); it != flights_.end()) {
        pending = it->second;
      } else {
        flights_.emplace(key, mine.get_future().share());
      }
    }
    if (pending.valid()) return pending.get();
    try {
      T result = compute();
      finish(key);
      mine.set_value(result);
      return result;
    } catch (...) {
      finish(key);
      mine.set_exception(std::current_exception());
      throw;
    }
  }

 private:
  void finish(const std::string& key) {
    std::lock_guard lock(mu_);
    flights_.erase(key);
  }

  std::mutex mu_;
  std::map<std::string, std::shared_future<T>> flights_;
};

}  // namespace spoke::internal
