// Findings and changes as text: buf's lines, JSON lines, GitHub Actions annotations.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "breaking/finding_json.h"
#include "spoke/breaking.h"
#include "util/github.h"

namespace spoke {

const char* to_string(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::kAdded:
      return "added";
    case ChangeKind::kDeleted:
      return "deleted";
    case ChangeKind::kChanged:
      break;
  }
  return "changed";
}

std::optional<ChangeKind> parse_change_kind(std::string_view text) {
  for (ChangeKind k : {ChangeKind::kAdded, ChangeKind::kChanged, ChangeKind::kDeleted}) {
    if (text == to_string(k)) return k;
  }
  return std::nullopt;
}

std::string format_finding(const BreakingFinding& f, ErrorFormat format) {
  switch (format) {
    case ErrorFormat::kJson: {
      auto j = internal::finding_json<nlohmann::ordered_json>(f);
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
