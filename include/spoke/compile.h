#pragma once

// Code generation from a linked Schema: libprotoc's built-in generators in-process, any other
// language through the protoc plugin protocol (a `protoc-gen-<name>` program). For the same
// input and options, the files are byte for byte what `protoc --<lang>_out` writes.

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/schema.h"
#include "spoke/status.h"

namespace spoke {

// One generated file: a relative '/'-separated path under the output root, and its bytes.
struct GeneratedFile {
  std::string name;
  std::string content;
};

struct CompileRequest {
  // A built-in language (cpp, java, kotlin, python, pyi, csharp, objc, php, ruby) or the name
  // of a plugin: "go" runs protoc-gen-go, "foo" runs protoc-gen-foo. Lowercase letters, digits,
  // '_' and '-' only.
  std::string language;
  // Also run the language's gRPC plugin (grpc_cpp_plugin, protoc-gen-go-grpc, ...) into the
  // same output, as `--grpc_out` next to `--<lang>_out` does. InvalidArgument for a language
  // without one.
  bool grpc = false;
  // Generator options as protoc's `--<lang>_opt` takes them ("paths=source_relative",
  // "Mfoo.proto=example.com/foo", "lite"); joined with ',' into the generator's parameter.
  std::vector<std::string> options;
  // Options of the gRPC plugin, likewise.
  std::vector<std::string> grpc_options;
  // Files to generate code for; empty means the schema's target files. Each must be linked
  // in the schema.
  std::vector<std::string> files;
};

// Where plugins come from and how long they may run. Not per request: a server sets it once.
struct CompilerOptions {
  // Directories searched for plugins before $PATH.
  std::vector<std::string> plugin_dirs;
  // Explicit plugin binaries by program name ("protoc-gen-go" -> "/opt/bin/protoc-gen-go").
  std::map<std::string, std::string> plugin_binaries;
  // A plugin still running after this long is killed and the compile fails.
  std::chrono::milliseconds plugin_timeout{std::chrono::seconds(60)};
  // Threads for per-file generation with the built-in generators; 0 = one per core.
  int threads = 0;
};

// Generates code for `request.files` (default: the target files) of `schema`, which must be
// built with SchemaOptions::for_code_generation, else InvalidArgument. Files are sorted by name.
// All or nothing: any failure returns a Status and no files. Reasons: "unknown_language" (bad name,
// or grpc for a language without a plugin), "plugin_not_found" (message names the program and, when
// known, the Debian package), "generator_failed" (a generator's error, a plugin's crash, non-zero
// exit or bad response; the plugin's stderr is in the message), "plugin_timeout", "invalid_output"
// (a file name outside the output root, a file written twice, a missing insertion point).
// Thread-safe.
Result<std::vector<GeneratedFile>> compile(const Schema& schema, const CompileRequest& request,
                                           const CompilerOptions& options = {});

// Parses and links `targets` against `dependencies` (as build_schema does), then compiles them.
// An invalid schema is Unprocessable ("invalid_schema") with the diagnostics attached.
Result<std::vector<GeneratedFile>> compile(const std::vector<FileInput>& targets,
                                           const std::vector<FileInput>& dependencies,
                                           const CompileRequest& request,
                                           const CompilerOptions& options = {});

// OK when every program `request` needs is installed; otherwise the Status compile would return
// for it ("unknown_language", "plugin_not_found"). Cheap: nothing runs.
Status check_compile_request(const CompileRequest& request, const CompilerOptions& options = {});

// A stable name for what `request` would run, for cache keys: "builtin:cpp@libprotoc-3.21.12",
// "plugin:protoc-gen-go@sha256:<hex of the binary>", and with grpc "+" and the gRPC plugin's.
// Options are not part of it. Fails as compile does when a program is missing.
Result<std::string> generator_identity(const CompileRequest& request,
                                       const CompilerOptions& options = {});

// What this installation can generate.
struct LanguageInfo {
  std::string language;      // "cpp", "go", ...
  bool builtin = false;      // libprotoc in-process; else a plugin
  std::string program;       // the plugin's path ("" when built in)
  std::string grpc_program;  // path of the gRPC plugin found for it, or ""
  std::string grpc_missing;  // name of the gRPC plugin this language has but is not installed
};

// The built-in languages, then every `protoc-gen-*` found in the plugin directories and $PATH,
// sorted by language. Plugins that are gRPC plugins of another language (protoc-gen-go-grpc)
// are listed only under that language.
std::vector<LanguageInfo> available_languages(const CompilerOptions& options = {});

// True for the languages generated in-process.
bool is_builtin_language(const std::string& language);

// The version of the linked libprotoc, "3.21.12": what built-in generators write and what
// plugins are told in CodeGeneratorRequest.compiler_version.
std::string libprotoc_version();

// Writes `files` under `dir` (created if needed), replacing files of the same names, as protoc
// does. Names are checked first: one absolute or escaping name and nothing is written.
Status write_generated_files(const std::string& dir, const std::vector<GeneratedFile>& files);

}  // namespace spoke
