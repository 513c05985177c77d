#include <algorithm>
#include <chrono>
#include <ctime>

#include <fmt/format.h>

#include "spoke/model.h"
#include "util/sha256.h"

namespace spoke {

Timestamp now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::string format_timestamp(Timestamp t) {
  std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(t % 1000));
}

std::string content_digest(std::string_view bytes) {
  return "sha256:" + internal::sha256_hex(bytes);
}

std::string compute_version_digest(const std::vector<File>& files,
                                   const std::vector<Dependency>& dependencies) {
  std::vector<const File*> sorted;
  sorted.reserve(files.size());
  for (const auto& f : files) sorted.push_back(&f);
  std::sort(sorted.begin(), sorted.end(),
            [](const File* a, const File* b) { return a->path < b->path; });
  std::string manifest;
  for (const File* f : sorted) {
    manifest += f->digest;
    manifest += "  ";
    manifest += f->path;
    manifest += '\n';
  }
  std::vector<std::string> dep_digests;
  for (const auto& d : dependencies) dep_digests.push_back(d.digest);
  std::sort(dep_digests.begin(), dep_digests.end());
  for (const auto& d : dep_digests) {
    manifest += d;
    manifest += '\n';
  }
  return content_digest(manifest);
}

}  // namespace spoke
