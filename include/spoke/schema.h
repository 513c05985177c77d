#pragma once

// Parsing and linking .proto files with protobuf's compiler API, with diagnostics located the way
// protoc locates them.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
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

// ---- stored descriptors ------------------------------------------------------------------------
// What a registry keeps of a linked version so that it never parses it again.

// The source of the file at a path; nullptr when unknown.
using SourceLookup = std::function<const std::string*(const std::string& path)>;

// The stored form of `schema` (built with SchemaOptions::interpreted_source_info): a serialized
// FileDescriptorSet of the target files and everything they import, well-known types included,
// imports first; each file as linked (resolved type names, interpreted options, json_name only
// where the source sets one) with its SourceCodeInfo as protoc writes it (standard options at
// their interpreted paths, default values located at the value). `source_of` gives the source of
// the files that have default values. InvalidArgument for a schema linked without
// interpreted_source_info.
Result<std::string> stored_descriptor_set(const Schema& schema, const SourceLookup& source_of);

// The Schema of a stored descriptor set, linked from its descriptors without parsing any .proto;
// `targets` are the version's own files. A file's SourceCodeInfo is read from `stored` when first
// asked for: as protoc writes it, or with options.interpreted_source_info with default values
// located as buf locates them (`source_of` gives the targets' sources). With
// options.for_code_generation the pool holds the well-known types and every SourceCodeInfo.
// InvalidArgument("invalid_stored_descriptor") when `stored` is damaged or does not link.
Result<std::shared_ptr<const Schema>> load_stored_schema(std::shared_ptr<const std::string> stored,
                                                         const std::vector<std::string>& targets,
                                                         const SchemaOptions& options = {},
                                                         const SourceLookup& source_of = {});

// `stored` as `protoc --include_imports --descriptor_set_out` writes it (json_name on every
// field), with SourceCodeInfo only when `with_source_info`: the bytes descriptor_set() gives for
// load_stored_schema(stored). InvalidArgument("invalid_stored_descriptor") when damaged.
Result<std::string> output_descriptor_set(std::string_view stored, bool with_source_info);

// Bytes of memory `schema` holds, roughly: what a cache of schemas counts.
std::size_t approximate_size(const Schema& schema);

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
