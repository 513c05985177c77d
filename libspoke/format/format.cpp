#include "spoke/format.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "format/parser.h"
#include "format/printer.h"
#include "format/tokens.h"

namespace spoke {

Result<std::string> format_proto(std::string_view content, const std::string& path) {
  format::LexedFile lexed;
  SPOKE_RETURN_IF_ERROR(format::lex_proto(content, path, &lexed));
  format::Arena arena;
  format::FileNode tree;
  SPOKE_RETURN_IF_ERROR(format::parse_proto(lexed, path, arena, &tree));
  std::string out;
  SPOKE_RETURN_IF_ERROR(format::print_proto(lexed, tree, &out));
  return out;
}

Result<std::vector<FormattedFile>> format_files(const std::vector<FileInput>& files, int threads) {
  std::vector<FormattedFile> out(files.size());
  std::vector<Status> errors(files.size());
  std::atomic<std::size_t> next{0};
  auto work = [&] {
    for (std::size_t i = next++; i < files.size(); i = next++) {
      auto r = format_proto(files[i].content, files[i].path);
      out[i].path = files[i].path;
      if (!r.ok()) {
        errors[i] = r.status();
        continue;
      }
      out[i].changed = r.value() != files[i].content;
      out[i].content = std::move(r).value();
    }
  };
  unsigned n = threads > 0 ? static_cast<unsigned>(threads)
                           : std::max(1u, std::thread::hardware_concurrency());
  n = static_cast<unsigned>(std::min<std::size_t>(n, files.size()));
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < n; ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();

  std::vector<Diagnostic> diagnostics;
  const Status* first = nullptr;
  for (const Status& s : errors) {
    if (s.ok()) continue;
    if (first == nullptr) first = &s;
    for (const Diagnostic& d : s.diagnostics()) diagnostics.push_back(d);
  }
  if (first != nullptr) {
    if (first->reason() != reason::kProtoSyntaxError) return *first;
    std::string message = diagnostics.size() == 1
                              ? first->message()
                              : std::to_string(diagnostics.size()) + " files do not parse";
    return Status::InvalidArgument(message, reason::kProtoSyntaxError)
        .with_diagnostics(std::move(diagnostics));
  }
  return out;
}

Status write_formatted_file(const std::string& path, std::string_view content) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path target = fs::canonical(path, ec);  // through symlinks
  if (ec) {
    return Status::Internal(fmt::format("cannot write {}: {}", path, ec.message()),
                            reason::kIoError);
  }
  struct stat st {};
  if (::stat(target.c_str(), &st) != 0) {
    return Status::Internal(fmt::format("cannot write {}: {}", path, std::strerror(errno)),
                            reason::kIoError);
  }
  fs::path tmp = target;
  tmp += fmt::format(".spoke-format-{}", ::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      fs::remove(tmp, ec);
      return Status::Internal(fmt::format("cannot write {}", tmp.string()), reason::kIoError);
    }
  }
  ::chmod(tmp.c_str(), st.st_mode & 07777);
  fs::rename(tmp, target, ec);
  if (ec) {
    std::string why = ec.message();
    fs::remove(tmp, ec);
    return Status::Internal(fmt::format("cannot replace {}: {}", path, why), reason::kIoError);
  }
  return Status::OK();
}

}  // namespace spoke
