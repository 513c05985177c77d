#include "proto/option_locations.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>

#include "proto/source_path.h"

namespace spoke::proto_internal {

namespace {

// The field number of `uninterpreted_option`, the same in every options message.
constexpr int kUninterpretedOption = pb::FileOptions::kUninterpretedOptionFieldNumber;
static_assert(kUninterpretedOption == pb::MessageOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::FieldOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::OneofOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::ExtensionRangeOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::EnumOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::EnumValueOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::ServiceOptions::kUninterpretedOptionFieldNumber &&
              kUninterpretedOption == pb::MethodOptions::kUninterpretedOptionFieldNumber);

// Path of an uninterpreted option's location -> path of the interpreted option's.
using Plan = std::map<SourcePath, SourcePath>;

// Plans the rewrites for the standard options among `options`, located under `prefix`.
template <typename Options>
void plan_options(const Options& options, const SourcePath& prefix, Plan& plan) {
  const pb::Descriptor* type = Options::descriptor();
  for (int k = 0; k < options.uninterpreted_option_size(); ++k) {
    const auto& name = options.uninterpreted_option(k).name();
    if (name.size() != 1 || name.Get(0).is_extension()) continue;
    const pb::FieldDescriptor* field = type->FindFieldByName(name.Get(0).name_part());
    if (field == nullptr || field->is_repeated()) continue;
    plan.emplace(append(prefix, {kUninterpretedOption, k}), append(prefix, {field->number()}));
  }
}

void plan_enum(const pb::EnumDescriptorProto& e, const SourcePath& path, Plan& plan) {
  using E = pb::EnumDescriptorProto;
  if (e.has_options()) plan_options(e.options(), append(path, {E::kOptionsFieldNumber}), plan);
  for (int i = 0; i < e.value_size(); ++i) {
    if (!e.value(i).has_options()) continue;
    plan_options(
        e.value(i).options(),
        append(path, {E::kValueFieldNumber, i, pb::EnumValueDescriptorProto::kOptionsFieldNumber}),
        plan);
  }
}

void plan_field(const pb::FieldDescriptorProto& f, const SourcePath& path, Plan& plan) {
  if (!f.has_options()) return;
  plan_options(f.options(), append(path, {pb::FieldDescriptorProto::kOptionsFieldNumber}), plan);
}

void plan_message(const pb::DescriptorProto& m, const SourcePath& path, Plan& plan) {
  using M = pb::DescriptorProto;
  if (m.has_options()) plan_options(m.options(), append(path, {M::kOptionsFieldNumber}), plan);
  for (int i = 0; i < m.field_size(); ++i) {
    plan_field(m.field(i), append(path, {M::kFieldFieldNumber, i}), plan);
  }
  for (int i = 0; i < m.extension_size(); ++i) {
    plan_field(m.extension(i), append(path, {M::kExtensionFieldNumber, i}), plan);
  }
  for (int i = 0; i < m.nested_type_size(); ++i) {
    plan_message(m.nested_type(i), append(path, {M::kNestedTypeFieldNumber, i}), plan);
  }
  for (int i = 0; i < m.enum_type_size(); ++i) {
    plan_enum(m.enum_type(i), append(path, {M::kEnumTypeFieldNumber, i}), plan);
  }
  for (int i = 0; i < m.oneof_decl_size(); ++i) {
    if (!m.oneof_decl(i).has_options()) continue;
    plan_options(
        m.oneof_decl(i).options(),
        append(path, {M::kOneofDeclFieldNumber, i, pb::OneofDescriptorProto::kOptionsFieldNumber}),
        plan);
  }
  for (int i = 0; i < m.extension_range_size(); ++i) {
    if (!m.extension_range(i).has_options()) continue;
    plan_options(
        m.extension_range(i).options(),
        append(path, {M::kExtensionRangeFieldNumber, i, M::ExtensionRange::kOptionsFieldNumber}),
        plan);
  }
}

void plan_file(const pb::FileDescriptorProto& proto, Plan& plan) {
  using F = pb::FileDescriptorProto;
  if (proto.has_options()) plan_options(proto.options(), {F::kOptionsFieldNumber}, plan);
  for (int i = 0; i < proto.message_type_size(); ++i) {
    plan_message(proto.message_type(i), {F::kMessageTypeFieldNumber, i}, plan);
  }
  for (int i = 0; i < proto.enum_type_size(); ++i) {
    plan_enum(proto.enum_type(i), {F::kEnumTypeFieldNumber, i}, plan);
  }
  for (int i = 0; i < proto.extension_size(); ++i) {
    plan_field(proto.extension(i), {F::kExtensionFieldNumber, i}, plan);
  }
  for (int i = 0; i < proto.service_size(); ++i) {
    using S = pb::ServiceDescriptorProto;
    const S& s = proto.service(i);
    const SourcePath service = {F::kServiceFieldNumber, i};
    if (s.has_options()) plan_options(s.options(), append(service, {S::kOptionsFieldNumber}), plan);
    for (int j = 0; j < s.method_size(); ++j) {
      if (!s.method(j).has_options()) continue;
      plan_options(s.method(j).options(),
                   append(service, {S::kMethodFieldNumber, j,
                                    pb::MethodDescriptorProto::kOptionsFieldNumber}),
                   plan);
    }
  }
}

// Rewrites the paths of the standard options' locations, and drops the locations inside them
// (name parts, values).
void apply_plan(const Plan& plan, pb::SourceCodeInfo& info) {
  pb::SourceCodeInfo out;
  out.mutable_location()->Reserve(info.location_size());
  for (auto& loc : *info.mutable_location()) {
    const auto& path = loc.path();
    bool drop = false;
    for (int i = 0; i + 1 < path.size(); ++i) {
      if (path[i] != kUninterpretedOption) continue;
      auto it = plan.find(SourcePath(path.begin(), path.begin() + i + 2));
      if (it == plan.end()) continue;
      if (path.size() == i + 2) {
        loc.mutable_path()->Assign(it->second.begin(), it->second.end());
      } else {
        drop = true;
      }
      break;
    }
    if (!drop) out.add_location()->Swap(&loc);
  }
  info.Swap(&out);
}

// Offset in `text` of (0-based) `line` and `column` as the tokenizer counts them (a tab advances
// to the next multiple of 8); npos when out of range.
std::size_t offset_of(const std::string& text, int line, int column) {
  std::size_t pos = 0;
  for (int l = 0; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return pos;
    ++pos;
  }
  int col = 0;
  while (col < column && pos < text.size() && text[pos] != '\n') {
    col = text[pos] == '\t' ? col + 8 - col % 8 : col + 1;
    ++pos;
  }
  return col == column ? pos : std::string::npos;
}

// (line, column) of `offset`, as the tokenizer counts them.
std::pair<int, int> position_of(const std::string& text, std::size_t offset) {
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string::npos || offset == 0 ? 0 : line_start + 1;
  int line = static_cast<int>(std::count(text.begin(), text.begin() + line_start, '\n'));
  int col = 0;
  for (std::size_t i = line_start; i < offset; ++i)
    col = text[i] == '\t' ? col + 8 - col % 8 : col + 1;
  return {line, col};
}

// True when `path` is that of the default value of a field or extension: {..., fields, i,
// default_value} in a message, or {extensions, i, default_value} in the file.
bool is_default_value_path(const pb::RepeatedField<int>& path) {
  int n = path.size();
  if (n < 3 || path[n - 1] != pb::FieldDescriptorProto::kDefaultValueFieldNumber) return false;
  int list = path[n - 3];
  bool in_message = (list == pb::DescriptorProto::kFieldFieldNumber ||
                     list == pb::DescriptorProto::kExtensionFieldNumber) &&
                    n >= 5;
  bool in_file = list == pb::FileDescriptorProto::kExtensionFieldNumber && n == 3;
  return in_message || in_file;
}

// protoc locates a field's default at its value; buf at the `default` keyword that introduces it.
void locate_defaults_at_keyword(const std::string& text, pb::SourceCodeInfo& info) {
  for (auto& loc : *info.mutable_location()) {
    if (!is_default_value_path(loc.path()) || loc.span_size() < 3) continue;
    std::size_t value = offset_of(text, loc.span(0), loc.span(1));
    if (value == std::string::npos) continue;
    std::size_t i = value;
    auto skip_space = [&] {
      while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
    };
    skip_space();
    if (i == 0 || text[i - 1] != '=') continue;
    --i;
    skip_space();
    static constexpr std::string_view kKeyword = "default";
    if (i < kKeyword.size() || text.compare(i - kKeyword.size(), kKeyword.size(), kKeyword) != 0) {
      continue;
    }
    auto [line, column] = position_of(text, i - kKeyword.size());
    int end_line = loc.span_size() == 4 ? loc.span(2) : loc.span(0);
    int end_column = loc.span(loc.span_size() - 1);
    loc.clear_span();
    loc.add_span(line);
    loc.add_span(column);
    if (end_line != line) loc.add_span(end_line);
    loc.add_span(end_column);
  }
}

}  // namespace

void interpret_option_locations(const pb::FileDescriptorProto& proto, const std::string& text,
                                pb::SourceCodeInfo& info) {
  Plan plan;
  plan_file(proto, plan);
  if (!plan.empty()) apply_plan(plan, info);
  locate_defaults_at_keyword(text, info);
}

}  // namespace spoke::proto_internal
