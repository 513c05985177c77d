// The per-registry token file of `spoke login`.
#include "spoke/credentials.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace spoke {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string key_of(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

Status io_error(const std::string& path, const std::string& what) {
  return Status::Internal(fmt::format("credentials file {}: {}", path, what), reason::kIoError);
}

Result<json> read_all(const std::string& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return json::object();
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error(path, "cannot be read");
  std::stringstream text;
  text << in.rdbuf();
  if (text.str().empty()) return json::object();
  json j = json::parse(text.str(), nullptr, false);
  if (!j.is_object()) return io_error(path, "not a JSON object of registry URL to token");
  return j;
}

Status write_all(const std::string& path, const json& j) {
  fs::path dir = fs::path(path).parent_path();
  if (!dir.empty()) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
      fs::create_directories(dir, ec);
      if (ec) return io_error(path, ec.message());
      ::chmod(dir.c_str(), 0700);
    }
  }
  std::string tmp = path + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return io_error(path, std::strerror(errno));
  ::fchmod(fd, 0600);  // an older temporary may have had other bits
  std::string text = j.dump(2) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ok = ::fsync(fd) == 0 && ok;
  ok = ::close(fd) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return io_error(path, why);
  }
  return Status::OK();
}

}  // namespace

std::string default_credentials_path() {
  if (const char* p = std::getenv("SPOKE_CREDENTIALS"); p != nullptr && *p != '\0') return p;
  if (const char* d = std::getenv("XDG_CONFIG_HOME"); d != nullptr && *d != '\0') {
    return (fs::path(d) / "spoke" / "credentials").string();
  }
  if (const char* d = std::getenv("HOME"); d != nullptr && *d != '\0') {
    return (fs::path(d) / ".config" / "spoke" / "credentials").string();
  }
  return {};
}

Result<std::string> load_credential(const std::string& path, const std::string& registry_url) {
  if (path.empty()) return std::string();
  auto all = read_all(path);
  if (!all.ok()) return all.status();
  auto it = all->find(key_of(registry_url));
  if (it == all->end() || !it->is_string()) return std::string();
  return it->get<std::string>();
}

Status save_credential(const std::string& path, const std::string& registry_url,
                       const std::string& token) {
  if (path.empty()) return io_error(path, "no path: set HOME or SPOKE_CREDENTIALS");
  auto all = read_all(path);
  if (!all.ok()) return all.status();
  (*all)[key_of(registry_url)] = token;
  return write_all(path, all.value());
}

Result<bool> remove_credential(const std::string& path, const std::string& registry_url) {
  if (path.empty()) return false;
  auto all = read_all(path);
  if (!all.ok()) return all.status();
  if (all->erase(key_of(registry_url)) == 0) return false;
  SPOKE_RETURN_IF_ERROR(write_all(path, all.value()));
  return true;
}

}  // namespace spoke
