#pragma once

// The lint settings of a module (the `lint:` section of a buf.yaml), as a plain value: what
// spoke/lint.h lints under and what a module's policy (spoke/model.h) stores.

#include <map>
#include <string>
#include <vector>

namespace spoke {

// The lint settings of one module, as the `lint:` section of a buf.yaml gives them.
struct LintConfig {
  // Which rule set: that of a buf.yaml of this version ("v1beta1", "v1" or "v2").
  std::string version = "v2";
  // Rule IDs and categories to check; empty: the default rules of the version.
  std::vector<std::string> use;
  // Rule IDs and categories not to check.
  std::vector<std::string> except;
  // Files or directories (relative to the module root) whose findings are dropped.
  std::vector<std::string> ignore;
  // The same, for some rule IDs or categories only.
  std::map<std::string, std::vector<std::string>> ignore_only;
  // ENUM_ZERO_VALUE_SUFFIX: the suffix of enum zero values.
  std::string enum_zero_value_suffix = "_UNSPECIFIED";
  // RPC_REQUEST_RESPONSE_UNIQUE: an RPC may use one type for its request and response.
  bool rpc_allow_same_request_response = false;
  // RPC_REQUEST_RESPONSE_UNIQUE, RPC_REQUEST_STANDARD_NAME: google.protobuf.Empty may be the
  // request of several RPCs.
  bool rpc_allow_google_protobuf_empty_requests = false;
  // The same for responses (RPC_RESPONSE_STANDARD_NAME).
  bool rpc_allow_google_protobuf_empty_responses = false;
  // SERVICE_SUFFIX: the suffix of service names.
  std::string service_suffix = "Service";
  // `// buf:lint:ignore RULE_ID` comments drop findings of RULE_ID on the element they precede
  // and on what it contains. buf.yaml v1beta1 and v1 default to false (allow_comment_ignores),
  // v2 to true (disallow_comment_ignores).
  bool allow_comment_ignores = true;
  // Lint is off (an `ignore` entry naming the module's own directory).
  bool disabled = false;
};

}  // namespace spoke
