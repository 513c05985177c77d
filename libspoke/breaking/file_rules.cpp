// buf's rules on files and packages: deletions, file options, syntax and package.

#include <fmt/format.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>

#include "breaking/checker.h"
#include "breaking/describe.h"
#include "breaking/rules.h"

namespace spoke::breaking_internal {

namespace {

// The value of `option` in `options` as buf prints it: true or false, an enum value's name, or
// the string.
std::string option_value(const pb::FileOptions& options, const pb::FieldDescriptor* option) {
  const pb::Reflection* reflection = options.GetReflection();
  switch (option->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      return reflection->GetBool(options, option) ? "true" : "false";
    case pb::FieldDescriptor::CPPTYPE_ENUM:
      return reflection->GetEnum(options, option)->name();
    default:
      return reflection->GetString(options, option);
  }
}

}  // namespace

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
  // An option no longer set has no location: reported at the file, as buf does.
  add(rule, first_of(option_loc(f, option_number), file_only(f)), p->name(),
      fmt::format("File option {} changed from {} to {}.", quote(what), quote(previous),
                  quote(current)));
}

void Checker::file_pair(const pb::FileDescriptor* f, const pb::FileDescriptor* p) {
  Declarations before, after;
  before.add(p);
  after.add(f);
  // Deleted enums, extensions and messages are reported at their closest enclosing message that
  // still exists; deleted services at the file.
  auto deleted = [&](const char* rule, const char* what, const auto& previous, const auto& current,
                     bool at_file) {
    if (!on(rule)) return;
    for (const auto& [name, d] : previous) {
      if (current.count(name)) continue;
      add(rule, at_file ? file_only(f) : deleted_element_location(f, after.messages, name),
          p->name(),
          fmt::format("Previously present {} {} was deleted from file.", what, quote(name)));
    }
  };
  deleted("ENUM_NO_DELETE", "enum", before.enums, after.enums, false);
  deleted("EXTENSION_NO_DELETE", "extension", before.extensions, after.extensions, false);
  deleted("MESSAGE_NO_DELETE", "message", before.messages, after.messages, false);
  deleted("SERVICE_NO_DELETE", "service", before.services, after.services, true);

  for (const auto& [option, rule] : compared_file_options()) {
    file_option(rule.c_str(), f, p, option_value(p->options(), option),
                option_value(f->options(), option), option->number(), option->name().c_str());
  }
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
    Declarations before, after;
    for (const auto* f : prev_files) before.add(f);
    for (const auto* f : cur_it->second) after.add(f);
    // A deleted element is reported in the file of the new schema with the old one's path when
    // there is one, else without a file: a service at that file; an enum or extension at its
    // closest enclosing message in that file; a message at its closest enclosing message in the
    // package (as buf does).
    auto deleted = [&](const char* rule, const char* what, const auto& previous,
                       const auto& current) {
      for (const auto& [name, d] : previous) {
        if (current.count(name)) continue;
        const pb::FileDescriptor* prev_file = d->file();
        std::optional<Where> where;
        if (auto it = cur_.files.find(prev_file->name()); it != cur_.files.end()) {
          using D = std::remove_cv_t<std::remove_pointer_t<decltype(d)>>;
          if constexpr (std::is_same_v<D, pb::ServiceDescriptor>) {
            where = file_only(it->second);
          } else if constexpr (std::is_same_v<D, pb::Descriptor>) {
            where = deleted_element_location(it->second, after.messages, name);
          } else {
            Declarations file;
            file.add(it->second);
            where = deleted_element_location(it->second, file.messages, name);
          }
        }
        add(rule, where, prev_file->name(),
            fmt::format("Previously present {} {} was deleted from package {}.", what, quote(name),
                        quote(pkg)));
      }
    };
    if (enums_on) deleted("PACKAGE_ENUM_NO_DELETE", "enum", before.enums, after.enums);
    if (messages_on) {
      deleted("PACKAGE_MESSAGE_NO_DELETE", "message", before.messages, after.messages);
    }
    if (exts_on) {
      deleted("PACKAGE_EXTENSION_NO_DELETE", "extension", before.extensions, after.extensions);
    }
    if (services_on) {
      deleted("PACKAGE_SERVICE_NO_DELETE", "service", before.services, after.services);
    }
  }
}

}  // namespace spoke::breaking_internal
