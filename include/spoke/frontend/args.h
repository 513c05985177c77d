#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace spoke::frontend {

// Rewrites Go-style single-dash long flags ("-module", "-storage-dir=x") to "--module" so one
// CLI11 parser accepts both spellings. Single-letter flags ("-I", "-h") and anything after "--"
// are left alone, as are negative numbers and a lone "-".
inline std::vector<std::string> normalize_long_flags(int argc, char** argv) {
  std::vector<std::string> out;
  bool rest = false;
  for (int i = 0; i < argc; ++i) {
    std::string a = argv[i];
    if (i > 0 && !rest) {
      if (a == "--") {
        rest = true;
      } else if (a.size() > 2 && a[0] == '-' && a[1] != '-' &&
                 ((a[1] >= 'a' && a[1] <= 'z') || (a[1] >= 'A' && a[1] <= 'Z'))) {
        auto eq = a.find('=');
        std::string name = a.substr(1, eq == std::string::npos ? std::string::npos : eq - 1);
        if (name.size() > 1) a = "-" + a;
      }
    }
    out.push_back(std::move(a));
  }
  return out;
}

// Parses a size like "256MiB", "64k", "1048576" into bytes; false when malformed.
inline bool parse_byte_size(const std::string& text, std::size_t& out) {
  std::size_t pos = 0;
  unsigned long long n = 0;
  try {
    n = std::stoull(text, &pos);
  } catch (...) {
    return false;
  }
  std::string unit = text.substr(pos);
  for (auto& c : unit) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  unsigned long long mul = 1;
  if (unit.empty() || unit == "b")
    mul = 1;
  else if (unit == "k" || unit == "kb" || unit == "kib")
    mul = 1ull << 10;
  else if (unit == "m" || unit == "mb" || unit == "mib")
    mul = 1ull << 20;
  else if (unit == "g" || unit == "gb" || unit == "gib")
    mul = 1ull << 30;
  else
    return false;
  out = static_cast<std::size_t>(n * mul);
  return true;
}

}  // namespace spoke::frontend
