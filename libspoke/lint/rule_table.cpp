// The catalogue of buf's lint rules per config version, and the resolution of use/except.

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "lint/lint_internal.h"

namespace spoke {

namespace {

using lint_internal::expand_rule_entry;

// A rule and its categories in each config version, as `buf config ls-lint-rules --version V`
// lists them (deprecated categories left out: DEFAULT stands beside STANDARD, STYLE_DEFAULT
// beside STYLE_STANDARD). nullptr: the version lacks the rule. A rule is a default rule of a
// version when it is in STANDARD there.
struct RuleRow {
  std::string id;
  std::string purpose;
  std::vector<std::string> v1beta1;
  std::vector<std::string> v1;
  std::vector<std::string> v2;
  bool in_v1beta1 = true;
  bool in_v1 = true;
  bool in_v2 = true;
  bool deprecated = false;
};

using V = std::vector<std::string>;

const std::vector<RuleRow>& rows() {
  static const std::vector<RuleRow> r = [] {
    const V min_layout = {"MINIMAL", "BASIC", "STANDARD", "FILE_LAYOUT"};
    const V min_affinity = {"MINIMAL", "BASIC", "STANDARD", "PACKAGE_AFFINITY"};
    const V min_sensible = {"MINIMAL", "BASIC", "STANDARD", "SENSIBLE"};
    const V basic_style = {"BASIC", "STANDARD", "STYLE_BASIC", "STYLE_STANDARD"};
    const V std_style = {"STANDARD", "STYLE_STANDARD"};
    const V min = {"MINIMAL", "BASIC", "STANDARD"};
    const V basic = {"BASIC", "STANDARD"};
    const V standard = {"STANDARD"};
    const V comments = {"COMMENTS"};
    const V unary = {"UNARY_RPC"};
    const V none = {};
    std::vector<RuleRow> t;
    auto add = [&](RuleRow row) { t.push_back(std::move(row)); };
    add({"DIRECTORY_SAME_PACKAGE",
         "Checks that all files in a given directory are in the same package.", min_layout, min,
         min});
    add({"PACKAGE_DEFINED", "Checks that all files have a package defined.", min_sensible, min,
         min});
    add({"PACKAGE_DIRECTORY_MATCH",
         "Checks that all files are in a directory that matches their package name.", min_layout,
         min, min});
    add({"PACKAGE_SAME_DIRECTORY",
         "Checks that all files with a given package are in the same directory.", min_layout, min,
         min});
    for (const char* option : {"CSHARP_NAMESPACE", "GO_PACKAGE", "JAVA_MULTIPLE_FILES",
                               "JAVA_PACKAGE", "PHP_NAMESPACE", "RUBY_PACKAGE", "SWIFT_PREFIX"}) {
      std::string lower = option;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      add({std::string("PACKAGE_SAME_") + option,
           "Checks that all files with a given package have the same value for the " + lower +
               " option.",
           min_affinity, basic, basic});
    }
    add({"ENUM_FIRST_VALUE_ZERO",
         "Checks that all first values of enums have a numeric value of 0.", V{"OTHER"}, basic,
         basic});
    add({"ENUM_NO_ALLOW_ALIAS", "Checks that enums do not have the allow_alias option set.",
         min_sensible, basic, basic});
    add({"ENUM_PASCAL_CASE", "Checks that enums are PascalCase.", basic_style, basic, basic});
    add({"ENUM_VALUE_UPPER_SNAKE_CASE", "Checks that enum values are UPPER_SNAKE_CASE.",
         basic_style, basic, basic});
    add({"FIELD_LOWER_SNAKE_CASE", "Checks that field names are lower_snake_case.", basic_style,
         basic, basic});
    add({"FIELD_NO_DESCRIPTOR",
         "Checks that field names are not any capitalization of \"descriptor\" with any number of "
         "prefix or suffix underscores.",
         min_sensible, none, none, true, false, false});
    add({"FIELD_NOT_REQUIRED", "Checks that fields are not configured to be required.", none, none,
         basic, false, false, true});
    add({"IMPORT_NO_PUBLIC", "Checks that imports are not public.", min_sensible, basic, basic});
    add({"IMPORT_USED", "Checks that imports are used.", none, basic, basic, false, true, true});
    add({"MESSAGE_PASCAL_CASE", "Checks that messages are PascalCase.", basic_style, basic, basic});
    add({"ONEOF_LOWER_SNAKE_CASE", "Checks that oneof names are lower_snake_case.", basic_style,
         basic, basic});
    add({"PACKAGE_LOWER_SNAKE_CASE", "Checks that packages are lower_snake.case.", basic_style,
         basic, basic});
    add({"PACKAGE_NO_IMPORT_CYCLE", "Checks that packages do not have import cycles.", none, none,
         min, false, true, true});
    add({"RPC_PASCAL_CASE", "Checks that RPCs are PascalCase.", basic_style, basic, basic});
    add({"SERVICE_PASCAL_CASE", "Checks that services are PascalCase.", basic_style, basic, basic});
    add({"SYNTAX_SPECIFIED", "Checks that all files have a syntax specified.", none, basic, basic,
         false, true, true});
    add({"ENUM_VALUE_PREFIX",
         "Checks that enum values are prefixed with ENUM_NAME_UPPER_SNAKE_CASE.", std_style,
         standard, standard});
    add({"ENUM_ZERO_VALUE_SUFFIX",
         "Checks that enum zero values have a consistent suffix (configurable, default suffix is "
         "\"_UNSPECIFIED\").",
         std_style, standard, standard});
    add({"FILE_LOWER_SNAKE_CASE", "Checks that filenames are lower_snake_case.", std_style,
         standard, standard});
    add({"PACKAGE_VERSION_SUFFIX",
         "Checks that the last component of all packages is a version of the form v\\d+, "
         "v\\d+test.*, v\\d+(alpha|beta)\\d+, or v\\d+p\\d+(alpha|beta)\\d+, where numbers are "
         ">=1.",
         std_style, standard, standard});
    add({"PROTOVALIDATE",
         "Checks that protovalidate rules are valid and all CEL expressions compile.", none,
         standard, standard, false, true, true});
    add({"RPC_REQUEST_RESPONSE_UNIQUE",
         "Checks that RPC request and response types are only used in one RPC (configurable).",
         std_style, standard, standard});
    add({"RPC_REQUEST_STANDARD_NAME",
         "Checks that RPC request type names are RPCNameRequest or ServiceNameRPCNameRequest "
         "(configurable).",
         std_style, standard, standard});
    add({"RPC_RESPONSE_STANDARD_NAME",
         "Checks that RPC response type names are RPCNameResponse or ServiceNameRPCNameResponse "
         "(configurable).",
         std_style, standard, standard});
    add({"SERVICE_SUFFIX",
         "Checks that services have a consistent suffix (configurable, default suffix is "
         "\"Service\").",
         std_style, standard, standard});
    add({"COMMENT_ENUM", "Checks that enums have non-empty comments.", comments, comments,
         comments});
    add({"COMMENT_ENUM_VALUE", "Checks that enum values have non-empty comments.", comments,
         comments, comments});
    add({"COMMENT_FIELD", "Checks that fields have non-empty comments.", comments, comments,
         comments});
    add({"COMMENT_MESSAGE", "Checks that messages have non-empty comments.", comments, comments,
         comments});
    add({"COMMENT_ONEOF", "Checks that oneofs have non-empty comments.", comments, comments,
         comments});
    add({"COMMENT_RPC", "Checks that RPCs have non-empty comments.", comments, comments, comments});
    add({"COMMENT_SERVICE", "Checks that services have non-empty comments.", comments, comments,
         comments});
    add({"RPC_NO_CLIENT_STREAMING", "Checks that RPCs are not client streaming.", unary, unary,
         unary});
    add({"RPC_NO_SERVER_STREAMING", "Checks that RPCs are not server streaming.", unary, unary,
         unary});
    add({"STABLE_PACKAGE_NO_IMPORT_UNSTABLE",
         "Checks that all files that have stable versioned packages do not import packages with "
         "unstable version packages.",
         none, none, none, false, false, true});
    add({"IMPORT_NO_WEAK", "Checks that imports are not weak.", none, none, none, true, true, true,
         true});
    return t;
  }();
  return r;
}

// The categories of a version in buf's listing order (deprecated aliases excluded).
const V& category_order(const std::string& version) {
  static const V v1beta1 = {"MINIMAL",          "BASIC",     "STANDARD",    "FILE_LAYOUT",
                            "PACKAGE_AFFINITY", "SENSIBLE",  "STYLE_BASIC", "STYLE_STANDARD",
                            "COMMENTS",         "UNARY_RPC", "OTHER"};
  static const V later = {"MINIMAL", "BASIC", "STANDARD", "COMMENTS", "UNARY_RPC"};
  return version == "v1beta1" ? v1beta1 : later;
}

// The deprecated category that stands for `category`, if any ("DEFAULT" for "STANDARD").
const char* deprecated_alias(const std::string& version, const std::string& category) {
  if (category == "STANDARD") return "DEFAULT";
  if (version == "v1beta1" && category == "STYLE_STANDARD") return "STYLE_DEFAULT";
  return nullptr;
}

const RuleRow* present(const RuleRow& row, const std::string& version, const V** categories) {
  if (version == "v1beta1" && row.in_v1beta1) {
    *categories = &row.v1beta1;
  } else if (version == "v1" && row.in_v1) {
    *categories = &row.v1;
  } else if (version == "v2" && row.in_v2) {
    *categories = &row.v2;
  } else {
    return nullptr;
  }
  return &row;
}

}  // namespace

namespace lint_internal {

bool is_known_version(const std::string& version) {
  return version == "v1beta1" || version == "v1" || version == "v2";
}

std::string unknown_rule_message(const std::string& entry) {
  return fmt::format("\"{}\" is not a known rule or category ID", entry);
}

std::optional<std::set<std::string>> expand_rule_entry(const std::string& version,
                                                       const std::string& entry,
                                                       std::string* deprecated_note) {
  std::set<std::string> out;
  bool category = false;
  for (const auto& row : rows()) {
    const V* cats = nullptr;
    if (present(row, version, &cats) == nullptr) continue;
    if (entry == row.id) {
      if (row.deprecated) {
        // IMPORT_NO_WEAK has no replacement: it selects nothing.
        if (deprecated_note != nullptr) {
          *deprecated_note =
              fmt::format("Rule {} referenced in your buf.yaml is deprecated.", row.id);
        }
        return out;
      }
      out.insert(row.id);
      return out;
    }
    for (const auto& c : *cats) {
      const char* alias = deprecated_alias(version, c);
      if (c == entry || (alias != nullptr && entry == alias)) {
        out.insert(row.id);
        category = true;
        if (alias != nullptr && entry == alias && deprecated_note != nullptr) {
          *deprecated_note = fmt::format(
              "Category {} referenced in your buf.yaml is deprecated. It has been replaced by "
              "category {}.",
              entry, c);
        }
      }
    }
  }
  if (!category) return std::nullopt;
  return out;
}

}  // namespace lint_internal

namespace {

std::vector<LintRule> rules_of(const std::string& version) {
  const V& order = category_order(version);
  auto rank = [&](const V& cats) {
    std::vector<std::size_t> r;
    for (const auto& c : cats) {
      r.push_back(
          static_cast<std::size_t>(std::find(order.begin(), order.end(), c) - order.begin()));
    }
    if (r.empty()) r.push_back(order.size());  // uncategorized rules come last
    return r;
  };
  std::vector<std::pair<std::vector<std::size_t>, LintRule>> ranked;
  for (const auto& row : rows()) {
    const V* cats = nullptr;
    if (present(row, version, &cats) == nullptr) continue;
    LintRule rule;
    rule.id = row.id;
    rule.categories = *cats;
    rule.deprecated = row.deprecated;
    rule.is_default =
        !row.deprecated && std::find(cats->begin(), cats->end(), "STANDARD") != cats->end();
    rule.purpose = row.purpose;
    auto r = rank(*cats);
    if (row.deprecated) r.insert(r.begin(), order.size() + 1);
    ranked.emplace_back(std::move(r), std::move(rule));
  }
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return std::tie(a.first, a.second.id) < std::tie(b.first, b.second.id);
  });
  std::vector<LintRule> out;
  for (auto& [_, rule] : ranked) out.push_back(std::move(rule));
  return out;
}

}  // namespace

Result<std::vector<LintRule>> lint_rules(const std::string& version) {
  if (!lint_internal::is_known_version(version)) {
    return Status::InvalidArgument(
        fmt::format("unknown config version \"{}\" (known: v1beta1, v1, v2)", version),
        reason::kInvalidConfig);
  }
  return rules_of(version);
}

std::vector<std::string> lint_categories(const std::string& version) {
  V out = category_order(version);
  out.push_back("DEFAULT");
  if (version == "v1beta1") out.push_back("STYLE_DEFAULT");
  return out;
}

Result<std::vector<std::string>> resolve_lint_rules(const LintConfig& config) {
  if (!lint_internal::is_known_version(config.version)) {
    return Status::InvalidArgument(
        fmt::format("unknown config version \"{}\" (known: v1beta1, v1, v2)", config.version),
        reason::kInvalidConfig);
  }
  std::set<std::string> use;
  if (config.use.empty()) {
    for (const auto& rule : rules_of(config.version)) {
      if (rule.is_default) use.insert(rule.id);
    }
  }
  for (const auto& entry : config.use) {
    auto ids = expand_rule_entry(config.version, entry);
    if (!ids) {
      return Status::InvalidArgument(lint_internal::unknown_rule_message(entry),
                                     reason::kUnknownRule);
    }
    use.insert(ids->begin(), ids->end());
  }
  for (const auto& entry : config.except) {
    auto ids = expand_rule_entry(config.version, entry);
    if (!ids) {
      return Status::InvalidArgument(lint_internal::unknown_rule_message(entry),
                                     reason::kUnknownRule);
    }
    for (const auto& id : *ids) use.erase(id);
  }
  for (const auto& [entry, _] : config.ignore_only) {
    if (!expand_rule_entry(config.version, entry)) {
      return Status::InvalidArgument(lint_internal::unknown_rule_message(entry),
                                     reason::kUnknownRule);
    }
  }
  return std::vector<std::string>(use.begin(), use.end());
}

}  // namespace spoke
