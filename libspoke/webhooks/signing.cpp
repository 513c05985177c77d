// Standard Webhooks signatures, secrets, and which addresses and headers need care.
#include <arpa/inet.h>
#include <fmt/format.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <array>
#include <cctype>
#include <cstring>
#include <stdexcept>

#include "spoke/reason.h"
#include "spoke/webhooks.h"

namespace spoke::webhooks {
namespace {

std::string base64_encode(const unsigned char* data, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int written =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

// Standard base64 with padding; nullopt for anything else.
std::optional<std::string> base64_decode(std::string_view text) {
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    bool pad = c == '=' && i >= text.size() - 2;
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || pad)) {
      return std::nullopt;
    }
    if (!pad && i > 0 && text[i - 1] == '=') return std::nullopt;
  }
  std::string out(3 * text.size() / 4, '\0');
  int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(text.data()),
                          static_cast<int>(text.size()));
  if (n < 0) return std::nullopt;
  std::size_t padding = text.ends_with("==") ? 2 : text.ends_with("=") ? 1 : 0;
  out.resize(static_cast<std::size_t>(n) - padding);
  return out;
}

Status invalid_secret(std::string message) {
  return Status::InvalidArgument(std::move(message), reason::kInvalidSecret);
}

Result<std::string> secret_key(std::string_view secret) {
  if (!secret.starts_with(kSecretPrefix)) {
    return invalid_secret(
        "a webhook secret starts with \"whsec_\" followed by base64 (e.g. whsec_$(openssl rand "
        "-base64 32))");
  }
  auto key = base64_decode(secret.substr(kSecretPrefix.size()));
  if (!key) return invalid_secret("the part of a webhook secret after \"whsec_\" must be base64");
  if (key->size() < 24 || key->size() > 64) {
    return invalid_secret(fmt::format(
        "a webhook secret must hold 24 to 64 bytes (base64 of them after \"whsec_\"); this one "
        "holds {}",
        key->size()));
  }
  return std::move(*key);
}

}  // namespace

std::string generate_secret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    throw std::runtime_error("RAND_bytes failed: no randomness for a webhook secret");
  }
  return std::string(kSecretPrefix) + base64_encode(bytes.data(), bytes.size());
}

Status validate_secret(std::string_view secret) { return secret_key(secret).status(); }

Result<std::string> sign(std::string_view secret, std::string_view id, std::int64_t timestamp,
                         std::string_view body) {
  auto key = secret_key(secret);
  if (!key.ok()) return key.status();
  std::string message = fmt::format("{}.{}.", id, timestamp);
  message.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), key->data(), static_cast<int>(key->size()),
       reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_len);
  return "v1," + base64_encode(mac, mac_len);
}

Status verify(std::string_view secret, std::string_view id, std::string_view timestamp,
              std::string_view signature_header, std::string_view body, std::int64_t now,
              std::chrono::seconds tolerance) {
  std::int64_t ts = 0;
  if (timestamp.empty() || timestamp.size() > 18) {
    return Status::Unauthenticated("webhook-timestamp is not a number of seconds");
  }
  for (char c : timestamp) {
    if (c < '0' || c > '9') {
      return Status::Unauthenticated("webhook-timestamp is not a number of seconds");
    }
    ts = ts * 10 + (c - '0');
  }
  if (ts < now - tolerance.count() || ts > now + tolerance.count()) {
    return Status::Unauthenticated("webhook-timestamp is too far from now");
  }
  auto expected = sign(secret, id, ts, body);
  if (!expected.ok()) return expected.status();
  std::size_t pos = 0;
  while (pos < signature_header.size()) {
    std::size_t end = signature_header.find(' ', pos);
    if (end == std::string_view::npos) end = signature_header.size();
    std::string_view candidate = signature_header.substr(pos, end - pos);
    if (candidate.size() == expected->size() &&
        CRYPTO_memcmp(candidate.data(), expected->data(), candidate.size()) == 0) {
      return Status::OK();
    }
    pos = end + 1;
  }
  return Status::Unauthenticated("no signature in webhook-signature matches");
}

bool is_private_address(std::string_view address) {
  std::string text(address);
  unsigned char v6[16];
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    std::uint32_t a = ntohl(v4.s_addr);
    auto in = [a](std::uint32_t net, int bits) {
      std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
      return (a & mask) == net;
    };
    return in(0x00000000, 8) ||   // 0.0.0.0/8 "this network"
           in(0x0a000000, 8) ||   // 10/8
           in(0x64400000, 10) ||  // 100.64/10 carrier-grade NAT
           in(0x7f000000, 8) ||   // 127/8 loopback
           in(0xa9fe0000, 16) ||  // 169.254/16 link-local (cloud metadata)
           in(0xac100000, 12) ||  // 172.16/12
           in(0xc0000000, 24) ||  // 192.0.0/24 protocol assignments
           in(0xc0a80000, 16) ||  // 192.168/16
           in(0xc6120000, 15) ||  // 198.18/15 benchmarking
           in(0xe0000000, 4) ||   // 224/4 multicast
           in(0xf0000000, 4);     // 240/4 reserved, broadcast
  }
  if (inet_pton(AF_INET6, text.c_str(), v6) == 1) {
    static const unsigned char kZero[16] = {};
    bool unspecified = std::memcmp(v6, kZero, 16) == 0;
    bool loopback = std::memcmp(v6, kZero, 15) == 0 && v6[15] == 1;
    bool mapped = std::memcmp(v6, kZero, 10) == 0 && v6[10] == 0xff && v6[11] == 0xff;
    if (mapped) {
      return is_private_address(fmt::format("{}.{}.{}.{}", v6[12], v6[13], v6[14], v6[15]));
    }
    bool unique_local = (v6[0] & 0xfe) == 0xfc;                 // fc00::/7
    bool link_local = v6[0] == 0xfe && (v6[1] & 0xc0) == 0x80;  // fe80::/10
    bool site_local = v6[0] == 0xfe && (v6[1] & 0xc0) == 0xc0;  // fec0::/10 (deprecated)
    bool multicast = v6[0] == 0xff;
    return unspecified || loopback || unique_local || link_local || site_local || multicast;
  }
  return false;
}

bool is_sensitive_header(std::string_view name) {
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "authorization" || lower == "proxy-authorization" || lower == "cookie") return true;
  for (const char* word : {"token", "secret", "key", "password"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

}  // namespace spoke::webhooks
