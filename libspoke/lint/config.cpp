// Lint configuration as buf reads it: buf.yaml v1beta1, v1 and v2 (with `modules:`), and the
// `lint:` section of spoke.yaml.

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "lint/lint_internal.h"

namespace spoke {

namespace {

using lint_internal::normalize_relative_path;
using lint_internal::path_within;

class Reader {
 public:
  explicit Reader(std::string source) : source_(std::move(source)) {}

  Status invalid(const YAML::Node& at, const std::string& why,
                 const std::string& reason = reason::kInvalidConfig) const {
    return invalid_at(at.Mark().line + 1, why, reason);
  }
  Status invalid_at(int line, const std::string& why,
                    const std::string& reason = reason::kInvalidConfig) const {
    if (source_.empty()) return Status::InvalidArgument(why, reason);
    return Status::InvalidArgument(line > 0 ? fmt::format("{}:{}: {}", source_, line, why)
                                            : fmt::format("{}: {}", source_, why),
                                   reason);
  }

  Result<std::string> string(const YAML::Node& node, const std::string& key) const {
    if (!node.IsScalar()) return invalid(node, fmt::format("{} must be a string", key));
    return node.Scalar();
  }
  Result<bool> boolean(const YAML::Node& node, const std::string& key) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      return invalid(node, fmt::format("{} must be true or false", key));
    }
    return value;
  }
  Result<std::vector<std::string>> strings(const YAML::Node& node, const std::string& key) const {
    std::vector<std::string> out;
    if (node.IsNull()) return out;
    if (!node.IsSequence()) return invalid(node, fmt::format("{} must be a list of strings", key));
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        return invalid(item, fmt::format("each entry of {} must be a string", key));
      }
      out.push_back(item.Scalar());
    }
    return out;
  }

  const std::string& source() const { return source_; }

 private:
  std::string source_;
};

// A lint section before its paths are made relative to a module: the raw entries, with the lines
// they came from for messages.
struct RawLint {
  LintConfig config;
  std::vector<std::pair<std::string, int>> ignore;  // path, line
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, int>>>> ignore_only;
  bool empty = true;  // no key set (buf's isEmpty: false booleans count as unset)
};

Status check_rule_entries(const Reader& r, const std::string& version, const YAML::Node& list) {
  for (const auto& item : list) {
    if (!lint_internal::expand_rule_entry(version, item.Scalar())) {
      return r.invalid(item,
                       fmt::format("{} for version {}",
                                   lint_internal::unknown_rule_message(item.Scalar()), version),
                       reason::kUnknownRule);
    }
  }
  return Status::OK();
}

// Reads a `lint:` mapping of a config of `version` (v2 keys when `v2_keys`).
Result<RawLint> read_lint(const Reader& r, const YAML::Node& node, const std::string& version,
                          bool v2_keys) {
  RawLint out;
  out.config.version = version;
  out.config.allow_comment_ignores = v2_keys;
  if (node.IsNull()) return out;
  if (!node.IsMap()) return r.invalid(node, "lint must be a mapping");
  for (const auto& entry : node) {
    std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "use" || key == "except") {
      auto list = r.strings(value, "lint." + key);
      if (!list.ok()) return list.status();
      SPOKE_RETURN_IF_ERROR(check_rule_entries(r, version, value));
      (key == "use" ? out.config.use : out.config.except) = std::move(list).value();
      if (!(key == "use" ? out.config.use : out.config.except).empty()) out.empty = false;
    } else if (key == "ignore") {
      auto list = r.strings(value, "lint.ignore");
      if (!list.ok()) return list.status();
      int i = 0;
      for (const auto& item : value) {
        out.ignore.emplace_back((*list)[static_cast<std::size_t>(i++)], item.Mark().line + 1);
      }
      if (!out.ignore.empty()) out.empty = false;
    } else if (key == "ignore_only") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) {
        return r.invalid(value, "lint.ignore_only must map rule IDs or categories to paths");
      }
      for (const auto& rule : value) {
        std::string id = rule.first.Scalar();
        if (!lint_internal::expand_rule_entry(version, id)) {
          return r.invalid(
              rule.first,
              fmt::format("{} for version {}", lint_internal::unknown_rule_message(id), version),
              reason::kUnknownRule);
        }
        auto list = r.strings(rule.second, "lint.ignore_only." + id);
        if (!list.ok()) return list.status();
        std::vector<std::pair<std::string, int>> paths;
        int i = 0;
        for (const auto& item : rule.second) {
          paths.emplace_back((*list)[static_cast<std::size_t>(i++)], item.Mark().line + 1);
        }
        if (!paths.empty()) out.empty = false;
        out.ignore_only.emplace_back(std::move(id), std::move(paths));
      }
    } else if (key == "enum_zero_value_suffix" || key == "service_suffix") {
      auto s = r.string(value, "lint." + key);
      if (!s.ok()) return s.status();
      if (!s->empty()) {
        (key == "service_suffix" ? out.config.service_suffix : out.config.enum_zero_value_suffix) =
            *s;
        out.empty = false;
      }
    } else if (key == "rpc_allow_same_request_response" ||
               key == "rpc_allow_google_protobuf_empty_requests" ||
               key == "rpc_allow_google_protobuf_empty_responses" ||
               (!v2_keys && key == "allow_comment_ignores") ||
               (v2_keys && key == "disallow_comment_ignores")) {
      auto b = r.boolean(value, "lint." + key);
      if (!b.ok()) return b.status();
      if (key == "rpc_allow_same_request_response") {
        out.config.rpc_allow_same_request_response = *b;
      } else if (key == "rpc_allow_google_protobuf_empty_requests") {
        out.config.rpc_allow_google_protobuf_empty_requests = *b;
      } else if (key == "rpc_allow_google_protobuf_empty_responses") {
        out.config.rpc_allow_google_protobuf_empty_responses = *b;
      } else if (key == "allow_comment_ignores") {
        out.config.allow_comment_ignores = *b;
      } else {
        out.config.allow_comment_ignores = !*b;
      }
      if (*b) out.empty = false;
    } else if (v2_keys && key == "disable_builtin") {
      auto b = r.boolean(value, "lint.disable_builtin");
      if (!b.ok()) return b.status();
      if (*b) {
        return r.invalid(entry.first,
                         "lint.disable_builtin is not supported: spoke has no lint "
                         "plugins to run instead of its built-in rules");
      }
    } else {
      return r.invalid(
          entry.first,
          fmt::format("unknown key \"{}\" in lint (known: use, except, ignore, ignore_only, "
                      "enum_zero_value_suffix, rpc_allow_same_request_response, "
                      "rpc_allow_google_protobuf_empty_requests, "
                      "rpc_allow_google_protobuf_empty_responses, service_suffix, {})",
                      key, v2_keys ? "disallow_comment_ignores" : "allow_comment_ignores"));
    }
  }
  return out;
}

// The paths of `raw` relative to the module at `module_dir` (buf's rule: the entries of the
// workspace-wide section that lie outside the module are dropped; those of a module's own section
// must lie inside it). An entry naming the module's directory turns lint off.
Result<LintConfig> resolve_lint(const Reader& r, const RawLint& raw, const std::string& module_dir,
                                bool require_within) {
  LintConfig config = raw.config;
  auto relative = [&](const std::string& field, const std::string& path, int line,
                      std::optional<std::string>* out) -> Status {
    auto normalized = normalize_relative_path(path);
    if (!normalized) {
      return r.invalid_at(line,
                          fmt::format("{}: invalid path \"{}\": it must be relative and stay "
                                      "inside the directory of {}",
                                      field, path, r.source().empty() ? "the module" : r.source()));
    }
    if (!path_within(*normalized, module_dir)) {
      if (!require_within) return Status::OK();
      return r.invalid_at(line,
                          fmt::format("{}: path \"{}\" is not contained within module directory "
                                      "\"{}\"",
                                      field, path, module_dir));
    }
    if (module_dir == ".") {
      *out = *normalized;
    } else {
      *out = normalized->size() == module_dir.size() ? std::string(".")
                                                     : normalized->substr(module_dir.size() + 1);
    }
    return Status::OK();
  };
  for (const auto& [path, line] : raw.ignore) {
    auto normalized = normalize_relative_path(path);
    if (normalized && *normalized == module_dir) config.disabled = true;
  }
  config.ignore.clear();
  for (const auto& [path, line] : raw.ignore) {
    std::optional<std::string> rel;
    SPOKE_RETURN_IF_ERROR(relative("lint.ignore", path, line, &rel));
    if (rel && *rel != ".") config.ignore.push_back(*rel);
  }
  config.ignore_only.clear();
  for (const auto& [id, paths] : raw.ignore_only) {
    std::vector<std::string> rels;
    for (const auto& [path, line] : paths) {
      std::optional<std::string> rel;
      SPOKE_RETURN_IF_ERROR(relative("lint.ignore_only", path, line, &rel));
      if (!rel) continue;
      if (*rel == ".") {
        return r.invalid_at(line, fmt::format("lint.ignore_only: cannot specify \"{}\" as an "
                                              "ignore path",
                                              path));
      }
      rels.push_back(*rel);
    }
    if (!rels.empty()) {
      auto& to = config.ignore_only[id];
      to.insert(to.end(), rels.begin(), rels.end());
    }
  }
  return config;
}

Result<std::vector<std::string>> read_excludes(const Reader& r, const YAML::Node& node,
                                               const std::string& key,
                                               const std::string& module_dir) {
  auto list = r.strings(node, key);
  if (!list.ok()) return list.status();
  std::vector<std::string> out;
  int i = 0;
  for (const auto& item : node) {
    const std::string& path = (*list)[static_cast<std::size_t>(i++)];
    auto normalized = normalize_relative_path(path);
    if (!normalized) {
      return r.invalid(item, fmt::format("{}: invalid path \"{}\"", key, path));
    }
    if (*normalized == module_dir || !path_within(*normalized, module_dir)) {
      return r.invalid(item, fmt::format("{}: \"{}\" is not a directory inside module directory "
                                         "\"{}\"",
                                         key, path, module_dir));
    }
    if (normalized->ends_with(".proto")) {
      return r.invalid(item, fmt::format("{}: excludes can only be directories but file {} "
                                         "discovered",
                                         key, path));
    }
    out.push_back(module_dir == "." ? *normalized : normalized->substr(module_dir.size() + 1));
  }
  return out;
}

Result<LintWorkspace> read_v1(const Reader& r, const YAML::Node& root, const std::string& version) {
  LintWorkspace ws;
  ws.version = version;
  ws.source = r.source();
  LintModule module;
  RawLint raw;
  raw.config.version = version;
  raw.config.allow_comment_ignores = false;
  for (const auto& entry : root) {
    std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "version" || key == "name" || key == "deps" || key == "breaking") {
      continue;  // not lint's
    } else if (key == "lint") {
      auto lint = read_lint(r, value, version, false);
      if (!lint.ok()) return lint.status();
      raw = std::move(lint).value();
    } else if (key == "build") {
      if (value.IsNull()) continue;
      if (!value.IsMap()) return r.invalid(value, "build must be a mapping");
      for (const auto& b : value) {
        std::string bkey = b.first.Scalar();
        if (bkey == "roots") {
          auto roots = r.strings(b.second, "build.roots");
          if (!roots.ok()) return roots.status();
          if (roots->empty()) continue;
          if (version != "v1beta1") {
            return r.invalid(b.first,
                             fmt::format("build.roots cannot be set on version {}", version));
          }
          module.roots.clear();
          for (const auto& root_path : *roots) {
            auto normalized = normalize_relative_path(root_path);
            if (!normalized) {
              return r.invalid(b.second,
                               fmt::format("build.roots: invalid path \"{}\"", root_path));
            }
            module.roots.push_back(*normalized);
          }
        } else if (bkey == "excludes") {
          auto excludes = read_excludes(r, b.second, "build.excludes", ".");
          if (!excludes.ok()) return excludes.status();
          module.excludes = std::move(excludes).value();
        } else {
          return r.invalid(b.first,
                           fmt::format("unknown key \"{}\" in build (known: {})", bkey,
                                       version == "v1beta1" ? "roots, excludes" : "excludes"));
        }
      }
    } else {
      return r.invalid(entry.first,
                       fmt::format("unknown key \"{}\" for version {} (known: version, name, deps, "
                                   "build, lint, breaking)",
                                   key, version));
    }
  }
  auto lint = resolve_lint(r, raw, ".", true);
  if (!lint.ok()) return lint.status();
  module.lint = std::move(lint).value();
  ws.modules.push_back(std::move(module));
  return ws;
}

Result<LintWorkspace> read_v2(const Reader& r, const YAML::Node& root) {
  LintWorkspace ws;
  ws.version = "v2";
  ws.source = r.source();
  RawLint defaults;
  defaults.config.version = "v2";
  YAML::Node modules;
  for (const auto& entry : root) {
    std::string key = entry.first.Scalar();
    const YAML::Node& value = entry.second;
    if (key == "version" || key == "name" || key == "deps" || key == "breaking") {
      continue;
    } else if (key == "lint") {
      auto lint = read_lint(r, value, "v2", true);
      if (!lint.ok()) return lint.status();
      defaults = std::move(lint).value();
    } else if (key == "modules") {
      if (!value.IsNull() && !value.IsSequence()) {
        return r.invalid(value, "modules must be a list of {path, lint, ...}");
      }
      modules = value;
    } else if (key == "plugins" || key == "policies") {
      if (value.IsNull() || (value.IsSequence() && value.size() == 0)) continue;
      return r.invalid(entry.first, fmt::format("{} are not supported: spoke runs buf's built-in "
                                                "lint rules only",
                                                key));
    } else {
      return r.invalid(entry.first,
                       fmt::format("unknown key \"{}\" for version v2 (known: version, name, "
                                   "modules, deps, lint, breaking)",
                                   key));
    }
  }
  std::set<std::string> seen;
  auto add_module = [&](const std::string& dir, const YAML::Node* node) -> Status {
    LintModule module;
    module.path = dir;
    const RawLint* raw = &defaults;
    RawLint own;
    bool own_section = false;
    if (node != nullptr) {
      for (const auto& entry : *node) {
        std::string key = entry.first.Scalar();
        if (key == "path" || key == "name" || key == "breaking") continue;
        if (key == "excludes") {
          auto excludes = read_excludes(r, entry.second, "excludes", dir);
          if (!excludes.ok()) return excludes.status();
          module.excludes = std::move(excludes).value();
        } else if (key == "lint") {
          auto lint = read_lint(r, entry.second, "v2", true);
          if (!lint.ok()) return lint.status();
          own = std::move(lint).value();
          own_section = !own.empty;
        } else {
          return r.invalid(entry.first,
                           fmt::format("unknown key \"{}\" in a module (known: path, name, "
                                       "excludes, lint, breaking)",
                                       key));
        }
      }
    }
    if (own_section) raw = &own;
    auto lint = resolve_lint(r, *raw, dir, own_section);
    if (!lint.ok()) return lint.status();
    module.lint = std::move(lint).value();
    ws.modules.push_back(std::move(module));
    return Status::OK();
  };
  if (!modules || modules.IsNull() || modules.size() == 0) {
    SPOKE_RETURN_IF_ERROR(add_module(".", nullptr));
  } else {
    for (const auto& m : modules) {
      if (!m.IsMap()) return r.invalid(m, "each module must be a mapping with a path");
      std::string path = ".";
      if (m["path"]) {
        auto p = r.string(m["path"], "path");
        if (!p.ok()) return p.status();
        path = *p;
      }
      auto dir = normalize_relative_path(path);
      if (!dir) {
        return r.invalid(m, fmt::format("invalid module path \"{}\": it must be relative and stay "
                                        "inside the directory of {}",
                                        path, r.source()));
      }
      if (!seen.insert(*dir).second) {
        return r.invalid(m, fmt::format("module directory \"{}\" seen more than once", *dir));
      }
      SPOKE_RETURN_IF_ERROR(add_module(*dir, &m));
    }
  }
  std::sort(ws.modules.begin(), ws.modules.end(),
            [](const LintModule& a, const LintModule& b) { return a.path < b.path; });
  return ws;
}

Result<YAML::Node> load(const Reader& r, std::string_view text) {
  try {
    return YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    return r.invalid_at(e.mark.line + 1, e.msg);
  }
}

Result<std::string> read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::Internal(fmt::format("cannot read {}", path.string()));
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace

Result<LintWorkspace> parse_buf_yaml(std::string_view text, const std::string& source) {
  Reader r(source);
  auto loaded = load(r, text);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = *loaded;
  if (root.IsNull())
    return r.invalid_at(0, "empty file: \"version\" must be set (v1beta1, v1 or v2)");
  if (!root.IsMap()) return r.invalid(root, "expected a mapping with version: and lint:");
  const YAML::Node version = root["version"];
  if (!version) return r.invalid(root, "\"version\" is not set; add \"version: v2\"");
  if (!version.IsScalar()) return r.invalid(version, "version must be a string");
  const std::string& v = version.Scalar();
  if (v == "v1beta1" || v == "v1") return read_v1(r, root, v);
  if (v == "v2") return read_v2(r, root);
  return r.invalid(version, fmt::format("unknown file version \"{}\" (known: v1beta1, v1, v2)", v));
}

Result<LintWorkspace> parse_spoke_yaml_lint(std::string_view text, const std::string& source) {
  Reader r(source);
  auto loaded = load(r, text);
  if (!loaded.ok()) return loaded.status();
  const YAML::Node& root = *loaded;
  LintWorkspace ws;
  ws.version = "v2";
  ws.source = source;
  RawLint raw;
  raw.config.version = "v2";
  if (!root.IsNull()) {
    if (!root.IsMap()) return r.invalid(root, "expected a mapping with module:, deps: and lint:");
    if (const YAML::Node lint = root["lint"]) {
      auto read = read_lint(r, lint, "v2", true);
      if (!read.ok()) return read.status();
      raw = std::move(read).value();
    }
  }
  auto lint = resolve_lint(r, raw, ".", true);
  if (!lint.ok()) return lint.status();
  LintModule module;
  module.lint = std::move(lint).value();
  ws.modules.push_back(std::move(module));
  return ws;
}

nlohmann::json lint_section_json(const LintConfig& config) {
  nlohmann::json out = {{"use", config.use}, {"except", config.except}};
  std::vector<std::string> ignore = config.ignore;
  if (config.disabled) ignore.insert(ignore.begin(), ".");
  if (!ignore.empty()) out["ignore"] = ignore;
  if (!config.ignore_only.empty()) out["ignore_only"] = config.ignore_only;
  const LintConfig defaults;
  if (config.enum_zero_value_suffix != defaults.enum_zero_value_suffix) {
    out["enum_zero_value_suffix"] = config.enum_zero_value_suffix;
  }
  if (config.rpc_allow_same_request_response) out["rpc_allow_same_request_response"] = true;
  if (config.rpc_allow_google_protobuf_empty_requests) {
    out["rpc_allow_google_protobuf_empty_requests"] = true;
  }
  if (config.rpc_allow_google_protobuf_empty_responses) {
    out["rpc_allow_google_protobuf_empty_responses"] = true;
  }
  if (config.service_suffix != defaults.service_suffix) {
    out["service_suffix"] = config.service_suffix;
  }
  if (!config.allow_comment_ignores) out["disallow_comment_ignores"] = true;
  return out;
}

Result<LintConfig> parse_lint_section(std::string_view text, const std::string& source) {
  Reader r(source);
  auto loaded = load(r, text);
  if (!loaded.ok()) return loaded.status();
  auto raw = read_lint(r, *loaded, "v2", true);
  if (!raw.ok()) return raw.status();
  return resolve_lint(r, *raw, ".", true);
}

Result<std::optional<LintWorkspace>> read_lint_config(const std::string& dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path buf_yaml = fs::path(dir) / "buf.yaml";
  if (fs::exists(buf_yaml, ec)) {
    auto text = read_file(buf_yaml);
    if (!text.ok()) return text.status();
    auto ws = parse_buf_yaml(*text, buf_yaml.string());
    if (!ws.ok()) return ws.status();
    return std::optional<LintWorkspace>(std::move(ws).value());
  }
  fs::path spoke_yaml = fs::path(dir) / "spoke.yaml";
  if (fs::exists(spoke_yaml, ec)) {
    auto text = read_file(spoke_yaml);
    if (!text.ok()) return text.status();
    auto ws = parse_spoke_yaml_lint(*text, spoke_yaml.string());
    if (!ws.ok()) return ws.status();
    return std::optional<LintWorkspace>(std::move(ws).value());
  }
  return std::optional<LintWorkspace>();
}

}  // namespace spoke
