#pragma once

// Access control: access tokens (only their hashes are stored), the roles and module scopes they
// carry, the decision whether a caller may use a route, and the audit log of mutations and
// denials. Front-ends (spoke-server) authenticate each request and ask authorize() before a
// handler runs; everything here is the same for any front-end.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

class MetadataStore;
class Registry;

// Which requests need a token.
enum class AuthMode {
  kNone,    // none: every request is allowed (a laptop)
  kWrites,  // reads are anonymous; every route that changes something needs a token
  kAll,     // every route needs a token (health endpoints aside)
};

// "none", "writes", "all".
const char* to_string(AuthMode mode);
// InvalidArgument("invalid_auth_mode") naming the modes.
Result<AuthMode> parse_auth_mode(std::string_view text);

// What a route needs of its caller.
enum class Access {
  kPublic,  // never a token (health)
  kRead,    // a reader (anonymous under `writes`)
  kWrite,   // a writer
  kAdmin,   // an admin
};

// "public", "read", "write", "admin".
const char* to_string(Access access);

// Who is calling: a token, or nobody.
struct Principal {
  bool anonymous = true;
  std::string name = "anonymous";  // the token's name
  Role role = Role::kReader;
  std::string scope;  // as AccessToken::scope
  Timestamp expires_at = 0;
};

namespace auth {

inline constexpr std::string_view kTokenPrefix = "spoke_";

// "spoke_" followed by 32 random bytes (OpenSSL RAND_bytes), base64url without padding.
std::string generate_secret();
// "sha256:<hex>" of the secret: what the store keeps.
std::string hash_secret(std::string_view secret);
// Equality of two strings in time that depends only on their lengths (CRYPTO_memcmp).
bool constant_time_equal(std::string_view a, std::string_view b);

// `pattern` against `name`: '*' matches any run of characters (none too), '?' one character,
// everything else itself.
bool glob_match(std::string_view pattern, std::string_view name);
// True when a token of `scope` may act on `module`: "" covers every module.
bool scope_covers(std::string_view scope, std::string_view module);
// OK for "", a module name, or a module-name glob (a valid name once '*' and '?' are letters).
// InvalidArgument("invalid_scope") otherwise.
Status validate_scope(std::string_view scope);
// OK for a token name: 1 to 64 letters, digits, '-', '_', '.', starting with a letter or digit.
// InvalidArgument("invalid_name") otherwise.
Status validate_token_name(std::string_view name);

// "720h", "30m", "90s", "7d", "1h30m": a positive duration. InvalidArgument("invalid_duration").
Result<std::chrono::milliseconds> parse_duration(std::string_view text);
// A point in time for a query: "2026-12-04T21:00:00Z" (fractional seconds allowed), or a duration
// before `now` ("24h": a day ago). InvalidArgument("invalid_time").
Result<Timestamp> parse_time(std::string_view text, Timestamp now);

// May `who` use a route needing `access` under `mode`, on `module` (the route's {module}; empty
// for routes without one)? OK, or:
//   Unauthenticated("unauthenticated") when a token is needed and none was given;
//   NotFound("module_not_found"), exactly as for a missing module, when `who` may not read
//     `module` (mode all, outside the token's scope);
//   PermissionDenied("forbidden") naming the role needed (field "required_role") when the
//     token's role is too low, its scope does not cover `module`, or a route without a module
//     that changes something is asked with a token scoped to some modules.
Status authorize(AuthMode mode, Access access, const Principal& who, const std::string& module);

// May `who` see `module` in listings under `mode`?
bool may_read(AuthMode mode, const Principal& who, std::string_view module);

}  // namespace auth

// A token as asked for.
struct NewToken {
  std::string name;
  Role role = Role::kReader;
  std::string scope;                        // "", a module, or a glob
  std::chrono::milliseconds expires_in{0};  // 0: never expires
  std::string creator;                      // who asks: a token name, "anonymous", "spoke-server"
};

// A token just made: `secret` is shown this once and stored nowhere.
struct CreatedToken {
  AccessToken token;  // hash filled in
  std::string secret;
};

// One page of the audit log, newest first.
struct AuditPage {
  std::vector<AuditEntry> entries;
  std::string next_page_token;  // empty on the last page
};

// Which audit entries to list, as a client gives them (see AccessControl::list_audit).
struct AuditFilter {
  std::string module;
  std::string actor;
  std::string since;  // parse_time
  std::string until;
  std::size_t limit = 0;  // 1..1000; 0: 100
  std::string page_token;
};

// Tokens and the audit log over a MetadataStore. Thread-safe; the store must outlive it.
class AccessControl {
 public:
  explicit AccessControl(MetadataStore& store);
  // Over the registry's store.
  explicit AccessControl(Registry& registry);

  // Makes a token. InvalidArgument("invalid_name" / "invalid_scope"), Conflict("token_exists").
  // `audit` (optional) is stored with the token (see AuditRecord).
  Result<CreatedToken> create_token(const NewToken& request, AuditRecord* audit = nullptr);
  // Every token, revoked and expired ones too, ordered by name; hashes emptied.
  Result<std::vector<AccessToken>> list_tokens();
  // NotFound("token_not_found") when there is no live token of that name. `audit` (optional) is
  // stored with the revocation.
  Status revoke_token(const std::string& name, AuditRecord* audit = nullptr);

  // Stores `secret` as the admin token named "admin" unless it is stored already; an "admin"
  // token with another secret is revoked first (rotation). InvalidArgument("invalid_token") when
  // `secret` is not "spoke_" and at least 32 more characters.
  Status bootstrap_admin(const std::string& secret);

  // The caller an Authorization header value names. Empty header: anonymous. Otherwise
  // Unauthenticated("unauthenticated") for anything but "Bearer <token>" of a known token that
  // is neither expired nor revoked; the message says which. Records the use (last_used_at, at
  // most once a minute a token).
  Result<Principal> authenticate(std::string_view authorization);

  // Appends an entry to the audit log (its time set when 0).
  Status record(AuditEntry entry);
  // The entries `filter` selects, newest first. InvalidArgument("invalid_time",
  // "invalid_limit", "invalid_page_token").
  Result<AuditPage> list_audit(const AuditFilter& filter);

 private:
  MetadataStore& store_;
};

}  // namespace spoke
