#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "spoke/model.h"
#include "spoke/status.h"
#include "spoke/storage.h"

namespace spoke {

struct ModuleSummary {
  Module module;
  std::string latest_version;  // empty when the module has no versions
  std::size_t version_count = 0;
};

struct ModulePage {
  std::vector<ModuleSummary> modules;
  std::string next_page_token;  // empty on the last page
};

struct ModuleDetail {
  Module module;
  std::vector<Version> versions;  // newest first, files without contents
};

struct FileInput {
  std::string path;
  std::string content;
};

struct PushRequest {
  std::string module;
  std::string version;
  std::string description;
  std::string module_description;  // used only when the push creates the module
  std::vector<FileInput> files;
  std::vector<std::string> dependencies;  // "module@version", "latest" allowed
  SourceInfo source_info;
};

struct PushResult {
  Version version;       // files without contents
  bool created = false;  // false: identical content was already there
};

struct CreateModuleResult {
  Module module;
  bool created = false;
};

// The facade front-ends call. Thread-safe.
class Registry {
 public:
  explicit Registry(Storage storage);
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  static Result<std::unique_ptr<Registry>> open(const StorageOptions& options);

  // OK when both stores answer.
  Status check_ready();

  // Creates a module; an existing one is returned unchanged (created = false).
  Result<CreateModuleResult> create_module(const std::string& name, const std::string& description);
  Result<Module> update_module(const std::string& name, const std::string& description);
  // `limit` is clamped to 1..1000 (0 means 100). `page_token` comes from a previous page.
  Result<ModulePage> list_modules(std::size_t limit, const std::string& page_token);
  Result<ModuleDetail> get_module(const std::string& name);

  // Validates, pins dependencies, stores blobs, then all metadata in one transaction.
  // Identical content under an existing version: that version, created = false.
  // Different content: Conflict("version_exists").
  Result<PushResult> push(const PushRequest& request);

  // Newest first, files without contents.
  Result<std::vector<Version>> list_versions(const std::string& module);
  // `version` may be "latest". With `with_content`, file contents are filled in.
  Result<Version> get_version(const std::string& module, const std::string& version,
                              bool with_content);
  // The exact version string `version` ("latest" allowed) names.
  Result<std::string> resolve_version(const std::string& module, const std::string& version);
  // One file with its content.
  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace spoke
