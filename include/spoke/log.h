#pragma once

// Where libspoke's own log lines go (a compile job that cannot be recorded, an auto-compile that
// failed, ...). By default they are printed to stderr as "spoke: <level>: <message> key=value";
// a front-end installs its own sink (spoke-server writes one JSON object per line).

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace spoke::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// "debug", "info", "warn", "error".
const char* to_string(Level level);
// Those names ("warning" too); nullopt for anything else.
std::optional<Level> parse_level(std::string_view name);

// A line: its level, its message, and fields (a JSON object, possibly empty).
using Sink =
    std::function<void(Level level, std::string_view message, const nlohmann::json& fields)>;

// Replaces the sink (nullptr restores the default). Thread-safe; the sink itself must be too.
void set_sink(Sink sink);
// Lines below `level` are dropped before reaching the sink (default: info).
void set_level(Level level);
Level level();
inline bool enabled(Level l) { return l >= level(); }

// Sends a line to the sink when its level is enabled.
void write(Level level, std::string_view message,
           const nlohmann::json& fields = nlohmann::json::object());

}  // namespace spoke::log
