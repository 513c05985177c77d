#include "spoke/log.h"

#include <atomic>
#include <cstdio>
#include <memory>
#include <mutex>

namespace spoke::log {
namespace {

std::atomic<Level> current_level{Level::kInfo};

void default_sink(Level level, std::string_view message, const nlohmann::json& fields) {
  std::string line = "spoke: ";
  line += to_string(level);
  line += ": ";
  line += message;
  if (fields.is_object()) {
    for (const auto& [key, value] : fields.items()) {
      line += ' ';
      line += key;
      line += '=';
      line += value.is_string() ? value.get<std::string>() : value.dump();
    }
  }
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), stderr);
}

struct SinkHolder {
  std::mutex mu;
  std::shared_ptr<const Sink> sink;
};

SinkHolder& holder() {
  static SinkHolder* h = new SinkHolder;  // outlives every thread that logs
  return *h;
}

}  // namespace

const char* to_string(Level level) {
  switch (level) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

std::optional<Level> parse_level(std::string_view name) {
  if (name == "debug") return Level::kDebug;
  if (name == "info") return Level::kInfo;
  if (name == "warn" || name == "warning") return Level::kWarn;
  if (name == "error") return Level::kError;
  return std::nullopt;
}

void set_sink(Sink sink) {
  auto& h = holder();
  std::lock_guard lock(h.mu);
  h.sink = sink ? std::make_shared<const Sink>(std::move(sink)) : nullptr;
}

void set_level(Level level) { current_level.store(level, std::memory_order_relaxed); }

Level level() { return current_level.load(std::memory_order_relaxed); }

void write(Level level, std::string_view message, const nlohmann::json& fields) {
  if (!enabled(level)) return;
  std::shared_ptr<const Sink> sink;
  {
    auto& h = holder();
    std::lock_guard lock(h.mu);
    sink = h.sink;
  }
  if (sink) {
    (*sink)(level, message, fields);
  } else {
    default_sink(level, message, fields);
  }
}

}  // namespace spoke::log
