// In-memory backends: nothing persisted. Used by tests and for experiments.
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <shared_mutex>

#include "spoke/storage.h"

namespace spoke {
namespace {

class MemoryMetadataStore final : public MetadataStore {
 public:
  Status ping() override { return Status::OK(); }

  Result<bool> create_module(const Module& module) override {
    std::unique_lock lock(mu_);
    return modules_.emplace(module.name, Entry{module, {}, std::nullopt}).second;
  }

  Result<Module> get_module(const std::string& name) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(name);
    if (it == modules_.end()) return module_not_found(name);
    return it->second.module;
  }

  Status update_module(const std::string& name, const std::string& description,
                       Timestamp updated_at) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(name);
    if (it == modules_.end()) return module_not_found(name);
    it->second.module.description = description;
    it->second.module.updated_at = updated_at;
    return Status::OK();
  }

  Result<std::vector<ModuleRecord>> list_modules(const std::string& after,
                                                 std::size_t limit) override {
    std::shared_lock lock(mu_);
    std::vector<ModuleRecord> out;
    for (auto it = modules_.upper_bound(after); it != modules_.end() && out.size() < limit; ++it) {
      out.push_back({it->second.module, refs(it->second)});
    }
    return out;
  }

  Result<std::vector<VersionRef>> list_versions(const std::string& module) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    return refs(it->second);
  }

  Result<Version> get_version(const std::string& module, const std::string& version) override {
    std::shared_lock lock(mu_);
    const Version* v = find(module, version);
    if (v == nullptr) return version_not_found(module, version);
    return *v;
  }

  Result<File> get_file(const std::string& module, const std::string& version,
                        const std::string& path) override {
    std::shared_lock lock(mu_);
    const Version* v = find(module, version);
    if (v == nullptr) return version_not_found(module, version);
    for (const auto& f : v->files) {
      if (f.path == path) return f;
    }
    return Status::NotFound(fmt::format("file \"{}\" not found in {}@{}", path, module, version),
                            reason::kFileNotFound);
  }

  Result<std::vector<std::pair<std::string, std::string>>> find_path(
      const std::string& path) override {
    std::shared_lock lock(mu_);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& [name, entry] : modules_) {
      for (const auto& [version, v] : entry.versions) {
        for (const auto& f : v.files) {
          if (f.path == path) out.emplace_back(name, version);
        }
      }
    }
    return out;
  }

  Result<Version> insert_version(const Module& module_if_missing, Version version) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(version.module);
    if (it == modules_.end())
      it = modules_.emplace(version.module, Entry{module_if_missing, {}, std::nullopt}).first;
    if (it->second.versions.count(version.version) != 0) {
      return Status::Conflict(
          fmt::format("version {}@{} already exists", version.module, version.version),
          reason::kVersionExists);
    }
    version.sequence = ++sequence_;
    for (auto& f : version.files) f.content.clear();
    it->second.versions.emplace(version.version, version);
    return version;
  }

  Status insert_job(const CompileJob& job) override {
    std::unique_lock lock(mu_);
    if (!jobs_.emplace(job.id, job).second) {
      return Status::Conflict(fmt::format("job {} already exists", job.id), reason::kJobExists);
    }
    job_order_.push_back(job.id);
    return Status::OK();
  }

  Result<CompileJob> get_job(const std::string& id) override {
    std::shared_lock lock(mu_);
    auto it = jobs_.find(id);
    if (it == jobs_.end()) return job_not_found(id);
    return it->second;
  }

  Status update_job(const CompileJob& job) override {
    std::unique_lock lock(mu_);
    auto it = jobs_.find(job.id);
    if (it == jobs_.end()) return job_not_found(job.id);
    it->second = job;
    return Status::OK();
  }

  Result<std::vector<CompileJob>> list_jobs(const std::string& module,
                                            const std::string& version) override {
    std::shared_lock lock(mu_);
    std::vector<CompileJob> out;
    for (auto it = job_order_.rbegin(); it != job_order_.rend(); ++it) {
      const CompileJob& j = jobs_.at(*it);
      if (j.module == module && j.version == version) out.push_back(j);
    }
    return out;
  }

  Result<std::vector<CompileJob>> list_jobs_by_status(
      const std::vector<JobStatus>& statuses) override {
    std::shared_lock lock(mu_);
    std::vector<CompileJob> out;
    for (const auto& id : job_order_) {
      const CompileJob& j = jobs_.at(id);
      if (std::find(statuses.begin(), statuses.end(), j.status) != statuses.end()) {
        out.push_back(j);
      }
    }
    return out;
  }

  Status put_artifact(const Artifact& artifact) override {
    std::unique_lock lock(mu_);
    artifacts_.try_emplace(artifact.key, artifact);
    return Status::OK();
  }

  Result<Artifact> get_artifact(const std::string& key) override {
    std::shared_lock lock(mu_);
    auto it = artifacts_.find(key);
    if (it == artifacts_.end()) {
      return Status::NotFound(fmt::format("artifact {} not found", key), reason::kArtifactNotFound);
    }
    return it->second;
  }

  Result<std::optional<ModulePolicy>> get_module_policy(const std::string& module) override {
    std::shared_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    return it->second.config;
  }

  Status put_module_policy(const std::string& module, const ModulePolicy& config) override {
    std::unique_lock lock(mu_);
    auto it = modules_.find(module);
    if (it == modules_.end()) return module_not_found(module);
    it->second.config = config;
    return Status::OK();
  }

 private:
  struct Entry {
    Module module;
    std::map<std::string, Version> versions;
    std::optional<ModulePolicy> config;
  };
  static Status job_not_found(const std::string& id) {
    return Status::NotFound(fmt::format("job {} not found", id), reason::kJobNotFound);
  }

  static std::vector<VersionRef> refs(const Entry& e) {
    std::vector<VersionRef> out;
    for (const auto& [_, v] : e.versions)
      out.push_back({v.version, v.digest, v.created_at, v.sequence});
    return out;
  }
  const Version* find(const std::string& module, const std::string& version) const {
    auto it = modules_.find(module);
    if (it == modules_.end()) return nullptr;
    auto vit = it->second.versions.find(version);
    return vit == it->second.versions.end() ? nullptr : &vit->second;
  }
  static Status module_not_found(const std::string& name) {
    return Status::NotFound(fmt::format("module \"{}\" not found", name), reason::kModuleNotFound);
  }
  static Status version_not_found(const std::string& module, const std::string& version) {
    return Status::NotFound(fmt::format("version {}@{} not found", module, version),
                            reason::kVersionNotFound);
  }

  std::shared_mutex mu_;
  std::map<std::string, Entry> modules_;
  std::int64_t sequence_ = 0;
  std::map<std::string, CompileJob> jobs_;
  std::vector<std::string> job_order_;  // insertion order
  std::map<std::string, Artifact> artifacts_;
};

class MemoryBlobStore final : public BlobStore {
 public:
  Status ping() override { return Status::OK(); }
  Status put(const std::string& digest, std::string_view content) override {
    std::unique_lock lock(mu_);
    blobs_.try_emplace(digest, content);
    return Status::OK();
  }
  Result<std::string> get(const std::string& digest) override {
    std::shared_lock lock(mu_);
    auto it = blobs_.find(digest);
    if (it == blobs_.end()) {
      return Status::NotFound(fmt::format("blob {} not found", digest), reason::kBlobNotFound);
    }
    return it->second;
  }
  Result<bool> exists(const std::string& digest) override {
    std::shared_lock lock(mu_);
    return blobs_.count(digest) != 0;
  }

 private:
  std::shared_mutex mu_;
  std::map<std::string, std::string> blobs_;
};

}  // namespace

std::unique_ptr<MetadataStore> make_memory_metadata_store() {
  return std::make_unique<MemoryMetadataStore>();
}
std::unique_ptr<BlobStore> make_memory_blob_store() { return std::make_unique<MemoryBlobStore>(); }

}  // namespace spoke
