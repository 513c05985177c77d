#pragma once

#include <string>
#include <string_view>

namespace spoke::internal {

// Lowercase hex of the SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace spoke::internal
