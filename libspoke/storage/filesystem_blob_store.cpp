// Content-addressed blobs on a filesystem: <root>/sha256/<2 hex>/<62 hex>.
// A put writes a temporary file, fsyncs it, renames it into place and fsyncs the directory, so
// a reader sees a whole blob or none. put_many does the same for a batch with two filesystem
// flushes in all (syncfs after the writes, and after the renames) instead of two fsyncs a blob:
// pushing thousands of files costs one flush, not thousands.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "spoke/storage.h"
#include "util/timing.h"

namespace fs = std::filesystem;

namespace spoke {
namespace {

bool is_sha256_digest(const std::string& d) {
  if (d.size() != 7 + 64 || d.compare(0, 7, "sha256:") != 0) return false;
  for (std::size_t i = 7; i < d.size(); ++i) {
    char c = d[i];
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

Status errno_status(const std::string& what, const fs::path& p) {
  return Status::Internal(fmt::format("{} {}: {}", what, p.string(), std::strerror(errno)),
                          reason::kStorageError);
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Status fsync_dir(const fs::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return errno_status("open", dir);
  if (::fsync(fd.get()) != 0) return errno_status("fsync", dir);
  return Status::OK();
}

class FilesystemBlobStore final : public BlobStore {
 public:
  explicit FilesystemBlobStore(fs::path root) : root_(std::move(root)) {}

  Status init() {
    std::error_code ec;
    fs::create_directories(root_ / "sha256", ec);
    if (!ec) fs::create_directories(root_ / "tmp", ec);
    if (ec) {
      return Status::Internal(
          fmt::format("cannot create blob directory {}: {}", root_.string(), ec.message()),
          reason::kStorageError);
    }
    return Status::OK();
  }

  Status ping() override {
    struct stat st {};
    if (::stat((root_ / "sha256").c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::Unavailable(fmt::format("blob directory {} is not accessible", root_.string()),
                                 reason::kStorageUnavailable);
    }
    return Status::OK();
  }

  Status put(const std::string& digest, std::string_view content) override {
    if (!is_sha256_digest(digest)) return bad_digest(digest);
    fs::path final_path = path_of(digest);
    if (::access(final_path.c_str(), F_OK) == 0) return Status::OK();
    auto tmp = write_temp(digest, content, /*sync=*/true);
    if (!tmp.ok()) return tmp.status();
    SPOKE_RETURN_IF_ERROR(move_into_place(tmp.value(), final_path));
    return fsync_dir(final_path.parent_path());
  }

  Status put_many(const std::vector<std::pair<std::string, std::string_view>>& blobs) override {
    internal::PhaseTimer timer("put_many");
    // What is missing, checked before anything is written.
    struct Pending {
      const std::string* digest;
      std::string_view content;
      fs::path final_path;
      fs::path tmp;  // once written
      Status status;
    };
    std::vector<Pending> pending;
    for (const auto& [digest, content] : blobs) {
      if (!is_sha256_digest(digest)) return bad_digest(digest);
      fs::path final_path = path_of(digest);
      if (::access(final_path.c_str(), F_OK) == 0) continue;
      pending.push_back({&digest, content, std::move(final_path), {}, Status::OK()});
    }
    auto discard = [&] {
      for (const auto& p : pending) {
        if (!p.tmp.empty()) ::unlink(p.tmp.c_str());
      }
    };
    // Creating thousands of small files is syscall-bound: a few threads write them.
    std::atomic<std::size_t> next{0};
    auto writer = [&] {
      for (std::size_t i; (i = next.fetch_add(1)) < pending.size();) {
        auto tmp = write_temp(*pending[i].digest, pending[i].content, /*sync=*/false);
        if (tmp.ok()) {
          pending[i].tmp = std::move(tmp).value();
        } else {
          pending[i].status = tmp.status();
        }
      }
    };
    std::size_t threads = std::min<std::size_t>(4, pending.size() / 64 + 1);
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(writer);
    writer();
    for (auto& th : pool) th.join();
    for (const auto& p : pending) {
      if (!p.status.ok()) {
        discard();
        return p.status;
      }
    }
    timer.phase("write");
    if (pending.empty()) return Status::OK();
    // Contents reach the disk before any name points at them...
    if (Status s = sync_filesystem(); !s.ok()) {
      discard();
      return s;
    }
    timer.phase("sync contents");
    for (std::size_t i = 0; i < pending.size(); ++i) {
      if (Status s = move_into_place(pending[i].tmp, pending[i].final_path); !s.ok()) {
        for (std::size_t j = i + 1; j < pending.size(); ++j) ::unlink(pending[j].tmp.c_str());
        return s;
      }
    }
    timer.phase("rename");
    // ...and the names themselves before the caller records them.
    Status synced = sync_filesystem();
    timer.phase("sync names");
    return synced;
  }

  Result<std::string> get(const std::string& digest) override {
    if (!is_sha256_digest(digest)) return bad_digest(digest);
    fs::path p = path_of(digest);
    Fd fd(::open(p.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) {
        return Status::NotFound(fmt::format("blob {} not found", digest), reason::kBlobNotFound);
      }
      return errno_status("open", p);
    }
    struct stat st {};
    if (::fstat(fd.get(), &st) != 0) return errno_status("stat", p);
    std::string out(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd.get(), out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return errno_status("read", p);
      got += static_cast<std::size_t>(n);
    }
    return out;
  }

  Result<bool> exists(const std::string& digest) override {
    if (!is_sha256_digest(digest)) return bad_digest(digest);
    return ::access(path_of(digest).c_str(), F_OK) == 0;
  }

 private:
  // Writes `content` to a new file under tmp/; fsyncs it when `sync`.
  Result<fs::path> write_temp(const std::string& digest, std::string_view content, bool sync) {
    fs::path tmp =
        root_ / "tmp" / fmt::format("{}.{}.{}", digest.substr(7, 16), ::getpid(), ++counter_);
    Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    if (fd.get() < 0) return errno_status("create", tmp);
    const char* p = content.data();
    std::size_t left = content.size();
    while (left > 0) {
      ssize_t n = ::write(fd.get(), p, left);
      if (n < 0) {
        if (errno == EINTR) continue;
        Status s = errno_status("write", tmp);
        ::unlink(tmp.c_str());
        return s;
      }
      p += n;
      left -= static_cast<std::size_t>(n);
    }
    if ((sync && ::fsync(fd.get()) != 0) || ::close(fd.release()) != 0) {
      Status s = errno_status(sync ? "fsync" : "close", tmp);
      ::unlink(tmp.c_str());
      return s;
    }
    return tmp;
  }

  // Renames `tmp` to `final_path`, creating its fan-out directory; removes `tmp` on failure.
  static Status move_into_place(const fs::path& tmp, const fs::path& final_path) {
    std::error_code ec;
    fs::create_directories(final_path.parent_path(), ec);
    if (ec) {
      ::unlink(tmp.c_str());
      return Status::Internal("cannot create " + final_path.parent_path().string(),
                              reason::kStorageError);
    }
    if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
      Status s = errno_status("rename", tmp);
      ::unlink(tmp.c_str());
      return s;
    }
    return Status::OK();
  }

  // Flushes everything written on the blob store's filesystem.
  Status sync_filesystem() const {
    Fd fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (fd.get() < 0) return errno_status("open", root_);
    if (::syncfs(fd.get()) != 0) return errno_status("syncfs", root_);
    return Status::OK();
  }

  fs::path path_of(const std::string& digest) const {
    return root_ / "sha256" / digest.substr(7, 2) / digest.substr(9);
  }
  static Status bad_digest(const std::string& digest) {
    return Status::InvalidArgument(fmt::format("\"{}\" is not a sha256 digest", digest),
                                   reason::kInvalidDigest);
  }

  fs::path root_;
  std::atomic<std::uint64_t> counter_{0};
};

}  // namespace

Result<std::unique_ptr<BlobStore>> open_filesystem_blob_store(const std::string& root) {
  auto store = std::make_unique<FilesystemBlobStore>(root);
  SPOKE_RETURN_IF_ERROR(store->init());
  return std::unique_ptr<BlobStore>(std::move(store));
}

}  // namespace spoke
