#pragma once

// The pieces of Go's standard library whose exact behaviour shows in buf's output: Unicode white
// space trimming (strings.TrimSpace) and the letters and digits of unicode.IsLetter/IsNumber on
// a byte.

#include <string_view>

namespace spoke::format::go {

// strings.TrimSpace / strings.TrimRightFunc(s, unicode.IsSpace): trims ASCII white space and the
// Unicode White_Space characters (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000) encoded in UTF-8.
std::string_view trim_space(std::string_view s);
std::string_view trim_right_space(std::string_view s);

// unicode.IsLetter(rune(b)) || unicode.IsNumber(rune(b)) for a single byte read as a Latin-1
// code point.
bool is_latin1_letter_or_number(unsigned char b);

}  // namespace spoke::format::go
