// buf's breaking rules over two linked schemas. Each rule follows buf's: the same pairing of
// elements (files by path; messages, enums and services by full name; fields and enum values by
// number; methods by name), the same messages and the same locations.

#include <fmt/format.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "breaking/breaking_internal.h"
#include "spoke/breaking.h"

namespace spoke {

namespace pb = google::protobuf;
using breaking_internal::Locator;
using breaking_internal::nested_name;
using breaking_internal::source_path;
using breaking_internal::Span;
using Path = std::vector<int>;

namespace {

// ---- the elements of one side -----------------------------------------------------------------

struct Side {
  const Schema* schema = nullptr;
  std::map<std::string, const pb::FileDescriptor*> files;            // target files by path
  std::unordered_map<std::string, const pb::Descriptor*> messages;   // by full name
  std::unordered_map<std::string, const pb::EnumDescriptor*> enums;  // by full name
  std::unordered_map<std::string, const pb::ServiceDescriptor*> services;
  // extendee full name -> number -> extension
  std::map<std::string, std::map<int, const pb::FieldDescriptor*>> extensions;
  std::map<std::string, std::vector<const pb::FileDescriptor*>> packages;

  void add_message(const pb::Descriptor* m) {
    messages.emplace(m->full_name(), m);
    for (int i = 0; i < m->nested_type_count(); ++i) add_message(m->nested_type(i));
    for (int i = 0; i < m->enum_type_count(); ++i)
      enums.emplace(m->enum_type(i)->full_name(), m->enum_type(i));
    for (int i = 0; i < m->extension_count(); ++i) add_extension(m->extension(i));
  }
  void add_extension(const pb::FieldDescriptor* f) {
    extensions[f->containing_type()->full_name()].emplace(f->number(), f);
  }
  explicit Side(const Schema& s) : schema(&s) {
    for (const auto& path : s.target_files()) {
      const pb::FileDescriptor* f = s.file(path);
      if (f == nullptr) continue;
      files.emplace(path, f);
      packages[f->package()].push_back(f);
      for (int i = 0; i < f->message_type_count(); ++i) add_message(f->message_type(i));
      for (int i = 0; i < f->enum_type_count(); ++i)
        enums.emplace(f->enum_type(i)->full_name(), f->enum_type(i));
      for (int i = 0; i < f->service_count(); ++i)
        services.emplace(f->service(i)->full_name(), f->service(i));
      for (int i = 0; i < f->extension_count(); ++i) add_extension(f->extension(i));
    }
  }
};

// Nested name -> element, for the declarations of one file (or of all files of one package).
template <typename T>
using NameMap = std::map<std::string, const T*>;

void collect(const pb::Descriptor* m, const std::string& pkg, NameMap<pb::Descriptor>* messages,
             NameMap<pb::EnumDescriptor>* enums, NameMap<pb::FieldDescriptor>* extensions) {
  if (messages) messages->emplace(nested_name(m->full_name(), pkg), m);
  for (int i = 0; i < m->nested_type_count(); ++i)
    collect(m->nested_type(i), pkg, messages, enums, extensions);
  if (enums) {
    for (int i = 0; i < m->enum_type_count(); ++i)
      enums->emplace(nested_name(m->enum_type(i)->full_name(), pkg), m->enum_type(i));
  }
  if (extensions) {
    for (int i = 0; i < m->extension_count(); ++i)
      extensions->emplace(nested_name(m->extension(i)->full_name(), pkg), m->extension(i));
  }
}

void collect(const pb::FileDescriptor* f, NameMap<pb::Descriptor>* messages,
             NameMap<pb::EnumDescriptor>* enums, NameMap<pb::FieldDescriptor>* extensions) {
  const std::string& pkg = f->package();
  for (int i = 0; i < f->message_type_count(); ++i)
    collect(f->message_type(i), pkg, messages, enums, extensions);
  if (enums) {
    for (int i = 0; i < f->enum_type_count(); ++i)
      enums->emplace(nested_name(f->enum_type(i)->full_name(), pkg), f->enum_type(i));
  }
  if (extensions) {
    for (int i = 0; i < f->extension_count(); ++i)
      extensions->emplace(nested_name(f->extension(i)->full_name(), pkg), f->extension(i));
  }
}

// ---- how buf describes things ----------------------------------------------------------------

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

// The json_format feature as editions resolve it for proto2 and proto3 files.
std::string json_format(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "ALLOW" : "LEGACY_BEST_EFFORT";
}
// The utf8_validation feature, likewise.
std::string utf8_validation(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "VERIFY" : "NONE";
}

std::string syntax_name(const pb::FileDescriptor* f) {
  return f->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "proto3" : "proto2";
}

enum class Cardinality { kExplicit = 1, kImplicit, kRequired, kRepeated, kMap };

Cardinality cardinality(const pb::FieldDescriptor* f) {
  if (f->is_map()) return Cardinality::kMap;
  if (f->is_repeated()) return Cardinality::kRepeated;
  if (f->is_required()) return Cardinality::kRequired;
  if (f->has_presence()) return Cardinality::kExplicit;
  return Cardinality::kImplicit;
}

const char* cardinality_name(Cardinality c) {
  switch (c) {
    case Cardinality::kExplicit:
      return "optional with explicit presence";
    case Cardinality::kImplicit:
      return "optional with implicit presence";
    case Cardinality::kRequired:
      return "required";
    case Cardinality::kRepeated:
      return "repeated";
    case Cardinality::kMap:
      return "map";
  }
  return "";
}

int wire_group(Cardinality c) {
  switch (c) {
    case Cardinality::kExplicit:
    case Cardinality::kImplicit:
      return 1;
    case Cardinality::kRequired:
      return 2;
    default:
      return 3;
  }
}
int wire_json_group(Cardinality c) { return c == Cardinality::kMap ? 4 : wire_group(c); }

int type_wire_group(pb::FieldDescriptor::Type t) {
  using F = pb::FieldDescriptor;
  switch (t) {
    case F::TYPE_INT32:
    case F::TYPE_INT64:
    case F::TYPE_UINT32:
    case F::TYPE_UINT64:
    case F::TYPE_BOOL:
      return 1;
    case F::TYPE_SINT32:
    case F::TYPE_SINT64:
      return 2;
    case F::TYPE_STRING:
      return 3;
    case F::TYPE_BYTES:
      return 4;
    case F::TYPE_FIXED32:
    case F::TYPE_SFIXED32:
      return 5;
    case F::TYPE_FIXED64:
    case F::TYPE_SFIXED64:
      return 6;
    case F::TYPE_DOUBLE:
      return 7;
    case F::TYPE_FLOAT:
      return 8;
    case F::TYPE_GROUP:
      return 9;
    case F::TYPE_MESSAGE:
      return 10;
    case F::TYPE_ENUM:
      return 11;
  }
  return 0;
}

int type_wire_json_group(pb::FieldDescriptor::Type t) {
  using F = pb::FieldDescriptor;
  switch (t) {
    case F::TYPE_INT32:
    case F::TYPE_UINT32:
      return 1;
    case F::TYPE_INT64:
    case F::TYPE_UINT64:
      return 2;
    case F::TYPE_FIXED32:
    case F::TYPE_SFIXED32:
      return 3;
    case F::TYPE_FIXED64:
    case F::TYPE_SFIXED64:
      return 4;
    case F::TYPE_BOOL:
      return 5;
    case F::TYPE_SINT32:
      return 6;
    case F::TYPE_SINT64:
      return 7;
    case F::TYPE_STRING:
      return 8;
    case F::TYPE_BYTES:
      return 9;
    case F::TYPE_DOUBLE:
      return 10;
    case F::TYPE_FLOAT:
      return 11;
    case F::TYPE_GROUP:
      return 12;
    case F::TYPE_MESSAGE:
      return 13;
    case F::TYPE_ENUM:
      return 14;
  }
  return 0;
}

bool is_named_type(const pb::FieldDescriptor* f) {
  return f->type() == pb::FieldDescriptor::TYPE_MESSAGE ||
         f->type() == pb::FieldDescriptor::TYPE_ENUM ||
         f->type() == pb::FieldDescriptor::TYPE_GROUP;
}

std::string type_name(const pb::FieldDescriptor* f) {
  if (f->message_type() != nullptr) return f->message_type()->full_name();
  if (f->enum_type() != nullptr) return f->enum_type()->full_name();
  return "";
}

bool is_64bit_integer(const pb::FieldDescriptor* f) {
  using F = pb::FieldDescriptor;
  switch (f->type()) {
    case F::TYPE_INT64:
    case F::TYPE_SINT64:
    case F::TYPE_UINT64:
    case F::TYPE_FIXED64:
    case F::TYPE_SFIXED64:
      return true;
    default:
      return false;
  }
}

bool is_string_or_bytes(const pb::FieldDescriptor* f) {
  return f->type() == pb::FieldDescriptor::TYPE_STRING ||
         f->type() == pb::FieldDescriptor::TYPE_BYTES;
}

std::string go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go's %v: the shortest representation, in exponent form when the exponent is < -4 or >= 21.
  std::string s = fmt::format("{}", v);
  if (s.find('e') != std::string::npos) {
    // fmt writes 1e+21; Go writes the same form.
    return s;
  }
  return s;
}

// ---- the checker --------------------------------------------------------------------------------

struct Annotation {
  BreakingFinding finding;
  std::string against_path;  // file of the old schema it concerns, for ignores
};

// Where an annotation goes: a file of the new schema and maybe a span in it.
struct Where {
  std::string path;
  Span span;
};

class Checker {
 public:
  Checker(const Schema& before, const Schema& after, const std::set<std::string>& rules)
      : prev_(before), cur_(after), prev_loc_(before), cur_loc_(after), rules_(rules) {}

  std::vector<Annotation> run();

 private:
  bool on(const char* rule) const { return rules_.count(rule) != 0; }

  std::optional<Where> at(const pb::FileDescriptor* f, const Path& path) const {
    auto span = cur_loc_.find(f, path);
    if (!span) return std::nullopt;
    return Where{f->name(), *span};
  }
  static std::optional<Where> file_only(const pb::FileDescriptor* f) {
    return Where{f->name(), Span{}};
  }
  template <typename... Rest>
  static std::optional<Where> first_of(std::optional<Where> a, Rest... rest) {
    if (a) return a;
    if constexpr (sizeof...(rest) > 0) {
      return first_of(rest...);
    } else {
      return std::nullopt;
    }
  }
  template <typename D>
  std::optional<Where> loc(const D* d) const {
    return at(d->file(), source_path(d));
  }
  template <typename D>
  std::optional<Where> loc(const D* d, std::initializer_list<int> suffix) const {
    Path p = source_path(d);
    p.insert(p.end(), suffix);
    return at(d->file(), p);
  }

  void add(const char* rule, const std::optional<Where>& where, const std::string& against_path,
           std::string message) {
    Annotation a;
    a.finding.type = rule;
    a.finding.message = std::move(message);
    if (where) {
      a.finding.path = where->path;
      a.finding.start_line = where->span.start_line;
      a.finding.start_column = where->span.start_column;
      a.finding.end_line = where->span.end_line;
      a.finding.end_column = where->span.end_column;
    }
    a.against_path = against_path;
    out_.push_back(std::move(a));
  }

  // Where a deleted element (by nested name) is reported in `file`: at its closest enclosing
  // message that still exists, else at the file.
  std::optional<Where> deleted_element_location(const pb::FileDescriptor* file,
                                                const NameMap<pb::Descriptor>& messages,
                                                const std::string& name) const {
    std::string prefix = name;
    for (auto dot = prefix.rfind('.'); dot != std::string::npos; dot = prefix.rfind('.')) {
      prefix.resize(dot);
      auto it = messages.find(prefix);
      if (it != messages.end()) return loc(it->second);
    }
    return file_only(file);
  }

  void file_rules();
  void file_pair(const pb::FileDescriptor* f, const pb::FileDescriptor* p);
  void file_option(const char* rule, const pb::FileDescriptor* f, const pb::FileDescriptor* p,
                   const std::string& previous, const std::string& current, int option_number,
                   const char* what);
  void package_rules();
  void message_pair(const pb::Descriptor* m, const pb::Descriptor* p);
  void field_pair(const pb::FieldDescriptor* f, const pb::FieldDescriptor* p);
  void field_changed_type(const char* rule, const pb::FieldDescriptor* f,
                          const pb::FieldDescriptor* p, const std::string& extra);
  void field_changed_type_name(const char* rule, const pb::FieldDescriptor* f,
                               const pb::FieldDescriptor* p);
  void enum_wire_compatible(const char* rule, const pb::FieldDescriptor* f,
                            const pb::FieldDescriptor* p);
  void enum_pair(const pb::EnumDescriptor* e, const pb::EnumDescriptor* p);
  void service_pair(const pb::ServiceDescriptor* s, const pb::ServiceDescriptor* p);
  template <typename D>
  void tag_ranges(const char* rule, const char* range_kind, const D* element, const D* previous,
                  std::vector<std::pair<int, int>> previous_ranges,
                  std::vector<std::pair<int, int>> ranges, int max_tag, const char* element_kind);

  Side prev_, cur_;
  Locator prev_loc_, cur_loc_;
  const std::set<std::string>& rules_;
  std::vector<Annotation> out_;
};

std::vector<Annotation> Checker::run() {
  file_rules();
  package_rules();
  for (const auto& [name, p] : prev_.messages) {
    auto it = cur_.messages.find(name);
    if (it != cur_.messages.end()) message_pair(it->second, p);
  }
  for (const auto& [extendee, by_number] : prev_.extensions) {
    auto it = cur_.extensions.find(extendee);
    if (it == cur_.extensions.end()) continue;
    for (const auto& [number, p] : by_number) {
      auto f = it->second.find(number);
      if (f != it->second.end()) field_pair(f->second, p);
    }
  }
  for (const auto& [name, p] : prev_.enums) {
    auto it = cur_.enums.find(name);
    if (it != cur_.enums.end()) enum_pair(it->second, p);
  }
  for (const auto& [name, p] : prev_.services) {
    auto it = cur_.services.find(name);
    if (it != cur_.services.end()) service_pair(it->second, p);
  }
  return std::move(out_);
}

void Checker::file_rules() {
  for (const auto& [path, p] : prev_.files) {
    auto it = cur_.files.find(path);
    if (it == cur_.files.end()) {
      if (on("FILE_NO_DELETE")) {
        add("FILE_NO_DELETE", std::nullopt, path,
            fmt::format("Previously present file {} was deleted.", quote(path)));
      }
      continue;
    }
    file_pair(it->second, p);
  }
}

void Checker::file_option(const char* rule, const pb::FileDescriptor* f,
                          const pb::FileDescriptor* p, const std::string& previous,
                          const std::string& current, int option_number, const char* what) {
  if (!on(rule) || previous == current) return;
  Path path = {pb::FileDescriptorProto::kOptionsFieldNumber, option_number};
  // An option no longer set has no location: reported at the file, as buf does.
  add(rule, first_of(at(f, path), file_only(f)), p->name(),
      fmt::format("File option {} changed from {} to {}.", quote(what), quote(previous),
                  quote(current)));
}

void Checker::file_pair(const pb::FileDescriptor* f, const pb::FileDescriptor* p) {
  NameMap<pb::Descriptor> prev_messages, messages;
  NameMap<pb::EnumDescriptor> prev_enums, enums;
  NameMap<pb::FieldDescriptor> prev_exts, exts;
  collect(p, &prev_messages, &prev_enums, &prev_exts);
  collect(f, &messages, &enums, &exts);

  if (on("ENUM_NO_DELETE")) {
    for (const auto& [name, e] : prev_enums) {
      if (enums.count(name)) continue;
      add("ENUM_NO_DELETE", deleted_element_location(f, messages, name), p->name(),
          fmt::format("Previously present enum {} was deleted from file.", quote(name)));
    }
  }
  if (on("EXTENSION_NO_DELETE")) {
    for (const auto& [name, e] : prev_exts) {
      if (exts.count(name)) continue;
      add("EXTENSION_NO_DELETE", deleted_element_location(f, messages, name), p->name(),
          fmt::format("Previously present extension {} was deleted from file.", quote(name)));
    }
  }
  if (on("MESSAGE_NO_DELETE")) {
    for (const auto& [name, m] : prev_messages) {
      if (messages.count(name)) continue;
      add("MESSAGE_NO_DELETE", deleted_element_location(f, messages, name), p->name(),
          fmt::format("Previously present message {} was deleted from file.", quote(name)));
    }
  }
  if (on("SERVICE_NO_DELETE")) {
    for (int i = 0; i < p->service_count(); ++i) {
      const std::string& name = p->service(i)->name();
      if (f->FindServiceByName(name) != nullptr) continue;
      add("SERVICE_NO_DELETE", file_only(f), p->name(),
          fmt::format("Previously present service {} was deleted from file.", quote(name)));
    }
  }

  const pb::FileOptions& po = p->options();
  const pb::FileOptions& o = f->options();
  auto b = [](bool v) { return std::string(v ? "true" : "false"); };
  using FO = pb::FileOptions;
  file_option("FILE_SAME_CC_ENABLE_ARENAS", f, p, b(po.cc_enable_arenas()), b(o.cc_enable_arenas()),
              FO::kCcEnableArenasFieldNumber, "cc_enable_arenas");
  file_option("FILE_SAME_CC_GENERIC_SERVICES", f, p, b(po.cc_generic_services()),
              b(o.cc_generic_services()), FO::kCcGenericServicesFieldNumber, "cc_generic_services");
  file_option("FILE_SAME_CSHARP_NAMESPACE", f, p, po.csharp_namespace(), o.csharp_namespace(),
              FO::kCsharpNamespaceFieldNumber, "csharp_namespace");
  file_option("FILE_SAME_GO_PACKAGE", f, p, po.go_package(), o.go_package(),
              FO::kGoPackageFieldNumber, "go_package");
  file_option("FILE_SAME_JAVA_GENERIC_SERVICES", f, p, b(po.java_generic_services()),
              b(o.java_generic_services()), FO::kJavaGenericServicesFieldNumber,
              "java_generic_services");
  file_option("FILE_SAME_JAVA_MULTIPLE_FILES", f, p, b(po.java_multiple_files()),
              b(o.java_multiple_files()), FO::kJavaMultipleFilesFieldNumber, "java_multiple_files");
  file_option("FILE_SAME_JAVA_OUTER_CLASSNAME", f, p, po.java_outer_classname(),
              o.java_outer_classname(), FO::kJavaOuterClassnameFieldNumber, "java_outer_classname");
  file_option("FILE_SAME_JAVA_PACKAGE", f, p, po.java_package(), o.java_package(),
              FO::kJavaPackageFieldNumber, "java_package");
  file_option("FILE_SAME_OBJC_CLASS_PREFIX", f, p, po.objc_class_prefix(), o.objc_class_prefix(),
              FO::kObjcClassPrefixFieldNumber, "objc_class_prefix");
  file_option("FILE_SAME_OPTIMIZE_FOR", f, p, FO::OptimizeMode_Name(po.optimize_for()),
              FO::OptimizeMode_Name(o.optimize_for()), FO::kOptimizeForFieldNumber, "optimize_for");
  file_option("FILE_SAME_PHP_CLASS_PREFIX", f, p, po.php_class_prefix(), o.php_class_prefix(),
              FO::kPhpClassPrefixFieldNumber, "php_class_prefix");
  file_option("FILE_SAME_PHP_METADATA_NAMESPACE", f, p, po.php_metadata_namespace(),
              o.php_metadata_namespace(), FO::kPhpMetadataNamespaceFieldNumber,
              "php_metadata_namespace");
  file_option("FILE_SAME_PHP_NAMESPACE", f, p, po.php_namespace(), o.php_namespace(),
              FO::kPhpNamespaceFieldNumber, "php_namespace");
  file_option("FILE_SAME_PY_GENERIC_SERVICES", f, p, b(po.py_generic_services()),
              b(o.py_generic_services()), FO::kPyGenericServicesFieldNumber, "py_generic_services");
  file_option("FILE_SAME_RUBY_PACKAGE", f, p, po.ruby_package(), o.ruby_package(),
              FO::kRubyPackageFieldNumber, "ruby_package");
  file_option("FILE_SAME_SWIFT_PREFIX", f, p, po.swift_prefix(), o.swift_prefix(),
              FO::kSwiftPrefixFieldNumber, "swift_prefix");
  if (on("FILE_SAME_SYNTAX") && syntax_name(p) != syntax_name(f)) {
    add("FILE_SAME_SYNTAX",
        first_of(at(f, {pb::FileDescriptorProto::kSyntaxFieldNumber}), file_only(f)), p->name(),
        fmt::format("File syntax changed from {} to {}.", quote(syntax_name(p)),
                    quote(syntax_name(f))));
  }
  if (on("FILE_SAME_PACKAGE") && p->package() != f->package()) {
    add("FILE_SAME_PACKAGE",
        first_of(at(f, {pb::FileDescriptorProto::kPackageFieldNumber}), file_only(f)), p->name(),
        fmt::format("File package changed from {} to {}.", quote(p->package()),
                    quote(f->package())));
  }
}

void Checker::package_rules() {
  const bool enums_on = on("PACKAGE_ENUM_NO_DELETE"), messages_on = on("PACKAGE_MESSAGE_NO_DELETE"),
             services_on = on("PACKAGE_SERVICE_NO_DELETE"),
             exts_on = on("PACKAGE_EXTENSION_NO_DELETE"), pkg_on = on("PACKAGE_NO_DELETE");
  if (!enums_on && !messages_on && !services_on && !exts_on && !pkg_on) return;
  for (const auto& [pkg, prev_files] : prev_.packages) {
    auto cur_it = cur_.packages.find(pkg);
    if (cur_it == cur_.packages.end()) {
      if (pkg_on) {
        std::vector<std::string> names;
        for (const auto* f : prev_files) names.push_back(f->name());
        std::sort(names.begin(), names.end());
        add("PACKAGE_NO_DELETE", std::nullopt, names.empty() ? "" : names[0],
            fmt::format("Previously present package {} was deleted.", quote(pkg)));
      }
      continue;
    }
    NameMap<pb::Descriptor> prev_messages, messages;
    NameMap<pb::EnumDescriptor> prev_enums, enums;
    NameMap<pb::FieldDescriptor> prev_exts, exts;
    std::map<std::string, const pb::ServiceDescriptor*> prev_services, services;
    for (const auto* f : prev_files) {
      collect(f, &prev_messages, &prev_enums, &prev_exts);
      for (int i = 0; i < f->service_count(); ++i)
        prev_services.emplace(f->service(i)->name(), f->service(i));
    }
    for (const auto* f : cur_it->second) {
      collect(f, &messages, &enums, &exts);
      for (int i = 0; i < f->service_count(); ++i)
        services.emplace(f->service(i)->name(), f->service(i));
    }
    // A deleted element is reported in the file of the new schema with the old one's path when
    // there is one (at its closest enclosing message), else without a file.
    // Enums and extensions look for the enclosing message in that file; messages, in the whole
    // package (as buf does).
    auto deleted_at = [&](const pb::FileDescriptor* prev_file, const std::string& name,
                          bool package_wide) -> std::optional<Where> {
      auto it = cur_.files.find(prev_file->name());
      if (it == cur_.files.end()) return std::nullopt;
      if (package_wide) return deleted_element_location(it->second, messages, name);
      NameMap<pb::Descriptor> file_messages;
      collect(it->second, &file_messages, nullptr, nullptr);
      return deleted_element_location(it->second, file_messages, name);
    };
    if (enums_on) {
      for (const auto& [name, e] : prev_enums) {
        if (enums.count(name)) continue;
        add("PACKAGE_ENUM_NO_DELETE", deleted_at(e->file(), name, false), e->file()->name(),
            fmt::format("Previously present enum {} was deleted from package {}.", quote(name),
                        quote(pkg)));
      }
    }
    if (messages_on) {
      for (const auto& [name, m] : prev_messages) {
        if (messages.count(name)) continue;
        add("PACKAGE_MESSAGE_NO_DELETE", deleted_at(m->file(), name, true), m->file()->name(),
            fmt::format("Previously present message {} was deleted from package {}.", quote(name),
                        quote(pkg)));
      }
    }
    if (exts_on) {
      for (const auto& [name, e] : prev_exts) {
        if (exts.count(name)) continue;
        add("PACKAGE_EXTENSION_NO_DELETE", deleted_at(e->file(), name, false), e->file()->name(),
            fmt::format("Previously present extension {} was deleted from package {}.", quote(name),
                        quote(pkg)));
      }
    }
    if (services_on) {
      for (const auto& [name, s] : prev_services) {
        if (services.count(name)) continue;
        auto it = cur_.files.find(s->file()->name());
        add("PACKAGE_SERVICE_NO_DELETE",
            it == cur_.files.end() ? std::nullopt : file_only(it->second), s->file()->name(),
            fmt::format("Previously present service {} was deleted from package {}.", quote(name),
                        quote(pkg)));
      }
    }
  }
}

template <typename D>
void Checker::tag_ranges(const char* rule, const char* range_kind, const D* element,
                         const D* previous, std::vector<std::pair<int, int>> previous_ranges,
                         std::vector<std::pair<int, int>> ranges, int max_tag,
                         const char* element_kind) {
  if (previous_ranges.empty()) return;
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int, int>> collapsed;
  for (const auto& r : ranges) {
    if (!collapsed.empty() &&
        static_cast<long long>(r.first) <= static_cast<long long>(collapsed.back().second) + 1) {
      collapsed.back().second = std::max(collapsed.back().second, r.second);
    } else {
      collapsed.push_back(r);
    }
  }
  auto range_string = [&](int start, int end) {
    if (start == end) return fmt::format("[{}]", start);
    if (end == max_tag) return fmt::format("[{},max]", start);
    return fmt::format("[{},{}]", start, end);
  };
  for (const auto& [start, end] : previous_ranges) {
    // The parts of [start, end] no range of the new element covers.
    std::vector<std::pair<int, int>> missing;
    long long next = start;
    for (const auto& [cs, ce] : collapsed) {
      if (ce < next) continue;
      if (cs > end) break;
      if (cs > next) missing.emplace_back(static_cast<int>(next), cs - 1);
      next = static_cast<long long>(ce) + 1;
      if (next > end) break;
    }
    if (next <= end) missing.emplace_back(static_cast<int>(next), end);
    if (missing.empty()) continue;
    std::string removed;
    for (const auto& [ms, me] : missing)
      removed += (removed.empty() ? "" : ", ") + range_string(ms, me);
    add(rule, first_of(loc(element), file_only(element->file())), previous->file()->name(),
        fmt::format("Previously present {} range {} on {} {} is missing values: {} were removed.",
                    range_kind, quote(range_string(start, end)), element_kind,
                    quote(element->name()), removed));
  }
}

void Checker::message_pair(const pb::Descriptor* m, const pb::Descriptor* p) {
  const std::string& against = p->file()->name();
  const int max_tag = m->options().message_set_wire_format() ? 2147483646 : 536870911;
  if (on("EXTENSION_MESSAGE_NO_DELETE")) {
    std::vector<std::pair<int, int>> pr, r;
    for (int i = 0; i < p->extension_range_count(); ++i)
      pr.emplace_back(p->extension_range(i)->start, p->extension_range(i)->end - 1);
    for (int i = 0; i < m->extension_range_count(); ++i)
      r.emplace_back(m->extension_range(i)->start, m->extension_range(i)->end - 1);
    tag_ranges("EXTENSION_MESSAGE_NO_DELETE", "extension", m, p, pr, r, max_tag, "message");
  }
  if (on("RESERVED_MESSAGE_NO_DELETE")) {
    std::vector<std::pair<int, int>> pr, r;
    for (int i = 0; i < p->reserved_range_count(); ++i)
      pr.emplace_back(p->reserved_range(i)->start, p->reserved_range(i)->end - 1);
    for (int i = 0; i < m->reserved_range_count(); ++i)
      r.emplace_back(m->reserved_range(i)->start, m->reserved_range(i)->end - 1);
    tag_ranges("RESERVED_MESSAGE_NO_DELETE", "reserved", m, p, pr, r, max_tag, "message");
    std::set<std::string> names;
    for (int i = 0; i < m->reserved_name_count(); ++i) names.insert(m->reserved_name(i));
    for (int i = 0; i < p->reserved_name_count(); ++i) {
      if (names.count(p->reserved_name(i))) continue;
      add("RESERVED_MESSAGE_NO_DELETE", loc(m), against,
          fmt::format("Previously present reserved name {} on message {} was deleted.",
                      quote(p->reserved_name(i)), quote(m->name())));
    }
  }
  const bool del = on("FIELD_NO_DELETE"), del_num = on("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"),
             del_name = on("FIELD_NO_DELETE_UNLESS_NAME_RESERVED");
  if (del || del_num || del_name) {
    for (int i = 0; i < p->field_count(); ++i) {
      const pb::FieldDescriptor* pf = p->field(i);
      if (m->FindFieldByNumber(pf->number()) != nullptr) continue;
      std::string description = field_description(pf);
      description[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(description[0])));
      if (del) {
        add("FIELD_NO_DELETE", loc(m), against,
            fmt::format("Previously present {} was deleted.", description));
      }
      if (del_num && !m->IsReservedNumber(pf->number())) {
        add("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", loc(m), against,
            fmt::format("Previously present {} was deleted without reserving the number \"{}\".",
                        description, pf->number()));
      }
      if (del_name && !m->IsReservedName(pf->name())) {
        add("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", loc(m), against,
            fmt::format("Previously present {} was deleted without reserving the name {}.",
                        description, quote(pf->name())));
      }
    }
  }
  if (on("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR") &&
      !p->options().no_standard_descriptor_accessor() &&
      m->options().no_standard_descriptor_accessor()) {
    add("MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        loc(m, {pb::DescriptorProto::kOptionsFieldNumber,
                pb::MessageOptions::kNoStandardDescriptorAccessorFieldNumber}),
        against,
        "Message option \"no_standard_descriptor_accessor\" changed from \"false\" to \"true\".");
  }
  if (on("ONEOF_NO_DELETE")) {
    for (int i = 0; i < p->oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* po = p->oneof_decl(i);
      if (po->is_synthetic() || m->FindOneofByName(po->name()) != nullptr) continue;
      add("ONEOF_NO_DELETE", loc(m), against,
          fmt::format("Previously present oneof {} on message {} was deleted.", quote(po->name()),
                      quote(m->name())));
    }
  }
  if (on("MESSAGE_SAME_REQUIRED_FIELDS")) {
    for (int i = 0; i < p->field_count(); ++i) {
      const pb::FieldDescriptor* pf = p->field(i);
      if (!pf->is_required()) continue;
      const pb::FieldDescriptor* f = m->FindFieldByNumber(pf->number());
      if (f != nullptr && f->is_required()) continue;
      add("MESSAGE_SAME_REQUIRED_FIELDS", loc(m), against,
          fmt::format("Message {} had required field \"{}\" deleted. Required fields must always "
                      "be sent, so if one side does not know about the required field, this "
                      "will result in a breakage.",
                      quote(p->name()), pf->number()));
    }
    for (int i = 0; i < m->field_count(); ++i) {
      const pb::FieldDescriptor* f = m->field(i);
      if (!f->is_required()) continue;
      const pb::FieldDescriptor* pf = p->FindFieldByNumber(f->number());
      if (pf != nullptr && pf->is_required()) continue;
      add("MESSAGE_SAME_REQUIRED_FIELDS", loc(f), "",
          fmt::format("Message {} had required field \"{}\" added. Required fields must always "
                      "be sent, so if one side does not know about the required field, this "
                      "will result in a breakage.",
                      quote(m->name()), f->number()));
    }
  }
  if (on("MESSAGE_SAME_JSON_FORMAT") && json_format(p->file()) == "ALLOW" &&
      json_format(m->file()) != "ALLOW") {
    add("MESSAGE_SAME_JSON_FORMAT", loc(m), against,
        fmt::format("Message {} JSON format support changed from {} to {}.", quote(m->name()),
                    json_format(p->file()), json_format(m->file())));
  }
  for (int i = 0; i < p->field_count(); ++i) {
    const pb::FieldDescriptor* f = m->FindFieldByNumber(p->field(i)->number());
    if (f != nullptr) field_pair(f, p->field(i));
  }
}

void Checker::field_changed_type(const char* rule, const pb::FieldDescriptor* f,
                                 const pb::FieldDescriptor* p, const std::string& extra) {
  auto where = is_named_type(f) ? loc(f, {pb::FieldDescriptorProto::kTypeNameFieldNumber})
                                : loc(f, {pb::FieldDescriptorProto::kTypeFieldNumber});
  add(rule, where, p->file()->name(),
      fmt::format("{} changed type from {} to {}.{}", field_description(f),
                  quote(pb::FieldDescriptor::TypeName(p->type())),
                  quote(pb::FieldDescriptor::TypeName(f->type())),
                  extra.empty() ? "" : " " + extra));
}

void Checker::field_changed_type_name(const char* rule, const pb::FieldDescriptor* f,
                                      const pb::FieldDescriptor* p) {
  add(rule, loc(f, {pb::FieldDescriptorProto::kTypeNameFieldNumber}), p->file()->name(),
      fmt::format("{} changed type from {} to {}.", field_description(f), quote(type_name(p)),
                  quote(type_name(f))));
}

// An enum field may change to another enum of the same short name that has every value of the
// old one (values can be added in the same change).
void Checker::enum_wire_compatible(const char* rule, const pb::FieldDescriptor* f,
                                   const pb::FieldDescriptor* p) {
  const pb::EnumDescriptor* pe = p->enum_type();
  const pb::EnumDescriptor* e = f->enum_type();
  bool same = pe->name() == e->name();
  for (int i = 0; same && i < pe->value_count(); ++i) {
    const pb::EnumValueDescriptor* v = e->FindValueByName(pe->value(i)->name());
    same = v != nullptr && v->number() == pe->value(i)->number();
  }
  if (!same) field_changed_type_name(rule, f, p);
}

namespace {

// A field's default as buf compares and prints it.
struct Default {
  bool is_string = false;  // string or bytes
  std::string text;
  bool is_float = false, is_double = false, nan = false;
  long double number = 0;
  std::string printable;
  bool zero = false;
};

Default default_of(const pb::FieldDescriptor* f) {
  using F = pb::FieldDescriptor;
  Default d;
  switch (f->cpp_type()) {
    case F::CPPTYPE_STRING:
      d.is_string = true;
      d.text = f->default_value_string();
      d.zero = d.text.empty();
      if (f->type() == F::TYPE_BYTES) {
        d.printable = "[";
        for (std::size_t i = 0; i < d.text.size(); ++i) {
          d.printable +=
              fmt::format("{}0x{:X}", i ? "," : "", static_cast<unsigned char>(d.text[i]));
        }
        d.printable += "]";
      } else {
        d.printable = quote(d.text);
      }
      break;
    case F::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = f->default_value_enum();
      d.number = v->number();
      d.printable = v->type()->name() + "." + v->name();
      break;
    }
    case F::CPPTYPE_BOOL:
      d.number = f->default_value_bool() ? 1 : 0;
      d.printable = f->default_value_bool() ? "true" : "false";
      break;
    case F::CPPTYPE_INT32:
      d.number = f->default_value_int32();
      d.printable = std::to_string(f->default_value_int32());
      break;
    case F::CPPTYPE_INT64:
      d.number = f->default_value_int64();
      d.printable = std::to_string(f->default_value_int64());
      break;
    case F::CPPTYPE_UINT32:
      d.number = f->default_value_uint32();
      d.printable = std::to_string(f->default_value_uint32());
      break;
    case F::CPPTYPE_UINT64:
      d.number = f->default_value_uint64();
      d.printable = std::to_string(f->default_value_uint64());
      break;
    case F::CPPTYPE_FLOAT:
      d.is_float = true;
      d.nan = std::isnan(f->default_value_float());
      d.number = f->default_value_float();
      d.printable = std::isnan(f->default_value_float()) || std::isinf(f->default_value_float())
                        ? go_float(f->default_value_float())
                        : fmt::format("{}", f->default_value_float());
      break;
    case F::CPPTYPE_DOUBLE:
      d.is_double = true;
      d.nan = std::isnan(f->default_value_double());
      d.number = f->default_value_double();
      d.printable = go_float(f->default_value_double());
      break;
    default:
      break;
  }
  if (!d.is_string)
    d.zero = !d.nan && d.number == 0 && !std::signbit(static_cast<double>(d.number));
  return d;
}

bool defaults_equal(const Default& a, const Default& b) {
  if (a.is_string || b.is_string) return a.is_string && b.is_string && a.text == b.text;
  if ((a.is_float && b.is_double) || (a.is_double && b.is_float)) {
    if (a.nan && b.nan) return true;
    return static_cast<float>(a.number) == static_cast<float>(b.number);
  }
  if (a.nan || b.nan) return a.nan && b.nan;
  return a.number == b.number;
}

}  // namespace

void Checker::field_pair(const pb::FieldDescriptor* f, const pb::FieldDescriptor* p) {
  using F = pb::FieldDescriptor;
  const std::string& against = p->file()->name();
  const bool map_entries =
      p->containing_type()->options().map_entry() && f->containing_type()->options().map_entry();
  const std::string desc = field_description(f);
  if (!map_entries) {
    Cardinality pc = cardinality(p), c = cardinality(f);
    std::string text = fmt::format("{} changed cardinality from {} to {}.", desc,
                                   quote(cardinality_name(pc)), quote(cardinality_name(c)));
    if (on("FIELD_SAME_CARDINALITY") && pc != c)
      add("FIELD_SAME_CARDINALITY", loc(f), against, text);
    if (on("FIELD_WIRE_COMPATIBLE_CARDINALITY") && wire_group(pc) != wire_group(c)) {
      add("FIELD_WIRE_COMPATIBLE_CARDINALITY", loc(f), against, text);
    }
    if (on("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY") && wire_json_group(pc) != wire_json_group(c)) {
      add("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", loc(f), against, text);
    }
  }
  if (on("FIELD_SAME_CPP_STRING_TYPE") && !map_entries && is_string_or_bytes(p) &&
      is_string_or_bytes(f)) {
    auto string_type = [](const F* d) -> std::pair<std::string, bool> {
      if (!d->options().has_ctype()) return {"STRING", false};
      switch (d->options().ctype()) {
        case pb::FieldOptions::CORD:
          return {"CORD", false};
        case pb::FieldOptions::STRING_PIECE:
          return {"STRING", true};
        default:
          return {"STRING", false};
      }
    };
    auto [pt, ppiece] = string_type(p);
    auto [t, piece] = string_type(f);
    if ((pt != t || ppiece != piece) && !(ppiece && t == "STRING")) {
      add("FIELD_SAME_CPP_STRING_TYPE",
          first_of(loc(f, {pb::FieldDescriptorProto::kOptionsFieldNumber,
                           pb::FieldOptions::kCtypeFieldNumber}),
                   loc(f)),
          against,
          fmt::format("{} changed C++ string type from {} to {}.", desc,
                      quote(ppiece ? "STRING_PIECE" : pt), quote(piece ? "STRING_PIECE" : t)));
    }
  }
  if (on("FIELD_SAME_JAVA_UTF8_VALIDATION") && p->type() == F::TYPE_STRING &&
      f->type() == F::TYPE_STRING) {
    auto validation = [](const F* d) {
      return d->file()->options().java_string_check_utf8() ? std::string("VERIFY")
                                                           : utf8_validation(d->file());
    };
    if (validation(p) != validation(f)) {
      add("FIELD_SAME_JAVA_UTF8_VALIDATION",
          first_of(at(f->file(), {pb::FileDescriptorProto::kOptionsFieldNumber,
                                  pb::FileOptions::kJavaStringCheckUtf8FieldNumber}),
                   loc(f)),
          against,
          fmt::format("{} changed Java string UTF8 validation from {} to {}.", desc,
                      quote(validation(p)), quote(validation(f))));
    }
  }
  if (on("FIELD_SAME_JSTYPE") && is_64bit_integer(p) && is_64bit_integer(f) &&
      p->options().jstype() != f->options().jstype()) {
    add("FIELD_SAME_JSTYPE",
        first_of(loc(f, {pb::FieldDescriptorProto::kOptionsFieldNumber,
                         pb::FieldOptions::kJstypeFieldNumber}),
                 loc(f)),
        against,
        fmt::format("{} changed option \"jstype\" from {} to {}.", desc,
                    quote(pb::FieldOptions::JSType_Name(p->options().jstype())),
                    quote(pb::FieldOptions::JSType_Name(f->options().jstype()))));
  }
  if (on("FIELD_SAME_TYPE")) {
    if (p->type() != f->type()) {
      field_changed_type("FIELD_SAME_TYPE", f, p, "");
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name("FIELD_SAME_TYPE", f, p);
    }
  }
  if (on("FIELD_WIRE_COMPATIBLE_TYPE")) {
    const char* rule = "FIELD_WIRE_COMPATIBLE_TYPE";
    if (type_wire_group(p->type()) != type_wire_group(f->type())) {
      std::string extra =
          "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire "
          "compatibility rules.";
      bool ok = false;
      if (p->type() == F::TYPE_STRING && f->type() == F::TYPE_BYTES) ok = true;
      if (p->type() == F::TYPE_BYTES && f->type() == F::TYPE_STRING) {
        extra +=
            " Note that while string and bytes are compatible if the data is valid UTF-8, "
            "there is no way to enforce that a bytes field is UTF-8, so these fields may be "
            "incompatible.";
      }
      if (!ok) field_changed_type(rule, f, p, extra);
    } else if (f->type() == F::TYPE_ENUM && type_name(p) != type_name(f)) {
      enum_wire_compatible(rule, f, p);
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name(rule, f, p);
    }
  }
  if (on("FIELD_WIRE_JSON_COMPATIBLE_TYPE")) {
    const char* rule = "FIELD_WIRE_JSON_COMPATIBLE_TYPE";
    if (type_wire_json_group(p->type()) != type_wire_json_group(f->type())) {
      field_changed_type(rule, f, p,
                         "See https://developers.google.com/protocol-buffers/docs/proto3#updating "
                         "for wire compatibility rules and "
                         "https://developers.google.com/protocol-buffers/docs/proto3#json for JSON "
                         "compatibility rules.");
    } else if (f->type() == F::TYPE_ENUM && type_name(p) != type_name(f)) {
      enum_wire_compatible(rule, f, p);
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name(rule, f, p);
    }
  }
  if (on("FIELD_SAME_JSON_NAME") && !p->is_extension() && p->json_name() != f->json_name()) {
    add("FIELD_SAME_JSON_NAME",
        first_of(loc(f, {pb::FieldDescriptorProto::kJsonNameFieldNumber}), loc(f)), against,
        fmt::format("{} changed option \"json_name\" from {} to {}.", desc, quote(p->json_name()),
                    quote(f->json_name())));
  }
  if (on("FIELD_SAME_NAME")) {
    const std::string& pn = p->is_extension() ? p->full_name() : p->name();
    const std::string& n = f->is_extension() ? f->full_name() : f->name();
    if (pn != n) {
      add("FIELD_SAME_NAME", loc(f, {pb::FieldDescriptorProto::kNameFieldNumber}), against,
          fmt::format("{} changed name from {} to {}.", field_description_with_name(f, ""),
                      quote(pn), quote(n)));
    }
  }
  if (on("FIELD_SAME_ONEOF") && !p->is_extension()) {
    const pb::OneofDescriptor* po = p->real_containing_oneof();
    const pb::OneofDescriptor* o = f->real_containing_oneof();
    if (po != nullptr && o != nullptr) {
      if (po->name() != o->name()) {
        // buf's message reads `..."q moved from oneof`; kept as buf prints it.
        add("FIELD_SAME_ONEOF", loc(f), against,
            fmt::format("{}q moved from oneof {} to oneof {}.", desc, quote(po->name()),
                        quote(o->name())));
      }
    } else if (po != nullptr || o != nullptr) {
      add("FIELD_SAME_ONEOF", loc(f), against,
          fmt::format("{} moved from {} to {} a oneof.", desc, po ? "inside" : "outside",
                      po ? "outside" : "inside"));
    }
  }
  if (on("FIELD_SAME_UTF8_VALIDATION") && p->type() == F::TYPE_STRING &&
      f->type() == F::TYPE_STRING && utf8_validation(p->file()) != utf8_validation(f->file())) {
    add("FIELD_SAME_UTF8_VALIDATION", loc(f), against,
        fmt::format("{} changed UTF8 validation from {} to {}.", desc, utf8_validation(p->file()),
                    utf8_validation(f->file())));
  }
  if (on("FIELD_SAME_DEFAULT")) {
    auto can_have_default = [](const F* d) {
      return !d->is_repeated() && d->message_type() == nullptr;
    };
    if (can_have_default(p) && can_have_default(f)) {
      Default pd = default_of(p), d = default_of(f);
      if (!(pd.zero && d.zero) && !defaults_equal(pd, d)) {
        add("FIELD_SAME_DEFAULT",
            first_of(loc(f, {pb::FieldDescriptorProto::kDefaultValueFieldNumber}), loc(f)), against,
            fmt::format("{} changed default value from {} to {}.", desc, pd.printable,
                        d.printable));
      }
    }
  }
}

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
    std::vector<std::pair<int, int>> pr, r;
    for (int i = 0; i < p->reserved_range_count(); ++i)
      pr.emplace_back(p->reserved_range(i)->start, p->reserved_range(i)->end);
    for (int i = 0; i < e->reserved_range_count(); ++i)
      r.emplace_back(e->reserved_range(i)->start, e->reserved_range(i)->end);
    tag_ranges("RESERVED_ENUM_NO_DELETE", "reserved", e, p, pr, r, 2147483647, "enum");
    std::set<std::string> reserved;
    for (int i = 0; i < e->reserved_name_count(); ++i) reserved.insert(e->reserved_name(i));
    for (int i = 0; i < p->reserved_name_count(); ++i) {
      if (reserved.count(p->reserved_name(i))) continue;
      add("RESERVED_ENUM_NO_DELETE", loc(e), against,
          fmt::format("Previously present reserved name {} on enum {} was deleted.",
                      quote(p->reserved_name(i)), quote(e->name())));
    }
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
    auto streaming = [](bool v) { return v ? "streaming" : "unary"; };
    if (on("RPC_SAME_CLIENT_STREAMING") && pm->client_streaming() != m->client_streaming()) {
      add("RPC_SAME_CLIENT_STREAMING", loc(m), against,
          fmt::format("RPC {} on service {} changed from client {} to client {}.", quote(m->name()),
                      quote(s->name()), streaming(pm->client_streaming()),
                      streaming(m->client_streaming())));
    }
    if (on("RPC_SAME_SERVER_STREAMING") && pm->server_streaming() != m->server_streaming()) {
      add("RPC_SAME_SERVER_STREAMING", loc(m), against,
          fmt::format("RPC {} on service {} changed from server {} to server {}.", quote(m->name()),
                      quote(s->name()), streaming(pm->server_streaming()),
                      streaming(m->server_streaming())));
    }
    if (on("RPC_SAME_REQUEST_TYPE") &&
        pm->input_type()->full_name() != m->input_type()->full_name()) {
      add("RPC_SAME_REQUEST_TYPE", loc(m, {pb::MethodDescriptorProto::kInputTypeFieldNumber}),
          against,
          fmt::format("RPC {} on service {} changed request type from {} to {}.", quote(m->name()),
                      quote(s->name()), quote(pm->input_type()->full_name()),
                      quote(m->input_type()->full_name())));
    }
    if (on("RPC_SAME_RESPONSE_TYPE") &&
        pm->output_type()->full_name() != m->output_type()->full_name()) {
      add("RPC_SAME_RESPONSE_TYPE", loc(m, {pb::MethodDescriptorProto::kOutputTypeFieldNumber}),
          against,
          fmt::format("RPC {} on service {} changed response type from {} to {}.", quote(m->name()),
                      quote(s->name()), quote(pm->output_type()->full_name()),
                      quote(m->output_type()->full_name())));
    }
    if (on("RPC_SAME_IDEMPOTENCY_LEVEL") &&
        pm->options().idempotency_level() != m->options().idempotency_level()) {
      add("RPC_SAME_IDEMPOTENCY_LEVEL",
          first_of(loc(m, {pb::MethodDescriptorProto::kOptionsFieldNumber,
                           pb::MethodOptions::kIdempotencyLevelFieldNumber}),
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

}  // namespace

// ---- ignores ------------------------------------------------------------------------------------

namespace {

bool under_any(const std::string& path, const std::vector<std::string>& roots) {
  for (std::string r : roots) {
    while (r.size() > 1 && r.back() == '/') r.pop_back();
    if (r == "." || r.empty() || path == r) return true;
    if (path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/') {
      return true;
    }
  }
  return false;
}

// A package whose last component (of two or more) is v1alpha1, v2beta, v1test, v1p1beta1, ...
bool unstable_package(const std::string& package) {
  auto dot = package.rfind('.');
  if (dot == std::string::npos) return false;
  static const std::regex kVersion(
      "v[1-9][0-9]*(test.*|(alpha|beta)([1-9][0-9]*)?|p[1-9][0-9]*(alpha|beta)([1-9][0-9]*)?)");
  return std::regex_match(package.substr(dot + 1), kVersion);
}

// ---- changes ----------------------------------------------------------------------------------

class ChangeLister {
 public:
  ChangeLister(const Schema& before, const Schema& after)
      : prev_(before), cur_(after), prev_loc_(before), cur_loc_(after) {}

  std::vector<SchemaChange> run() {
    for (const auto& [path, f] : cur_.files) {
      if (!prev_.files.count(path)) add("added", "file", path, f, {}, cur_loc_);
    }
    for (const auto& [path, p] : prev_.files) {
      auto it = cur_.files.find(path);
      if (it == cur_.files.end()) {
        add("deleted", "file", path, p, {}, prev_loc_);
        continue;
      }
      if (p->options().SerializeAsString() != it->second->options().SerializeAsString()) {
        add("changed", "option", path, it->second, {pb::FileDescriptorProto::kOptionsFieldNumber},
            cur_loc_, "file options changed");
      }
    }
    diff_map(prev_.messages, cur_.messages, "message");
    diff_map(prev_.enums, cur_.enums, "enum");
    diff_map(prev_.services, cur_.services, "service");
    for (const auto& [name, p] : prev_.messages) {
      auto it = cur_.messages.find(name);
      if (it == cur_.messages.end()) continue;
      const pb::Descriptor* m = it->second;
      for (int i = 0; i < m->field_count(); ++i) {
        if (p->FindFieldByNumber(m->field(i)->number()) == nullptr) {
          add_element("added", "field", m->field(i), cur_loc_);
        }
      }
      for (int i = 0; i < p->field_count(); ++i) {
        const pb::FieldDescriptor* f = m->FindFieldByNumber(p->field(i)->number());
        if (f == nullptr) {
          add_element("deleted", "field", p->field(i), prev_loc_);
        } else {
          compare(p->field(i), f, "field");
        }
      }
      for (int i = 0; i < m->oneof_decl_count(); ++i) {
        if (p->FindOneofByName(m->oneof_decl(i)->name()) == nullptr) {
          add_element("added", "oneof", m->oneof_decl(i), cur_loc_);
        }
      }
      for (int i = 0; i < p->oneof_decl_count(); ++i) {
        if (m->FindOneofByName(p->oneof_decl(i)->name()) == nullptr) {
          add_element("deleted", "oneof", p->oneof_decl(i), prev_loc_);
        }
      }
      compare(p, m, "message");
    }
    for (const auto& [name, p] : prev_.enums) {
      auto it = cur_.enums.find(name);
      if (it == cur_.enums.end()) continue;
      const pb::EnumDescriptor* e = it->second;
      for (int i = 0; i < e->value_count(); ++i) {
        if (p->FindValueByName(e->value(i)->name()) == nullptr) {
          add_element("added", "enum_value", e->value(i), cur_loc_);
        }
      }
      for (int i = 0; i < p->value_count(); ++i) {
        const pb::EnumValueDescriptor* v = e->FindValueByName(p->value(i)->name());
        if (v == nullptr) {
          add_element("deleted", "enum_value", p->value(i), prev_loc_);
        } else {
          compare(p->value(i), v, "enum_value");
        }
      }
      compare(p, e, "enum");
    }
    for (const auto& [name, p] : prev_.services) {
      auto it = cur_.services.find(name);
      if (it == cur_.services.end()) continue;
      const pb::ServiceDescriptor* s = it->second;
      for (int i = 0; i < s->method_count(); ++i) {
        if (p->FindMethodByName(s->method(i)->name()) == nullptr) {
          add_element("added", "method", s->method(i), cur_loc_);
        }
      }
      for (int i = 0; i < p->method_count(); ++i) {
        const pb::MethodDescriptor* m = s->FindMethodByName(p->method(i)->name());
        if (m == nullptr) {
          add_element("deleted", "method", p->method(i), prev_loc_);
        } else {
          compare(p->method(i), m, "method");
        }
      }
      compare(p, s, "service");
    }
    for (const auto& [extendee, by_number] : cur_.extensions) {
      auto it = prev_.extensions.find(extendee);
      for (const auto& [number, f] : by_number) {
        if (it == prev_.extensions.end() || !it->second.count(number)) {
          add_element("added", "extension", f, cur_loc_);
        }
      }
    }
    for (const auto& [extendee, by_number] : prev_.extensions) {
      auto it = cur_.extensions.find(extendee);
      for (const auto& [number, f] : by_number) {
        if (it == cur_.extensions.end() || !it->second.count(number)) {
          add_element("deleted", "extension", f, prev_loc_);
        }
      }
    }
    std::sort(out_.begin(), out_.end(), [](const SchemaChange& a, const SchemaChange& b) {
      return std::tie(a.path, a.line, a.column, a.kind, a.element, a.name) <
             std::tie(b.path, b.line, b.column, b.kind, b.element, b.name);
    });
    return std::move(out_);
  }

 private:
  void add(const char* kind, const char* element, const std::string& name,
           const pb::FileDescriptor* file, const Path& path, const Locator& locator,
           std::string detail = "") {
    SchemaChange c;
    c.kind = kind;
    c.element = element;
    c.name = name;
    c.path = file->name();
    if (auto span = locator.find(file, path)) {
      c.line = span->start_line;
      c.column = span->start_column;
    }
    c.detail = std::move(detail);
    out_.push_back(std::move(c));
  }
  template <typename D>
  void add_element(const char* kind, const char* element, const D* d, const Locator& locator) {
    if constexpr (std::is_same_v<D, pb::Descriptor>) {
      if (d->options().map_entry()) return;  // reported as its map field
    }
    add(kind, element, d->full_name(), d->file(), source_path(d), locator);
  }
  template <typename D>
  void diff_map(const std::unordered_map<std::string, const D*>& before,
                const std::unordered_map<std::string, const D*>& after, const char* element) {
    for (const auto& [name, d] : after) {
      if (!before.count(name)) add_element("added", element, d, cur_loc_);
    }
    for (const auto& [name, d] : before) {
      if (!after.count(name)) add_element("deleted", element, d, prev_loc_);
    }
  }
  // Comments and options of an element present in both.
  template <typename D>
  void compare(const D* p, const D* d, const char* element) {
    if (p->options().SerializeAsString() != d->options().SerializeAsString()) {
      add("changed", "option", d->full_name(), d->file(), option_path(d), cur_loc_,
          std::string(element) + " options changed");
    }
    pb::SourceLocation pl, l;
    bool has_p = get_location(p, prev_, &pl), has = get_location(d, cur_, &l);
    if (has_p && has &&
        (pl.leading_comments != l.leading_comments ||
         pl.trailing_comments != l.trailing_comments)) {
      add("changed", "comment", d->full_name(), d->file(), source_path(d), cur_loc_,
          std::string(element) + " comments changed");
    }
  }
  template <typename D>
  static Path option_path(const D* d) {
    Path p = source_path(d);
    if constexpr (std::is_same_v<D, pb::Descriptor>) {
      p.push_back(pb::DescriptorProto::kOptionsFieldNumber);
    } else if constexpr (std::is_same_v<D, pb::FieldDescriptor>) {
      p.push_back(pb::FieldDescriptorProto::kOptionsFieldNumber);
    } else if constexpr (std::is_same_v<D, pb::EnumDescriptor>) {
      p.push_back(pb::EnumDescriptorProto::kOptionsFieldNumber);
    } else if constexpr (std::is_same_v<D, pb::EnumValueDescriptor>) {
      p.push_back(pb::EnumValueDescriptorProto::kOptionsFieldNumber);
    } else if constexpr (std::is_same_v<D, pb::ServiceDescriptor>) {
      p.push_back(pb::ServiceDescriptorProto::kOptionsFieldNumber);
    } else {
      p.push_back(pb::MethodDescriptorProto::kOptionsFieldNumber);
    }
    return p;
  }
  // Leading and trailing comments of `d`, from an index of each file's locations built once.
  template <typename D>
  bool get_location(const D* d, const Side& side, pb::SourceLocation* out) {
    const std::string& file = d->file()->name();
    const pb::SourceCodeInfo* raw = side.schema->source_info(file);
    if (raw == nullptr) return d->GetSourceLocation(out);
    auto& index = comments_[raw];
    if (index.empty()) {
      for (const auto& loc : raw->location()) {
        index.try_emplace(Path(loc.path().begin(), loc.path().end()),
                          std::pair{loc.leading_comments(), loc.trailing_comments()});
      }
    }
    auto it = index.find(source_path(d));
    if (it == index.end()) return false;
    out->leading_comments = it->second.first;
    out->trailing_comments = it->second.second;
    return true;
  }

  std::map<const pb::SourceCodeInfo*, std::map<Path, std::pair<std::string, std::string>>>
      comments_;
  Side prev_, cur_;
  Locator prev_loc_, cur_loc_;
  std::vector<SchemaChange> out_;
};

}  // namespace

void sort_findings(std::vector<BreakingFinding>& findings) {
  auto key = [](const BreakingFinding& f) {
    return std::tie(f.path, f.start_line, f.start_column, f.end_line, f.end_column, f.type,
                    f.message);
  };
  std::sort(findings.begin(), findings.end(),
            [&](const BreakingFinding& a, const BreakingFinding& b) { return key(a) < key(b); });
  findings.erase(std::unique(findings.begin(), findings.end(),
                             [&](const BreakingFinding& a, const BreakingFinding& b) {
                               return key(a) == key(b);
                             }),
                 findings.end());
}

Result<BreakingResult> check_breaking(const Schema& before, const Schema& after,
                                      const BreakingOptions& options) {
  auto rules = resolve_breaking_rules(options);
  if (!rules.ok()) return rules.status();
  // ignore_only: rule ID -> paths.
  std::map<std::string, std::vector<std::string>> ignore_only;
  for (const auto& [entry, paths] : options.ignore_only) {
    auto ids = breaking_internal::expand_rule(options.config_version, entry);
    if (!ids.ok()) return ids.status();
    for (const auto& id : ids.value()) {
      auto& v = ignore_only[id];
      v.insert(v.end(), paths.begin(), paths.end());
    }
  }
  BreakingResult result;
  result.rules = rules.value();
  result.warnings = breaking_internal::deprecation_warnings(options);
  std::set<std::string> enabled(result.rules.begin(), result.rules.end());
  Checker checker(before, after, enabled);
  std::vector<Annotation> annotations = checker.run();

  auto package_of = [](const Schema& s, const std::string& path) -> std::string {
    const pb::FileDescriptor* f = s.file(path);
    return f == nullptr ? "" : f->package();
  };
  auto ignored = [&](const std::string& rule, const std::string& path, const Schema& side) {
    if (path.empty()) return false;
    if (under_any(path, options.ignore)) return true;
    auto it = ignore_only.find(rule);
    if (it != ignore_only.end() && under_any(path, it->second)) return true;
    return options.ignore_unstable_packages && unstable_package(package_of(side, path));
  };
  for (auto& a : annotations) {
    if (ignored(a.finding.type, a.finding.path, after)) continue;
    if (ignored(a.finding.type, a.against_path, before)) continue;
    result.findings.push_back(std::move(a.finding));
  }
  sort_findings(result.findings);
  if (options.list_changes) result.changes = ChangeLister(before, after).run();
  return result;
}

bool breaking_internal::is_unstable_package(const std::string& package) {
  return unstable_package(package);
}

}  // namespace spoke
