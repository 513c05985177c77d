#include "breaking/describe.h"

#include <fmt/format.h>

namespace spoke::breaking_internal {

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

std::string join_quoted(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ", ") + quote(s);
  return out;
}

std::string field_description_with_name(const pb::FieldDescriptor* f, const std::string& name) {
  std::string named = name.empty() ? "" : " with name " + quote(name);
  if (f->is_extension()) {
    return fmt::format("Extension {}{} on message {}", quote(std::to_string(f->number())), named,
                       quote(f->containing_type()->full_name()));
  }
  return fmt::format("Field {}{} on message {}", quote(std::to_string(f->number())), named,
                     quote(f->containing_type()->name()));
}

std::string field_description(const pb::FieldDescriptor* f) {
  return field_description_with_name(f, f->is_extension() ? f->full_name() : f->name());
}

bool is_closed(const pb::EnumDescriptor* e) {
  return e->file()->syntax() != pb::FileDescriptor::SYNTAX_PROTO3;
}

std::string json_format(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "ALLOW" : "LEGACY_BEST_EFFORT";
}
std::string utf8_validation(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "VERIFY" : "NONE";
}

std::string syntax_name(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "proto3" : "proto2";
}

}  // namespace spoke::breaking_internal
