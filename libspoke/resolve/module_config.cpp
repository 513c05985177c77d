#include "spoke/module_config.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>

#include "spoke/model.h"

namespace spoke {

Result<std::optional<ModuleConfig>> read_module_config(const std::string& dir) {
  std::filesystem::path path = std::filesystem::path(dir) / "spoke.yaml";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::optional<ModuleConfig>{};
  auto invalid = [&](int line, const std::string& why) {
    return Status::InvalidArgument(line > 0 ? fmt::format("{}:{}: {}", path.string(), line, why)
                                            : fmt::format("{}: {}", path.string(), why),
                                   reason::kInvalidConfig);
  };
  YAML::Node root;
  try {
    root = YAML::LoadFile(path.string());
  } catch (const YAML::Exception& e) {
    return invalid(e.mark.line + 1, e.msg);
  }
  ModuleConfig config;
  if (root.IsNull()) return std::optional<ModuleConfig>{config};
  if (!root.IsMap())
    return invalid(root.Mark().line + 1, "expected a mapping with module: and deps:");
  for (const auto& entry : root) {
    std::string key = entry.first.as<std::string>("");
    const YAML::Node& value = entry.second;
    int line = entry.first.Mark().line + 1;
    if (key == "module") {
      if (!value.IsScalar()) return invalid(line, "module: must be a module name");
      config.module = value.as<std::string>();
      if (Status s = validate_module_name(config.module); !s.ok())
        return invalid(line, s.message());
    } else if (key == "deps") {
      if (value.IsNull()) continue;
      if (!value.IsSequence()) return invalid(line, "deps: must be a list of module@version");
      for (const auto& dep : value) {
        if (!dep.IsScalar())
          return invalid(dep.Mark().line + 1, "each dependency is a string module@version");
        std::string spec = dep.as<std::string>();
        if (auto parsed = parse_dependency_spec(spec); !parsed.ok()) {
          return invalid(dep.Mark().line + 1, parsed.status().message());
        }
        config.deps.push_back(std::move(spec));
      }
    } else if (key == "lint") {
      continue;  // lint settings: read by read_lint_config (spoke/lint.h)
    } else {
      return invalid(line, fmt::format("unknown key \"{}\" (known: module, deps)", key));
    }
  }
  return std::optional<ModuleConfig>{std::move(config)};
}

}  // namespace spoke
