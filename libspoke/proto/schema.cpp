#include "spoke/schema.h"

#include <fmt/format.h>
#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include "util/timing.h"

namespace spoke {

namespace pb = google::protobuf;

namespace {

// One parsed file: its proto (SourceCodeInfo moved aside before linking), where each element
// was, and what the parser said.
struct ParsedFile {
  std::string path;
  const std::string* content = nullptr;
  bool is_target = false;
  pb::FileDescriptorProto proto;
  pb::SourceCodeInfo source_info;
  pb::compiler::SourceLocationTable locations;
  std::vector<Diagnostic> diagnostics;
  bool parsed_ok = false;
};

class ParseErrors final : public pb::io::ErrorCollector {
 public:
  explicit ParseErrors(ParsedFile& f) : f_(f) {}
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    f_.diagnostics.push_back({f_.path, line + 1, column + 1, Severity::kError, message});
  }
  // The parser's own warnings (naming style) are dropped, as protoc drops them: diagnostics
  // stay the ones protoc prints.
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}

 private:
  ParsedFile& f_;
};

// ---- option locations as protoc writes them --------------------------------------------------

using SourcePath = std::vector<int>;

// The parser locates an option by its place among the uninterpreted options ({8, 999, 0}: the
// file's first); protoc, once it has interpreted the options, by the option set ({8, 11}:
// go_package). Plans that rewrite for the standard options (a single, non-extension name part
// naming a singular field of the options message).
template <typename Options>
void plan_option_paths(const Options& options, const SourcePath& prefix,
                       std::map<SourcePath, SourcePath>& plan) {
  const pb::Descriptor* type = Options::descriptor();
  for (int k = 0; k < options.uninterpreted_option_size(); ++k) {
    const auto& name = options.uninterpreted_option(k).name();
    if (name.size() != 1 || name.Get(0).is_extension()) continue;
    const pb::FieldDescriptor* field = type->FindFieldByName(name.Get(0).name_part());
    if (field == nullptr || field->is_repeated()) continue;
    SourcePath from = prefix, to = prefix;
    from.push_back(999);
    from.push_back(k);
    to.push_back(field->number());
    plan.emplace(std::move(from), std::move(to));
  }
}

void plan_enum(const pb::EnumDescriptorProto& e, SourcePath path,
               std::map<SourcePath, SourcePath>& plan) {
  auto with = [&](std::initializer_list<int> more) {
    SourcePath p = path;
    p.insert(p.end(), more);
    return p;
  };
  if (e.has_options()) plan_option_paths(e.options(), with({3}), plan);
  for (int i = 0; i < e.value_size(); ++i) {
    if (e.value(i).has_options()) plan_option_paths(e.value(i).options(), with({2, i, 3}), plan);
  }
}

void plan_field(const pb::FieldDescriptorProto& f, SourcePath path,
                std::map<SourcePath, SourcePath>& plan) {
  if (!f.has_options()) return;
  path.push_back(8);
  plan_option_paths(f.options(), path, plan);
}

void plan_message(const pb::DescriptorProto& m, const SourcePath& path,
                  std::map<SourcePath, SourcePath>& plan) {
  auto with = [&](std::initializer_list<int> more) {
    SourcePath p = path;
    p.insert(p.end(), more);
    return p;
  };
  if (m.has_options()) plan_option_paths(m.options(), with({7}), plan);
  for (int i = 0; i < m.field_size(); ++i) plan_field(m.field(i), with({2, i}), plan);
  for (int i = 0; i < m.extension_size(); ++i) plan_field(m.extension(i), with({6, i}), plan);
  for (int i = 0; i < m.nested_type_size(); ++i) plan_message(m.nested_type(i), with({3, i}), plan);
  for (int i = 0; i < m.enum_type_size(); ++i) plan_enum(m.enum_type(i), with({4, i}), plan);
  for (int i = 0; i < m.oneof_decl_size(); ++i) {
    if (m.oneof_decl(i).has_options())
      plan_option_paths(m.oneof_decl(i).options(), with({8, i, 2}), plan);
  }
  for (int i = 0; i < m.extension_range_size(); ++i) {
    if (m.extension_range(i).has_options()) {
      plan_option_paths(m.extension_range(i).options(), with({5, i, 3}), plan);
    }
  }
}

// Rewrites, as protoc does when it interprets options, the paths of the standard options'
// locations, and drops the locations inside them (name parts, values).
void interpret_option_locations(const pb::FileDescriptorProto& proto, pb::SourceCodeInfo& info) {
  std::map<SourcePath, SourcePath> plan;
  if (proto.has_options()) plan_option_paths(proto.options(), {8}, plan);
  for (int i = 0; i < proto.message_type_size(); ++i)
    plan_message(proto.message_type(i), {4, i}, plan);
  for (int i = 0; i < proto.enum_type_size(); ++i) plan_enum(proto.enum_type(i), {5, i}, plan);
  for (int i = 0; i < proto.extension_size(); ++i) plan_field(proto.extension(i), {7, i}, plan);
  for (int i = 0; i < proto.service_size(); ++i) {
    const auto& s = proto.service(i);
    if (s.has_options()) plan_option_paths(s.options(), {6, i, 3}, plan);
    for (int j = 0; j < s.method_size(); ++j) {
      if (s.method(j).has_options())
        plan_option_paths(s.method(j).options(), {6, i, 2, j, 4}, plan);
    }
  }
  if (plan.empty()) return;
  pb::SourceCodeInfo out;
  out.mutable_location()->Reserve(info.location_size());
  for (auto& loc : *info.mutable_location()) {
    const auto& path = loc.path();
    bool drop = false;
    for (int i = 0; i + 1 < path.size(); ++i) {
      if (path[i] != 999) continue;
      auto it = plan.find(SourcePath(path.begin(), path.begin() + i + 2));
      if (it == plan.end()) continue;
      if (path.size() == i + 2) {
        loc.mutable_path()->Assign(it->second.begin(), it->second.end());
      } else {
        drop = true;
      }
      break;
    }
    if (!drop) out.add_location()->Swap(&loc);
  }
  info.Swap(&out);
}

// Offset in `text` of (0-based) `line` and `column` as the tokenizer counts them (a tab advances
// to the next multiple of 8); npos when out of range.
std::size_t offset_of(const std::string& text, int line, int column) {
  std::size_t pos = 0;
  for (int l = 0; l < line; ++l) {
    pos = text.find('\n', pos);
    if (pos == std::string::npos) return pos;
    ++pos;
  }
  int col = 0;
  while (col < column && pos < text.size() && text[pos] != '\n') {
    col = text[pos] == '\t' ? col + 8 - col % 8 : col + 1;
    ++pos;
  }
  return col == column ? pos : std::string::npos;
}

// (line, column) of `offset`, as the tokenizer counts them.
std::pair<int, int> position_of(const std::string& text, std::size_t offset) {
  std::size_t line_start = text.rfind('\n', offset == 0 ? 0 : offset - 1);
  line_start = line_start == std::string::npos || offset == 0 ? 0 : line_start + 1;
  int line = static_cast<int>(std::count(text.begin(), text.begin() + line_start, '\n'));
  int col = 0;
  for (std::size_t i = line_start; i < offset; ++i)
    col = text[i] == '\t' ? col + 8 - col % 8 : col + 1;
  return {line, col};
}

// protoc locates a field's default at its value; buf at the `default` keyword that introduces
// it. With interpreted locations, spans of default values start at the keyword, as buf's do.
void locate_defaults_at_keyword(const std::string& text, pb::SourceCodeInfo& info) {
  for (auto& loc : *info.mutable_location()) {
    const auto& path = loc.path();
    int n = path.size();
    if (n < 3 || path[n - 1] != pb::FieldDescriptorProto::kDefaultValueFieldNumber) continue;
    int list = path[n - 3];
    bool field = (list == pb::DescriptorProto::kFieldFieldNumber ||
                  list == pb::DescriptorProto::kExtensionFieldNumber) &&
                 n >= 5;
    bool file_extension = list == pb::FileDescriptorProto::kExtensionFieldNumber && n == 3;
    if ((!field && !file_extension) || loc.span_size() < 3) continue;
    std::size_t value = offset_of(text, loc.span(0), loc.span(1));
    if (value == std::string::npos) continue;
    std::size_t i = value;
    auto skip_space = [&] {
      while (i > 0 && std::isspace(static_cast<unsigned char>(text[i - 1]))) --i;
    };
    skip_space();
    if (i == 0 || text[i - 1] != '=') continue;
    --i;
    skip_space();
    static constexpr std::string_view kKeyword = "default";
    if (i < kKeyword.size() || text.compare(i - kKeyword.size(), kKeyword.size(), kKeyword) != 0) {
      continue;
    }
    auto [line, column] = position_of(text, i - kKeyword.size());
    int end_line = loc.span_size() == 4 ? loc.span(2) : loc.span(0);
    int end_column = loc.span(loc.span_size() - 1);
    loc.clear_span();
    loc.add_span(line);
    loc.add_span(column);
    if (end_line != line) loc.add_span(end_line);
    loc.add_span(end_column);
  }
}

void parse_file(ParsedFile& f, bool interpret_options) {
  pb::io::ArrayInputStream input(f.content->data(), static_cast<int>(f.content->size()));
  ParseErrors errors(f);
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.RecordSourceLocationsTo(&f.locations);
  f.proto.set_name(f.path);
  bool ok = parser.Parse(&tokenizer, &f.proto);
  f.parsed_ok = ok && std::none_of(f.diagnostics.begin(), f.diagnostics.end(),
                                   [](const Diagnostic& d) { return d.severity == Severity::kError; });
  f.source_info.Swap(f.proto.mutable_source_code_info());
  f.proto.clear_source_code_info();
  if (interpret_options) {
    interpret_option_locations(f.proto, f.source_info);
    locate_defaults_at_keyword(*f.content, f.source_info);
  }
}

// Runs fn(i) for i in [0, n) on up to `threads` threads.
template <typename Fn>
void parallel_for(std::size_t n, int threads, Fn&& fn) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), n));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

// Maps the pool's link errors to lines and columns through the file's location table.
class LinkErrors final : public pb::DescriptorPool::ErrorCollector {
 public:
  explicit LinkErrors(ParsedFile& f) : f_(f) {}
  void AddError(const std::string& filename, const std::string& element_name,
                const pb::Message* descriptor, ErrorLocation location,
                const std::string& message) override {
    add(filename, element_name, descriptor, location, message, Severity::kError);
  }
  void AddWarning(const std::string& filename, const std::string& element_name,
                  const pb::Message* descriptor, ErrorLocation location,
                  const std::string& message) override {
    add(filename, element_name, descriptor, location, message, Severity::kWarning);
  }

 private:
  void add(const std::string& filename, const std::string& element_name,
           const pb::Message* descriptor, ErrorLocation location, const std::string& message,
           Severity severity) {
    int line = -1, column = -1;
    if (location == IMPORT) {
      f_.locations.FindImport(descriptor, element_name, &line, &column);
    } else {
      f_.locations.Find(descriptor, location, &line, &column);
    }
    // Files are linked in an order of our own, so an import that failed reads "has not been
    // loaded"; protoc, which loads imports on demand, says this.
    std::string text = message;
    static constexpr std::string_view kNotLoaded = "\" has not been loaded.";
    if (location == IMPORT && text.ends_with(kNotLoaded)) {
      text = text.substr(0, text.size() - kNotLoaded.size()) + "\" was not found or had errors.";
    }
    f_.diagnostics.push_back(
        {filename, line < 0 ? 0 : line + 1, line < 0 ? 0 : column + 1, severity, std::move(text)});
  }
  ParsedFile& f_;
};

}  // namespace

bool is_well_known_file(const std::string& path) {
  if (!path.starts_with("google/protobuf/")) return false;
  return pb::DescriptorPool::generated_pool()->FindFileByName(path) != nullptr;
}

struct Schema::Impl {
  // The pool reads the well-known types from the generated pool underneath it, or (for code
  // generation) holds its own copies.
  std::unique_ptr<pb::DescriptorPool> pool =
      std::make_unique<pb::DescriptorPool>(pb::DescriptorPool::generated_pool());
  std::vector<std::string> targets;
  std::vector<std::string> linked;
  std::unordered_map<std::string, pb::SourceCodeInfo> source_infos;
  bool for_code_generation = false;
};

Schema::Schema() : impl_(std::make_unique<Impl>()) {}
Schema::~Schema() = default;
const pb::DescriptorPool& Schema::pool() const { return *impl_->pool; }
const std::vector<std::string>& Schema::target_files() const { return impl_->targets; }
const std::vector<std::string>& Schema::linked_files() const { return impl_->linked; }
const pb::FileDescriptor* Schema::file(const std::string& path) const {
  return impl_->pool->FindFileByName(path);
}
const pb::SourceCodeInfo* Schema::source_info(const std::string& path) const {
  auto it = impl_->source_infos.find(path);
  return it == impl_->source_infos.end() ? nullptr : &it->second;
}
bool Schema::built_for_code_generation() const { return impl_->for_code_generation; }
bool Schema::to_proto(const std::string& path, bool with_source_info,
                      pb::FileDescriptorProto* out) const {
  const pb::FileDescriptor* fd = file(path);
  if (fd == nullptr) return false;
  out->Clear();
  fd->CopyTo(out);
  fd->CopyJsonNameTo(out);
  if (with_source_info) {
    if (const auto* si = source_info(path)) {
      *out->mutable_source_code_info() = *si;
    } else {
      fd->CopySourceCodeInfoTo(out);
    }
  }
  return true;
}

struct SchemaBuilder {
  static std::shared_ptr<Schema> make() { return std::shared_ptr<Schema>(new Schema()); }
  static auto& impl(Schema& s) { return *s.impl_; }
};

bool SchemaResult::valid() const { return error_count() == 0; }
std::size_t SchemaResult::error_count() const {
  return static_cast<std::size_t>(
      std::count_if(diagnostics.begin(), diagnostics.end(),
                    [](const Diagnostic& d) { return d.severity == Severity::kError; }));
}

SchemaResult build_schema(const std::vector<FileInput>& targets,
                          const std::vector<FileInput>& dependencies,
                          const SchemaOptions& options) {
  internal::PhaseTimer timer("build_schema");
  auto phase = [&](const char* name) { timer.phase(name); };
  SchemaResult result;
  auto schema = SchemaBuilder::make();
  auto& impl = SchemaBuilder::impl(*schema);
  impl.for_code_generation = options.for_code_generation;
  if (options.for_code_generation) impl.pool = std::make_unique<pb::DescriptorPool>();
  auto& pool = *impl.pool;
  // A well-known type and what it imports, copied from the generated pool into `pool` (for code
  // generation, where `pool` has no underlay).
  std::function<void(const pb::FileDescriptor*)> add_well_known =
      [&](const pb::FileDescriptor* wk) {
        if (pool.FindFileByName(wk->name()) != nullptr) return;
        for (int i = 0; i < wk->dependency_count(); ++i) add_well_known(wk->dependency(i));
        pb::FileDescriptorProto proto;
        wk->CopyTo(&proto);
        pool.BuildFile(proto);
      };

  // Files by path; targets win over dependency files of the same path.
  std::unordered_map<std::string, std::unique_ptr<ParsedFile>> files;
  std::unordered_map<std::string, const FileInput*> available;
  for (const auto& d : dependencies) available.emplace(d.path, &d);
  std::vector<ParsedFile*> batch;
  for (const auto& t : targets) {
    auto f = std::make_unique<ParsedFile>();
    f->path = t.path;
    f->content = &t.content;
    f->is_target = true;
    batch.push_back(f.get());
    impl.targets.push_back(t.path);
    files[t.path] = std::move(f);
  }
  std::sort(impl.targets.begin(), impl.targets.end());

  // Parse in waves: the targets, then the dependency files they import, and so on.
  while (!batch.empty()) {
    parallel_for(batch.size(), options.threads,
                 [&](std::size_t i) { parse_file(*batch[i], options.interpreted_source_info); });
    std::vector<ParsedFile*> next;
    for (ParsedFile* f : batch) {
      for (const auto& imp : f->proto.dependency()) {
        if (files.count(imp) != 0) continue;
        auto it = available.find(imp);
        if (it == available.end()) continue;
        auto dep = std::make_unique<ParsedFile>();
        dep->path = imp;
        dep->content = &it->second->content;
        next.push_back(dep.get());
        files[imp] = std::move(dep);
      }
    }
    batch = std::move(next);
  }

  phase("parse");
  // Link order: imports before importers (depth-first), cycles reported as protoc does.
  std::vector<ParsedFile*> order;
  std::unordered_map<std::string, int> state;  // 1 = on the stack, 2 = done
  std::vector<std::string> stack;
  std::function<void(ParsedFile*)> visit = [&](ParsedFile* f) {
    state[f->path] = 1;
    stack.push_back(f->path);
    for (int i = 0; i < f->proto.dependency_size(); ++i) {
      const std::string& imp = f->proto.dependency(i);
      auto it = files.find(imp);
      if (it == files.end()) continue;
      int s = state[imp];
      if (s == 1) {
        // As protoc: reported on the file that imports itself, at its import of the next file
        // of the chain. The back edge is not followed, so linking the chain's files then fails
        // with "was not found or had errors" on each, as it does in protoc.
        auto from = std::find(stack.begin(), stack.end(), imp);
        std::string chain;
        for (auto p = from; p != stack.end(); ++p) chain += *p + " -> ";
        chain += imp;
        ParsedFile* root = it->second.get();
        const std::string& next_in_chain = from + 1 != stack.end() ? *(from + 1) : imp;
        int line = -1, column = -1;
        root->locations.FindImport(&root->proto, next_in_chain, &line, &column);
        root->diagnostics.push_back({root->path, line < 0 ? 0 : line + 1, line < 0 ? 0 : column + 1,
                                     Severity::kError, "File recursively imports itself: " + chain});
      } else if (s == 0) {
        visit(it->second.get());
      }
    }
    stack.pop_back();
    state[f->path] = 2;
    order.push_back(f);
  };
  std::vector<std::string> roots;
  for (const auto& [path, _] : files) roots.push_back(path);
  std::sort(roots.begin(), roots.end());
  for (const auto& path : roots) {
    if (state[path] == 0) visit(files[path].get());
  }

  std::set<std::string> reported_missing;
  for (ParsedFile* f : order) {
    if (!f->parsed_ok) continue;
    for (const auto& imp : f->proto.dependency()) {
      if (files.count(imp) == 0 && !is_well_known_file(imp) &&
          reported_missing.insert(imp).second) {
        f->diagnostics.push_back({imp, 0, 0, Severity::kError, "File not found."});
      }
    }
    if (options.for_code_generation) {
      for (const auto& imp : f->proto.dependency()) {
        if (files.count(imp) != 0) continue;
        if (const auto* wk = pb::DescriptorPool::generated_pool()->FindFileByName(imp);
            wk != nullptr && is_well_known_file(imp)) {
          add_well_known(wk);
        }
      }
    }
    if (options.warn_unused_imports && f->is_target) pool.AddUnusedImportTrackFile(f->path);
    LinkErrors errors(*f);
    // The pool copies what it is given, so the source info is lent for the build only.
    if (options.for_code_generation) f->proto.mutable_source_code_info()->Swap(&f->source_info);
    const pb::FileDescriptor* fd = pool.BuildFileCollectingErrors(f->proto, &errors);
    if (options.for_code_generation) {
      f->source_info.Swap(f->proto.mutable_source_code_info());
      f->proto.clear_source_code_info();
    }
    if (fd != nullptr) {
      impl.linked.push_back(f->path);
      impl.source_infos.emplace(f->path, std::move(f->source_info));
    }
  }
  pool.ClearUnusedImportTrackFiles();
  phase("link");

  // Diagnostics grouped by file (targets in path order, then dependency files), each file's in
  // the order they were found.
  std::vector<std::string> report_order = impl.targets;
  for (const auto& path : roots) {
    if (!files[path]->is_target) report_order.push_back(path);
  }
  for (const auto& path : report_order) {
    auto& d = files[path]->diagnostics;
    result.diagnostics.insert(result.diagnostics.end(), std::make_move_iterator(d.begin()),
                              std::make_move_iterator(d.end()));
  }
  phase("report");
  files.clear();
  phase("free parsed files");
  result.schema = std::move(schema);
  return result;
}

pb::FileDescriptorSet descriptor_set(const Schema& schema, bool with_source_info) {
  pb::FileDescriptorSet out;
  std::set<std::string> done;
  std::function<void(const pb::FileDescriptor*)> add = [&](const pb::FileDescriptor* fd) {
    if (!done.insert(fd->name()).second) return;
    for (int i = 0; i < fd->dependency_count(); ++i) add(fd->dependency(i));
    schema.to_proto(fd->name(), with_source_info, out.add_file());
  };
  for (const auto& path : schema.target_files()) {
    if (const auto* fd = schema.file(path)) add(fd);
  }
  return out;
}

std::vector<std::string> scan_imports(const std::string& content) {
  class Quiet final : public pb::io::ErrorCollector {
   public:
    void AddError(int, pb::io::ColumnNumber, const std::string&) override {}
  } quiet;
  pb::io::ArrayInputStream input(content.data(), static_cast<int>(content.size()));
  pb::io::Tokenizer tokenizer(&input, &quiet);
  std::vector<std::string> out;
  int depth = 0;
  bool statement_start = true;  // `import` only starts a statement at the top level
  while (tokenizer.Next()) {
    const auto& tok = tokenizer.current();
    bool at_start = statement_start;
    statement_start = false;
    if (tok.type == pb::io::Tokenizer::TYPE_SYMBOL) {
      if (tok.text == "{") ++depth;
      if (tok.text == "}") --depth;
      statement_start = depth == 0 && (tok.text == ";" || tok.text == "}");
      continue;
    }
    if (!at_start || depth != 0 || tok.type != pb::io::Tokenizer::TYPE_IDENTIFIER ||
        tok.text != "import")
      continue;
    if (!tokenizer.Next()) break;
    if (tokenizer.current().type == pb::io::Tokenizer::TYPE_IDENTIFIER &&
        (tokenizer.current().text == "public" || tokenizer.current().text == "weak")) {
      if (!tokenizer.Next()) break;
    }
    if (tokenizer.current().type == pb::io::Tokenizer::TYPE_STRING) {
      std::string path;
      pb::io::Tokenizer::ParseString(tokenizer.current().text, &path);
      out.push_back(std::move(path));
    }
  }
  return out;
}

std::string format_diagnostic(const Diagnostic& d) {
  std::string where = d.line > 0 ? fmt::format("{}:{}:{}", d.file, d.line, d.column) : d.file;
  return fmt::format("{}: {}{}", where, d.severity == Severity::kWarning ? "warning: " : "", d.message);
}

}  // namespace spoke
