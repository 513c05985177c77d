// Code generation: the files spoke generates against what the real protoc writes for the same
// input (every built-in language, Go through protoc-gen-go, gRPC plugins), plugin failures, and
// `spoke compile` / `spoke languages` end to end.
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include "support/doctest.h"

#include <google/protobuf/compiler/plugin.pb.h>
#include <sys/stat.h>

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "compile/output_directory.h"
#include "compile/plugin_process.h"
#include "spoke/compile.h"
#include "spoke/file_tree.h"
#include "spoke/schema.h"
#include "support/test_support.h"

using spoke::CompileRequest;
using spoke::CompilerOptions;
using spoke::FileInput;
using spoke::GeneratedFile;
using spoke::testing::as_map;
using spoke::testing::difference;
using spoke::testing::find_protoc;
using spoke::testing::read_file;
using spoke::testing::read_tree;
using spoke::testing::run;
using spoke::testing::TempDir;
using spoke::testing::write_file;
namespace fs = std::filesystem;
namespace pb = google::protobuf;

namespace {

// A module (acme/api) that depends on another (acme/common) and on well-known types, with
// comments, proto3 optional, maps, oneofs, nested types, services, a proto2 file with defaults,
// extensions and a custom option.
const std::map<std::string, std::string> kModule = {
    {"acme/api/v1/invoice.proto", R"(syntax = "proto3";
package acme.api.v1;
option go_package = "example.com/acme/api/v1;apiv1";

import "acme/common/v1/money.proto";
import "google/protobuf/timestamp.proto";

// An invoice.
message Invoice {
  string id = 1;
  // What is owed.
  acme.common.v1.Money total = 2;
  google.protobuf.Timestamp issued = 3;
  map<string, string> labels = 4;
  oneof payer {
    string person = 5;
    string company = 6;
  }
  // One line of an invoice.
  message Line {
    string sku = 1;
    int32 qty = 2;
  }
  repeated Line lines = 7;
  optional string memo = 8;  // trailing comment
}

// Invoices service.
service Invoices {
  // Gets one.
  rpc GetInvoice(GetInvoiceRequest) returns (Invoice);
  rpc Watch(GetInvoiceRequest) returns (stream Invoice);
}

message GetInvoiceRequest { string id = 1; }
)"},
    {"acme/api/v1/status.proto", R"(syntax = "proto3";
package acme.api.v1;
option go_package = "example.com/acme/api/v1;apiv1";
option java_multiple_files = true;
option csharp_namespace = "Acme.Api.V1";

// Where an invoice is.
enum InvoiceStatus {
  INVOICE_STATUS_UNSPECIFIED = 0;
  // Sent to the payer.
  INVOICE_STATUS_SENT = 1;
  INVOICE_STATUS_PAID = 2;
}
)"},
};

const std::map<std::string, std::string> kDependency = {
    {"acme/common/v1/money.proto", R"(syntax = "proto3";
package acme.common.v1;
option go_package = "example.com/acme/common/v1;commonv1";

// Money is an amount in a currency.
message Money {
  string currency_code = 1;  // ISO 4217
  int64 units = 2;
  int32 nanos = 3;
}
)"},
};

// proto2 with extensions and a custom option (not for php, which takes proto3 only).
const std::map<std::string, std::string> kProto2 = {
    {"acme/api/v1/legacy.proto", R"(syntax = "proto2";
package acme.api.v1;
option go_package = "example.com/acme/api/v1;apiv1";
option java_outer_classname = "LegacyProtos";

import "google/protobuf/descriptor.proto";

extend google.protobuf.FieldOptions {
  optional string redact = 50001;
}

// A record from the old system.
message Legacy {
  required int32 id = 1;
  optional string name = 2 [default = "none", (redact) = "yes"];
  repeated int64 values = 3 [packed = true];
  extensions 100 to 199;
}

extend Legacy {
  optional bool archived = 100;
}
)"},
};

constexpr const char* kBuiltins[] = {"cpp",    "java", "kotlin", "python", "pyi",
                                     "csharp", "objc", "php",    "ruby"};

std::vector<FileInput> inputs(const std::map<std::string, std::string>& files) {
  std::vector<FileInput> out;
  for (const auto& [path, content] : files) out.push_back({path, content});
  return out;
}

std::string program(const std::string& name) {
  CompilerOptions none;
  return spoke::compile_internal::find_program(name, none);
}

// Runs the real protoc over `targets` (written under root/proto, dependencies under root/deps)
// with `out_flags`; returns what it wrote under root/protoc-out.
struct ProtocRun {
  int exit_code = -1;
  std::string err;
  std::map<std::string, std::string> files;
};

ProtocRun run_protoc(const TempDir& scratch, const fs::path& proto_root, const fs::path& deps_root,
                     const std::vector<std::string>& targets,
                     const std::vector<std::string>& out_flags, const std::string& tag) {
  fs::path out = scratch / ("protoc-" + tag);
  fs::remove_all(out);
  fs::create_directories(out);
  std::vector<std::string> argv = {find_protoc(), "-I" + proto_root.string()};
  if (!deps_root.empty()) argv.push_back("-I" + deps_root.string());
  for (const auto& flag : out_flags) {
    std::string f = flag;
    auto pos = f.find("{out}");
    if (pos != std::string::npos) f.replace(pos, 5, out.string());
    argv.push_back(f);
  }
  for (const auto& t : targets) argv.push_back(t);
  auto r = run(argv, scratch.path());
  return {r.exit_code, r.err, read_tree(out)};
}

struct Sample {
  TempDir dir;
  std::map<std::string, std::string> targets;
  std::shared_ptr<const spoke::Schema> schema;
  std::vector<std::string> target_paths;

  explicit Sample(bool with_proto2) : targets(kModule) {
    if (with_proto2) targets.insert(kProto2.begin(), kProto2.end());
    for (const auto& [path, content] : targets) {
      write_file(dir / "proto" / path, content);
      target_paths.push_back(path);
    }
    for (const auto& [path, content] : kDependency) write_file(dir / "deps" / path, content);
    spoke::SchemaOptions options;
    options.for_code_generation = true;
    auto built = spoke::build_schema(inputs(targets), inputs(kDependency), options);
    REQUIRE(built.valid());
    schema = built.schema;
  }
};

fs::path write_script(const TempDir& dir, const std::string& name, const std::string& body) {
  fs::path p = dir / "bin" / name;
  write_file(p, "#!/bin/sh\n" + body);
  ::chmod(p.c_str(), 0755);
  return p;
}

// A plugin that saves its request to `request_copy` and answers with `response`.
fs::path canned_plugin(const TempDir& dir, const std::string& name,
                       const pb::compiler::CodeGeneratorResponse& response) {
  fs::path answer = dir / (name + ".response");
  write_file(answer, response.SerializeAsString());
  return write_script(
      dir, name,
      "cat > '" + (dir / (name + ".request")).string() + "'\ncat '" + answer.string() + "'\n");
}

}  // namespace

TEST_CASE("builtin_languages_write_what_protoc_writes") {
  REQUIRE_MESSAGE(!find_protoc().empty(), "protoc is not on PATH; the comparison needs it");
  for (const char* language : kBuiltins) {
    CAPTURE(language);
    // php generates proto3 files only.
    Sample sample(std::string(language) != "php");
    CompileRequest request;
    request.language = language;
    auto ours = spoke::compile(*sample.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    auto theirs =
        run_protoc(sample.dir, sample.dir / "proto", sample.dir / "deps", sample.target_paths,
                   {"--" + std::string(language) + "_out={out}"}, language);
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    CHECK(!theirs.files.empty());
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("compile_reports_files_generated_of_the_total") {
  Sample sample(true);
  const std::size_t total = sample.target_paths.size();
  REQUIRE(total > 1);
  // A built-in generator that works file by file: one report per file, from several threads.
  std::mutex mu;
  std::vector<std::pair<std::size_t, std::size_t>> calls;
  auto record = [&](std::size_t done, std::size_t of) {
    std::lock_guard lock(mu);
    calls.emplace_back(done, of);
  };
  CompileRequest cpp;
  cpp.language = "cpp";
  REQUIRE(spoke::compile(*sample.schema, cpp, {}, record).ok());
  std::set<std::size_t> done;
  for (const auto& [d, of] : calls) {
    CHECK(of == total);
    done.insert(d);
  }
  CHECK(calls.size() == total);
  CHECK(done.size() == total);
  CHECK(*done.begin() == 1);
  CHECK(*done.rbegin() == total);

  // A plugin gets every file at once: nothing done, then everything.
  calls.clear();
  CompileRequest go;
  go.language = "go";
  auto generated = spoke::compile(*sample.schema, go, {}, record);
  REQUIRE_MESSAGE(generated.ok(), generated.status().to_string());
  REQUIRE(calls.size() == 2);
  CHECK(calls[0] == std::pair<std::size_t, std::size_t>{0, total});
  CHECK(calls[1] == std::pair<std::size_t, std::size_t>{total, total});
}

TEST_CASE("generator_options_pass_through_as_protoc_opt") {
  Sample sample(true);
  struct Case {
    std::string language;
    std::vector<std::string> options;
  };
  for (const auto& c :
       std::vector<Case>{{"cpp", {"lite"}},
                         {"java", {"lite"}},
                         {"csharp", {"base_namespace=Acme", "file_extension=.g.cs"}}}) {
    CAPTURE(c.language);
    CompileRequest request{c.language, false, c.options};
    auto ours = spoke::compile(*sample.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    std::string opt;
    for (const auto& o : c.options) opt += (opt.empty() ? "" : ",") + o;
    auto theirs = run_protoc(
        sample.dir, sample.dir / "proto", sample.dir / "deps", sample.target_paths,
        {"--" + c.language + "_out={out}", "--" + c.language + "_opt=" + opt}, c.language + "-opt");
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
    // The option changed something, so it did reach the generator.
    CompileRequest plain{c.language};
    auto without = spoke::compile(*sample.schema, plain);
    REQUIRE(without.ok());
    CHECK(as_map(without.value()) != as_map(ours.value()));
  }
}

TEST_CASE("go_through_protoc_gen_go_writes_what_protoc_writes") {
  REQUIRE_MESSAGE(!program("protoc-gen-go").empty(),
                  "protoc-gen-go is not on PATH (Debian: apt-get install protoc-gen-go)");
  Sample sample(true);
  for (const auto& options : std::vector<std::vector<std::string>>{
           {},
           {"paths=source_relative"},
           {"Macme/common/v1/money.proto=example.com/money;money", "paths=import"}}) {
    std::string opt;
    for (const auto& o : options) opt += (opt.empty() ? "" : ",") + o;
    CAPTURE(opt);
    CompileRequest request{"go", false, options};
    auto ours = spoke::compile(*sample.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    std::vector<std::string> flags = {"--go_out={out}"};
    if (!opt.empty()) flags.push_back("--go_opt=" + opt);
    auto theirs = run_protoc(sample.dir, sample.dir / "proto", sample.dir / "deps",
                             sample.target_paths, flags, "go");
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    CHECK(!theirs.files.empty());
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
  }
}

TEST_CASE("grpc_adds_the_languages_grpc_plugin_as_protoc_grpc_out_does") {
  Sample sample(false);
  for (const auto& [language, plugin] :
       std::vector<std::pair<std::string, std::string>>{{"cpp", "grpc_cpp_plugin"},
                                                        {"python", "grpc_python_plugin"},
                                                        {"go", "protoc-gen-go-grpc"}}) {
    CAPTURE(language);
    std::string path = program(plugin);
    REQUIRE_MESSAGE(!path.empty(), std::string(plugin + " is not on PATH (Debian: "
                                                        "protobuf-compiler-grpc, "
                                                        "protoc-gen-go-grpc)"));
    CompileRequest request{language, true};
    auto ours = spoke::compile(*sample.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    auto theirs = run_protoc(
        sample.dir, sample.dir / "proto", sample.dir / "deps", sample.target_paths,
        {"--" + language + "_out={out}", "--plugin=protoc-gen-grpc=" + path, "--grpc_out={out}"},
        language + "-grpc");
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
    CompileRequest plain{language};
    CHECK(spoke::compile(*sample.schema, plain)->size() < ours->size());
  }
  CompileRequest kotlin{"kotlin", true};
  auto r = spoke::compile(*sample.schema, kotlin);
  REQUIRE(!r.ok());
  CHECK(r.status().reason() == "unknown_language");
  CHECK(r.status().message() == "no gRPC plugin is known for \"kotlin\"");
}

TEST_CASE("googleapis_subset_writes_what_protoc_writes") {
  const char* shared_env = std::getenv("SPOKE_SHARED_DIR");
  const char* build_env = std::getenv("SPOKE_BUILD_DIR");
  fs::path fetch =
      fs::path(shared_env != nullptr ? shared_env : "") / "corpus" / "fetch-googleapis.sh";
  if (shared_env == nullptr || build_env == nullptr || !fs::exists(fetch)) {
    MESSAGE("SKIP: ../shared/corpus is absent: the googleapis comparison needs it");
    return;
  }
  // Cached under the build directory, where the acceptance script keeps it too.
  fs::path corpus = fs::path(build_env) / "corpus" / "googleapis-6.0.1";
  if (!fs::exists(corpus / "google" / "api" / "annotations.proto")) {
    fs::path staging = fs::path(build_env) / "corpus" / ".googleapis-6.0.1.partial";
    fs::remove_all(staging);
    fs::create_directories(staging.parent_path());
    TempDir scratch;
    auto r = run({"/bin/bash", fetch.string(), staging.string(), "6.0.1"}, scratch.path());
    REQUIRE_MESSAGE(r.exit_code == 0, std::string("fetching googleapis failed: " + r.err));
    fs::remove_all(corpus);
    fs::rename(staging, corpus);
  }
  // google/api (top level), google/rpc, google/type and google/longrunning: closed under import
  // apart from the well-known types.
  TempDir dir;
  std::vector<FileInput> files;
  std::vector<std::string> paths;
  for (const char* sub :
       {"google/api", "google/rpc", "google/rpc/context", "google/type", "google/longrunning"}) {
    for (const auto& e : fs::directory_iterator(corpus / sub)) {
      if (e.path().extension() != ".proto") continue;
      std::string path = std::string(sub) + "/" + e.path().filename().string();
      files.push_back({path, read_file(e.path())});
      write_file(dir / "proto" / path, files.back().content);
      paths.push_back(path);
    }
  }
  std::sort(paths.begin(), paths.end());
  REQUIRE(paths.size() > 50);
  spoke::SchemaOptions options;
  options.for_code_generation = true;
  auto built = spoke::build_schema(files, {}, options);
  REQUIRE(built.valid());
  std::vector<std::pair<std::string, std::vector<std::string>>> runs;
  for (const char* language : kBuiltins) runs.push_back({language, {}});
  // google/api/http.proto and google/rpc/http.proto both make Http.cs without a base namespace
  // (protoc fails on them, see below).
  runs[5].second = {"base_namespace="};
  REQUIRE(runs[5].first == "csharp");
  runs.push_back({"go", {}});
  for (const auto& [language, opts] : runs) {
    CAPTURE(language);
    if (language == "php") continue;  // php: below, proto3 files only
    CompileRequest request{language, false, opts};
    auto ours = spoke::compile(*built.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    std::vector<std::string> flags = {"--" + language + "_out={out}"};
    if (!opts.empty()) flags.push_back("--" + language + "_opt=" + opts[0]);
    auto theirs = run_protoc(dir, dir / "proto", "", paths, flags, language);
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    CHECK(theirs.files.size() >= paths.size());
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  // php: every file of the subset is proto3.
  {
    CompileRequest request{"php"};
    auto ours = spoke::compile(*built.schema, request);
    REQUIRE_MESSAGE(ours.ok(), ours.status().to_string());
    auto theirs = run_protoc(dir, dir / "proto", "", paths, {"--php_out={out}"}, "php");
    REQUIRE_MESSAGE(theirs.exit_code == 0, theirs.err);
    auto diff = difference(as_map(ours.value()), theirs.files);
    CHECK_MESSAGE(diff.empty(), diff);
  }
  // The same failure as protoc's when two files generate one name.
  CompileRequest csharp{"csharp"};
  auto clash = spoke::compile(*built.schema, csharp);
  REQUIRE(!clash.ok());
  CHECK(clash.status().reason() == "invalid_output");
  CHECK(clash.status().message() == "Http.cs: Tried to write the same file twice.");
  auto protoc_clash = run_protoc(dir, dir / "proto", "", paths, {"--csharp_out={out}"}, "clash");
  CHECK(protoc_clash.exit_code == 1);
  CHECK(protoc_clash.err.find("Http.cs: Tried to write the same file twice.") != std::string::npos);
}

TEST_CASE("plugins_get_the_request_protoc_sends") {
  Sample sample(false);
  TempDir dir;
  pb::compiler::CodeGeneratorResponse response;
  response.set_supported_features(pb::compiler::CodeGeneratorResponse::FEATURE_PROTO3_OPTIONAL);
  auto* f = response.add_file();
  f->set_name("out/a.txt");
  f->set_content("first\n  // @@protoc_insertion_point(here)\nlast\n");
  // A chunk without a name continues the previous file.
  response.add_file()->set_content("more\n");
  auto* ins = response.add_file();
  ins->set_name("out/a.txt");
  ins->set_insertion_point("here");
  ins->set_content("one\ntwo");
  CompilerOptions options;
  options.plugin_binaries["protoc-gen-canned"] = canned_plugin(dir, "canned", response).string();
  CompileRequest request{"canned", false, {"a=b", "c"}};
  auto r = spoke::compile(*sample.schema, request, options);
  REQUIRE_MESSAGE(r.ok(), r.status().to_string());
  REQUIRE(r->size() == 1);
  CHECK(r->at(0).name == "out/a.txt");
  CHECK(r->at(0).content ==
        "first\n  one\n  two\n  // @@protoc_insertion_point(here)\nlast\nmore\n");

  pb::compiler::CodeGeneratorRequest sent;
  REQUIRE(sent.ParseFromString(read_file(dir / "canned.request")));
  CHECK(sent.parameter() == "a=b,c");
  CHECK(std::vector<std::string>(sent.file_to_generate().begin(), sent.file_to_generate().end()) ==
        sample.target_paths);
  CHECK(sent.compiler_version().major() == 3);
  CHECK(spoke::libprotoc_version() == fmt::format("{}.{}.{}", sent.compiler_version().major(),
                                                  sent.compiler_version().minor(),
                                                  sent.compiler_version().patch()));
  std::vector<std::string> order;
  for (const auto& p : sent.proto_file()) order.push_back(p.name());
  // Imports first, each once, as protoc lists them.
  CHECK(order == std::vector<std::string>{"acme/common/v1/money.proto",
                                          "google/protobuf/timestamp.proto",
                                          "acme/api/v1/invoice.proto", "acme/api/v1/status.proto"});
  const auto& invoice = sent.proto_file(2);
  CHECK(invoice.source_code_info().location_size() > 0);
  CHECK(invoice.message_type(0).field(0).json_name() == "id");
  CHECK(invoice.message_type(0).field(1).type_name() == ".acme.common.v1.Money");
}

TEST_CASE("plugin_failures_fail_the_whole_compile_with_stderr") {
  Sample sample(false);
  TempDir dir;
  CompilerOptions options;
  options.plugin_timeout = std::chrono::milliseconds(500);
  auto compile_with = [&](const std::string& body) {
    options.plugin_binaries["protoc-gen-bad"] = write_script(dir, "bad", body).string();
    CompileRequest request{"bad"};
    return spoke::compile(*sample.schema, request, options);
  };

  auto exit3 = compile_with("cat >/dev/null\necho 'cannot work like this' >&2\nexit 3\n");
  REQUIRE(!exit3.ok());
  CHECK(exit3.status().reason() == "generator_failed");
  CHECK(exit3.status().message() ==
        "protoc-gen-bad failed with exit status 3: cannot work like this");
  CHECK(exit3.status().fields().at("stderr") == "cannot work like this\n");

  auto crash = compile_with("echo 'about to crash' >&2\nkill -SEGV $$\n");
  REQUIRE(!crash.ok());
  CHECK(crash.status().reason() == "generator_failed");
  CHECK(crash.status().message().starts_with("protoc-gen-bad was killed by signal 11"));
  CHECK(crash.status().message().ends_with(": about to crash"));

  auto garbage = compile_with("cat >/dev/null\nprintf 'garbage, not a response'\n");
  REQUIRE(!garbage.ok());
  CHECK(garbage.status().reason() == "generator_failed");
  CHECK(garbage.status().message().starts_with(
      "protoc-gen-bad: the plugin wrote something that is not a CodeGeneratorResponse"));

  // sleep is a child of the script: both go, or the compile would wait for sleep's end of the
  // pipe.
  auto slow = compile_with("echo 'thinking' >&2\nsleep 30\n");
  REQUIRE(!slow.ok());
  CHECK(slow.status().reason() == "plugin_timeout");
  CHECK(slow.status().message() ==
        "protoc-gen-bad did not finish within 0.5 s and was killed: thinking");

  // A response with files and an error: the error, and no files.
  pb::compiler::CodeGeneratorResponse response;
  response.add_file()->set_name("partial.txt");
  response.set_error("acme/api/v1/invoice.proto: go_package is wrong");
  options.plugin_binaries["protoc-gen-bad"] = canned_plugin(dir, "errs", response).string();
  CompileRequest request{"bad"};
  auto error = spoke::compile(*sample.schema, request, options);
  REQUIRE(!error.ok());
  CHECK(error.status().reason() == "generator_failed");
  CHECK(error.status().message() ==
        "protoc-gen-bad: acme/api/v1/invoice.proto: go_package is wrong");

  // Without FEATURE_PROTO3_OPTIONAL, a file with a proto3 optional field is refused.
  pb::compiler::CodeGeneratorResponse old;
  old.add_file()->set_name("x.txt");
  options.plugin_binaries["protoc-gen-bad"] = canned_plugin(dir, "old", old).string();
  auto optional = spoke::compile(*sample.schema, request, options);
  REQUIRE(!optional.ok());
  CHECK(optional.status().message() ==
        "acme/api/v1/invoice.proto: is a proto3 file that contains optional fields, but code "
        "generator protoc-gen-bad hasn't been updated to support optional fields in proto3");

  // A name outside the output root.
  pb::compiler::CodeGeneratorResponse escape;
  escape.set_supported_features(pb::compiler::CodeGeneratorResponse::FEATURE_PROTO3_OPTIONAL);
  escape.add_file()->set_name("../outside.txt");
  options.plugin_binaries["protoc-gen-bad"] = canned_plugin(dir, "escape", escape).string();
  auto outside = spoke::compile(*sample.schema, request, options);
  REQUIRE(!outside.ok());
  CHECK(outside.status().reason() == "invalid_output");
  CHECK(outside.status().message() ==
        "bad: the generator wrote a file outside the output directory: \"../outside.txt\"");
}

TEST_CASE("a_missing_plugin_names_the_program_and_its_package") {
  Sample sample(false);
  CompileRequest nosuch{"nosuchlang"};
  auto r = spoke::compile(*sample.schema, nosuch);
  REQUIRE(!r.ok());
  CHECK(r.status().reason() == "plugin_not_found");
  CHECK(r.status().message() ==
        "no generator for \"nosuchlang\": protoc-gen-nosuchlang was not found on PATH; install it "
        "or give its path");

  CompilerOptions options;
  options.plugin_binaries["protoc-gen-go"] = "/nonexistent/protoc-gen-go";
  options.plugin_binaries["grpc_cpp_plugin"] = "/nonexistent/grpc_cpp_plugin";
  CompileRequest go{"go"};
  auto g = spoke::compile(*sample.schema, go, options);
  REQUIRE(!g.ok());
  CHECK(g.status().message() ==
        "no generator for \"go\": protoc-gen-go was not found on PATH; install it (Debian: "
        "apt-get install protoc-gen-go)");
  CompileRequest cpp{"cpp", true};
  auto c = spoke::compile(*sample.schema, cpp, options);
  REQUIRE(!c.ok());
  CHECK(c.status().message() ==
        "no gRPC generator for \"cpp\": grpc_cpp_plugin was not found on PATH; install it "
        "(Debian: apt-get install protobuf-compiler-grpc)");
  CHECK(spoke::check_compile_request(cpp, options).reason() == "plugin_not_found");

  CompileRequest bad{"../bin/sh"};
  auto b = spoke::compile(*sample.schema, bad);
  REQUIRE(!b.ok());
  CHECK(b.status().reason() == "unknown_language");
}

TEST_CASE("compile_needs_a_schema_linked_for_code_generation") {
  auto plain = spoke::build_schema(inputs(kModule), inputs(kDependency));
  REQUIRE(plain.valid());
  CompileRequest request{"cpp"};
  auto r = spoke::compile(*plain.schema, request);
  REQUIRE(!r.ok());
  CHECK(r.status().code() == spoke::Code::kInvalidArgument);

  // From files: parsed for code generation, invalid schemas with their diagnostics.
  auto ok = spoke::compile(inputs(kModule), inputs(kDependency), request);
  REQUIRE_MESSAGE(ok.ok(), ok.status().to_string());
  CHECK(ok->size() == 4);
  auto broken = spoke::compile({{"x.proto", "syntax = \"proto3\";\nmessage X { Nope n = 1; }\n"}},
                               {}, request);
  REQUIRE(!broken.ok());
  CHECK(broken.status().reason() == "invalid_schema");
  REQUIRE(broken.status().diagnostics().size() == 1);
  CHECK(spoke::format_diagnostic(broken.status().diagnostics()[0]) ==
        "x.proto:2:13: \"Nope\" is not defined.");

  // Generating a subset of the targets.
  Sample sample(false);
  CompileRequest one{"cpp"};
  one.files = {"acme/api/v1/status.proto"};
  auto subset = spoke::compile(*sample.schema, one);
  REQUIRE(subset.ok());
  CHECK(as_map(subset.value()).count("acme/api/v1/status.pb.h") == 1);
  CHECK(subset->size() == 2);
  one.files = {"nope.proto"};
  CHECK(spoke::compile(*sample.schema, one).status().reason() == "file_not_found");
}

TEST_CASE("output_directory_applies_writes_as_protoc_does") {
  using spoke::compile_internal::OutputDirectory;
  using spoke::compile_internal::OutputWrite;
  OutputDirectory out;
  out.apply({OutputWrite::Kind::kCreate,
             "a.h",
             "",
             "x\n    // @@protoc_insertion_point(p)\n  int y; /* @@protoc_insertion_point(q) */\n",
             {}});
  out.apply({OutputWrite::Kind::kInsert, "a.h", "p", "one\ntwo\n", {}});
  out.apply({OutputWrite::Kind::kInsert, "a.h", "p", "three", {}});
  out.apply({OutputWrite::Kind::kInsert, "a.h", "q", "z", {}});
  out.apply({OutputWrite::Kind::kAppend, "a.h", "", "end\n", {}});
  CHECK(out.files().at("a.h") ==
        "x\n    one\n    two\n    three\n    // @@protoc_insertion_point(p)\n  int y; z\n/* "
        "@@protoc_insertion_point(q) */\nend\n");
  CHECK(out.errors().empty());
  out.apply({OutputWrite::Kind::kCreate, "a.h", "", "again", {}});
  out.apply({OutputWrite::Kind::kInsert, "b.h", "p", "x", {}});
  out.apply({OutputWrite::Kind::kInsert, "a.h", "missing", "x", {}});
  CHECK(out.errors() ==
        std::vector<std::string>{"a.h: Tried to write the same file twice.",
                                 "b.h: Tried to insert into file that doesn't exist.",
                                 "a.h: insertion point \"missing\" not found."});

  // Annotations of an insertion land where the text went, in a new .pb.meta.
  OutputDirectory meta;
  meta.apply({OutputWrite::Kind::kCreate, "m.h", "", "ab\n  // @@protoc_insertion_point(p)\n", {}});
  OutputWrite w{OutputWrite::Kind::kInsert, "m.h", "p", "f()\n", {}};
  auto* a = w.info.add_annotation();
  a->set_begin(0);
  a->set_end(1);
  meta.apply(w);
  pb::GeneratedCodeInfo info;
  REQUIRE(info.ParseFromString(meta.files().at("m.h.pb.meta")));
  REQUIRE(info.annotation_size() == 1);
  CHECK(info.annotation(0).begin() == 5);  // after "ab\n" and the two-space indent
  CHECK(info.annotation(0).end() == 6);
}

TEST_CASE("generator_identity_names_the_generator_and_its_version") {
  TempDir dir;
  CompileRequest cpp{"cpp"};
  CHECK(spoke::generator_identity(cpp).value() ==
        "builtin:cpp@libprotoc-" + spoke::libprotoc_version());
  CompilerOptions options;
  fs::path plugin = write_script(dir, "p1", "exit 0\n");
  options.plugin_binaries["protoc-gen-mine"] = plugin.string();
  CompileRequest mine{"mine"};
  auto first = spoke::generator_identity(mine, options);
  REQUIRE(first.ok());
  CHECK(first.value().starts_with("plugin:protoc-gen-mine@sha256:"));
  CHECK(first->size() == std::string("plugin:protoc-gen-mine@sha256:").size() + 64);
  // A different binary, a different identity.
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  write_file(plugin, "#!/bin/sh\nexit 1\n");
  CHECK(spoke::generator_identity(mine, options).value() != first.value());
  options.plugin_binaries["grpc_cpp_plugin"] = plugin.string();
  CompileRequest grpc{"cpp", true};
  auto g = spoke::generator_identity(grpc, options);
  REQUIRE(g.ok());
  CHECK(g->starts_with("builtin:cpp@libprotoc-" + spoke::libprotoc_version() +
                       "+plugin:grpc_cpp_plugin@sha256:"));
}

TEST_CASE("available_languages_lists_builtins_and_plugins_found") {
  TempDir dir;
  write_script(dir, "protoc-gen-zz", "exit 0\n");
  write_script(dir, "protoc-gen-go-grpc", "exit 0\n");
  CompilerOptions options;
  options.plugin_dirs = {(dir / "bin").string()};
  auto languages = spoke::available_languages(options);
  std::map<std::string, spoke::LanguageInfo> by;
  for (const auto& l : languages) by[l.language] = l;
  for (const char* b : kBuiltins) {
    REQUIRE(by.count(b) == 1);
    CHECK(by[b].builtin);
  }
  REQUIRE(by.count("zz") == 1);
  CHECK(!by["zz"].builtin);
  CHECK(by["zz"].program == (dir / "bin" / "protoc-gen-zz").string());
  CHECK(by.count("go-grpc") == 0);  // the gRPC plugin of go, not a language
  CHECK(by["kotlin"].grpc_program.empty());
  CHECK(by["kotlin"].grpc_missing.empty());
  CHECK(std::is_sorted(languages.begin(), languages.end(),
                       [](const auto& a, const auto& b) { return a.language < b.language; }));
}

TEST_CASE("write_generated_files_checks_every_name_first") {
  TempDir dir;
  auto bad = spoke::write_generated_files((dir / "out").string(),
                                          {{"ok/a.txt", "a"}, {"../escape.txt", "b"}});
  CHECK(bad.reason() == "invalid_output");
  CHECK(!fs::exists(dir / "out" / "ok" / "a.txt"));
  for (const char* name : {"/abs.txt", "a//b.txt", "./a.txt", "a/../b.txt", ""}) {
    CAPTURE(name);
    CHECK(!spoke::write_generated_files((dir / "out").string(), {{name, "x"}}).ok());
  }
  REQUIRE(spoke::write_generated_files((dir / "out").string(), {{"ok/a.txt", "a"}}).ok());
  CHECK(read_file(dir / "out" / "ok" / "a.txt") == "a");
}

// ---- the CLI ------------------------------------------------------------------------------------

namespace {

struct Cli {
  TempDir dir;
  std::string bin = spoke::testing::binary_from_env("SPOKE_CLI_BIN");

  Cli() {
    for (const auto& [path, content] : kModule) write_file(dir / "proto" / path, content);
    for (const auto& [path, content] : kDependency) write_file(dir / "deps" / path, content);
  }
  spoke::testing::ProcessResult spoke(std::vector<std::string> args) {
    args.insert(args.begin(), bin);
    return run(args, dir.path());
  }
};

}  // namespace

TEST_CASE("spoke_compile_writes_one_language_to_out_and_several_to_out_lang") {
  Cli cli;
  auto one =
      cli.spoke({"compile", "-dir", (cli.dir / "proto").string(), "-I", (cli.dir / "deps").string(),
                 "-out", (cli.dir / "gen").string(), "-lang", "python"});
  REQUIRE_MESSAGE(one.exit_code == 0, one.err);
  CHECK(one.out == "python: wrote 2 files under " + (cli.dir / "gen").string() + "\n");
  auto theirs = run_protoc(cli.dir, cli.dir / "proto", cli.dir / "deps",
                           {"acme/api/v1/invoice.proto", "acme/api/v1/status.proto"},
                           {"--python_out={out}"}, "python");
  REQUIRE(theirs.exit_code == 0);
  CHECK(read_tree(cli.dir / "gen") == theirs.files);

  auto several = cli.spoke(
      {"compile", "-dir", (cli.dir / "proto").string(), "-I", (cli.dir / "deps").string(), "-out",
       (cli.dir / "multi").string(), "-languages", "go,python", "-lang", "cpp", "-opt",
       "go:paths=source_relative", "-grpc", "-grpc-opt", "go:paths=source_relative"});
  REQUIRE_MESSAGE(several.exit_code == 0, several.err);
  auto files = read_tree(cli.dir / "multi");
  CHECK(files.count("cpp/acme/api/v1/invoice.pb.cc") == 1);
  CHECK(files.count("cpp/acme/api/v1/invoice.grpc.pb.cc") == 1);
  CHECK(files.count("python/acme/api/v1/invoice_pb2_grpc.py") == 1);
  // paths=source_relative reached protoc-gen-go and protoc-gen-go-grpc, and not the others.
  CHECK(files.count("go/acme/api/v1/invoice.pb.go") == 1);
  CHECK(files.count("go/acme/api/v1/invoice_grpc.pb.go") == 1);
}

TEST_CASE("spoke_compile_rejections_are_one_line") {
  Cli cli;
  std::string proto = (cli.dir / "proto").string(), deps = (cli.dir / "deps").string(),
              out = (cli.dir / "gen").string();

  auto no_lang = cli.spoke({"compile", "-dir", proto, "-out", out});
  CHECK(no_lang.exit_code == 2);
  CHECK(no_lang.err ==
        "spoke: -lang or -languages is required (run spoke compile --help for usage)\n");

  auto wrong_prefix =
      cli.spoke({"compile", "-dir", proto, "-out", out, "-lang", "go", "-opt", "java:lite"});
  CHECK(wrong_prefix.exit_code == 2);
  CHECK(wrong_prefix.err ==
        "spoke: -opt java:lite: java is not one of the languages compiled (run spoke compile "
        "--help for usage)\n");

  auto missing = cli.spoke({"compile", "-dir", proto, "-I", deps, "-out", out, "-lang", "nosuch"});
  CHECK(missing.exit_code == 1);
  CHECK(missing.err ==
        "spoke: no generator for \"nosuch\": protoc-gen-nosuch was not found on PATH; install it "
        "or give its path\n");

  fs::path bad = write_script(cli.dir, "protoc-gen-bad",
                              "cat >/dev/null\necho 'line one' >&2\necho 'line two' >&2\nexit 2\n");
  auto failing = cli.spoke({"compile", "-dir", proto, "-I", deps, "-out", out, "-languages",
                            "cpp,bad", "-plugin", "protoc-gen-bad=" + bad.string()});
  CHECK(failing.exit_code == 1);
  CHECK(failing.err == "spoke: protoc-gen-bad failed with exit status 2: line one; line two\n");
  CHECK(!fs::exists(cli.dir / "gen"));  // cpp succeeded, but nothing is written

  auto timeout =
      cli.spoke({"compile", "-dir", proto, "-I", deps, "-out", out, "-lang", "slow", "-plugin",
                 "protoc-gen-slow=" + write_script(cli.dir, "slow", "sleep 30\n").string(),
                 "-plugin-timeout", "0.3"});
  CHECK(timeout.exit_code == 1);
  CHECK(timeout.err == "spoke: protoc-gen-slow did not finish within 0.3 s and was killed\n");

  auto invalid = cli.spoke({"compile", "-dir", proto, "-out", out, "-lang", "cpp"});
  CHECK(invalid.exit_code == 1);
  CHECK(invalid.err.starts_with("acme/common/v1/money.proto: File not found.\n"));
  CHECK(!fs::exists(cli.dir / "gen"));
}

TEST_CASE("spoke_compile_recursive_fetches_declared_dependencies") {
  Cli cli;
  spoke::testing::Server server(cli.dir / "server");
  write_file(cli.dir / "deps" / "spoke.yaml", "module: common\n");
  auto push = cli.spoke({"push", "-version", "v1.0.0", "-dir", (cli.dir / "deps").string(),
                         "-registry", server.url(), "-no-git"});
  REQUIRE_MESSAGE(push.exit_code == 0, push.err);
  write_file(cli.dir / "proto" / "spoke.yaml", "module: api\ndeps:\n  - common@latest\n");
  auto r = cli.spoke({"compile", "-dir", (cli.dir / "proto").string(), "-out",
                      (cli.dir / "gen").string(), "-lang", "cpp", "-recursive", "-registry",
                      server.url()});
  REQUIRE_MESSAGE(r.exit_code == 0, r.err);
  auto files = read_tree(cli.dir / "gen");
  CHECK(files.count("acme/api/v1/invoice.pb.h") == 1);
  CHECK(files.count("acme/common/v1/money.pb.h") == 0);  // dependencies are not generated
  CHECK(files.size() == 4);
}

TEST_CASE("spoke_languages_lists_what_can_be_generated") {
  Cli cli;
  auto text = cli.spoke({"languages"});
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.starts_with("LANGUAGE   GENERATOR"));
  CHECK(text.out.find("\ncpp        built-in (libprotoc " + spoke::libprotoc_version() + ")") !=
        std::string::npos);
  auto json = cli.spoke({"languages", "--json"});
  REQUIRE(json.exit_code == 0);
  auto j = nlohmann::json::parse(json.out);
  CHECK(j["libprotoc"] == spoke::libprotoc_version());
  std::set<std::string> names;
  for (const auto& l : j["languages"]) names.insert(l["language"].get<std::string>());
  for (const char* b : kBuiltins) CHECK(names.count(b) == 1);
  CHECK(names.count("go") == (program("protoc-gen-go").empty() ? 0u : 1u));
}
