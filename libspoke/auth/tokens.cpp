// Tokens, scopes and the access decision: everything about access control that needs no store.
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <array>
#include <charconv>
#include <cstdio>
#include <ctime>
#include <stdexcept>

#include "spoke/auth.h"
#include "util/sha256.h"

namespace spoke {

const char* to_string(AuthMode mode) {
  switch (mode) {
    case AuthMode::kNone:
      return "none";
    case AuthMode::kWrites:
      return "writes";
    case AuthMode::kAll:
      return "all";
  }
  return "none";
}

Result<AuthMode> parse_auth_mode(std::string_view text) {
  for (AuthMode m : {AuthMode::kNone, AuthMode::kWrites, AuthMode::kAll}) {
    if (text == to_string(m)) return m;
  }
  return Status::InvalidArgument(
      fmt::format("auth mode \"{}\" is not known; use none, writes or all", text),
      reason::kInvalidAuthMode);
}

const char* to_string(Access access) {
  switch (access) {
    case Access::kPublic:
      return "public";
    case Access::kRead:
      return "read";
    case Access::kWrite:
      return "write";
    case Access::kAdmin:
      return "admin";
  }
  return "admin";
}

namespace auth {

std::string generate_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for a token");
  }
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out(kTokenPrefix);
  std::uint32_t acc = 0;
  int bits = 0;
  for (unsigned char b : bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kAlphabet[(acc >> bits) & 0x3f];
    }
  }
  if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 0x3f];
  return out;
}

std::string hash_secret(std::string_view secret) {
  return "sha256:" + internal::sha256_hex(secret);
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative matching with one backtrack point: the last '*' seen.
  std::size_t p = 0, n = 0, star = std::string_view::npos, resume = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool scope_covers(std::string_view scope, std::string_view module) {
  return scope.empty() || glob_match(scope, module);
}

Status validate_scope(std::string_view scope) {
  if (scope.empty()) return Status::OK();
  std::string as_name(scope);
  for (char& c : as_name) {
    if (c == '*' || c == '?') c = 'a';
  }
  if (Status s = validate_module_name(as_name); !s.ok()) {
    return Status::InvalidArgument(
        fmt::format("invalid module scope \"{}\": a module name, or a glob of module names with "
                    "'*' and '?' (e.g. \"acme-*\"); empty for every module",
                    scope),
        reason::kInvalidScope);
  }
  return Status::OK();
}

Status validate_token_name(std::string_view name) {
  auto fail = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("invalid token name \"{}\": {}; token names are 1 to 64 letters, digits, "
                    "'-', '_' and '.', starting with a letter or digit",
                    name, why),
        reason::kInvalidName);
  };
  if (name.empty()) return fail("empty");
  if (name.size() > 64) return fail(fmt::format("{} characters", name.size()));
  auto alnum = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  };
  if (!alnum(name[0])) return fail("does not start with a letter or digit");
  for (char c : name) {
    if (!alnum(c) && c != '-' && c != '_' && c != '.') {
      return fail(fmt::format("character '{}' is not allowed", c));
    }
  }
  return Status::OK();
}

Result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto fail = [&] {
    return Status::InvalidArgument(
        fmt::format("duration \"{}\" is not valid: use a number and a unit, d, h, m or s "
                    "(\"720h\", \"30m\", \"1h30m\")",
                    text),
        reason::kInvalidDuration);
  };
  if (text.empty()) return fail();
  std::int64_t total = 0;
  std::size_t i = 0;
  while (i < text.size()) {
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(text.data() + i, text.data() + text.size(), n);
    if (ec != std::errc() || end == text.data() + text.size()) return fail();
    i = static_cast<std::size_t>(end - text.data());
    std::int64_t unit = 0;
    switch (text[i]) {
      case 'd':
        unit = 86400000;
        break;
      case 'h':
        unit = 3600000;
        break;
      case 'm':
        unit = 60000;
        break;
      case 's':
        unit = 1000;
        break;
      default:
        return fail();
    }
    ++i;
    if (n < 0 || n > (std::int64_t{1} << 40) / unit) return fail();
    total += n * unit;
  }
  if (total <= 0) return fail();
  return std::chrono::milliseconds(total);
}

Result<Timestamp> parse_time(std::string_view text, Timestamp now) {
  if (auto d = parse_duration(text); d.ok()) return now - d->count();
  std::string s(text);
  std::tm tm{};
  int consumed = 0;
  if (std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                  &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &consumed) == 6) {
    std::string_view rest = text.substr(static_cast<std::size_t>(consumed));
    int ms = 0;
    if (!rest.empty() && rest[0] == '.') {
      std::size_t digits = 1;
      int scale = 100;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') {
        ms += scale * (rest[digits] - '0');
        scale /= 10;
        ++digits;
      }
      rest.remove_prefix(digits);
    }
    if (rest == "Z" && tm.tm_mon >= 1 && tm.tm_mon <= 12 && tm.tm_mday >= 1 && tm.tm_mday <= 31) {
      tm.tm_year -= 1900;
      tm.tm_mon -= 1;
      return static_cast<Timestamp>(timegm(&tm)) * 1000 + ms;
    }
  }
  return Status::InvalidArgument(
      fmt::format("time \"{}\" is not valid: use UTC as 2026-12-04T21:00:00Z, or a duration ago "
                  "(\"24h\")",
                  text),
      reason::kInvalidTime);
}

Status authorize(AuthMode mode, Access access, const Principal& who, const std::string& module) {
  if (access == Access::kPublic || mode == AuthMode::kNone) return Status::OK();
  if (who.anonymous) {
    if (access == Access::kRead && mode == AuthMode::kWrites) return Status::OK();
    return Status::Unauthenticated(
        "this request needs an access token: send \"Authorization: Bearer <token>\"");
  }
  bool in_scope = module.empty() || scope_covers(who.scope, module);
  // Under `all` a module outside the token's scope is not there for it.
  if (!in_scope && mode == AuthMode::kAll) {
    return Status::NotFound(fmt::format("module \"{}\" not found", module),
                            reason::kModuleNotFound);
  }
  if (access == Access::kRead) return Status::OK();
  Role needed = access == Access::kAdmin ? Role::kAdmin : Role::kWriter;
  auto forbidden = [&](std::string message) {
    return Status::PermissionDenied(std::move(message))
        .with_field("required_role", to_string(needed));
  };
  if (static_cast<int>(who.role) < static_cast<int>(needed)) {
    return forbidden(fmt::format("this request needs the {} role; token \"{}\" has {}",
                                 to_string(needed), who.name, to_string(who.role)));
  }
  if (!in_scope) {
    return forbidden(
        fmt::format("this request needs the {} role on module \"{}\"; token \"{}\" "
                    "is scoped to \"{}\"",
                    to_string(needed), module, who.name, who.scope));
  }
  if (module.empty() && !who.scope.empty()) {
    return forbidden(
        fmt::format("this request needs a {} token for every module; token \"{}\" "
                    "is scoped to \"{}\"",
                    to_string(needed), who.name, who.scope));
  }
  return Status::OK();
}

bool may_read(AuthMode mode, const Principal& who, std::string_view module) {
  return mode != AuthMode::kAll || scope_covers(who.scope, module);
}

}  // namespace auth
}  // namespace spoke
