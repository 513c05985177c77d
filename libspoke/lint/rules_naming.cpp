// Naming rules: the case of names, the prefixes and suffixes buf expects, versioned packages,
// file names.

#include <fmt/format.h>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using File = pb::FileDescriptorProto;

bool in_map_entry(const pb::FieldDescriptor* f) {
  return !f->is_extension() && f->containing_type()->options().map_entry();
}

void enum_pascal_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.enums) {
      std::string expected = to_pascal_case(e.d->name());
      if (e.d->name() != expected) {
        c.add("ENUM_PASCAL_CASE", f, name_path(e),
              fmt::format("Enum name \"{}\" should be PascalCase, such as \"{}\".", e.d->name(),
                          expected));
      }
    }
  }
}

void enum_value_upper_snake_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& v : f.enum_values) {
      std::string expected = to_upper_snake_case(v.d->name());
      if (v.d->name() != expected) {
        c.add("ENUM_VALUE_UPPER_SNAKE_CASE", f, name_path(v),
              fmt::format("Enum value name \"{}\" should be UPPER_SNAKE_CASE, such as \"{}\".",
                          v.d->name(), expected));
      }
    }
  }
}

void enum_value_prefix(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& v : f.enum_values) {
      std::string prefix = to_upper_snake_case(v.d->type()->name()) + "_";
      if (!v.d->name().starts_with(prefix)) {
        c.add("ENUM_VALUE_PREFIX", f, name_path(v),
              fmt::format("Enum value name \"{}\" should be prefixed with \"{}\".", v.d->name(),
                          prefix));
      }
    }
  }
}

void enum_zero_value_suffix(Check& c) {
  const std::string& suffix = c.options().enum_zero_value_suffix;
  for (const auto& f : c.files()) {
    for (const auto& v : f.enum_values) {
      if (v.d->number() != 0 || v.d->name().ends_with(suffix)) continue;
      c.add("ENUM_ZERO_VALUE_SUFFIX", f, name_path(v),
            fmt::format("Enum zero value name \"{}\" should be suffixed with \"{}\".", v.d->name(),
                        suffix));
    }
  }
}

void field_lower_snake_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.fields) {
      if (in_map_entry(e.d)) continue;
      std::string expected = to_lower_snake_case(e.d->name());
      if (e.d->name() != expected) {
        c.add("FIELD_LOWER_SNAKE_CASE", f, name_path(e),
              fmt::format("Field name \"{}\" should be lower_snake_case, such as \"{}\".",
                          e.d->name(), expected));
      }
    }
  }
}

void message_pascal_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.messages) {
      if (m.d->options().map_entry()) continue;
      std::string expected = to_pascal_case(m.d->name());
      if (m.d->name() != expected) {
        c.add("MESSAGE_PASCAL_CASE", f, name_path(m),
              fmt::format("Message name \"{}\" should be PascalCase, such as \"{}\".", m.d->name(),
                          expected));
      }
    }
  }
}

void oneof_lower_snake_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& o : f.oneofs) {
      std::string expected = to_lower_snake_case(o.d->name());
      if (o.d->name() == expected) continue;
      // The oneof protoc makes for a proto3 optional field is not the user's to name.
      if (o.d->is_synthetic()) continue;
      c.add("ONEOF_LOWER_SNAKE_CASE", f, name_path(o),
            fmt::format("Oneof name \"{}\" should be lower_snake_case, such as \"{}\".",
                        o.d->name(), expected));
    }
  }
}

void package_lower_snake_case(Check& c) {
  for (const auto& f : c.files()) {
    const std::string& pkg = f.fd->package();
    if (pkg.empty()) continue;
    std::string expected;
    std::size_t start = 0;
    while (true) {
      std::size_t dot = pkg.find('.', start);
      std::string_view part = std::string_view(pkg).substr(
          start, dot == std::string::npos ? std::string::npos : dot - start);
      expected += to_lower_snake_case(part);
      if (dot == std::string::npos) break;
      expected += '.';
      start = dot + 1;
    }
    if (pkg != expected) {
      c.add("PACKAGE_LOWER_SNAKE_CASE", f, {File::kPackageFieldNumber},
            fmt::format("Package name \"{}\" should be lower_snake.case, such as \"{}\".", pkg,
                        expected));
    }
  }
}

void package_version_suffix(Check& c) {
  for (const auto& f : c.files()) {
    const std::string& pkg = f.fd->package();
    if (pkg.empty() || package_version_stability(pkg)) continue;
    c.add("PACKAGE_VERSION_SUFFIX", f, {File::kPackageFieldNumber},
          fmt::format("Package name \"{}\" should be suffixed with a correctly formed version, "
                      "such as \"{}.v1\".",
                      pkg, pkg));
  }
}

void rpc_pascal_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& m : f.methods) {
      std::string expected = to_pascal_case(m.d->name());
      if (m.d->name() != expected) {
        c.add("RPC_PASCAL_CASE", f, name_path(m),
              fmt::format("RPC name \"{}\" should be PascalCase, such as \"{}\".", m.d->name(),
                          expected));
      }
    }
  }
}

void service_pascal_case(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& s : f.services) {
      std::string expected = to_pascal_case(s.d->name());
      if (s.d->name() != expected) {
        c.add("SERVICE_PASCAL_CASE", f, name_path(s),
              fmt::format("Service name \"{}\" should be PascalCase, such as \"{}\".", s.d->name(),
                          expected));
      }
    }
  }
}

void service_suffix(Check& c) {
  const std::string& suffix = c.options().service_suffix;
  for (const auto& f : c.files()) {
    for (const auto& s : f.services) {
      if (s.d->name().ends_with(suffix)) continue;
      c.add(
          "SERVICE_SUFFIX", f, name_path(s),
          fmt::format("Service name \"{}\" should be suffixed with \"{}\".", s.d->name(), suffix));
    }
  }
}

void file_lower_snake_case(Check& c) {
  for (const auto& f : c.files()) {
    std::string_view base = f.path;
    if (auto slash = base.rfind('/'); slash != std::string_view::npos) {
      base = base.substr(slash + 1);
    }
    std::string_view ext;
    if (auto dot = base.rfind('.'); dot != std::string_view::npos) ext = base.substr(dot);
    std::string_view stem = base.substr(0, base.size() - ext.size());
    std::string expected = to_lower_snake_case(stem);
    if (stem != expected) {
      c.add_file("FILE_LOWER_SNAKE_CASE", f,
                 fmt::format("Filename {} should be lower_snake_case{}, such as \"{}{}\".",
                             go_quote(base), ext, expected, ext));
    }
  }
}

}  // namespace

const std::vector<RuleBinding>& naming_rules() {
  static const std::vector<RuleBinding> rules = {
      {"ENUM_PASCAL_CASE", enum_pascal_case},
      {"ENUM_VALUE_UPPER_SNAKE_CASE", enum_value_upper_snake_case},
      {"ENUM_VALUE_PREFIX", enum_value_prefix},
      {"ENUM_ZERO_VALUE_SUFFIX", enum_zero_value_suffix},
      {"FIELD_LOWER_SNAKE_CASE", field_lower_snake_case},
      {"FILE_LOWER_SNAKE_CASE", file_lower_snake_case},
      {"MESSAGE_PASCAL_CASE", message_pascal_case},
      {"ONEOF_LOWER_SNAKE_CASE", oneof_lower_snake_case},
      {"PACKAGE_LOWER_SNAKE_CASE", package_lower_snake_case},
      {"PACKAGE_VERSION_SUFFIX", package_version_suffix},
      {"RPC_PASCAL_CASE", rpc_pascal_case},
      {"SERVICE_PASCAL_CASE", service_pascal_case},
      {"SERVICE_SUFFIX", service_suffix},
  };
  return rules;
}

}  // namespace spoke::lint_internal
