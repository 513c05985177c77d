// Findings printed as buf prints them: text, JSON lines, GitHub Actions annotations.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "spoke/breaking.h"
#include "util/github.h"

namespace spoke {

std::string format_finding(const BreakingFinding& f, ErrorFormat format) {
  switch (format) {
    case ErrorFormat::kJson: {
      nlohmann::ordered_json j;
      if (!f.path.empty()) j["path"] = f.path;
      j["start_line"] = f.start_line;
      j["start_column"] = f.start_column;
      j["end_line"] = f.end_line;
      j["end_column"] = f.end_column;
      j["type"] = f.type;
      j["message"] = f.message;
      return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    }
    case ErrorFormat::kGithub: {
      std::string props;
      if (!f.path.empty()) {
        props = fmt::format(" file={},line={},col={},endLine={},endColumn={}",
                            internal::github_escape(f.path, true), f.start_line, f.start_column,
                            f.end_line, f.end_column);
      }
      return fmt::format("::error{}::{}", props, internal::github_escape(f.message, false));
    }
    case ErrorFormat::kText:
      break;
  }
  return fmt::format("{}:{}:{}:{}", f.path.empty() ? "<input>" : f.path, f.start_line,
                     f.start_column, f.message);
}

}  // namespace spoke
