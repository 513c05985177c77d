// End to end: the real spoke binary against a real spoke-server.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <httplib.h>
#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>
#include "support/doctest.h"

#include <nlohmann/json.hpp>

#include "support/test_support.h"

using nlohmann::json;
using spoke::testing::kExampleProto;
using spoke::testing::read_file;
using spoke::testing::run;
using spoke::testing::Server;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

namespace {

struct Fixture {
  TempDir dir;
  Server server{dir.path() / "server"};
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");

  // Runs spoke with SPOKE_REGISTRY pointing at the test server.
  spoke::testing::ProcessResult spoke(std::vector<std::string> args, const std::string& cwd = "") {
    args.insert(args.begin(), cli);
    return run(args, dir.path(), {"SPOKE_REGISTRY=" + server.url()}, cwd);
  }
};

// Runs `argv` with its standard streams on a new pseudo-terminal, `env` added to the environment;
// answers the exit code and everything the terminal showed (stdout and stderr together).
spoke::testing::ProcessResult run_on_terminal(const std::vector<std::string>& argv,
                                              const std::vector<std::string>& env) {
  int master = -1;
  pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
  REQUIRE(pid >= 0);
  if (pid == 0) {
    for (const auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  spoke::testing::ProcessResult r;
  char buf[4096];
  for (ssize_t n; (n = ::read(master, buf, sizeof buf)) > 0;) r.out.append(buf, n);
  ::close(master);
  int status = 0;
  ::waitpid(pid, &status, 0);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace

TEST_CASE_FIXTURE(Fixture, "progress_shows_on_a_terminal_and_nowhere_else") {
  write_file(dir / "common/common/ids.proto",
             "syntax = \"proto3\";\npackage common;\nmessage Id {}\n");
  write_file(dir / "api/api.proto", "syntax = \"proto3\";\nimport \"common/ids.proto\";\n");
  // No delay: every phase shows, however quick the work.
  const std::vector<std::string> env = {"SPOKE_REGISTRY=" + server.url(),
                                        "SPOKE_PROGRESS_DELAY_MS=0", "TERM=xterm",
                                        "SPOKE_CACHE_DIR=" + (dir / "cache").string()};
  const std::string kClear = "\r\033[K";
  auto push = run_on_terminal(
      {cli, "push", "-module", "common", "-version", "v1.0.0", "-dir", (dir / "common").string()},
      env);
  REQUIRE_MESSAGE(push.exit_code == 0, push.out);
  CHECK(push.out.find(kClear + "reading") != std::string::npos);
  CHECK(push.out.find(kClear + "uploading") != std::string::npos);
  CHECK(push.out.find(kClear + "validating and storing on the server") != std::string::npos);
  // The line is cleared before the result is printed.
  CHECK(push.out.find(kClear + "pushed common@v1.0.0") != std::string::npos);

  auto api = run_on_terminal({cli, "push", "-module", "api", "-version", "v1.0.0", "-dir",
                              (dir / "api").string(), "-dep", "common@v1.0.0"},
                             env);
  REQUIRE_MESSAGE(api.exit_code == 0, api.out);
  auto pull = run_on_terminal({cli, "pull", "-module", "api", "-version", "v1.0.0", "-dir",
                               (dir / "pulled").string(), "-recursive"},
                              env);
  REQUIRE_MESSAGE(pull.exit_code == 0, pull.out);
  CHECK(pull.out.find(kClear + "downloading api@v1.0.0") != std::string::npos);
  CHECK(pull.out.find(kClear + "fetching dependencies") != std::string::npos);
  CHECK(pull.out.find(kClear + "writing") != std::string::npos);
  CHECK(fs::exists(dir / "pulled/common/ids.proto"));

  auto validate = run_on_terminal(
      {cli, "validate", "-dir", (dir / "api").string(), "-dep", "common@v1.0.0"}, env);
  REQUIRE_MESSAGE(validate.exit_code == 0, validate.out);
  CHECK(validate.out.find(kClear + "parsing and linking") != std::string::npos);

  auto compile =
      run_on_terminal({cli, "compile", "-dir", (dir / "api").string(), "-dep", "common@v1.0.0",
                       "-out", (dir / "gen").string(), "-languages", "cpp,python"},
                      env);
  REQUIRE_MESSAGE(compile.exit_code == 0, compile.out);
  CHECK(compile.out.find(kClear + "generating cpp, python") != std::string::npos);

  auto remote = run_on_terminal({cli, "compile", "-module", "api", "-version", "v1.0.0", "-out",
                                 (dir / "remote").string(), "-lang", "python"},
                                env);
  REQUIRE_MESSAGE(remote.exit_code == 0, remote.out);
  CHECK(remote.out.find(kClear + "building on the registry") != std::string::npos);
  CHECK(remote.out.find("python: api@v1.0.0 built by the registry") != std::string::npos);

  // --quiet on a terminal, and any run whose stderr is not a terminal: no progress at all.
  auto quiet = run_on_terminal({cli, "pull", "-module", "api", "-version", "v1.0.0", "-dir",
                                (dir / "quiet").string(), "-recursive", "--quiet"},
                               env);
  REQUIRE_MESSAGE(quiet.exit_code == 0, quiet.out);
  CHECK(quiet.out.find("\033[K") == std::string::npos);
  CHECK(quiet.out.find("pulled api@v1.0.0") != std::string::npos);
  auto piped = run({cli, "pull", "-module", "api", "-version", "v1.0.0", "-dir",
                    (dir / "piped").string(), "-recursive"},
                   dir.path(), env);
  REQUIRE_MESSAGE(piped.exit_code == 0, piped.err);
  CHECK(piped.err.empty());
  CHECK(piped.out.find("\033") == std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "push_then_pull_gives_byte_identical_files") {
  fs::path proto = dir / "proto";
  write_file(proto / "example.proto", kExampleProto);
  write_file(proto / "nested/deep/types.proto",
             "syntax = \"proto3\";\npackage nested.deep;\n\n// caf\xc3\xa9\nmessage T {}\n");
  write_file(proto / "README.md", "not a proto");

  // The original command line, single-dash flags and all.
  auto push = spoke({"push", "-module", "example", "-version", "v1.0.0", "-dir", proto.string(),
                     "-description", "Example module"});
  REQUIRE_MESSAGE(push.exit_code == 0, push.err);
  CHECK(push.out.find("pushed example@v1.0.0 (2 files)") != std::string::npos);
  CHECK(push.out.find("digest sha256:") != std::string::npos);

  fs::path out = dir / "myproject/proto";
  auto pull = spoke({"pull", "-module", "example", "-version", "v1.0.0", "-dir", out.string()});
  REQUIRE_MESSAGE(pull.exit_code == 0, pull.err);
  CHECK(read_file(out / "example.proto") == kExampleProto);
  CHECK(read_file(out / "nested/deep/types.proto") == read_file(proto / "nested/deep/types.proto"));
  CHECK_FALSE(fs::exists(out / "README.md"));

  // Pushing the same content again is fine and says so.
  auto again =
      spoke({"push", "--module", "example", "--version", "v1.0.0", "--dir", proto.string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("already exists with identical content") != std::string::npos);

  // Changed content under the same version is refused with a one-line reason.
  write_file(proto / "example.proto", std::string(kExampleProto) + "// changed\n");
  auto conflict =
      spoke({"push", "-module", "example", "-version", "v1.0.0", "-dir", proto.string()});
  CHECK(conflict.exit_code == 1);
  CHECK(conflict.err.starts_with(
      "spoke: version example@v1.0.0 already exists with different content"));
  CHECK(std::count(conflict.err.begin(), conflict.err.end(), '\n') == 1);
  // Nothing lost.
  auto pull2 =
      spoke({"pull", "-module", "example", "-version", "latest", "-dir", (dir / "again").string()});
  CHECK(read_file(dir / "again/example.proto") == kExampleProto);
}

TEST_CASE_FIXTURE(Fixture, "push_records_git_source_info") {
  fs::path repo = dir / "repo";
  write_file(repo / "proto/example.proto", kExampleProto);
  std::string git = "git -C " + repo.string() + " ";
  REQUIRE(std::system((git + "init -q -b main && " + git +
                       "-c user.email=t@e -c user.name=t add . && " + git +
                       "-c user.email=t@e -c user.name=t commit -qm init && " + git +
                       "remote add origin https://example.com/acme/protos.git")
                          .c_str()) == 0);
  auto push = spoke({"push", "-module", "example", "-version", "v1.0.0", "-dir",
                     (repo / "proto").string(), "--json"});
  REQUIRE_MESSAGE(push.exit_code == 0, push.err);
  json j = json::parse(push.out);
  CHECK(j["created"] == true);
  CHECK(j["source_info"]["repository"] == "https://example.com/acme/protos.git");
  CHECK(j["source_info"]["branch"] == "main");
  CHECK(j["source_info"]["commit_sha"].get<std::string>().size() == 40);
  CHECK(j["files"][0]["path"] == "example.proto");
}

TEST_CASE_FIXTURE(Fixture, "listing_modules_and_versions") {
  write_file(dir / "p/example.proto", kExampleProto);
  REQUIRE(spoke({"push", "-module", "example", "-version", "v1.0.0", "-dir", (dir / "p").string()})
              .exit_code == 0);
  write_file(dir / "p/more.proto", "syntax = \"proto3\";\n");
  REQUIRE(spoke({"push", "-module", "example", "-version", "v1.2.0", "-dir", (dir / "p").string()})
              .exit_code == 0);
  auto modules = spoke({"modules"});
  REQUIRE(modules.exit_code == 0);
  CHECK(modules.out.find("example") != std::string::npos);
  CHECK(modules.out.find("v1.2.0") != std::string::npos);
  auto mj = json::parse(spoke({"modules", "--json"}).out);
  CHECK(mj["modules"][0]["version_count"] == 2);
  auto versions = spoke({"versions", "-module", "example"});
  REQUIRE(versions.exit_code == 0);
  CHECK(versions.out.find("v1.2.0") < versions.out.find("v1.0.0"));  // newest first
  auto vj = json::parse(spoke({"versions", "-module", "example", "--json"}).out);
  CHECK(vj["versions"].size() == 2);
}

TEST_CASE_FIXTURE(Fixture, "pull_recursive_writes_the_dependency_closure") {
  write_file(dir / "common/common/ids.proto",
             "syntax = \"proto3\";\npackage common;\nmessage Id {}\n");
  REQUIRE(
      spoke({"push", "-module", "common", "-version", "v1.0.0", "-dir", (dir / "common").string()})
          .exit_code == 0);
  write_file(dir / "api/api.proto", "syntax = \"proto3\";\nimport \"common/ids.proto\";\n");
  auto push = spoke({"push", "-module", "api", "-version", "v1.0.0", "-dir", (dir / "api").string(),
                     "-dep", "common@latest"});
  REQUIRE_MESSAGE(push.exit_code == 0, push.err);
  auto flat =
      spoke({"pull", "-module", "api", "-version", "v1.0.0", "-dir", (dir / "flat").string()});
  REQUIRE(flat.exit_code == 0);
  CHECK(fs::exists(dir / "flat/api.proto"));
  CHECK_FALSE(fs::exists(dir / "flat/common/ids.proto"));
  auto deep = spoke({"pull", "-module", "api", "-version", "v1.0.0", "-dir",
                     (dir / "deep").string(), "-recursive"});
  REQUIRE_MESSAGE(deep.exit_code == 0, deep.err);
  CHECK(read_file(dir / "deep/common/ids.proto") == read_file(dir / "common/common/ids.proto"));
  CHECK(deep.out.find("pulled common@v1.0.0") != std::string::npos);
}

TEST_CASE_FIXTURE(Fixture, "failures_exit_1_with_one_line_and_usage_errors_exit_2") {
  auto missing =
      spoke({"pull", "-module", "ghost", "-version", "v1.0.0", "-dir", (dir / "x").string()});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err == "spoke: module \"ghost\" not found\n");

  write_file(dir / "p/example.proto", kExampleProto);
  auto bad_name =
      spoke({"push", "-module", "Example", "-version", "v1.0.0", "-dir", (dir / "p").string()});
  CHECK(bad_name.exit_code == 1);
  CHECK(bad_name.err.starts_with("spoke: invalid module name \"Example\""));

  auto bad_version =
      spoke({"push", "-module", "example", "-version", "one", "-dir", (dir / "p").string()});
  CHECK(bad_version.exit_code == 1);
  CHECK(bad_version.err.starts_with("spoke: invalid version \"one\""));

  auto empty_dir = spoke(
      {"push", "-module", "example", "-version", "v1.0.0", "-dir", (dir / "nothing").string()});
  CHECK(empty_dir.exit_code == 1);
  CHECK(empty_dir.err.find("does not exist") != std::string::npos);

  write_file(dir / "bad/x.proto", "\xff\xfe");
  auto bad_utf8 =
      spoke({"push", "-module", "example", "-version", "v1.0.0", "-dir", (dir / "bad").string()});
  CHECK(bad_utf8.exit_code == 1);
  CHECK(bad_utf8.err.find("not valid UTF-8") != std::string::npos);

  auto unreachable = run({cli, "modules", "-registry", "http://127.0.0.1:1"}, dir.path());
  CHECK(unreachable.exit_code == 1);
  CHECK(unreachable.err.starts_with("spoke: cannot reach the registry at http://127.0.0.1:1"));
  CHECK(unreachable.err.find("connection refused or host unreachable") != std::string::npos);

  auto usage = spoke({"push", "-module", "example"});
  CHECK(usage.exit_code == 2);
  CHECK(usage.err.find("--version is required") != std::string::npos);
  CHECK(spoke({}).exit_code == 2);
  auto unknown = spoke({"frobnicate"});
  CHECK(unknown.exit_code == 2);
  CHECK(unknown.err.starts_with(
      "spoke: unknown command \"frobnicate\"; commands: push, pull, validate, lint, format, "
      "ast, breaking, diff, config, compile, languages, modules, versions, login, logout, whoami, "
      "token, audit, webhooks (run spoke --help for "
      "usage)\n"));
  CHECK(spoke({"push", "--no-such-flag"}).exit_code == 2);
  CHECK(spoke({"--help"}).exit_code == 0);

  // None of the failed pushes stored anything.
  auto listed = json::parse(spoke({"modules", "--json"}).out);
  CHECK(listed["modules"].empty());
}

TEST_CASE_FIXTURE(Fixture, "large_modules_are_sent_compressed") {
  // ~6 MB of proto text in 300 files; the server's limit is the default, the client gzips.
  for (int i = 0; i < 300; ++i) {
    std::string content = "syntax = \"proto3\";\npackage big;\n";
    for (int k = 0; k < 400; ++k)
      content += "// padding line " + std::to_string(k) + " of file " + std::to_string(i) + "\n";
    content += "message M" + std::to_string(i) + " {}\n";
    write_file(dir / ("big/f" + std::to_string(i) + ".proto"), content);
  }
  auto push =
      spoke({"push", "-module", "big", "-version", "v1.0.0", "-dir", (dir / "big").string()});
  REQUIRE_MESSAGE(push.exit_code == 0, push.err);
  auto pull =
      spoke({"pull", "-module", "big", "-version", "v1.0.0", "-dir", (dir / "big-out").string()});
  REQUIRE(pull.exit_code == 0);
  CHECK(read_file(dir / "big-out/f123.proto") == read_file(dir / "big/f123.proto"));
  // The access log shows the push arrived as one request.
  CHECK(server.log().find("\"path\":\"/modules/big/versions\"") != std::string::npos);
}
