// Linting a directory as `buf lint DIR` does: its files, its configuration, extra import roots.

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "spoke/file_tree.h"
#include "spoke/lint.h"
#include "util/timing.h"

namespace spoke {

bool is_config_file(const std::string& given) {
  std::string ext = std::filesystem::path(given).extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

Result<std::string> read_config_argument(const std::string& given) {
  if (!is_config_file(given)) return given;
  std::ifstream in(given, std::ios::binary);
  if (!in) {
    return Status::InvalidArgument(fmt::format("cannot read config file {}", given),
                                   reason::kInvalidConfig);
  }
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

Result<LintWorkspace> lint_configuration(const std::string& dir, const std::string& config) {
  if (!config.empty()) {
    auto text = read_config_argument(config);
    if (!text.ok()) return text.status();
    return parse_buf_yaml(text.value(), is_config_file(config) ? config : "--config");
  }
  auto found = read_lint_config(dir);
  if (!found.ok()) return found.status();
  if (found->has_value()) return std::move(**found);
  // No configuration: buf lints with the defaults of a v1 buf.yaml.
  return parse_buf_yaml("version: v1\n", "default configuration");
}

Result<LintResult> lint_directory(const LintDirectoryOptions& options) {
  internal::PhaseTimer timer("lint_directory");
  auto workspace = lint_configuration(options.dir, options.config);
  if (!workspace.ok()) return workspace.status();
  auto files = read_proto_tree(options.dir);
  if (!files.ok()) return files.status();
  if (files->empty()) {
    return Status::InvalidArgument(fmt::format("no .proto files under {}", options.dir),
                                   reason::kNoFiles);
  }
  std::vector<FileInput> dependencies;
  for (const auto& dir : options.include_dirs) {
    auto more = read_proto_tree(dir);
    if (!more.ok()) return more.status();
    for (auto& f : *more) dependencies.push_back(std::move(f));
  }
  timer.phase("read");
  return lint_workspace(*files, dependencies, *workspace, options.threads);
}

}  // namespace spoke
