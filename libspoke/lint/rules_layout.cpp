// Layout rules: packages, directories, syntax, and the file options all files of a package share.

#include <fmt/format.h>

#include <map>
#include <set>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using File = pb::FileDescriptorProto;
using FileOptions = pb::FileOptions;

std::string join(const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ',';
    out += v;
  }
  return out;
}

void package_defined(Check& c) {
  for (const auto& f : c.files()) {
    if (f.fd->package().empty()) {
      c.add_file("PACKAGE_DEFINED", f, "Files must have a package defined.");
    }
  }
}

void package_directory_match(Check& c) {
  for (const auto& f : c.files()) {
    const std::string& pkg = f.fd->package();
    if (pkg.empty()) continue;
    std::string expected = pkg;
    for (auto& ch : expected) {
      if (ch == '.') ch = '/';
    }
    std::string dir = dir_of(f.path);
    if (dir != expected) {
      c.add("PACKAGE_DIRECTORY_MATCH", f, {File::kPackageFieldNumber},
            fmt::format("Files with package {} must be within a directory \"{}\" relative to "
                        "root but were in directory \"{}\".",
                        go_quote(pkg), expected, dir));
    }
  }
}

void directory_same_package(Check& c) {
  std::map<std::string, std::vector<const FileModel*>> by_dir;
  for (const auto& f : c.files()) by_dir[dir_of(f.path)].push_back(&f);
  for (const auto& [dir, files] : by_dir) {
    std::set<std::string> packages;
    for (const auto* f : files) packages.insert(f->fd->package());
    if (packages.size() < 2) continue;
    std::string prefix;
    if (packages.erase("") != 0) {
      std::string quoted = go_quote(join(packages));
      prefix = packages.size() > 1
                   ? fmt::format("Multiple packages {} and file with no package", quoted)
                   : fmt::format("Package {} and file with no package", quoted);
    } else {
      prefix = fmt::format("Multiple packages {}", go_quote(join(packages)));
    }
    for (const auto* f : files) {
      c.add("DIRECTORY_SAME_PACKAGE", *f, {File::kPackageFieldNumber},
            fmt::format("{} detected within directory {}.", prefix, go_quote(dir)));
    }
  }
}

std::map<std::string, std::vector<const FileModel*>> by_package(const Check& c) {
  std::map<std::string, std::vector<const FileModel*>> out;
  for (const auto& f : c.files()) out[f.fd->package()].push_back(&f);
  return out;
}

void package_same_directory(Check& c) {
  for (const auto& [pkg, files] : by_package(c)) {
    std::set<std::string> dirs;
    for (const auto* f : files) dirs.insert(dir_of(f->path));
    if (dirs.size() < 2) continue;
    for (const auto* f : files) {
      c.add("PACKAGE_SAME_DIRECTORY", *f, {File::kPackageFieldNumber},
            fmt::format("Multiple directories {} contain files with package {}.",
                        go_quote(join(dirs)), go_quote(pkg)));
    }
  }
}

// PACKAGE_SAME_<OPTION>: every file of a package has the same value of the option (unset counts
// as a value of its own); each file is reported at its option, or at its top when it lacks it.
void same_option(Check& c, const char* rule, const char* name, int field_number,
                 std::string (*value)(const pb::FileDescriptor*)) {
  for (const auto& [pkg, files] : by_package(c)) {
    std::set<std::string> values;
    for (const auto* f : files) values.insert(value(f->fd));
    if (values.size() < 2) continue;
    bool unset = values.erase("") != 0;
    std::string message =
        unset ? fmt::format(
                    "Files in package {} have both values {} and no value for option "
                    "\"{}\" and all values must be equal.",
                    go_quote(pkg), go_quote(join(values)), name)
              : fmt::format(
                    "Files in package {} have multiple values {} for option \"{}\" and "
                    "all values must be equal.",
                    go_quote(pkg), go_quote(join(values)), name);
    for (const auto* f : files) {
      c.add(rule, *f, proto_internal::option_path(f->fd, field_number), message);
    }
  }
}

void package_same_csharp_namespace(Check& c) {
  same_option(c, "PACKAGE_SAME_CSHARP_NAMESPACE", "csharp_namespace",
              FileOptions::kCsharpNamespaceFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().csharp_namespace(); });
}
void package_same_go_package(Check& c) {
  same_option(c, "PACKAGE_SAME_GO_PACKAGE", "go_package", FileOptions::kGoPackageFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().go_package(); });
}
void package_same_java_multiple_files(Check& c) {
  same_option(c, "PACKAGE_SAME_JAVA_MULTIPLE_FILES", "java_multiple_files",
              FileOptions::kJavaMultipleFilesFieldNumber, [](const pb::FileDescriptor* f) {
                if (!f->options().has_java_multiple_files()) return std::string();
                return std::string(f->options().java_multiple_files() ? "true" : "false");
              });
}
void package_same_java_package(Check& c) {
  same_option(c, "PACKAGE_SAME_JAVA_PACKAGE", "java_package", FileOptions::kJavaPackageFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().java_package(); });
}
void package_same_php_namespace(Check& c) {
  same_option(c, "PACKAGE_SAME_PHP_NAMESPACE", "php_namespace",
              FileOptions::kPhpNamespaceFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().php_namespace(); });
}
void package_same_ruby_package(Check& c) {
  same_option(c, "PACKAGE_SAME_RUBY_PACKAGE", "ruby_package", FileOptions::kRubyPackageFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().ruby_package(); });
}
void package_same_swift_prefix(Check& c) {
  same_option(c, "PACKAGE_SAME_SWIFT_PREFIX", "swift_prefix", FileOptions::kSwiftPrefixFieldNumber,
              [](const pb::FileDescriptor* f) { return f->options().swift_prefix(); });
}

void syntax_specified(Check& c) {
  for (const auto& f : c.files()) {
    if (!f.syntax_specified) {
      c.add_file("SYNTAX_SPECIFIED", f,
                 "Files must have a syntax explicitly specified. If no syntax is specified, the "
                 "file defaults to \"proto2\".");
    }
  }
}

}  // namespace

const std::vector<RuleBinding>& layout_rules() {
  static const std::vector<RuleBinding> rules = {
      {"DIRECTORY_SAME_PACKAGE", directory_same_package},
      {"PACKAGE_DEFINED", package_defined},
      {"PACKAGE_DIRECTORY_MATCH", package_directory_match},
      {"PACKAGE_SAME_CSHARP_NAMESPACE", package_same_csharp_namespace},
      {"PACKAGE_SAME_DIRECTORY", package_same_directory},
      {"PACKAGE_SAME_GO_PACKAGE", package_same_go_package},
      {"PACKAGE_SAME_JAVA_MULTIPLE_FILES", package_same_java_multiple_files},
      {"PACKAGE_SAME_JAVA_PACKAGE", package_same_java_package},
      {"PACKAGE_SAME_PHP_NAMESPACE", package_same_php_namespace},
      {"PACKAGE_SAME_RUBY_PACKAGE", package_same_ruby_package},
      {"PACKAGE_SAME_SWIFT_PREFIX", package_same_swift_prefix},
      {"SYNTAX_SPECIFIED", syntax_specified},
  };
  return rules;
}

}  // namespace spoke::lint_internal
