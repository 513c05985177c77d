#include "spoke/frontend/output.h"

#include <fmt/format.h>

#include <ostream>

#include "spoke/schema.h"

namespace spoke::frontend {

std::string plural(std::size_t n, std::string_view singular, std::string_view plural_form) {
  if (n == 1) return fmt::format("1 {}", singular);
  if (plural_form.empty()) return fmt::format("{} {}s", n, singular);
  return fmt::format("{} {}", n, plural_form);
}

int print_failure(std::ostream& out, std::string_view program, const Status& s) {
  out << program << ": " << s.message() << "\n";
  for (const auto& d : s.diagnostics()) {
    // A diagnostic without a position whose message names its file already reads whole.
    if (d.line == 0 && (d.file.empty() || d.message.find(d.file) != std::string::npos)) {
      out << "  " << d.message << "\n";
    } else {
      out << "  " << format_diagnostic(d) << "\n";
    }
  }
  return kExitFailure;
}

int print_usage_error(std::ostream& out, std::string_view program, std::string_view message,
                      std::string_view help) {
  out << program << ": " << message << " (run " << (help.empty() ? program : help)
      << " --help for usage)\n";
  return kExitUsage;
}

void print_diagnostics(std::ostream& out, std::ostream& err, const std::vector<Diagnostic>& diags,
                       ErrorFormat format) {
  for (const auto& d : diags) {
    if (format == ErrorFormat::kText) {
      err << format_diagnostic(d) << "\n";
    } else {
      out << format_diagnostic(d, format) << "\n";
    }
  }
}

}  // namespace spoke::frontend
