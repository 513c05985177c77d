// Diagnostics printed for --error-format json and github.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "spoke/schema.h"
#include "util/github.h"

namespace spoke {

std::string format_diagnostic(const Diagnostic& d, ErrorFormat format) {
  switch (format) {
    case ErrorFormat::kJson: {
      nlohmann::json j = {
          {"file", d.file}, {"severity", to_string(d.severity)}, {"message", d.message}};
      if (d.line > 0) j["line"] = d.line;
      if (d.column > 0) j["column"] = d.column;
      return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    case ErrorFormat::kGithub: {
      std::string props = "file=" + internal::github_escape(d.file, true);
      if (d.line > 0) props += fmt::format(",line={},col={}", d.line, d.column);
      return fmt::format("::{} {}::{}", to_string(d.severity), props,
                         internal::github_escape(d.message, false));
    }
    case ErrorFormat::kText:
      break;
  }
  return format_diagnostic(d);
}

}  // namespace spoke
