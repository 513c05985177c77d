// buf's rules on enums, their values, services and their RPCs.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "breaking/checker.h"
#include "breaking/describe.h"

namespace spoke::breaking_internal {

void Checker::enum_pair(const pb::EnumDescriptor* e, const pb::EnumDescriptor* p) {
  const std::string& against = p->file()->name();
  if (on("ENUM_SAME_TYPE") && is_closed(p) != is_closed(e)) {
    add("ENUM_SAME_TYPE", loc(e), against,
        fmt::format("Enum {} changed from {} to {}.", quote(e->name()),
                    is_closed(p) ? "closed" : "open", is_closed(e) ? "closed" : "open"));
  }
  if (on("ENUM_SAME_JSON_FORMAT") && json_format(p->file()) == "ALLOW" &&
      json_format(e->file()) != "ALLOW") {
    add("ENUM_SAME_JSON_FORMAT", loc(e), against,
        fmt::format("Enum {} JSON format support changed from {} to {}.", quote(e->name()),
                    json_format(p->file()), json_format(e->file())));
  }
  std::map<int, std::vector<std::string>> prev_names, names;
  std::map<int, std::vector<const pb::EnumValueDescriptor*>> values;
  for (int i = 0; i < p->value_count(); ++i)
    prev_names[p->value(i)->number()].push_back(p->value(i)->name());
  for (int i = 0; i < e->value_count(); ++i) {
    names[e->value(i)->number()].push_back(e->value(i)->name());
    values[e->value(i)->number()].push_back(e->value(i));
  }
  for (auto& [n, v] : prev_names) std::sort(v.begin(), v.end());
  for (auto& [n, v] : names) std::sort(v.begin(), v.end());
  const bool del = on("ENUM_VALUE_NO_DELETE"),
             del_num = on("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"),
             del_name = on("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED");
  for (const auto& [number, pnames] : prev_names) {
    auto it = names.find(number);
    if (it == names.end()) {
      std::string text = fmt::format("Previously present enum value \"{}\" on enum {} was deleted",
                                     number, quote(e->name()));
      if (del) add("ENUM_VALUE_NO_DELETE", loc(e), against, text + ".");
      if (del_num && !e->IsReservedNumber(number)) {
        add("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", loc(e), against,
            fmt::format("{} without reserving the number \"{}\".", text, number));
      }
      if (del_name) {
        bool all_reserved = std::all_of(pnames.begin(), pnames.end(),
                                        [&](const std::string& n) { return e->IsReservedName(n); });
        if (!all_reserved) {
          add("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", loc(e), against,
              fmt::format("{} without reserving the name{} {}.", text, pnames.size() > 1 ? "s" : "",
                          join_quoted(pnames)));
        }
      }
      continue;
    }
    if (on("ENUM_VALUE_SAME_NAME")) {
      const auto& cnames = it->second;
      // Every old name must still be there (aliases may be added).
      bool contained = std::all_of(pnames.begin(), pnames.end(), [&](const std::string& n) {
        return std::binary_search(cnames.begin(), cnames.end(), n);
      });
      if (!contained) {
        for (const auto* v : values[number]) {
          add("ENUM_VALUE_SAME_NAME", loc(v, {pb::EnumValueDescriptorProto::kNumberFieldNumber}),
              against,
              fmt::format("Enum value \"{}\" on enum {} changed name{} from {} to {}.", number,
                          quote(e->name()), pnames.size() > 1 && cnames.size() > 1 ? "s" : "",
                          join_quoted(pnames), join_quoted(cnames)));
        }
      }
    }
  }
  if (on("RESERVED_ENUM_NO_DELETE")) {
    reserved_rule("RESERVED_ENUM_NO_DELETE", e, p, 2147483647, "enum");
  }
}

void Checker::service_pair(const pb::ServiceDescriptor* s, const pb::ServiceDescriptor* p) {
  const std::string& against = p->file()->name();
  for (int i = 0; i < p->method_count(); ++i) {
    const pb::MethodDescriptor* pm = p->method(i);
    const pb::MethodDescriptor* m = s->FindMethodByName(pm->name());
    if (m == nullptr) {
      if (on("RPC_NO_DELETE")) {
        add("RPC_NO_DELETE", loc(s), against,
            fmt::format("Previously present RPC {} on service {} was deleted.", quote(pm->name()),
                        quote(s->name())));
      }
      continue;
    }
    // Client or server streaming changed.
    auto streaming = [&](const char* rule, const char* side, bool previous, bool current) {
      if (!on(rule) || previous == current) return;
      auto name = [](bool v) { return v ? "streaming" : "unary"; };
      add(rule, loc(m), against,
          fmt::format("RPC {} on service {} changed from {} {} to {} {}.", quote(m->name()),
                      quote(s->name()), side, name(previous), side, name(current)));
    };
    streaming("RPC_SAME_CLIENT_STREAMING", "client", pm->client_streaming(), m->client_streaming());
    streaming("RPC_SAME_SERVER_STREAMING", "server", pm->server_streaming(), m->server_streaming());
    // Request or response type changed, located at the type (`field_number` of the method).
    auto message_type = [&](const char* rule, const char* which, int field_number,
                            const pb::Descriptor* previous, const pb::Descriptor* current) {
      if (!on(rule) || previous->full_name() == current->full_name()) return;
      add(rule, loc(m, {field_number}), against,
          fmt::format("RPC {} on service {} changed {} type from {} to {}.", quote(m->name()),
                      quote(s->name()), which, quote(previous->full_name()),
                      quote(current->full_name())));
    };
    message_type("RPC_SAME_REQUEST_TYPE", "request",
                 pb::MethodDescriptorProto::kInputTypeFieldNumber, pm->input_type(),
                 m->input_type());
    message_type("RPC_SAME_RESPONSE_TYPE", "response",
                 pb::MethodDescriptorProto::kOutputTypeFieldNumber, pm->output_type(),
                 m->output_type());
    if (on("RPC_SAME_IDEMPOTENCY_LEVEL") &&
        pm->options().idempotency_level() != m->options().idempotency_level()) {
      add("RPC_SAME_IDEMPOTENCY_LEVEL",
          first_of(option_loc(m, pb::MethodOptions::kIdempotencyLevelFieldNumber),
                   file_only(m->file())),
          against,
          fmt::format(
              "RPC {} on service {} changed option \"idempotency_level\" from {} to {}.",
              quote(m->name()), quote(s->name()),
              quote(pb::MethodOptions::IdempotencyLevel_Name(pm->options().idempotency_level())),
              quote(pb::MethodOptions::IdempotencyLevel_Name(m->options().idempotency_level()))));
    }
  }
}

}  // namespace spoke::breaking_internal
