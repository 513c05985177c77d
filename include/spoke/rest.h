#pragma once

// The REST API's JSON: every request and response body of spoke-server, in both directions. The
// server renders and parses through it, and so does the typed client (spoke/remote_registry.h),
// so the two cannot disagree. The core library does not need it: it lives in libspoke-rest.

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

#include "spoke/auth.h"
#include "spoke/breaking.h"
#include "spoke/compile.h"
#include "spoke/compile_service.h"
#include "spoke/format.h"
#include "spoke/lint.h"
#include "spoke/model.h"
#include "spoke/registry.h"
#include "spoke/status.h"
#include "spoke/webhooks.h"

namespace spoke::rest {

using nlohmann::json;

// ---- models -----------------------------------------------------------------------------------

json to_json(const Module& m);
json to_json(const ModuleSummary& s);
// {"modules": [...], "next_page_token"} (the token only when another page follows).
json to_json(const ModulePage& p);
// The module's fields, "latest_version" (null without versions), "version_count", "versions"
// (one page) and "next_page_token" (only when another page follows).
json to_json(const ModuleDetail& d);
// {"versions": [...], "next_page_token"} (the token only when another page follows).
json to_json(const VersionPage& p);
json to_json(const Dependency& d);
json to_json(const SourceInfo& s);
// Files carry "content" only when `with_content`.
json to_json(const Version& v, bool with_content);
// {"versions": [...]}, files without contents.
json to_json(const std::vector<Version>& versions);
// The version (files without contents) and "warnings".
json to_json(const PushResult& r);
json to_json(const Diagnostic& d);
json to_json(const ValidateReport& r);
json to_json(const DependencyReport& r);
// {"compatibility", "ignore_unstable_packages", "transitive", "lint", "default", "updated_at"}
// ("lint" null without a lint policy, "updated_at" null when never set).
json to_json(const EffectivePolicy& p);

Result<Module> module_from_json(const json& j);
Result<ModulePage> module_page_from_json(const json& j);
Result<ModuleDetail> module_detail_from_json(const json& j);
Result<Version> version_from_json(const json& j);
Result<std::vector<Version>> versions_from_json(const json& j);
Result<VersionPage> version_page_from_json(const json& j);
Result<PushResult> push_result_from_json(const json& j, bool created);
Result<Diagnostic> diagnostic_from_json(const json& j);
Result<ValidateReport> validate_report_from_json(const json& j);
Result<DependencyReport> dependency_report_from_json(const json& j);
Result<EffectivePolicy> policy_from_json(const json& j);

// ---- breaking changes -------------------------------------------------------------------------

// {"path", "start_line", "start_column", "end_line", "end_column", "type", "message"}: the
// object of `buf breaking --error-format json` ("path" absent without a file).
json to_json(const BreakingFinding& f);
// {"kind", "element", "name", "path", "line", "column", "detail"} ("line"/"column" when known,
// "detail" when not empty).
json to_json(const SchemaChange& c);
// {"breaking": bool, "rules": [...], "findings": [...], "changes": [...], "warnings": [...]}
json to_json(const BreakingResult& r);
// The answer of GET /modules/{name}/diff: {"breaking": [findings], "changes": [...], "rules"}.
json diff_json(const BreakingResult& r);
Result<BreakingFinding> finding_from_json(const json& j);
Result<BreakingResult> diff_from_json(const json& j);

// ---- compile jobs -----------------------------------------------------------------------------

json to_json(const CompileJob& job);
json to_json(const Artifact& artifact);
// The job's fields, "cache_hit", and "artifact" on a hit.
json to_json(const SubmitResult& r);
// {"jobs": [...]}
json to_json(const std::vector<CompileJob>& jobs);
// {"libprotoc": "3.21.12", "languages": [{"language", "builtin", "plugin" (plugins only),
// "grpc": bool, "grpc_plugin" (when found), "grpc_missing" (the gRPC plugin it lacks)}]}
json to_json(const std::vector<LanguageInfo>& languages);
Result<CompileJob> job_from_json(const json& j);
Result<SubmitResult> submit_result_from_json(const json& j);
Result<std::vector<LanguageInfo>> languages_from_json(const json& j);

// ---- access tokens and the audit log --------------------------------------------------------

// {"name", "role", "module" (null: every module), "creator", "created_at", "expires_at",
// "last_used_at", "revoked_at"} (times null when unset). Never the hash.
json to_json(const AccessToken& t);
// The token's fields and "token": the secret, shown only in the answer to POST /tokens.
json to_json(const CreatedToken& t);
// {"tokens": [...]}
json to_json(const std::vector<AccessToken>& tokens);
// GET /whoami: {"name", "anonymous", "role" (null when anonymous), "module", "expires_at"}.
json to_json(const Principal& p);
// {"id", "time", "actor", "client", "request_id", "method", "route", "module", "version",
// "status", "error"} (module, version and error null when empty).
json to_json(const AuditEntry& e);
// {"entries": [...], "next_page_token"} (the token only when another page follows).
json to_json(const AuditPage& p);
Result<AccessToken> token_from_json(const json& j);
Result<CreatedToken> created_token_from_json(const json& j);
Result<std::vector<AccessToken>> tokens_from_json(const json& j);
Result<Principal> principal_from_json(const json& j);
Result<AuditPage> audit_page_from_json(const json& j);

// POST /tokens: {"name", "role", "module", "expires_in"} (name and role required; module
// absent: every module; expires_in a duration such as "720h", absent: never).
// InvalidArgument("missing_field", "invalid_role", "invalid_duration", "unknown_field").
json to_json(const NewToken& t);
Result<NewToken> parse_token_request(const json& body);

// ---- webhooks ---------------------------------------------------------------------------------

// {"id", "url", "events", "module" (null: every module), "active", "state" ("active", "failing"
// or "paused"), "failing_since", "reason" (why failing or paused; null when healthy), "headers"
// (sensitive values "[redacted]"), "description", "creator", "created_at", "updated_at"}. Never
// the secret.
json to_json(const Webhook& w);
// The subscription's fields and "secret" when it was generated or rotated (shown only then).
json to_json(const CreatedWebhook& c);
// {"webhooks": [...]}
json to_json(const std::vector<Webhook>& webhooks);
// {"id" (the webhook-id header), "webhook_id", "event_id", "event", "module", "status",
// "attempt_count", "in_flight" (an attempt is being made), "manual", "created_at",
// "next_attempt_at" (pending only), "finished_at", "last_status", "last_error"}
json to_json(const WebhookDelivery& d);
// {"deliveries": [...], "next_page_token"} (the token only when another page follows).
json to_json(const DeliveryPage& p);
// The delivery's fields, "payload" (the body sent) and "attempts": [{"number", "time",
// "duration_ms", "url", "request": {"headers", "body"}, "response": {"status", "headers",
// "body", "truncated"} or null, "error": {"kind", "message"} or null}]; kind is "dns",
// "connect", "tls", "timeout", "closed", "blocked", or "http" for an answer that is not 2xx.
json to_json(const DeliveryDetail& d);
// POST /webhooks and PATCH /webhooks/{id}: {"url", "events" (a list, or "*"), "module" (null:
// every module), "secret", "active", "headers", "description", "rotate_secret"}; absent fields
// are not set. InvalidArgument("unknown_field", "invalid_field").
json to_json(const WebhookRequest& r);
Result<WebhookRequest> parse_webhook_request(const json& body);
Result<Webhook> webhook_from_json(const json& j);
Result<CreatedWebhook> created_webhook_from_json(const json& j);
Result<std::vector<Webhook>> webhooks_from_json(const json& j);
Result<WebhookDelivery> delivery_from_json(const json& j);
Result<DeliveryPage> delivery_page_from_json(const json& j);
Result<DeliveryDetail> delivery_detail_from_json(const json& j);

// ---- request bodies ---------------------------------------------------------------------------

// POST /modules: {"name", "description"}.
struct CreateModuleRequest {
  std::string name;
  std::string description;
};
json to_json(const CreateModuleRequest& r);
Result<CreateModuleRequest> parse_create_module_request(const json& body);
// PATCH /modules/{name}: {"description"} (required).
Result<std::string> parse_update_module_request(const json& body);

// POST /modules/{name}/versions: {version, files: [{path, content}], dependencies, description,
// module_description, source_info, infer_dependencies, force}. InvalidArgument naming the
// offending field when a field has the wrong type.
json to_json(const PushRequest& r);
Result<PushRequest> parse_push_request(const json& body, const std::string& module);

// POST /validate: {files: [{path, content}], dependencies, module, infer_dependencies}.
json to_json(const ValidateRequest& r);
Result<ValidateRequest> parse_validate_request(const json& body);

// PUT /modules/{name}/config: {compatibility, ignore_unstable_packages, transitive, lint}, every
// field optional (an absent compatibility: the server's default; an absent lint: no lint policy;
// lint has the keys of buf.yaml v2's `lint:` section). InvalidArgument("unknown_field") for any
// other field, "invalid_field" for a wrong type, "unknown_rule" / "invalid_config" for a lint
// section buf would refuse.
json to_json(const ModulePolicy& p);
Result<ModulePolicy> parse_policy_request(const json& body);

// POST .../compile/{language}: {grpc, options}; the body may be empty. Options are a list of
// "key=value" strings (as protoc's --<lang>_opt takes them) or an object of key: value (true
// for a bare flag). Module, version and language come from the route.
json to_json(const CompileSubmission& s);
Result<CompileSubmission> parse_compile_request(std::string_view body);

// POST /lint: {files, dependencies, module, infer_dependencies, config} (config: a lint section
// with the keys of buf.yaml v2's `lint:`, optional); the answer {"findings": [...] (each as
// `buf lint --error-format json` prints it), "rules": [...], "warnings": [...]}.
json to_json(const LintRequest& r);
Result<LintRequest> parse_lint_request(const json& body);
json to_json(const LintResult& r);
Result<LintResult> lint_result_from_json(const json& j);

// POST /format: {files: [{path, content}]}; the answer {"files": [{path, content, changed}]}.
Result<std::vector<FileInput>> parse_format_request(const json& body);
json to_json(const std::vector<FormattedFile>& files);

// ---- errors and HTTP --------------------------------------------------------------------------

// The reason of a request whose Content-Type or Content-Encoding the server does not read (415).
inline constexpr char kUnsupportedMediaType[] = "unsupported_media_type";

// {"error": {"code", "message", "details": [...]}}; details list the diagnostics, the breaking
// findings of a breaking_change, and the status's fields as one object.
json error_json(const Status& s);
// The HTTP status a Status maps to (200 for OK).
int http_status(const Status& s);
// A Status from an error response: its code from the HTTP status, its reason, message,
// diagnostics, findings and fields from the body.
Status status_from_error(int http_status, std::string_view body);

// Parses `text` as a JSON object; InvalidArgument("malformed_json") saying what and where.
Result<json> parse_object(std::string_view text);

// Serializes compactly; invalid UTF-8 (only ever an echo of bad input) is replaced.
std::string dump(const json& j);

}  // namespace spoke::rest
