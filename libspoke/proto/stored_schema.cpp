// Stored descriptors: a linked schema written as a FileDescriptorSet once, and read back as a
// Schema without parsing any .proto file. A file's SourceCodeInfo is most of the set's bytes and
// most of the time it takes to parse, so the set is split at the wire level and each file's
// SourceCodeInfo is parsed only when someone asks for it.
#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <set>

#include <google/protobuf/arena.h>

#include "proto/option_locations.h"
#include "proto/schema_impl.h"
#include "proto/wire.h"
#include "spoke/schema.h"
#include "util/timing.h"

namespace spoke {

using proto_internal::append_field;
using proto_internal::parallel_for;
using proto_internal::WireReader;

namespace {

constexpr int kFileField = pb::FileDescriptorSet::kFileFieldNumber;
constexpr int kSourceInfoField = pb::FileDescriptorProto::kSourceCodeInfoFieldNumber;

// One file of a stored set: its fields before and after its SourceCodeInfo, and the serialized
// SourceCodeInfo (empty when it has none).
struct StoredFile {
  std::string_view before;
  std::string_view info;
  std::string_view after;
};

bool split_file(std::string_view bytes, StoredFile& out) {
  WireReader r(bytes);
  out = {bytes, {}, {}};
  while (!r.done()) {
    const char* start = r.p;
    int number = 0;
    std::string_view payload;
    if (!r.field(number, payload)) return false;
    if (number == kSourceInfoField && out.info.empty() && out.before.size() == bytes.size()) {
      out.before = bytes.substr(0, static_cast<std::size_t>(start - bytes.data()));
      out.info = payload;
      out.after = bytes.substr(static_cast<std::size_t>(r.p - bytes.data()));
    }
  }
  return true;
}

bool split_set(std::string_view set, std::vector<StoredFile>& out) {
  WireReader r(set);
  while (!r.done()) {
    int number = 0;
    std::string_view payload;
    if (!r.field(number, payload) || number != kFileField) return false;
    out.emplace_back();
    if (!split_file(payload, out.back())) return false;
  }
  return true;
}

bool merge(std::string_view bytes, pb::MessageLite& into) {
  if (bytes.empty()) return true;
  pb::io::CodedInputStream in(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  return into.MergeFromCodedStream(&in) && in.ConsumedEntireMessage();
}

// The file's descriptor without its SourceCodeInfo.
bool parse_descriptor(const StoredFile& f, pb::FileDescriptorProto& out) {
  return merge(f.before, out) && merge(f.after, out);
}

Status damaged(const std::string& what) {
  return Status::InvalidArgument(fmt::format("the stored descriptor is damaged: {}", what),
                                 reason::kInvalidStoredDescriptor);
}

Result<std::vector<StoredFile>> split(std::string_view stored) {
  std::vector<StoredFile> files;
  if (!split_set(stored, files)) return damaged("it is not a FileDescriptorSet");
  return files;
}

class FirstError : public pb::DescriptorPool::ErrorCollector {
 public:
  void AddError(const std::string& filename, const std::string& element_name, const pb::Message*,
                ErrorLocation, const std::string& message) override {
    if (text.empty()) text = fmt::format("{}: {}: {}", filename, element_name, message);
  }
  std::string text;
};

// protoc's json_name of a field without one: underscores dropped, the letter after each upper
// case (descriptor.cc's ToJsonName).
std::string to_json_name(const std::string& name) {
  std::string out;
  out.reserve(name.size());
  bool capitalize_next = false;
  for (char c : name) {
    if (c == '_') {
      capitalize_next = true;
    } else if (capitalize_next) {
      out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
      capitalize_next = false;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void add_json_names(pb::RepeatedPtrField<pb::FieldDescriptorProto>& fields) {
  for (auto& f : fields) {
    if (!f.has_json_name()) f.set_json_name(to_json_name(f.name()));
  }
}

void add_json_names(pb::DescriptorProto& m) {
  add_json_names(*m.mutable_field());
  add_json_names(*m.mutable_extension());
  for (auto& nested : *m.mutable_nested_type()) add_json_names(nested);
}

// `proto` serialized with `info` (a serialized SourceCodeInfo) where protobuf puts it: before the
// first field numbered after it.
std::string serialize_with_info(const pb::FileDescriptorProto& proto, std::string_view info) {
  std::string bytes = proto.SerializeAsString();
  if (info.empty()) return bytes;
  WireReader r(bytes);
  std::size_t at = bytes.size();
  while (!r.done()) {
    const char* start = r.p;
    int number = 0;
    std::string_view payload;
    if (!r.field(number, payload)) break;
    if (number > kSourceInfoField) {
      at = static_cast<std::size_t>(start - bytes.data());
      break;
    }
  }
  std::string field;
  append_field(field, kSourceInfoField, info);
  bytes.insert(at, field);
  return bytes;
}

// Every file of `schema` its targets need, imports first, as descriptor_set() orders them.
std::vector<const pb::FileDescriptor*> files_in_order(const Schema& schema) {
  std::vector<const pb::FileDescriptor*> out;
  std::set<std::string> done;
  std::function<void(const pb::FileDescriptor*)> add = [&](const pb::FileDescriptor* fd) {
    if (!done.insert(fd->name()).second) return;
    for (int i = 0; i < fd->dependency_count(); ++i) add(fd->dependency(i));
    out.push_back(fd);
  };
  for (const auto& path : schema.target_files()) {
    if (const auto* fd = schema.file(path)) add(fd);
  }
  return out;
}

std::string join_files(const std::vector<std::string>& files) {
  std::size_t total = 0;
  for (const auto& f : files) total += f.size() + 10;
  std::string out;
  out.reserve(total);
  for (const auto& f : files) append_field(out, kFileField, f);
  return out;
}

}  // namespace

Result<std::string> stored_descriptor_set(const Schema& schema, const SourceLookup& source_of) {
  const auto& impl = SchemaBuilder::impl(schema);
  if (impl.info_form == SchemaBuilder::InfoForm::kParser) {
    return Status::InvalidArgument(
        "a stored descriptor is written from a schema linked with interpreted_source_info");
  }
  internal::PhaseTimer timer("stored_descriptor_set");
  auto files = files_in_order(schema);
  std::vector<std::string> serialized(files.size());
  parallel_for(files.size(), 0, [&](std::size_t i) {
    const pb::FileDescriptor* fd = files[i];
    pb::FileDescriptorProto proto;
    fd->CopyTo(&proto);
    const pb::SourceCodeInfo* info = schema.source_info(fd->name());
    if (info == nullptr) {
      serialized[i] = proto.SerializeAsString();
      return;
    }
    // From buf's form to protoc's: custom options interpreted, default values located at the
    // value.
    auto plan = impl.option_plans.find(fd->name());
    const std::string* text = nullptr;
    if (impl.info_form == SchemaBuilder::InfoForm::kBuf &&
        proto_internal::has_default_values(proto) && source_of) {
      text = source_of(fd->name());
    }
    if (plan == impl.option_plans.end() && text == nullptr) {
      serialized[i] = serialize_with_info(proto, info->SerializeAsString());
      return;
    }
    pb::SourceCodeInfo protoc_form = *info;
    if (plan != impl.option_plans.end())
      proto_internal::apply_option_plan(plan->second, protoc_form);
    if (text != nullptr) proto_internal::locate_defaults_at_value(*text, protoc_form);
    serialized[i] = serialize_with_info(proto, protoc_form.SerializeAsString());
  });
  timer.phase("files");
  return join_files(serialized);
}

Result<std::shared_ptr<const Schema>> load_stored_schema(std::shared_ptr<const std::string> stored,
                                                         const std::vector<std::string>& targets,
                                                         const SchemaOptions& options,
                                                         const SourceLookup& source_of) {
  internal::PhaseTimer timer("load_stored_schema");
  if (stored == nullptr) return damaged("it is empty");
  auto files = split(*stored);
  if (!files.ok()) return files.status();
  const std::size_t n = files->size();
  // The descriptors live only until the pool has its own copies: on an arena, freed at once.
  pb::Arena arena;
  std::vector<pb::FileDescriptorProto*> protos(n);
  for (auto& p : protos) p = pb::Arena::CreateMessage<pb::FileDescriptorProto>(&arena);
  std::atomic<bool> parsed{true};
  const bool codegen = options.for_code_generation;
  parallel_for(n, options.threads, [&](std::size_t i) {
    const StoredFile& f = (*files)[i];
    if (!parse_descriptor(f, *protos[i]) ||
        (codegen && !merge(f.info, *protos[i]->mutable_source_code_info()))) {
      parsed = false;
    }
  });
  if (!parsed) return damaged("a file descriptor does not parse");
  timer.phase("parse");

  auto schema = SchemaBuilder::make();
  auto& impl = SchemaBuilder::impl(*schema);
  impl.for_code_generation = codegen;
  impl.info_form = options.interpreted_source_info ? SchemaBuilder::InfoForm::kBuf
                                                   : SchemaBuilder::InfoForm::kProtoc;
  if (codegen) impl.pool = std::make_unique<pb::DescriptorPool>();
  impl.targets = targets;
  std::sort(impl.targets.begin(), impl.targets.end());
  std::size_t descriptor_bytes = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& proto = *protos[i];
    const bool well_known = is_well_known_file(proto.name());
    // The well-known types come from the generated pool underneath, as when parsing.
    if (well_known && !codegen) continue;
    FirstError errors;
    if (impl.pool->BuildFileCollectingErrors(proto, &errors) == nullptr) {
      return damaged(errors.text.empty() ? proto.name() + " does not link" : errors.text);
    }
    if (well_known) continue;
    impl.linked.push_back(proto.name());
    const StoredFile& f = (*files)[i];
    descriptor_bytes += f.before.size() + f.after.size();
    if (!f.info.empty()) impl.info_bytes.emplace(proto.name(), f.info);
  }
  for (const auto& path : impl.targets) {
    if (impl.pool->FindFileByName(path) == nullptr) {
      return damaged(fmt::format("it does not hold {}", path));
    }
  }
  timer.phase("link");

  // buf locates default values at their `default` keyword: only files that have some differ.
  if (options.interpreted_source_info && source_of) {
    for (std::size_t i = 0; i < n; ++i) {
      const auto& proto = *protos[i];
      auto pending = impl.info_bytes.find(proto.name());
      if (pending == impl.info_bytes.end() || !proto_internal::has_default_values(proto)) continue;
      const std::string* text = source_of(proto.name());
      if (text == nullptr) continue;
      pb::SourceCodeInfo info;
      if (!merge(pending->second, info)) return damaged(proto.name() + " has damaged source info");
      proto_internal::locate_defaults_at_keyword(*text, info);
      impl.source_infos.emplace(proto.name(), std::move(info));
      impl.info_bytes.erase(pending);
    }
  }
  // What the pool holds is several times its descriptors' wire size (and, for code generation,
  // holds every SourceCodeInfo as well).
  impl.approximate_bytes =
      stored->size() + 6 * descriptor_bytes + (codegen ? 4 * stored->size() : 0);
  impl.backing = std::move(stored);
  timer.phase("source info");
  return std::shared_ptr<const Schema>(std::move(schema));
}

Result<std::string> output_descriptor_set(std::string_view stored, bool with_source_info) {
  auto files = split(stored);
  if (!files.ok()) return files.status();
  std::vector<std::string> serialized(files->size());
  std::atomic<bool> parsed{true};
  parallel_for(files->size(), 0, [&](std::size_t i) {
    const StoredFile& f = (*files)[i];
    pb::FileDescriptorProto proto;
    if (!parse_descriptor(f, proto)) {
      parsed = false;
      return;
    }
    add_json_names(*proto.mutable_extension());
    for (auto& m : *proto.mutable_message_type()) add_json_names(m);
    serialized[i] = serialize_with_info(proto, with_source_info ? f.info : std::string_view());
  });
  if (!parsed) return damaged("a file descriptor does not parse");
  return join_files(serialized);
}

std::size_t approximate_size(const Schema& schema) {
  return SchemaBuilder::impl(schema).approximate_bytes;
}

}  // namespace spoke
