// buf's lint cases (../shared/conformance/buf-lint): every case, linted with the buf.yaml it
// holds, must give exactly the findings buf 1.75.0 gives, as a set of (path, start line, start
// column, end line, end column, type, message), and buf's exit status. The `spoke lint` command
// is run on each case as well: its JSON lines must be buf's, byte for byte.
#define DOCTEST_CONFIG_IMPLEMENT
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "spoke/lint.h"
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
  return base / "conformance" / "buf-lint";
}

// The module root of a case: the folder that holds its buf.yaml.
fs::path module_root(const fs::path& case_dir) {
  if (fs::exists(case_dir / "buf.yaml")) return case_dir;
  for (const auto& e : fs::recursive_directory_iterator(case_dir)) {
    if (e.path().filename() == "buf.yaml") return e.path().parent_path();
  }
  return case_dir;
}

using Finding = std::tuple<std::string, int, int, int, int, std::string, std::string>;

std::string show(const std::set<Finding>& s) {
  std::string out;
  for (const auto& [p, sl, sc, el, ec, t, m] : s) {
    out += fmt::format("  {}:{}:{}-{}:{} {} {}\n", p, sl, sc, el, ec, t, m);
  }
  return out;
}

std::set<std::string> lines_of(const std::string& text) {
  std::set<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.insert(line);
  }
  return out;
}

// protoc 3.21 refuses `option allow_alias = false;` (buf accepts it): a linter built on
// libprotobuf's parser reports protoc's error for this case instead of buf's findings.
constexpr const char* kRejectedByProtoc = "enum_no_allow_alias";

}  // namespace

TEST_CASE("every_case_of_bufs_lint_corpus_gives_bufs_findings") {
  fs::path corpus = corpus_dir();
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");
  spoke::testing::TempDir scratch;
  std::vector<std::string> cases;
  for (const auto& e : fs::directory_iterator(corpus / "cases")) {
    if (e.is_directory()) cases.push_back(e.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 50);
  int matched = 0;
  for (const auto& name : cases) {
    CAPTURE(name);
    fs::path root = module_root(corpus / "cases" / name);
    std::string expected_text = read_file(corpus / "expected" / (name + ".json"));
    int expected_rc = std::stoi(read_file(corpus / "expected" / (name + ".rc")));
    spoke::LintDirectoryOptions options;
    options.dir = root.string();
    auto result = spoke::lint_directory(options);
    auto run = spoke::testing::run({cli, "lint", "-dir", root.string(), "--error-format", "json"},
                                   scratch.path());

    if (name == kRejectedByProtoc) {
      // buf reports ENUM_NO_ALLOW_ALIAS on each enum that sets allow_alias; protoc rejects the
      // file, because enum Bat declares allow_alias = false, so the files do not compile.
      REQUIRE_FALSE(result.ok());
      CHECK(result.status().reason() == "invalid_schema");
      bool protoc_error = false;
      for (const auto& d : result.status().diagnostics()) {
        protoc_error |= d.file == "a.proto" && d.line == 32 && d.column == 1 &&
                        d.message ==
                            "\"Bat\" declares 'option allow_alias = false;' which has no effect. "
                            "Please remove the declaration.";
      }
      CHECK_MESSAGE(protoc_error, result.status().to_string());
      CHECK(run.exit_code == 1);
      CHECK(run.out.find("allow_alias = false") != std::string::npos);
      CHECK(expected_rc == 100);  // what buf does, for the record
      continue;
    }

    REQUIRE_MESSAGE(result.ok(), result.status().to_string());
    std::set<Finding> got, want;
    for (const auto& f : result->findings) {
      got.emplace(f.path, f.start_line, f.start_column, f.end_line, f.end_column, f.type,
                  f.message);
    }
    for (const auto& line : lines_of(expected_text)) {
      auto j = nlohmann::json::parse(line);
      want.emplace(j.value("path", ""), j["start_line"].get<int>(), j["start_column"].get<int>(),
                   j["end_line"].get<int>(), j["end_column"].get<int>(),
                   j["type"].get<std::string>(), j["message"].get<std::string>());
    }
    std::set<Finding> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::inserter(missing, missing.end()));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::inserter(extra, extra.end()));
    CHECK_MESSAGE(got == want, "buf found, spoke did not:\n"
                                   << show(missing) << "spoke found, buf did not:\n"
                                   << show(extra));
    CHECK(expected_rc == (result->findings.empty() ? 0 : 100));
    CHECK(run.exit_code == expected_rc);
    CHECK_MESSAGE(lines_of(run.out) == lines_of(expected_text), run.out << run.err);
    if (got == want && run.exit_code == expected_rc) ++matched;
  }
  std::cout << matched << " of " << cases.size() << " cases match buf exactly; "
            << kRejectedByProtoc << " is rejected by protoc 3.21 (allow_alias = false)\n";
  CHECK(matched == static_cast<int>(cases.size()) - 1);
}

int main(int argc, char** argv) {
  if (!fs::is_directory(corpus_dir() / "cases")) {
    std::cout << "SKIP: " << corpus_dir().string()
              << " is absent: the lint conformance cases live in ../shared beside the "
                 "repository\n";
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
