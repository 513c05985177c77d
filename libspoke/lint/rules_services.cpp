// RPC rules: streaming, request and response types.

#include <fmt/format.h>

#include <map>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using Method = pb::MethodDescriptorProto;

constexpr std::string_view kEmpty = "google.protobuf.Empty";

void rpc_no_client_streaming(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) {
      if (m.d->client_streaming()) {
        c.add("RPC_NO_CLIENT_STREAMING", f, m.path,
              fmt::format("RPC \"{}\" is client streaming.", m.d->name()));
      }
    }
  }
}

void rpc_no_server_streaming(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) {
      if (m.d->server_streaming()) {
        c.add("RPC_NO_SERVER_STREAMING", f, m.path,
              fmt::format("RPC \"{}\" is server streaming.", m.d->name()));
      }
    }
  }
}

struct MethodRef {
  const FileModel* file;
  const Element<pb::MethodDescriptor>* method;
};

void rpc_request_response_unique(Check& c) {
  const RuleOptions& o = c.options();
  const char* rule = "RPC_REQUEST_RESPONSE_UNIQUE";
  // Methods by full name, as buf collects them (one entry per name).
  std::map<std::string, MethodRef> methods;
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) methods.emplace(m.d->full_name(), MethodRef{&f, &m});
  }
  if (!o.rpc_allow_same_request_response) {
    for (const auto& [_, ref] : methods) {
      const auto* d = ref.method->d;
      if (d->input_type() != d->output_type()) continue;
      const std::string& type = d->input_type()->full_name();
      if (type == kEmpty && o.rpc_allow_google_protobuf_empty_requests &&
          o.rpc_allow_google_protobuf_empty_responses) {
        continue;
      }
      c.add(rule, *ref.file, ref.method->path,
            fmt::format("RPC \"{}\" has the same type \"{}\" for the request and response.",
                        d->name(), type));
    }
  }
  // Type -> the methods that use it as request or response.
  std::map<std::string, std::map<std::string, MethodRef>> users;
  for (const auto& [name, ref] : methods) {
    users[ref.method->d->input_type()->full_name()].emplace(name, ref);
    users[ref.method->d->output_type()->full_name()].emplace(name, ref);
  }
  for (const auto& [type, by_name] : users) {
    if (by_name.size() < 2) continue;
    bool allow_requests = o.rpc_allow_google_protobuf_empty_requests;
    bool allow_responses = o.rpc_allow_google_protobuf_empty_responses;
    if (type == kEmpty && (allow_requests || allow_responses)) {
      if (allow_requests && allow_responses) continue;
      std::vector<MethodRef> requests, responses;
      for (const auto& [_, ref] : by_name) {
        if (ref.method->d->input_type()->full_name() == kEmpty) requests.push_back(ref);
        if (ref.method->d->output_type()->full_name() == kEmpty) responses.push_back(ref);
      }
      if (!allow_requests && requests.size() > 1) {
        for (const auto& ref : requests) {
          c.add(rule, *ref.file, ref.method->path,
                fmt::format("\"{}\" is used as the request for multiple RPCs.", type));
        }
      }
      if (!allow_responses && responses.size() > 1) {
        for (const auto& ref : responses) {
          c.add(rule, *ref.file, ref.method->path,
                fmt::format("\"{}\" is used as the response for multiple RPCs.", type));
        }
      }
      continue;
    }
    for (const auto& [_, ref] : by_name) {
      c.add(rule, *ref.file, ref.method->path,
            fmt::format("\"{}\" is used as the request or response type for multiple RPCs.", type));
    }
  }
}

// RPC_REQUEST_STANDARD_NAME and RPC_RESPONSE_STANDARD_NAME.
void standard_name(Check& c, bool request) {
  const char* rule = request ? "RPC_REQUEST_STANDARD_NAME" : "RPC_RESPONSE_STANDARD_NAME";
  const char* suffix = request ? "Request" : "Response";
  bool allow_empty = request ? c.options().rpc_allow_google_protobuf_empty_requests
                             : c.options().rpc_allow_google_protobuf_empty_responses;
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) {
      const pb::Descriptor* type = request ? m.d->input_type() : m.d->output_type();
      if (allow_empty && type->full_name() == kEmpty) continue;
      const std::string& name = type->name();
      std::string first = to_pascal_case(m.d->name()) + suffix;
      std::string second = to_pascal_case(m.d->service()->name()) + first;
      if (name == first || name == second) continue;
      c.add(rule, f,
            proto_internal::append(
                m.path, {request ? Method::kInputTypeFieldNumber : Method::kOutputTypeFieldNumber}),
            fmt::format("RPC {} type \"{}\" should be named \"{}\" or \"{}\".",
                        request ? "request" : "response", name, first, second));
    }
  }
}

void rpc_request_standard_name(Check& c) { standard_name(c, true); }
void rpc_response_standard_name(Check& c) { standard_name(c, false); }

}  // namespace

const std::vector<RuleBinding>& service_rules() {
  static const std::vector<RuleBinding> rules = {
      {"RPC_NO_CLIENT_STREAMING", rpc_no_client_streaming},
      {"RPC_NO_SERVER_STREAMING", rpc_no_server_streaming},
      {"RPC_REQUEST_RESPONSE_UNIQUE", rpc_request_response_unique},
      {"RPC_REQUEST_STANDARD_NAME", rpc_request_standard_name},
      {"RPC_RESPONSE_STANDARD_NAME", rpc_response_standard_name},
  };
  return rules;
}

}  // namespace spoke::lint_internal
