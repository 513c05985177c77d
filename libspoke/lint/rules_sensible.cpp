// Rules against constructs that cause trouble: enums with aliases or a non-zero first value,
// fields named "descriptor", required fields.

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using Value = pb::EnumValueDescriptorProto;

void enum_first_value_zero(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.enums) {
      if (e.d->value_count() == 0 || e.d->value(0)->number() == 0) continue;
      c.add("ENUM_FIRST_VALUE_ZERO", f,
            proto_internal::append(proto_internal::path_of(e.d->value(0)),
                                   {Value::kNumberFieldNumber}),
            fmt::format("First enum value \"{}\" should have a numeric value of 0",
                        e.d->value(0)->name()));
    }
  }
}

void enum_no_allow_alias(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.enums) {
      if (!e.d->options().allow_alias()) continue;
      c.add("ENUM_NO_ALLOW_ALIAS", f,
            proto_internal::option_path(e.d, pb::EnumOptions::kAllowAliasFieldNumber),
            fmt::format("Enum option \"allow_alias\" on enum \"{}\" must be false.", e.d->name()));
    }
  }
}

void field_no_descriptor(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.fields) {
      std::string_view name = e.d->name();
      while (!name.empty() && name.front() == '_') name.remove_prefix(1);
      while (!name.empty() && name.back() == '_') name.remove_suffix(1);
      std::string lower(name);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
      if (lower != "descriptor") continue;
      c.add("FIELD_NO_DESCRIPTOR", f, name_path(e),
            fmt::format("Field name \"{}\" cannot be any capitalization of \"descriptor\" with "
                        "any number of prefix or suffix underscores.",
                        e.d->name()));
    }
  }
}

void field_not_required(Check& c) {
  for (const auto& f : c.files()) {
    for (const auto& e : f.fields) {
      if (!e.d->is_required()) continue;
      c.add("FIELD_NOT_REQUIRED", f, name_path(e),
            fmt::format("Field named \"{}\" should not be required.", e.d->name()));
    }
  }
}

}  // namespace

const std::vector<RuleBinding>& sensible_rules() {
  static const std::vector<RuleBinding> rules = {
      {"ENUM_FIRST_VALUE_ZERO", enum_first_value_zero},
      {"ENUM_NO_ALLOW_ALIAS", enum_no_allow_alias},
      {"FIELD_NO_DESCRIPTOR", field_no_descriptor},
      {"FIELD_NOT_REQUIRED", field_not_required},
  };
  return rules;
}

}  // namespace spoke::lint_internal
