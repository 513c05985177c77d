// Building a schema: parsing files in parallel, linking them in dependency order, collecting
// every diagnostic; the Schema it yields and the descriptor sets written from it.

#include "spoke/schema.h"

#include <google/protobuf/compiler/parser.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>
#include <thread>
#include <unordered_map>

#include "proto/diagnostics.h"
#include "proto/option_locations.h"
#include "proto/schema_impl.h"
#include "util/timing.h"

namespace spoke {

using proto_internal::parallel_for;

// What a linked file and its SourceCodeInfo take in memory, per byte of its source, roughly.
constexpr std::size_t kBytesPerSourceByte = 10;

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

void parse_file(ParsedFile& f, bool interpret_options) {
  pb::io::ArrayInputStream input(f.content->data(), static_cast<int>(f.content->size()));
  proto_internal::ParseErrorCollector errors(f.path, f.diagnostics);
  pb::io::Tokenizer tokenizer(&input, &errors);
  pb::compiler::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.RecordSourceLocationsTo(&f.locations);
  f.proto.set_name(f.path);
  bool ok = parser.Parse(&tokenizer, &f.proto);
  f.parsed_ok =
      ok && std::none_of(f.diagnostics.begin(), f.diagnostics.end(),
                         [](const Diagnostic& d) { return d.severity == Severity::kError; });
  f.source_info.Swap(f.proto.mutable_source_code_info());
  f.proto.clear_source_code_info();
  if (interpret_options) {
    proto_internal::interpret_option_locations(f.proto, *f.content, f.source_info);
  }
}

}  // namespace

Schema::Schema() : impl_(std::make_unique<Impl>()) {}
Schema::~Schema() = default;
const pb::DescriptorPool& Schema::pool() const { return *impl_->pool; }
const std::vector<std::string>& Schema::target_files() const { return impl_->targets; }
const std::vector<std::string>& Schema::linked_files() const { return impl_->linked; }
const pb::FileDescriptor* Schema::file(const std::string& path) const {
  return impl_->pool->FindFileByName(path);
}
const pb::SourceCodeInfo* Schema::source_info(const std::string& path) const {
  return impl_->source_info(path);
}

const pb::SourceCodeInfo* Schema::Impl::source_info(const std::string& path) {
  if (backing == nullptr) {
    auto it = source_infos.find(path);
    return it == source_infos.end() ? nullptr : &it->second;
  }
  std::lock_guard lock(infos_mu);
  if (auto it = source_infos.find(path); it != source_infos.end()) return &it->second;
  auto bytes = info_bytes.find(path);
  if (bytes == info_bytes.end()) return nullptr;
  auto& info = source_infos[path];
  info.ParseFromArray(bytes->second.data(), static_cast<int>(bytes->second.size()));
  return &info;
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
  impl.info_form = options.interpreted_source_info ? SchemaBuilder::InfoForm::kBuf
                                                   : SchemaBuilder::InfoForm::kParser;
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
        root->diagnostics.push_back(
            proto_internal::diagnostic_at(root->path, line, column, Severity::kError,
                                          "File recursively imports itself: " + chain));
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
    proto_internal::LinkErrorCollector errors(f->locations, f->diagnostics);
    // The pool copies what it is given, so the source info is lent for the build only.
    if (options.for_code_generation) f->proto.mutable_source_code_info()->Swap(&f->source_info);
    const pb::FileDescriptor* fd = pool.BuildFileCollectingErrors(f->proto, &errors);
    if (options.for_code_generation) {
      f->source_info.Swap(f->proto.mutable_source_code_info());
      f->proto.clear_source_code_info();
    }
    if (fd != nullptr) {
      if (options.interpreted_source_info) {
        auto plan = proto_internal::protoc_option_plan(f->proto, pool);
        if (!plan.empty()) impl.option_plans.emplace(f->path, std::move(plan));
      }
      impl.linked.push_back(f->path);
      impl.source_infos.emplace(f->path, std::move(f->source_info));
      impl.approximate_bytes += kBytesPerSourceByte * f->content->size();
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

}  // namespace spoke
