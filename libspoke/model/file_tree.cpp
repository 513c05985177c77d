#include "spoke/file_tree.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace spoke {

namespace {

// True when `path` is one of `excludes` or under one of them.
bool excluded(const std::string& path, const std::vector<std::string>& excludes) {
  for (const auto& e : excludes) {
    std::string prefix = e;
    while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
    if (prefix.starts_with("./")) prefix.erase(0, 2);
    if (path == prefix || (path.starts_with(prefix) && path[prefix.size()] == '/')) return true;
  }
  return false;
}

}  // namespace

Result<std::vector<ProtoTreeEntry>> list_proto_tree(const std::string& dir,
                                                    const std::vector<std::string>& excludes) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) {
    return Status::NotFound(fmt::format("directory \"{}\" does not exist", dir),
                            reason::kDirNotFound);
  }
  fs::path root = fs::absolute(dir, ec);
  if (ec)
    return Status::Internal(fmt::format("cannot read {}: {}", dir, ec.message()), reason::kIoError);
  std::vector<ProtoTreeEntry> out;
  auto it =
      fs::recursive_directory_iterator(root, fs::directory_options::follow_directory_symlink, ec);
  if (ec)
    return Status::Internal(fmt::format("cannot read {}: {}", dir, ec.message()), reason::kIoError);
  for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (ec)
      return Status::Internal(fmt::format("cannot read {}: {}", dir, ec.message()),
                              reason::kIoError);
    const fs::path& p = it->path();
    std::string name = p.filename().string();
    if (it->is_directory(ec)) {
      if (!name.empty() && name[0] == '.') it.disable_recursion_pending();
      continue;
    }
    if (p.extension() != ".proto" || !it->is_regular_file(ec)) continue;
    std::string rel = p.lexically_relative(root).generic_string();
    if (!excludes.empty() && excluded(rel, excludes)) continue;
    out.push_back({std::move(rel), p.string()});
  }
  std::sort(out.begin(), out.end(),
            [](const ProtoTreeEntry& a, const ProtoTreeEntry& b) { return a.path < b.path; });
  return out;
}

Result<std::vector<FileInput>> read_proto_tree(const std::string& dir,
                                               const std::vector<std::string>& excludes) {
  auto entries = list_proto_tree(dir, excludes);
  if (!entries.ok()) return entries.status();
  std::vector<FileInput> out;
  out.reserve(entries->size());
  for (auto& e : entries.value()) {
    std::ifstream in(e.disk_path, std::ios::binary);
    if (!in) return Status::Internal(fmt::format("cannot read {}", e.disk_path), reason::kIoError);
    std::ostringstream content;
    content << in.rdbuf();
    out.push_back({std::move(e.path), std::move(content).str()});
  }
  return out;
}

Status write_files_under(const std::string& dir, const std::vector<File>& files) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec)
    return Status::Internal(fmt::format("cannot create {}: {}", dir, ec.message()),
                            reason::kIoError);
  fs::path root = fs::weakly_canonical(fs::absolute(dir), ec);
  for (const auto& f : files) {
    if (Status s = validate_file_path(f.path); !s.ok()) {
      return Status::InvalidArgument(fmt::format("refusing to write {}: {}", f.path, s.message()),
                                     reason::kUnsafePath);
    }
  }
  for (const auto& f : files) {
    fs::path target = root / fs::path(f.path);
    fs::create_directories(target.parent_path(), ec);
    if (ec) {
      return Status::Internal(
          fmt::format("cannot create {}: {}", target.parent_path().string(), ec.message()),
          reason::kIoError);
    }
    // A symlinked directory inside `dir` could point elsewhere: check where we really land.
    fs::path real_parent = fs::canonical(target.parent_path(), ec);
    auto rel = real_parent.lexically_relative(root);
    if (ec || rel.empty() || *rel.begin() == "..") {
      return Status::InvalidArgument(
          fmt::format("refusing to write {}: it resolves outside {}", f.path, dir),
          reason::kUnsafePath);
    }
    fs::path tmp = target;
    tmp += ".spoke-tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out.write(f.content.data(), static_cast<std::streamsize>(f.content.size()));
      if (!out)
        return Status::Internal(fmt::format("cannot write {}", tmp.string()), reason::kIoError);
    }
    fs::rename(tmp, target, ec);
    if (ec)
      return Status::Internal(fmt::format("cannot write {}: {}", target.string(), ec.message()),
                              reason::kIoError);
  }
  return Status::OK();
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

std::string run_git(const std::string& dir, const std::string& args) {
  std::string cmd = "git -C " + shell_quote(dir) + " " + args + " 2>/dev/null";
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return {};
  std::string out;
  std::array<char, 256> buf{};
  while (std::fgets(buf.data(), buf.size(), p) != nullptr) out += buf.data();
  if (::pclose(p) != 0) return {};
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out;
}

}  // namespace

SourceInfo detect_git_source_info(const std::string& dir) {
  SourceInfo info;
  info.commit_sha = run_git(dir, "rev-parse HEAD");
  if (info.commit_sha.empty()) return {};
  info.branch = run_git(dir, "rev-parse --abbrev-ref HEAD");
  if (info.branch == "HEAD") info.branch.clear();  // detached
  info.repository = run_git(dir, "config --get remote.origin.url");
  return info;
}

}  // namespace spoke
