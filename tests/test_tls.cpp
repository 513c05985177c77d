// HTTPS: spoke-server with --tls-cert and --tls-key (a CA and a certificate made with openssl by
// the test), the spoke CLI verifying the certificate with --ca-cert or SPOKE_CA_CERT, and refusing
// one a CA it was not given signed, with a one-line error; bad certificate settings refused.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>
#include <httplib.h>

#include <nlohmann/json.hpp>

#include "support/test_support.h"

using json = nlohmann::json;
using spoke::testing::Server;
using spoke::testing::TempDir;
using spoke::testing::fs::path;

namespace {

void openssl(const std::vector<std::string>& args, const path& dir) {
  std::vector<std::string> argv = {"/usr/bin/env", "openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = spoke::testing::run(argv, dir, {}, dir.string());
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
}

// A CA (<name>-ca.pem) and a server certificate it signed for 127.0.0.1 and localhost
// (<name>-server.pem, <name>-server.key), in `dir`.
void make_ca_and_certificate(const path& dir, const std::string& name) {
  const std::vector<std::string> ec = {"-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                                       "-nodes"};
  auto with = [&](std::vector<std::string> head, const std::vector<std::string>& tail) {
    head.insert(head.end(), tail.begin(), tail.end());
    return head;
  };
  openssl(with({"req", "-x509"}, with(ec, {"-keyout", name + "-ca.key", "-out", name + "-ca.pem",
                                           "-days", "2", "-subj", "/CN=" + name + " test CA"})),
          dir);
  openssl(with({"req"}, with(ec, {"-keyout", name + "-server.key", "-out", name + "-server.csr",
                                  "-subj", "/CN=localhost"})),
          dir);
  spoke::testing::write_file(dir / (name + "-ext.cnf"),
                             "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                             "basicConstraints=CA:FALSE\n"
                             "extendedKeyUsage=serverAuth\n");
  openssl({"x509", "-req", "-in", name + "-server.csr", "-CA", name + "-ca.pem", "-CAkey",
           name + "-ca.key", "-CAcreateserial", "-out", name + "-server.pem", "-days", "2",
           "-extfile", name + "-ext.cnf"},
          dir);
}

std::string count_lines(const std::string& text) {
  return std::to_string(std::count(text.begin(), text.end(), '\n'));
}

}  // namespace

TEST_CASE("https_with_a_private_ca_and_a_cli_that_verifies_it") {
  TempDir dir;
  make_ca_and_certificate(dir.path(), "good");
  make_ca_and_certificate(dir.path(), "other");
  Server server(dir.path() / "s", {"--tls-cert", (dir.path() / "good-server.pem").string(),
                                   "--tls-key", (dir.path() / "good-server.key").string()});
  std::string url = "https://127.0.0.1:" + std::to_string(server.port());
  CHECK(server.log().find("\"tls\":true") != std::string::npos);

  // An HTTPS client that trusts the CA.
  httplib::SSLClient tls("127.0.0.1", server.port());
  tls.set_ca_cert_path((dir.path() / "good-ca.pem").c_str());
  tls.enable_server_certificate_verification(true);
  auto r = tls.Get("/modules");
  REQUIRE_MESSAGE(r, httplib::to_string(r.error()));
  CHECK(r->status == 200);
  CHECK_FALSE(r->get_header_value("X-Request-Id").empty());
  // Plain HTTP to the HTTPS port gets no answer; the health port stays plain HTTP.
  httplib::Client plain("127.0.0.1", server.port());
  plain.set_connection_timeout(2, 0);
  plain.set_read_timeout(2, 0);
  auto refused = plain.Get("/modules");
  CHECK((!refused || refused->status == 400));
  httplib::Client health("127.0.0.1", server.health_port());
  CHECK(health.Get("/health/live")->status == 200);

  // The CLI over https, with the CA named by flag or by environment.
  std::string cli = spoke::testing::binary_from_env("SPOKE_CLI_BIN");
  std::string project = (dir.path() / "project").string();
  spoke::testing::write_file(dir.path() / "project" / "example.proto",
                             spoke::testing::kExampleProto);
  auto pushed = spoke::testing::run(
      {cli, "push", "-module", "acme-api", "-version", "v1.0.0", "-dir", project, "--registry", url,
       "--ca-cert", (dir.path() / "good-ca.pem").string()},
      dir.path());
  CHECK_MESSAGE(pushed.exit_code == 0, pushed.err);
  auto listed = spoke::testing::run({cli, "modules", "--registry", url, "--json"}, dir.path(),
                                    {"SPOKE_CA_CERT=" + (dir.path() / "good-ca.pem").string()});
  CHECK_MESSAGE(listed.exit_code == 0, listed.err);
  CHECK(listed.out.find("acme-api") != std::string::npos);

  // Signed by a CA the CLI was not given: refused, in one line that says what to do.
  auto wrong = spoke::testing::run(
      {cli, "modules", "--registry", url, "--ca-cert", (dir.path() / "other-ca.pem").string()},
      dir.path());
  CHECK(wrong.exit_code == 1);
  CHECK(count_lines(wrong.err) == "1");
  CHECK(wrong.err.starts_with("spoke: cannot reach the registry at " + url));
  CHECK(wrong.err.find("its TLS certificate is not trusted") != std::string::npos);
  CHECK(wrong.err.find("--ca-cert") != std::string::npos);
  // Without a CA: the system's CAs do not know this one either.
  auto system = spoke::testing::run({cli, "modules", "--registry", url}, dir.path());
  CHECK(system.exit_code == 1);
  CHECK(count_lines(system.err) == "1");
  CHECK(system.err.find("its TLS certificate is not trusted") != std::string::npos);
  // A CA file that is not there.
  auto missing = spoke::testing::run(
      {cli, "modules", "--registry", url, "--ca-cert", (dir.path() / "nope.pem").string()},
      dir.path());
  CHECK(missing.exit_code == 1);
  CHECK(count_lines(missing.err) == "1");
  // The certificate names 127.0.0.1 and localhost, nothing else: "localhost" works too.
  auto by_name = spoke::testing::run(
      {cli, "modules", "--registry", "https://localhost:" + std::to_string(server.port()),
       "--ca-cert", (dir.path() / "good-ca.pem").string()},
      dir.path());
  CHECK_MESSAGE(by_name.exit_code == 0, by_name.err);
}

TEST_CASE("bad_tls_settings_are_refused_at_start") {
  TempDir dir;
  make_ca_and_certificate(dir.path(), "good");
  auto start = [&](std::vector<std::string> args) {
    return spoke::testing::run_server(std::move(args), dir.path());
  };
  std::string cert = (dir.path() / "good-server.pem").string();
  std::string key = (dir.path() / "good-server.key").string();
  auto alone = start({"--tls-cert", cert});
  CHECK(alone.exit_code == 2);
  CHECK(alone.err ==
        "spoke-server: --tls-cert and --tls-key go together (a certificate and its key)\n");
  auto missing = start({"--tls-cert", cert, "--tls-key", (dir.path() / "none.key").string()});
  CHECK(missing.exit_code == 2);
  CHECK(missing.err ==
        "spoke-server: --tls-key: cannot read " + (dir.path() / "none.key").string() + "\n");
  // A key that does not belong to the certificate.
  auto other = start({"--tls-cert", cert, "--tls-key", (dir.path() / "good-ca.key").string()});
  CHECK(other.exit_code == 2);
  CHECK(other.err.find("are not a PEM certificate and its private key") != std::string::npos);
  spoke::testing::write_file(dir.path() / "junk.pem", "not a certificate\n");
  auto junk = start({"--tls-cert", (dir.path() / "junk.pem").string(), "--tls-key", key});
  CHECK(junk.exit_code == 2);
}
