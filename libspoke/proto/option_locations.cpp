#include "proto/option_locations.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <string_view>
#include <type_traits>

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
using Plan = OptionPlan;

// Calls fn(options, path of the options, name the options' extensions are looked up from) for
// every options message of `proto` that holds uninterpreted options, in the order protoc
// interprets them. The lookup name is what protoc resolves extension names relative to: the
// element's full name (the package and a dummy name for the file's own options).
template <typename Fn>
class OptionsWalker {
 public:
  explicit OptionsWalker(Fn& fn) : fn_(fn) {}

  void file(const pb::FileDescriptorProto& proto) {
    using F = pb::FileDescriptorProto;
    const std::string& package = proto.package();
    visit(proto, {F::kOptionsFieldNumber}, join(package, "dummy"));
    for (int i = 0; i < proto.message_type_size(); ++i) {
      message(proto.message_type(i), {F::kMessageTypeFieldNumber, i}, package);
    }
    for (int i = 0; i < proto.enum_type_size(); ++i) {
      enumeration(proto.enum_type(i), {F::kEnumTypeFieldNumber, i}, package);
    }
    for (int i = 0; i < proto.service_size(); ++i) {
      using S = pb::ServiceDescriptorProto;
      const S& s = proto.service(i);
      const SourcePath path = {F::kServiceFieldNumber, i};
      const std::string name = join(package, s.name());
      visit(s, append(path, {S::kOptionsFieldNumber}), name);
      for (int j = 0; j < s.method_size(); ++j) {
        visit(s.method(j),
              append(path,
                     {S::kMethodFieldNumber, j, pb::MethodDescriptorProto::kOptionsFieldNumber}),
              join(name, s.method(j).name()));
      }
    }
    for (int i = 0; i < proto.extension_size(); ++i) {
      field(proto.extension(i), {F::kExtensionFieldNumber, i}, package);
    }
  }

 private:
  static std::string join(const std::string& scope, const std::string& name) {
    return scope.empty() ? name : scope + "." + name;
  }

  // Calls fn_ for `element`'s options when it has uninterpreted ones.
  template <typename Element>
  void visit(const Element& element, const SourcePath& options_path, const std::string& scope) {
    if (element.has_options() && element.options().uninterpreted_option_size() > 0) {
      fn_(element.options(), options_path, scope);
    }
  }

  void field(const pb::FieldDescriptorProto& f, const SourcePath& path, const std::string& scope) {
    visit(f, append(path, {pb::FieldDescriptorProto::kOptionsFieldNumber}), join(scope, f.name()));
  }

  void enumeration(const pb::EnumDescriptorProto& e, const SourcePath& path,
                   const std::string& scope) {
    using E = pb::EnumDescriptorProto;
    visit(e, append(path, {E::kOptionsFieldNumber}), join(scope, e.name()));
    // Enum values are scoped beside their enum, as in C++.
    for (int i = 0; i < e.value_size(); ++i) {
      visit(e.value(i),
            append(path,
                   {E::kValueFieldNumber, i, pb::EnumValueDescriptorProto::kOptionsFieldNumber}),
            join(scope, e.value(i).name()));
    }
  }

  void message(const pb::DescriptorProto& m, const SourcePath& path, const std::string& scope) {
    using M = pb::DescriptorProto;
    const std::string name = join(scope, m.name());
    visit(m, append(path, {M::kOptionsFieldNumber}), name);
    for (int i = 0; i < m.field_size(); ++i) {
      field(m.field(i), append(path, {M::kFieldFieldNumber, i}), name);
    }
    for (int i = 0; i < m.nested_type_size(); ++i) {
      message(m.nested_type(i), append(path, {M::kNestedTypeFieldNumber, i}), name);
    }
    for (int i = 0; i < m.enum_type_size(); ++i) {
      enumeration(m.enum_type(i), append(path, {M::kEnumTypeFieldNumber, i}), name);
    }
    for (int i = 0; i < m.extension_range_size(); ++i) {
      visit(
          m.extension_range(i),
          append(path, {M::kExtensionRangeFieldNumber, i, M::ExtensionRange::kOptionsFieldNumber}),
          name);
    }
    for (int i = 0; i < m.extension_size(); ++i) {
      field(m.extension(i), append(path, {M::kExtensionFieldNumber, i}), name);
    }
    for (int i = 0; i < m.oneof_decl_size(); ++i) {
      visit(m.oneof_decl(i),
            append(path,
                   {M::kOneofDeclFieldNumber, i, pb::OneofDescriptorProto::kOptionsFieldNumber}),
            join(name, m.oneof_decl(i).name()));
    }
  }

  Fn& fn_;
};

template <typename Fn>
void walk_options(const pb::FileDescriptorProto& proto, Fn fn) {
  OptionsWalker<Fn>(fn).file(proto);
}

// The standard option `option` sets when buf's form interprets it (a single, non-extension name
// part naming a singular field of `type`), else nullptr.
const pb::FieldDescriptor* standard_option(const pb::Descriptor* type,
                                           const pb::UninterpretedOption& option) {
  const auto& name = option.name();
  if (name.size() != 1 || name.Get(0).is_extension()) return nullptr;
  const pb::FieldDescriptor* field = type->FindFieldByName(name.Get(0).name_part());
  return field == nullptr || field->is_repeated() ? nullptr : field;
}

void plan_file(const pb::FileDescriptorProto& proto, Plan& plan) {
  walk_options(proto, [&](const auto& options, const SourcePath& prefix, const std::string&) {
    using Options = std::decay_t<decltype(options)>;
    for (int k = 0; k < options.uninterpreted_option_size(); ++k) {
      const auto* field = standard_option(Options::descriptor(), options.uninterpreted_option(k));
      if (field == nullptr) continue;
      plan.emplace(append(prefix, {kUninterpretedOption, k}), append(prefix, {field->number()}));
    }
  });
}

// The extension `name` (as written in an option's name) names when looked up from `scope` as
// protoc looks it up: relative to each enclosing scope of `scope`, innermost first, then at the
// top. The same extension protoc finds, for every file protoc accepts.
const pb::FieldDescriptor* find_extension(const pb::DescriptorPool& pool, const std::string& name,
                                          std::string scope) {
  if (name.starts_with('.')) return pool.FindExtensionByName(name.substr(1));
  for (;;) {
    auto dot = scope.find_last_of('.');
    if (dot == std::string::npos) return pool.FindExtensionByName(name);
    scope.erase(dot);
    if (const auto* f = pool.FindExtensionByName(scope.empty() ? name : scope + "." + name)) {
      return f;
    }
  }
}

}  // namespace

OptionPlan protoc_option_plan(const pb::FileDescriptorProto& proto,
                              const pb::DescriptorPool& pool) {
  OptionPlan plan;
  // Indexes of repeated options, by the path of the field they add to.
  std::map<SourcePath, int> counts;
  walk_options(proto, [&](const auto& options, const SourcePath& prefix, const std::string& scope) {
    using Options = std::decay_t<decltype(options)>;
    for (int k = 0; k < options.uninterpreted_option_size(); ++k) {
      const pb::UninterpretedOption& option = options.uninterpreted_option(k);
      const pb::Descriptor* type = Options::descriptor();
      const pb::FieldDescriptor* field = nullptr;
      SourcePath dest = prefix;
      for (int i = 0; i < option.name_size(); ++i) {
        const auto& part = option.name(i);
        field = part.is_extension() ? find_extension(pool, part.name_part(), scope)
                                    : type->FindFieldByName(part.name_part());
        if (field == nullptr || field->containing_type()->full_name() != type->full_name()) {
          field = nullptr;
          break;
        }
        dest.push_back(field->number());
        if (i + 1 < option.name_size()) {
          type = field->message_type();
          if (type == nullptr) {
            field = nullptr;
            break;
          }
        }
      }
      if (field == nullptr) continue;
      if (field->is_repeated()) dest.push_back(counts[dest]++);
      // The standard options buf's form interprets already.
      if (standard_option(Options::descriptor(), option) != nullptr) continue;
      plan.emplace(append(prefix, {kUninterpretedOption, k}), std::move(dest));
    }
  });
  return plan;
}

void apply_option_plan(const OptionPlan& plan, pb::SourceCodeInfo& info) {
  if (plan.empty()) return;
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

namespace {

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

// Moves the start of `loc`'s span to (line, column), keeping its end.
void restart_span(pb::SourceCodeInfo::Location& loc, int line, int column) {
  int end_line = loc.span_size() == 4 ? loc.span(2) : loc.span(0);
  int end_column = loc.span(loc.span_size() - 1);
  loc.clear_span();
  loc.add_span(line);
  loc.add_span(column);
  if (end_line != line) loc.add_span(end_line);
  loc.add_span(end_column);
}

}  // namespace

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
    restart_span(loc, line, column);
  }
}

void locate_defaults_at_value(const std::string& text, pb::SourceCodeInfo& info) {
  static constexpr std::string_view kKeyword = "default";
  for (auto& loc : *info.mutable_location()) {
    if (!is_default_value_path(loc.path()) || loc.span_size() < 3) continue;
    std::size_t i = offset_of(text, loc.span(0), loc.span(1));
    if (i == std::string::npos || text.compare(i, kKeyword.size(), kKeyword) != 0) continue;
    i += kKeyword.size();
    auto skip_space = [&] {
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    };
    skip_space();
    if (i >= text.size() || text[i] != '=') continue;
    ++i;
    skip_space();
    auto [line, column] = position_of(text, i);
    restart_span(loc, line, column);
  }
}

namespace {

bool message_has_defaults(const pb::DescriptorProto& m) {
  for (const auto& f : m.field()) {
    if (f.has_default_value()) return true;
  }
  for (const auto& f : m.extension()) {
    if (f.has_default_value()) return true;
  }
  return std::any_of(m.nested_type().begin(), m.nested_type().end(), message_has_defaults);
}

}  // namespace

bool has_default_values(const pb::FileDescriptorProto& proto) {
  for (const auto& f : proto.extension()) {
    if (f.has_default_value()) return true;
  }
  return std::any_of(proto.message_type().begin(), proto.message_type().end(),
                     message_has_defaults);
}

void interpret_option_locations(const pb::FileDescriptorProto& proto, const std::string& text,
                                pb::SourceCodeInfo& info) {
  Plan plan;
  plan_file(proto, plan);
  apply_option_plan(plan, info);
  locate_defaults_at_keyword(text, info);
}

}  // namespace spoke::proto_internal
