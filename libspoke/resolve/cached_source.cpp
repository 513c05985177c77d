// A DependencySource that keeps fetched versions on disk: versions are immutable, so a version
// fetched once is answered from the cache afterwards, checked against its digest.
#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "spoke/dependency_source.h"

namespace spoke {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMagic = "spoke-version-1\n";

// One file per version: a header of lines, then each file's bytes after its "file" line.
std::string serialize(const Version& v) {
  std::string out(kMagic);
  out += fmt::format("module {}\nversion {}\ndigest {}\n", v.module, v.version, v.digest);
  for (const auto& d : v.dependencies) {
    out += fmt::format("dep {} {} {}\n", d.module, d.version, d.digest);
  }
  for (const auto& f : v.files) {
    out += fmt::format("file {} {}\n", f.content.size(), f.path);
    out += f.content;
  }
  return out;
}

std::optional<Version> deserialize(const std::string& data) {
  if (data.compare(0, kMagic.size(), kMagic) != 0) return std::nullopt;
  Version v;
  std::size_t pos = kMagic.size();
  auto next_line = [&](std::string& line) {
    auto end = data.find('\n', pos);
    if (end == std::string::npos) return false;
    line = data.substr(pos, end - pos);
    pos = end + 1;
    return true;
  };
  std::string line;
  while (pos < data.size() && next_line(line)) {
    std::istringstream in(line);
    std::string key;
    in >> key;
    if (key == "module") {
      in >> v.module;
    } else if (key == "version") {
      in >> v.version;
    } else if (key == "digest") {
      in >> v.digest;
    } else if (key == "dep") {
      Dependency d;
      in >> d.module >> d.version >> d.digest;
      v.dependencies.push_back(std::move(d));
    } else if (key == "file") {
      std::size_t size = 0;
      in >> size;
      std::string path;
      std::getline(in >> std::ws, path);
      if (path.empty() || size > data.size() - pos) return std::nullopt;
      File f;
      f.path = std::move(path);
      f.content = data.substr(pos, size);
      f.size = size;
      f.digest = content_digest(f.content);
      pos += size;
      v.files.push_back(std::move(f));
    } else {
      return std::nullopt;
    }
  }
  if (v.module.empty() || v.version.empty() || v.files.empty()) return std::nullopt;
  // Damaged or tampered with: not an answer.
  if (compute_version_digest(v.files, v.dependencies) != v.digest) return std::nullopt;
  return v;
}

class CachedSource : public DependencySource {
 public:
  CachedSource(DependencySource& upstream, std::string dir)
      : upstream_(upstream), dir_(std::move(dir)) {}

  Result<Version> fetch_version(const std::string& module, const std::string& version) override {
    auto meta = upstream_.fetch_metadata(module, version);
    if (!meta.ok()) return meta.status();
    return fetch_pinned({meta->module, meta->version, meta->digest});
  }

  Result<Version> fetch_metadata(const std::string& module, const std::string& version) override {
    return upstream_.fetch_metadata(module, version);
  }

  Result<Version> fetch_pinned(const Dependency& pin) override {
    if (!pin.digest.empty()) {
      if (auto kept = read(pin.module, pin.version); kept && kept->digest == pin.digest) {
        return *kept;
      }
    }
    auto v = upstream_.fetch_pinned(pin);
    if (!v.ok()) return v.status();
    write(v.value());
    return v;
  }

  std::string describe() const override { return upstream_.describe(); }

 private:
  fs::path path_of(const std::string& module, const std::string& version) const {
    return fs::path(dir_) / module / (version + ".version");
  }

  std::optional<Version> read(const std::string& module, const std::string& version) const {
    std::ifstream in(path_of(module, version), std::ios::binary);
    if (!in) return std::nullopt;
    std::ostringstream data;
    data << in.rdbuf();
    auto v = deserialize(data.str());
    if (!v || v->module != module || v->version != version) return std::nullopt;
    return v;
  }

  // Best effort: a cache that cannot be written only costs a fetch next time.
  void write(const Version& v) const {
    std::error_code ec;
    fs::path path = path_of(v.module, v.version);
    fs::create_directories(path.parent_path(), ec);
    if (ec) return;
    fs::path tmp = path;
    tmp += fmt::format(".tmp{}", ::getpid());
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      if (!out) return;
      out << serialize(v);
      if (!out) return;
    }
    fs::rename(tmp, path, ec);
    if (ec) fs::remove(tmp, ec);
  }

  DependencySource& upstream_;
  std::string dir_;
};

}  // namespace

std::unique_ptr<DependencySource> make_cached_source(DependencySource& upstream, std::string dir) {
  return std::make_unique<CachedSource>(upstream, std::move(dir));
}

}  // namespace spoke
