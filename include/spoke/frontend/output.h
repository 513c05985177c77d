#pragma once

// What spoke's command-line front-ends share: exit statuses, and how a failure, diagnostics and
// counts are printed. Part of the small libspoke-frontend library (not installed).

#include <cstddef>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/status.h"

namespace spoke::frontend {

// Exit statuses, as buf's: 0 success, 1 failure, 2 usage error, 100 findings (breaking
// changes, lint findings, unformatted files).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitFindings = 100;

// "1 file", "2 files"; `plural_form` defaults to `singular` + "s".
std::string plural(std::size_t n, std::string_view singular, std::string_view plural_form = "");

// Prints "<program>: <message>" and each diagnostic indented on the next lines, to `out`.
// Returns kExitFailure.
int print_failure(std::ostream& out, std::string_view program, const Status& s);

// Prints "<program>: <message> (run <program> --help for usage)". Returns kExitUsage.
int print_usage_error(std::ostream& out, std::string_view program, std::string_view message,
                      std::string_view help = "");

// Prints diagnostics in `format`: text to `err` as protoc prints them; json and github to `out`.
void print_diagnostics(std::ostream& out, std::ostream& err, const std::vector<Diagnostic>& diags,
                       ErrorFormat format);

}  // namespace spoke::frontend
