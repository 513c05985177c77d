// Findings and changes as text: buf's lines, JSON lines, GitHub Actions annotations.
#include <fmt/format.h>

#include <string_view>

#include "spoke/breaking.h"

namespace spoke {

namespace {

// The length of the valid UTF-8 sequence at the start of `s`, or 0.
std::size_t utf8_length(std::string_view s) {
  unsigned char c = static_cast<unsigned char>(s[0]);
  std::size_t n = c < 0x80                ? 1
                  : c >= 0xC2 && c < 0xE0 ? 2
                  : c >= 0xE0 && c < 0xF0 ? 3
                  : c >= 0xF0 && c < 0xF5 ? 4
                                          : 0;
  if (n == 0 || n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    if ((static_cast<unsigned char>(s[k]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// `s` as a JSON string the way Go's encoding/json writes it, which is how buf writes its JSON:
// '<', '>', '&' and the line separators U+2028 and U+2029 escaped too, a byte that is not valid
// UTF-8 written as \ufffd.
std::string go_json_string(std::string_view s) {
  std::string out = "\"";
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
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
      case '<':
      case '>':
      case '&':
        out += fmt::format("\\u{:04x}", c);
        break;
      default:
        if (c < 0x20) {
          out += fmt::format("\\u{:04x}", c);
        } else if (c < 0x80) {
          out += static_cast<char>(c);
        } else if (std::size_t n = utf8_length(s.substr(i)); n == 0) {
          out += "\\ufffd";
        } else {
          std::string_view rune = s.substr(i, n);
          out += rune == "\u2028" ? "\\u2028" : rune == "\u2029" ? "\\u2029" : std::string(rune);
          i += n - 1;
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kDeleted:
      return "deleted";
    case ChangeKind::kChanged:
      break;
  }
  return "changed";
}

std::optional<ChangeKind> parse_change_kind(std::string_view text) {
  for (ChangeKind k : {ChangeKind::kAdded, ChangeKind::kChanged, ChangeKind::kDeleted}) {
    if (text == to_string(k)) return k;
  }
  return std::nullopt;
}

std::string format_finding(const BreakingFinding& f, ErrorFormat format) {
  switch (format) {
    case ErrorFormat::kJson: {
      std::string out = "{";
      if (!f.path.empty()) out += "\"path\":" + go_json_string(f.path) + ",";
      out += fmt::format(
          "\"start_line\":{},\"start_column\":{},\"end_line\":{},\"end_column\":{},\"type\":{},"
          "\"message\":{}}}",
          f.start_line, f.start_column, f.end_line, f.end_column, go_json_string(f.type),
          go_json_string(f.message));
      return out;
    }
    case ErrorFormat::kGithub: {
      // buf writes the path and the message as they are, without the percent-escapes of
      // workflow commands.
      std::string props;
      if (!f.path.empty()) {
        props = fmt::format(" file={},line={},col={},endLine={},endColumn={}", f.path, f.start_line,
                            f.start_column, f.end_line, f.end_column);
      }
      return fmt::format("::error{}::{}", props, f.message);
    }
    case ErrorFormat::kText:
      break;
  }
  return fmt::format("{}:{}:{}:{}", f.path.empty() ? "<input>" : f.path, f.start_line,
                     f.start_column, f.message);
}

}  // namespace spoke
