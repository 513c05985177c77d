#pragma once

// GitHub Actions workflow commands (::error file=...,line=...::message).

#include <string>

namespace spoke::internal {

// Escapes `s` for a workflow command: '%', CR and LF always; ':' and ',' too in property
// values (file=, title=), where they would end the property.
inline std::string github_escape(const std::string& s, bool property) {
  std::string out;
  for (char c : s) {
    if (c == '%') {
      out += "%25";
    } else if (c == '\r') {
      out += "%0D";
    } else if (c == '\n') {
      out += "%0A";
    } else if (property && c == ':') {
      out += "%3A";
    } else if (property && c == ',') {
      out += "%2C";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace spoke::internal
