#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include "spoke/model.h"

#include <algorithm>
#include "support/test_support.h"

using namespace spoke;

TEST_CASE("module_names_follow_the_rule") {
  for (const std::string& good :
       {std::string("a"), std::string("example"), std::string("acme.payments-v2_x"),
        std::string("a1"), std::string(128, 'a')}) {
    CHECK_MESSAGE(validate_module_name(good).ok(), good);
  }
  for (const char* bad :
       {"", "Example", "1abc", "-abc", "ab/c", "ab c", "ab@c", "ünï", "_a", ".a"}) {
    Status s = validate_module_name(bad);
    CHECK_MESSAGE(!s.ok(), bad);
    CHECK(s.code() == Code::kInvalidArgument);
    CHECK(s.reason() == "invalid_module_name");
    // The message states the rule.
    CHECK(s.message().find("lowercase letters, digits, '-', '_' and '.', starting with a letter") !=
          std::string::npos);
  }
  CHECK(!validate_module_name(std::string(129, 'a')).ok());
  CHECK(
      validate_module_name("Bad").message() ==
      "invalid module name \"Bad\": does not start with a lowercase letter; module names are 1 to "
      "128 characters: lowercase letters, digits, '-', '_' and '.', starting with a letter");
}

TEST_CASE("file_paths_are_relative_proto_paths") {
  for (const char* good :
       {"a.proto", "google/api/http.proto", "a/b-c/d_e.proto", "x/.hidden.proto"}) {
    CHECK_MESSAGE(validate_file_path(good).ok(), good);
  }
  struct Bad {
    const char* path;
    const char* why;
  };
  for (Bad b : {Bad{"", "empty"}, Bad{"/etc/a.proto", "absolute"}, Bad{"../a.proto", "'..'"},
                Bad{"a/../../b.proto", "'..'"}, Bad{"a\\b.proto", "backslash"},
                Bad{"a.txt", ".proto"}, Bad{"a//b.proto", "empty path segment"},
                Bad{"./a.proto", "'.'"}, Bad{".proto", ".proto"}}) {
    Status s = validate_file_path(b.path);
    CHECK_MESSAGE(!s.ok(), b.path);
    CHECK(s.reason() == "invalid_path");
    CHECK_MESSAGE(s.message().find(b.why) != std::string::npos, s.message());
  }
}

TEST_CASE("utf8_validation_rejects_malformed_sequences") {
  CHECK(is_valid_utf8("plain ascii"));
  CHECK(is_valid_utf8("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"));
  CHECK_FALSE(is_valid_utf8("\xff"));
  CHECK_FALSE(is_valid_utf8("\xc3"));              // truncated
  CHECK_FALSE(is_valid_utf8("\xc0\xaf"));          // overlong '/'
  CHECK_FALSE(is_valid_utf8("\xed\xa0\x80"));      // surrogate
  CHECK_FALSE(is_valid_utf8("\xf4\x90\x80\x80"));  // past U+10FFFF
}

TEST_CASE("validate_files_reports_every_problem") {
  std::vector<File> files = {{"a.proto", "x", "", 1},
                             {"a.proto", "y", "", 1},
                             {"../b.proto", "z", "", 1},
                             {"c.proto", "\xff", "", 1}};
  Status s = validate_files(files);
  REQUIRE(!s.ok());
  CHECK(s.code() == Code::kInvalidArgument);
  REQUIRE(s.diagnostics().size() == 3);
  CHECK(s.diagnostics()[0].message == "duplicate file path \"a.proto\"");
  CHECK(s.diagnostics()[1].file == "../b.proto");
  CHECK(s.diagnostics()[2].message == "\"c.proto\" is not valid UTF-8");
  CHECK(validate_files({}).reason() == "no_files");
  CHECK(validate_files({{"a.proto", "x", "", 1}, {"a.proto", "x", "", 1}}).reason() ==
        "duplicate_path");
  CHECK(validate_files({{"ok.proto", "\xc3", "", 1}}).reason() == "invalid_utf8");
}

TEST_CASE("version_strings_are_semver_or_commit_ids") {
  for (const char* v :
       {"v1.0.0", "1.0.0", "v0.0.1-alpha", "1.2.3-rc.1+build.5", "v10.20.30+meta"}) {
    auto r = parse_version(v);
    REQUIRE_MESSAGE(r.ok(), v);
    CHECK(r->kind == VersionId::Kind::kSemVer);
  }
  auto rc = parse_version("v1.2.3-rc.1+build.5");
  CHECK(rc->semver.major == 1);
  CHECK(rc->semver.minor == 2);
  CHECK(rc->semver.patch == 3);
  CHECK(rc->semver.prerelease == std::vector<std::string>{"rc", "1"});
  CHECK(rc->semver.build == "build.5");
  for (const char* c : {"abcdef0", "0123456789abcdef0123456789abcdef01234567"}) {
    auto r = parse_version(c);
    REQUIRE_MESSAGE(r.ok(), c);
    CHECK(r->kind == VersionId::Kind::kCommit);
  }
  for (const char* bad :
       {"", "v1", "1.0", "v1.0.0.0", "01.0.0", "1.0.0-01", "abcdef", "ABCDEF0", "latest", "1.0.0-",
        "1.0.0+", "v1.0.0-rc..1", "0123456789abcdef0123456789abcdef012345678"}) {
    auto r = parse_version(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.status().reason() == "invalid_version");
  }
}

TEST_CASE("semver_precedence_follows_the_spec") {
  // The order of semver.org section 11, ascending.
  std::vector<std::string> asc = {"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
                                  "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
                                  "1.0.0-rc.1",  "1.0.0",         "1.0.1",
                                  "1.1.0",       "2.0.0",         "10.0.0"};
  for (std::size_t i = 0; i + 1 < asc.size(); ++i) {
    auto a = parse_version(asc[i]), b = parse_version(asc[i + 1]);
    CHECK_MESSAGE(compare_semver(a->semver, b->semver) < 0, (asc[i] + " < " + asc[i + 1]));
    CHECK(compare_semver(b->semver, a->semver) > 0);
  }
  CHECK(compare_semver(parse_version("v1.0.0+a")->semver, parse_version("1.0.0+b")->semver) == 0);
}

TEST_CASE("latest_is_the_highest_release") {
  std::vector<VersionRef> refs = {
      {"v1.0.0", "", 0, 1}, {"v2.0.0-rc.1", "", 0, 2}, {"v1.5.0", "", 0, 3}, {"abcdef1", "", 0, 4}};
  CHECK(pick_latest(refs)->version == "v1.5.0");

  SUBCASE("pre_releases_only_when_there_is_no_release") {
    std::vector<VersionRef> pre = {
        {"v1.0.0-alpha", "", 0, 1}, {"v1.0.0-beta", "", 0, 2}, {"abcdef1", "", 0, 3}};
    CHECK(pick_latest(pre)->version == "v1.0.0-beta");
  }
  SUBCASE("commit_ids_order_by_push_time") {
    std::vector<VersionRef> commits = {
        {"bbbbbbb", "", 0, 1}, {"aaaaaaa", "", 0, 3}, {"ccccccc", "", 0, 2}};
    CHECK(pick_latest(commits)->version == "aaaaaaa");
  }
  CHECK_FALSE(pick_latest({}).has_value());
}

TEST_CASE("versions_sort_newest_first") {
  std::vector<VersionRef> refs = {{"v1.0.0", "", 0, 1},      {"0000001", "", 0, 2},
                                  {"v2.0.0-rc.1", "", 0, 3}, {"v1.10.0", "", 0, 4},
                                  {"0000002", "", 0, 5},     {"v1.2.0", "", 0, 6}};
  sort_newest_first(refs);
  std::vector<std::string> order;
  for (const auto& r : refs) order.push_back(r.version);
  CHECK(order == std::vector<std::string>{"v2.0.0-rc.1", "v1.10.0", "v1.2.0", "v1.0.0", "0000002",
                                          "0000001"});
}

TEST_CASE("version_digest_covers_sorted_manifest_and_dependency_digests") {
  File f{"example.proto", spoke::testing::kExampleProto, "", 0};
  f.digest = content_digest(f.content);
  CHECK(f.digest == "sha256:a525b975c030becb25f629820994c31e56b2c4030118b7a5931d28a9dbba7d46");
  // sha256 of "sha256:a525…7d46  example.proto\n"
  CHECK(compute_version_digest({f}, {}) ==
        "sha256:30c432b58841dca4cb1ea75390e0027d668b75c8b281b36c08668a567e2d93aa");

  // Files sorted by path, dependency digests sorted, one per line (order of input irrelevant).
  File a{"a/a.proto", "a", content_digest("a"), 1};
  File b{"b.proto", "b", content_digest("b"), 1};
  std::vector<Dependency> deps = {{"y", "v1.0.0", "sha256:ff"}, {"x", "v1.0.0", "sha256:00"}};
  CHECK(compute_version_digest({b, a}, deps) ==
        "sha256:ea43722c619b1af2907d1aceb2679f06d51d67e1dc6c7754928f8b92ac6c6a9f");
  CHECK(compute_version_digest({a, b}, {deps[1], deps[0]}) == compute_version_digest({b, a}, deps));
  // A different dependency digest changes the version digest.
  CHECK(compute_version_digest({a, b}, {{"x", "v1.0.0", "sha256:01"}}) !=
        compute_version_digest({a, b}, {{"x", "v1.0.0", "sha256:00"}}));
}

TEST_CASE("dependency_specs_parse_module_at_version") {
  auto ok = parse_dependency_spec("acme.common@v1.2.3");
  REQUIRE(ok.ok());
  CHECK(ok->first == "acme.common");
  CHECK(ok->second == "v1.2.3");
  CHECK(parse_dependency_spec("acme@latest")->second == "latest");
  for (const char* bad : {"acme", "@v1.0.0", "acme@", "Acme@v1.0.0", "acme@v1"}) {
    auto r = parse_dependency_spec(bad);
    CHECK_MESSAGE(!r.ok(), bad);
    if (!r.ok()) CHECK(r.status().reason() == "invalid_dependency");
  }
}

TEST_CASE("timestamps_render_as_rfc3339_utc") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(1795449002123) == "2026-11-23T15:50:02.123Z");
}

TEST_CASE("version_order_keys_sort_as_sort_newest_first") {
  std::vector<std::string> names = {"v1.0.0",         "1.0.1",
                                    "v1.0.0-rc.1",    "v1.0.0-rc.2",
                                    "v1.0.0-rc.10",   "v1.0.0-alpha",
                                    "v1.0.0-alpha.1", "v1.0.0-alpha.beta",
                                    "v1.0.0-beta",    "v1.0.0-1",
                                    "v1.0.0-10",      "v10.0.0",
                                    "v2.0.0",         "v0.0.1",
                                    "abcdef1",        "1234567",
                                    "v1.0.0-alpha-1", "v18446744073709551615.0.0",
                                    "v1.1.0+build.7", "v1.1.0+build.8"};
  std::vector<spoke::VersionRef> refs;
  std::int64_t seq = 0;
  for (const auto& n : names) refs.push_back({n, "", 0, ++seq});
  auto expected = refs;
  spoke::sort_newest_first(expected);
  auto keyed = refs;
  std::sort(keyed.begin(), keyed.end(), [](const spoke::VersionRef& a, const spoke::VersionRef& b) {
    auto ka = spoke::version_order_key(*spoke::parse_version(a.version));
    auto kb = spoke::version_order_key(*spoke::parse_version(b.version));
    return ka != kb ? ka > kb : a.sequence > b.sequence;
  });
  std::vector<std::string> want, got;
  for (const auto& r : expected) want.push_back(r.version);
  for (const auto& r : keyed) got.push_back(r.version);
  CHECK(got == want);
  for (const auto& n : names) {
    for (char c : spoke::version_order_key(*spoke::parse_version(n))) {
      CHECK((c >= '!' && c <= '~'));
    }
  }
}
