// `// buf:lint:ignore` comments: which comments can ignore a finding, and what they say.

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

constexpr std::string_view kIgnorePrefix = "buf:lint:ignore";

std::string_view trim(std::string_view s) {
  auto space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
  };
  while (!s.empty() && space(s.front())) s.remove_prefix(1);
  while (!s.empty() && space(s.back())) s.remove_suffix(1);
  return s;
}

template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    if (fn(trim(text.substr(start, end - start)))) return;
    start = end + 1;
  }
}

}  // namespace

// buf walks a path through the declarations it names: every prefix that ends at the index of a
// declaration (message, field, enum, value, oneof, service, method, extension, import, reserved
// range or name, extension range, and the extension and range lists themselves) is associated
// with it; package, syntax and a field's default value end the walk with their own path; an
// option path is associated whole.
std::vector<SourcePath> comment_ignore_paths(const SourcePath& path) {
  using File = pb::FileDescriptorProto;
  using Msg = pb::DescriptorProto;
  using Field = pb::FieldDescriptorProto;
  using Enum = pb::EnumDescriptorProto;
  using Value = pb::EnumValueDescriptorProto;
  using Service = pb::ServiceDescriptorProto;
  using Method = pb::MethodDescriptorProto;
  using Oneof = pb::OneofDescriptorProto;
  using Range = pb::DescriptorProto::ExtensionRange;
  std::vector<SourcePath> out;
  auto prefix = [&](std::size_t n) { return SourcePath(path.begin(), path.begin() + n); };
  enum class In { kFile, kMessage, kField, kEnum, kValue, kService, kMethod, kOneof, kRange };
  In in = In::kFile;
  std::size_t i = 0;
  // A declaration list: `tag` at i, its index at i+1.
  auto declaration = [&](In next) {
    if (i + 1 >= path.size()) return false;
    out.push_back(prefix(i + 2));
    in = next;
    i += 2;
    return true;
  };
  while (i < path.size()) {
    int tag = path[i];
    switch (in) {
      case In::kFile:
        if (tag == File::kPackageFieldNumber || tag == File::kSyntaxFieldNumber) {
          out.push_back(prefix(i + 1));
          return out;
        }
        if (tag == File::kDependencyFieldNumber) {
          if (i + 1 < path.size()) out.push_back(prefix(i + 2));
          return out;
        }
        if (tag == File::kOptionsFieldNumber) {
          out.push_back(path);
          return out;
        }
        if (tag == File::kExtensionFieldNumber) {
          out.push_back(prefix(i + 1));
          if (!declaration(In::kField)) return out;
          continue;
        }
        if (tag == File::kMessageTypeFieldNumber) {
          if (!declaration(In::kMessage)) return {};
          continue;
        }
        if (tag == File::kEnumTypeFieldNumber) {
          if (!declaration(In::kEnum)) return {};
          continue;
        }
        if (tag == File::kServiceFieldNumber) {
          if (!declaration(In::kService)) return {};
          continue;
        }
        return {};
      case In::kMessage:
        if (tag == Msg::kNameFieldNumber) return out;
        if (tag == Msg::kFieldFieldNumber) {
          if (!declaration(In::kField)) return {};
          continue;
        }
        if (tag == Msg::kOneofDeclFieldNumber) {
          if (!declaration(In::kOneof)) return {};
          continue;
        }
        if (tag == Msg::kNestedTypeFieldNumber) {
          if (!declaration(In::kMessage)) return {};
          continue;
        }
        if (tag == Msg::kEnumTypeFieldNumber) {
          if (!declaration(In::kEnum)) return {};
          continue;
        }
        if (tag == Msg::kOptionsFieldNumber) {
          out.push_back(path);
          return out;
        }
        if (tag == Msg::kExtensionRangeFieldNumber) {
          out.push_back(prefix(i + 1));
          if (!declaration(In::kRange)) return out;
          continue;
        }
        if (tag == Msg::kExtensionFieldNumber) {
          out.push_back(prefix(i + 1));
          if (!declaration(In::kField)) return out;
          continue;
        }
        if (tag == Msg::kReservedRangeFieldNumber || tag == Msg::kReservedNameFieldNumber) {
          out.push_back(prefix(i + 1));
          if (i + 1 < path.size()) out.push_back(prefix(i + 2));
          return out;
        }
        return {};
      case In::kField:
        if (tag == Field::kOptionsFieldNumber) {
          out.push_back(path);
          return out;
        }
        if (tag == Field::kDefaultValueFieldNumber) {
          out.push_back(prefix(i + 1));
          return out;
        }
        return out;  // name, number, label, type, type name, extendee
      case In::kOneof:
        if (tag == Oneof::kOptionsFieldNumber) out.push_back(path);
        return out;
      case In::kRange:
        if (tag == Range::kOptionsFieldNumber) out.push_back(path);
        return out;
      case In::kEnum:
        if (tag == Enum::kValueFieldNumber) {
          if (!declaration(In::kValue)) return {};
          continue;
        }
        if (tag == Enum::kOptionsFieldNumber) {
          out.push_back(path);
          return out;
        }
        if (tag == Enum::kReservedRangeFieldNumber || tag == Enum::kReservedNameFieldNumber) {
          out.push_back(prefix(i + 1));
          if (i + 1 < path.size()) out.push_back(prefix(i + 2));
          return out;
        }
        return out;
      case In::kValue:
        if (tag == Value::kOptionsFieldNumber) out.push_back(path);
        return out;
      case In::kService:
        if (tag == Service::kMethodFieldNumber) {
          if (!declaration(In::kMethod)) return {};
          continue;
        }
        if (tag == Service::kOptionsFieldNumber) out.push_back(path);
        return out;
      case In::kMethod:
        if (tag == Method::kOptionsFieldNumber) out.push_back(path);
        return out;
    }
  }
  return out;
}

bool comment_ignores(std::string_view comment, std::string_view rule_id) {
  bool found = false;
  for_each_line(comment, [&](std::string_view line) {
    if (line.size() >= kIgnorePrefix.size() + 1 + rule_id.size() &&
        line.substr(0, kIgnorePrefix.size()) == kIgnorePrefix &&
        line[kIgnorePrefix.size()] == ' ' &&
        line.substr(kIgnorePrefix.size() + 1, rule_id.size()) == rule_id) {
      found = true;
    }
    return found;
  });
  return found;
}

bool valid_leading_comment(std::string_view comment) {
  bool valid = false;
  for_each_line(comment, [&](std::string_view line) {
    valid = !line.empty() && line.substr(0, kIgnorePrefix.size()) != kIgnorePrefix;
    return valid;
  });
  return valid;
}

}  // namespace spoke::lint_internal
