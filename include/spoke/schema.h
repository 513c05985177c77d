#pragma once

// Parsing and linking .proto files with protobuf's compiler API, with diagnostics located the way
// protoc locates them.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

// A linked set of files: the targets, the dependency files they import (transitively) and the
// well-known types. Immutable once built; safe to read from several threads.
class Schema {
 public:
  ~Schema();
  const google::protobuf::DescriptorPool& pool() const;
  // Files the caller asked to validate, sorted by path.
  const std::vector<std::string>& target_files() const;
  // Every file linked into the pool, in dependency order (imports first), WKTs excluded.
  const std::vector<std::string>& linked_files() const;
  // The linked descriptor of `path`, or nullptr.
  const google::protobuf::FileDescriptor* file(const std::string& path) const;
  // The parser's SourceCodeInfo (comments and spans) of `path`, or nullptr for WKTs and
  // files that were not parsed here.
  const google::protobuf::SourceCodeInfo* source_info(const std::string& path) const;
  // `path` as a FileDescriptorProto with resolved type names and json_name, and with its
  // SourceCodeInfo when `with_source_info`. False when `path` is not in the pool.
  bool to_proto(const std::string& path, bool with_source_info,
                google::protobuf::FileDescriptorProto* out) const;
  // True when built with SchemaOptions::for_code_generation.
  bool built_for_code_generation() const;

 private:
  friend struct SchemaBuilder;
  Schema();
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

struct SchemaOptions {
  int threads = 0;  // parser threads; 0 = one per core
  bool warn_unused_imports = true;
  // Link as protoc does before generating code: each file with its SourceCodeInfo (generators
  // copy comments from the pool), and the well-known types built into the pool itself instead of
  // read from libprotobuf's generated pool (generators such as Java's resolve custom options
  // through the file's own pool). Costs memory; validation alone does not need it.
  bool for_code_generation = false;
  // Locate the standard options (go_package, ctype, idempotency_level, ...) in source_info() as
  // protoc does once it has interpreted them: by the option set ({8, 11}: go_package) rather
  // than by their place among the uninterpreted options ({8, 999, 0}: the file's first option),
  // without the locations of their name parts and values. Custom options keep the parser's form.
  bool interpreted_source_info = false;
};

struct SchemaResult {
  std::vector<Diagnostic> diagnostics;   // errors and warnings, in file order
  std::shared_ptr<const Schema> schema;  // what linked; complete only when valid()
  bool valid() const;
  std::size_t error_count() const;
};

// Parses every file of `targets` (in parallel) and those of `dependencies` they import, then links
// them in dependency order against the well-known types. Every problem of every file is reported.
SchemaResult build_schema(const std::vector<FileInput>& targets,
                          const std::vector<FileInput>& dependencies = {},
                          const SchemaOptions& options = {});

// The target files with everything they import (well-known types included), imports first, as
// `protoc --include_imports` writes them; with SourceCodeInfo when `with_source_info`.
google::protobuf::FileDescriptorSet descriptor_set(const Schema& schema, bool with_source_info);

// "file:line:col: message" (or "file: message" without a position), with "warning: " before
// the message of a warning: what protoc prints.
std::string format_diagnostic(const Diagnostic& d);
// The same in `format`: protoc's text; a JSON object {"column", "file", "line", "message",
// "severity"} ("line"/"column" only when known); a GitHub Actions annotation.
std::string format_diagnostic(const Diagnostic& d, ErrorFormat format);

// The paths a file imports, read with the tokenizer only (no parse): cheap enough to run over a
// whole module before deciding what to fetch. Malformed input yields what could be read.
std::vector<std::string> scan_imports(const std::string& content);

// True when `path` names a well-known type file that libprotobuf provides
// (google/protobuf/timestamp.proto, ...).
bool is_well_known_file(const std::string& path);

}  // namespace spoke
