// Names as buf's lint rules see them: case conversions, package versions, paths.

#include <charconv>
#include <vector>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

bool is_delimiter(char c) {
  return c == '.' || c == '-' || c == '_' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
}
bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
bool is_lower(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
char upper(char c) { return is_lower(c) ? static_cast<char>(c - 'a' + 'A') : c; }
char lower(char c) { return is_upper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Words are split at delimiters and before an upper-case letter that follows a lower-case one
// or starts a new word inside a run of capitals ("HTTPServer" -> "HTTP_Server").
std::string to_snake_case(std::string_view s) {
  while (!s.empty() && is_delimiter(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_delimiter(s.back())) s.remove_suffix(1);
  std::string out;
  out.reserve(s.size() + 4);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = is_delimiter(s[i]) ? '_' : s[i];
    if (i == 0) {
      out += c;
    } else if (is_upper(c) && out.back() != '_' &&
               ((i + 1 < s.size() && !is_upper(s[i + 1]) && !is_digit(s[i + 1]) &&
                 !is_delimiter(s[i + 1])) ||
                is_lower(s[i - 1]))) {
      out += '_';
      out += c;
    } else if (!(c == '_' && out.back() == '_')) {
      out += c;
    }
  }
  return out;
}

// A decimal number >= 1 that fits an int32 (with an optional sign, as Go's ParseInt takes it).
bool positive_number(std::string_view s) {
  if (s.empty()) return false;
  if (s.front() == '+') s.remove_prefix(1);
  if (s.empty()) return false;
  long long value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  return ec == std::errc() && ptr == s.data() + s.size() && value >= 1 && value <= 2147483647;
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    std::size_t at = s.find(sep, start);
    if (at == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, at - start));
    start = at + 1;
  }
}

}  // namespace

std::string to_pascal_case(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  std::string out;
  out.reserve(s.size());
  char previous = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (!is_delimiter(c)) {
      out += (i == 0 || is_delimiter(previous) || is_upper(c)) ? upper(c) : lower(c);
    }
    previous = c;
  }
  return out;
}

std::string to_lower_snake_case(std::string_view s) {
  std::string out = to_snake_case(s);
  for (auto& c : out) c = lower(c);
  return out;
}

std::string to_upper_snake_case(std::string_view s) {
  std::string out = to_snake_case(s);
  for (auto& c : out) c = upper(c);
  return out;
}

std::optional<Stability> package_version_stability(std::string_view package) {
  if (package.empty()) return std::nullopt;
  auto parts = split(package, '.');
  if (parts.size() < 2) return std::nullopt;
  std::string_view last = parts.back();
  if (last.size() < 2 || last[0] != 'v') return std::nullopt;
  std::string_view version = last.substr(1);
  if (auto at = version.find("test"); at != std::string_view::npos) {
    if (!positive_number(version.substr(0, at))) return std::nullopt;
    return Stability::kTest;
  }
  bool alpha = version.find("alpha") != std::string_view::npos;
  bool beta = version.find("beta") != std::string_view::npos;
  if (alpha && beta) return std::nullopt;
  if (!alpha && !beta) {
    if (!positive_number(version)) return std::nullopt;
    return Stability::kStable;
  }
  std::string_view word = alpha ? "alpha" : "beta";
  std::size_t at = version.find(word);
  std::string_view before = version.substr(0, at);
  std::string_view after = version.substr(at + word.size());
  if (!after.empty() && !positive_number(after)) return std::nullopt;
  // "1" or "1p1" before the stability word.
  if (auto p = before.find('p'); p != std::string_view::npos) {
    if (!positive_number(before.substr(0, p)) || !positive_number(before.substr(p + 1))) {
      return std::nullopt;
    }
  } else if (!positive_number(before)) {
    return std::nullopt;
  }
  return alpha ? Stability::kAlpha : Stability::kBeta;
}

std::string go_quote(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size();) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\a':
          out += "\\a";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        case '\v':
          out += "\\v";
          break;
        default:
          if (c < 0x20 || c == 0x7f) {
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // A UTF-8 sequence is kept as it is; a byte that does not start a valid one is escaped.
    std::size_t n = c >= 0xF0 && c < 0xF5   ? 4
                    : c >= 0xE0 && c < 0xF0 ? 3
                    : c >= 0xC2 && c < 0xE0 ? 2
                                            : 0;
    bool valid = n != 0 && i + n <= s.size();
    for (std::size_t k = 1; valid && k < n; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (!valid) {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
      ++i;
      continue;
    }
    out.append(s.substr(i, n));
    i += n;
  }
  out += '"';
  return out;
}

std::string dir_of(std::string_view path) {
  auto slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  return std::string(path.substr(0, slash));
}

std::optional<std::string> normalize_relative_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') return std::nullopt;
  std::vector<std::string_view> parts;
  for (auto part : split(path, '/')) {
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (parts.empty()) return std::nullopt;
      parts.pop_back();
      continue;
    }
    parts.push_back(part);
  }
  if (parts.empty()) return std::string(".");
  std::string out;
  for (auto part : parts) {
    if (!out.empty()) out += '/';
    out += part;
  }
  return out;
}

bool path_within(std::string_view path, std::string_view root) {
  if (root == ".") return true;
  if (path == root) return true;
  return path.size() > root.size() && path.compare(0, root.size(), root) == 0 &&
         path[root.size()] == '/';
}

}  // namespace spoke::lint_internal
