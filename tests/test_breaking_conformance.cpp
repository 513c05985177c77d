// buf's breaking-change cases (../shared/conformance/buf-breaking): every case that libprotobuf
// can parse must give exactly the findings buf gives, as a set of (path, line, column, rule), and
// the same messages. Cases whose files use protobuf editions are skipped, saying so.
#define DOCTEST_CONFIG_IMPLEMENT
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "spoke/breaking.h"
#include "spoke/file_tree.h"
#include "spoke/schema.h"
#include <nlohmann/json.hpp>
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
  return base / "conformance" / "buf-breaking";
}

struct CaseConfig {
  std::string root = ".";
  spoke::BreakingOptions options;
};

// The parts of a buf.yaml the cases use: version, build.roots, breaking.*.
CaseConfig read_config(const fs::path& dir) {
  CaseConfig c;
  c.options.config_version = "v1";  // buf's default without a buf.yaml
  c.options.list_changes = false;
  fs::path file = dir / "buf.yaml";
  if (!fs::exists(file)) return c;
  YAML::Node y = YAML::LoadFile(file.string());
  if (y["version"]) c.options.config_version = y["version"].as<std::string>();
  if (y["build"] && y["build"]["roots"] && y["build"]["roots"].size() > 0) {
    c.root = y["build"]["roots"][0].as<std::string>();
  }
  if (YAML::Node b = y["breaking"]) {
    auto list = [&](const char* key) {
      std::vector<std::string> out;
      if (b[key]) {
        for (const auto& n : b[key]) out.push_back(n.as<std::string>());
      }
      return out;
    };
    c.options.use = list("use");
    c.options.except = list("except");
    c.options.ignore = list("ignore");
    if (b["ignore_only"]) {
      for (const auto& kv : b["ignore_only"]) {
        for (const auto& p : kv.second) {
          c.options.ignore_only[kv.first.as<std::string>()].push_back(p.as<std::string>());
        }
      }
    }
    if (b["ignore_unstable_packages"]) {
      c.options.ignore_unstable_packages = b["ignore_unstable_packages"].as<bool>();
    }
  }
  return c;
}

bool uses_editions(const fs::path& dir) {
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().extension() != ".proto") continue;
    std::istringstream in(read_file(e.path()));
    for (std::string line; std::getline(in, line);) {
      if (line.rfind("edition", 0) == 0) return true;
    }
  }
  return false;
}

std::shared_ptr<const spoke::Schema> build(const fs::path& root) {
  auto files = spoke::read_proto_tree(root.string());
  REQUIRE_MESSAGE(files.ok(), files.status().to_string());
  spoke::SchemaOptions options;
  options.interpreted_source_info = true;
  auto result = spoke::build_schema(files.value(), {}, options);
  std::string errors;
  for (const auto& d : result.diagnostics) errors += spoke::format_diagnostic(d) + "\n";
  REQUIRE_MESSAGE(result.valid(), errors);
  return result.schema;
}

using Key = std::tuple<std::string, int, int, std::string>;
using Full = std::tuple<std::string, int, int, std::string, std::string>;

std::string show(const std::set<Full>& s) {
  std::string out;
  for (const auto& [p, l, c, t, m] : s)
    out += "  " + p + ":" + std::to_string(l) + ":" + std::to_string(c) + " " + t + " " + m + "\n";
  return out;
}

}  // namespace

TEST_CASE("every_case_of_bufs_breaking_corpus_gives_bufs_findings") {
  fs::path corpus = corpus_dir();
  std::vector<std::string> cases;
  for (const auto& e : fs::directory_iterator(corpus / "current")) {
    if (e.is_directory()) cases.push_back(e.path().filename().string());
  }
  std::sort(cases.begin(), cases.end());
  REQUIRE(cases.size() >= 40);
  int matched = 0, compared = 0, skipped = 0;
  for (const auto& name : cases) {
    CAPTURE(name);
    fs::path cur_dir = corpus / "current" / name;
    fs::path prev_dir = corpus / "previous" / name;
    if (uses_editions(cur_dir) || uses_editions(prev_dir)) {
      std::cout << "skip " << name
                << ": uses protobuf editions, which libprotobuf 3.21 cannot parse\n";
      ++skipped;
      continue;
    }
    ++compared;
    CaseConfig cur = read_config(cur_dir);
    CaseConfig prev = read_config(prev_dir);
    auto before = build(prev_dir / prev.root);
    auto after = build(cur_dir / cur.root);
    auto result = spoke::check_breaking(*before, *after, cur.options);
    REQUIRE_MESSAGE(result.ok(), result.status().to_string());

    std::set<Key> got, want;
    std::set<Full> got_full, want_full;
    for (auto f : result->findings) {
      if (!f.path.empty() && cur.root != ".") f.path = cur.root + "/" + f.path;
      got.emplace(f.path, f.start_line, f.start_column, f.type);
      got_full.emplace(f.path, f.start_line, f.start_column, f.type, f.message);
    }
    std::istringstream lines(read_file(corpus / "expected" / (name + ".json")));
    for (std::string line; std::getline(lines, line);) {
      if (line.empty()) continue;
      auto j = nlohmann::json::parse(line);
      want.emplace(j.value("path", ""), j["start_line"].get<int>(), j["start_column"].get<int>(),
                   j["type"].get<std::string>());
      want_full.emplace(j.value("path", ""), j["start_line"].get<int>(),
                        j["start_column"].get<int>(), j["type"].get<std::string>(),
                        j["message"].get<std::string>());
    }
    std::set<Full> missing, extra;
    std::set_difference(want_full.begin(), want_full.end(), got_full.begin(), got_full.end(),
                        std::inserter(missing, missing.end()));
    std::set_difference(got_full.begin(), got_full.end(), want_full.begin(), want_full.end(),
                        std::inserter(extra, extra.end()));
    CHECK_MESSAGE(got == want, "buf found, spoke did not:\n"
                                   << show(missing) << "spoke found, buf did not:\n"
                                   << show(extra));
    CHECK_MESSAGE(got_full == want_full, "messages differ:\nbuf:\n"
                                             << show(missing) << "spoke:\n"
                                             << show(extra));
    // buf exits 100 when it finds something, 0 otherwise.
    int rc = std::stoi(read_file(corpus / "expected" / (name + ".rc")));
    CHECK(rc == (result->findings.empty() ? 0 : 100));
    if (got == want && got_full == want_full) ++matched;
  }
  std::cout << matched << " of " << compared << " cases match buf exactly; " << skipped
            << " skipped (protobuf editions)\n";
  CHECK(skipped == 14);
}

int main(int argc, char** argv) {
  if (!fs::is_directory(corpus_dir() / "current")) {
    std::cout << "SKIP: " << corpus_dir().string()
              << " is absent: the breaking conformance cases live in ../shared beside the "
                 "repository\n";
    return 77;
  }
  doctest::Context context(argc, argv);
  return context.run();
}
