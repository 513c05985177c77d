#include "proto/diagnostics.h"

#include <fmt/format.h>

#include <string_view>

#include "spoke/schema.h"

namespace spoke {

namespace proto_internal {

Diagnostic diagnostic_at(const std::string& file, int line, int column, Severity severity,
                         std::string message) {
  return {file, line < 0 ? 0 : line + 1, line < 0 ? 0 : column + 1, severity, std::move(message)};
}

void ParseErrorCollector::AddError(int line, google::protobuf::io::ColumnNumber column,
                                   const std::string& message) {
  out_.push_back({path_, line + 1, column + 1, Severity::kError, message});
}

void LinkErrorCollector::AddError(const std::string& filename, const std::string& element_name,
                                  const google::protobuf::Message* descriptor,
                                  ErrorLocation location, const std::string& message) {
  add(filename, element_name, descriptor, location, message, Severity::kError);
}

void LinkErrorCollector::AddWarning(const std::string& filename, const std::string& element_name,
                                    const google::protobuf::Message* descriptor,
                                    ErrorLocation location, const std::string& message) {
  add(filename, element_name, descriptor, location, message, Severity::kWarning);
}

void LinkErrorCollector::add(const std::string& filename, const std::string& element_name,
                             const google::protobuf::Message* descriptor, ErrorLocation location,
                             const std::string& message, Severity severity) {
  int line = -1, column = -1;
  if (location == IMPORT) {
    locations_.FindImport(descriptor, element_name, &line, &column);
  } else {
    locations_.Find(descriptor, location, &line, &column);
  }
  // Files are linked in an order of our own, so an import that failed reads "has not been
  // loaded"; protoc, which loads imports on demand, says this.
  std::string text = message;
  static constexpr std::string_view kNotLoaded = "\" has not been loaded.";
  if (location == IMPORT && text.ends_with(kNotLoaded)) {
    text = text.substr(0, text.size() - kNotLoaded.size()) + "\" was not found or had errors.";
  }
  out_.push_back(diagnostic_at(filename, line, column, severity, std::move(text)));
}

}  // namespace proto_internal

std::string format_diagnostic(const Diagnostic& d) {
  std::string where = d.line > 0 ? fmt::format("{}:{}:{}", d.file, d.line, d.column) : d.file;
  return fmt::format("{}: {}{}", where, d.severity == Severity::kWarning ? "warning: " : "",
                     d.message);
}

}  // namespace spoke
