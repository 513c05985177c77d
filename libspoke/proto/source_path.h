#pragma once

// Paths of SourceCodeInfo, and the locations they lead to. A path alternates field numbers of
// descriptor.proto and indexes into repeated fields: {FileDescriptorProto::kMessageTypeFieldNumber,
// 0, DescriptorProto::kFieldFieldNumber, 1} ({4, 0, 2, 1}) is field 1 of message 0. Paths are
// built here from descriptors with protobuf's generated field-number constants; code elsewhere
// names the numbers it appends by those constants too, never by literals. Not installed.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "spoke/schema.h"

namespace spoke::proto_internal {

namespace pb = google::protobuf;

using SourcePath = std::vector<int>;

// `path` followed by `more`: append(path_of(field), {FieldDescriptorProto::kJsonNameFieldNumber}).
SourcePath append(SourcePath path, std::initializer_list<int> more);

// ---- paths by descriptor ---------------------------------------------------------------------

// The path of `d` in its file's FileDescriptorProto, as the compiler lays the proto out. The map
// entry message generated for a map field, and its key and value fields, have such a path but no
// location: the source does not declare them.
SourcePath path_of(const pb::Descriptor* d);
SourcePath path_of(const pb::FieldDescriptor* d);  // a field, or an extension where it is declared
SourcePath path_of(const pb::OneofDescriptor* d);
SourcePath path_of(const pb::EnumDescriptor* d);
SourcePath path_of(const pb::EnumValueDescriptor* d);
SourcePath path_of(const pb::ServiceDescriptor* d);
SourcePath path_of(const pb::MethodDescriptor* d);

// The path at which `d` is written in the source: path_of(d), except that a map entry message and
// its key and value fields are written as the map field they were generated for (where buf locates
// them). What to report an element at; path_of is what to walk the proto with.
SourcePath declared_path_of(const pb::Descriptor* d);
SourcePath declared_path_of(const pb::FieldDescriptor* d);
template <typename D>  // oneofs, enums, enum values, services, methods
SourcePath declared_path_of(const D* d) {
  return path_of(d);
}

// The path of the options of `d`: {FileDescriptorProto::kOptionsFieldNumber} for a file, else
// declared_path_of(d) and the options field of its descriptor proto ({4, 0, 7}: the options of
// message 0).
SourcePath options_path(const pb::FileDescriptor* d);
template <typename D>
SourcePath options_path(const D* d) {
  return append(declared_path_of(d), {D::Proto::kOptionsFieldNumber});
}

// The path of one standard option of `d` by its field number in the options message:
// option_path(file, FileOptions::kGoPackageFieldNumber) is {8, 11}. The parser locates an option
// by its place among the uninterpreted ones ({8, 999, 0}); SourceCodeInfo built with
// SchemaOptions::interpreted_source_info has it at this path, as protoc does.
template <typename D>
SourcePath option_path(const D* d, int option_number) {
  return append(options_path(d), {option_number});
}

// ---- locations ---------------------------------------------------------------------------------

// A span in a file, 1-based: the lines of the first and of the last character, the column of the
// first character and the column just past the last one (an element of n characters on one line
// has end_column - start_column == n). Columns count bytes, except that a tab advances to the next
// multiple of 8, as protobuf's tokenizer counts them. 1:1-1:1 when default-constructed.
struct Span {
  int start_line = 1, start_column = 1, end_line = 1, end_column = 1;
};

// The span of `loc`, whose SourceCodeInfo span is 0-based {start_line, start_column, end_line,
// end_column} (end_line left out when it is start_line); nullopt when it is not 3 or 4 numbers.
std::optional<Span> span_of(const pb::SourceCodeInfo::Location& loc);

// The locations of one file by path. A path may have several (an extend block has one per block;
// `json_name = "x"` one for the whole option, then one for its value): the first, the declaration's
// own, is the one found, as protoc writes and buf reads them. Holds pointers into `info`, which
// must outlive the index.
class LocationIndex {
 public:
  explicit LocationIndex(const pb::SourceCodeInfo& info);
  // The first location of `path`, or nullptr.
  const pb::SourceCodeInfo::Location* find(const SourcePath& path) const;

 private:
  // Every location by the hash of its path, then in file order: no allocation per location.
  struct Entry {
    std::uint64_t hash;
    const pb::SourceCodeInfo::Location* location;
  };
  std::vector<Entry> by_hash_;
};

// A location SchemaLocations found: its span and comments. The comments are views into the
// schema, valid while it lives; empty when there are none.
struct FoundLocation {
  std::optional<Span> span;
  std::string_view leading_comments;
  std::string_view trailing_comments;
};

// The locations of the files of one schema: its SourceCodeInfo (Schema::source_info, where
// standard options are found by option_path when the schema was built with
// SchemaOptions::interpreted_source_info), else the pool's. Each file is indexed when first asked
// about; a schema loaded from a stored descriptor is indexed from the stored bytes, without
// building SourceCodeInfo messages. Not thread-safe.
class SchemaLocations {
 public:
  explicit SchemaLocations(const Schema& schema);
  ~SchemaLocations();
  SchemaLocations(const SchemaLocations&) = delete;
  SchemaLocations& operator=(const SchemaLocations&) = delete;

  // The first location of `path` in `file`, or nullopt (also for a null `file`).
  std::optional<FoundLocation> find(const pb::FileDescriptor* file, const SourcePath& path) const;
  // Its span, or nullopt.
  std::optional<Span> span(const pb::FileDescriptor* file, const SourcePath& path) const;

 private:
  class File;
  const Schema& schema_;
  mutable std::unordered_map<std::string, std::unique_ptr<File>> files_;
  // SourceCodeInfo copied out of the pool for files the schema has none of.
  mutable std::deque<pb::FileDescriptorProto> pool_copies_;
};

}  // namespace spoke::proto_internal
