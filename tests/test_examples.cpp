// The examples, run as a user would run them: examples/build_tool against a real spoke-server.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include "spoke/remote_registry.h"
#include "support/test_support.h"

using namespace spoke;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;

TEST_CASE("build_tool_generates_code_for_a_workspace_whose_deps_come_from_a_registry") {
  TempDir dir;
  spoke::testing::Server server(dir / "server");
  RemoteRegistry remote({server.url()});
  PushRequest p;
  p.module = "common";
  p.version = "v1.0.0";
  p.files = {
      {"acme/common/v1/money.proto",
       "syntax = \"proto3\";\npackage acme.common.v1;\nmessage Money { int64 units = 1; }\n"}};
  REQUIRE(remote.push(p).ok());

  write_file(dir / "api/spoke.yaml", "deps:\n  - common@v1.0.0\n");
  write_file(dir / "api/acme/api/v1/invoice.proto",
             "syntax = \"proto3\";\npackage acme.api.v1;\nimport \"acme/common/v1/money.proto\";\n"
             "message Invoice { acme.common.v1.Money total = 1; }\n");
  const std::string tool = spoke::testing::binary_from_env("SPOKE_BUILD_TOOL_BIN");
  auto r = spoke::testing::run(
      {tool, (dir / "api").string(), (dir / "out").string(), "cpp,python", server.url()},
      dir.path());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  CHECK(r.out.find("cpp: 2 files in") != std::string::npos);
  CHECK(r.out.find("python: 1 file in") != std::string::npos);
  // Only the workspace's own files are generated; the dependency is imported, not emitted.
  CHECK(fs::exists(dir / "out/cpp/acme/api/v1/invoice.pb.h"));
  CHECK(fs::exists(dir / "out/python/acme/api/v1/invoice_pb2.py"));
  CHECK_FALSE(fs::exists(dir / "out/cpp/acme/common/v1/money.pb.h"));

  // A dependency the registry does not have: a one-line failure, nothing written.
  write_file(dir / "api/spoke.yaml", "deps:\n  - common@v9.0.0\n");
  auto missing = spoke::testing::run(
      {tool, (dir / "api").string(), (dir / "out2").string(), "cpp", server.url()}, dir.path());
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("v9.0.0") != std::string::npos);
  CHECK_FALSE(fs::exists(dir / "out2"));
}
