#pragma once

// Pages of rows listed newest first by a numeric key (an id, a sequence): the limit a client
// asks for, the page token it hands back, and the one extra row that tells whether another page
// follows. Private to libspoke.

#include <fmt/format.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "spoke/reason.h"
#include "spoke/status.h"

namespace spoke::internal {

// How many rows to ask the store for, for a client's `limit` (0: 100; at most 1000): one more
// than the page holds. InvalidArgument("invalid_limit").
inline Result<std::size_t> page_fetch_size(std::size_t limit) {
  if (limit > 1000) {
    return Status::InvalidArgument(fmt::format("limit {} is out of range: 1 to 1000", limit),
                                   reason::kInvalidLimit);
  }
  return (limit == 0 ? 100 : limit) + 1;
}

// The key a page token names: rows before it come next. 0 for no token;
// InvalidArgument("invalid_page_token") for anything but a positive integer.
inline Result<std::int64_t> parse_page_token(const std::string& token) {
  if (token.empty()) return std::int64_t{0};
  std::int64_t key = 0;
  auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), key);
  if (ec != std::errc() || end != token.data() + token.size() || key <= 0) {
    return Status::InvalidArgument(fmt::format("page_token \"{}\" is not valid", token),
                                   reason::kInvalidPageToken);
  }
  return key;
}

// Cuts `rows` (fetched with page_fetch_size) to the page; returns the next page's token (the
// key of its last row), or "" when this is the last page.
template <typename Row, typename Key>
std::string finish_page(std::vector<Row>& rows, std::size_t fetched, Key key) {
  if (rows.size() < fetched) return "";
  rows.pop_back();
  return std::to_string(key(rows.back()));
}

}  // namespace spoke::internal
