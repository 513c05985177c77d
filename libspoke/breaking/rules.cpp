// The catalogue of buf's breaking rules per config version, and the resolution of use/except.

#include <fmt/format.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "breaking/rules.h"
#include "spoke/breaking.h"

namespace spoke {

namespace {

// A rule and the categories it has in each config version; nullptr: the version lacks the rule.
// The first category list of a version is the rule's categories; a rule is a default rule when
// it is in FILE.
struct RuleRow {
  const char* id;
  const char* purpose;
  std::vector<std::string> v1beta1;
  std::vector<std::string> v1;
  std::vector<std::string> v2;
  bool in_v1beta1 = true;
  bool in_v1 = true;
  bool in_v2 = true;
  bool deprecated = false;
  std::vector<std::string> replacements;
};

using V = std::vector<std::string>;
const V kFile = {"FILE"};
const V kFP = {"FILE", "PACKAGE"};
const V kFPJ = {"FILE", "PACKAGE", "WIRE_JSON"};
const V kFPJW = {"FILE", "PACKAGE", "WIRE_JSON", "WIRE"};
const V kPkg = {"PACKAGE"};
const V kJ = {"WIRE_JSON"};
const V kJW = {"WIRE_JSON", "WIRE"};
const V kW = {"WIRE"};
const V kNone = {};

V csr(V v) {
  v.insert(v.begin(), "CSR");
  return v;
}

const std::vector<RuleRow>& rows() {
  static const std::vector<RuleRow> r = [] {
    std::vector<RuleRow> t;
    auto add = [&](RuleRow row) { t.push_back(std::move(row)); };
    add({"ENUM_NO_DELETE", "Checks that enums are not deleted from a given file.", kFile, kFile,
         csr(kFile)});
    add({"EXTENSION_NO_DELETE", "Checks that extensions are not deleted from a given file.", kNone,
         kNone, kFile, false, false, true});
    add({"FILE_NO_DELETE", "Checks that files are not deleted.", kFile, kFile, csr(kFile)});
    add({"MESSAGE_NO_DELETE", "Checks that messages are not deleted from a given file.", kFile,
         kFile, csr(kFile)});
    add({"SERVICE_NO_DELETE", "Checks that services are not deleted from a given file.", kFile,
         kFile, kFile});
    add({"ENUM_SAME_TYPE", "Checks that enums have the same type (open vs closed).", kFP, kFP,
         kFP});
    add({"ENUM_VALUE_NO_DELETE", "Checks that enum values are not deleted from a given enum.", kFP,
         kFP, csr(kFP)});
    add({"EXTENSION_MESSAGE_NO_DELETE",
         "Checks that extension ranges are not deleted from a given message.", kFP, kFP, csr(kFP)});
    add({"FIELD_NO_DELETE", "Checks that fields are not deleted from a given message.", kFP, kFP,
         csr(kFP)});
    add({"FIELD_SAME_CARDINALITY",
         "Checks that fields have the same cardinalities in a given message.", kFPJW, kFP, kFP});
    add({"FIELD_SAME_CPP_STRING_TYPE",
         "Checks that fields have the same C++ string type, based on ctype field option or "
         "(pb.cpp).string_type feature.",
         kFP, kFP, kFP});
    add({"FIELD_SAME_JAVA_UTF8_VALIDATION",
         "Checks that fields have the same Java string UTF8 validation, based on "
         "java_string_check_utf8 file option or (pb.java).utf8_validation feature.",
         kFP, kFP, kFP});
    add({"FIELD_SAME_JSTYPE", "Checks that fields have the same value for the jstype option.", kFP,
         kFP, kFP});
    add({"FIELD_SAME_TYPE", "Checks that fields have the same types in a given message.", kFPJW,
         kFP, csr(kFP)});
    add({"FIELD_SAME_UTF8_VALIDATION",
         "Checks that string fields have the same UTF8 validation mode.", kFP, kFP, kFP});
    {
      static const std::vector<std::string> purposes = [] {
        std::vector<std::string> out;
        for (const auto& option : breaking_internal::compared_file_options()) {
          out.push_back("Checks that files have the same value for the " + option.field->name() +
                        " option.");
        }
        return out;
      }();
      const auto& options = breaking_internal::compared_file_options();
      for (std::size_t i = 0; i < options.size(); ++i) {
        add({options[i].rule.c_str(), purposes[i].c_str(), kFP, kFP, kFP});
      }
    }
    add({"FILE_SAME_SYNTAX", "Checks that files have the same syntax.", kFP, kFP, csr(kFP)});
    add({"MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
         "Checks that messages do not change the no_standard_descriptor_accessor option from "
         "false or unset to true.",
         kFP, kFP, csr(kFP)});
    add({"ONEOF_NO_DELETE", "Checks that oneofs are not deleted from a given message.", kFP, kFP,
         csr(kFP)});
    add({"RPC_NO_DELETE", "Checks that rpcs are not deleted from a given service.", kFP, kFP, kFP});
    add({"ENUM_SAME_JSON_FORMAT", "Checks that enums have the same JSON format support.", kFPJ,
         kFPJ, csr(kFPJ)});
    add({"ENUM_VALUE_SAME_NAME", "Checks that enum values have the same name.", kFPJ, kFPJ,
         csr(kFPJ)});
    add({"FIELD_SAME_JSON_NAME", "Checks that fields have the same value for the json_name option.",
         kFPJ, kFPJ, csr(kFPJ)});
    add({"FIELD_SAME_NAME", "Checks that fields have the same names in a given message.", kFPJ,
         kFPJ, csr(kFPJ)});
    add({"MESSAGE_SAME_JSON_FORMAT", "Checks that messages have the same JSON format support.",
         kFPJ, kFPJ, csr(kFPJ)});
    add({"FIELD_SAME_DEFAULT",
         "Checks that fields have the same default value, if a default is specified.", kNone, kNone,
         csr(kFPJW), false, false, true});
    add({"FIELD_SAME_ONEOF", "Checks that fields have the same oneofs in a given message.", kFPJW,
         kFPJW, csr(kFPJW)});
    add({"FILE_SAME_PACKAGE", "Checks that files have the same package.", kFile, kFPJW,
         csr(kFPJW)});
    add({"MESSAGE_SAME_REQUIRED_FIELDS",
         "Checks that messages have no added or deleted required fields.", kFPJW, kFPJW,
         csr(kFPJW)});
    add({"RESERVED_ENUM_NO_DELETE",
         "Checks that reserved ranges and names are not deleted from "
         "a given enum.",
         kFPJW, kFPJW, csr(kFPJW)});
    add({"RESERVED_MESSAGE_NO_DELETE",
         "Checks that reserved ranges and names are not deleted "
         "from a given message.",
         kFPJW, kFPJW, csr(kFPJW)});
    add({"RPC_SAME_CLIENT_STREAMING", "Checks that rpcs have the same client streaming value.",
         kFPJW, kFPJW, csr(kFPJW)});
    add({"RPC_SAME_IDEMPOTENCY_LEVEL",
         "Checks that rpcs have the same value for the idempotency_level option.", kFPJW, kFPJW,
         csr(kFPJW)});
    add({"RPC_SAME_REQUEST_TYPE", "Checks that rpcs are have the same request type.", kFPJW, kFPJW,
         csr(kFPJW)});
    add({"RPC_SAME_RESPONSE_TYPE", "Checks that rpcs are have the same response type.", kFPJW,
         kFPJW, csr(kFPJW)});
    add({"RPC_SAME_SERVER_STREAMING", "Checks that rpcs have the same server streaming value.",
         kFPJW, kFPJW, csr(kFPJW)});
    add({"PACKAGE_ENUM_NO_DELETE", "Checks that enums are not deleted from a given package.", kPkg,
         kPkg, kPkg});
    add({"PACKAGE_EXTENSION_NO_DELETE",
         "Checks that extensions are not deleted from a given package.", kNone, kNone, kPkg, false,
         false, true});
    add({"PACKAGE_MESSAGE_NO_DELETE", "Checks that messages are not deleted from a given package.",
         kPkg, kPkg, kPkg});
    add({"PACKAGE_NO_DELETE", "Checks that packages are not deleted.", kPkg, kPkg, kPkg});
    add({"PACKAGE_SERVICE_NO_DELETE", "Checks that services are not deleted from a given package.",
         kPkg, kPkg, kPkg});
    add({"ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
         "Checks that enum values are not deleted from a given enum unless the name is reserved.",
         kJ, kJ, csr(kJ)});
    add({"FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
         "Checks that fields are not deleted from a given message unless the name is reserved.", kJ,
         kJ, csr(kJ)});
    add({"FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
         "Checks that fields have wire and JSON compatible cardinalities in a given message.", kJ,
         kJ, csr(kJ)});
    add({"FIELD_WIRE_JSON_COMPATIBLE_TYPE",
         "Checks that fields have wire and JSON compatible types in a given message.", kNone, kJ,
         csr(kJ), false, true, true});
    add({"ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
         "Checks that enum values are not deleted from a given enum unless the number is "
         "reserved.",
         kJW, kJW, csr(kJW)});
    add({"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
         "Checks that fields are not deleted from a given message unless the number is reserved.",
         kJW, kJW, csr(kJW)});
    add({"FIELD_WIRE_COMPATIBLE_CARDINALITY",
         "Checks that fields have wire-compatible cardinalities in a given message.", kW, kW, kW});
    add({"FIELD_WIRE_COMPATIBLE_TYPE",
         "Checks that fields have wire-compatible types in a given message.", kNone, kW, kW, false,
         true, true});
    // Deprecated, in v1beta1 and v1 (and in v2 when `in_v2`): they stand for the rules that
    // replaced them.
    auto deprecated = [&](const char* id, const char* purpose, bool in_v2,
                          std::vector<std::string> replacements) {
      add({id, purpose, kNone, kNone, kNone, true, true, in_v2, true, std::move(replacements)});
    };
    deprecated("FIELD_SAME_CTYPE", "Checks that fields have the same value for the ctype option.",
               false, {"FIELD_SAME_CPP_STRING_TYPE"});
    deprecated("FIELD_SAME_LABEL", "Checks that fields have the same labels in a given message.",
               false,
               {"FIELD_SAME_CARDINALITY", "FIELD_WIRE_COMPATIBLE_CARDINALITY",
                "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY"});
    deprecated("FILE_SAME_JAVA_STRING_CHECK_UTF8",
               "Checks that files have the same value for the java_string_check_utf8 option.",
               false, {"FIELD_SAME_JAVA_UTF8_VALIDATION"});
    deprecated("FILE_SAME_PHP_GENERIC_SERVICES",
               "Checks that files have the same value for the php_generic_services option.", false,
               {});
    deprecated("MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
               "Checks that messages have the same value for the message_set_wire_format option.",
               true, {});
    return t;
  }();
  return r;
}

bool known_version(const std::string& v) { return v == "v1beta1" || v == "v1" || v == "v2"; }

Status unknown_version(const std::string& v) {
  return Status::InvalidArgument(
      fmt::format("unknown config version \"{}\" (v1beta1, v1 or v2)", v),
      reason::kInvalidConfigVersion);
}

const RuleRow* find_row(const std::string& version, const std::string& id) {
  for (const auto& r : rows()) {
    if (r.id != id) continue;
    bool present = version == "v1beta1" ? r.in_v1beta1 : version == "v1" ? r.in_v1 : r.in_v2;
    return present ? &r : nullptr;
  }
  return nullptr;
}

const V& categories_of(const RuleRow& r, const std::string& version) {
  return version == "v1beta1" ? r.v1beta1 : version == "v1" ? r.v1 : r.v2;
}

}  // namespace

std::vector<std::string> breaking_categories(const std::string& config_version) {
  if (config_version == "v2") return {"CSR", "FILE", "PACKAGE", "WIRE_JSON", "WIRE"};
  return {"FILE", "PACKAGE", "WIRE_JSON", "WIRE"};
}

Result<std::vector<BreakingRule>> breaking_rules(const std::string& config_version) {
  if (!known_version(config_version)) return unknown_version(config_version);
  std::vector<BreakingRule> out;
  for (const auto& r : rows()) {
    if (find_row(config_version, r.id) != &r) continue;
    BreakingRule rule;
    rule.id = r.id;
    rule.categories = categories_of(r, config_version);
    rule.is_default =
        std::find(rule.categories.begin(), rule.categories.end(), "FILE") != rule.categories.end();
    rule.deprecated = r.deprecated;
    rule.replacements = r.replacements;
    rule.purpose = r.purpose;
    out.push_back(std::move(rule));
  }
  std::sort(out.begin(), out.end(),
            [](const BreakingRule& a, const BreakingRule& b) { return a.id < b.id; });
  return out;
}

namespace {

// The rule IDs one use/except entry names: a category's rules, a rule (or what replaced it).
Result<std::set<std::string>> expand(const std::string& version, const std::string& entry) {
  std::set<std::string> out;
  auto cats = breaking_categories(version);
  if (std::find(cats.begin(), cats.end(), entry) != cats.end()) {
    for (const auto& r : rows()) {
      if (find_row(version, r.id) != &r) continue;
      const auto& c = categories_of(r, version);
      if (std::find(c.begin(), c.end(), entry) != c.end()) out.insert(r.id);
    }
    return out;
  }
  const RuleRow* row = find_row(version, entry);
  if (row == nullptr) {
    return Status::InvalidArgument(
        fmt::format("unknown rule or category \"{}\" for config version {}", entry, version),
        reason::kUnknownRule);
  }
  if (row->deprecated) {
    for (const auto& rep : row->replacements) {
      if (find_row(version, rep) != nullptr) out.insert(rep);
    }
  } else {
    out.insert(entry);
  }
  return out;
}

}  // namespace

Result<std::vector<std::string>> resolve_breaking_rules(const BreakingOptions& options) {
  const std::string& version = options.config_version;
  if (!known_version(version)) return unknown_version(version);
  std::set<std::string> selected;
  if (options.use.empty()) {
    auto defaults = expand(version, "FILE");
    if (!defaults.ok()) return defaults.status();
    selected = std::move(defaults).value();
  }
  for (const auto& u : options.use) {
    auto e = expand(version, u);
    if (!e.ok()) return e.status();
    selected.insert(e->begin(), e->end());
  }
  for (const auto& x : options.except) {
    auto e = expand(version, x);
    if (!e.ok()) return e.status();
    for (const auto& id : e.value()) selected.erase(id);
  }
  for (const auto& [id, paths] : options.ignore_only) {
    auto e = expand(version, id);
    if (!e.ok()) return e.status();
  }
  return std::vector<std::string>(selected.begin(), selected.end());
}

namespace breaking_internal {

const std::vector<ComparedFileOption>& compared_file_options() {
  static const std::vector<ComparedFileOption> options = [] {
    using FO = google::protobuf::FileOptions;
    std::vector<ComparedFileOption> out;
    for (int number : {FO::kCcEnableArenasFieldNumber, FO::kCcGenericServicesFieldNumber,
                       FO::kCsharpNamespaceFieldNumber, FO::kGoPackageFieldNumber,
                       FO::kJavaGenericServicesFieldNumber, FO::kJavaMultipleFilesFieldNumber,
                       FO::kJavaOuterClassnameFieldNumber, FO::kJavaPackageFieldNumber,
                       FO::kObjcClassPrefixFieldNumber, FO::kOptimizeForFieldNumber,
                       FO::kPhpClassPrefixFieldNumber, FO::kPhpMetadataNamespaceFieldNumber,
                       FO::kPhpNamespaceFieldNumber, FO::kPyGenericServicesFieldNumber,
                       FO::kRubyPackageFieldNumber, FO::kSwiftPrefixFieldNumber}) {
      const google::protobuf::FieldDescriptor* field = FO::descriptor()->FindFieldByNumber(number);
      std::string rule = "FILE_SAME_" + field->name();
      for (auto& c : rule) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out.push_back({field, std::move(rule)});
    }
    return out;
  }();
  return options;
}

Result<std::set<std::string>> expand_rule(const std::string& version, const std::string& entry) {
  return expand(version, entry);
}

std::vector<std::string> deprecation_warnings(const BreakingOptions& options) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  auto note = [&](const std::string& id) {
    const RuleRow* row = find_row(options.config_version, id);
    if (row == nullptr || !row->deprecated || !seen.insert(id).second) return;
    std::string text = fmt::format("Rule {} is deprecated.", id);
    if (row->replacements.size() == 1) {
      text = fmt::format("Rule {} is deprecated. It has been replaced by rule {}.", id,
                         row->replacements[0]);
    } else if (row->replacements.size() > 1) {
      std::string list;
      for (const auto& r : row->replacements) list += (list.empty() ? "" : ", ") + r;
      text = fmt::format("Rule {} is deprecated. It has been replaced by rules {}.", id, list);
    }
    out.push_back(std::move(text));
  };
  for (const auto& u : options.use) note(u);
  for (const auto& x : options.except) note(x);
  return out;
}

}  // namespace breaking_internal

}  // namespace spoke
