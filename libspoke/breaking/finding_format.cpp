// Findings printed as buf prints them: text, JSON lines, GitHub Actions annotations.
#include <fmt/format.h>

#include <string_view>

#include "spoke/breaking.h"

namespace spoke {

namespace {

// `s` as a JSON string the way Go's encoding/json writes it, which is how buf writes its JSON:
// '<', '>', '&' and the line separators U+2028 and U+2029 escaped too.
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
        } else if (c == 0xE2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
                   (static_cast<unsigned char>(s[i + 2]) == 0xA8 ||
                    static_cast<unsigned char>(s[i + 2]) == 0xA9)) {
          out += static_cast<unsigned char>(s[i + 2]) == 0xA8 ? "\\u2028" : "\\u2029";
          i += 2;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
  return out;
}

}  // namespace

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
