#pragma once

// The stable, machine-readable reasons a Status carries (Status::reason()): over HTTP they are
// the error body's "code", on the command line they decide exit statuses, and callers may branch
// on them. They are part of the API: never renamed, only added to.

namespace spoke::reason {

// The defaults of Status's named constructors.
inline constexpr char kInvalidArgument[] = "invalid_argument";
inline constexpr char kNotFound[] = "not_found";
inline constexpr char kConflict[] = "conflict";
inline constexpr char kUnprocessable[] = "unprocessable";
inline constexpr char kTooLarge[] = "too_large";
inline constexpr char kUnauthenticated[] = "unauthenticated";
inline constexpr char kForbidden[] = "forbidden";
inline constexpr char kRateLimited[] = "rate_limited";
inline constexpr char kUnavailable[] = "unavailable";
inline constexpr char kInternal[] = "internal";

// Names, versions, paths and files.
inline constexpr char kInvalidModuleName[] = "invalid_module_name";
inline constexpr char kInvalidName[] = "invalid_name";
inline constexpr char kInvalidPath[] = "invalid_path";
inline constexpr char kInvalidFiles[] = "invalid_files";
inline constexpr char kDuplicatePath[] = "duplicate_path";
inline constexpr char kInvalidVersion[] = "invalid_version";
inline constexpr char kInvalidDependency[] = "invalid_dependency";
inline constexpr char kInvalidDigest[] = "invalid_digest";
inline constexpr char kInvalidConfig[] = "invalid_config";
inline constexpr char kInvalidPageToken[] = "invalid_page_token";
inline constexpr char kInvalidLimit[] = "invalid_limit";
inline constexpr char kMissingModule[] = "missing_module";
inline constexpr char kNoFiles[] = "no_files";
inline constexpr char kDirNotFound[] = "dir_not_found";
inline constexpr char kUnsafePath[] = "unsafe_path";

// What is not there.
inline constexpr char kModuleNotFound[] = "module_not_found";
inline constexpr char kVersionNotFound[] = "version_not_found";
inline constexpr char kFileNotFound[] = "file_not_found";
inline constexpr char kBlobNotFound[] = "blob_not_found";

// Pushes and schemas.
inline constexpr char kVersionExists[] = "version_exists";
inline constexpr char kInvalidSchema[] = "invalid_schema";
inline constexpr char kInvalidStoredSchema[] = "invalid_stored_schema";
inline constexpr char kInvalidStoredDescriptor[] = "invalid_stored_descriptor";
inline constexpr char kBreakingChange[] = "breaking_change";
inline constexpr char kLintFailed[] = "lint_failed";
inline constexpr char kProtoSyntaxError[] = "proto_syntax_error";

// Dependencies.
inline constexpr char kDependencyNotFound[] = "dependency_not_found";
inline constexpr char kDependencyCycle[] = "dependency_cycle";
inline constexpr char kDependencyConflict[] = "dependency_conflict";
inline constexpr char kDuplicateDependency[] = "duplicate_dependency";
inline constexpr char kPathConflict[] = "path_conflict";
inline constexpr char kUnresolvedImport[] = "unresolved_import";
inline constexpr char kAmbiguousImport[] = "ambiguous_import";

// Breaking-change checks and policies.
inline constexpr char kInvalidCompatibility[] = "invalid_compatibility";
inline constexpr char kInvalidCheck[] = "invalid_check";
inline constexpr char kUnknownRule[] = "unknown_rule";
inline constexpr char kInvalidConfigVersion[] = "invalid_config_version";
inline constexpr char kNoSource[] = "no_source";

// Code generation and compile jobs.
inline constexpr char kUnknownLanguage[] = "unknown_language";
inline constexpr char kUnsupportedLanguage[] = "unsupported_language";
inline constexpr char kPluginNotFound[] = "plugin_not_found";
inline constexpr char kGeneratorFailed[] = "generator_failed";
inline constexpr char kPluginTimeout[] = "plugin_timeout";
inline constexpr char kInvalidOutput[] = "invalid_output";
inline constexpr char kInvalidAutoCompile[] = "invalid_auto_compile";
inline constexpr char kInvalidArchive[] = "invalid_archive";
inline constexpr char kArchiveError[] = "archive_error";
inline constexpr char kInvalidFormat[] = "invalid_format";
inline constexpr char kJobNotFound[] = "job_not_found";
inline constexpr char kJobExists[] = "job_exists";
inline constexpr char kArtifactNotFound[] = "artifact_not_found";
inline constexpr char kNotBuilt[] = "not_built";
inline constexpr char kCompileFailed[] = "compile_failed";
inline constexpr char kCompileUnavailable[] = "compile_unavailable";
inline constexpr char kCompileTimeout[] = "compile_timeout";

// Storage.
inline constexpr char kStorageError[] = "storage_error";
inline constexpr char kStorageUnavailable[] = "storage_unavailable";
inline constexpr char kIoError[] = "io_error";
inline constexpr char kSchemaTooNew[] = "schema_too_new";
inline constexpr char kUnknownStorageType[] = "unknown_storage_type";
inline constexpr char kInvalidStorageUrl[] = "invalid_storage_url";
inline constexpr char kStorageBackendNotBuilt[] = "storage_backend_not_built";
inline constexpr char kLeaseLost[] = "lease_lost";

// Storage administration: migrate-storage and backups.
inline constexpr char kNotEmbeddedStorage[] = "not_embedded_storage";
inline constexpr char kTargetNotEmpty[] = "target_not_empty";
inline constexpr char kDigestMismatch[] = "digest_mismatch";
inline constexpr char kBackupUnsupported[] = "backup_unsupported";
inline constexpr char kInvalidBackup[] = "invalid_backup";

// Access tokens and the audit log.
inline constexpr char kTokenExists[] = "token_exists";
inline constexpr char kTokenNotFound[] = "token_not_found";
inline constexpr char kInvalidRole[] = "invalid_role";
inline constexpr char kInvalidScope[] = "invalid_scope";
inline constexpr char kInvalidDuration[] = "invalid_duration";
inline constexpr char kInvalidTime[] = "invalid_time";
inline constexpr char kInvalidAuthMode[] = "invalid_auth_mode";
inline constexpr char kInvalidToken[] = "invalid_token";
inline constexpr char kAuditUnavailable[] = "audit_unavailable";

// Webhooks.
inline constexpr char kWebhookExists[] = "webhook_exists";
inline constexpr char kWebhookNotFound[] = "webhook_not_found";
inline constexpr char kDeliveryNotFound[] = "delivery_not_found";
inline constexpr char kEventNotFound[] = "event_not_found";
inline constexpr char kDeliveryInFlight[] = "delivery_in_flight";
inline constexpr char kInvalidUrl[] = "invalid_url";
inline constexpr char kInvalidEvent[] = "invalid_event";
inline constexpr char kInvalidSecret[] = "invalid_secret";
inline constexpr char kInvalidHeader[] = "invalid_header";
inline constexpr char kInvalidModuleFilter[] = "invalid_module_filter";
inline constexpr char kInvalidStatus[] = "invalid_status";
inline constexpr char kWebhooksUnavailable[] = "webhooks_unavailable";

// Server lifecycle.
inline constexpr char kDraining[] = "draining";

// Rate limits shared through Redis.
inline constexpr char kInvalidRedisUrl[] = "invalid_redis_url";
inline constexpr char kRedisNotBuilt[] = "redis_not_built";
inline constexpr char kRedisUnavailable[] = "redis_unavailable";

// Requests over HTTP.
inline constexpr char kMalformedJson[] = "malformed_json";
inline constexpr char kMissingField[] = "missing_field";
inline constexpr char kInvalidField[] = "invalid_field";
inline constexpr char kUnknownField[] = "unknown_field";
inline constexpr char kInvalidParameter[] = "invalid_parameter";
inline constexpr char kMissingParameter[] = "missing_parameter";
inline constexpr char kPayloadTooLarge[] = "payload_too_large";
inline constexpr char kBadBody[] = "bad_body";
inline constexpr char kBadRequest[] = "bad_request";
inline constexpr char kRouteNotFound[] = "route_not_found";
inline constexpr char kMethodNotAllowed[] = "method_not_allowed";
inline constexpr char kRegistryUnreachable[] = "registry_unreachable";
inline constexpr char kBadResponse[] = "bad_response";

}  // namespace spoke::reason
