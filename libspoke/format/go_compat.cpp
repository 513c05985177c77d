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

// ---- Go's sort package (zsortfunc.go), pdqsort_func and helpers ----------------------------

struct Data {
  const std::function<bool(std::size_t, std::size_t)>& less_fn;
  const std::function<void(std::size_t, std::size_t)>& swap_fn;
  bool less(long i, long j) const {
    return less_fn(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
  }
  void swap(long i, long j) const {
    swap_fn(static_cast<std::size_t>(i), static_cast<std::size_t>(j));
  }
};

enum Hint { kUnknown, kIncreasing, kDecreasing };

void insertion_sort(const Data& d, long a, long b) {
  for (long i = a + 1; i < b; ++i) {
    for (long j = i; j > a && d.less(j, j - 1); --j) d.swap(j, j - 1);
  }
}

void sift_down(const Data& d, long lo, long hi, long first) {
  long root = lo;
  while (true) {
    long child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && d.less(first + child, first + child + 1)) ++child;
    if (!d.less(first + root, first + child)) return;
    d.swap(first + root, first + child);
    root = child;
  }
}

void heap_sort(const Data& d, long a, long b) {
  long first = a, lo = 0, hi = b - a;
  for (long i = (hi - 1) / 2; i >= 0; --i) sift_down(d, i, hi, first);
  for (long i = hi - 1; i >= 0; --i) {
    d.swap(first, first + i);
    sift_down(d, lo, i, first);
  }
}

std::pair<long, bool> partition(const Data& d, long a, long b, long pivot) {
  d.swap(a, pivot);
  long i = a + 1, j = b - 1;
  while (i <= j && d.less(i, a)) ++i;
  while (i <= j && !d.less(j, a)) --j;
  if (i > j) {
    d.swap(j, a);
    return {j, true};
  }
  d.swap(i, j);
  ++i;
  --j;
  while (true) {
    while (i <= j && d.less(i, a)) ++i;
    while (i <= j && !d.less(j, a)) --j;
    if (i > j) break;
    d.swap(i, j);
    ++i;
    --j;
  }
  d.swap(j, a);
  return {j, false};
}

long partition_equal(const Data& d, long a, long b, long pivot) {
  d.swap(a, pivot);
  long i = a + 1, j = b - 1;
  while (true) {
    while (i <= j && !d.less(a, i)) ++i;
    while (i <= j && d.less(a, j)) --j;
    if (i > j) break;
    d.swap(i, j);
    ++i;
    --j;
  }
  return i;
}

bool partial_insertion_sort(const Data& d, long a, long b) {
  constexpr long kMaxSteps = 5, kShortestShifting = 50;
  long i = a + 1;
  for (long step = 0; step < kMaxSteps; ++step) {
    while (i < b && !d.less(i, i - 1)) ++i;
    if (i == b) return true;
    if (b - a < kShortestShifting) return false;
    d.swap(i, i - 1);
    if (i - a >= 2) {
      for (long j = i - 1; j >= 1; --j) {
        if (!d.less(j, j - 1)) break;
        d.swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (long j = i + 1; j < b; ++j) {
        if (!d.less(j, j - 1)) break;
        d.swap(j, j - 1);
      }
    }
  }
  return false;
}

void break_patterns(const Data& d, long a, long b) {
  long length = b - a;
  if (length < 8) return;
  std::uint64_t random = static_cast<std::uint64_t>(length);
  std::uint64_t modulus = std::uint64_t{1} << std::bit_width(static_cast<std::uint64_t>(length));
  for (long idx = a + (length / 4) * 2 - 1; idx <= a + (length / 4) * 2 + 1; ++idx) {
    random ^= random << 13;
    random ^= random >> 7;
    random ^= random << 17;
    long other = static_cast<long>(random & (modulus - 1));
    if (other >= length) other -= length;
    d.swap(idx, a + other);
  }
}

std::pair<long, long> order2(const Data& d, long a, long b, int* swaps) {
  if (d.less(b, a)) {
    ++*swaps;
    return {b, a};
  }
  return {a, b};
}

long median(const Data& d, long a, long b, long c, int* swaps) {
  std::tie(a, b) = order2(d, a, b, swaps);
  std::tie(b, c) = order2(d, b, c, swaps);
  std::tie(a, b) = order2(d, a, b, swaps);
  return b;
}

long median_adjacent(const Data& d, long a, int* swaps) {
  return median(d, a - 1, a, a + 1, swaps);
}

std::pair<long, Hint> choose_pivot(const Data& d, long a, long b) {
  constexpr long kShortestNinther = 50;
  constexpr int kMaxSwaps = 4 * 3;
  long l = b - a;
  int swaps = 0;
  long i = a + l / 4 * 1, j = a + l / 4 * 2, k = a + l / 4 * 3;
  if (l >= 8) {
    if (l >= kShortestNinther) {
      i = median_adjacent(d, i, &swaps);
      j = median_adjacent(d, j, &swaps);
      k = median_adjacent(d, k, &swaps);
    }
    j = median(d, i, j, k, &swaps);
  }
  if (swaps == 0) return {j, kIncreasing};
  if (swaps == kMaxSwaps) return {j, kDecreasing};
  return {j, kUnknown};
}

void reverse_range(const Data& d, long a, long b) {
  for (long i = a, j = b - 1; i < j; ++i, --j) d.swap(i, j);
}

void pdqsort(const Data& d, long a, long b, int limit) {
  constexpr long kMaxInsertion = 12;
  bool was_balanced = true, was_partitioned = true;
  while (true) {
    long length = b - a;
    if (length <= kMaxInsertion) {
      insertion_sort(d, a, b);
      return;
    }
    if (limit == 0) {
      heap_sort(d, a, b);
      return;
    }
    if (!was_balanced) {
      break_patterns(d, a, b);
      --limit;
    }
    auto [pivot, hint] = choose_pivot(d, a, b);
    if (hint == kDecreasing) {
      reverse_range(d, a, b);
      pivot = (b - 1) - (pivot - a);
      hint = kIncreasing;
    }
    if (was_balanced && was_partitioned && hint == kIncreasing) {
      if (partial_insertion_sort(d, a, b)) return;
    }
    if (a > 0 && !d.less(a - 1, pivot)) {
      a = partition_equal(d, a, b, pivot);
      continue;
    }
    auto [mid, already] = partition(d, a, b, pivot);
    was_partitioned = already;
    long left = mid - a, right = b - mid;
    long threshold = length / 8;
    if (left < right) {
      was_balanced = left >= threshold;
      pdqsort(d, a, mid, limit);
      a = mid + 1;
    } else {
      was_balanced = right >= threshold;
      pdqsort(d, mid + 1, b, limit);
      b = mid;
    }
  }
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

void sort_slice(std::size_t n, const std::function<bool(std::size_t, std::size_t)>& less,
                const std::function<void(std::size_t, std::size_t)>& swap) {
  Data d{less, swap};
  pdqsort(d, 0, static_cast<long>(n), static_cast<int>(std::bit_width(n)));
}

}  // namespace spoke::format::go
