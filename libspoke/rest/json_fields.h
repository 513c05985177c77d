#pragma once

// Reading fields of JSON objects with errors that name the field. Private to libspoke-rest.

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke::rest::internal {

using nlohmann::json;

// InvalidArgument("invalid_field"): field "<field>" must be <expected>.
Status wrong_type(const std::string& field, const char* expected);

// Optional members of a request body: absent or null leaves `out` alone; another type is
// wrong_type. `prefix` is prepended to the field's name in messages ("source_info.").
Status read_string(const json& obj, const char* key, std::string& out,
                   const std::string& prefix = "");
Status read_bool(const json& obj, const char* key, bool& out);
// InvalidArgument("unknown_field") for any member not in `known`, naming what `what` has.
Status reject_unknown_fields(const json& obj, std::initializer_list<const char*> known,
                             const char* what);

// A lint section (the keys of a buf.yaml v2 `lint:`) in member `key` of `obj`: nullopt when absent
// or null. InvalidArgument naming the field: "invalid_field" for a wrong type, "unknown_field",
// and the lint configuration's own "unknown_rule" / "invalid_config".
Result<std::optional<LintConfig>> read_lint_section(const json& obj, const char* key);

// Timestamps as the API writes them ("2026-11-23T16:10:02.123Z"); null or absent reads as 0.
json timestamp_or_null(Timestamp t);
Timestamp parse_timestamp(const json& value);

// Runs `read` (which may throw json::exception on a response of the wrong shape) and turns a
// throw into Internal("bad_response") naming `what`.
template <typename T, typename Read>
Result<T> read_response(const char* what, Read&& read) {
  try {
    return read();
  } catch (const json::exception& e) {
    return Status::Internal(std::string("unexpected ") + what + " JSON: " + e.what(),
                            reason::kBadResponse);
  }
}

}  // namespace spoke::rest::internal
