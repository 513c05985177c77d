#pragma once

// Generated files held in memory with protoc's rules for writing them: a file written once, an
// append, an insertion at a `@@protoc_insertion_point(NAME)` with the line's indentation, and
// the `.pb.meta` annotations shifted to match.

#include <google/protobuf/compiler/code_generator.h>
#include <google/protobuf/descriptor.pb.h>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace spoke::compile_internal {

namespace pb = google::protobuf;

// One write a generator made, complete once its stream was closed.
struct OutputWrite {
  enum class Kind { kCreate, kAppend, kInsert };
  Kind kind = Kind::kCreate;
  std::string filename;
  std::string insertion_point;  // for kInsert
  std::string data;
  pb::GeneratedCodeInfo info;  // annotations of `data`, for kInsert
};

// The files of one output root. Writes are applied in the order generators closed them, as
// protoc's GeneratorContextImpl applies them; problems are collected, not thrown.
class OutputDirectory {
 public:
  void apply(OutputWrite write);
  const std::map<std::string, std::string>& files() const { return files_; }
  std::map<std::string, std::string>& files() { return files_; }
  // "name: what went wrong", one per failed write.
  const std::vector<std::string>& errors() const { return errors_; }

 private:
  void insert(OutputWrite& write);
  void update_metadata(const OutputWrite& write, std::size_t offset, std::size_t length,
                       std::size_t indent);
  std::map<std::string, std::string> files_;
  std::vector<std::string> errors_;
};

// A GeneratorContext that hands each write to `sink` when the generator closes its stream.
class RecordingContext final : public pb::compiler::GeneratorContext {
 public:
  using Sink = std::function<void(OutputWrite)>;
  RecordingContext(const std::vector<const pb::FileDescriptor*>& parsed_files, Sink sink)
      : parsed_files_(parsed_files), sink_(std::move(sink)) {}

  pb::io::ZeroCopyOutputStream* Open(const std::string& filename) override;
  pb::io::ZeroCopyOutputStream* OpenForAppend(const std::string& filename) override;
  pb::io::ZeroCopyOutputStream* OpenForInsert(const std::string& filename,
                                              const std::string& insertion_point) override;
  pb::io::ZeroCopyOutputStream* OpenForInsertWithGeneratedCodeInfo(
      const std::string& filename, const std::string& insertion_point,
      const pb::GeneratedCodeInfo& info) override;
  void ListParsedFiles(std::vector<const pb::FileDescriptor*>* output) override {
    *output = parsed_files_;
  }

 private:
  pb::io::ZeroCopyOutputStream* open(OutputWrite write);
  const std::vector<const pb::FileDescriptor*>& parsed_files_;
  Sink sink_;
};

}  // namespace spoke::compile_internal
