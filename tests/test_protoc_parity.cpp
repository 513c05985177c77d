// `spoke validate` against the real protoc on a set of broken files: the same diagnostics, at the
// same lines and columns, in the same words.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <unistd.h>

#include <algorithm>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::find_protoc;
using spoke::testing::run;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += "  " + s + "\n";
  return out;
}

struct Case {
  std::string name;
  std::map<std::string, std::string> files;     // under the import root given as -dir
  std::map<std::string, std::string> includes;  // under a second root, given as -I
  int exit_code = 1;
  std::vector<std::string> expected;  // the diagnostics both must print, in any order
};

struct Outputs {
  spoke::testing::ProcessResult protoc, spoke;
};

struct Harness {
  TempDir dir;
  std::string protoc = find_protoc();
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");

  Harness() { REQUIRE_MESSAGE(!protoc.empty(), "protoc is not on PATH; the parity tests need it"); }

  fs::path root(const Case& c) const { return dir / c.name / "proto"; }
  fs::path include_root(const Case& c) const { return dir / c.name / "include"; }

  void write(const Case& c) const {
    for (const auto& [path, content] : c.files) write_file(root(c) / path, content);
    for (const auto& [path, content] : c.includes) write_file(include_root(c) / path, content);
  }

  spoke::testing::ProcessResult run_spoke(const Case& c, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {cli, "validate", "-dir", root(c).string()};
    if (!c.includes.empty()) {
      argv.push_back("-I");
      argv.push_back(include_root(c).string());
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return run(argv, dir.path());
  }

  Outputs run_both(const Case& c) {
    write(c);
    std::vector<std::string> argv = {protoc, "-I" + root(c).string()};
    if (!c.includes.empty()) argv.push_back("-I" + include_root(c).string());
    argv.push_back("--descriptor_set_out=/dev/null");
    for (const auto& [path, _] : c.files) argv.push_back(path);  // std::map: sorted
    Outputs out;
    out.protoc = run(argv, dir.path(), {}, root(c).string());
    out.spoke = run_spoke(c);
    return out;
  }

  // protoc and spoke print the same set of lines, and that set is the expected one.
  void check(const Case& c) {
    CAPTURE(c.name);
    Outputs out = run_both(c);
    auto protoc_lines = sorted(split_lines(out.protoc.err));
    auto spoke_lines = sorted(split_lines(out.spoke.err));
    CHECK_MESSAGE(spoke_lines == protoc_lines, "protoc:\n"
                                                   << joined(protoc_lines) << "spoke:\n"
                                                   << joined(spoke_lines));
    CHECK_MESSAGE(spoke_lines == sorted(c.expected), "spoke:\n" << joined(spoke_lines));
    CHECK_MESSAGE(protoc_lines == sorted(c.expected), "protoc:\n" << joined(protoc_lines));
    CHECK_MESSAGE(out.protoc.exit_code == c.exit_code, out.protoc.err);
    CHECK_MESSAGE(out.spoke.exit_code == c.exit_code, out.spoke.err);
    CHECK(out.spoke.out.empty());
  }
};

const Case kSyntaxError = {
    "syntax_error",
    {{"a.proto", R"(syntax = "proto3";
package t;

message A {
  string name = 1
  int32 id = 2;
}

message B {
  int32 x = ;
}
)"}},
    {},
    1,
    {R"(a.proto:6:3: Expected ";".)", "a.proto:10:13: Expected field number."}};

const Case kUnknownType = {
    "unknown_type",
    {{"a.proto", R"(syntax = "proto3";
package t;

message A {
  Missing m = 1;
  repeated Other o = 2;
}
)"}},
    {},
    1,
    {R"(a.proto:5:3: "Missing" is not defined.)", R"(a.proto:6:12: "Other" is not defined.)"}};

const Case kUnknownTypeAcrossFiles = {
    "unknown_type_across_files",
    {{"common/types.proto", "syntax = \"proto3\";\npackage common;\n\nmessage Money {}\n"},
     {"svc/v1/api.proto", R"(syntax = "proto3";
package svc.v1;

import "common/types.proto";

message Charge {
  common.Money amount = 1;
  common.Mony fee = 2;
}
)"}},
    {},
    1,
    {R"(svc/v1/api.proto:8:3: "common.Mony" is not defined.)"}};

const Case kDuplicateFieldNumber = {
    "duplicate_field_number",
    {{"a.proto", R"(syntax = "proto3";
package t;

message A {
  string name = 1;
  int32 id = 1;
}
)"}},
    {},
    1,
    {R"(a.proto:6:14: Field number 1 has already been used in "t.A" by field "name".)"}};

const Case kMissingImport = {
    "missing_import",
    {{"a.proto", R"(syntax = "proto3";
package t;

import "nowhere/b.proto";

message A {
  nowhere.B b = 1;
}
)"}},
    {},
    1,
    {"nowhere/b.proto: File not found.",
     R"(a.proto:4:1: Import "nowhere/b.proto" was not found or had errors.)",
     R"(a.proto:7:3: "nowhere.B" is not defined.)"}};

const Case kImportCycle = {
    "import_cycle",
    {{"a.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"b.proto\";\n\nmessage A {}\n"},
     {"b.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"a.proto\";\n\nmessage B {}\n"}},
    {},
    1,
    {"a.proto:4:1: File recursively imports itself: a.proto -> b.proto -> a.proto",
     R"(a.proto:4:1: Import "b.proto" was not found or had errors.)",
     R"(b.proto:4:1: Import "a.proto" was not found or had errors.)"}};

const Case kReservedNumber = {"reserved_number_reuse",
                              {{"a.proto", R"(syntax = "proto3";
package t;

message A {
  reserved 2, 5 to 7;
  string name = 1;
  int32 id = 6;
}
)"}},
                              {},
                              1,
                              {R"(a.proto: Field "id" uses reserved number 6.)",
                               "a.proto: Suggested field numbers for t.A: 3"}};

const Case kReservedName = {"reserved_name_reuse",
                            {{"a.proto", R"(syntax = "proto3";
package t;

message A {
  reserved "legacy";
  string legacy = 1;
}
)"}},
                            {},
                            1,
                            {R"(a.proto:6:10: Field name "legacy" is reserved.)"}};

const Case kUnusedImport = {
    "unused_import",
    {{"a.proto", "syntax = \"proto3\";\npackage t;\n\nimport \"dep/d.proto\";\n\nmessage A {}\n"},
     {"dep/d.proto", "syntax = \"proto3\";\npackage dep;\n\nmessage D {}\n"}},
    {},
    0,
    {"a.proto:4:1: warning: Import dep/d.proto is unused."}};

// The broken file sits in a second import root, given with -I.
const Case kErrorInIncludeRoot = {
    "error_in_include_root",
    {{"main.proto", R"(syntax = "proto3";
package app;

import "vendor/lib.proto";

message Main {
  vendor.Lib lib = 1;
}
)"}},
    {{"vendor/lib.proto", R"(syntax = "proto3";
package vendor;

message Lib {
  Unknown u = 1;
}
)"}},
    1,
    {R"(vendor/lib.proto:5:3: "Unknown" is not defined.)",
     R"(main.proto:4:1: Import "vendor/lib.proto" was not found or had errors.)",
     R"(main.proto:7:3: "vendor.Lib" is not defined.)"}};

}  // namespace

TEST_CASE_FIXTURE(Harness, "syntax_error") { check(kSyntaxError); }
TEST_CASE_FIXTURE(Harness, "unknown_type") { check(kUnknownType); }
TEST_CASE_FIXTURE(Harness, "unknown_type_across_files") { check(kUnknownTypeAcrossFiles); }
TEST_CASE_FIXTURE(Harness, "duplicate_field_number") { check(kDuplicateFieldNumber); }
TEST_CASE_FIXTURE(Harness, "missing_import") { check(kMissingImport); }
TEST_CASE_FIXTURE(Harness, "import_cycle_across_two_files") { check(kImportCycle); }
TEST_CASE_FIXTURE(Harness, "reserved_number_reuse") { check(kReservedNumber); }
TEST_CASE_FIXTURE(Harness, "reserved_name_reuse") { check(kReservedName); }
TEST_CASE_FIXTURE(Harness, "valid_file_with_unused_import_warns_and_exits_0") {
  check(kUnusedImport);
}
TEST_CASE_FIXTURE(Harness, "error_in_an_extra_include_root") { check(kErrorInIncludeRoot); }

TEST_CASE_FIXTURE(Harness, "a_valid_set_prints_nothing_and_exits_0") {
  Case c = {"valid",
            {{"a.proto",
              "syntax = \"proto3\";\npackage t;\nimport \"b.proto\";\n"
              "message A { B b = 1; }\n"},
             {"b.proto", "syntax = \"proto3\";\npackage t;\nmessage B {}\n"}},
            {},
            0,
            {}};
  check(c);
}

// protoc stops at the first file that fails; spoke goes on and reports every file.
TEST_CASE_FIXTURE(Harness, "spoke_reports_every_file_where_protoc_stops_at_the_first") {
  Case c = {"every_file",
            {{"a.proto", kSyntaxError.files.at("a.proto")},
             {"b.proto", "syntax = \"proto3\";\npackage u;\n\nmessage B {\n  Missing m = 1;\n}\n"}},
            {},
            1,
            {}};
  Outputs out = run_both(c);
  auto protoc_lines = split_lines(out.protoc.err);
  auto spoke_lines = sorted(split_lines(out.spoke.err));
  CHECK(out.protoc.exit_code == 1);
  CHECK(out.spoke.exit_code == 1);
  // Everything protoc says, spoke says too, and then the errors of the next file.
  for (const auto& line : protoc_lines) {
    CHECK_MESSAGE(std::find(spoke_lines.begin(), spoke_lines.end(), line) != spoke_lines.end(),
                  line);
  }
  std::vector<std::string> expected = {R"(a.proto:6:3: Expected ";".)",
                                       "a.proto:10:13: Expected field number.",
                                       R"(b.proto:5:3: "Missing" is not defined.)"};
  CHECK_MESSAGE(spoke_lines == sorted(expected), joined(spoke_lines));
}

TEST_CASE_FIXTURE(Harness, "error_format_json_prints_one_object_per_diagnostic") {
  write(kMissingImport);
  auto r = run_spoke(kMissingImport, {"--error-format", "json"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());
  auto got = split_lines(r.out);
  std::vector<json> objects;
  for (const auto& line : got) objects.push_back(json::parse(line));
  std::vector<json> expected = {
      {{"file", "nowhere/b.proto"}, {"severity", "error"}, {"message", "File not found."}},
      {{"file", "a.proto"},
       {"line", 4},
       {"column", 1},
       {"severity", "error"},
       {"message", "Import \"nowhere/b.proto\" was not found or had errors."}},
      {{"file", "a.proto"},
       {"line", 7},
       {"column", 3},
       {"severity", "error"},
       {"message", "\"nowhere.B\" is not defined."}},
  };
  CHECK_MESSAGE(objects == expected, r.out);

  write(kUnusedImport);
  auto w = run_spoke(kUnusedImport, {"-error-format", "json"});
  CHECK(w.exit_code == 0);
  CHECK(
      w.out ==
      R"({"column":1,"file":"a.proto","line":4,"message":"Import dep/d.proto is unused.","severity":"warning"})"
      "\n");
}

TEST_CASE_FIXTURE(Harness, "error_format_github_prints_workflow_annotations") {
  write(kMissingImport);
  auto r = run_spoke(kMissingImport, {"--error-format", "github"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.empty());
  CHECK_MESSAGE(r.out ==
                    "::error file=nowhere/b.proto::File not found.\n"
                    "::error file=a.proto,line=4,col=1::Import \"nowhere/b.proto\" was not "
                    "found or had errors.\n"
                    "::error file=a.proto,line=7,col=3::\"nowhere.B\" is not defined.\n",
                r.out);

  write(kUnusedImport);
  auto w = run_spoke(kUnusedImport, {"--error-format", "github"});
  CHECK(w.exit_code == 0);
  CHECK(w.out == "::warning file=a.proto,line=4,col=1::Import dep/d.proto is unused.\n");
}

TEST_CASE_FIXTURE(Harness, "unknown_error_format_is_a_usage_error") {
  write(kSyntaxError);
  auto r = run_spoke(kSyntaxError, {"--error-format", "xml"});
  CHECK(r.exit_code == 2);
  CHECK(r.out.empty());
}
