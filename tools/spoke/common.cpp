#include <iostream>

#include "command.h"
#include "spoke/credentials.h"
#include "spoke/frontend/output.h"
#include "spoke/validate_dir.h"

namespace spoke::cli {

RemoteOptions Globals::remote() const {
  RemoteOptions options;
  options.url = registry;
  options.token = token;
  options.ca_cert = ca_cert;
  if (options.token.empty()) {
    // A credentials file that cannot be read is as good as none: the registry says what it needs.
    auto stored = load_credential(default_credentials_path(), registry);
    if (stored.ok()) options.token = stored.value();
  }
  return options;
}

int fail(const Status& s) { return frontend::print_failure(std::cerr, "spoke", s); }

int usage(const std::string& message, const std::string& help) {
  return frontend::print_usage_error(std::cerr, "spoke", message, help);
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

namespace {

class CountingSource : public DependencySource {
 public:
  CountingSource(DependencySource& inner, frontend::Progress& progress)
      : inner_(inner), progress_(progress) {}

  Result<Version> fetch_version(const std::string& module, const std::string& version) override {
    progress_.detail(module + "@" + version);
    auto v = inner_.fetch_version(module, version);
    if (v.ok()) {
      ++versions_;
      for (const auto& f : v->files) bytes_ += f.content.size();
      progress_.count(versions_, 0, versions_ == 1 ? "version" : "versions");
      progress_.bytes(bytes_, 0);
    }
    return v;
  }
  Result<Version> fetch_metadata(const std::string& module, const std::string& version) override {
    return inner_.fetch_metadata(module, version);
  }
  std::string describe() const override { return inner_.describe(); }

 private:
  DependencySource& inner_;
  frontend::Progress& progress_;
  std::size_t versions_ = 0, bytes_ = 0;
};

}  // namespace

std::unique_ptr<DependencySource> count_fetches(DependencySource& inner,
                                                frontend::Progress& progress) {
  return std::make_unique<CountingSource>(inner, progress);
}

WorkspaceSession::WorkspaceSession(const Globals& globals, const WorkspaceArgs& args,
                                   frontend::Progress* progress)
    : args_(args) {
  if (args_.fetch()) {
    remote_ = std::make_unique<RemoteRegistry>(globals.remote());
    DependencySource* source = remote_.get();
    if (progress != nullptr && progress->enabled()) {
      counted_ = count_fetches(*remote_, *progress);
      source = counted_.get();
    }
    // Versions are immutable: what was fetched once is kept (checked by digest) for next time.
    std::string cache = default_cache_dir();
    if (!cache.empty()) cached_ = make_cached_source(*source, cache + "/modules");
  }
}

Result<Workspace*> WorkspaceSession::open() {
  if (!workspace_) {
    WorkspaceOptions options;
    options.dir = args_.dir;
    options.include_dirs = args_.includes;
    options.dependencies = args_.deps;
    if (cached_) {
      options.source = cached_.get();
    } else if (counted_) {
      options.source = counted_.get();
    } else if (remote_) {
      options.source = remote_.get();
    }
    auto ws = Workspace::open(std::move(options));
    if (!ws.ok()) return ws.status();
    workspace_ = std::move(ws).value();
  }
  return workspace_.get();
}

}  // namespace spoke::cli
