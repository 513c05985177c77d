// Module names, file paths and UTF-8.
#include <fmt/format.h>

#include <set>

#include "spoke/model.h"

namespace spoke {

Status validate_module_name(std::string_view name) {
  static constexpr std::string_view kRule =
      "module names are 1 to 128 characters: lowercase letters, digits, '-', '_' and '.', "
      "starting with a letter";
  auto fail = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("invalid module name \"{}\": {}; {}", name, why, kRule),
        reason::kInvalidModuleName);
  };
  if (name.empty()) return fail("empty");
  if (name.size() > 128) return fail(fmt::format("{} characters", name.size()));
  if (name[0] < 'a' || name[0] > 'z') return fail("does not start with a lowercase letter");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok) return fail(fmt::format("character '{}' is not allowed", c));
  }
  return Status::OK();
}

Status validate_file_path(std::string_view path) {
  auto fail = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("invalid file path \"{}\": {}", path, why),
                                   reason::kInvalidPath);
  };
  if (path.empty()) return fail("empty");
  if (path.size() > 4096) return fail("longer than 4096 characters");
  if (path.find('\\') != std::string_view::npos)
    return fail("backslashes are not allowed; use '/'");
  if (path.find('\0') != std::string_view::npos) return fail("NUL characters are not allowed");
  if (path.front() == '/') return fail("absolute paths are not allowed; paths are relative");
  if (path.size() < 7 || path.substr(path.size() - 6) != ".proto") {
    return fail("only .proto files are accepted");
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view segment = path.substr(start, end - start);
    if (segment.empty()) return fail("empty path segment ('//')");
    if (segment == "..") return fail("'..' segments are not allowed");
    if (segment == ".") return fail("'.' segments are not allowed");
    start = end + 1;
  }
  if (!is_valid_utf8(path)) return fail("not valid UTF-8");
  return Status::OK();
}

bool is_valid_utf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    // Overlong forms, surrogates and values past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

Status validate_files(const std::vector<File>& files) {
  std::vector<Diagnostic> problems;
  if (files.empty()) {
    return Status::InvalidArgument("a version needs at least one .proto file", reason::kNoFiles);
  }
  std::set<std::string_view> seen;
  for (const auto& f : files) {
    if (Status s = validate_file_path(f.path); !s.ok()) {
      problems.push_back({f.path, 0, 0, Severity::kError, s.message()});
      continue;
    }
    if (!seen.insert(f.path).second) {
      problems.push_back(
          {f.path, 0, 0, Severity::kError, fmt::format("duplicate file path \"{}\"", f.path)});
    }
    if (!is_valid_utf8(f.content)) {
      problems.push_back(
          {f.path, 0, 0, Severity::kError, fmt::format("\"{}\" is not valid UTF-8", f.path)});
    }
  }
  if (problems.empty()) return Status::OK();
  std::string message = problems.size() == 1
                            ? problems.front().message
                            : fmt::format("{} (and {} more problem{})", problems.front().message,
                                          problems.size() - 1, problems.size() == 2 ? "" : "s");
  std::string reason = "invalid_files";
  if (problems.size() == 1) {
    const std::string& m = problems.front().message;
    reason = m.starts_with("invalid file path") ? "invalid_path"
             : m.starts_with("duplicate")       ? "duplicate_path"
                                                : "invalid_utf8";
  }
  return Status::InvalidArgument(message, reason).with_diagnostics(std::move(problems));
}

Result<std::pair<std::string, std::string>> parse_dependency_spec(std::string_view spec) {
  auto at = spec.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == spec.size()) {
    return Status::InvalidArgument(
        fmt::format("invalid dependency \"{}\": expected module@version", spec),
        reason::kInvalidDependency);
  }
  std::string module(spec.substr(0, at));
  std::string version(spec.substr(at + 1));
  if (Status s = validate_module_name(module); !s.ok()) {
    return Status::InvalidArgument(fmt::format("invalid dependency \"{}\": {}", spec, s.message()),
                                   reason::kInvalidDependency);
  }
  if (version != "latest") {
    if (auto v = parse_version(version); !v.ok()) {
      return Status::InvalidArgument(
          fmt::format("invalid dependency \"{}\": {}", spec, v.status().message()),
          reason::kInvalidDependency);
    }
  }
  return std::pair{std::move(module), std::move(version)};
}

}  // namespace spoke
