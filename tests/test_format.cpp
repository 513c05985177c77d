// The .proto formatter: buf's formatter conformance cases (../shared/conformance/buf-format) byte
// for byte, formatted files as fixed points with the same meaning as their sources, the edge cases
// of comments, sorting and literals, and rejections of input that does not parse.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/stubs/logging.h>
#include <google/protobuf/util/message_differencer.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "spoke/format.h"
#include "spoke/schema.h"
#include "support/doctest.h"
#include "support/test_support.h"

namespace fs = std::filesystem;
using spoke::testing::read_file;

namespace {

fs::path corpus_dir() {
  const char* shared = std::getenv("SPOKE_SHARED_DIR");
  fs::path base = shared != nullptr && *shared != '\0'
                      ? fs::path(shared)
                      : fs::path(__FILE__).parent_path().parent_path().parent_path() / "shared";
  return base / "conformance" / "buf-format";
}

std::string format_ok(std::string_view in) {
  auto r = spoke::format_proto(in, "test.proto");
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  return r.value();
}

// The diagnostic of a rejected input as "line:column: message".
std::string rejection(std::string_view in) {
  auto r = spoke::format_proto(in, "bad.proto");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().code() == spoke::Code::kInvalidArgument);
  CHECK(r.status().reason() == "proto_syntax_error");
  REQUIRE(r.status().diagnostics().size() == 1);
  const spoke::Diagnostic& d = r.status().diagnostics()[0];
  CHECK(d.file == "bad.proto");
  return std::to_string(d.line) + ":" + std::to_string(d.column) + ": " + d.message;
}

// `content` linked on its own (with the well-known types) as a FileDescriptorProto without
// source info; false with the reason when it does not link.
bool describe(const std::string& path, const std::string& content,
              google::protobuf::FileDescriptorProto* out, std::string* why) {
  spoke::SchemaOptions options;
  options.warn_unused_imports = false;
  options.threads = 1;
  google::protobuf::LogSilencer quiet;  // libprotobuf's "No syntax specified" warnings
  auto result = spoke::build_schema({{path, content}}, {}, options);
  if (!result.valid()) {
    for (const auto& d : result.diagnostics) {
      if (d.severity == spoke::Severity::kError) *why += spoke::format_diagnostic(d) + "; ";
    }
    return false;
  }
  if (!result.schema->to_proto(path, false, out)) return false;
  // Sorting imports reorders the dependency list, which means nothing: compare it sorted, with
  // the public and weak imports named instead of indexed.
  std::vector<std::string> deps(out->dependency().begin(), out->dependency().end());
  std::vector<std::string> public_deps, weak_deps;
  for (int i : out->public_dependency()) public_deps.push_back(deps[static_cast<std::size_t>(i)]);
  for (int i : out->weak_dependency()) weak_deps.push_back(deps[static_cast<std::size_t>(i)]);
  std::sort(deps.begin(), deps.end());
  std::sort(public_deps.begin(), public_deps.end());
  std::sort(weak_deps.begin(), weak_deps.end());
  out->clear_dependency();
  out->clear_public_dependency();
  out->clear_weak_dependency();
  for (const auto& d : deps) out->add_dependency("import " + d);
  for (const auto& d : public_deps) out->add_dependency("import public " + d);
  for (const auto& d : weak_deps) out->add_dependency("import weak " + d);
  return true;
}

std::vector<std::string> conformance_cases() {
  std::vector<std::string> out;
  fs::path cases = corpus_dir() / "cases";
  for (const auto& e : fs::recursive_directory_iterator(cases)) {
    if (e.path().extension() == ".proto") out.push_back(fs::relative(e.path(), cases).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

// ---- buf's conformance corpus ------------------------------------------------------------------

TEST_CASE("every_conformance_case_formats_to_the_bytes_buf_prints") {
  if (!fs::is_directory(corpus_dir() / "cases")) {
    std::cout << "SKIP every_conformance_case_formats_to_the_bytes_buf_prints: "
              << corpus_dir().string()
              << " is absent (the formatter cases live in ../shared beside the repository)\n";
    return;
  }
  auto cases = conformance_cases();
  REQUIRE(cases.size() == 58);
  int identical = 0;
  for (const auto& name : cases) {
    CAPTURE(name);
    std::string source = read_file(corpus_dir() / "cases" / name);
    std::string expected = read_file(corpus_dir() / "expected" / name);
    auto formatted = spoke::format_proto(source, name);
    REQUIRE_MESSAGE(formatted.ok(), formatted.status().to_string());
    CHECK(formatted.value() == expected);
    if (formatted.value() == expected) ++identical;
  }
  std::cout << identical << " of " << cases.size() << " conformance cases byte-identical\n";
}

TEST_CASE("every_expected_conformance_output_is_a_fixed_point") {
  if (!fs::is_directory(corpus_dir() / "expected")) {
    std::cout << "SKIP every_expected_conformance_output_is_a_fixed_point: "
              << corpus_dir().string() << " is absent\n";
    return;
  }
  for (const auto& name : conformance_cases()) {
    CAPTURE(name);
    std::string expected = read_file(corpus_dir() / "expected" / name);
    auto again = spoke::format_proto(expected, name);
    REQUIRE_MESSAGE(again.ok(), again.status().to_string());
    CHECK(again.value() == expected);
  }
}

TEST_CASE("formatting_a_conformance_case_keeps_its_descriptor") {
  if (!fs::is_directory(corpus_dir() / "cases")) {
    std::cout << "SKIP formatting_a_conformance_case_keeps_its_descriptor: "
              << corpus_dir().string() << " is absent\n";
    return;
  }
  int compared = 0;
  for (const auto& name : conformance_cases()) {
    CAPTURE(name);
    std::string source = read_file(corpus_dir() / "cases" / name);
    google::protobuf::FileDescriptorProto before, after;
    std::string why;
    if (!describe(name, source, &before, &why)) {
      // Several cases import files the corpus does not carry (custom.proto) or are invalid on
      // purpose; only the grammar matters to the formatter.
      std::cout << "not linked, descriptor not compared: " << name << ": " << why << "\n";
      continue;
    }
    std::string formatted = format_ok(source);
    std::string why_after;
    REQUIRE_MESSAGE(describe(name, formatted, &after, &why_after), why_after);
    google::protobuf::util::MessageDifferencer differ;
    std::string report;
    differ.ReportDifferencesToString(&report);
    CHECK_MESSAGE(differ.Compare(before, after), report);
    ++compared;
  }
  std::cout << compared << " conformance cases linked and compared as descriptors\n";
  CHECK(compared >= 20);
}

// ---- layout ------------------------------------------------------------------------------------

TEST_CASE("a_file_formats_to_canonical_spacing_and_one_final_newline") {
  CHECK(format_ok("syntax=\"proto3\";package  a.b;\nmessage   M{int32 x=1;// trailing\n"
                  "map<string,int32> m = 2 [deprecated=true];}") ==
        "syntax = \"proto3\";\npackage a.b;\nmessage M {\n  int32 x = 1; // trailing\n"
        "  map<string, int32> m = 2 [deprecated = true];\n}\n");
}

TEST_CASE("an_empty_file_stays_empty_and_a_bom_is_dropped") {
  CHECK(format_ok("") == "");
  CHECK(format_ok("\n\n  \n") == "");
  CHECK(format_ok("\xEF\xBB\xBFsyntax = \"proto3\";") == "syntax = \"proto3\";\n");
}

TEST_CASE("a_file_never_starts_with_a_blank_line") {
  CHECK(format_ok("\n\n\nmessage A {}\n") == "message A {}\n");
  CHECK(format_ok("\n\n// c\nmessage A {}\n") == "// c\nmessage A {}\n");
}

TEST_CASE("imports_sort_by_their_text_keeping_duplicates_and_modifiers") {
  // buf 1.75 sorts imports by the quoted text, stably: `public` and `weak` do not reorder them,
  // and a repeated import is kept.
  CHECK(format_ok("syntax = \"proto3\";\nimport weak \"b.proto\";\nimport \"b.proto\";\n"
                  "import public \"b.proto\";\nimport 'a.proto';\nimport \"a.proto\";\n") ==
        "syntax = \"proto3\";\n\nimport \"a.proto\";\nimport weak \"b.proto\";\n"
        "import \"b.proto\";\nimport public \"b.proto\";\nimport 'a.proto';\n");
}

TEST_CASE("file_options_sort_plain_before_custom_then_by_name") {
  CHECK(format_ok("syntax = \"proto3\";\noption (my.opt) = 1;\noption java_package = \"x\";\n"
                  "option go_package = \"y\";\noption (a.opt).f = 2;\n") ==
        "syntax = \"proto3\";\n\noption go_package = \"y\";\noption java_package = \"x\";\n"
        "option (a.opt).f = 2;\noption (my.opt) = 1;\n");
}

TEST_CASE("detached_comments_stay_in_place_when_declarations_are_sorted") {
  CHECK(format_ok("syntax = \"proto3\"; // s\n\n// detached\n\n// attached\nimport \"b.proto\";\n"
                  "import \"a.proto\";\n") ==
        "syntax = \"proto3\"; // s\n\n// detached\n\nimport \"a.proto\";\n// attached\n"
        "import \"b.proto\";\n");
  // An option written after a message moves up; the comments detached from both stay first.
  CHECK(format_ok("syntax = \"proto3\";\n\n// d0\n\nmessage M {}\n\n// d1\n\n"
                  "option java_package = \"x\";\n") ==
        "syntax = \"proto3\";\n\n// d0\n\n// d1\n\noption java_package = \"x\";\n\n"
        "message M {}\n");
}

TEST_CASE("a_commented_declaration_gets_no_blank_line_the_source_does_not_have") {
  CHECK(format_ok("message A {}\n// about B\nmessage B {}\n") ==
        "message A {}\n// about B\nmessage B {}\n");
  CHECK(format_ok("syntax = \"proto3\";\n// c\nmessage A {}\n") ==
        "syntax = \"proto3\";\n\n// c\nmessage A {}\n");
}

TEST_CASE("message_literals_use_braces_colons_and_no_separators") {
  CHECK(format_ok("syntax = \"proto2\";\nmessage M {\n"
                  "  option (o) = <a: 1, b: 2; c <d: 3>>;\n"
                  "  optional int32 f = 1 [(p) = {x: [1, 2], y: {z: \"w\"}}];\n}\n") ==
        "syntax = \"proto2\";\n\nmessage M {\n  option (o) = {\n    a: 1\n    b: 2\n"
        "    c: {d: 3}\n  };\n  optional int32 f = 1 [(p) = {\n    x: [\n      1,\n      2\n"
        "    ]\n    y: {z: \"w\"}\n  }];\n}\n");
}

TEST_CASE("a_comment_on_a_dropped_separator_moves_to_the_value") {
  CHECK(format_ok("option (o) = {\n  a: [], // on the comma\n  b: {c: 1}, // also\n};\n") ==
        "option (o) = {\n  a: [] /* on the comma */\n  b: {c: 1} /* also */\n};\n");
}

TEST_CASE("block_comments_are_reindented_and_empty_statements_keep_their_comments") {
  CHECK(format_ok("syntax = \"proto3\";\n\n/*\n     * one\n     *   two\n     */\nmessage M {}\n\n"
                  "enum E {\n  E_0 = 0; ; // after an empty statement\n}\n") ==
        "syntax = \"proto3\";\n\n/*\n * one\n *   two\n */\nmessage M {}\n\n"
        "enum E {\n  E_0 = 0;\n  // after an empty statement\n}\n");
}

TEST_CASE("compound_strings_and_compact_options_break_as_buf_breaks_them") {
  CHECK(format_ok("message M {\n  string s = 1 [(a) = \"x\" \"y\", (b) = true];\n}\n") ==
        "message M {\n  string s = 1 [\n    (a) =\n      \"x\"\n      \"y\",\n"
        "    (b) = true\n  ];\n}\n");
}

TEST_CASE("services_streams_and_groups_format") {
  CHECK(
      format_ok("service S{rpc R(stream A)returns(stream B){option deprecated=true;};"
                "rpc Q(.a.A) returns (B);}\nmessage M{optional group G=1{optional int32 x=1;}}") ==
      "service S {\n  rpc R(stream A) returns (stream B) {\n    option deprecated = true;\n"
      "  }\n  rpc Q(.a.A) returns (B);\n}\nmessage M {\n  optional group G = 1 {\n"
      "    optional int32 x = 1;\n  }\n}\n");
}

TEST_CASE("arrays_of_messages_close_on_their_own_line") {
  CHECK(format_ok("option (x) = {\n  foo: [{a: 1}, {b: 2}]\n  bar: [\n {a: 1}]\n};\n") ==
        "option (x) = {\n  foo: [\n    {a: 1},\n    {b: 2}\n  ]\n  bar: [\n    {a: 1}\n  ]\n};\n");
}

TEST_CASE("a_comment_after_a_literals_brace_moves_inside_it") {
  // After the '{' of a message literal the comment goes to the first line inside; after the '['
  // of an array or of compact options, and after a body's '{', it stays.
  CHECK(
      format_ok(
          "message M {\n  int32 a = 1 [ // c1\n    deprecated = true\n  ];\n}\n"
          "option (x) = { // c3\n  r: [ // c4\n    1, 2\n  ]\n  s { // c5\n    t: 1\n  }\n};\n") ==
      "option (x) = {\n  // c3\n  r: [ // c4\n    1,\n    2\n  ]\n  s: {\n    // c5\n    t: 1\n"
      "  }\n};\nmessage M {\n  int32 a = 1 [ // c1\n    deprecated = true\n  ];\n}\n");
}

TEST_CASE("only_a_definition_right_after_syntax_gets_a_blank_line_forced") {
  CHECK(format_ok("syntax = \"proto3\";\nmessage A {}\n") ==
        "syntax = \"proto3\";\n\nmessage A {}\n");
  CHECK(format_ok("syntax = \"proto3\";\npackage p;\nmessage A {}\n") ==
        "syntax = \"proto3\";\npackage p;\nmessage A {}\n");
  CHECK(format_ok("message M {}\noption (x) = 1;\n") == "option (x) = 1;\nmessage M {}\n");
}

TEST_CASE("comments_after_a_semicolon_and_block_comments_inside_a_line") {
  // Every comment on the line of a ';' trails it; a block comment of several lines keeps them.
  CHECK(format_ok("message M {\n  option (x) = {a: 1} /* b\n   * more\n   */;\n"
                  "  int32 f = 1; /* x */ // y\n  int32 g = 2; /* z */ int32 h = 3;\n"
                  "  int32 i = 4; /* before the brace */ }\n") ==
        "message M {\n  option (x) = {a: 1} /* b\n   * more\n   */;\n"
        "  int32 f = 1; /* x */ // y\n  int32 g = 2; /* z */\n  int32 h = 3;\n"
        "  int32 i = 4;\n  /* before the brace */\n}\n");
}

TEST_CASE("formatting_twice_changes_nothing") {
  const char* inputs[] = {
      "syntax=\"proto2\";import \"b\";import \"a\";option (x)={a:1 b:<c:2>};message M{"
      "extensions 100 to max;reserved 1,2 to 5,\"f\";oneof o{int32 a=3;}}",
      "// lead\n\n/* block\n   comment */ enum E { A = 0 [(x) = -inf]; B = -1; }",
  };
  for (const char* in : inputs) {
    CAPTURE(in);
    std::string once = format_ok(in);
    CHECK(format_ok(once) == once);
  }
}

// ---- rejections --------------------------------------------------------------------------------

TEST_CASE("input_that_does_not_parse_is_rejected_with_its_position") {
  CHECK(rejection("syntax = \"proto3;\n") ==
        "1:10: encountered end-of-line before end of string literal");
  CHECK(rejection("message M {\n  /* never closed\n") ==
        "2:3: block comment never terminates, unexpected EOF");
  CHECK(rejection("option x = \"\\q\";") == "1:13: invalid escape sequence");
  CHECK(rejection("message M {\n  int32 a = 1 @;\n}") == "2:15: invalid character");
  CHECK(rejection("message M {\n  int32 a = 1\n}") ==
        "3:1: syntax error: unexpected '}', expecting ';'");
  CHECK(rejection("message M {\n  int32 a = 1;\n") ==
        "3:1: syntax error: unexpected end of file, expecting '}'");
  CHECK(rejection("message M { int32 a = 09; }") ==
        "1:23: invalid syntax in octal integer value: 09");
  CHECK(rejection("message M { int32 a = 1.5; }") ==
        "1:23: syntax error: unexpected float literal, expecting an integer");
  CHECK(rejection("enum E { A = 0 [] ; }") ==
        "1:17: compact options must have at least one option");
  CHECK(rejection("foo bar;") ==
        "1:1: syntax error: unexpected identifier \"foo\", expecting a top-level declaration "
        "(message, enum, service, extend, import, package, option)");
}

TEST_CASE("deep_nesting_is_rejected_instead_of_overflowing_the_stack") {
  std::string deep = "option (x) = ";
  for (int i = 0; i < 100000; ++i) deep += "{a:";
  auto r = spoke::format_proto(deep, "deep.proto");
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().reason() == "proto_syntax_error");
  CHECK(r.status().message().find("nested too deeply") != std::string::npos);
}

TEST_CASE("every_prefix_of_a_file_either_formats_or_is_rejected_with_a_position") {
  // Truncated input must never crash the formatter or make it print nonsense silently.
  const std::string file =
      "syntax = \"proto2\";\npackage p; // c\nimport public \"x.proto\";\n"
      "option (o) = {a: [1, 2] b <c: \"d\" \"e\">};\n/* b */ message M {\n"
      "  optional group G = 1 [deprecated = true] { optional int32 x = 2; }\n"
      "  map<string, M> m = 3; extensions 10 to max; reserved \"r\";\n"
      "  oneof o { string s = 4; }\n}\nenum E { A = -1; reserved 2 to 3; }\n"
      "service S { rpc R(stream M) returns (M) {} }\nextend M { optional E e = 10; }\n";
  for (std::size_t n = 0; n <= file.size(); ++n) {
    auto r = spoke::format_proto(std::string_view(file).substr(0, n), "prefix.proto");
    if (r.ok()) {
      CHECK(format_ok(r.value()) == r.value());
      continue;
    }
    CAPTURE(n);
    REQUIRE(r.status().diagnostics().size() == 1);
    CHECK(r.status().diagnostics()[0].line >= 1);
    CHECK(r.status().diagnostics()[0].column >= 1);
  }
}

// ---- several files and diffs -------------------------------------------------------------------

TEST_CASE("format_files_reports_what_changed_and_every_file_that_does_not_parse") {
  auto ok = spoke::format_files(
      {{"a.proto", "syntax = \"proto3\";\n"}, {"b.proto", "message   B {}"}}, 2);
  REQUIRE_MESSAGE(ok.ok(), ok.status().to_string());
  REQUIRE(ok->size() == 2);
  CHECK((*ok)[0].path == "a.proto");
  CHECK_FALSE((*ok)[0].changed);
  CHECK((*ok)[1].path == "b.proto");
  CHECK((*ok)[1].changed);
  CHECK((*ok)[1].content == "message B {}\n");

  auto bad = spoke::format_files(
      {{"good.proto", "message A {}"}, {"x.proto", "message {"}, {"y.proto", "enum E {"}});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().reason() == "proto_syntax_error");
  REQUIRE(bad.status().diagnostics().size() == 2);
  CHECK(bad.status().diagnostics()[0].file == "x.proto");
  CHECK(bad.status().diagnostics()[1].file == "y.proto");
}

TEST_CASE("unified_diff_has_bufs_header_and_three_lines_of_context") {
  CHECK(spoke::format_unified_diff("same\n", "same\n", "a.proto", "T").empty());
  std::string before = "1\n2\n3\n4\n5\nold\n7\n8\n9\n10\n11\n12\n13\n14\nend";
  std::string after = "1\n2\n3\n4\n5\nnew\n7\n8\n9\n10\n11\n12\n13\n14\nend\n";
  CHECK(spoke::format_unified_diff(before, after, "d/a.proto",
                                   "2024-01-01 00:00:00.000000000 +0000") ==
        "diff -u d/a.proto.orig d/a.proto\n"
        "--- d/a.proto.orig\t2024-01-01 00:00:00.000000000 +0000\n"
        "+++ d/a.proto\t2024-01-01 00:00:00.000000000 +0000\n"
        "@@ -3,7 +3,7 @@\n 3\n 4\n 5\n-old\n+new\n 7\n 8\n 9\n"
        "@@ -12,4 +12,4 @@\n 12\n 13\n 14\n-end\n\\ No newline at end of file\n+end\n");
  CHECK(spoke::format_unified_diff("", "x\n", "n.proto", "") ==
        "diff -u n.proto.orig n.proto\n--- n.proto.orig\n+++ n.proto\n@@ -0,0 +1 @@\n+x\n");
}

// ---- spoke format ------------------------------------------------------------------------------

namespace {

using spoke::testing::TempDir;

// True when the spoke binary is there to run; otherwise says why the test does nothing.
bool have_cli(const char* test) {
  const char* cli = std::getenv("SPOKE_CLI_BIN");
  if (cli != nullptr && *cli != '\0') return true;
  std::cout << "SKIP " << test << ": SPOKE_CLI_BIN is not set (a build without spoke)\n";
  return false;
}

spoke::testing::ProcessResult spoke_format(const TempDir& scratch, std::vector<std::string> args) {
  std::vector<std::string> argv = {spoke::testing::binary_from_env("SPOKE_CLI_BIN"), "format"};
  argv.insert(argv.end(), args.begin(), args.end());
  return spoke::testing::run(argv, scratch.path(), {}, scratch.str());
}

constexpr const char* kUnformatted = "syntax=\"proto3\";\nmessage   A{int32 x=1;}\n";
constexpr const char* kFormatted = "syntax = \"proto3\";\n\nmessage A {\n  int32 x = 1;\n}\n";

}  // namespace

TEST_CASE("spoke_format_prints_a_file_or_every_file_of_a_directory_in_path_order") {
  if (!have_cli("spoke_format_prints_a_file_or_every_file_of_a_directory_in_path_order")) return;
  TempDir t;
  spoke::testing::write_file(t / "tree/b/z.proto", kUnformatted);
  spoke::testing::write_file(t / "tree/a.proto", "message B {}");
  spoke::testing::write_file(t / "tree/notes.txt", "not a proto");
  auto one = spoke_format(t, {"tree/b/z.proto"});
  CHECK(one.exit_code == 0);
  CHECK(one.out == kFormatted);
  auto all = spoke_format(t, {"-dir", "tree"});
  CHECK(all.exit_code == 0);
  CHECK(all.out == std::string("message B {}\n") + kFormatted);
  auto positional = spoke_format(t, {"tree"});
  CHECK(positional.out == all.out);
  // Printing leaves the files alone.
  CHECK(read_file(t / "tree/b/z.proto") == kUnformatted);
}

TEST_CASE("spoke_format_w_rewrites_only_the_files_that_change_keeping_their_mode") {
  if (!have_cli("spoke_format_w_rewrites_only_the_files_that_change_keeping_their_mode")) return;
  TempDir t;
  spoke::testing::write_file(t / "d/ugly.proto", kUnformatted);
  spoke::testing::write_file(t / "d/fine.proto", kFormatted);
  fs::permissions(t / "d/ugly.proto",
                  fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);
  auto before = fs::last_write_time(t / "d/fine.proto");
  auto r = spoke_format(t, {"-w", "d"});
  CHECK(r.exit_code == 0);
  CHECK(r.out.empty());
  CHECK(read_file(t / "d/ugly.proto") == kFormatted);
  CHECK(fs::status(t / "d/ugly.proto").permissions() ==
        (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
  CHECK(fs::last_write_time(t / "d/fine.proto") == before);
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(t / "d")) left.push_back(e.path().filename());
  CHECK(left.size() == 2);  // no temporary file left behind
  // A second run finds nothing to do.
  auto again = spoke_format(t, {"-w", "--exit-code", "d"});
  CHECK(again.exit_code == 0);
}

TEST_CASE("spoke_format_d_prints_a_unified_diff_and_exit_code_reports_unformatted_files") {
  if (!have_cli("spoke_format_d_prints_a_unified_diff_and_exit_code_reports_unformatted_files"))
    return;
  TempDir t;
  spoke::testing::write_file(t / "d/ugly.proto", kUnformatted);
  spoke::testing::write_file(t / "d/fine.proto", kFormatted);
  auto r = spoke_format(t, {"-d", "--exit-code", "-dir", "d"});
  CHECK(r.exit_code == 100);
  CHECK(r.out.rfind("diff -u d/ugly.proto.orig d/ugly.proto\n--- d/ugly.proto.orig\t", 0) == 0);
  CHECK(r.out.find("\n+++ d/ugly.proto\t") != std::string::npos);
  CHECK(r.out.find("@@ -1,2 +1,5 @@\n-syntax=\"proto3\";\n-message   A{int32 x=1;}\n"
                   "+syntax = \"proto3\";\n+\n+message A {\n+  int32 x = 1;\n+}\n") !=
        std::string::npos);
  CHECK(r.out.find("fine.proto") == std::string::npos);
  CHECK(read_file(t / "d/ugly.proto") == kUnformatted);  // -d alone writes nothing
  auto clean = spoke_format(t, {"--exit-code", "d/fine.proto"});
  CHECK(clean.exit_code == 0);
  CHECK(clean.out == kFormatted);
}

TEST_CASE("spoke_format_fails_on_a_file_that_does_not_parse_and_on_usage_errors") {
  if (!have_cli("spoke_format_fails_on_a_file_that_does_not_parse_and_on_usage_errors")) return;
  TempDir t;
  spoke::testing::write_file(t / "d/ok.proto", kFormatted);
  spoke::testing::write_file(t / "d/bad.proto", "message A {\n  int32 x = ;\n}\n");
  auto bad = spoke_format(t, {"-w", "d"});
  CHECK(bad.exit_code == 1);
  CHECK(bad.err == "d/bad.proto:2:13: syntax error: unexpected ';', expecting an integer\n");
  CHECK(bad.out.empty());
  CHECK(read_file(t / "d/bad.proto") == "message A {\n  int32 x = ;\n}\n");
  auto missing = spoke_format(t, {"nowhere.proto"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "spoke: nowhere.proto: no such file or directory\n");
  auto both = spoke_format(t, {"d", "-dir", "d"});
  CHECK(both.exit_code == 2);
  auto unknown = spoke_format(t, {"--bogus"});
  CHECK(unknown.exit_code == 2);
}
