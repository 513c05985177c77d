// JSON of breaking-change findings, schema changes and diffs.
#include "rest/json_fields.h"
#include "spoke/rest.h"

namespace spoke::rest {

using internal::read_response;

json to_json(const BreakingFinding& f) {
  json j = json::object();
  if (!f.path.empty()) j["path"] = f.path;
  j["start_line"] = f.start_line;
  j["start_column"] = f.start_column;
  j["end_line"] = f.end_line;
  j["end_column"] = f.end_column;
  j["type"] = f.type;
  j["message"] = f.message;
  return j;
}

json to_json(const SchemaChange& c) {
  json j = {
      {"kind", to_string(c.kind)}, {"element", c.element}, {"name", c.name}, {"path", c.path}};
  if (c.line > 0) j["line"] = c.line;
  if (c.column > 0) j["column"] = c.column;
  if (!c.detail.empty()) j["detail"] = c.detail;
  return j;
}

json to_json(const BreakingResult& r) {
  json findings = json::array(), changes = json::array();
  for (const auto& f : r.findings) findings.push_back(to_json(f));
  for (const auto& c : r.changes) changes.push_back(to_json(c));
  return {{"breaking", r.breaking()},
          {"rules", r.rules},
          {"findings", std::move(findings)},
          {"changes", std::move(changes)},
          {"warnings", r.warnings}};
}

json diff_json(const BreakingResult& r) {
  json findings = json::array(), changes = json::array();
  for (const auto& f : r.findings) findings.push_back(to_json(f));
  for (const auto& c : r.changes) changes.push_back(to_json(c));
  return {{"breaking", std::move(findings)}, {"changes", std::move(changes)}, {"rules", r.rules}};
}

namespace {

BreakingFinding read_finding(const json& f) {
  return {f.value("path", ""),
          f.value("start_line", 1),
          f.value("start_column", 1),
          f.value("end_line", 1),
          f.value("end_column", 1),
          f.at("type").get<std::string>(),
          f.at("message").get<std::string>()};
}

}  // namespace

Result<BreakingFinding> finding_from_json(const json& j) {
  return read_response<BreakingFinding>("finding", [&] { return read_finding(j); });
}

Result<BreakingResult> diff_from_json(const json& j) {
  return read_response<BreakingResult>("diff", [&] {
    BreakingResult r;
    for (const auto& f : j.at("breaking")) r.findings.push_back(read_finding(f));
    for (const auto& c : j.at("changes")) {
      auto kind = parse_change_kind(c.at("kind").get<std::string>());
      if (!kind) throw json::other_error::create(501, "unknown change kind", &c);
      r.changes.push_back({*kind, c.at("element").get<std::string>(),
                           c.at("name").get<std::string>(), c.value("path", ""), c.value("line", 0),
                           c.value("column", 0), c.value("detail", "")});
    }
    r.rules = j.value("rules", std::vector<std::string>{});
    return r;
  });
}

}  // namespace spoke::rest
