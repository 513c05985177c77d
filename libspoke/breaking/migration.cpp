// A migration guide in Markdown from a comparison: each breaking change with who it breaks and
// what consumers should do, then every change.
#include <fmt/format.h>

#include <map>
#include <set>

#include "spoke/breaking.h"

namespace spoke {
namespace {

struct Impact {
  bool wire = false;
  bool json = false;
  bool code = true;  // every breaking change can break code generated from the old version
};

// Who a finding breaks, by the categories of its rule: WIRE rules guard the binary encoding,
// WIRE_JSON rules the JSON one too, FILE and PACKAGE rules generated code. Confluent's difference
// types concern readers of the binary encoding.
Impact impact_of(const std::string& type,
                 const std::map<std::string, std::set<std::string>>& cats) {
  Impact i;
  auto it = cats.find(type);
  if (it == cats.end()) {
    i.wire = true;
    i.json = true;
    return i;
  }
  i.wire = it->second.count("WIRE") != 0;
  i.json = i.wire || it->second.count("WIRE_JSON") != 0;
  return i;
}

// What consumers do about a finding of rule `type`.
std::string advice_for(const std::string& type, const Impact& impact) {
  static const std::map<std::string, std::string> kAdvice = {
      {"FIELD_NO_DELETE",
       "Stop reading the field. Producers should mark it `reserved` (number and name) so it is "
       "never reused; code that referenced it must be changed before regenerating."},
      {"FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
       "Stop reading the field, and reserve its number so it is never reused."},
      {"FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
       "Stop reading the field, and reserve its name so JSON data keeps its meaning."},
      {"ENUM_VALUE_NO_DELETE",
       "Handle the value as unknown: data written by older producers may still carry it."},
      {"FIELD_SAME_TYPE",
       "Old and new data disagree on the field's encoding: move producers and consumers to the "
       "new version together, or add a field with a new number instead."},
      {"FIELD_SAME_NAME", "Rename the field in code (and in JSON, unless json_name is kept)."},
      {"FIELD_SAME_JSON_NAME",
       "Read and write the new JSON name; old JSON documents no longer "
       "parse into this field."},
      {"MESSAGE_NO_DELETE", "Remove uses of the message from code before regenerating."},
      {"ENUM_NO_DELETE", "Remove uses of the enum from code before regenerating."},
      {"SERVICE_NO_DELETE", "Clients of the service must move to its replacement first."},
      {"RPC_NO_DELETE", "Clients calling the method must stop calling it first."},
      {"FILE_NO_DELETE", "Update imports of the file and code generated from it."},
      {"FILE_SAME_PACKAGE",
       "Update imports and fully-qualified names in code; over gRPC and "
       "in Any the type names change too."},
  };
  if (auto it = kAdvice.find(type); it != kAdvice.end()) return it->second;
  if (impact.wire) {
    return "Data written by one version is misread by the other: upgrade producers and consumers "
           "together, or keep the old element and add a new one beside it.";
  }
  if (impact.json) {
    return "Binary data still reads, but JSON written by one version does not parse the same in "
           "the other: move JSON producers and consumers together.";
  }
  return "Wire and JSON data stay compatible; regenerate code and update what no longer compiles.";
}

std::string location(const std::string& path, int line, int column) {
  if (path.empty()) return "";
  if (line <= 0) return fmt::format("`{}`", path);
  return fmt::format("`{}:{}:{}`", path, line, column);
}

}  // namespace

std::string migration_guide(const BreakingResult& r, const std::string& title) {
  std::map<std::string, std::set<std::string>> cats;
  if (auto rules = breaking_rules("v2"); rules.ok()) {
    for (const auto& rule : rules.value()) {
      cats[rule.id] = {rule.categories.begin(), rule.categories.end()};
    }
  }
  std::string out = fmt::format("# Migration guide: {}\n\n", title);
  if (r.findings.empty()) {
    out += "No breaking changes";
    out += r.rules.empty() ? " (nothing was checked).\n\n"
                           : ": data, JSON and generated code stay compatible.\n\n";
  } else {
    out += fmt::format("{} breaking change{}.\n\n## Breaking changes\n\n", r.findings.size(),
                       r.findings.size() == 1 ? "" : "s");
    for (const auto& f : r.findings) {
      Impact impact = impact_of(f.type, cats);
      std::vector<std::string> who;
      if (impact.wire) who.emplace_back("wire (binary) data");
      if (impact.json) who.emplace_back("JSON data");
      if (impact.code) who.emplace_back("generated code");
      std::string breaks;
      for (std::size_t i = 0; i < who.size(); ++i) {
        breaks += (i == 0 ? "" : i + 1 == who.size() ? " and " : ", ") + who[i];
      }
      std::string where = location(f.path, f.start_line, f.start_column);
      out += fmt::format(
          "### {}\n\n- **What changed:** {}{}\n- **Breaks:** {}\n- **What to do:** "
          "{}\n\n",
          f.type, f.message, where.empty() ? "" : " (" + where + ")", breaks,
          advice_for(f.type, impact));
    }
  }
  out += "## All changes\n\n";
  if (r.changes.empty()) out += "None.\n";
  for (const auto& c : r.changes) {
    std::string where = location(c.path, c.line, c.column);
    out +=
        fmt::format("- {} {} `{}`{}{}\n", to_string(c.kind), c.element, c.name,
                    where.empty() ? "" : " in " + where, c.detail.empty() ? "" : ": " + c.detail);
  }
  return out;
}

}  // namespace spoke
