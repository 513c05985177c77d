#pragma once

#include <optional>
#include <string>
#include <vector>

#include "spoke/status.h"

namespace spoke {

// spoke.yaml at the root of a module's directory:
//
//   module: payments
//   deps:
//     - common@v1.2.0
//     - googleapis@latest
struct ModuleConfig {
  std::string module;             // empty when not given
  std::vector<std::string> deps;  // "module@version" ("latest" allowed)
};

// Reads `dir`/spoke.yaml. nullopt when there is none; InvalidArgument("invalid_config") naming the
// line when it is not valid YAML or has the wrong shape.
Result<std::optional<ModuleConfig>> read_module_config(const std::string& dir);

}  // namespace spoke
