#include "spoke/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fmt/format.h>

#include <memory>

namespace spoke {
namespace {

struct ArchiveDeleter {
  void operator()(archive* a) const { archive_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveDeleter>;

struct EntryDeleter {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};

la_ssize_t append_to_string(archive*, void* out, const void* buffer, size_t length) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(buffer), length);
  return static_cast<la_ssize_t>(length);
}

Status archive_error(archive* a, const char* what) {
  const char* detail = archive_error_string(a);
  return Status::Internal(fmt::format("{}: {}", what, detail != nullptr ? detail : "unknown error"),
                          reason::kArchiveError);
}

bool is_safe_name(const std::string& name) {
  if (name.empty() || name.front() == '/' || name.find('\\') != std::string::npos) return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find('/', start);
    if (end == std::string::npos) end = name.size();
    if (name.compare(start, end - start, "..") == 0 && end - start == 2) return false;
    start = end + 1;
  }
  return true;
}

}  // namespace

Result<ArchiveFormat> parse_archive_format(const std::string& name) {
  if (name == "zip") return ArchiveFormat::kZip;
  if (name == "tar.gz" || name == "tgz") return ArchiveFormat::kTarGz;
  return Status::InvalidArgument(
      fmt::format("unknown archive format \"{}\"; use zip or tar.gz", name),
      reason::kInvalidFormat);
}

const char* archive_extension(ArchiveFormat format) {
  return format == ArchiveFormat::kZip ? "zip" : "tar.gz";
}

const char* archive_content_type(ArchiveFormat format) {
  return format == ArchiveFormat::kZip ? "application/zip" : "application/gzip";
}

Result<std::string> write_archive(const std::vector<GeneratedFile>& files, ArchiveFormat format,
                                  Timestamp mtime) {
  ArchivePtr a(archive_write_new());
  if (!a) return Status::Internal("cannot allocate an archive writer", reason::kArchiveError);
  int r = format == ArchiveFormat::kZip ? archive_write_set_format_zip(a.get())
                                        : archive_write_set_format_pax_restricted(a.get());
  if (r == ARCHIVE_OK && format == ArchiveFormat::kTarGz) {
    r = archive_write_add_filter_gzip(a.get());
    // No timestamp or name in the gzip header: the same files give the same bytes.
    if (r == ARCHIVE_OK) r = archive_write_set_filter_option(a.get(), "gzip", "timestamp", nullptr);
  }
  if (r == ARCHIVE_OK) r = archive_write_set_bytes_in_last_block(a.get(), 1);
  if (r != ARCHIVE_OK) return archive_error(a.get(), "cannot set up the archive");
  std::string out;
  if (archive_write_open2(a.get(), &out, nullptr, append_to_string, nullptr, nullptr) !=
      ARCHIVE_OK) {
    return archive_error(a.get(), "cannot open the archive");
  }
  std::unique_ptr<archive_entry, EntryDeleter> entry(archive_entry_new());
  const time_t seconds = static_cast<time_t>(mtime / 1000);
  for (const auto& f : files) {
    archive_entry_clear(entry.get());
    archive_entry_set_pathname(entry.get(), f.name.c_str());
    archive_entry_set_size(entry.get(), static_cast<la_int64_t>(f.content.size()));
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0644);
    archive_entry_set_mtime(entry.get(), seconds, 0);
    if (archive_write_header(a.get(), entry.get()) != ARCHIVE_OK) {
      return archive_error(a.get(), "cannot add a file to the archive");
    }
    if (!f.content.empty() && archive_write_data(a.get(), f.content.data(), f.content.size()) !=
                                  static_cast<la_ssize_t>(f.content.size())) {
      return archive_error(a.get(), "cannot write a file to the archive");
    }
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    return archive_error(a.get(), "cannot finish the archive");
  }
  return out;
}

Result<std::vector<GeneratedFile>> read_archive(const std::string& bytes) {
  ArchivePtr a(archive_read_new());
  if (!a) return Status::Internal("cannot allocate an archive reader", reason::kArchiveError);
  archive_read_support_format_zip(a.get());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open_memory(a.get(), bytes.data(), bytes.size()) != ARCHIVE_OK) {
    return Status::InvalidArgument(
        fmt::format("not a zip or tar.gz archive: {}", archive_error_string(a.get())),
        reason::kInvalidArchive);
  }
  std::vector<GeneratedFile> out;
  archive_entry* entry = nullptr;
  for (;;) {
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      return Status::InvalidArgument(
          fmt::format("damaged archive: {}", archive_error_string(a.get())),
          reason::kInvalidArchive);
    }
    const char* raw = archive_entry_pathname(entry);
    std::string name = raw != nullptr ? raw : "";
    auto type = archive_entry_filetype(entry);
    if (type == AE_IFDIR) continue;
    if (type != AE_IFREG) {
      return Status::InvalidArgument(
          fmt::format("archive entry \"{}\" is not a regular file", name), reason::kInvalidArchive);
    }
    if (!is_safe_name(name)) {
      return Status::InvalidArgument(
          fmt::format("archive entry \"{}\" would be written outside the output directory", name),
          reason::kInvalidArchive);
    }
    GeneratedFile f;
    f.name = std::move(name);
    char buffer[1 << 16];
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buffer, sizeof buffer);
      if (n < 0) {
        return Status::InvalidArgument(
            fmt::format("damaged archive entry \"{}\": {}", f.name, archive_error_string(a.get())),
            reason::kInvalidArchive);
      }
      if (n == 0) break;
      f.content.append(buffer, static_cast<std::size_t>(n));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace spoke
