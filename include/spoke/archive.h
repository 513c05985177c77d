#pragma once

// Archives of generated code: zip and tar.gz, written and read in memory (libarchive).

#include <string>
#include <vector>

#include "spoke/compile.h"
#include "spoke/model.h"
#include "spoke/status.h"

namespace spoke {

enum class ArchiveFormat { kZip, kTarGz };

// "zip" or "tar.gz" (also "tgz"); InvalidArgument("invalid_format") naming both otherwise.
Result<ArchiveFormat> parse_archive_format(const std::string& name);
const char* archive_extension(ArchiveFormat format);     // "zip", "tar.gz"
const char* archive_content_type(ArchiveFormat format);  // "application/zip", "application/gzip"

// An archive of `files` (regular files, mode 0644, all dated `mtime`), in the order given: the
// same input gives the same bytes.
Result<std::string> write_archive(const std::vector<GeneratedFile>& files, ArchiveFormat format,
                                  Timestamp mtime);

// The regular files of a zip or tar.gz archive (the format is detected). Directories are
// skipped; links and other special entries are refused (InvalidArgument "invalid_archive"), and
// so is a name that is absolute or climbs out with "..".
Result<std::vector<GeneratedFile>> read_archive(const std::string& bytes);

}  // namespace spoke
