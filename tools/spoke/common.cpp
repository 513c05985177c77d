#include <iostream>

#include "command.h"
#include "spoke/frontend/output.h"
#include "spoke/validate_dir.h"

namespace spoke::cli {

RemoteOptions Globals::remote() const {
  RemoteOptions options;
  options.url = registry;
  return options;
}

int fail(const Status& s) { return frontend::print_failure(std::cerr, "spoke", s); }

int usage(const std::string& message, const std::string& help) {
  return frontend::print_usage_error(std::cerr, "spoke", message, help);
}

void print_json(const nlohmann::json& j) {
  std::cout << j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

WorkspaceSession::WorkspaceSession(const Globals& globals, const WorkspaceArgs& args)
    : args_(args) {
  if (args_.fetch()) {
    remote_ = std::make_unique<RemoteRegistry>(globals.remote());
    // Versions are immutable: what was fetched once is kept (checked by digest) for next time.
    std::string cache = default_cache_dir();
    if (!cache.empty()) cached_ = make_cached_source(*remote_, cache + "/modules");
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
