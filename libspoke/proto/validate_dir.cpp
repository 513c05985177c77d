#include "spoke/validate_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unordered_map>

#include <nlohmann/json.hpp>

#include "metrics/library_metrics.h"
#include "spoke/file_tree.h"
#include "spoke/model.h"
#include "spoke/schema.h"
#include "util/sha256.h"

namespace fs = std::filesystem;

namespace spoke {
namespace {

// Bumped when what a cached result means changes.
constexpr const char* kCacheFormat = "spoke-validate-1";

struct DiskFile {
  std::string path;      // relative to its root, '/'-separated
  std::string abs_path;  // absolute
  std::int64_t size = 0;
  std::int64_t mtime_ns = 0;
  std::uint64_t ino = 0;
  std::string digest;   // "sha256:..." once known
  std::string content;  // once read
  bool read = false;
};

// The .proto files under `dir` with what the digest index compares: size, mtime, inode.
Result<std::vector<DiskFile>> list_tree(const std::string& dir,
                                        const std::vector<std::string>& excludes = {}) {
  auto entries = list_proto_tree(dir, excludes);
  if (!entries.ok()) return entries.status();
  std::vector<DiskFile> out;
  out.reserve(entries->size());
  for (auto& e : entries.value()) {
    struct stat st {};
    if (::stat(e.disk_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    DiskFile f;
    f.path = std::move(e.path);
    f.abs_path = std::move(e.disk_path);
    f.size = st.st_size;
    f.mtime_ns = static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    f.ino = st.st_ino;
    out.push_back(std::move(f));
  }
  return out;
}

Status read_content(DiskFile& f) {
  std::ifstream in(f.abs_path, std::ios::binary);
  if (!in) return Status::Internal(fmt::format("cannot read {}", f.abs_path), reason::kIoError);
  std::ostringstream s;
  s << in.rdbuf();
  f.content = std::move(s).str();
  f.read = true;
  return Status::OK();
}

// The per-file digest index: "<abs path>\t<size>\t<mtime ns>\t<inode>\t<digest>" lines.
class DigestIndex {
 public:
  explicit DigestIndex(fs::path file) : file_(std::move(file)) {
    std::ifstream in(file_);
    std::string line;
    while (std::getline(in, line)) {
      std::istringstream fields(line);
      std::string path, digest;
      Entry e;
      if (std::getline(fields, path, '\t') && fields >> e.size >> e.mtime_ns >> e.ino >> digest) {
        e.digest = digest;
        entries_.emplace(std::move(path), std::move(e));
      }
    }
  }

  // The remembered digest of `f` if its size, mtime and inode are unchanged.
  const std::string* find(const DiskFile& f) const {
    auto it = entries_.find(f.abs_path);
    if (it == entries_.end()) return nullptr;
    const Entry& e = it->second;
    return e.size == f.size && e.mtime_ns == f.mtime_ns && e.ino == f.ino ? &e.digest : nullptr;
  }

  void remember(const DiskFile& f, std::int64_t now_ns) {
    // A file changed within the clock's granularity of its last write could change again
    // without its mtime moving ("racy" entries): not trusted, so not remembered.
    if (f.mtime_ns > now_ns - 2'000'000'000LL) return;
    entries_[f.abs_path] = {f.size, f.mtime_ns, f.ino, f.digest};
    dirty_ = true;
  }

  void save() {
    if (!dirty_) return;
    std::error_code ec;
    fs::create_directories(file_.parent_path(), ec);
    fs::path tmp = file_;
    tmp += fmt::format(".tmp{}", ::getpid());
    {
      std::ofstream out(tmp);
      for (const auto& [path, e] : entries_) {
        out << path << '\t' << e.size << '\t' << e.mtime_ns << '\t' << e.ino << '\t' << e.digest
            << '\n';
      }
      if (!out) return;
    }
    fs::rename(tmp, file_, ec);
  }

 private:
  struct Entry {
    std::int64_t size = 0;
    std::int64_t mtime_ns = 0;
    std::uint64_t ino = 0;
    std::string digest;
  };
  fs::path file_;
  std::unordered_map<std::string, Entry> entries_;
  bool dirty_ = false;
};

nlohmann::json diagnostics_json(const std::vector<Diagnostic>& diags) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : diags) {
    out.push_back({{"file", d.file},
                   {"line", d.line},
                   {"column", d.column},
                   {"severity", to_string(d.severity)},
                   {"message", d.message}});
  }
  return out;
}

}  // namespace

std::string default_cache_dir() {
  if (const char* d = std::getenv("SPOKE_CACHE_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* d = std::getenv("XDG_CACHE_HOME"); d != nullptr && *d != '\0') {
    return (fs::path(d) / "spoke").string();
  }
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0') {
    return (fs::path(d) / ".cache" / "spoke").string();
  }
  return {};
}

Result<DirectoryValidation> validate_directory(const DirectoryValidationOptions& options) {
  auto targets = list_tree(options.dir, options.excludes);
  if (!targets.ok()) return targets.status();
  if (targets->empty()) {
    return Status::InvalidArgument(fmt::format("no .proto files under {}", options.dir),
                                   reason::kNoFiles);
  }
  std::vector<DiskFile> deps;
  for (const auto& inc : options.include_dirs) {
    auto more = list_tree(inc);
    if (!more.ok()) return more.status();
    for (auto& f : more.value()) deps.push_back(std::move(f));
  }

  const bool cached = !options.cache_dir.empty();
  const fs::path cache_root = fs::path(options.cache_dir) / "validate";
  std::unique_ptr<DigestIndex> index;
  const std::int64_t now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                                  std::chrono::system_clock::now().time_since_epoch())
                                  .count();
  std::string key;
  if (cached) {
    index = std::make_unique<DigestIndex>(cache_root / "index.tsv");
    std::string manifest = std::string(kCacheFormat) + "\n";
    auto add = [&](DiskFile& f, char kind) -> Status {
      if (const std::string* known = index->find(f)) {
        f.digest = *known;
      } else {
        SPOKE_RETURN_IF_ERROR(read_content(f));
        f.digest = content_digest(f.content);
        index->remember(f, now_ns);
      }
      manifest += fmt::format("{} {} {}\n", kind, f.digest, f.path);
      return Status::OK();
    };
    for (auto& f : targets.value()) SPOKE_RETURN_IF_ERROR(add(f, 'T'));
    for (auto& f : deps) SPOKE_RETURN_IF_ERROR(add(f, 'D'));
    std::vector<std::string> extra;
    for (const auto& f : options.extra_dependencies) {
      extra.push_back(fmt::format("E {} {}\n", content_digest(f.content), f.path));
    }
    std::sort(extra.begin(), extra.end());
    for (const auto& e : extra) manifest += e;
    index->save();
    key = internal::sha256_hex(manifest);

    std::ifstream in(cache_root / "results" / (key + ".json"));
    if (in) {
      auto j = nlohmann::json::parse(in, nullptr, false);
      if (j.is_object() && j.contains("valid") && j.contains("diagnostics")) {
        DirectoryValidation hit;
        hit.valid = j["valid"].get<bool>();
        hit.cache_hit = true;
        hit.file_count = targets->size();
        for (const auto& d : j["diagnostics"]) {
          hit.diagnostics.push_back(
              {d.value("file", ""), d.value("line", 0), d.value("column", 0),
               parse_severity(d.value("severity", "error")).value_or(Severity::kError),
               d.value("message", "")});
        }
        internal::library_metrics().cache_hits.with({"validate"}).inc();
        return hit;
      }
    }
    internal::library_metrics().cache_misses.with({"validate"}).inc();
  }

  std::vector<FileInput> target_inputs, dep_inputs;
  target_inputs.reserve(targets->size());
  for (auto& f : targets.value()) {
    if (!f.read) SPOKE_RETURN_IF_ERROR(read_content(f));
    target_inputs.push_back({f.path, std::move(f.content)});
  }
  for (auto& f : deps) {
    if (!f.read) SPOKE_RETURN_IF_ERROR(read_content(f));
    dep_inputs.push_back({f.path, std::move(f.content)});
  }
  for (const auto& f : options.extra_dependencies) dep_inputs.push_back(f);

  auto built = build_schema(target_inputs, dep_inputs);
  DirectoryValidation out;
  out.valid = built.valid();
  out.diagnostics = std::move(built.diagnostics);
  out.file_count = target_inputs.size();
  if (cached) {
    std::error_code ec;
    fs::create_directories(cache_root / "results", ec);
    fs::path file = cache_root / "results" / (key + ".json");
    fs::path tmp = file;
    tmp += fmt::format(".tmp{}", ::getpid());
    {
      std::ofstream o(tmp);
      o << nlohmann::json{{"valid", out.valid}, {"diagnostics", diagnostics_json(out.diagnostics)}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    fs::rename(tmp, file, ec);
  }
  out.schema = std::move(built.schema);
  return out;
}

}  // namespace spoke
