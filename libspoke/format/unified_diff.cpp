// Unified diffs for `spoke format -d`: the header buf prints (it runs `diff -u` and renames the
// files), then GNU-style hunks with three lines of context over a shortest edit script.
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "spoke/format.h"

namespace spoke {

namespace {

enum class Op { kEqual, kDelete, kInsert };

struct Edit {
  Op op;
  std::size_t a;  // line in the original (kEqual, kDelete)
  std::size_t b;  // line in the new text (kEqual, kInsert)
};

// Lines with their terminating newline (the last one may have none).
std::vector<std::string_view> lines_of(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t nl = s.find('\n', start);
    std::size_t end = nl == std::string_view::npos ? s.size() : nl + 1;
    out.push_back(s.substr(start, end - start));
    start = end;
  }
  return out;
}

// Myers' greedy shortest edit script between a[lo_a, hi_a) and b[lo_b, hi_b); false when the
// distance exceeds `max_d` (the caller then replaces the whole range).
bool myers(const std::vector<std::string_view>& a, const std::vector<std::string_view>& b,
           std::size_t lo_a, std::size_t hi_a, std::size_t lo_b, std::size_t hi_b, long max_d,
           std::vector<Edit>* out) {
  const long n = static_cast<long>(hi_a - lo_a), m = static_cast<long>(hi_b - lo_b);
  const long max = std::min(n + m, max_d);
  const long offset = max + 1;
  std::vector<long> v(static_cast<std::size_t>(2 * max + 3), 0);
  std::vector<std::vector<long>> trace;
  auto same = [&](long x, long y) {
    return a[lo_a + static_cast<std::size_t>(x)] == b[lo_b + static_cast<std::size_t>(y)];
  };
  long found = -1;
  for (long d = 0; d <= max && found < 0; ++d) {
    trace.push_back(v);
    for (long k = -d; k <= d; k += 2) {
      long x = (k == -d || (k != d && v[k - 1 + offset] < v[k + 1 + offset]))
                   ? v[k + 1 + offset]
                   : v[k - 1 + offset] + 1;
      long y = x - k;
      while (x < n && y < m && same(x, y)) ++x, ++y;
      v[k + offset] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
  }
  if (found < 0) return false;
  std::vector<Edit> reversed;
  long x = n, y = m;
  for (long d = found; d >= 0; --d) {
    const std::vector<long>& pv = trace[static_cast<std::size_t>(d)];
    long k = x - y;
    long prev_k = (k == -d || (k != d && pv[k - 1 + offset] < pv[k + 1 + offset])) ? k + 1 : k - 1;
    long prev_x = d == 0 ? 0 : pv[prev_k + offset];
    long prev_y = d == 0 ? 0 : prev_x - prev_k;
    while (x > prev_x && y > prev_y) {
      --x, --y;
      reversed.push_back(
          {Op::kEqual, lo_a + static_cast<std::size_t>(x), lo_b + static_cast<std::size_t>(y)});
    }
    if (d == 0) break;
    if (x == prev_x) {
      reversed.push_back({Op::kInsert, lo_a + static_cast<std::size_t>(x),
                          lo_b + static_cast<std::size_t>(prev_y)});
    } else {
      reversed.push_back({Op::kDelete, lo_a + static_cast<std::size_t>(prev_x),
                          lo_b + static_cast<std::size_t>(y)});
    }
    x = prev_x;
    y = prev_y;
  }
  out->insert(out->end(), reversed.rbegin(), reversed.rend());
  return true;
}

// GNU diff's shift_boundaries: slides each run of changed lines of one file (`changed`, indexed
// from 1 with zero sentinels at both ends) so that runs merge and end as late as possible, and
// then back to a run of the other file when they can, which is how `diff -u` (and so buf -d)
// places changes among repeated lines.
void shift_boundaries(const std::vector<std::string_view>& lines, std::vector<char>& changed,
                      const std::vector<char>& other_changed) {
  // changed[k + 1] is line k; other_changed likewise.
  auto ch = [&](long k) -> char& { return changed[static_cast<std::size_t>(k + 1)]; };
  auto other = [&](long k) -> char { return other_changed[static_cast<std::size_t>(k + 1)]; };
  auto eq = [&](long x, long y) {
    return lines[static_cast<std::size_t>(x)] == lines[static_cast<std::size_t>(y)];
  };
  const long i_end = static_cast<long>(lines.size());
  long i = 0, j = 0;
  while (true) {
    while (i < i_end && !ch(i)) {
      while (other(j++)) {
      }
      ++i;
    }
    if (i == i_end) break;
    long start = i;
    while (ch(++i)) {
    }
    while (other(j)) ++j;
    long runlength, corresponding;
    do {
      runlength = i - start;
      while (start > 0 && eq(start - 1, i - 1)) {
        ch(--start) = 1;
        ch(--i) = 0;
        while (ch(start - 1)) --start;
        while (other(--j)) {
        }
      }
      corresponding = other(j - 1) ? i : i_end;
      while (i != i_end && eq(start, i)) {
        ch(start++) = 0;
        ch(i++) = 1;
        while (ch(i)) ++i;
        while (other(++j)) corresponding = i;
      }
    } while (runlength != i - start);
    while (corresponding < i) {
      ch(--start) = 1;
      ch(--i) = 0;
      while (other(--j)) {
      }
    }
  }
}

std::vector<Edit> edit_script(const std::vector<std::string_view>& a,
                              const std::vector<std::string_view>& b) {
  std::size_t prefix = 0;
  while (prefix < a.size() && prefix < b.size() && a[prefix] == b[prefix]) ++prefix;
  std::size_t suffix = 0;
  while (suffix < a.size() - prefix && suffix < b.size() - prefix &&
         a[a.size() - 1 - suffix] == b[b.size() - 1 - suffix]) {
    ++suffix;
  }
  std::vector<Edit> edits;
  for (std::size_t i = 0; i < prefix; ++i) edits.push_back({Op::kEqual, i, i});
  const std::size_t hi_a = a.size() - suffix, hi_b = b.size() - suffix;
  if (!myers(a, b, prefix, hi_a, prefix, hi_b, 4000, &edits)) {
    for (std::size_t i = prefix; i < hi_a; ++i) edits.push_back({Op::kDelete, i, prefix});
    for (std::size_t j = prefix; j < hi_b; ++j) edits.push_back({Op::kInsert, hi_a, j});
  }
  for (std::size_t i = 0; i < suffix; ++i) edits.push_back({Op::kEqual, hi_a + i, hi_b + i});

  // Canonical placement of the changes, then the script again from the changed lines.
  std::vector<char> changed_a(a.size() + 2, 0), changed_b(b.size() + 2, 0);
  for (const Edit& e : edits) {
    if (e.op == Op::kDelete) changed_a[e.a + 1] = 1;
    if (e.op == Op::kInsert) changed_b[e.b + 1] = 1;
  }
  shift_boundaries(a, changed_a, changed_b);
  shift_boundaries(b, changed_b, changed_a);
  edits.clear();
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && changed_a[i + 1]) {
      edits.push_back({Op::kDelete, i++, j});
    } else if (j < b.size() && changed_b[j + 1]) {
      edits.push_back({Op::kInsert, i, j++});
    } else {
      edits.push_back({Op::kEqual, i++, j++});
    }
  }
  return edits;
}

// GNU diff's unified range: "start" for one line, "start,count" otherwise, and for an empty
// range the line before it.
std::string range(std::size_t first, std::size_t count) {
  if (count == 1) return std::to_string(first + 1);
  if (count == 0) return fmt::format("{},0", first);
  return fmt::format("{},{}", first + 1, count);
}

void append_line(std::string& out, char mark, std::string_view line) {
  out += mark;
  out.append(line);
  if (line.empty() || line.back() != '\n') out += "\n\\ No newline at end of file\n";
}

}  // namespace

std::string format_unified_diff(std::string_view original, std::string_view formatted,
                                const std::string& path, const std::string& timestamp) {
  if (original == formatted) return "";
  const auto a = lines_of(original);
  const auto b = lines_of(formatted);
  const std::vector<Edit> edits = edit_script(a, b);
  constexpr std::size_t kContext = 3;

  std::string out = fmt::format("diff -u {0}.orig {0}\n", path);
  std::string stamp = timestamp.empty() ? "" : "\t" + timestamp;
  out += fmt::format("--- {}.orig{}\n+++ {}{}\n", path, stamp, path, stamp);

  std::size_t i = 0;
  while (i < edits.size()) {
    while (i < edits.size() && edits[i].op == Op::kEqual) ++i;
    if (i == edits.size()) break;
    // A hunk: from up to kContext equal lines before the first change to kContext after the
    // last, merging changes separated by at most 2 * kContext equal lines.
    std::size_t start = i >= kContext ? i - kContext : 0;
    std::size_t end = i;
    while (true) {
      while (end < edits.size() && edits[end].op != Op::kEqual) ++end;
      std::size_t run = end;
      while (run < edits.size() && edits[run].op == Op::kEqual) ++run;
      if (run < edits.size() && run - end <= 2 * kContext) {
        end = run;
        continue;
      }
      end = std::min(run, end + kContext);
      break;
    }
    std::size_t first_a = a.size(), first_b = b.size(), count_a = 0, count_b = 0;
    for (std::size_t k = start; k < end; ++k) {
      const Edit& e = edits[k];
      if (e.op != Op::kInsert) {
        first_a = std::min(first_a, e.a);
        ++count_a;
      }
      if (e.op != Op::kDelete) {
        first_b = std::min(first_b, e.b);
        ++count_b;
      }
    }
    if (count_a == 0) first_a = edits[start].a;
    if (count_b == 0) first_b = edits[start].b;
    out += fmt::format("@@ -{} +{} @@\n", range(first_a, count_a), range(first_b, count_b));
    std::size_t k = start;
    while (k < end) {
      if (edits[k].op == Op::kEqual) {
        append_line(out, ' ', a[edits[k].a]);
        ++k;
        continue;
      }
      std::size_t block_end = k;
      while (block_end < end && edits[block_end].op != Op::kEqual) ++block_end;
      for (std::size_t d = k; d < block_end; ++d) {
        if (edits[d].op == Op::kDelete) append_line(out, '-', a[edits[d].a]);
      }
      for (std::size_t d = k; d < block_end; ++d) {
        if (edits[d].op == Op::kInsert) append_line(out, '+', b[edits[d].b]);
      }
      k = block_end;
    }
    i = end;
  }
  return out;
}

}  // namespace spoke
