// AccessControl: tokens and the audit log over a MetadataStore.
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "registry/registry_access.h"
#include "spoke/auth.h"
#include "spoke/registry_types.h"
#include "spoke/storage.h"
#include "util/paging.h"
#include "webhooks/events.h"

namespace spoke {
namespace {

// A token's last use is written at most this often.
constexpr Timestamp kTouchInterval = 60 * 1000;
// The name SPOKE_ADMIN_TOKEN is stored under.
constexpr char kBootstrapName[] = "admin";

Status unauthenticated(std::string message) { return Status::Unauthenticated(std::move(message)); }

}  // namespace

AccessControl::AccessControl(MetadataStore& store) : store_(store) {}
AccessControl::AccessControl(Registry& registry)
    : store_(internal::RegistryAccess::metadata(registry)) {}

Result<CreatedToken> AccessControl::create_token(const NewToken& request, AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(auth::validate_token_name(request.name));
  SPOKE_RETURN_IF_ERROR(auth::validate_scope(request.scope));
  if (request.expires_in.count() < 0) {
    return Status::InvalidArgument("a token cannot expire in the past", reason::kInvalidDuration);
  }
  CreatedToken out;
  out.secret = auth::generate_secret();
  AccessToken& t = out.token;
  t.name = request.name;
  t.hash = auth::hash_secret(out.secret);
  t.role = request.role;
  t.scope = request.scope;
  t.creator = request.creator.empty() ? "anonymous" : request.creator;
  t.created_at = now_ms();
  t.expires_at = request.expires_in.count() == 0 ? 0 : t.created_at + request.expires_in.count();
  SPOKE_RETURN_IF_ERROR(store_.insert_token(t, internal::journal_with(audit)));
  internal::mark_written(audit);
  return out;
}

Result<std::vector<AccessToken>> AccessControl::list_tokens() {
  auto tokens = store_.list_tokens();
  if (!tokens.ok()) return tokens.status();
  for (auto& t : tokens.value()) t.hash.clear();
  return tokens;
}

Status AccessControl::revoke_token(const std::string& name, AuditRecord* audit) {
  SPOKE_RETURN_IF_ERROR(store_.revoke_token(name, now_ms(), internal::journal_with(audit)));
  internal::mark_written(audit);
  return Status::OK();
}

Status AccessControl::bootstrap_admin(const std::string& secret) {
  if (!secret.starts_with(auth::kTokenPrefix) || secret.size() < auth::kTokenPrefix.size() + 32) {
    return Status::InvalidArgument(
        "SPOKE_ADMIN_TOKEN must be \"spoke_\" followed by at least 32 random characters (e.g. "
        "spoke_$(openssl rand -hex 32))",
        reason::kInvalidToken);
  }
  std::string hash = auth::hash_secret(secret);
  auto existing = store_.find_token(hash);
  if (existing.ok()) {
    if (existing->revoked_at == 0 && existing->name == kBootstrapName) return Status::OK();
    // Hashes are unique: a revoked secret stays revoked.
    return Status::InvalidArgument(
        fmt::format("SPOKE_ADMIN_TOKEN was stored before as token \"{}\"{}; set a new secret",
                    existing->name, existing->revoked_at != 0 ? ", since revoked" : ""),
        reason::kInvalidToken);
  }
  if (existing.status().reason() != reason::kTokenNotFound) return existing.status();
  // Another secret under the name: the environment's secret replaces it.
  if (Status s = store_.revoke_token(kBootstrapName, now_ms(), {});
      !s.ok() && s.reason() != reason::kTokenNotFound) {
    return s;
  }
  AccessToken t;
  t.name = kBootstrapName;
  t.hash = hash;
  t.role = Role::kAdmin;
  t.creator = "SPOKE_ADMIN_TOKEN";
  t.created_at = now_ms();
  return store_.insert_token(t, {});
}

Result<Principal> AccessControl::authenticate(std::string_view authorization) {
  Principal who;
  if (authorization.empty()) return who;
  static constexpr std::string_view kBearer = "Bearer ";
  if (authorization.size() <= kBearer.size() ||
      !std::equal(kBearer.begin(), kBearer.end(), authorization.begin(),
                  [](char a, char b) { return std::tolower(a) == std::tolower(b); })) {
    return unauthenticated("the Authorization header must be \"Bearer <token>\"");
  }
  std::string_view secret = authorization.substr(kBearer.size());
  while (!secret.empty() && secret.front() == ' ') secret.remove_prefix(1);
  while (!secret.empty() && secret.back() == ' ') secret.remove_suffix(1);
  if (!secret.starts_with(auth::kTokenPrefix)) {
    return unauthenticated("the token is not a Spoke token (they start with \"spoke_\")");
  }
  std::string hash = auth::hash_secret(secret);
  auto stored = store_.find_token(hash);
  if (!stored.ok()) {
    if (stored.status().reason() == reason::kTokenNotFound) {
      return unauthenticated("the token is not known");
    }
    return stored.status();
  }
  const AccessToken& t = stored.value();
  // The lookup went by hash; the stored hash is still compared in constant time before it counts.
  if (!auth::constant_time_equal(hash, t.hash)) return unauthenticated("the token is not known");
  Timestamp now = now_ms();
  if (t.revoked_at != 0) {
    return unauthenticated(
        fmt::format("token \"{}\" was revoked at {}", t.name, format_timestamp(t.revoked_at)));
  }
  if (t.expires_at != 0 && t.expires_at <= now) {
    return unauthenticated(
        fmt::format("token \"{}\" expired at {}", t.name, format_timestamp(t.expires_at)));
  }
  if (now - t.last_used_at >= kTouchInterval) {
    // Best effort: a failure to record the use does not refuse the request.
    (void)store_.touch_token(hash, now);
  }
  who.anonymous = false;
  who.name = t.name;
  who.role = t.role;
  who.scope = t.scope;
  who.expires_at = t.expires_at;
  return who;
}

Status AccessControl::record(AuditEntry entry) {
  if (entry.time == 0) entry.time = now_ms();
  auto id = store_.append_audit(entry);
  return id.ok() ? Status::OK() : id.status();
}

Result<AuditPage> AccessControl::list_audit(const AuditFilter& filter) {
  AuditQuery q;
  q.module = filter.module;
  q.actor = filter.actor;
  Timestamp now = now_ms();
  if (!filter.since.empty()) {
    auto t = auth::parse_time(filter.since, now);
    if (!t.ok()) return t.status();
    q.since = t.value();
  }
  if (!filter.until.empty()) {
    auto t = auth::parse_time(filter.until, now);
    if (!t.ok()) return t.status();
    q.until = t.value();
  }
  auto fetch = internal::page_fetch_size(filter.limit);
  if (!fetch.ok()) return fetch.status();
  q.limit = fetch.value();
  auto before = internal::parse_page_token(filter.page_token);
  if (!before.ok()) return before.status();
  q.before_id = before.value();
  auto entries = store_.list_audit(q);
  if (!entries.ok()) return entries.status();
  AuditPage page;
  page.entries = std::move(entries).value();
  page.next_page_token =
      internal::finish_page(page.entries, q.limit, [](const AuditEntry& e) { return e.id; });
  return page;
}

}  // namespace spoke
