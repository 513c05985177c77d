#pragma once

// Diagnostics as protoc reports them, collected from protobuf's tokenizer, parser and pool. Not
// installed.

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>

#include <string>
#include <vector>

#include "spoke/status.h"

namespace spoke::proto_internal {

// A diagnostic at the 0-based `line` and `column` a location table gives; a negative line (none
// found) gives a diagnostic without a position (0:0).
Diagnostic diagnostic_at(const std::string& file, int line, int column, Severity severity,
                         std::string message);

// Collects the tokenizer's and the parser's errors on the file `path` into `out`. Their warnings
// (naming style) are dropped, as protoc drops them: diagnostics stay the ones protoc prints.
class ParseErrorCollector final : public google::protobuf::io::ErrorCollector {
 public:
  ParseErrorCollector(const std::string& path, std::vector<Diagnostic>& out)
      : path_(path), out_(out) {}
  void AddError(int line, google::protobuf::io::ColumnNumber column,
                const std::string& message) override;
  void AddWarning(int, google::protobuf::io::ColumnNumber, const std::string&) override {}

 private:
  const std::string& path_;
  std::vector<Diagnostic>& out_;
};

// Collects the pool's errors and warnings on linking one file into `out`, located through the
// parser's location table of that file.
class LinkErrorCollector final : public google::protobuf::DescriptorPool::ErrorCollector {
 public:
  LinkErrorCollector(const google::protobuf::compiler::SourceLocationTable& locations,
                     std::vector<Diagnostic>& out)
      : locations_(locations), out_(out) {}
  void AddError(const std::string& filename, const std::string& element_name,
                const google::protobuf::Message* descriptor, ErrorLocation location,
                const std::string& message) override;
  void AddWarning(const std::string& filename, const std::string& element_name,
                  const google::protobuf::Message* descriptor, ErrorLocation location,
                  const std::string& message) override;

 private:
  void add(const std::string& filename, const std::string& element_name,
           const google::protobuf::Message* descriptor, ErrorLocation location,
           const std::string& message, Severity severity);

  const google::protobuf::compiler::SourceLocationTable& locations_;
  std::vector<Diagnostic>& out_;
};

}  // namespace spoke::proto_internal
