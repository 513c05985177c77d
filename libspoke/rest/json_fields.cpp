#include "rest/json_fields.h"

#include <fmt/format.h>

#include <cstdio>
#include <ctime>

namespace spoke::rest::internal {

Status wrong_type(const std::string& field, const char* expected) {
  return Status::InvalidArgument(fmt::format("field \"{}\" must be {}", field, expected),
                                 reason::kInvalidField);
}

Status read_string(const json& obj, const char* key, std::string& out, const std::string& prefix) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_string()) return wrong_type(prefix + key, "a string");
  out = it->get<std::string>();
  return Status::OK();
}

Status read_bool(const json& obj, const char* key, bool& out) {
  auto it = obj.find(key);
  if (it == obj.end() || it->is_null()) return Status::OK();
  if (!it->is_boolean()) return wrong_type(key, "true or false");
  out = it->get<bool>();
  return Status::OK();
}

Status reject_unknown_fields(const json& obj, std::initializer_list<const char*> known,
                             const char* what) {
  for (const auto& [key, _] : obj.items()) {
    bool ok = false;
    for (const char* k : known) ok = ok || key == k;
    if (!ok) {
      return Status::InvalidArgument(fmt::format("unknown field \"{}\"; {}", key, what),
                                     reason::kUnknownField);
    }
  }
  return Status::OK();
}

json timestamp_or_null(Timestamp t) { return t > 0 ? json(format_timestamp(t)) : json(); }

Timestamp parse_timestamp(const json& value) {
  if (!value.is_string()) return 0;
  std::tm tm{};
  int ms = 0;
  if (std::sscanf(value.get_ref<const std::string&>().c_str(), "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year,
                  &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &ms) < 6) {
    return 0;
  }
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return static_cast<Timestamp>(timegm(&tm)) * 1000 + ms;
}

}  // namespace spoke::rest::internal
