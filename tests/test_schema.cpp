// build_schema and its helpers on in-memory files: diagnostics, warnings, well-known types,
// dependency files, descriptor sets, import scanning, source paths and spoke.yaml.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "proto/option_locations.h"
#include "proto/source_path.h"
#include "spoke/module_config.h"
#include "spoke/schema.h"
#include "spoke/validate_dir.h"
#include "support/descriptors.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::protoc_descriptor_set;
using spoke::testing::TempDir;
using spoke::testing::write_file;

namespace {

// Every diagnostic as protoc prints it, in the order reported.
std::vector<std::string> lines(const std::vector<Diagnostic>& diags) {
  std::vector<std::string> out;
  for (const auto& d : diags) out.push_back(format_diagnostic(d));
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += s + "\n";
  return out;
}

bool contains(const std::vector<std::string>& items, const std::string& item) {
  return std::find(items.begin(), items.end(), item) != items.end();
}

std::vector<std::string> file_names(const google::protobuf::FileDescriptorSet& set) {
  std::vector<std::string> out;
  for (const auto& f : set.file()) out.push_back(f.name());
  return out;
}

// Line 5 lacks its ';' (reported at line 6, where the next token is), line 10 its number.
constexpr const char* kSyntaxErrors = R"(syntax = "proto3";
package t.a;

message A {
  string name = 1
  int32 id = 2;
}

message B {
  int32 x = ;
}
)";

constexpr const char* kUnknownTypes = R"(syntax = "proto3";
package t.b;

message B {
  Missing m = 1;
  repeated Other o = 2;
}
)";

constexpr const char* kDuplicateNumber = R"(syntax = "proto3";
package t.c;

message C {
  string name = 1;
  int32 id = 1;
}
)";

constexpr const char* kDep = R"(syntax = "proto3";
package dep;

message D {
  string id = 1;
}
)";

}  // namespace

// ---- build_schema: diagnostics ----------------------------------------------------------------

TEST_CASE("every_error_of_every_file_is_reported_in_one_run") {
  SchemaResult r = build_schema(
      {{"c.proto", kDuplicateNumber}, {"a.proto", kSyntaxErrors}, {"b.proto", kUnknownTypes}});
  CHECK_FALSE(r.valid());
  CHECK(r.error_count() == 5);
  // Grouped by file in path order, each file's in source order.
  std::vector<std::string> expected = {
      R"(a.proto:6:3: Expected ";".)",
      R"(a.proto:10:13: Expected field number.)",
      R"(b.proto:5:3: "Missing" is not defined.)",
      R"(b.proto:6:12: "Other" is not defined.)",
      R"(c.proto:6:14: Field number 1 has already been used in "t.c.C" by field "name".)",
  };
  CHECK_MESSAGE(lines(r.diagnostics) == expected, joined(lines(r.diagnostics)));
  for (const auto& d : r.diagnostics) CHECK(d.severity == spoke::Severity::kError);
  REQUIRE(r.diagnostics.size() == 5);
  const Diagnostic& first = r.diagnostics[0];
  CHECK(first.file == "a.proto");
  CHECK(first.line == 6);
  CHECK(first.column == 3);
  CHECK(first.message == "Expected \";\".");
  // Target files are listed sorted, whatever order they came in.
  REQUIRE(r.schema != nullptr);
  CHECK(r.schema->target_files() == std::vector<std::string>{"a.proto", "b.proto", "c.proto"});
}

TEST_CASE("errors_in_one_file_do_not_hide_a_valid_file") {
  SchemaResult r = build_schema({{"ok.proto", kDep}, {"bad.proto", kUnknownTypes}});
  CHECK(r.error_count() == 2);
  REQUIRE(r.schema != nullptr);
  CHECK(r.schema->file("ok.proto") != nullptr);
  CHECK(r.schema->file("bad.proto") == nullptr);
  CHECK(r.schema->linked_files() == std::vector<std::string>{"ok.proto"});
}

TEST_CASE("a_valid_set_has_no_diagnostics_and_links_every_file") {
  SchemaResult r = build_schema({{"dep/d.proto", kDep},
                                 {"use.proto",
                                  "syntax = \"proto3\";\nimport \"dep/d.proto\";\n"
                                  "message U { dep.D d = 1; }\n"}});
  CHECK(r.valid());
  CHECK(r.error_count() == 0);
  CHECK_MESSAGE(r.diagnostics.empty(), joined(lines(r.diagnostics)));
  REQUIRE(r.schema != nullptr);
  const auto* use = r.schema->file("use.proto");
  REQUIRE(use != nullptr);
  REQUIRE(use->FindMessageTypeByName("U") != nullptr);
  CHECK(use->FindMessageTypeByName("U")->field(0)->message_type()->full_name() == "dep.D");
  CHECK(r.schema->linked_files() == std::vector<std::string>{"dep/d.proto", "use.proto"});
}

TEST_CASE("missing_import_is_reported_as_protoc_reports_it") {
  SchemaResult r = build_schema({{"a.proto", R"(syntax = "proto3";
package t;

import "nowhere/b.proto";

message A {
  nowhere.B b = 1;
}
)"}});
  std::vector<std::string> expected = {
      "nowhere/b.proto: File not found.",
      R"(a.proto:4:1: Import "nowhere/b.proto" was not found or had errors.)",
      R"(a.proto:7:3: "nowhere.B" is not defined.)",
  };
  auto got = lines(r.diagnostics);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  CHECK_MESSAGE(got == expected, joined(got));
  CHECK(r.error_count() == 3);
}

TEST_CASE("import_cycle_is_reported_with_its_chain") {
  SchemaResult r = build_schema(
      {{"a.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"b.proto\";\n\nmessage A {}\n"},
       {"b.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"a.proto\";\n\nmessage B {}\n"}});
  auto got = lines(r.diagnostics);
  CHECK_MESSAGE(contains(got,
                         "a.proto:4:1: File recursively imports itself: a.proto -> b.proto -> "
                         "a.proto"),
                joined(got));
  CHECK(contains(got, R"(a.proto:4:1: Import "b.proto" was not found or had errors.)"));
  CHECK(contains(got, R"(b.proto:4:1: Import "a.proto" was not found or had errors.)"));
  CHECK(r.error_count() == 3);
}

TEST_CASE("reserved_numbers_and_names_cannot_be_reused") {
  SchemaResult numbers = build_schema({{"a.proto", R"(syntax = "proto3";
package t;

message A {
  reserved 2, 5 to 7;
  string name = 1;
  int32 id = 6;
}
)"}});
  // protoc gives this one no position.
  std::vector<std::string> expected = {R"(a.proto: Field "id" uses reserved number 6.)",
                                       "a.proto: Suggested field numbers for t.A: 3"};
  CHECK_MESSAGE(lines(numbers.diagnostics) == expected, joined(lines(numbers.diagnostics)));
  SchemaResult names = build_schema({{"a.proto", R"(syntax = "proto3";
package t;

message A {
  reserved "legacy";
  string legacy = 1;
}
)"}});
  CHECK_MESSAGE(lines(names.diagnostics) ==
                    std::vector<std::string>({R"(a.proto:6:10: Field name "legacy" is reserved.)"}),
                joined(lines(names.diagnostics)));
}

// ---- warnings --------------------------------------------------------------------------------

TEST_CASE("unused_imports_are_warnings_that_keep_the_set_valid") {
  std::vector<FileInput> targets = {
      {"a.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"dep/d.proto\";\n\nmessage A {}\n"}};
  std::vector<FileInput> deps = {{"dep/d.proto", kDep}};
  SchemaResult r = build_schema(targets, deps);
  CHECK(r.valid());
  CHECK(r.error_count() == 0);
  REQUIRE(r.diagnostics.size() == 1);
  const Diagnostic& w = r.diagnostics[0];
  CHECK(w.severity == spoke::Severity::kWarning);
  CHECK(w.file == "a.proto");
  CHECK(w.line == 4);
  CHECK(w.column == 1);
  CHECK(w.message == "Import dep/d.proto is unused.");
  CHECK(format_diagnostic(w) == "a.proto:4:1: warning: Import dep/d.proto is unused.");

  SchemaOptions quiet;
  quiet.warn_unused_imports = false;
  SchemaResult q = build_schema(targets, deps, quiet);
  CHECK(q.valid());
  CHECK(q.diagnostics.empty());
}

TEST_CASE("used_imports_and_dependency_files_give_no_warning") {
  // dep/d.proto is used; dep/d.proto's own unused import is not the caller's concern.
  std::vector<FileInput> deps = {
      {"dep/d.proto",
       "syntax = \"proto3\";\npackage dep;\nimport \"dep/e.proto\";\nmessage D {}\n"},
      {"dep/e.proto", "syntax = \"proto3\";\npackage dep;\nmessage E {}\n"}};
  SchemaResult r = build_schema(
      {{"a.proto", "syntax = \"proto3\";\nimport \"dep/d.proto\";\nmessage A { dep.D d = 1; }\n"}},
      deps);
  CHECK(r.valid());
  CHECK_MESSAGE(r.diagnostics.empty(), joined(lines(r.diagnostics)));
}

TEST_CASE("public_import_used_through_re_export_is_not_unused") {
  std::vector<FileInput> deps = {
      {"dep/reexport.proto", "syntax = \"proto3\";\nimport public \"dep/d.proto\";\n"},
      {"dep/d.proto", kDep}};
  SchemaResult r = build_schema({{"a.proto",
                                  "syntax = \"proto3\";\nimport \"dep/reexport.proto\";\n"
                                  "message A { dep.D d = 1; }\n"}},
                                deps);
  CHECK(r.valid());
  CHECK_MESSAGE(r.diagnostics.empty(), joined(lines(r.diagnostics)));
}

// ---- well-known types and dependency files ----------------------------------------------------

TEST_CASE("well_known_types_resolve_without_being_supplied") {
  SchemaResult r = build_schema({{"a.proto", R"(syntax = "proto3";
package t;
import "google/protobuf/timestamp.proto";
import "google/protobuf/any.proto";
import "google/protobuf/struct.proto";
message A {
  google.protobuf.Timestamp at = 1;
  google.protobuf.Any payload = 2;
  google.protobuf.Struct meta = 3;
}
)"}});
  CHECK_MESSAGE(r.diagnostics.empty(), joined(lines(r.diagnostics)));
  CHECK(r.valid());
  REQUIRE(r.schema != nullptr);
  const auto* a = r.schema->file("a.proto");
  REQUIRE(a != nullptr);
  CHECK(a->dependency_count() == 3);
  CHECK(a->message_type(0)->field(0)->message_type()->full_name() == "google.protobuf.Timestamp");
  CHECK(r.schema->file("google/protobuf/timestamp.proto") != nullptr);
  // Linked files leave the well-known types out.
  CHECK(r.schema->linked_files() == std::vector<std::string>{"a.proto"});
  CHECK(r.schema->source_info("google/protobuf/timestamp.proto") == nullptr);

  CHECK(is_well_known_file("google/protobuf/timestamp.proto"));
  CHECK(is_well_known_file("google/protobuf/descriptor.proto"));
  CHECK_FALSE(is_well_known_file("google/protobuf/no_such.proto"));
  CHECK_FALSE(is_well_known_file("timestamp.proto"));
  CHECK_FALSE(is_well_known_file("other/google/protobuf/timestamp.proto"));
}

TEST_CASE("a_misspelt_well_known_type_import_is_missing") {
  SchemaResult r = build_schema(
      {{"a.proto", "syntax = \"proto3\";\nimport \"google/protobuf/timestmp.proto\";\n"}});
  CHECK_FALSE(r.valid());
  CHECK(contains(lines(r.diagnostics), "google/protobuf/timestmp.proto: File not found."));
}

TEST_CASE("dependency_files_are_parsed_only_when_imported") {
  std::vector<FileInput> deps = {
      {"lib/broken.proto", "this is not a proto file {{{"},
      {"lib/d1.proto",
       "syntax = \"proto3\";\npackage lib;\nimport \"lib/d2.proto\";\nmessage D1 { D2 x = 1; }\n"},
      {"lib/d2.proto", "syntax = \"proto3\";\npackage lib;\nmessage D2 {}\n"},
      {"lib/unrelated.proto", "syntax = \"proto3\";\npackage lib;\nmessage U {}\n"},
  };
  SchemaResult r = build_schema(
      {{"main.proto",
        "syntax = \"proto3\";\nimport \"lib/d1.proto\";\nmessage M { lib.D1 d = 1; }\n"}},
      deps);
  // broken.proto is never read, so it reports nothing.
  CHECK_MESSAGE(r.diagnostics.empty(), joined(lines(r.diagnostics)));
  CHECK(r.valid());
  REQUIRE(r.schema != nullptr);
  // Transitive imports are linked, imports before importers; the rest is left alone.
  CHECK(r.schema->linked_files() ==
        std::vector<std::string>{"lib/d2.proto", "lib/d1.proto", "main.proto"});
  CHECK(r.schema->file("lib/broken.proto") == nullptr);
  CHECK(r.schema->file("lib/unrelated.proto") == nullptr);
  CHECK(r.schema->target_files() == std::vector<std::string>{"main.proto"});
}

TEST_CASE("an_imported_broken_dependency_file_reports_its_own_errors") {
  SchemaResult r = build_schema(
      {{"main.proto", "syntax = \"proto3\";\nimport \"lib/bad.proto\";\nmessage M {}\n"}},
      {{"lib/bad.proto", "syntax = \"proto3\";\npackage lib;\nmessage Bad { Nope n = 1; }\n"}});
  CHECK_FALSE(r.valid());
  auto got = lines(r.diagnostics);
  CHECK_MESSAGE(contains(got, R"(lib/bad.proto:3:15: "Nope" is not defined.)"), joined(got));
  CHECK(contains(got, R"(main.proto:2:1: Import "lib/bad.proto" was not found or had errors.)"));
}

TEST_CASE("a_target_wins_over_a_dependency_file_of_the_same_path") {
  SchemaResult r = build_schema({{"x.proto", "syntax = \"proto3\";\nmessage Mine {}\n"}},
                                {{"x.proto", "syntax = \"proto3\";\nmessage Theirs {}\n"}});
  CHECK(r.valid());
  REQUIRE(r.schema->file("x.proto") != nullptr);
  CHECK(r.schema->file("x.proto")->FindMessageTypeByName("Mine") != nullptr);
  CHECK(r.schema->file("x.proto")->FindMessageTypeByName("Theirs") == nullptr);
}

TEST_CASE("results_do_not_depend_on_the_number_of_threads") {
  std::vector<FileInput> targets;
  for (int i = 0; i < 24; ++i) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict) on "f" + std::to_string(...).
    std::string name = "f";
    name += std::to_string(i / 10);
    name += std::to_string(i % 10);
    name += ".proto";
    std::string body = "syntax = \"proto3\";\npackage p" + std::to_string(i) + ";\nmessage M {\n";
    body += (i % 3 == 0) ? "  Unknown" + std::to_string(i) + " u = 1;\n" : "  int32 x = 1;\n";
    body += "}\n";
    targets.push_back({name, body});
  }
  SchemaOptions one;
  one.threads = 1;
  SchemaOptions many;
  many.threads = 8;
  auto a = lines(build_schema(targets, {}, one).diagnostics);
  auto b = lines(build_schema(targets, {}, many).diagnostics);
  CHECK(a.size() == 8);
  CHECK(a == b);
  REQUIRE_FALSE(a.empty());
  CHECK(a.front() == R"(f00.proto:4:3: "Unknown0" is not defined.)");
  CHECK(a.back() == R"(f21.proto:4:3: "Unknown21" is not defined.)");
}

// ---- format_diagnostic ------------------------------------------------------------------------

TEST_CASE("format_diagnostic_prints_what_protoc_prints") {
  CHECK(format_diagnostic({"a/b.proto", 3, 7, spoke::Severity::kError, "Expected \";\"."}) ==
        "a/b.proto:3:7: Expected \";\".");
  CHECK(format_diagnostic(
            {"a/b.proto", 4, 1, spoke::Severity::kWarning, "Import c.proto is unused."}) ==
        "a/b.proto:4:1: warning: Import c.proto is unused.");
  CHECK(format_diagnostic({"c.proto", 0, 0, spoke::Severity::kError, "File not found."}) ==
        "c.proto: File not found.");
  CHECK(format_diagnostic({"c.proto", 0, 0, spoke::Severity::kWarning, "odd"}) ==
        "c.proto: warning: odd");
}

// ---- scan_imports -----------------------------------------------------------------------------

TEST_CASE("scan_imports_reads_plain_public_and_weak_imports_in_order") {
  auto got = scan_imports(R"(syntax = "proto3";
package x;
import "a/plain.proto";
import public "b/public.proto";
import weak "c/weak.proto";
import 'd/single.proto';
message M { int32 x = 1; }
)");
  CHECK(got == std::vector<std::string>{"a/plain.proto", "b/public.proto", "c/weak.proto",
                                        "d/single.proto"});
}

TEST_CASE("scan_imports_ignores_comments_and_strings") {
  auto got = scan_imports(R"(syntax = "proto3";
// import "commented/line.proto";
/* import "commented/block.proto";
   import "commented/block2.proto"; */
import "real.proto";
option java_package = "import \"in/string.proto\";";
message M {
  string s = 1 [json_name = "import"];
  // import "in/message/comment.proto";
}
)");
  CHECK_MESSAGE(got == std::vector<std::string>{"real.proto"}, got.size());
}

TEST_CASE("scan_imports_does_not_take_identifiers_named_import_inside_bodies") {
  // A field of a message type named "import" (legal, if unwise) is not an import statement.
  auto got = scan_imports(R"(syntax = "proto2";
import "before.proto";
message M {
  optional import x = 1;
  optional .import y = 2;
}
import "after.proto";
)");
  CHECK(got == std::vector<std::string>{"before.proto", "after.proto"});
}

TEST_CASE("scan_imports_keeps_counting_braces_after_a_message_named_import") {
  // protoc accepts this file and reads both imports (it warns that after.proto is unused). The
  // "{" after "message import" must still open a body, or the import after it is lost.
  auto got = scan_imports(R"(syntax = "proto2";
import "before.proto";
message import {}
message M {
  optional import x = 1;
}
import "after.proto";
)");
  CHECK(got == std::vector<std::string>{"before.proto", "after.proto"});
}

TEST_CASE("scan_imports_on_malformed_input_returns_what_it_read") {
  CHECK(scan_imports("").empty());
  CHECK(scan_imports("import").empty());
  CHECK(scan_imports("import public").empty());
  auto got = scan_imports("import \"first.proto\";\nmessage {{{ \"unterminated\nimport ");
  CHECK(got == std::vector<std::string>{"first.proto"});
  // Escapes in the path are decoded as the parser decodes them.
  CHECK(scan_imports(R"(import "a\x2fb.proto";)") == std::vector<std::string>{"a/b.proto"});
}

// ---- descriptor_set ---------------------------------------------------------------------------

TEST_CASE("descriptor_set_lists_imports_first_and_includes_well_known_types") {
  std::vector<FileInput> deps = {
      {"lib/base.proto", "syntax = \"proto3\";\npackage lib;\nmessage Base {}\n"},
      {"lib/mid.proto",
       "syntax = \"proto3\";\npackage lib;\nimport \"lib/base.proto\";\n"
       "import \"google/protobuf/timestamp.proto\";\n"
       "message Mid { Base b = 1; google.protobuf.Timestamp t = 2; }\n"},
      {"lib/unused.proto", "syntax = \"proto3\";\npackage lib;\nmessage Unused {}\n"}};
  SchemaResult r = build_schema(
      {{"z.proto",
        "syntax = \"proto3\";\npackage top;\nimport \"lib/mid.proto\";\nmessage Z { lib.Mid m = 1; "
        "}\n"},
       {"a.proto", "syntax = \"proto3\";\npackage top;\nmessage A { int32 some_field = 1; }\n"}},
      deps);
  REQUIRE(r.valid());
  auto set = descriptor_set(*r.schema, false);
  CHECK(file_names(set) == std::vector<std::string>{"a.proto", "lib/base.proto",
                                                    "google/protobuf/timestamp.proto",
                                                    "lib/mid.proto", "z.proto"});
  for (const auto& f : set.file()) CHECK_FALSE(f.has_source_code_info());
  // Type names are resolved and json names filled in, as protoc writes them.
  const auto& a = set.file(0);
  REQUIRE(a.message_type_size() == 1);
  CHECK(a.message_type(0).field(0).json_name() == "someField");
  const auto& z = set.file(4);
  CHECK(z.message_type(0).field(0).type_name() == ".lib.Mid");
  CHECK(z.message_type(0).field(0).type() == google::protobuf::FieldDescriptorProto::TYPE_MESSAGE);
}

TEST_CASE("descriptor_set_carries_source_info_only_when_asked") {
  const char* text = R"(syntax = "proto3";
package t;

// Leading comment of M.
message M {
  int32 x = 1;  // trailing x
}
)";
  SchemaResult r = build_schema({{"m.proto", text}});
  REQUIRE(r.valid());
  auto bare = descriptor_set(*r.schema, false);
  REQUIRE(bare.file_size() == 1);
  CHECK_FALSE(bare.file(0).has_source_code_info());

  auto full = descriptor_set(*r.schema, true);
  REQUIRE(full.file_size() == 1);
  REQUIRE(full.file(0).has_source_code_info());
  bool leading = false, trailing = false;
  for (const auto& loc : full.file(0).source_code_info().location()) {
    if (loc.leading_comments() == " Leading comment of M.\n") {
      leading = true;
      // path [4, 0] is message_type[0]; spans are 0-based: line 4 (0-based) starts at col 0.
      CHECK(std::vector<int>(loc.path().begin(), loc.path().end()) == std::vector<int>{4, 0});
      REQUIRE(loc.span_size() >= 3);
      CHECK(loc.span(0) == 4);
      CHECK(loc.span(1) == 0);
    }
    if (loc.trailing_comments() == " trailing x\n") trailing = true;
  }
  CHECK(leading);
  CHECK(trailing);
  // The schema's own copy is what the set carries.
  REQUIRE(r.schema->source_info("m.proto") != nullptr);
  CHECK(r.schema->source_info("m.proto")->location_size() ==
        full.file(0).source_code_info().location_size());

  google::protobuf::FileDescriptorProto proto;
  CHECK(r.schema->to_proto("m.proto", false, &proto));
  CHECK_FALSE(proto.has_source_code_info());
  CHECK(r.schema->to_proto("m.proto", true, &proto));
  CHECK(proto.has_source_code_info());
  CHECK_FALSE(r.schema->to_proto("nope.proto", true, &proto));
}

// ---- source paths (proto/source_path.h) -------------------------------------------------------

TEST_CASE("source_paths_of_declarations_and_their_locations") {
  using namespace spoke::proto_internal;
  const char* text = R"(syntax = "proto3";
package t;
option go_package = "example.com/t";

message Outer {
  message Inner {
    // The id.
    string id = 1 [json_name = "ID"];
  }
  map<string, Inner> items = 2;
  oneof choice { int32 a = 3; }
}
enum Kind { KIND_UNSPECIFIED = 0; KIND_A = 1; }
service Svc {
  rpc Get(Outer) returns (Outer) { option idempotency_level = NO_SIDE_EFFECTS; }
}
)";
  SchemaOptions options;
  options.interpreted_source_info = true;
  SchemaResult r = build_schema({{"t.proto", text}}, {}, options);
  REQUIRE(r.valid());
  const google::protobuf::DescriptorPool& pool = r.schema->pool();
  const auto* outer = pool.FindMessageTypeByName("t.Outer");
  const auto* inner = pool.FindMessageTypeByName("t.Outer.Inner");
  const auto* id = inner->FindFieldByName("id");
  const auto* items = outer->FindFieldByName("items");
  const auto* entry = items->message_type();
  const auto* method = pool.FindMethodByName("t.Svc.Get");
  REQUIRE(method != nullptr);

  CHECK(path_of(outer) == SourcePath{4, 0});
  CHECK(path_of(inner) == SourcePath{4, 0, 3, 0});
  CHECK(path_of(id) == SourcePath{4, 0, 3, 0, 2, 0});
  CHECK(path_of(outer->FindOneofByName("choice")) == SourcePath{4, 0, 8, 0});
  CHECK(path_of(pool.FindEnumValueByName("t.KIND_A")) == SourcePath{5, 0, 2, 1});
  CHECK(path_of(method) == SourcePath{6, 0, 2, 0});
  // The map entry is where the compiler puts it; it is declared as its map field.
  CHECK(path_of(entry) == SourcePath{4, 0, 3, 1});
  CHECK(declared_path_of(entry) == path_of(items));
  CHECK(declared_path_of(entry->map_value()) == SourcePath{4, 0, 2, 0});
  CHECK(declared_path_of(id) == path_of(id));
  CHECK(options_path(outer) == SourcePath{4, 0, 7});
  CHECK(option_path(r.schema->file("t.proto"),
                    google::protobuf::FileOptions::kGoPackageFieldNumber) == SourcePath{8, 11});

  SchemaLocations locations(*r.schema);
  const auto* file = r.schema->file("t.proto");
  auto loc = locations.find(file, path_of(id));
  REQUIRE(loc.has_value());
  CHECK(loc->leading_comments == " The id.\n");
  auto span = locations.span(file, path_of(id));
  REQUIRE(span.has_value());
  CHECK(span->start_line == 8);
  CHECK(span->start_column == 5);
  CHECK(span->end_line == 8);
  CHECK(span->end_column == 38);
  // Standard options are found by option_path in interpreted source info.
  auto go_package =
      locations.span(file, option_path(file, google::protobuf::FileOptions::kGoPackageFieldNumber));
  REQUIRE(go_package.has_value());
  CHECK(go_package->start_line == 3);
  CHECK(locations
            .span(file, option_path(method,
                                    google::protobuf::MethodOptions::kIdempotencyLevelFieldNumber))
            .has_value());
  // The first location of a path is the declaration's own: json_name as a whole.
  auto json_name = locations.span(
      file, append(path_of(id), {google::protobuf::FieldDescriptorProto::kJsonNameFieldNumber}));
  REQUIRE(json_name.has_value());
  CHECK(json_name->start_column == 20);
  CHECK_FALSE(locations.find(file, path_of(entry)).has_value());
  CHECK_FALSE(locations.find(nullptr, path_of(outer)).has_value());
}

// ---- read_module_config -----------------------------------------------------------------------

TEST_CASE("module_config_valid_file") {
  TempDir dir;
  write_file(dir / "spoke.yaml",
             "# the module\nmodule: payments\ndeps:\n  - common@v1.2.0\n  - googleapis@latest\n");
  auto config = read_module_config(dir.str());
  REQUIRE_MESSAGE(config.ok(), config.status().to_string());
  REQUIRE(config->has_value());
  CHECK(config->value().module == "payments");
  CHECK(config->value().deps == std::vector<std::string>{"common@v1.2.0", "googleapis@latest"});
}

TEST_CASE("module_config_partial_and_empty_files") {
  TempDir dir;
  write_file(dir / "spoke.yaml", "deps: [a@v1.0.0]\n");
  auto only_deps = read_module_config(dir.str());
  REQUIRE(only_deps.ok());
  REQUIRE(only_deps->has_value());
  CHECK(only_deps->value().module.empty());
  CHECK(only_deps->value().deps == std::vector<std::string>{"a@v1.0.0"});

  write_file(dir / "spoke.yaml", "");
  auto empty = read_module_config(dir.str());
  REQUIRE(empty.ok());
  REQUIRE(empty->has_value());
  CHECK(empty->value().module.empty());
  CHECK(empty->value().deps.empty());
}

TEST_CASE("module_config_missing_file_is_nullopt") {
  TempDir dir;
  auto config = read_module_config(dir.str());
  REQUIRE(config.ok());
  CHECK_FALSE(config->has_value());
  auto nowhere = read_module_config((dir / "does-not-exist").string());
  REQUIRE(nowhere.ok());
  CHECK_FALSE(nowhere->has_value());
}

TEST_CASE("module_config_bad_yaml_names_the_line") {
  TempDir dir;
  write_file(dir / "spoke.yaml", "module: payments\ndeps:\n  - a@v1.0.0\n  - [unclosed\n");
  auto config = read_module_config(dir.str());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == Code::kInvalidArgument);
  CHECK(config.status().reason() == "invalid_config");
  std::string where = (dir / "spoke.yaml").string() + ":";
  CHECK_MESSAGE(config.status().message().starts_with(where), config.status().message());
  // The line number is a positive line of the file, and is where the problem was seen.
  std::string rest = config.status().message().substr(where.size());
  int line = std::atoi(rest.c_str());
  CHECK_MESSAGE(line >= 4, config.status().message());
  CHECK(line <= 5);

  // A key indented under a scalar: the line of that key.
  write_file(dir / "spoke.yaml", "deps: []\nmodule: payments\n  bad: indent\n");
  auto indented = read_module_config(dir.str());
  REQUIRE_FALSE(indented.ok());
  CHECK(indented.status().reason() == "invalid_config");
  CHECK_MESSAGE(indented.status().message().starts_with(where + "3: "),
                indented.status().message());
}

TEST_CASE("module_config_unknown_key_is_named_with_its_line") {
  TempDir dir;
  write_file(dir / "spoke.yaml", "module: payments\n\ndependencies:\n  - a@v1.0.0\n");
  auto config = read_module_config(dir.str());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().reason() == "invalid_config");
  CHECK(config.status().message() ==
        (dir / "spoke.yaml").string() + ":3: unknown key \"dependencies\" (known: module, deps)");
}

TEST_CASE("module_config_bad_dependency_spec_is_named_with_its_line") {
  TempDir dir;
  write_file(dir / "spoke.yaml", "module: payments\ndeps:\n  - common@v1.0.0\n  - common-v2\n");
  auto config = read_module_config(dir.str());
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().reason() == "invalid_config");
  const std::string& msg = config.status().message();
  CHECK_MESSAGE(msg.starts_with((dir / "spoke.yaml").string() + ":4: "), msg);
  CHECK(msg.find("common-v2") != std::string::npos);
}

TEST_CASE("module_config_wrong_shapes_are_rejected") {
  TempDir dir;
  write_file(dir / "spoke.yaml", "module: payments\ndeps: common@v1.0.0\n");
  auto scalar_deps = read_module_config(dir.str());
  REQUIRE_FALSE(scalar_deps.ok());
  CHECK(scalar_deps.status().message() ==
        (dir / "spoke.yaml").string() + ":2: deps: must be a list of module@version");

  write_file(dir / "spoke.yaml", "module: Not_Valid\n");
  auto bad_name = read_module_config(dir.str());
  REQUIRE_FALSE(bad_name.ok());
  CHECK(bad_name.status().message().starts_with((dir / "spoke.yaml").string() + ":1: "));

  write_file(dir / "spoke.yaml", "- just\n- a list\n");
  auto list = read_module_config(dir.str());
  REQUIRE_FALSE(list.ok());
  CHECK(list.status().reason() == "invalid_config");
}

// ---- validate_directory and its result cache ----------------------------------------------------

namespace {

// Writes `content` at `p` and dates it an hour back, so the digest index trusts its mtime.
void write_old(const std::filesystem::path& p, const std::string& content) {
  write_file(p, content);
  std::filesystem::last_write_time(
      p, std::filesystem::file_time_type::clock::now() - std::chrono::hours(1));
}

const char* kUser =
    "syntax = \"proto3\";\npackage acme;\nimport \"acme/money.proto\";\n"
    "message User { string id = 1; }\n";
const char* kMoney = "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; }\n";

}  // namespace

TEST_CASE("validate_directory_answers_an_unchanged_tree_from_the_cache") {
  TempDir dir;
  write_old(dir / "src/acme/user.proto", kUser);
  write_old(dir / "src/acme/money.proto", kMoney);
  DirectoryValidationOptions options;
  options.dir = (dir / "src").string();
  options.cache_dir = (dir / "cache").string();

  auto first = validate_directory(options);
  REQUIRE(first.ok());
  CHECK_FALSE(first->cache_hit);
  CHECK(first->valid);
  CHECK(first->file_count == 2);
  const std::vector<std::string> warning = {
      "acme/user.proto:3:1: warning: Import acme/money.proto is unused."};
  CHECK(lines(first->diagnostics) == warning);

  auto second = validate_directory(options);
  REQUIRE(second.ok());
  CHECK(second->cache_hit);
  CHECK(second->valid);
  CHECK(second->file_count == 2);
  CHECK(lines(second->diagnostics) == warning);
  CHECK(second->schema == nullptr);

  // An edit is seen: new content, new key, the error reported.
  write_file(
      dir / "src/acme/money.proto",
      "syntax = \"proto3\";\npackage acme;\nmessage Money { int64 units = 1; int32 n = 1; }\n");
  auto edited = validate_directory(options);
  REQUIRE(edited.ok());
  CHECK_FALSE(edited->cache_hit);
  CHECK_FALSE(edited->valid);
  CHECK(lines(edited->diagnostics) ==
        std::vector<std::string>{
            "acme/money.proto:3:44: Field number 1 has already been used in \"acme.Money\" by "
            "field \"units\".",
            "acme/user.proto:3:1: Import \"acme/money.proto\" was not found or had errors."});

  // Results are keyed by content, not by time: putting the old content back is a hit again.
  write_file(dir / "src/acme/money.proto", kMoney);
  auto reverted = validate_directory(options);
  REQUIRE(reverted.ok());
  CHECK(reverted->cache_hit);
  CHECK(reverted->valid);
  CHECK(lines(reverted->diagnostics) == warning);

  // A new file is a new tree.
  write_old(dir / "src/acme/extra.proto",
            "syntax = \"proto3\";\npackage acme;\nmessage Extra {}\n");
  auto grown = validate_directory(options);
  REQUIRE(grown.ok());
  CHECK_FALSE(grown->cache_hit);
  CHECK(grown->file_count == 3);
}

TEST_CASE("validate_directory_after_an_edit_rechecks_only_what_the_edit_reaches") {
  TempDir dir;
  const std::string head = "syntax = \"proto3\";\npackage acme;\n";
  write_old(dir / "src/acme/money.proto", kMoney);
  write_old(dir / "src/acme/user.proto", head +
                                             "import \"acme/money.proto\";\n"
                                             "message User { acme.Money balance = 1; }\n");
  write_old(dir / "src/acme/order.proto", head +
                                              "import \"acme/money.proto\";\n"
                                              "message Order { acme.Money total = 1; }\n");
  write_old(dir / "src/acme/unused.proto",
            head + "import \"acme/money.proto\";\nmessage Unused {}\n");
  write_old(dir / "src/acme/solo.proto", head + "message Solo {}\n");
  DirectoryValidationOptions options;
  options.dir = (dir / "src").string();
  options.cache_dir = (dir / "cache").string();
  // What a validation without any cache says, for comparison.
  auto uncached = [&] {
    DirectoryValidationOptions o = options;
    o.cache_dir.clear();
    auto r = validate_directory(o);
    REQUIRE(r.ok());
    CHECK(r->files_rechecked == r->file_count);
    return std::make_pair(r->valid, lines(r->diagnostics));
  };
  auto validate = [&](std::size_t rechecked) {
    auto r = validate_directory(options);
    REQUIRE(r.ok());
    CHECK_FALSE(r->cache_hit);
    CHECK(r->files_rechecked == rechecked);
    CHECK(std::make_pair(r->valid, lines(r->diagnostics)) == uncached());
    return r->valid;
  };

  CHECK(validate(5));
  const std::vector<std::string> warning = {
      "acme/unused.proto:3:1: warning: Import acme/money.proto is unused."};
  CHECK(lines(validate_directory(options)->diagnostics) == warning);

  // A file nothing imports: only it.
  write_old(dir / "src/acme/solo.proto", head + "message Solo { string note = 1; }\n");
  CHECK(validate(1));
  // A file three others import: it and them; the warning of one kept is still reported.
  write_old(dir / "src/acme/money.proto",
            head + "message Money { int64 units = 1; string currency = 2; }\n");
  CHECK(validate(4));

  // Names that collide with a file left out are found (by a full build): a message, an enum
  // value in the package's scope, a package named like a message.
  write_old(dir / "src/acme/solo.proto", head + "message Money {}\n");
  CHECK_FALSE(validate(5));
  write_old(dir / "src/acme/solo.proto", head + "enum Kind { Order = 0; }\n");
  CHECK_FALSE(validate(5));
  write_old(dir / "src/acme/solo.proto", "syntax = \"proto3\";\npackage acme.User.v1;\n");
  CHECK_FALSE(validate(5));
  // Two extensions of one message with one number, in files that do not import each other: a
  // warning of libprotobuf's that a build of the changed file alone would miss.
  write_old(dir / "src/acme/holder.proto",
            "syntax = \"proto2\";\npackage acme;\nmessage Holder { extensions 100 to 200; }\n");
  const std::string ext =
      "syntax = \"proto2\";\npackage acme;\nimport \"acme/holder.proto\";\n"
      "extend acme.Holder { optional string ";
  write_old(dir / "src/acme/solo.proto", ext + "a = 150; }\n");
  CHECK(validate(2));
  write_old(dir / "src/acme/other.proto", ext + "b = 150; }\n");
  CHECK(validate(7));
  auto warned = validate_directory(options);
  REQUIRE(warned.ok());
  CHECK(warned->cache_hit);
  CHECK(std::any_of(warned->diagnostics.begin(), warned->diagnostics.end(), [](const auto& d) {
    return d.message.find("Extension number 150 has already been used") != std::string::npos;
  }));
  // That warning is not kept as the file's own: once the other number moves it is gone.
  write_old(dir / "src/acme/other.proto", ext + "b = 151; }\n");
  CHECK(validate(1));
  std::filesystem::remove(dir / "src/acme/other.proto");
  std::filesystem::remove(dir / "src/acme/holder.proto");

  // An error is reported as a full build reports it; once fixed, the kept facts serve again.
  write_old(dir / "src/acme/solo.proto", head + "message Solo { string note = 1; int32 n = 1; }\n");
  CHECK_FALSE(validate(5));
  write_old(dir / "src/acme/solo.proto", head + "message Solo { int32 n = 1; }\n");
  CHECK(validate(1));
}

TEST_CASE("validate_directory_keys_include_dirs_and_fetched_dependencies") {
  TempDir dir;
  write_old(dir / "src/acme/user.proto",
            "syntax = \"proto3\";\npackage acme;\nimport \"acme/money.proto\";\n"
            "message User { acme.Money balance = 1; }\n");
  write_old(dir / "inc/acme/money.proto", kMoney);
  DirectoryValidationOptions options;
  options.dir = (dir / "src").string();
  options.include_dirs = {(dir / "inc").string()};
  options.cache_dir = (dir / "cache").string();

  auto first = validate_directory(options);
  REQUIRE(first.ok());
  CHECK(first->valid);
  CHECK(first->file_count == 1);  // files under include dirs are dependencies, not targets
  CHECK(validate_directory(options)->cache_hit);

  // The dependency under -I changes: the importer is validated again.
  write_file(dir / "inc/acme/money.proto",
             "syntax = \"proto3\";\npackage acme;\nmessage Cash { int64 units = 1; }\n");
  auto changed = validate_directory(options);
  REQUIRE(changed.ok());
  CHECK_FALSE(changed->cache_hit);
  CHECK_FALSE(changed->valid);
  CHECK(lines(changed->diagnostics) ==
        std::vector<std::string>{"acme/user.proto:4:16: \"acme.Money\" is not defined."});

  // The same dependency fetched instead of read from disk is another key, and valid.
  options.include_dirs.clear();
  options.extra_dependencies = {{"acme/money.proto", kMoney}};
  auto fetched = validate_directory(options);
  REQUIRE(fetched.ok());
  CHECK_FALSE(fetched->cache_hit);
  CHECK(fetched->valid);
  CHECK(validate_directory(options)->cache_hit);
}

TEST_CASE("validate_directory_without_a_cache_dir_or_with_a_damaged_cache_recomputes") {
  TempDir dir;
  write_old(dir / "src/acme/money.proto", kMoney);
  DirectoryValidationOptions options;
  options.dir = (dir / "src").string();

  // No cache dir: never a hit, nothing written.
  CHECK_FALSE(validate_directory(options)->cache_hit);
  CHECK_FALSE(validate_directory(options)->cache_hit);

  options.cache_dir = (dir / "cache").string();
  REQUIRE(validate_directory(options).ok());
  REQUIRE(validate_directory(options)->cache_hit);
  // Damage every stored result: the next run validates again and repairs the entry.
  int damaged = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir / "cache/validate/results")) {
    write_file(e.path(), "{not json");
    ++damaged;
  }
  CHECK(damaged == 1);
  auto recomputed = validate_directory(options);
  REQUIRE(recomputed.ok());
  CHECK_FALSE(recomputed->cache_hit);
  CHECK(recomputed->valid);
  CHECK(validate_directory(options)->cache_hit);
}

TEST_CASE("validate_directory_rejects_a_missing_dir_and_a_tree_without_protos") {
  TempDir dir;
  DirectoryValidationOptions options;
  options.dir = (dir / "nope").string();
  auto missing = validate_directory(options);
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == Code::kNotFound);

  write_file(dir / "empty/README.md", "no protos here\n");
  options.dir = (dir / "empty").string();
  auto empty = validate_directory(options);
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == Code::kInvalidArgument);
}

// ---- stored descriptors ------------------------------------------------------------------------

namespace {

const char* kStoredLib = R"(syntax = "proto2";
package lib;
import "google/protobuf/descriptor.proto";
option java_package = "com.example.lib";
option go_package = "example.com/lib";

extend google.protobuf.FieldOptions { optional string label = 50001; }
extend google.protobuf.MessageOptions { optional int32 weight = 50002 [default = 3]; }

// Defaults of every kind.
message Defaults {
  optional int32 count = 1 [default = -7];
  optional string name = 2 [ default =  "x y" , deprecated = true ];
  optional Color color = 3 [default = GREEN];
  optional double ratio = 4 [default = inf];
  optional bytes raw = 5 [default = "\001\002"];
  optional bool on = 6 [default=true];
	optional float tabbed = 7 [default	=	1.5];
  enum Color { RED = 0; GREEN = 1; }
  extensions 100 to 199;
}
extend Defaults { optional int64 big_ext = 100 [default = 12]; }
)";

const char* kStoredApp = R"(syntax = "proto3";
package app;
import "lib/options.proto";
import "google/protobuf/timestamp.proto";
option java_multiple_files = true;
option optimize_for = SPEED;

// The thing.
message Thing {
  option deprecated = true;
  option (lib.weight) = 5;
  string user_name = 1 [(lib.label) = "who", json_name = "userName"];  // same as the default
  string __odd_Name_2x = 2;
  optional int64 maybe = 3;
  google.protobuf.Timestamp at = 4;
  map<string, Thing> children = 5;
  oneof pick {
    string a_b = 6;
    int32 c_d = 7 [json_name = "custom", deprecated = true];
  }
  reserved 10 to 12;
  reserved "gone";
}

enum Mode {
  option allow_alias = true;
  MODE_UNSPECIFIED = 0;
  MODE_ON = 1;
  MODE_ALSO_ON = 1 [deprecated = true];
}

service Api {
  option deprecated = true;
  // Gets one.
  rpc Get(Thing) returns (Thing) { option idempotency_level = NO_SIDE_EFFECTS; }
  rpc Stream(stream Thing) returns (stream Thing);
}
)";

std::vector<FileInput> stored_inputs() {
  return {{"app/app.proto", kStoredApp}, {"lib/options.proto", kStoredLib}};
}

SourceLookup lookup_in(const std::vector<FileInput>& files) {
  return [&files](const std::string& path) -> const std::string* {
    for (const auto& f : files) {
      if (f.path == path) return &f.content;
    }
    return nullptr;
  };
}

std::string stored_of(const std::vector<FileInput>& files) {
  SchemaOptions options;
  options.interpreted_source_info = true;
  SchemaResult r = build_schema(files, {}, options);
  REQUIRE(r.valid());
  auto stored = stored_descriptor_set(*r.schema, lookup_in(files));
  REQUIRE_MESSAGE(stored.ok(), stored.status().to_string());
  return stored.value();
}

std::vector<std::string> target_paths(const std::vector<FileInput>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

}  // namespace

TEST_CASE("stored_descriptor_gives_the_descriptor_set_protoc_writes") {
  auto files = stored_inputs();
  std::string stored = stored_of(files);
  for (bool info : {false, true}) {
    CAPTURE(info);
    auto out = output_descriptor_set(stored, info);
    REQUIRE(out.ok());
    std::string expected = protoc_descriptor_set(files, info);
    google::protobuf::FileDescriptorSet ours, theirs;
    REQUIRE(ours.ParseFromString(out.value()));
    REQUIRE(theirs.ParseFromString(expected));
    REQUIRE(ours.file_size() == theirs.file_size());
    for (int i = 0; i < ours.file_size(); ++i) {
      CAPTURE(theirs.file(i).name());
      CHECK_MESSAGE(ours.file(i).SerializeAsString() == theirs.file(i).SerializeAsString(),
                    "stored:\n"
                        << ours.file(i).DebugString() << "\nprotoc:\n"
                        << theirs.file(i).DebugString());
    }
    CHECK(out.value() == expected);
  }
}

TEST_CASE("a_schema_loaded_from_its_stored_descriptor_is_the_one_linking_gives") {
  auto files = stored_inputs();
  std::string stored = stored_of(files);
  auto bytes = std::make_shared<const std::string>(stored);

  // As protoc links: the same descriptor set, and the same files in the same order.
  auto loaded = load_stored_schema(bytes, target_paths(files));
  REQUIRE_MESSAGE(loaded.ok(), loaded.status().to_string());
  SchemaResult parsed = build_schema(files);
  REQUIRE(parsed.valid());
  CHECK(loaded.value()->target_files() == parsed.schema->target_files());
  CHECK(loaded.value()->linked_files() == parsed.schema->linked_files());
  CHECK(descriptor_set(*loaded.value(), true).SerializeAsString() ==
        protoc_descriptor_set(files, true));
  CHECK(descriptor_set(*loaded.value(), false).SerializeAsString() ==
        descriptor_set(*parsed.schema, false).SerializeAsString());
  CHECK(loaded.value()->source_info("google/protobuf/timestamp.proto") == nullptr);
  CHECK_FALSE(loaded.value()->built_for_code_generation());

  // As a comparison links: as protoc locates, but default values at their `default` keyword as
  // buf reports them.
  SchemaOptions as_buf;
  as_buf.interpreted_source_info = true;
  auto compared = load_stored_schema(bytes, target_paths(files), as_buf, lookup_in(files));
  REQUIRE(compared.ok());
  google::protobuf::FileDescriptorSet protoc_set;
  REQUIRE(protoc_set.ParseFromString(protoc_descriptor_set(files, true)));
  for (const auto& f : files) {
    CAPTURE(f.path);
    const google::protobuf::SourceCodeInfo* loaded_info = compared.value()->source_info(f.path);
    REQUIRE(loaded_info != nullptr);
    auto it = std::find_if(protoc_set.file().begin(), protoc_set.file().end(),
                           [&](const auto& p) { return p.name() == f.path; });
    REQUIRE(it != protoc_set.file().end());
    google::protobuf::SourceCodeInfo expected = it->source_code_info();
    proto_internal::locate_defaults_at_keyword(f.content, expected);
    CHECK(loaded_info->SerializeAsString() == expected.SerializeAsString());
    if (f.path == "lib/options.proto") {
      CHECK(expected.SerializeAsString() != it->source_code_info().SerializeAsString());
    }
  }

  // Locations are read from the stored bytes as they are from the messages: each path's first.
  proto_internal::SchemaLocations stored_locations(*loaded.value());
  for (const auto& f : protoc_set.file()) {
    if (f.name().starts_with("google/protobuf/")) continue;
    CAPTURE(f.name());
    const auto* fd = loaded.value()->file(f.name());
    std::set<std::vector<int>> seen;
    for (const auto& l : f.source_code_info().location()) {
      std::vector<int> path(l.path().begin(), l.path().end());
      if (!seen.insert(path).second) continue;
      auto found = stored_locations.find(fd, path);
      REQUIRE(found.has_value());
      auto expected = proto_internal::span_of(l);
      REQUIRE(expected.has_value());
      CHECK(found->span->start_line == expected->start_line);
      CHECK(found->span->start_column == expected->start_column);
      CHECK(found->span->end_line == expected->end_line);
      CHECK(found->span->end_column == expected->end_column);
      CHECK(found->leading_comments == l.leading_comments());
      CHECK(found->trailing_comments == l.trailing_comments());
    }
    CHECK(seen.size() > 10);
  }

  // For code generation: the well-known types in the schema's own pool, source info in it.
  SchemaOptions for_generation;
  for_generation.for_code_generation = true;
  auto generating = load_stored_schema(bytes, target_paths(files), for_generation);
  REQUIRE(generating.ok());
  CHECK(generating.value()->built_for_code_generation());
  const auto* timestamp = generating.value()->file("google/protobuf/timestamp.proto");
  REQUIRE(timestamp != nullptr);
  CHECK(timestamp->pool() == &generating.value()->pool());
  google::protobuf::FileDescriptorProto with_info;
  generating.value()->file("app/app.proto")->CopySourceCodeInfoTo(&with_info);
  CHECK(with_info.source_code_info().location_size() > 10);
  CHECK(approximate_size(*generating.value()) > stored.size());
}

TEST_CASE("damaged_stored_descriptors_are_refused") {
  std::string stored = stored_of(stored_inputs());
  for (const std::string& bad :
       {std::string("not a descriptor set"), stored.substr(0, stored.size() / 2),
        std::string("\x0a\x05\x0a\x03"
                    "a.p",
                    6)}) {
    auto loaded = load_stored_schema(std::make_shared<const std::string>(bad), {"app/app.proto"});
    REQUIRE_FALSE(loaded.ok());
    CHECK(loaded.status().reason() == "invalid_stored_descriptor");
  }
  CHECK(output_descriptor_set("\x0a\xff", true).status().reason() == "invalid_stored_descriptor");
  // A set that does not hold the targets it is loaded for.
  auto elsewhere =
      load_stored_schema(std::make_shared<const std::string>(stored), {"other/missing.proto"});
  CHECK(elsewhere.status().reason() == "invalid_stored_descriptor");
  // Written only from a schema whose options are interpreted.
  SchemaResult raw = build_schema(stored_inputs());
  REQUIRE(raw.valid());
  CHECK(stored_descriptor_set(*raw.schema, {}).status().code() == Code::kInvalidArgument);
}
