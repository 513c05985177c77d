#include "spoke/validate_dir.h"

#include <fmt/format.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include <google/protobuf/descriptor.h>
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
constexpr const char* kCacheFormat = "spoke-validate-2";

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

std::vector<Diagnostic> diagnostics_from_json(const nlohmann::json& j) {
  std::vector<Diagnostic> out;
  if (!j.is_array()) return out;
  for (const auto& d : j) {
    out.push_back({d.value("file", ""), d.value("line", 0), d.value("column", 0),
                   parse_severity(d.value("severity", "error")).value_or(Severity::kError),
                   d.value("message", "")});
  }
  return out;
}

bool has_error(const std::vector<Diagnostic>& diags) {
  return std::any_of(diags.begin(), diags.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

// ---- Incremental validation ----
//
// After a validation without errors, what it found about each linked file is kept with the
// file's closure key: the sha256 of its path, its content digest and the closure keys of what it
// imports. Next time, a target whose closure key is unchanged keeps its diagnostics; the others
// (changed, or importing something changed) are parsed and linked again with what they import,
// and the names they define are checked against the names of the files left out, since two
// files that do not import each other can still collide (a symbol, a package, an extension
// number). Anything unusual (errors, a collision, missing facts) falls back to a full build.

namespace pb = google::protobuf;

struct FileFacts {
  std::string digest;
  std::string closure;
  std::vector<std::string> imports;
  std::vector<Diagnostic> diagnostics;  // reported on this file (targets)
  std::vector<std::string> symbols;     // full names it defines, enum values in their scope
  std::vector<std::string> packages;    // its package and each enclosing one
  std::vector<std::string> extensions;  // "<extendee>#<number>"
};
using TreeFacts = std::unordered_map<std::string, FileFacts>;

void add_enum(const pb::EnumDescriptor* e, FileFacts& f) {
  f.symbols.push_back(e->full_name());
  for (int i = 0; i < e->value_count(); ++i) f.symbols.push_back(e->value(i)->full_name());
}

void add_extension(const pb::FieldDescriptor* x, FileFacts& f) {
  f.symbols.push_back(x->full_name());
  f.extensions.push_back(x->containing_type()->full_name() + "#" + std::to_string(x->number()));
}

void add_message(const pb::Descriptor* m, FileFacts& f) {
  f.symbols.push_back(m->full_name());
  for (int i = 0; i < m->nested_type_count(); ++i) add_message(m->nested_type(i), f);
  for (int i = 0; i < m->enum_type_count(); ++i) add_enum(m->enum_type(i), f);
  for (int i = 0; i < m->extension_count(); ++i) add_extension(m->extension(i), f);
}

FileFacts facts_of(const pb::FileDescriptor* fd) {
  FileFacts f;
  for (int i = 0; i < fd->dependency_count(); ++i) f.imports.push_back(fd->dependency(i)->name());
  std::string package = fd->package();
  while (!package.empty()) {
    f.packages.push_back(package);
    auto dot = package.rfind('.');
    package.resize(dot == std::string::npos ? 0 : dot);
  }
  for (int i = 0; i < fd->message_type_count(); ++i) add_message(fd->message_type(i), f);
  for (int i = 0; i < fd->enum_type_count(); ++i) add_enum(fd->enum_type(i), f);
  for (int i = 0; i < fd->service_count(); ++i) f.symbols.push_back(fd->service(i)->full_name());
  for (int i = 0; i < fd->extension_count(); ++i) add_extension(fd->extension(i), f);
  return f;
}

// The facts file: a line of the format, then per file a line "F\t<path>\t<digest>\t<closure>"
// followed by its lines "I\t<import>", "S\t<symbol>", "P\t<package>", "E\t<extension>" and
// "G\t<line>\t<column>\t<message>" (its warnings). Plain lines: tens of megabytes of JSON took
// longer to read than rechecking a file.
TreeFacts load_facts(const fs::path& file) {
  TreeFacts out;
  std::ifstream in(file, std::ios::binary);
  if (!in) return out;
  std::string line;
  if (!std::getline(in, line) || line != kCacheFormat) return out;
  FileFacts* current = nullptr;
  auto field = [](std::string_view& rest) {
    auto tab = rest.find('\t');
    std::string_view f = rest.substr(0, tab);
    rest = tab == std::string_view::npos ? std::string_view() : rest.substr(tab + 1);
    return f;
  };
  while (std::getline(in, line)) {
    if (line.size() < 2 || line[1] != '\t') return {};
    std::string_view rest = std::string_view(line).substr(2);
    switch (line[0]) {
      case 'F': {
        std::string path(field(rest));
        FileFacts f;
        f.digest = std::string(field(rest));
        f.closure = std::string(rest);
        current = &out.insert_or_assign(std::move(path), std::move(f)).first->second;
        break;
      }
      case 'I':
      case 'S':
      case 'P':
      case 'E': {
        if (current == nullptr) return {};
        auto& list = line[0] == 'I'   ? current->imports
                     : line[0] == 'S' ? current->symbols
                     : line[0] == 'P' ? current->packages
                                      : current->extensions;
        list.emplace_back(rest);
        break;
      }
      case 'G': {
        if (current == nullptr) return {};
        Diagnostic d;
        d.severity = Severity::kWarning;
        d.line = std::atoi(std::string(field(rest)).c_str());
        d.column = std::atoi(std::string(field(rest)).c_str());
        d.message = std::string(rest);
        current->diagnostics.push_back(std::move(d));
        break;
      }
      default:
        return {};
    }
  }
  for (auto& [path, f] : out) {
    for (auto& d : f.diagnostics) d.file = path;
  }
  return out;
}

void save_facts(const fs::path& file, const TreeFacts& facts) {
  auto plain = [](const std::string& s) { return s.find_first_of("\t\n\r") == std::string::npos; };
  std::size_t size = 64;
  for (const auto& [path, f] : facts) {
    size += path.size() + f.digest.size() + f.closure.size() + 8;
    for (const auto* list : {&f.imports, &f.symbols, &f.packages, &f.extensions}) {
      for (const auto& x : *list) size += x.size() + 3;
    }
    for (const auto& d : f.diagnostics) size += d.message.size() + 32;
  }
  std::string text;
  text.reserve(size);
  text += std::string(kCacheFormat) + "\n";
  for (const auto& [path, f] : facts) {
    if (!plain(path)) return;  // not kept: the next validation is a full one
    text += fmt::format("F\t{}\t{}\t{}\n", path, f.digest, f.closure);
    auto lines = [&text](char kind, const std::vector<std::string>& list) {
      for (const auto& x : list) {
        text += kind;
        text += '\t';
        text += x;
        text += '\n';
      }
    };
    for (const auto& i : f.imports) {
      if (!plain(i)) return;
    }
    lines('I', f.imports);
    lines('S', f.symbols);
    lines('P', f.packages);
    lines('E', f.extensions);
    for (const auto& d : f.diagnostics) {
      if (!plain(d.message)) return;
      text += fmt::format("G\t{}\t{}\t{}\n", d.line, d.column, d.message);
    }
  }
  std::error_code ec;
  fs::create_directories(file.parent_path(), ec);
  fs::path tmp = file;
  tmp += fmt::format(".tmp{}", ::getpid());
  {
    std::ofstream o(tmp, std::ios::binary);
    o << text;
    if (!o) return;
  }
  fs::rename(tmp, file, ec);
}

// Every file validation may read, by path as imports name it: targets first, then include
// directories in order, then fetched dependencies (the first of a path wins, as in build_schema).
class Tree {
 public:
  Tree(std::vector<DiskFile>& targets, std::vector<DiskFile>& deps,
       const std::vector<FileInput>& extra) {
    for (auto& f : targets) files_.emplace(f.path, Entry{&f, nullptr, f.digest});
    for (auto& f : deps) files_.emplace(f.path, Entry{&f, nullptr, f.digest});
    for (const auto& f : extra) files_.emplace(f.path, Entry{nullptr, &f, ""});
  }

  bool has(const std::string& path) const { return files_.count(path) != 0; }

  Result<const std::string*> content(const std::string& path) {
    Entry& e = files_.at(path);
    if (e.input != nullptr) return &e.input->content;
    if (!e.disk->read) SPOKE_RETURN_IF_ERROR(read_content(*e.disk));
    return &e.disk->content;
  }

  const std::string& digest(const std::string& path) {
    Entry& e = files_.at(path);
    if (e.digest.empty() && e.input != nullptr) e.digest = content_digest(e.input->content);
    return e.digest;
  }

  // What `path` imports: from `known` when its content is the same, else scanned.
  Result<const std::vector<std::string>*> imports(const std::string& path, const TreeFacts& known) {
    auto done = imports_.find(path);
    if (done != imports_.end()) return &done->second;
    auto k = known.find(path);
    std::vector<std::string> list;
    if (k != known.end() && k->second.digest == digest(path)) {
      list = k->second.imports;
    } else {
      auto text = content(path);
      if (!text.ok()) return text.status();
      list = scan_imports(*text.value());
    }
    return &imports_.emplace(path, std::move(list)).first->second;
  }

  // The closure key of `path` (see above); imports outside the tree count by name only.
  Result<std::string> closure(const std::string& path, const TreeFacts& known) {
    auto done = closures_.find(path);
    if (done != closures_.end()) return done->second;
    closures_[path] = "cycle";  // a file importing itself, transitively, gets a key of its own
    auto list = imports(path, known);
    if (!list.ok()) return list.status();
    std::string text = path + "\n" + digest(path) + "\n";
    for (const auto& imp : *list.value()) {
      text += imp + "=";
      if (has(imp)) {
        auto key = closure(imp, known);
        if (!key.ok()) return key.status();
        text += key.value();
      }
      text += "\n";
    }
    return closures_[path] = internal::sha256_hex(text);
  }

  // `roots` and everything they import within the tree, transitively.
  Result<std::set<std::string>> reach(const std::vector<std::string>& roots,
                                      const TreeFacts& known) {
    std::set<std::string> seen(roots.begin(), roots.end());
    std::vector<std::string> todo(roots.begin(), roots.end());
    while (!todo.empty()) {
      std::string path = std::move(todo.back());
      todo.pop_back();
      auto list = imports(path, known);
      if (!list.ok()) return list.status();
      for (const auto& imp : *list.value()) {
        if (has(imp) && seen.insert(imp).second) todo.push_back(imp);
      }
    }
    return seen;
  }

 private:
  struct Entry {
    DiskFile* disk;
    const FileInput* input;
    std::string digest;
  };
  std::unordered_map<std::string, Entry> files_;
  std::unordered_map<std::string, std::vector<std::string>> imports_;
  std::unordered_map<std::string, std::string> closures_;
};

// True when a name defined in `fresh` is also defined (or is a package) in `kept`, or an
// extension number of the same extendee is taken in both.
bool names_collide(const std::vector<const FileFacts*>& fresh,
                   const std::vector<const FileFacts*>& kept) {
  // Sets of the few rechecked files' names; the kept files' lists are scanned once.
  std::unordered_set<std::string_view> symbols, packages, extensions;
  for (const FileFacts* f : fresh) {
    symbols.insert(f->symbols.begin(), f->symbols.end());
    packages.insert(f->packages.begin(), f->packages.end());
    extensions.insert(f->extensions.begin(), f->extensions.end());
  }
  for (const FileFacts* k : kept) {
    for (const auto& s : k->symbols) {
      if (symbols.count(s) != 0 || packages.count(s) != 0) return true;
    }
    for (const auto& p : k->packages) {
      if (symbols.count(p) != 0) return true;
    }
    for (const auto& e : k->extensions) {
      if (extensions.count(e) != 0) return true;
    }
  }
  return false;
}

// Facts of every file `schema` linked, with their closure keys, and the diagnostics of `diags`
// on the files they name. False when a diagnostic is not an unused import of a file that linked.
Result<bool> gather_facts(const Schema& schema, const std::vector<Diagnostic>& diags, Tree& tree,
                          TreeFacts& out) {
  for (const auto& path : schema.linked_files()) {
    const pb::FileDescriptor* fd = schema.file(path);
    if (fd == nullptr || !tree.has(path)) continue;
    FileFacts f = facts_of(fd);
    f.digest = tree.digest(path);
    out[path] = std::move(f);
  }
  for (const auto& d : diags) {
    // Only what concerns one file alone: an unused import. A warning may also involve two files
    // that do not import each other (libprotobuf warns of an extension number used twice), and
    // would outlive the other file's change.
    bool unused_import = d.severity == Severity::kWarning && d.message.starts_with("Import ") &&
                         d.message.ends_with(" is unused.");
    if (!unused_import) return false;
    auto it = out.find(d.file);
    if (it == out.end()) return false;
    it->second.diagnostics.push_back(d);
  }
  // Closure keys, with the imports just linked.
  for (auto& [path, f] : out) {
    auto key = tree.closure(path, out);
    if (!key.ok()) return key.status();
    f.closure = key.value();
  }
  return true;
}

// Validation reusing `previous` for the targets whose closure is unchanged; nullopt when it
// cannot be answered that way (then the caller builds everything).
Result<std::optional<DirectoryValidation>> validate_incrementally(std::vector<DiskFile>& targets,
                                                                  Tree& tree, TreeFacts previous,
                                                                  const fs::path& facts_file) {
  using Maybe = std::optional<DirectoryValidation>;
  if (previous.empty()) return Maybe();
  std::vector<std::string> clean, dirty;
  for (const auto& t : targets) {
    auto key = tree.closure(t.path, previous);
    if (!key.ok()) return key.status();
    auto it = previous.find(t.path);
    bool same = it != previous.end() && it->second.closure == key.value() &&
                !has_error(it->second.diagnostics);
    (same ? clean : dirty).push_back(t.path);
  }
  if (clean.empty()) return Maybe();

  // The changed targets with what they import, parsed and linked again.
  auto rebuilt_set = tree.reach(dirty, previous);
  if (!rebuilt_set.ok()) return rebuilt_set.status();
  TreeFacts next;
  if (!dirty.empty()) {
    std::set<std::string> dirty_set(dirty.begin(), dirty.end());
    std::vector<FileInput> dirty_inputs, dep_inputs;
    for (const auto& path : rebuilt_set.value()) {
      auto text = tree.content(path);
      if (!text.ok()) return text.status();
      (dirty_set.count(path) != 0 ? dirty_inputs : dep_inputs).push_back({path, *text.value()});
    }
    auto built = build_schema(dirty_inputs, dep_inputs);
    if (!built.valid() || has_error(built.diagnostics)) return Maybe();
    auto gathered = gather_facts(*built.schema, built.diagnostics, tree, next);
    if (!gathered.ok()) return gathered.status();
    if (!gathered.value()) return Maybe();
    for (const auto& d : built.diagnostics) {
      if (dirty_set.count(d.file) == 0) return Maybe();
    }
  }

  // The files left out: the unchanged targets and what they import.
  auto kept_set = tree.reach(clean, previous);
  if (!kept_set.ok()) return kept_set.status();
  std::vector<const FileFacts*> fresh, kept;
  for (const auto& [path, f] : next) fresh.push_back(&f);
  for (const auto& path : kept_set.value()) {
    if (next.count(path) != 0) continue;
    auto it = previous.find(path);
    if (it == previous.end() || it->second.digest != tree.digest(path)) return Maybe();
    kept.push_back(&it->second);
  }
  if (names_collide(fresh, kept)) return Maybe();

  DirectoryValidation out;
  out.valid = true;
  out.file_count = targets.size();
  out.files_rechecked = dirty.size();
  std::vector<std::string> order;
  for (const auto& t : targets) order.push_back(t.path);
  std::sort(order.begin(), order.end());
  TreeFacts saved;
  for (const auto& path : kept_set.value()) {
    if (next.count(path) != 0) continue;
    auto key = tree.closure(path, previous);
    if (!key.ok()) return key.status();
    FileFacts& f = previous.at(path);
    f.closure = key.value();
    saved.emplace(path, std::move(f));  // `previous` is not read after this
  }
  for (auto& [path, f] : next) saved.insert_or_assign(path, std::move(f));
  for (const auto& path : order) {
    auto it = saved.find(path);
    if (it == saved.end()) return Maybe();
    out.diagnostics.insert(out.diagnostics.end(), it->second.diagnostics.begin(),
                           it->second.diagnostics.end());
  }
  save_facts(facts_file, saved);
  return Maybe(std::move(out));
}

// Where the facts of one tree are kept: by the directory, its include directories and
// exclusions.
fs::path facts_path(const fs::path& cache_root, const DirectoryValidationOptions& options) {
  std::error_code ec;
  std::string id = fs::weakly_canonical(options.dir, ec).string() + "\n";
  for (const auto& inc : options.include_dirs)
    id += "I " + fs::weakly_canonical(inc, ec).string() + "\n";
  for (const auto& ex : options.excludes) id += "X " + ex + "\n";
  return cache_root / "trees" / (internal::sha256_hex(id) + ".facts");
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
        hit.diagnostics = diagnostics_from_json(j["diagnostics"]);
        internal::library_metrics().cache_hits.with({"validate"}).inc();
        return hit;
      }
    }
    internal::library_metrics().cache_misses.with({"validate"}).inc();
  }

  // The whole-tree answer, kept under the tree's key.
  auto remember_result = [&](const DirectoryValidation& result) {
    std::error_code ec;
    fs::create_directories(cache_root / "results", ec);
    fs::path file = cache_root / "results" / (key + ".json");
    fs::path tmp = file;
    tmp += fmt::format(".tmp{}", ::getpid());
    {
      std::ofstream o(tmp);
      o << nlohmann::json{{"valid", result.valid},
                          {"diagnostics", diagnostics_json(result.diagnostics)}}
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
    fs::rename(tmp, file, ec);
  };

  std::optional<Tree> tree;
  fs::path facts_file;
  if (cached) {
    tree.emplace(targets.value(), deps, options.extra_dependencies);
    facts_file = facts_path(cache_root, options);
    auto partial =
        validate_incrementally(targets.value(), *tree, load_facts(facts_file), facts_file);
    if (!partial.ok()) return partial.status();
    if (partial->has_value()) {
      remember_result(**partial);
      return std::move(**partial);
    }
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
  out.files_rechecked = target_inputs.size();
  if (cached) {
    remember_result(out);
    // What each file was found to be, for the next validation after an edit: kept only when
    // nothing failed (an error's consequences are not confined to the files it names).
    TreeFacts facts;
    if (out.valid && !has_error(out.diagnostics)) {
      auto gathered = gather_facts(*built.schema, out.diagnostics, *tree, facts);
      if (gathered.ok() && gathered.value()) save_facts(facts_file, facts);
    }
  }
  out.schema = std::move(built.schema);
  return out;
}

}  // namespace spoke
