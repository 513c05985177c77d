// backup_sqlite_storage: SQLite's online backup API for the database, then the blob files.
#include <fmt/format.h>
#include <sqlite3.h>

#include <filesystem>
#include <memory>

#include "spoke/storage_admin.h"
#include "storage/backends.h"

namespace fs = std::filesystem;

namespace spoke {
namespace {

struct SqliteCloser {
  void operator()(sqlite3* db) const { sqlite3_close(db); }
};
using SqliteHandle = std::unique_ptr<sqlite3, SqliteCloser>;

Status sqlite_error(sqlite3* db, const std::string& what) {
  return Status::Internal(fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : "out of memory"),
                          reason::kStorageError);
}

// One consistent copy: the backup runs in a single step, under one read transaction of the
// source, which in WAL mode does not hold up the writers.
Status copy_database(const std::string& source, const std::string& target) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(source.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
  SqliteHandle src(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "open " + source);
  sqlite3_busy_timeout(src.get(), 30000);
  raw = nullptr;
  rc = sqlite3_open_v2(target.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  SqliteHandle dst(raw);
  if (rc != SQLITE_OK) return sqlite_error(raw, "create " + target);
  sqlite3_backup* backup = sqlite3_backup_init(dst.get(), "main", src.get(), "main");
  if (backup == nullptr) return sqlite_error(dst.get(), "backup of " + source);
  do {
    rc = sqlite3_backup_step(backup, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) sqlite3_sleep(50);
  } while (rc == SQLITE_OK || rc == SQLITE_BUSY || rc == SQLITE_LOCKED);
  sqlite3_backup_finish(backup);
  if (rc != SQLITE_DONE) return sqlite_error(dst.get(), "backup of " + source);
  return Status::OK();
}

}  // namespace

Result<BackupReport> backup_storage(const StorageOptions& storage, const std::string& file,
                                    const ProgressFn& progress) {
  auto dir = internal::embedded_directory(storage);
  if (!dir.ok()) {
    if (dir.status().reason() != reason::kNotEmbeddedStorage) return dir.status();
    return Status::InvalidArgument(
        "backup copies the embedded SQLite storage; back up PostgreSQL with pg_dump (see "
        "docs/operations.md)",
        reason::kBackupUnsupported);
  }
  const std::string& data_dir = dir.value();
  fs::path source_db = fs::path(data_dir) / "spoke.db";
  fs::path source_blobs = fs::path(data_dir) / "blobs" / "sha256";
  std::error_code ec;
  if (!fs::exists(source_db, ec)) {
    return Status::InvalidArgument(
        fmt::format("{} holds no spoke.db: not a SQLite data directory", data_dir),
        reason::kInvalidBackup);
  }
  if (fs::exists(file, ec)) {
    return Status::InvalidArgument(fmt::format("{} exists; back up to a new file", file),
                                   reason::kInvalidBackup);
  }
  fs::path target = fs::absolute(file, ec);
  fs::create_directories(target.parent_path(), ec);
  BackupReport report;
  report.database = target.string();
  report.blobs = (target.parent_path() / "blobs").string();

  // The database first: every blob it names was stored before it (blobs are written before the
  // metadata that points at them, and never removed), so copying the blobs afterwards finds them.
  if (progress) progress({"database", 0, 1});
  if (Status s = copy_database(source_db.string(), target.string()); !s.ok()) {
    fs::remove(target, ec);
    return s;
  }
  if (progress) progress({"database", 1, 1});

  std::vector<fs::path> files;
  for (auto it = fs::recursive_directory_iterator(source_blobs, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) {
    return Status::Internal(fmt::format("cannot list {}: {}", source_blobs.string(), ec.message()),
                            reason::kStorageError);
  }
  fs::path target_blobs = fs::path(report.blobs) / "sha256";
  for (std::size_t i = 0; i < files.size(); ++i) {
    fs::path to = target_blobs / fs::relative(files[i], source_blobs);
    if (!fs::exists(to)) {
      fs::create_directories(to.parent_path(), ec);
      fs::path tmp = to.string() + ".tmp";
      if (!ec) fs::copy_file(files[i], tmp, fs::copy_options::overwrite_existing, ec);
      if (!ec) fs::rename(tmp, to, ec);
      if (ec) {
        return Status::Internal(
            fmt::format("cannot copy {} to {}: {}", files[i].string(), to.string(), ec.message()),
            reason::kStorageError);
      }
      ++report.blobs_copied;
    }
    if (progress && ((i + 1) % 1000 == 0 || i + 1 == files.size())) {
      progress({"blobs", i + 1, files.size()});
    }
  }

  // The backup must reproduce every digest before it counts as one.
  auto metadata = open_sqlite_metadata_store(report.database);
  if (!metadata.ok()) return metadata.status();
  auto blobs = open_filesystem_blob_store(report.blobs);
  if (!blobs.ok()) return blobs.status();
  Storage copy{std::move(metadata).value(), std::move(blobs).value()};
  auto verified = verify_storage(copy, progress);
  if (!verified.ok()) return verified.status();
  report.verified = verified.value();
  return report;
}

}  // namespace spoke
