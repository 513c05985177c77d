#pragma once

// The JSON shapes of the HTTP API, shared by spoke-server, the spoke CLI and embedders.

#include <nlohmann/json.hpp>

#include "spoke/breaking.h"
#include "spoke/compile_service.h"
#include "spoke/model.h"
#include "spoke/registry.h"
#include "spoke/status.h"

namespace spoke::wire {

using nlohmann::json;

json to_json(const Module& m);
json to_json(const ModuleSummary& s);
json to_json(const Dependency& d);
json to_json(const SourceInfo& s);
// Files carry "content" only when `with_content`.
json to_json(const Version& v, bool with_content);
json to_json(const Diagnostic& d);
// {"path", "start_line", "start_column", "end_line", "end_column", "type", "message"}: the
// object of `buf breaking --error-format json` ("path" absent when there is no file).
json to_json(const BreakingFinding& f);
// {"kind", "element", "name", "path", "line", "column", "detail"} ("line"/"column" when known,
// "detail" when not empty).
json to_json(const SchemaChange& c);
// {"breaking": bool, "rules": [...], "findings": [...], "changes": [...], "warnings": [...]}
json to_json(const BreakingResult& r);
// The answer of GET /modules/{name}/diff: {"breaking": [findings], "changes": [...], "rules"}.
json diff_json(const BreakingResult& r);
Result<BreakingResult> parse_diff_json(const json& j);
// {"error": {"code", "message", "details": [...]}}; a breaking_change error lists its findings
// in details.
json error_json(const Status& s);

// The HTTP status a Status maps to (200 for OK).
int http_status(const Status& s);

// Parses a push body {version, files:[{path, content}], dependencies, description, source_info}.
// InvalidArgument naming the offending field when a field has the wrong type.
Result<PushRequest> parse_push_request(const json& body, const std::string& module);

// Parses a validate body {files:[{path, content}], dependencies, module, infer_dependencies}.
Result<ValidateRequest> parse_validate_request(const json& body);

// Parses a compile body {grpc, options}; it may be empty (blank). Options are a list of
// "key=value" strings (as protoc's --<lang>_opt takes them) or an object of key: value (true for
// a bare flag). Module, version and language come from the route, not from here.
Result<CompileSubmission> parse_compile_request(const std::string& body);

// {"compatibility", "ignore_unstable_packages", "transitive", "default", "updated_at"}
// ("updated_at" null when never set).
json to_json(const EffectivePolicy& p);
// Parses a module config body {compatibility, ignore_unstable_packages, transitive}; every field
// optional (an absent compatibility: the server's default). InvalidArgument("unknown_field") for
// any other field, "invalid_field" for a wrong type.
Result<ModulePolicy> parse_policy_request(const json& body);

json to_json(const ValidateReport& r);
json to_json(const DependencyReport& r);

// Reads back what to_json wrote (for clients).
Result<Version> parse_version_json(const json& j);
Result<Module> parse_module_json(const json& j);
// Reads back an error body; a Status with the code's reason and message.
Status parse_error_json(int http_status, const std::string& body);

// Parses `text` as a JSON object; InvalidArgument("malformed_json") saying what and where.
Result<json> parse_object(std::string_view text);

}  // namespace spoke::wire
