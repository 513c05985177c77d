// Breaking-change rules one by one on small schemas, the options that select and filter them,
// Confluent's levels, the list of changes, and the `spoke breaking` command.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <fmt/format.h>

#include <string>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/rest.h"
#include "spoke/schema.h"
#include "support/doctest.h"
#include "support/test_support.h"

using spoke::BreakingOptions;
using spoke::FileInput;

namespace {

std::shared_ptr<const spoke::Schema> build(const std::vector<FileInput>& files) {
  spoke::SchemaOptions options;
  options.interpreted_source_info = true;
  auto r = spoke::build_schema(files, {}, options);
  std::string errors;
  for (const auto& d : r.diagnostics) errors += spoke::format_diagnostic(d) + "\n";
  REQUIRE_MESSAGE(r.valid(), errors);
  return r.schema;
}

std::string render(const spoke::BreakingFinding& f) {
  return fmt::format("{} {}:{}:{}-{}:{} {}", f.type, f.path, f.start_line, f.start_column,
                     f.end_line, f.end_column, f.message);
}

// The findings of `use` rules (default: the FILE rules of v2) as "TYPE path:l:c-l:c message".
std::vector<std::string> findings(const std::vector<FileInput>& before,
                                  const std::vector<FileInput>& after,
                                  BreakingOptions options = {}) {
  auto b = build(before), a = build(after);
  auto r = spoke::check_breaking(*b, *a, options);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  std::vector<std::string> out;
  for (const auto& f : r->findings) out.push_back(render(f));
  return out;
}

std::vector<std::string> only(const std::vector<FileInput>& before,
                              const std::vector<FileInput>& after, const std::string& rule,
                              const std::string& version = "v2") {
  BreakingOptions o;
  o.config_version = version;
  o.use = {rule};
  return findings(before, after, o);
}

std::vector<FileInput> one(const std::string& body, const std::string& syntax = "proto3") {
  return {{"a.proto", "syntax = \"" + syntax + "\";\npackage a;\n" + body}};
}

using V = std::vector<std::string>;

}  // namespace

// ---- deletions ----------------------------------------------------------------------------------

TEST_CASE("file_no_delete_reports_the_deleted_file_without_a_path") {
  auto before = one("message A {}\n");
  before.push_back({"b.proto", "syntax = \"proto3\";\npackage a;\nmessage B {}\n"});
  CHECK(only(before, one("message A {}\n"), "FILE_NO_DELETE") ==
        V{"FILE_NO_DELETE :1:1-1:1 Previously present file \"b.proto\" was deleted."});
}

TEST_CASE("message_no_delete_locates_at_the_enclosing_message_or_the_file") {
  auto before = one("message A {\n  message B {}\n}\nmessage C {}\n");
  auto after = one("message A {\n}\n");
  CHECK(
      only(before, after, "MESSAGE_NO_DELETE") ==
      V{"MESSAGE_NO_DELETE a.proto:1:1-1:1 Previously present message \"C\" was deleted from file.",
        "MESSAGE_NO_DELETE a.proto:3:1-4:2 Previously present message \"A.B\" was deleted from "
        "file."});
}

TEST_CASE("enum_service_and_extension_deletions") {
  CHECK(only(one("enum E { E_0 = 0; }\n"), one(""), "ENUM_NO_DELETE") ==
        V{"ENUM_NO_DELETE a.proto:1:1-1:1 Previously present enum \"E\" was deleted from file."});
  CHECK(only(one("message M {}\nservice S { rpc R(M) returns (M); }\n"), one("message M {}\n"),
             "SERVICE_NO_DELETE") ==
        V{"SERVICE_NO_DELETE a.proto:1:1-1:1 Previously present service \"S\" was deleted from "
          "file."});
  std::string base = "message M {\n  extensions 1 to 10;\n}\n";
  CHECK(only(one(base + "extend M {\n  optional int32 e = 1;\n}\n", "proto2"), one(base, "proto2"),
             "EXTENSION_NO_DELETE") ==
        V{"EXTENSION_NO_DELETE a.proto:1:1-1:1 Previously present extension \"e\" was deleted "
          "from file."});
  // EXTENSION_NO_DELETE is a v2 rule only.
  BreakingOptions v1;
  v1.config_version = "v1";
  v1.use = {"EXTENSION_NO_DELETE"};
  auto s = build(one(base, "proto2"));
  auto r = spoke::check_breaking(*s, *s, v1);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "unknown_rule");
}

TEST_CASE("field_deletion_and_its_reserved_variants") {
  auto before = one("message M {\n  int32 a = 1;\n  int32 b = 2;\n}\n");
  auto after = one("message M {\n  reserved 1;\n  reserved \"b\";\n}\n");
  CHECK(only(before, after, "FIELD_NO_DELETE") ==
        V{"FIELD_NO_DELETE a.proto:3:1-6:2 Previously present field \"1\" with name \"a\" on "
          "message \"M\" was deleted.",
          "FIELD_NO_DELETE a.proto:3:1-6:2 Previously present field \"2\" with name \"b\" on "
          "message \"M\" was deleted."});
  CHECK(only(before, after, "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED") ==
        V{"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED a.proto:3:1-6:2 Previously present field \"2\" "
          "with name \"b\" on message \"M\" was deleted without reserving the number \"2\"."});
  CHECK(only(before, after, "FIELD_NO_DELETE_UNLESS_NAME_RESERVED") ==
        V{"FIELD_NO_DELETE_UNLESS_NAME_RESERVED a.proto:3:1-6:2 Previously present field \"1\" "
          "with name \"a\" on message \"M\" was deleted without reserving the name \"a\"."});
}

TEST_CASE("enum_value_deletion_and_renames") {
  auto before = one("enum E {\n  E_0 = 0;\n  E_1 = 1;\n  E_2 = 2;\n}\n");
  auto after = one("enum E {\n  E_0 = 0;\n  E_ONE = 1;\n  reserved 2;\n}\n");
  CHECK(only(before, after, "ENUM_VALUE_NO_DELETE") ==
        V{"ENUM_VALUE_NO_DELETE a.proto:3:1-7:2 Previously present enum value \"2\" on enum \"E\" "
          "was deleted."});
  CHECK(only(before, after, "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED").empty());
  CHECK(only(before, after, "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED") ==
        V{"ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED a.proto:3:1-7:2 Previously present enum value "
          "\"2\" on enum \"E\" was deleted without reserving the name \"E_2\"."});
  CHECK(only(before, after, "ENUM_VALUE_SAME_NAME") ==
        V{"ENUM_VALUE_SAME_NAME a.proto:5:11-5:12 Enum value \"1\" on enum \"E\" changed name from "
          "\"E_1\" to \"E_ONE\"."});
}

TEST_CASE("reserved_ranges_names_and_extension_ranges_must_stay") {
  auto before =
      one("message M {\n  reserved 5 to 10, 20;\n  reserved \"x\";\n  extensions 100 to max;\n}\n",
          "proto2");
  auto after = one("message M {\n  reserved 5 to 7;\n  extensions 100 to 200;\n}\n", "proto2");
  CHECK(only(before, after, "RESERVED_MESSAGE_NO_DELETE") ==
        V{"RESERVED_MESSAGE_NO_DELETE a.proto:3:1-6:2 Previously present reserved name \"x\" on "
          "message \"M\" was deleted.",
          "RESERVED_MESSAGE_NO_DELETE a.proto:3:1-6:2 Previously present reserved range \"[20]\" "
          "on message \"M\" is missing values: [20] were removed.",
          "RESERVED_MESSAGE_NO_DELETE a.proto:3:1-6:2 Previously present reserved range "
          "\"[5,10]\" on message \"M\" is missing values: [8,10] were removed."});
  CHECK(only(before, after, "EXTENSION_MESSAGE_NO_DELETE") ==
        V{"EXTENSION_MESSAGE_NO_DELETE a.proto:3:1-6:2 Previously present extension range "
          "\"[100,max]\" on message \"M\" is missing values: [201,max] were removed."});
  auto enum_before = one("enum E {\n  E_0 = 0;\n  reserved 3 to 5;\n  reserved \"Y\";\n}\n");
  auto enum_after = one("enum E {\n  E_0 = 0;\n  reserved 4;\n}\n");
  CHECK(only(enum_before, enum_after, "RESERVED_ENUM_NO_DELETE") ==
        V{"RESERVED_ENUM_NO_DELETE a.proto:3:1-6:2 Previously present reserved name \"Y\" on enum "
          "\"E\" was deleted.",
          "RESERVED_ENUM_NO_DELETE a.proto:3:1-6:2 Previously present reserved range \"[3,5]\" on "
          "enum \"E\" is missing values: [3], [5] were removed."});
}

TEST_CASE("oneof_deletion_ignores_synthetic_oneofs") {
  auto before =
      one("message M {\n  oneof o {\n    int32 a = 1;\n  }\n  optional int32 b = 2;\n}\n");
  auto after = one("message M {\n  int32 a = 1;\n  int32 b = 2;\n}\n");
  CHECK(only(before, after, "ONEOF_NO_DELETE") ==
        V{"ONEOF_NO_DELETE a.proto:3:1-6:2 Previously present oneof \"o\" on message \"M\" was "
          "deleted."});
}

TEST_CASE("rpc_deletion_and_changes") {
  std::string msgs = "message A {}\nmessage B {}\n";
  auto before = one(msgs +
                    "service S {\n  rpc One(A) returns (A);\n  rpc Two(A) returns (A);\n  rpc "
                    "Three(A) returns (A) { option idempotency_level = IDEMPOTENT; }\n}\n");
  auto after = one(msgs +
                   "service S {\n  rpc One(stream B) returns (stream B);\n  rpc Three(A) "
                   "returns (A);\n}\n");
  CHECK(only(before, after, "RPC_NO_DELETE") ==
        V{"RPC_NO_DELETE a.proto:5:1-8:2 Previously present RPC \"Two\" on service \"S\" was "
          "deleted."});
  CHECK(only(before, after, "RPC_SAME_REQUEST_TYPE") ==
        V{"RPC_SAME_REQUEST_TYPE a.proto:6:18-6:19 RPC \"One\" on service \"S\" changed request "
          "type from \"a.A\" to \"a.B\"."});
  CHECK(only(before, after, "RPC_SAME_RESPONSE_TYPE") ==
        V{"RPC_SAME_RESPONSE_TYPE a.proto:6:37-6:38 RPC \"One\" on service \"S\" changed response "
          "type from \"a.A\" to \"a.B\"."});
  CHECK(only(before, after, "RPC_SAME_CLIENT_STREAMING") ==
        V{"RPC_SAME_CLIENT_STREAMING a.proto:6:3-6:40 RPC \"One\" on service \"S\" changed from "
          "client unary to client streaming."});
  CHECK(only(before, after, "RPC_SAME_SERVER_STREAMING") ==
        V{"RPC_SAME_SERVER_STREAMING a.proto:6:3-6:40 RPC \"One\" on service \"S\" changed from "
          "server unary to server streaming."});
  // The option is gone from the new file: reported at the file.
  CHECK(only(before, after, "RPC_SAME_IDEMPOTENCY_LEVEL") ==
        V{"RPC_SAME_IDEMPOTENCY_LEVEL a.proto:1:1-1:1 RPC \"Three\" on service \"S\" changed "
          "option \"idempotency_level\" from \"IDEMPOTENT\" to \"IDEMPOTENCY_UNKNOWN\"."});
}

// ---- fields -------------------------------------------------------------------------------------

TEST_CASE("field_types_by_rule") {
  auto m = [](const std::string& fields) { return one("message M {\n" + fields + "}\n"); };
  auto before = m("  int32 a = 1;\n  int32 b = 2;\n  string c = 3;\n  bytes d = 4;\n");
  auto after = m("  int64 a = 1;\n  sint32 b = 2;\n  bytes c = 3;\n  string d = 4;\n");
  CHECK(only(before, after, "FIELD_SAME_TYPE").size() == 4);
  CHECK(only(before, after, "FIELD_SAME_TYPE")[0] ==
        "FIELD_SAME_TYPE a.proto:4:3-4:8 Field \"1\" with name \"a\" on message \"M\" changed "
        "type from \"int32\" to \"int64\".");
  // int32 -> int64 and string -> bytes keep the wire format.
  CHECK(only(before, after, "FIELD_WIRE_COMPATIBLE_TYPE") ==
        V{"FIELD_WIRE_COMPATIBLE_TYPE a.proto:5:3-5:9 Field \"2\" with name \"b\" on message \"M\" "
          "changed type from \"int32\" to \"sint32\". See "
          "https://developers.google.com/protocol-buffers/docs/proto3#updating for wire "
          "compatibility rules.",
          "FIELD_WIRE_COMPATIBLE_TYPE a.proto:7:3-7:9 Field \"4\" with name \"d\" on message \"M\" "
          "changed type from \"bytes\" to \"string\". See "
          "https://developers.google.com/protocol-buffers/docs/proto3#updating for wire "
          "compatibility rules. Note that while string and bytes are compatible if the data is "
          "valid UTF-8, there is no way to enforce that a bytes field is UTF-8, so these fields "
          "may be incompatible."});
  // JSON writes int64 as a string: not JSON-compatible with int32.
  auto json = only(before, after, "FIELD_WIRE_JSON_COMPATIBLE_TYPE");
  REQUIRE(json.size() == 4);
  CHECK(json[0].starts_with("FIELD_WIRE_JSON_COMPATIBLE_TYPE a.proto:4:3-4:8 Field \"1\""));
}

TEST_CASE("message_and_enum_field_types_compare_full_names") {
  std::string types = "message X {}\nmessage Y {}\nenum E { E_0 = 0; E_1 = 1; }\n";
  auto before = one(types + "message M {\n  X x = 1;\n  E e = 2;\n}\n");
  auto after = one(types + "enum F { F_0 = 0; }\nmessage M {\n  Y x = 1;\n  F e = 2;\n}\n");
  CHECK(only(before, after, "FIELD_SAME_TYPE") ==
        V{"FIELD_SAME_TYPE a.proto:8:3-8:4 Field \"1\" with name \"x\" on message \"M\" changed "
          "type from \"a.X\" to \"a.Y\".",
          "FIELD_SAME_TYPE a.proto:9:3-9:4 Field \"2\" with name \"e\" on message \"M\" changed "
          "type from \"a.E\" to \"a.F\"."});
  // An enum of the same short name holding every old value is wire compatible.
  auto pkg_b = [](const std::string& e) {
    return std::vector<FileInput>{
        {"e.proto", "syntax = \"proto3\";\npackage " + e + ";\nenum E { E_0 = 0; E_1 = 1; }\n"},
        {"a.proto", "syntax = \"proto3\";\npackage a;\nimport \"e.proto\";\nmessage M {\n  " + e +
                        ".E e = 1;\n}\n"}};
  };
  CHECK(only(pkg_b("x"), pkg_b("y"), "FIELD_WIRE_COMPATIBLE_TYPE").empty());
  CHECK(only(pkg_b("x"), pkg_b("y"), "FIELD_SAME_TYPE").size() == 1);
}

TEST_CASE("cardinality_rules_differ_in_what_they_allow") {
  auto before = one("message M {\n  int32 a = 1;\n  int32 b = 2;\n  repeated int32 c = 3;\n}\n");
  auto after =
      one("message M {\n  optional int32 a = 1;\n  repeated int32 b = 2;\n  map<int32, int32> c "
          "= 3;\n}\n");
  CHECK(only(before, after, "FIELD_SAME_CARDINALITY") ==
        V{"FIELD_SAME_CARDINALITY a.proto:4:3-4:24 Field \"1\" with name \"a\" on message \"M\" "
          "changed cardinality from \"optional with implicit presence\" to \"optional with "
          "explicit presence\".",
          "FIELD_SAME_CARDINALITY a.proto:5:3-5:24 Field \"2\" with name \"b\" on message \"M\" "
          "changed cardinality from \"optional with implicit presence\" to \"repeated\".",
          "FIELD_SAME_CARDINALITY a.proto:6:3-6:27 Field \"3\" with name \"c\" on message \"M\" "
          "changed cardinality from \"repeated\" to \"map\"."});
  // Repeated and map share a wire format, not a JSON one.
  CHECK(only(before, after, "FIELD_WIRE_COMPATIBLE_CARDINALITY").size() == 1);
  CHECK(only(before, after, "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY").size() == 2);
}

TEST_CASE("field_names_json_names_oneofs") {
  auto before = one("message M {\n  int32 a = 1;\n  int32 b = 2;\n  int32 c = 3;\n}\n");
  auto after =
      one("message M {\n  int32 z = 1;\n  int32 b = 2 [json_name = \"bee\"];\n  oneof o {\n    "
          "int32 c = 3;\n  }\n}\n");
  CHECK(only(before, after, "FIELD_SAME_NAME") ==
        V{"FIELD_SAME_NAME a.proto:4:9-4:10 Field \"1\" on message \"M\" changed name from \"a\" "
          "to \"z\"."});
  // Renaming changes the JSON name too; an explicit json_name is located at the option.
  CHECK(only(before, after, "FIELD_SAME_JSON_NAME") ==
        V{"FIELD_SAME_JSON_NAME a.proto:4:3-4:15 Field \"1\" with name \"z\" on message \"M\" "
          "changed option \"json_name\" from \"a\" to \"z\".",
          "FIELD_SAME_JSON_NAME a.proto:5:16-5:33 Field \"2\" with name \"b\" on message \"M\" "
          "changed option \"json_name\" from \"b\" to \"bee\"."});
  CHECK(only(before, after, "FIELD_SAME_ONEOF") ==
        V{"FIELD_SAME_ONEOF a.proto:7:5-7:17 Field \"3\" with name \"c\" on message \"M\" moved "
          "from outside to inside a oneof."});
}

TEST_CASE("field_options_jstype_ctype_and_defaults") {
  auto before =
      one("message M {\n  optional int64 a = 1;\n  optional string b = 2;\n  optional "
          "int32 c = 3 [default = 5];\n}\n",
          "proto2");
  auto after =
      one("message M {\n  optional int64 a = 1 [jstype = JS_STRING];\n  optional string "
          "b = 2 [ctype = CORD];\n  optional int32 c = 3 [default = 6];\n}\n",
          "proto2");
  CHECK(
      only(before, after, "FIELD_SAME_JSTYPE") ==
      V{"FIELD_SAME_JSTYPE a.proto:4:25-4:43 Field \"1\" with name \"a\" on message \"M\" changed "
        "option \"jstype\" from \"JS_NORMAL\" to \"JS_STRING\"."});
  CHECK(only(before, after, "FIELD_SAME_CPP_STRING_TYPE") ==
        V{"FIELD_SAME_CPP_STRING_TYPE a.proto:5:26-5:38 Field \"2\" with name \"b\" on message "
          "\"M\" changed C++ string type from \"STRING\" to \"CORD\"."});
  // The deprecated ID stands for its replacement.
  CHECK(only(before, after, "FIELD_SAME_CTYPE", "v1").size() == 1);
  // Located from the `default` keyword to the value, as buf locates it.
  CHECK(only(before, after, "FIELD_SAME_DEFAULT") ==
        V{"FIELD_SAME_DEFAULT a.proto:6:25-6:36 Field \"3\" with name \"c\" on message \"M\" "
          "changed default value from 5 to 6."});
  // Tabs count to the next multiple of 8, as in protoc's columns; a default may span lines.
  auto tabbed = [](int d, int e) {
    return one("message T {\n\toptional int32 d = 4 [default = " + std::to_string(d) +
                   "];\n  optional int32 e = 5 [\n    default =\n      " + std::to_string(e) +
                   "];\n}\n",
               "proto2");
  };
  CHECK(only(tabbed(7, 8), tabbed(9, 10), "FIELD_SAME_DEFAULT") ==
        V{"FIELD_SAME_DEFAULT a.proto:4:31-4:42 Field \"4\" with name \"d\" on message \"T\" "
          "changed default value from 7 to 9.",
          "FIELD_SAME_DEFAULT a.proto:6:5-7:9 Field \"5\" with name \"e\" on message \"T\" "
          "changed default value from 8 to 10."});
}

TEST_CASE("syntax_change_is_seen_by_every_rule_it_affects") {
  std::string body = "enum E {\n  E_0 = 0;\n}\nmessage M {\n  string s = 1;\n}\n";
  auto before = one(body);
  auto after =
      one(body.substr(0, body.find("  string")) + "  optional string s = 1;\n}\n", "proto2");
  CHECK(only(before, after, "FILE_SAME_SYNTAX") ==
        V{"FILE_SAME_SYNTAX a.proto:1:1-1:19 File syntax changed from \"proto3\" to \"proto2\"."});
  CHECK(only(before, after, "ENUM_SAME_TYPE") ==
        V{"ENUM_SAME_TYPE a.proto:3:1-5:2 Enum \"E\" changed from open to closed."});
  CHECK(only(before, after, "ENUM_SAME_JSON_FORMAT") ==
        V{"ENUM_SAME_JSON_FORMAT a.proto:3:1-5:2 Enum \"E\" JSON format support changed from "
          "ALLOW to LEGACY_BEST_EFFORT."});
  CHECK(only(before, after, "MESSAGE_SAME_JSON_FORMAT") ==
        V{"MESSAGE_SAME_JSON_FORMAT a.proto:6:1-8:2 Message \"M\" JSON format support changed "
          "from ALLOW to LEGACY_BEST_EFFORT."});
  CHECK(only(before, after, "FIELD_SAME_UTF8_VALIDATION") ==
        V{"FIELD_SAME_UTF8_VALIDATION a.proto:7:3-7:25 Field \"1\" with name \"s\" on message "
          "\"M\" changed UTF8 validation from VERIFY to NONE."});
  CHECK(only(before, after, "FIELD_SAME_JAVA_UTF8_VALIDATION") ==
        V{"FIELD_SAME_JAVA_UTF8_VALIDATION a.proto:7:3-7:25 Field \"1\" with name \"s\" on "
          "message \"M\" changed Java string UTF8 validation from \"VERIFY\" to \"NONE\"."});
}

TEST_CASE("required_fields_and_message_options") {
  auto before = one("message M {\n  required int32 a = 1;\n}\n", "proto2");
  auto after = one(
      "message M {\n  option no_standard_descriptor_accessor = true;\n  optional int32 a = 1;\n  "
      "required int32 b = 2;\n}\n",
      "proto2");
  CHECK(only(before, after, "MESSAGE_SAME_REQUIRED_FIELDS") ==
        V{"MESSAGE_SAME_REQUIRED_FIELDS a.proto:3:1-7:2 Message \"M\" had required field \"1\" "
          "deleted. Required fields must always be sent, so if one side does not know about the "
          "required field, this will result in a breakage.",
          "MESSAGE_SAME_REQUIRED_FIELDS a.proto:6:3-6:24 Message \"M\" had required field \"2\" "
          "added. Required fields must always be sent, so if one side does not know about the "
          "required field, this will result in a breakage."});
  CHECK(only(before, after, "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR") ==
        V{"MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR a.proto:4:3-4:49 Message option "
          "\"no_standard_descriptor_accessor\" changed from \"false\" to \"true\"."});
}

// ---- files and packages -------------------------------------------------------------------------

TEST_CASE("file_options_and_package") {
  auto before = std::vector<FileInput>{
      {"a.proto",
       "syntax = \"proto3\";\npackage a;\noption go_package = \"x/a\";\noption java_package = "
       "\"com.a\";\n"}};
  auto after = std::vector<FileInput>{
      {"a.proto", "syntax = \"proto3\";\npackage b;\noption go_package = \"x/b\";\n"}};
  CHECK(findings(before, after) ==
        V{"FILE_SAME_JAVA_PACKAGE a.proto:1:1-1:1 File option \"java_package\" changed from "
          "\"com.a\" to \"\".",
          "FILE_SAME_PACKAGE a.proto:2:1-2:11 File package changed from \"a\" to \"b\".",
          "FILE_SAME_GO_PACKAGE a.proto:3:1-3:27 File option \"go_package\" changed from \"x/a\" "
          "to \"x/b\"."});
}

TEST_CASE("package_rules_see_moves_between_files_of_a_package") {
  auto before = std::vector<FileInput>{
      {"a.proto", "syntax = \"proto3\";\npackage p;\nmessage A {}\nenum E { E_0 = 0; }\n"},
      {"c.proto", "syntax = \"proto3\";\npackage gone;\nmessage C {}\n"}};
  auto after =
      std::vector<FileInput>{{"a.proto", "syntax = \"proto3\";\npackage p;\n"},
                             {"b.proto", "syntax = \"proto3\";\npackage p;\nmessage A {}\n"}};
  BreakingOptions o;
  o.use = {"PACKAGE"};
  CHECK(findings(before, after, o) ==
        V{"PACKAGE_NO_DELETE :1:1-1:1 Previously present package \"gone\" was deleted.",
          "PACKAGE_ENUM_NO_DELETE a.proto:1:1-1:1 Previously present enum \"E\" was deleted from "
          "package \"p\"."});
  // FILE, the default, sees the move of A as a deletion from a.proto.
  auto file = findings(before, after);
  CHECK(std::count(file.begin(), file.end(),
                   "MESSAGE_NO_DELETE a.proto:1:1-1:1 Previously present message \"A\" was "
                   "deleted from file.") == 1);
}

// ---- options ------------------------------------------------------------------------------------

TEST_CASE("use_except_ignore_and_unstable_packages") {
  auto before = std::vector<FileInput>{
      {"x/v1/a.proto", "syntax = \"proto3\";\npackage x.v1;\nmessage A { int32 f = 1; }\n"},
      {"y/v1beta1/b.proto",
       "syntax = \"proto3\";\npackage y.v1beta1;\nmessage B { int32 f = 1; }\n"}};
  auto after = std::vector<FileInput>{
      {"x/v1/a.proto", "syntax = \"proto3\";\npackage x.v1;\nmessage A {}\n"},
      {"y/v1beta1/b.proto", "syntax = \"proto3\";\npackage y.v1beta1;\nmessage B {}\n"}};
  CHECK(findings(before, after).size() == 2);
  BreakingOptions o;
  o.except = {"FIELD_NO_DELETE"};
  CHECK(findings(before, after, o).empty());
  o = {};
  o.ignore = {"x"};
  CHECK(findings(before, after, o).size() == 1);
  o = {};
  o.ignore_only = {{"FIELD_NO_DELETE", {"y/v1beta1/b.proto"}}};
  CHECK(findings(before, after, o).size() == 1);
  o = {};
  o.ignore_unstable_packages = true;
  auto r = findings(before, after, o);
  REQUIRE(r.size() == 1);
  CHECK(r[0].find("x/v1/a.proto") != std::string::npos);
}

TEST_CASE("rule_resolution_and_its_rejections") {
  BreakingOptions o;
  auto defaults = spoke::resolve_breaking_rules(o);
  REQUIRE(defaults.ok());
  // FILE is the default; PACKAGE-only rules are not in it.
  CHECK(std::count(defaults->begin(), defaults->end(), "FIELD_SAME_DEFAULT") == 1);
  CHECK(std::count(defaults->begin(), defaults->end(), "PACKAGE_NO_DELETE") == 0);
  o.config_version = "v1";
  auto v1 = spoke::resolve_breaking_rules(o);
  REQUIRE(v1.ok());
  CHECK(std::count(v1->begin(), v1->end(), "FIELD_SAME_DEFAULT") == 0);
  o.use = {"WIRE"};
  auto wire = spoke::resolve_breaking_rules(o);
  REQUIRE(wire.ok());
  CHECK(std::count(wire->begin(), wire->end(), "FIELD_WIRE_COMPATIBLE_TYPE") == 1);
  CHECK(std::count(wire->begin(), wire->end(), "FIELD_SAME_NAME") == 0);
  o.use = {"NOT_A_RULE"};
  auto bad = spoke::resolve_breaking_rules(o);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == "unknown_rule");
  CHECK(bad.status().message().find("NOT_A_RULE") != std::string::npos);
  o.use = {};
  o.config_version = "v3";
  auto version = spoke::resolve_breaking_rules(o);
  REQUIRE_FALSE(version.ok());
  CHECK(version.status().reason() == "invalid_config_version");
  auto rules = spoke::breaking_rules("v1");
  REQUIRE(rules.ok());
  auto label = std::find_if(rules->begin(), rules->end(), [](const spoke::BreakingRule& r) {
    return r.id == "FIELD_SAME_LABEL";
  });
  REQUIRE(label != rules->end());
  CHECK(label->deprecated);
  CHECK(label->replacements.size() == 3);
}

TEST_CASE("a_deprecated_rule_warns_and_runs_its_replacements") {
  auto s = build(one("message M {}\n"));
  BreakingOptions o;
  o.config_version = "v1";
  o.use = {"FIELD_SAME_LABEL"};
  auto r = spoke::check_breaking(*s, *s, o);
  REQUIRE(r.ok());
  CHECK(r->rules == V{"FIELD_SAME_CARDINALITY", "FIELD_WIRE_COMPATIBLE_CARDINALITY",
                      "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY"});
  REQUIRE(r->warnings.size() == 1);
  CHECK(r->warnings[0] ==
        "Rule FIELD_SAME_LABEL is deprecated. It has been replaced by rules "
        "FIELD_SAME_CARDINALITY, FIELD_WIRE_COMPATIBLE_CARDINALITY, "
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY.");
}

// ---- changes ------------------------------------------------------------------------------------

TEST_CASE("changes_list_additions_deletions_comments_and_options") {
  auto before = one("// old\nmessage M {\n  int32 a = 1;\n}\nenum E { E_0 = 0; }\n");
  auto after = one(
      "// new\nmessage M {\n  int32 a = 1 [deprecated = true];\n  int32 b = 2;\n}\nenum E { E_0 = "
      "0; E_1 = 1; }\nmessage N {}\nservice S { rpc R(M) returns (M); }\n");
  auto b = build(before), a = build(after);
  auto r = spoke::check_breaking(*b, *a);
  REQUIRE(r.ok());
  CHECK(r->findings.empty());
  V got;
  for (const auto& c : r->changes) {
    got.push_back(
        fmt::format("{} {} {} {}:{}", to_string(c.kind), c.element, c.name, c.line, c.column));
  }
  CHECK(got == V{"changed comment a.M 4:1", "changed option a.M.a 5:15", "added field a.M.b 6:3",
                 "added enum_value a.E_1 8:19", "added message a.N 9:1", "added service a.S 10:1"});
}

// ---- Confluent levels ---------------------------------------------------------------------------

TEST_CASE("confluent_levels") {
  CHECK(spoke::parse_compatibility_level("backward_transitive") ==
        spoke::CompatibilityLevel::kBackwardTransitive);
  CHECK_FALSE(spoke::parse_compatibility_level("SIDEWAYS").has_value());
  CHECK(std::string(spoke::to_string(spoke::CompatibilityLevel::kFull)) == "FULL");

  auto v1 = build(one("message M {\n  int32 a = 1;\n  string b = 2;\n}\nmessage Gone {}\n"));
  // int32 -> int64 is in the same group; string -> int32 is not; Gone was removed.
  auto v2 = build(one("message M {\n  int64 a = 1;\n  int32 b = 2;\n  int32 c = 3;\n}\n"));
  auto backward = spoke::check_compatibility({v1.get()}, *v2, spoke::CompatibilityLevel::kBackward);
  V got;
  for (const auto& f : backward) got.push_back(render(f));
  CHECK(got ==
        V{"MESSAGE_REMOVED a.proto:1:1-1:1 Message \"a.Gone\" was removed.",
          "FIELD_SCALAR_KIND_CHANGED a.proto:5:3-5:15 Field \"2\" on message \"a.M\" "
          "changed type from \"string\" to \"int32\", which is not compatible on the wire."});
  // Adding field 3 breaks nothing either way; removing a message breaks only BACKWARD.
  auto forward = spoke::check_compatibility({v1.get()}, *v2, spoke::CompatibilityLevel::kForward);
  REQUIRE(forward.size() == 1);
  CHECK(forward[0].type == "FIELD_SCALAR_KIND_CHANGED");
  CHECK(spoke::check_compatibility({v1.get()}, *v2, spoke::CompatibilityLevel::kNone).empty());

  // Transitive levels look at every earlier version, the others at the latest only.
  auto v0 = build(one("message M {\n  int32 a = 1;\n  int32 b = 2;\n}\nmessage Gone {}\n"));
  auto v3 = build(one("message M {\n  int64 a = 1;\n  int32 b = 2;\n}\n"));
  CHECK(spoke::check_compatibility({v0.get(), v2.get()}, *v3, spoke::CompatibilityLevel::kBackward)
            .empty());
  CHECK(spoke::check_compatibility({v0.get(), v2.get()}, *v3,
                                   spoke::CompatibilityLevel::kBackwardTransitive)
            .size() == 1);

  // Required fields and moves into a oneof.
  auto r1 =
      build(one("message M {\n  optional int32 a = 1;\n  optional int32 b = 2;\n}\n", "proto2"));
  auto r2 =
      build(one("message M {\n  oneof o {\n    int32 a = 1;\n    int32 b = 2;\n  }\n  "
                "required int32 c = 3;\n}\n",
                "proto2"));
  V types;
  for (const auto& f :
       spoke::check_compatibility({r1.get()}, *r2, spoke::CompatibilityLevel::kBackward)) {
    types.push_back(f.type);
  }
  CHECK(types == V{"MULTIPLE_FIELDS_MOVED_TO_ONEOF", "REQUIRED_FIELD_ADDED"});
}

// ---- schema support -----------------------------------------------------------------------------

TEST_CASE("interpreted_source_info_locates_standard_options_as_protoc_does") {
  std::vector<FileInput> files = {
      {"a.proto",
       "syntax = \"proto3\";\noption go_package = \"x\";\noption (foo) = 1;\nimport "
       "\"google/protobuf/descriptor.proto\";\nextend google.protobuf.FileOptions { "
       "int32 foo = 5000; }\n"}};
  auto find = [](const spoke::Schema& s, std::vector<int> path) {
    for (const auto& loc : s.source_info("a.proto")->location()) {
      if (std::vector<int>(loc.path().begin(), loc.path().end()) == path) return true;
    }
    return false;
  };
  spoke::SchemaOptions options;
  options.interpreted_source_info = true;
  auto interpreted = spoke::build_schema(files, {}, options);
  REQUIRE(interpreted.valid());
  CHECK(find(*interpreted.schema, {8, 11}));  // go_package
  CHECK_FALSE(find(*interpreted.schema, {8, 999, 0}));
  CHECK_FALSE(find(*interpreted.schema, {8, 999, 0, 2, 0}));  // its name part is dropped
  CHECK(find(*interpreted.schema, {8, 999, 1}));  // custom options keep the parser's form
  auto raw = spoke::build_schema(files);
  REQUIRE(raw.valid());
  CHECK(find(*raw.schema, {8, 999, 0}));
  CHECK_FALSE(find(*raw.schema, {8, 11}));
}

// ---- the command --------------------------------------------------------------------------------

TEST_CASE("spoke_breaking_command") {
  using namespace spoke::testing;
  TempDir dir;
  write_file(dir / "old/a.proto",
             "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\n");
  write_file(dir / "new/a.proto",
             "syntax = \"proto3\";\npackage a;\nmessage M {\n  string x = 1;\n}\n");
  write_file(dir / "bad/a.proto", "syntax = \"proto3\";\nmessage {\n");
  std::string cli = binary_from_env("SPOKE_CLI_BIN");
  auto run_cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), cli);
    return run(args, dir.path());
  };
  std::string n = (dir / "new").string(), o = (dir / "old").string();

  auto text = run_cli({"breaking", "-dir", n, "-against", o});
  CHECK(text.exit_code == 100);
  CHECK(text.out ==
        "a.proto:4:3:Field \"1\" with name \"x\" on message \"M\" changed type from \"int32\" to "
        "\"string\".\n");

  auto json = run_cli({"breaking", "-dir", n, "-against", o, "--error-format", "json"});
  CHECK(json.exit_code == 100);
  CHECK(json.out ==
        "{\"path\":\"a.proto\",\"start_line\":4,\"start_column\":3,\"end_line\":4,\"end_column\":"
        "9,\"type\":\"FIELD_SAME_TYPE\",\"message\":\"Field \\\"1\\\" with name \\\"x\\\" on "
        "message \\\"M\\\" changed type from \\\"int32\\\" to \\\"string\\\".\"}\n");

  auto github = run_cli({"breaking", "-dir", n, "-against", o, "--error-format", "github"});
  CHECK(github.exit_code == 100);
  CHECK(github.out.starts_with("::error file=a.proto,line=4,col=3,endLine=4,endColumn=9::Field"));

  CHECK(run_cli({"breaking", "-dir", n, "-against", n}).exit_code == 0);
  auto backward = run_cli({"breaking", "-dir", n, "-against", o, "-category", "BACKWARD"});
  CHECK(backward.exit_code == 100);
  CHECK(backward.out.find("FIELD_SCALAR_KIND_CHANGED") == std::string::npos);  // text: no type
  CHECK(backward.out.find("which is not compatible on the wire") != std::string::npos);
  CHECK(run_cli({"breaking", "-dir", n, "-against", o, "-category", "WIRE_JSON"}).exit_code == 100);
  // Rejections: a category that is neither, an unknown rule, no -against, a tree that does not
  // compile, a missing tree.
  auto bad_category = run_cli({"breaking", "-dir", n, "-against", o, "-category", "SIDEWAYS"});
  CHECK(bad_category.exit_code == 2);
  CHECK(bad_category.err.find("SIDEWAYS") != std::string::npos);
  auto bad_rule = run_cli({"breaking", "-dir", n, "-against", o, "-use", "NOPE"});
  CHECK(bad_rule.exit_code == 2);
  CHECK(bad_rule.err.find("NOPE") != std::string::npos);
  CHECK(run_cli({"breaking", "-dir", n}).exit_code == 2);
  auto bad = run_cli({"breaking", "-dir", (dir / "bad").string(), "-against", o});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("a.proto:2:9") != std::string::npos);
  auto missing = run_cli({"breaking", "-dir", (dir / "nope").string(), "-against", o});
  CHECK(missing.exit_code == 1);
}

TEST_CASE("json_shapes_of_findings_changes_and_results") {
  spoke::BreakingFinding f;
  f.path = "a.proto";
  f.start_line = 4;
  f.start_column = 3;
  f.end_line = 4;
  f.end_column = 9;
  f.type = "FIELD_SAME_TYPE";
  f.message = "m";
  CHECK(spoke::rest::to_json(f) ==
        spoke::rest::json::parse(R"({"path":"a.proto","start_line":4,"start_column":3,)"
                                 R"("end_line":4,"end_column":9,"type":"FIELD_SAME_TYPE",)"
                                 R"("message":"m"})"));
  f.path.clear();
  CHECK_FALSE(spoke::rest::to_json(f).contains("path"));
  auto b = build(one("message M {}\n"));
  auto a = build(one("message M {}\nmessage N {}\n"));
  auto r = spoke::check_breaking(*b, *a);
  REQUIRE(r.ok());
  auto j = spoke::rest::to_json(r.value());
  CHECK(j["breaking"] == false);
  CHECK(j["findings"].empty());
  REQUIRE(j["changes"].size() == 1);
  CHECK(j["changes"][0] ==
        spoke::rest::json::parse(R"({"kind":"added","element":"message","name":"a.N",)"
                                 R"("path":"a.proto","line":4,"column":1})"));
}
