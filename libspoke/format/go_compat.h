#pragma once

// The few pieces of Go's standard library whose exact behaviour shows in buf's output: Unicode
// white space trimming (strings.TrimSpace) and sort.Slice's unstable pattern-defeating quicksort,
// which decides the order of imports and options that compare equal.

#include <bit>
#include <cstdint>
#include <functional>
#include <string_view>
#include <utility>

namespace spoke::format::go {

// strings.TrimSpace / strings.TrimRightFunc(s, unicode.IsSpace): trims ASCII white space and the
// Unicode White_Space characters (U+0085, U+00A0, U+1680, U+2000..U+200A, U+2028, U+2029, U+202F,
// U+205F, U+3000) encoded in UTF-8.
std::string_view trim_space(std::string_view s);
std::string_view trim_right_space(std::string_view s);

// unicode.IsLetter(rune(b)) || unicode.IsNumber(rune(b)) for a single byte read as a Latin-1
// code point.
bool is_latin1_letter_or_number(unsigned char b);

// sort.Slice(x, less) over indexes [0, n): Go's pdqsort_func, step for step, so that elements
// that compare equal end up in the same order as in Go.
void sort_slice(std::size_t n, const std::function<bool(std::size_t, std::size_t)>& less,
                const std::function<void(std::size_t, std::size_t)>& swap);

}  // namespace spoke::format::go
