#include "breaking/breaking_internal.h"

namespace spoke::breaking_internal {

std::string nested_name(const std::string& full_name, const std::string& package) {
  if (package.empty()) return full_name;
  if (full_name.size() > package.size() && full_name.compare(0, package.size(), package) == 0 &&
      full_name[package.size()] == '.') {
    return full_name.substr(package.size() + 1);
  }
  return full_name;
}

}  // namespace spoke::breaking_internal
