#include "format/go_compat.h"

namespace spoke::format::go {

namespace {

// Length of a Unicode space (non-ASCII, UTF-8) that starts at s[i], or 0.
std::size_t unicode_space_at(std::string_view s, std::size_t i) {
  auto b = [&](std::size_t k) -> unsigned {
    return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u;
  };
  if (b(0) == 0xC2 && (b(1) == 0x85 || b(1) == 0xA0)) return 2;
  if (b(0) == 0xE1 && b(1) == 0x9A && b(2) == 0x80) return 3;
  if (b(0) == 0xE2 && b(1) == 0x80 &&
      ((b(2) >= 0x80 && b(2) <= 0x8A) || b(2) == 0xA8 || b(2) == 0xA9 || b(2) == 0xAF)) {
    return 3;
  }
  if (b(0) == 0xE2 && b(1) == 0x81 && b(2) == 0x9F) return 3;
  if (b(0) == 0xE3 && b(1) == 0x80 && b(2) == 0x80) return 3;
  return 0;
}

bool ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Length of the Unicode space that ends at s[end-1], or 0.
std::size_t unicode_space_before(std::string_view s, std::size_t end) {
  for (std::size_t len = 2; len <= 3; ++len) {
    if (end >= len && unicode_space_at(s, end - len) == len) return len;
  }
  return 0;
}

}  // namespace

std::string_view trim_right_space(std::string_view s) {
  std::size_t end = s.size();
  while (end > 0) {
    if (ascii_space(s[end - 1])) {
      --end;
    } else if (std::size_t n = unicode_space_before(s, end); n > 0) {
      end -= n;
    } else {
      break;
    }
  }
  return s.substr(0, end);
}

std::string_view trim_space(std::string_view s) {
  std::size_t start = 0;
  while (start < s.size()) {
    if (ascii_space(s[start])) {
      ++start;
    } else if (std::size_t n = unicode_space_at(s, start); n > 0) {
      start += n;
    } else {
      break;
    }
  }
  return trim_right_space(s.substr(start));
}

bool is_latin1_letter_or_number(unsigned char b) {
  if ((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')) return true;
  if (b == 0xAA || b == 0xB5 || b == 0xBA) return true;                              // ª µ º
  if (b == 0xB2 || b == 0xB3 || b == 0xB9 || (b >= 0xBC && b <= 0xBE)) return true;  // ² ³ ¹ ¼ ½ ¾
  return b >= 0xC0 && b != 0xD7 && b != 0xF7;  // À..ÿ except × and ÷
}

}  // namespace spoke::format::go
