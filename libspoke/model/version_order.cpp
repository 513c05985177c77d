// Version strings: semver (optional leading 'v') or commit ids, their order and `latest`.
#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "spoke/model.h"

namespace spoke {
namespace {

bool is_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_ident_chars(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
  });
}

bool parse_number(std::string_view s, std::uint64_t& out) {
  if (!is_digits(s) || (s.size() > 1 && s[0] == '0')) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (true) {
    auto pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string_view::npos ? s.npos : pos - start));
    if (pos == std::string_view::npos) break;
    start = pos + 1;
  }
  return out;
}

bool parse_semver(std::string_view text, SemVer& v) {
  if (!text.empty() && text[0] == 'v') text.remove_prefix(1);
  auto plus = text.find('+');
  if (plus != std::string_view::npos) {
    std::string_view build = text.substr(plus + 1);
    for (auto id : split(build, '.')) {
      if (!is_ident_chars(id)) return false;
    }
    v.build = std::string(build);
    text = text.substr(0, plus);
  }
  auto dash = text.find('-');
  if (dash != std::string_view::npos) {
    for (auto id : split(text.substr(dash + 1), '.')) {
      if (!is_ident_chars(id)) return false;
      if (is_digits(id) && id.size() > 1 && id[0] == '0') return false;
      v.prerelease.emplace_back(id);
    }
    text = text.substr(0, dash);
  }
  auto core = split(text, '.');
  return core.size() == 3 && parse_number(core[0], v.major) && parse_number(core[1], v.minor) &&
         parse_number(core[2], v.patch);
}

bool is_commit_id(std::string_view s) {
  return s.size() >= 7 && s.size() <= 40 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

// Higher = newer. Category: semver 2, commit 1, unknown 0.
int category(const VersionId* v) {
  return v == nullptr ? 0 : v->kind == VersionId::Kind::kSemVer ? 2 : 1;
}

}  // namespace

Result<VersionId> parse_version(std::string_view text) {
  VersionId id;
  id.raw = std::string(text);
  if (text.size() <= 128 && parse_semver(text, id.semver)) {
    id.kind = VersionId::Kind::kSemVer;
    return id;
  }
  if (is_commit_id(text)) {
    id.kind = VersionId::Kind::kCommit;
    id.semver = {};
    return id;
  }
  return Status::InvalidArgument(
      fmt::format("invalid version \"{}\": use a semantic version (v1.2.3, 1.2.3-rc.1+build.5) "
                  "or a commit id of 7 to 40 lowercase hex digits",
                  text),
      reason::kInvalidVersion);
}

int compare_semver(const SemVer& a, const SemVer& b) {
  auto cmp = [](auto x, auto y) { return x < y ? -1 : x > y ? 1 : 0; };
  if (int c = cmp(a.major, b.major)) return c;
  if (int c = cmp(a.minor, b.minor)) return c;
  if (int c = cmp(a.patch, b.patch)) return c;
  // A release is greater than its pre-releases.
  if (a.prerelease.empty() || b.prerelease.empty()) {
    return cmp(a.prerelease.empty(), b.prerelease.empty());
  }
  for (std::size_t i = 0; i < std::min(a.prerelease.size(), b.prerelease.size()); ++i) {
    const std::string& x = a.prerelease[i];
    const std::string& y = b.prerelease[i];
    bool xn = is_digits(x), yn = is_digits(y);
    if (xn && yn) {
      if (x.size() != y.size()) return cmp(x.size(), y.size());
      if (int c = x.compare(y)) return c < 0 ? -1 : 1;
    } else if (xn != yn) {
      return xn ? -1 : 1;  // numeric identifiers have lower precedence
    } else if (int c = x.compare(y)) {
      return c < 0 ? -1 : 1;
    }
  }
  return cmp(a.prerelease.size(), b.prerelease.size());
}

std::string version_order_key(const VersionId& id) {
  if (id.kind != VersionId::Kind::kSemVer) return "0";
  // "1", the three numbers at fixed width, then '~' for a release or '-' and the pre-release
  // identifiers ('#' and the length for a numeric one, '%' for another, each ended by '!'), then
  // '!': byte order is semver precedence (build metadata ignored), as sort_newest_first orders.
  std::string key =
      fmt::format("1{:020}{:020}{:020}", id.semver.major, id.semver.minor, id.semver.patch);
  if (!id.semver.is_prerelease()) return key + "~";
  key += '-';
  for (const auto& part : id.semver.prerelease) {
    if (is_digits(part)) {
      key += fmt::format("#{:03}{}", part.size(), part);
    } else {
      key += '%';
      key += part;
      key += '!';
    }
  }
  key += '!';
  return key;
}

void sort_newest_first(std::vector<VersionRef>& refs) {
  struct Keyed {
    std::optional<VersionId> id;
    VersionRef ref;
  };
  std::vector<Keyed> keyed;
  keyed.reserve(refs.size());
  for (auto& r : refs) {
    auto parsed = parse_version(r.version);
    keyed.push_back(
        {parsed.ok() ? std::optional<VersionId>(std::move(parsed).value()) : std::nullopt,
         std::move(r)});
  }
  std::stable_sort(keyed.begin(), keyed.end(), [](const Keyed& a, const Keyed& b) {
    int ca = category(a.id ? &*a.id : nullptr), cb = category(b.id ? &*b.id : nullptr);
    if (ca != cb) return ca > cb;
    if (ca == 2) {
      if (int c = compare_semver(a.id->semver, b.id->semver)) return c > 0;
    }
    return a.ref.sequence > b.ref.sequence;
  });
  refs.clear();
  for (auto& k : keyed) refs.push_back(std::move(k.ref));
}

std::optional<VersionRef> pick_latest(const std::vector<VersionRef>& refs) {
  if (refs.empty()) return std::nullopt;
  std::vector<VersionRef> sorted = refs;
  sort_newest_first(sorted);
  // The first release, if any; else the first entry (a pre-release, or the newest commit id).
  for (const auto& r : sorted) {
    auto id = parse_version(r.version);
    if (id.ok() && id->kind == VersionId::Kind::kSemVer && !id->semver.is_prerelease()) return r;
  }
  return sorted.front();
}

}  // namespace spoke
