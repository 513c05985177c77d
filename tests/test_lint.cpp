// Lint rules one by one on small schemas, the configuration that selects and filters them (buf.yaml
// v1beta1, v1, v2 with modules; spoke.yaml), `// buf:lint:ignore` comments and their cascade,
// rejections, and the `spoke lint` command.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <fmt/format.h>

#include <map>
#include <string>
#include <vector>

#include "lint/lint_internal.h"
#include "spoke/lint.h"
#include "spoke/module_config.h"
#include "support/doctest.h"
#include "support/test_support.h"

using spoke::FileInput;
using V = std::vector<std::string>;
using Files = std::map<std::string, std::string>;

namespace {

std::vector<FileInput> inputs(const Files& files) {
  std::vector<FileInput> out;
  for (const auto& [path, content] : files) out.push_back({path, content});
  return out;
}

// The findings as "TYPE path:line:col-line:col message".
V render(const std::vector<spoke::BreakingFinding>& findings) {
  V out;
  for (const auto& f : findings) {
    out.push_back(fmt::format("{} {}:{}:{}-{}:{} {}", f.type, f.path, f.start_line, f.start_column,
                              f.end_line, f.end_column, f.message));
  }
  return out;
}

// Lints `files` under the buf.yaml `yaml`.
V lint(const std::string& yaml, const Files& files) {
  auto r = spoke::lint_files(inputs(files), {}, yaml);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return render(r->findings);
}

// The same as "TYPE path:line:col" only.
V where(const std::string& yaml, const Files& files) {
  auto r = spoke::lint_files(inputs(files), {}, yaml);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  V out;
  for (const auto& f : r->findings) {
    out.push_back(fmt::format("{} {}:{}:{}", f.type, f.path, f.start_line, f.start_column));
  }
  return out;
}

std::string use(const std::string& rules, const std::string& version = "v2",
                const std::string& extra = "") {
  return fmt::format("version: {}\nlint:\n  use: [{}]\n{}", version, rules, extra);
}

// A proto3 file a.proto in package a.v1 (directory a/v1) with `body`.
Files one(const std::string& body, const std::string& syntax = "proto3") {
  return {{"a/v1/a.proto", "syntax = \"" + syntax + "\";\npackage a.v1;\n" + body}};
}

spoke::Status config_error(const std::string& yaml) {
  auto r = spoke::parse_buf_yaml(yaml);
  REQUIRE_FALSE(r.ok());
  return r.status();
}

}  // namespace

// ---- names ----------------------------------------------------------------------------------

TEST_CASE("case_conversions_are_bufs") {
  using namespace spoke::lint_internal;
  CHECK(to_pascal_case("foo_bar") == "FooBar");
  CHECK(to_pascal_case("fooBar") == "FooBar");
  CHECK(to_pascal_case("FOO_bar") == "FOOBar");
  CHECK(to_pascal_case("foo.bar-baz") == "FooBarBaz");
  CHECK(to_lower_snake_case("fooBar") == "foo_bar");
  CHECK(to_lower_snake_case("HTTPServer") == "http_server");
  CHECK(to_lower_snake_case("foo1Bar") == "foo1_bar");
  CHECK(to_lower_snake_case("__a__b__") == "a_b");
  CHECK(to_lower_snake_case("ab_c_") == "ab_c");
  CHECK(to_upper_snake_case("FooBarBaz") == "FOO_BAR_BAZ");
  CHECK(to_upper_snake_case("fooV2Bar") == "FOO_V2_BAR");
  CHECK(go_quote("a\\b\"c\n") == "\"a\\\\b\\\"c\\n\"");
}

TEST_CASE("package_versions_are_read_as_buf_reads_them") {
  using spoke::lint_internal::package_version_stability;
  using spoke::lint_internal::Stability;
  CHECK(package_version_stability("foo.v1") == Stability::kStable);
  CHECK(package_version_stability("foo.v1beta1") == Stability::kBeta);
  CHECK(package_version_stability("foo.v2alpha") == Stability::kAlpha);
  CHECK(package_version_stability("foo.v1p1beta1") == Stability::kBeta);
  CHECK(package_version_stability("foo.v1test") == Stability::kTest);
  CHECK(package_version_stability("foo.v1testfoo") == Stability::kTest);
  CHECK_FALSE(package_version_stability("v1"));      // one component
  CHECK_FALSE(package_version_stability("foo.v0"));  // numbers start at 1
  CHECK_FALSE(package_version_stability("foo.v1alpha0"));
  CHECK_FALSE(package_version_stability("foo.v1alphabeta1"));
  CHECK_FALSE(package_version_stability("foo.bar"));
}

TEST_CASE("naming_rules_report_the_name_and_suggest_bufs_spelling") {
  auto files = one(R"(enum my_enum { MY_ENUM_UNSPECIFIED = 0; myEnum_two = 1; OTHER = 2; }
message foo_bar {
  string fooBar = 1;
  map<string, int32> MapField = 2;
  oneof TheChoice { string x = 3; }
  optional string opt = 4;
}
service my_api { rpc get_thing(foo_bar) returns (foo_bar); }
)");
  CHECK(lint(use("ENUM_PASCAL_CASE, ENUM_VALUE_UPPER_SNAKE_CASE, ENUM_VALUE_PREFIX, "
                 "MESSAGE_PASCAL_CASE, FIELD_LOWER_SNAKE_CASE, ONEOF_LOWER_SNAKE_CASE, "
                 "RPC_PASCAL_CASE, SERVICE_PASCAL_CASE, SERVICE_SUFFIX"),
             files) ==
        V{"ENUM_PASCAL_CASE a/v1/a.proto:3:6-3:13 Enum name \"my_enum\" should be PascalCase, "
          "such as \"MyEnum\".",
          "ENUM_VALUE_PREFIX a/v1/a.proto:3:41-3:51 Enum value name \"myEnum_two\" should be "
          "prefixed with \"MY_ENUM_\".",
          "ENUM_VALUE_UPPER_SNAKE_CASE a/v1/a.proto:3:41-3:51 Enum value name \"myEnum_two\" "
          "should be UPPER_SNAKE_CASE, such as \"MY_ENUM_TWO\".",
          "ENUM_VALUE_PREFIX a/v1/a.proto:3:57-3:62 Enum value name \"OTHER\" should be prefixed "
          "with \"MY_ENUM_\".",
          "MESSAGE_PASCAL_CASE a/v1/a.proto:4:9-4:16 Message name \"foo_bar\" should be "
          "PascalCase, such as \"FooBar\".",
          "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:5:10-5:16 Field name \"fooBar\" should be "
          "lower_snake_case, such as \"foo_bar\".",
          "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:6:22-6:30 Field name \"MapField\" should be "
          "lower_snake_case, such as \"map_field\".",
          "ONEOF_LOWER_SNAKE_CASE a/v1/a.proto:7:9-7:18 Oneof name \"TheChoice\" should be "
          "lower_snake_case, such as \"the_choice\".",
          "SERVICE_PASCAL_CASE a/v1/a.proto:10:9-10:15 Service name \"my_api\" should be "
          "PascalCase, such as \"MyApi\".",
          "SERVICE_SUFFIX a/v1/a.proto:10:9-10:15 Service name \"my_api\" should be suffixed "
          "with \"Service\".",
          "RPC_PASCAL_CASE a/v1/a.proto:10:22-10:31 RPC name \"get_thing\" should be PascalCase, "
          "such as \"GetThing\"."});
}

TEST_CASE("map_entries_and_the_oneofs_of_optional_fields_are_not_named_by_the_user") {
  // The generated MapFieldEntry message and its key/value fields, and the "_opt" oneof of a
  // proto3 optional field, are never reported.
  auto files = one("message Foo { map<string, int32> counts = 1; optional string opt = 2; }");
  CHECK(lint(use("MESSAGE_PASCAL_CASE, FIELD_LOWER_SNAKE_CASE, ONEOF_LOWER_SNAKE_CASE, "
                 "COMMENT_MESSAGE, COMMENT_FIELD, COMMENT_ONEOF"),
             files) ==
        V{"COMMENT_MESSAGE a/v1/a.proto:3:1-3:72 Message \"Foo\" should have a non-empty comment "
          "for documentation.",
          "COMMENT_FIELD a/v1/a.proto:3:15-3:45 Field \"counts\" should have a non-empty comment "
          "for documentation.",
          "COMMENT_FIELD a/v1/a.proto:3:46-3:70 Field \"opt\" should have a non-empty comment for "
          "documentation."});
}

TEST_CASE("extensions_are_fields_for_the_field_rules") {
  auto files = one(R"(message Foo { extensions 100 to 200; }
extend Foo { optional string badName = 100; }
message Bar { extend Foo { optional string otherBad = 101; } }
)",
                   "proto2");
  CHECK(where(use("FIELD_LOWER_SNAKE_CASE"), files) ==
        V{"FIELD_LOWER_SNAKE_CASE a/v1/a.proto:4:30", "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:5:44"});
}

TEST_CASE("enum_zero_value_suffix_and_service_suffix_are_configurable") {
  auto files = one(R"(enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1; }
enum Shape { SHAPE_NONE = 0; }
service Things {}
service ThingsAPI {}
)");
  CHECK(lint(use("ENUM_ZERO_VALUE_SUFFIX, SERVICE_SUFFIX"), files) ==
        V{"ENUM_ZERO_VALUE_SUFFIX a/v1/a.proto:4:14-4:24 Enum zero value name \"SHAPE_NONE\" "
          "should be suffixed with \"_UNSPECIFIED\".",
          "SERVICE_SUFFIX a/v1/a.proto:5:9-5:15 Service name \"Things\" should be suffixed with "
          "\"Service\".",
          "SERVICE_SUFFIX a/v1/a.proto:6:9-6:18 Service name \"ThingsAPI\" should be suffixed "
          "with \"Service\"."});
  CHECK(where(use("ENUM_ZERO_VALUE_SUFFIX, SERVICE_SUFFIX", "v2",
                  "  enum_zero_value_suffix: _NONE\n  service_suffix: API\n"),
              files) ==
        V{"ENUM_ZERO_VALUE_SUFFIX a/v1/a.proto:3:14", "SERVICE_SUFFIX a/v1/a.proto:5:9"});
}

TEST_CASE("package_rules_check_case_version_and_directory") {
  Files files = {{"a/v1/a.proto", "syntax = \"proto3\";\npackage a.v1;\n"},
                 {"b/b.proto", "syntax = \"proto3\";\npackage fooBar.baz;\n"},
                 {"c.proto", "syntax = \"proto3\";\n"}};
  CHECK(lint(use("PACKAGE_LOWER_SNAKE_CASE, PACKAGE_VERSION_SUFFIX, PACKAGE_DIRECTORY_MATCH, "
                 "PACKAGE_DEFINED"),
             files) ==
        V{"PACKAGE_DIRECTORY_MATCH b/b.proto:2:1-2:20 Files with package \"fooBar.baz\" must be "
          "within a directory \"fooBar/baz\" relative to root but were in directory \"b\".",
          "PACKAGE_LOWER_SNAKE_CASE b/b.proto:2:1-2:20 Package name \"fooBar.baz\" should be "
          "lower_snake.case, such as \"foo_bar.baz\".",
          "PACKAGE_VERSION_SUFFIX b/b.proto:2:1-2:20 Package name \"fooBar.baz\" should be "
          "suffixed with a correctly formed version, such as \"fooBar.baz.v1\".",
          "PACKAGE_DEFINED c.proto:1:1-1:1 Files must have a package defined."});
}

TEST_CASE("file_names_are_lower_snake_case") {
  Files files = {{"a/v1/FooBar.proto", "syntax = \"proto3\";\npackage a.v1;\n"},
                 {"a/v1/ok_name.proto", "syntax = \"proto3\";\npackage a.v1;\n"}};
  CHECK(lint(use("FILE_LOWER_SNAKE_CASE"), files) ==
        V{"FILE_LOWER_SNAKE_CASE a/v1/FooBar.proto:1:1-1:1 Filename \"FooBar.proto\" should be "
          "lower_snake_case.proto, such as \"foo_bar.proto\"."});
}

// ---- layout ---------------------------------------------------------------------------------

TEST_CASE("directories_and_packages_correspond_one_to_one") {
  Files files = {{"x/a.proto", "syntax = \"proto3\";\npackage p.v1;\n"},
                 {"x/b.proto", "syntax = \"proto3\";\npackage q.v1;\n"},
                 {"y/c.proto", "syntax = \"proto3\";\npackage p.v1;\n"},
                 {"y/d.proto", "syntax = \"proto3\";\n"}};
  CHECK(lint(use("DIRECTORY_SAME_PACKAGE, PACKAGE_SAME_DIRECTORY"), files) ==
        V{"DIRECTORY_SAME_PACKAGE x/a.proto:2:1-2:14 Multiple packages \"p.v1,q.v1\" detected "
          "within directory \"x\".",
          "PACKAGE_SAME_DIRECTORY x/a.proto:2:1-2:14 Multiple directories \"x,y\" contain files "
          "with package \"p.v1\".",
          "DIRECTORY_SAME_PACKAGE x/b.proto:2:1-2:14 Multiple packages \"p.v1,q.v1\" detected "
          "within directory \"x\".",
          "DIRECTORY_SAME_PACKAGE y/c.proto:2:1-2:14 Package \"p.v1\" and file with no package "
          "detected within directory \"y\".",
          "PACKAGE_SAME_DIRECTORY y/c.proto:2:1-2:14 Multiple directories \"x,y\" contain files "
          "with package \"p.v1\".",
          "DIRECTORY_SAME_PACKAGE y/d.proto:1:1-1:1 Package \"p.v1\" and file with no package "
          "detected within directory \"y\"."});
}

TEST_CASE("files_of_a_package_share_their_language_options") {
  Files files = {{"a/v1/a.proto",
                  "syntax = \"proto3\";\npackage a.v1;\noption go_package = \"x/a\";\n"
                  "option java_multiple_files = true;\noption php_namespace = \"A\\\\V1\";\n"},
                 {"a/v1/b.proto",
                  "syntax = \"proto3\";\npackage a.v1;\noption go_package = \"x/b\";\n"
                  "option java_multiple_files = false;\n"}};
  CHECK(lint(use("PACKAGE_SAME_GO_PACKAGE, PACKAGE_SAME_JAVA_MULTIPLE_FILES, "
                 "PACKAGE_SAME_PHP_NAMESPACE"),
             files) ==
        V{"PACKAGE_SAME_GO_PACKAGE a/v1/a.proto:3:1-3:27 Files in package \"a.v1\" have multiple "
          "values \"x/a,x/b\" for option \"go_package\" and all values must be equal.",
          "PACKAGE_SAME_JAVA_MULTIPLE_FILES a/v1/a.proto:4:1-4:35 Files in package \"a.v1\" have "
          "multiple values \"false,true\" for option \"java_multiple_files\" and all values must "
          "be equal.",
          // Go's %q doubles the backslash.
          "PACKAGE_SAME_PHP_NAMESPACE a/v1/a.proto:5:1-5:32 Files in package \"a.v1\" have both "
          "values \"A\\\\V1\" and no value for option \"php_namespace\" and all values must be "
          "equal.",
          // Without the option: the finding is on the file.
          "PACKAGE_SAME_PHP_NAMESPACE a/v1/b.proto:1:1-1:1 Files in package \"a.v1\" have both "
          "values \"A\\\\V1\" and no value for option \"php_namespace\" and all values must be "
          "equal.",
          "PACKAGE_SAME_GO_PACKAGE a/v1/b.proto:3:1-3:27 Files in package \"a.v1\" have multiple "
          "values \"x/a,x/b\" for option \"go_package\" and all values must be equal.",
          "PACKAGE_SAME_JAVA_MULTIPLE_FILES a/v1/b.proto:4:1-4:36 Files in package \"a.v1\" have "
          "multiple values \"false,true\" for option \"java_multiple_files\" and all values must "
          "be equal."});
}

TEST_CASE("the_other_language_options_of_a_package_are_compared_too") {
  Files files = {{"a/v1/a.proto",
                  "syntax = \"proto3\";\npackage a.v1;\noption csharp_namespace = \"A.V1\";\n"
                  "option java_package = \"com.a.v1\";\noption ruby_package = \"A::V1\";\n"
                  "option swift_prefix = \"AV\";\n"},
                 {"a/v1/b.proto",
                  "syntax = \"proto3\";\npackage a.v1;\noption csharp_namespace = \"Other\";\n"
                  "option java_package = \"com.a.v1\";\n"}};
  // java_package is the same in both files: nothing to report.
  CHECK(where(use("PACKAGE_SAME_CSHARP_NAMESPACE, PACKAGE_SAME_JAVA_PACKAGE, "
                  "PACKAGE_SAME_RUBY_PACKAGE, PACKAGE_SAME_SWIFT_PREFIX",
                  "v1"),
              files) == V{"PACKAGE_SAME_CSHARP_NAMESPACE a/v1/a.proto:3:1",
                          "PACKAGE_SAME_RUBY_PACKAGE a/v1/a.proto:5:1",
                          "PACKAGE_SAME_SWIFT_PREFIX a/v1/a.proto:6:1",
                          "PACKAGE_SAME_RUBY_PACKAGE a/v1/b.proto:1:1",
                          "PACKAGE_SAME_SWIFT_PREFIX a/v1/b.proto:1:1",
                          "PACKAGE_SAME_CSHARP_NAMESPACE a/v1/b.proto:3:1"});
}

TEST_CASE("syntax_must_be_written") {
  Files files = {{"a/v1/a.proto", "package a.v1;\n"},
                 {"a/v1/b.proto", "syntax = \"proto2\";\npackage a.v1;\n"}};
  CHECK(lint(use("SYNTAX_SPECIFIED"), files) ==
        V{"SYNTAX_SPECIFIED a/v1/a.proto:1:1-1:1 Files must have a syntax explicitly specified. "
          "If no syntax is specified, the file defaults to \"proto2\"."});
}

// ---- imports --------------------------------------------------------------------------------

TEST_CASE("imports_are_used_through_types_extendees_options_and_public_imports") {
  Files files = {{"o/v1/opts.proto", R"(syntax = "proto2";
package o.v1;
import "google/protobuf/descriptor.proto";
message Deep { optional string v = 1; extensions 100 to 200; }
extend google.protobuf.MessageOptions { optional Deep deep = 50001; }
extend google.protobuf.FieldOptions { optional int32 tag = 50002; }
)"},
                 {"o/v1/more.proto", R"(syntax = "proto2";
package o.v1;
import "o/v1/opts.proto";
extend Deep { optional string deeper = 100; }
)"},
                 {"t/v1/base.proto", "syntax = \"proto3\";\npackage t.v1;\nmessage Base {}\n"},
                 {"t/v1/reexport.proto",
                  "syntax = \"proto3\";\npackage t.v1;\nimport public \"t/v1/base.proto\";\n"},
                 {"u/v1/u.proto", R"(syntax = "proto3";
package u.v1;
import "o/v1/opts.proto";
import "o/v1/more.proto";
import "t/v1/reexport.proto";
import "google/protobuf/timestamp.proto";
import "google/protobuf/empty.proto";
message U {
  option (o.v1.deep).(o.v1.deeper) = "x";
  t.v1.Base base = 1 [(o.v1.tag) = 1];
}
service UService { rpc Get(google.protobuf.Empty) returns (U); }
)"}};
  CHECK(lint(use("IMPORT_USED, IMPORT_NO_PUBLIC"), files) ==
        V{"IMPORT_NO_PUBLIC t/v1/reexport.proto:3:1-3:33 Import \"t/v1/base.proto\" must not be "
          "public.",
          "IMPORT_USED u/v1/u.proto:6:1-6:42 Import \"google/protobuf/timestamp.proto\" is "
          "unused."});
}

TEST_CASE("package_import_cycles_are_reported_on_each_import_that_closes_one") {
  Files files = {{"a/a.proto", "syntax = \"proto3\";\npackage a;\nimport \"b/b.proto\";\n"},
                 {"b/b.proto", "syntax = \"proto3\";\npackage b;\nimport \"c/c.proto\";\n"},
                 {"c/c.proto", "syntax = \"proto3\";\npackage c;\nimport \"a/a2.proto\";\n"},
                 {"a/a2.proto", "syntax = \"proto3\";\npackage a;\n"},
                 {"d/d.proto", "syntax = \"proto3\";\npackage d;\nimport \"a/a.proto\";\n"}};
  CHECK(lint(use("PACKAGE_NO_IMPORT_CYCLE"), files) ==
        V{"PACKAGE_NO_IMPORT_CYCLE a/a.proto:3:1-3:20 Package import cycle: a -> b -> c -> a",
          "PACKAGE_NO_IMPORT_CYCLE b/b.proto:3:1-3:20 Package import cycle: b -> c -> a -> b",
          "PACKAGE_NO_IMPORT_CYCLE c/c.proto:3:1-3:21 Package import cycle: c -> a -> b -> c"});
}

TEST_CASE("stable_packages_do_not_import_unstable_ones") {
  Files files = {{"api/v1/a.proto",
                  "syntax = \"proto3\";\npackage api.v1;\nimport \"api/v1beta1/b.proto\";\n"
                  "import \"api/v2/c.proto\";\n"},
                 {"api/v1beta1/b.proto", "syntax = \"proto3\";\npackage api.v1beta1;\n"},
                 {"api/v2/c.proto", "syntax = \"proto3\";\npackage api.v2;\n"}};
  CHECK(lint(use("STABLE_PACKAGE_NO_IMPORT_UNSTABLE"), files) ==
        V{"STABLE_PACKAGE_NO_IMPORT_UNSTABLE api/v1/a.proto:3:1-3:30 This file is in stable "
          "package \"api.v1\", so it should not depend on \"api/v1beta1/b.proto\" from unstable "
          "package \"api.v1beta1\"."});
}

// ---- services -------------------------------------------------------------------------------

TEST_CASE("rpcs_are_unary") {
  auto files = one(R"(message M {}
service S {
  rpc A(stream M) returns (M);
  rpc B(M) returns (stream M);
}
)");
  CHECK(lint(use("UNARY_RPC"), files) ==
        V{"RPC_NO_CLIENT_STREAMING a/v1/a.proto:5:3-5:31 RPC \"A\" is client streaming.",
          "RPC_NO_SERVER_STREAMING a/v1/a.proto:6:3-6:31 RPC \"B\" is server streaming."});
}

TEST_CASE("request_and_response_types_are_unique_and_named_after_the_rpc") {
  Files files = {{"a/v1/a.proto", R"(syntax = "proto3";
package a.v1;
import "google/protobuf/empty.proto";
message GetRequest {}
message GetResponse {}
message Thing {}
service ThingService {
  rpc Get(GetRequest) returns (GetResponse);
  rpc Same(Thing) returns (Thing);
  rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty);
  rpc Pong(google.protobuf.Empty) returns (google.protobuf.Empty);
}
)"}};
  CHECK(lint(use("RPC_REQUEST_RESPONSE_UNIQUE"), files) ==
        V{"RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:9:3-9:35 RPC \"Same\" has the same type "
          "\"a.v1.Thing\" for the request and response.",
          "RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:10:3-10:67 \"google.protobuf.Empty\" is used "
          "as the request or response type for multiple RPCs.",
          "RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:10:3-10:67 RPC \"Ping\" has the same type "
          "\"google.protobuf.Empty\" for the request and response.",
          "RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:11:3-11:67 \"google.protobuf.Empty\" is used "
          "as the request or response type for multiple RPCs.",
          "RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:11:3-11:67 RPC \"Pong\" has the same type "
          "\"google.protobuf.Empty\" for the request and response."});
  CHECK(lint(use("RPC_REQUEST_RESPONSE_UNIQUE", "v2",
                 "  rpc_allow_same_request_response: true\n"
                 "  rpc_allow_google_protobuf_empty_requests: true\n"),
             files) == V{"RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:10:3-10:67 "
                         "\"google.protobuf.Empty\" is used as the response for multiple RPCs.",
                         "RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:11:3-11:67 "
                         "\"google.protobuf.Empty\" is used as the response for multiple RPCs."});
  CHECK(lint(use("RPC_REQUEST_RESPONSE_UNIQUE", "v2",
                 "  rpc_allow_google_protobuf_empty_requests: true\n"
                 "  rpc_allow_google_protobuf_empty_responses: true\n"),
             files) == V{"RPC_REQUEST_RESPONSE_UNIQUE a/v1/a.proto:9:3-9:35 RPC \"Same\" has the "
                         "same type \"a.v1.Thing\" for the request and response."});
  CHECK(lint(use("RPC_REQUEST_STANDARD_NAME, RPC_RESPONSE_STANDARD_NAME", "v2",
                 "  rpc_allow_google_protobuf_empty_responses: true\n"),
             files) ==
        V{"RPC_REQUEST_STANDARD_NAME a/v1/a.proto:9:12-9:17 RPC request type \"Thing\" should be "
          "named \"SameRequest\" or \"ThingServiceSameRequest\".",
          "RPC_RESPONSE_STANDARD_NAME a/v1/a.proto:9:28-9:33 RPC response type \"Thing\" should "
          "be named \"SameResponse\" or \"ThingServiceSameResponse\".",
          "RPC_REQUEST_STANDARD_NAME a/v1/a.proto:10:12-10:33 RPC request type \"Empty\" should "
          "be named \"PingRequest\" or \"ThingServicePingRequest\".",
          "RPC_REQUEST_STANDARD_NAME a/v1/a.proto:11:12-11:33 RPC request type \"Empty\" should "
          "be named \"PongRequest\" or \"ThingServicePongRequest\"."});
}

// ---- comments -------------------------------------------------------------------------------

TEST_CASE("comment_rules_want_documentation_that_is_not_an_ignore_directive") {
  auto files = one(R"(// A documented service.
service S {
  // buf:lint:ignore RPC_PASCAL_CASE
  rpc Get(M) returns (M);
}

// Documented.
message M {
  //
  string a = 1;
  oneof o {
    // The choice.
    string b = 2;
  }
}
enum E {
  E_UNSPECIFIED = 0;  // a trailing comment is not documentation
}
)");
  CHECK(where(use("COMMENTS"), files) ==
        V{"COMMENT_RPC a/v1/a.proto:6:3", "COMMENT_FIELD a/v1/a.proto:12:3",
          "COMMENT_ONEOF a/v1/a.proto:13:3", "COMMENT_ENUM a/v1/a.proto:18:1",
          "COMMENT_ENUM_VALUE a/v1/a.proto:19:3"});
}

TEST_CASE("services_and_rpcs_want_comments_and_protovalidate_is_accepted_but_not_run") {
  auto files = one(R"(message M {}
service MService {
  rpc Get(M) returns (M);
}
// Documented.
service NService {}
)");
  CHECK(lint(use("COMMENT_SERVICE, COMMENT_RPC, PROTOVALIDATE"), files) ==
        V{"COMMENT_SERVICE a/v1/a.proto:4:1-6:2 Service \"MService\" should have a non-empty "
          "comment for documentation.",
          "COMMENT_RPC a/v1/a.proto:5:3-5:26 RPC \"Get\" should have a non-empty comment for "
          "documentation."});
}

// ---- sensible -------------------------------------------------------------------------------

TEST_CASE("enum_first_value_zero_and_no_allow_alias") {
  auto files = one(R"(enum E {
  option allow_alias = true;
  E_ONE = 1;
  E_UNO = 1;
  E_ZERO = 0;
}
)",
                   "proto2");
  CHECK(lint(use("ENUM_FIRST_VALUE_ZERO, ENUM_NO_ALLOW_ALIAS"), files) ==
        V{"ENUM_NO_ALLOW_ALIAS a/v1/a.proto:4:3-4:29 Enum option \"allow_alias\" on enum \"E\" "
          "must be false.",
          "ENUM_FIRST_VALUE_ZERO a/v1/a.proto:5:11-5:12 First enum value \"E_ONE\" should have a "
          "numeric value of 0"});
}

TEST_CASE("field_no_descriptor_is_a_v1beta1_rule_and_field_not_required_a_v2_rule") {
  auto files = one(R"(message M {
  optional string descriptor = 1;
  optional string __DeScriptor_ = 2;
  required string id = 3;
}
)",
                   "proto2");
  CHECK(where(use("FIELD_NO_DESCRIPTOR", "v1beta1"), files) ==
        V{"FIELD_NO_DESCRIPTOR a/v1/a.proto:4:19", "FIELD_NO_DESCRIPTOR a/v1/a.proto:5:19"});
  CHECK(lint(use("FIELD_NOT_REQUIRED"), files) ==
        V{"FIELD_NOT_REQUIRED a/v1/a.proto:6:19-6:21 Field named \"id\" should not be required."});
  CHECK(config_error(use("FIELD_NO_DESCRIPTOR")).reason() == "unknown_rule");
  CHECK(config_error(use("FIELD_NOT_REQUIRED", "v1")).reason() == "unknown_rule");
}

// ---- comment ignores ------------------------------------------------------------------------

namespace {

const Files kIgnored = one(R"(// buf:lint:ignore ENUM_PASCAL_CASE
// buf:lint:ignore ENUM_VALUE_UPPER_SNAKE_CASE
enum my_enum {
  MY_ENUM_UNSPECIFIED = 0;
  bad_value = 1;
}
message Foo {
  // buf:lint:ignore FIELD_LOWER_SNAKE_CASE
  string badOne = 1;
  string badTwo = 2;  // buf:lint:ignore FIELD_LOWER_SNAKE_CASE
  // buf:lint:ignoreFIELD_LOWER_SNAKE_CASE
  string badThree = 3;
  // buf:lint:ignore MESSAGE_PASCAL_CASE
  string badFour = 4;
}
)");

const char* kIgnoredRules = "ENUM_PASCAL_CASE, ENUM_VALUE_UPPER_SNAKE_CASE, FIELD_LOWER_SNAKE_CASE";

}  // namespace

TEST_CASE("comment_ignores_are_off_in_v1_unless_allowed") {
  CHECK(where(use(kIgnoredRules, "v1"), kIgnored) ==
        V{"ENUM_PASCAL_CASE a/v1/a.proto:5:6", "ENUM_VALUE_UPPER_SNAKE_CASE a/v1/a.proto:7:3",
          "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:11:10", "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:12:10",
          "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:14:10",
          "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:16:10"});
  // The enum's comment covers its values too; a trailing comment, a directive without a space
  // before the rule ID, and one for another rule cover nothing.
  V allowed = {"FIELD_LOWER_SNAKE_CASE a/v1/a.proto:12:10",
               "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:14:10",
               "FIELD_LOWER_SNAKE_CASE a/v1/a.proto:16:10"};
  CHECK(where(use(kIgnoredRules, "v1", "  allow_comment_ignores: true\n"), kIgnored) == allowed);
  CHECK(where(use(kIgnoredRules, "v1beta1", "  allow_comment_ignores: true\n"), kIgnored) ==
        allowed);
  CHECK(where(use(kIgnoredRules, "v2"), kIgnored) == allowed);
  CHECK(where(use(kIgnoredRules, "v2", "  disallow_comment_ignores: true\n"), kIgnored).size() ==
        6);
}

TEST_CASE("a_message_comment_ignore_cascades_to_its_fields_and_nested_types") {
  auto files = one(R"(// buf:lint:ignore FIELD_LOWER_SNAKE_CASE
message Outer {
  string badName = 1;
  message Inner { string otherBad = 1; }
}
message Plain { string stillBad = 1; }
// buf:lint:ignore PACKAGE_VERSION_SUFFIX
service PlainService {}
)");
  CHECK(where(use("FIELD_LOWER_SNAKE_CASE"), files) ==
        V{"FIELD_LOWER_SNAKE_CASE a/v1/a.proto:8:24"});
}

TEST_CASE("a_package_comment_ignores_package_rules") {
  Files files = {{"x/a.proto",
                  "syntax = \"proto3\";\n// buf:lint:ignore PACKAGE_DIRECTORY_MATCH\n"
                  "package a;\n"}};
  CHECK(where(use("PACKAGE_DIRECTORY_MATCH, PACKAGE_VERSION_SUFFIX"), files) ==
        V{"PACKAGE_VERSION_SUFFIX x/a.proto:3:1"});
}

// ---- configuration --------------------------------------------------------------------------

TEST_CASE("default_rules_and_categories_differ_by_version") {
  auto rules = [](const std::string& yaml) {
    auto ws = spoke::parse_buf_yaml(yaml);
    REQUIRE_MESSAGE(ws.ok(), ws.status().to_string());
    auto r = spoke::resolve_lint_rules(ws->modules.at(0).lint);
    REQUIRE(r.ok());
    return *r;
  };
  auto has = [](const V& v, const std::string& id) {
    return std::find(v.begin(), v.end(), id) != v.end();
  };
  V v1beta1 = rules("version: v1beta1\n"), v1 = rules("version: v1\n"), v2 = rules("version: v2\n");
  CHECK(v1beta1.size() == 30);
  CHECK(v1.size() == 33);  // with PROTOVALIDATE, which spoke does not run
  CHECK(v2.size() == 35);
  CHECK(has(v1beta1, "FIELD_NO_DESCRIPTOR"));
  CHECK_FALSE(has(v1beta1, "IMPORT_USED"));
  CHECK_FALSE(has(v1beta1, "ENUM_FIRST_VALUE_ZERO"));
  CHECK(has(v1, "ENUM_FIRST_VALUE_ZERO"));
  CHECK_FALSE(has(v1, "PACKAGE_NO_IMPORT_CYCLE"));
  CHECK(has(v2, "PACKAGE_NO_IMPORT_CYCLE"));
  CHECK(has(v2, "FIELD_NOT_REQUIRED"));
  CHECK_FALSE(has(v2, "STABLE_PACKAGE_NO_IMPORT_UNSTABLE"));
  CHECK(rules("version: v1\nlint:\n  use: [MINIMAL]\n") ==
        V{"DIRECTORY_SAME_PACKAGE", "PACKAGE_DEFINED", "PACKAGE_DIRECTORY_MATCH",
          "PACKAGE_SAME_DIRECTORY"});
  CHECK(rules("version: v2\nlint:\n  use: [MINIMAL]\n").size() == 5);  // + import cycles
  CHECK(rules("version: v1beta1\nlint:\n  use: [MINIMAL]\n").size() == 14);
  CHECK(rules("version: v1beta1\nlint:\n  use: [FILE_LAYOUT, OTHER]\n") ==
        V{"DIRECTORY_SAME_PACKAGE", "ENUM_FIRST_VALUE_ZERO", "PACKAGE_DIRECTORY_MATCH",
          "PACKAGE_SAME_DIRECTORY"});
  CHECK(rules("version: v1\nlint:\n  use: [BASIC]\n  except: [IMPORT_USED, MINIMAL]\n").size() ==
        19);
  // DEFAULT is STANDARD under its deprecated name, STYLE_DEFAULT in v1beta1 too.
  CHECK(rules("version: v1\nlint:\n  use: [DEFAULT]\n") ==
        rules("version: v1\nlint:\n  use: [STANDARD]\n"));
  CHECK(rules("version: v1beta1\nlint:\n  use: [STYLE_DEFAULT]\n") ==
        rules("version: v1beta1\nlint:\n  use: [STYLE_STANDARD]\n"));
  CHECK(config_error("version: v1\nlint:\n  use: [STYLE_DEFAULT]\n").reason() == "unknown_rule");
}

TEST_CASE("the_rule_listing_is_bufs") {
  auto v1 = spoke::lint_rules("v1");
  REQUIRE(v1.ok());
  REQUIRE(v1->size() == 44);
  CHECK(v1->front().id == "DIRECTORY_SAME_PACKAGE");
  CHECK(v1->front().categories == V{"MINIMAL", "BASIC", "STANDARD"});
  CHECK(v1->at(42).id == "PACKAGE_NO_IMPORT_CYCLE");
  CHECK(v1->back().id == "IMPORT_NO_WEAK");
  CHECK(v1->back().deprecated);
  CHECK(spoke::lint_rules("v3").status().reason() == "invalid_config");
}

TEST_CASE("deprecated_ids_warn_and_import_no_weak_selects_nothing") {
  auto files = one("message foo {}");
  auto r = spoke::lint_files(inputs(files), {}, "version: v2\nlint:\n  use: [DEFAULT]\n");
  REQUIRE(r.ok());
  CHECK(r->warnings == V{"Category DEFAULT referenced in your buf.yaml is deprecated. It has been "
                         "replaced by category STANDARD."});
  CHECK(render(r->findings).size() == 1);
  auto weak = spoke::lint_files(inputs(files), {}, "version: v2\nlint:\n  use: [IMPORT_NO_WEAK]\n");
  REQUIRE(weak.ok());
  CHECK(weak->rules.empty());
  CHECK(weak->findings.empty());
  CHECK(weak->warnings == V{"Rule IMPORT_NO_WEAK referenced in your buf.yaml is deprecated.",
                            "No lint rules are configured."});
}

TEST_CASE("ignore_and_ignore_only_drop_findings_by_path") {
  Files files = {{"a/v1/a.proto", "syntax = \"proto3\";\npackage a.v1;\nmessage bad_a {}\n"},
                 {"b/v1/b.proto", "syntax = \"proto3\";\npackage b.v1;\nmessage bad_b {}\n"},
                 {"b/v1/c.proto", "syntax = \"proto3\";\npackage b.v1;\nenum bad_c { X = 0; }\n"}};
  const std::string rules = "MESSAGE_PASCAL_CASE, ENUM_PASCAL_CASE";
  CHECK(where(use(rules, "v1", "  ignore: [b/v1/c.proto]\n"), files) ==
        V{"MESSAGE_PASCAL_CASE a/v1/a.proto:3:9", "MESSAGE_PASCAL_CASE b/v1/b.proto:3:9"});
  CHECK(where(use(rules, "v1", "  ignore: [b]\n"), files) ==
        V{"MESSAGE_PASCAL_CASE a/v1/a.proto:3:9"});
  CHECK(where(use(rules, "v1", "  ignore_only:\n    MESSAGE_PASCAL_CASE: [./b/v1/]\n"), files) ==
        V{"MESSAGE_PASCAL_CASE a/v1/a.proto:3:9", "ENUM_PASCAL_CASE b/v1/c.proto:3:6"});
  // By category.
  CHECK(where(use(rules, "v1", "  ignore_only:\n    BASIC: [a, b/v1/b.proto]\n"), files) ==
        V{"ENUM_PASCAL_CASE b/v1/c.proto:3:6"});
  // An ignore naming the module itself turns lint off.
  CHECK(where(use(rules, "v1", "  ignore: [.]\n"), files).empty());
}

TEST_CASE("v2_modules_have_their_own_lint_sections_and_paths_relative_to_the_workspace") {
  Files files = {
      {"proto/acme/v1/a.proto",
       "syntax = \"proto3\";\npackage acme.v1;\nimport \"ext/v1/e.proto\";\n"
       "message Thing { ext.v1.Ext e = 1; string badName = 2; }\n"},
      {"proto/acme/v1/gen/g.proto", "syntax = \"proto3\";\npackage acme.v1.gen;\nmessage bad {}\n"},
      {"vendor/ext/v1/e.proto",
       "syntax = \"proto3\";\npackage ext.v1;\nmessage Ext { int32 x_Y = 1; }\n"
       "enum e_enum { E_ENUM_UNSPECIFIED = 0; }\n"},
      {"elsewhere/z.proto", "syntax = \"proto3\";\nmessage z {}\n"}};
  const std::string yaml = R"(version: v2
modules:
  - path: proto
    excludes: [proto/acme/v1/gen]
  - path: vendor
    lint:
      use: [ENUM_PASCAL_CASE]
lint:
  use: [STANDARD]
  ignore: [vendor/ext/v1/e.proto, elsewhere]
)";
  CHECK(lint(yaml, files) ==
        V{"FIELD_LOWER_SNAKE_CASE proto/acme/v1/a.proto:4:42-4:49 Field name \"badName\" should be "
          "lower_snake_case, such as \"bad_name\".",
          "ENUM_PASCAL_CASE vendor/ext/v1/e.proto:4:6-4:12 Enum name \"e_enum\" should be "
          "PascalCase, such as \"EEnum\"."});
  auto ws = spoke::parse_buf_yaml(yaml);
  REQUIRE(ws.ok());
  REQUIRE(ws->modules.size() == 2);
  CHECK(ws->modules[0].path == "proto");
  CHECK(ws->modules[0].excludes == V{"acme/v1/gen"});
  CHECK(ws->modules[0].lint.ignore.empty());  // the workspace's ignores lie in other modules
  CHECK(ws->modules[1].lint.use == V{"ENUM_PASCAL_CASE"});
  // A module whose directory is ignored is not linted.
  CHECK(
      where("version: v2\nmodules:\n  - path: vendor\nlint:\n  ignore: [vendor]\n", files).empty());
}

TEST_CASE("v1beta1_roots_are_import_roots") {
  Files files = {{"proto/a/v1/a.proto",
                  "syntax = \"proto3\";\npackage a.v1;\n"
                  "import \"b/v1/b.proto\";\nmessage A { b.v1.B b = 1; }\n"},
                 {"third_party/b/v1/b.proto",
                  "syntax = \"proto3\";\npackage b.v1;\nmessage B {}\n"
                  "message bad {}\n"}};
  const std::string yaml =
      "version: v1beta1\nbuild:\n  roots: [proto, third_party]\nlint:\n  use: [DEFAULT]\n"
      "  ignore_only:\n    MESSAGE_PASCAL_CASE: [b/v1]\n";
  CHECK(where(yaml, files).empty());
  CHECK(config_error("version: v1\nbuild:\n  roots: [proto]\n").message() ==
        "buf.yaml:3: build.roots cannot be set on version v1");
}

TEST_CASE("spoke_yaml_lint_section_is_read_with_v2_keys") {
  spoke::testing::TempDir dir;
  spoke::testing::write_file(dir / "spoke.yaml",
                             "module: acme\ndeps: []\nlint:\n  use: [MINIMAL]\n  except: "
                             "[PACKAGE_DEFINED]\n  disallow_comment_ignores: true\n");
  auto config = spoke::read_lint_config(dir.str());
  REQUIRE_MESSAGE(config.ok(), config.status().to_string());
  REQUIRE(config->has_value());
  const auto& lint = (*config)->modules.at(0).lint;
  CHECK(lint.version == "v2");
  CHECK(lint.use == V{"MINIMAL"});
  CHECK(lint.except == V{"PACKAGE_DEFINED"});
  CHECK_FALSE(lint.allow_comment_ignores);
  // The module configuration reader accepts the section.
  auto module = spoke::read_module_config(dir.str());
  REQUIRE_MESSAGE(module.ok(), module.status().to_string());
  CHECK((*module)->module == "acme");
  // A buf.yaml beside it wins.
  spoke::testing::write_file(dir / "buf.yaml", "version: v1\n");
  config = spoke::read_lint_config(dir.str());
  REQUIRE(config.ok());
  CHECK((*config)->version == "v1");
  CHECK((*config)->modules.at(0).lint.version == "v1");
  // Neither: nothing.
  spoke::testing::TempDir empty;
  auto none = spoke::read_lint_config(empty.str());
  REQUIRE(none.ok());
  CHECK_FALSE(none->has_value());
}

// ---- rejections -----------------------------------------------------------------------------

TEST_CASE("malformed_configurations_are_refused_naming_the_line") {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"version: v2\nlint:\n  use: [STANDARD, NOT_A_RULE]\n",
       "buf.yaml:3: \"NOT_A_RULE\" is not a known rule or category ID for version v2"},
      {"version: v1\nlint:\n  except:\n    - IMPORT_USED\n    - FOO\n",
       "buf.yaml:5: \"FOO\" is not a known rule or category ID for version v1"},
      {"version: v1beta1\nlint:\n  ignore_only:\n    IMPORT_USED: [a]\n",
       "buf.yaml:4: \"IMPORT_USED\" is not a known rule or category ID for version v1beta1"},
      {"version: v1\nlint:\n  use: STANDARD\n", "buf.yaml:3: lint.use must be a list of strings"},
      {"version: v1\nlint:\n  usex: [STANDARD]\n",
       "buf.yaml:3: unknown key \"usex\" in lint (known: use, except, ignore, ignore_only, "
       "enum_zero_value_suffix, rpc_allow_same_request_response, "
       "rpc_allow_google_protobuf_empty_requests, rpc_allow_google_protobuf_empty_responses, "
       "service_suffix, allow_comment_ignores)"},
      {"version: v2\nlint:\n  allow_comment_ignores: true\n",
       "buf.yaml:3: unknown key \"allow_comment_ignores\" in lint (known: use, except, ignore, "
       "ignore_only, enum_zero_value_suffix, rpc_allow_same_request_response, "
       "rpc_allow_google_protobuf_empty_requests, rpc_allow_google_protobuf_empty_responses, "
       "service_suffix, disallow_comment_ignores)"},
      {"version: v1\nlint:\n  allow_comment_ignores: maybe\n",
       "buf.yaml:3: lint.allow_comment_ignores must be true or false"},
      {"version: v1\nfoo: 1\n",
       "buf.yaml:2: unknown key \"foo\" for version v1 (known: version, name, deps, build, lint, "
       "breaking)"},
      {"lint: {}\n", "buf.yaml:1: \"version\" is not set; add \"version: v2\""},
      {"version: v3\n", "buf.yaml:1: unknown file version \"v3\" (known: v1beta1, v1, v2)"},
      {"version: v1\n  bad: [\n", "buf.yaml:2: illegal map value"},
      {"version: v1\nlint:\n  ignore: [../outside]\n",
       "buf.yaml:3: lint.ignore: invalid path \"../outside\": it must be relative and stay inside "
       "the directory of buf.yaml"},
      {"version: v2\nmodules:\n  - path: x\n    lint:\n      ignore: [y]\n",
       "buf.yaml:5: lint.ignore: path \"y\" is not contained within module directory \"x\""},
      {"version: v2\nmodules:\n  - path: x\n  - path: ./x\n",
       "buf.yaml:4: module directory \"x\" seen more than once"},
      {"version: v2\nplugins:\n  - plugin: buf-plugin-foo\n",
       "buf.yaml:2: plugins are not supported: spoke runs buf's built-in lint rules only"},
      {"", "buf.yaml: empty file: \"version\" must be set (v1beta1, v1 or v2)"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml);
    auto s = config_error(c.yaml);
    CHECK(s.code() == spoke::Code::kInvalidArgument);
    CHECK(s.message() == c.message);
    CHECK(s.reason() == (std::string(c.message).find("not a known rule") != std::string::npos
                             ? "unknown_rule"
                             : "invalid_config"));
  }
  auto spoke_yaml = spoke::parse_spoke_yaml_lint("module: a\nlint:\n  use: [NOPE]\n");
  REQUIRE_FALSE(spoke_yaml.ok());
  CHECK(spoke_yaml.status().message() ==
        "spoke.yaml:3: \"NOPE\" is not a known rule or category ID for version v2");
}

TEST_CASE("a_config_struct_with_an_unknown_rule_or_a_bad_path_is_refused") {
  auto files = inputs(one("message M {}"));
  spoke::LintConfig config;
  config.use = {"STANDARD", "NOPE"};
  auto r = spoke::lint_files(files, {}, config);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "unknown_rule");
  CHECK(r.status().message() == "\"NOPE\" is not a known rule or category ID");
  config = {};
  config.version = "v9";
  CHECK(spoke::lint_files(files, {}, config).status().reason() == "invalid_config");
  config = {};
  config.ignore = {"/abs"};
  CHECK(spoke::lint_files(files, {}, config).status().reason() == "invalid_config");
}

TEST_CASE("files_that_do_not_compile_are_refused_with_protocs_diagnostics") {
  auto r =
      spoke::lint_files(inputs({{"a.proto", "syntax = \"proto3\";\nmessage A { B b = 1; }\n"}}), {},
                        spoke::LintConfig{});
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == spoke::Code::kUnprocessable);
  CHECK(r.status().reason() == "invalid_schema");
  REQUIRE(r.status().diagnostics().size() == 1);
  CHECK(spoke::format_diagnostic(r.status().diagnostics()[0]) ==
        "a.proto:2:13: \"B\" is not defined.");
}

// ---- output ---------------------------------------------------------------------------------

TEST_CASE("findings_are_sorted_and_printed_as_buf_prints_them") {
  std::vector<spoke::BreakingFinding> f = {
      {"b.proto", 1, 1, 1, 1, "SYNTAX_SPECIFIED", "s"},
      {"b.proto", 1, 1, 1, 13, "PACKAGE_DIRECTORY_MATCH", "p"},
      {"a.proto", 3, 1, 3, 2, "X", "a < b & c > d"},
      {"b.proto", 1, 1, 1, 1, "SYNTAX_SPECIFIED", "s"},
  };
  spoke::sort_lint_findings(f);
  // Path, start, type, message: the end comes last.
  REQUIRE(f.size() == 3);
  CHECK(f[1].type == "PACKAGE_DIRECTORY_MATCH");
  CHECK(spoke::format_finding(f[0]) == "a.proto:3:1:a < b & c > d");
  CHECK(spoke::format_finding(f[0], spoke::ErrorFormat::kJson) ==
        "{\"path\":\"a.proto\",\"start_line\":3,\"start_column\":1,\"end_line\":3,"
        "\"end_column\":2,\"type\":\"X\",\"message\":\"a \\u003c b \\u0026 c \\u003e d\"}");
  // Other characters as they are; a byte that is not UTF-8 as Go writes it.
  spoke::BreakingFinding g{"é.proto", 1, 1, 1, 1, "X", "caf\xc3\xa9 \xff\t"};
  CHECK(spoke::format_finding(g, spoke::ErrorFormat::kJson) ==
        "{\"path\":\"é.proto\",\"start_line\":1,\"start_column\":1,\"end_line\":1,"
        "\"end_column\":1,\"type\":\"X\",\"message\":\"caf\xc3\xa9 \\ufffd\\t\"}");
}

// ---- spoke lint -----------------------------------------------------------------------------

namespace {

struct Cli {
  spoke::testing::TempDir scratch;
  std::string bin = spoke::testing::binary_from_env("SPOKE_CLI_BIN");
  spoke::testing::ProcessResult operator()(std::vector<std::string> args) {
    args.insert(args.begin(), {bin, "lint"});
    return spoke::testing::run(args, scratch.path());
  }
};

}  // namespace

TEST_CASE("spoke_lint_prints_bufs_text_json_and_github_forms_and_exits_100") {
  spoke::testing::TempDir dir;
  spoke::testing::write_file(dir / "a/v1/a.proto",
                             "syntax = \"proto3\";\npackage a.v1;\nmessage foo {}\n");
  spoke::testing::write_file(dir / "buf.yaml",
                             "version: v2\nlint:\n  use: [MESSAGE_PASCAL_CASE]\n");
  Cli cli;
  auto text = cli({"-dir", dir.str()});
  CHECK(text.exit_code == 100);
  CHECK(text.out ==
        "a/v1/a.proto:3:9:Message name \"foo\" should be PascalCase, such as \"Foo\".\n");
  auto json = cli({"-dir", dir.str(), "--error-format", "json"});
  CHECK(json.exit_code == 100);
  CHECK(json.out ==
        "{\"path\":\"a/v1/a.proto\",\"start_line\":3,\"start_column\":9,\"end_line\":3,"
        "\"end_column\":12,\"type\":\"MESSAGE_PASCAL_CASE\",\"message\":\"Message name \\\"foo\\\" "
        "should be PascalCase, such as \\\"Foo\\\".\"}\n");
  auto github = cli({"-dir", dir.str(), "--error-format", "github"});
  CHECK(github.exit_code == 100);
  CHECK(github.out ==
        "::error file=a/v1/a.proto,line=3,col=9,endLine=3,endColumn=12::Message name \"foo\" "
        "should be PascalCase, such as \"Foo\".\n");
  // buf does not percent-escape what it writes in a workflow command; neither does spoke.
  spoke::testing::write_file(dir / "a/v1/b.proto",
                             "syntax = \"proto3\";\npackage a.v1;\noption go_package = \"x%y\";\n");
  auto escaped = cli({"-dir", dir.str(), "--error-format", "github", "--config",
                      "version: v2\nlint:\n  use: [PACKAGE_SAME_GO_PACKAGE]\n"});
  CHECK(escaped.exit_code == 100);
  CHECK(escaped.out ==
        "::error file=a/v1/a.proto,line=1,col=1,endLine=1,endColumn=1::Files in package \"a.v1\" "
        "have both values \"x%y\" and no value for option \"go_package\" and all values must be "
        "equal.\n"
        "::error file=a/v1/b.proto,line=3,col=1,endLine=3,endColumn=27::Files in package \"a.v1\" "
        "have both values \"x%y\" and no value for option \"go_package\" and all values must be "
        "equal.\n");
  std::filesystem::remove(dir / "a/v1/b.proto");
  // --config as data replaces the buf.yaml; none of its rules finds anything: exit 0.
  auto clean = cli({"-dir", dir.str(), "--config", "version: v2\nlint:\n  use: [MINIMAL]\n"});
  CHECK(clean.exit_code == 0);
  CHECK(clean.out.empty());
  // --config as a file.
  spoke::testing::write_file(
      dir.path().parent_path() / (dir.path().filename().string() + ".json"),
      "{\"version\": \"v1\", \"lint\": {\"use\": [\"FILE_LOWER_SNAKE_CASE\"]}}");
  auto from_file = cli({"-dir", dir.str(), "--config", dir.str() + ".json"});
  CHECK(from_file.exit_code == 0);
  std::filesystem::remove(dir.str() + ".json");
}

TEST_CASE("spoke_lint_reads_spoke_yaml_imports_include_roots_and_reports_failures") {
  spoke::testing::TempDir dir, include;
  spoke::testing::write_file(dir / "a/v1/a.proto",
                             "syntax = \"proto3\";\npackage a.v1;\nimport "
                             "\"dep/v1/d.proto\";\nmessage A { dep.v1.D d = 1; "
                             "}\nmessage b {}\n");
  spoke::testing::write_file(
      include / "dep/v1/d.proto",
      "syntax = \"proto3\";\npackage dep.v1;\nmessage D {}\nmessage bad_name {}\n");
  spoke::testing::write_file(dir / "spoke.yaml", "lint:\n  use: [MESSAGE_PASCAL_CASE]\n");
  Cli cli;
  // Without the include root the files do not compile: exit 1 with protoc's diagnostics.
  auto broken = cli({"-dir", dir.str()});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("a/v1/a.proto:3:1: Import \"dep/v1/d.proto\" was not found or had "
                        "errors.") != std::string::npos);
  // The included file is not linted.
  auto linted = cli({"-dir", dir.str(), "-I", include.str()});
  CHECK(linted.exit_code == 100);
  CHECK(linted.out == "a/v1/a.proto:5:9:Message name \"b\" should be PascalCase, such as \"B\".\n");
  // A bad configuration: exit 1 naming the line.
  spoke::testing::write_file(dir / "spoke.yaml", "lint:\n  use: [NOPE]\n");
  auto bad = cli({"-dir", dir.str(), "-I", include.str()});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err.find("spoke.yaml:2: \"NOPE\" is not a known rule or category ID") !=
        std::string::npos);
  // A bad flag value is a usage error.
  CHECK(cli({"-dir", dir.str(), "--error-format", "xml"}).exit_code == 2);
}
