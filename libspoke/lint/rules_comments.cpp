// COMMENT_* rules: declarations documented by a leading comment.

#include <fmt/format.h>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

// Reports `what "name"` at the declaration when its leading comment has no documentation line.
// Declarations without a location (map entries and their fields) are skipped, as buf skips them.
template <typename T>
void documented(Check& c, const char* rule, const char* what, const FileModel& f,
                const Element<T>& e) {
  const auto* loc = f.find(e.path);
  if (loc == nullptr || valid_leading_comment(loc->leading_comments())) return;
  c.add(rule, f, e.path,
        fmt::format("{} \"{}\" should have a non-empty comment for documentation.", what,
                    e.d->name()));
}

void comment_enum(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.enums) documented(c, "COMMENT_ENUM", "Enum", f, e);
  }
}

void comment_enum_value(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& v : f.enum_values) documented(c, "COMMENT_ENUM_VALUE", "Enum value", f, v);
  }
}

void comment_field(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.fields) {
      // Map entry fields are generated; a group's comments belong to its message.
      if (!e.d->is_extension() && e.d->containing_type()->options().map_entry()) continue;
      if (e.d->type() == pb::FieldDescriptor::TYPE_GROUP) continue;
      documented(c, "COMMENT_FIELD", "Field", f, e);
    }
  }
}

void comment_message(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.messages) {
      if (m.d->options().map_entry()) continue;
      documented(c, "COMMENT_MESSAGE", "Message", f, m);
    }
  }
}

void comment_oneof(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& o : f.oneofs) {
      if (o.d->is_synthetic()) continue;
      documented(c, "COMMENT_ONEOF", "Oneof", f, o);
    }
  }
}

void comment_rpc(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) documented(c, "COMMENT_RPC", "RPC", f, m);
  }
}

void comment_service(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& s : f.services) documented(c, "COMMENT_SERVICE", "Service", f, s);
  }
}

}  // namespace

const std::vector<RuleBinding>& comment_rules() {
  static const std::vector<RuleBinding> rules = {
      {"COMMENT_ENUM", comment_enum},       {"COMMENT_ENUM_VALUE", comment_enum_value},
      {"COMMENT_FIELD", comment_field},     {"COMMENT_MESSAGE", comment_message},
      {"COMMENT_ONEOF", comment_oneof},     {"COMMENT_RPC", comment_rpc},
      {"COMMENT_SERVICE", comment_service},
  };
  return rules;
}

}  // namespace spoke::lint_internal
