#include "proto/source_path.h"

namespace spoke::proto_internal {

namespace {

// The field of the parent message that a map entry message was generated for.
const pb::FieldDescriptor* map_field_of(const pb::Descriptor* entry) {
  const pb::Descriptor* parent = entry->containing_type();
  if (parent == nullptr) return nullptr;
  for (int i = 0; i < parent->field_count(); ++i) {
    if (parent->field(i)->message_type() == entry) return parent->field(i);
  }
  return nullptr;
}

}  // namespace

SourcePath append(SourcePath path, std::initializer_list<int> more) {
  path.insert(path.end(), more);
  return path;
}

// ---- paths by descriptor ---------------------------------------------------------------------

SourcePath path_of(const pb::Descriptor* d) {
  if (d->containing_type() == nullptr) {
    return {pb::FileDescriptorProto::kMessageTypeFieldNumber, d->index()};
  }
  return append(path_of(d->containing_type()),
                {pb::DescriptorProto::kNestedTypeFieldNumber, d->index()});
}

SourcePath path_of(const pb::FieldDescriptor* d) {
  if (!d->is_extension()) {
    return append(path_of(d->containing_type()),
                  {pb::DescriptorProto::kFieldFieldNumber, d->index()});
  }
  if (d->extension_scope() == nullptr) {
    return {pb::FileDescriptorProto::kExtensionFieldNumber, d->index()};
  }
  return append(path_of(d->extension_scope()),
                {pb::DescriptorProto::kExtensionFieldNumber, d->index()});
}

SourcePath path_of(const pb::OneofDescriptor* d) {
  return append(path_of(d->containing_type()),
                {pb::DescriptorProto::kOneofDeclFieldNumber, d->index()});
}

SourcePath path_of(const pb::EnumDescriptor* d) {
  if (d->containing_type() == nullptr) {
    return {pb::FileDescriptorProto::kEnumTypeFieldNumber, d->index()};
  }
  return append(path_of(d->containing_type()),
                {pb::DescriptorProto::kEnumTypeFieldNumber, d->index()});
}

SourcePath path_of(const pb::EnumValueDescriptor* d) {
  return append(path_of(d->type()), {pb::EnumDescriptorProto::kValueFieldNumber, d->index()});
}

SourcePath path_of(const pb::ServiceDescriptor* d) {
  return {pb::FileDescriptorProto::kServiceFieldNumber, d->index()};
}

SourcePath path_of(const pb::MethodDescriptor* d) {
  return append(path_of(d->service()),
                {pb::ServiceDescriptorProto::kMethodFieldNumber, d->index()});
}

SourcePath declared_path_of(const pb::Descriptor* d) {
  if (d->options().map_entry()) {
    if (const pb::FieldDescriptor* f = map_field_of(d)) return declared_path_of(f);
  }
  return path_of(d);
}

SourcePath declared_path_of(const pb::FieldDescriptor* d) {
  if (!d->is_extension() && d->containing_type()->options().map_entry()) {
    if (const pb::FieldDescriptor* f = map_field_of(d->containing_type())) {
      return declared_path_of(f);
    }
  }
  return path_of(d);
}

SourcePath options_path(const pb::FileDescriptor*) {
  return {pb::FileDescriptorProto::kOptionsFieldNumber};
}

// ---- locations ---------------------------------------------------------------------------------

std::optional<Span> span_of(const pb::SourceCodeInfo::Location& loc) {
  const auto& s = loc.span();
  if (s.size() != 3 && s.size() != 4) return std::nullopt;
  const bool one_line = s.size() == 3;
  return Span{s[0] + 1, s[1] + 1, (one_line ? s[0] : s[2]) + 1, (one_line ? s[2] : s[3]) + 1};
}

std::size_t LocationIndex::Hash::operator()(const SourcePath& path) const {
  std::size_t h = path.size();
  for (int p : path) h = h * 31 + static_cast<std::size_t>(p);
  return h;
}

LocationIndex::LocationIndex(const pb::SourceCodeInfo& info) {
  by_path_.reserve(static_cast<std::size_t>(info.location_size()));
  for (const auto& loc : info.location()) {
    by_path_.try_emplace(SourcePath(loc.path().begin(), loc.path().end()), &loc);
  }
}

const pb::SourceCodeInfo::Location* LocationIndex::find(const SourcePath& path) const {
  auto it = by_path_.find(path);
  return it == by_path_.end() ? nullptr : it->second;
}

struct SchemaLocations::File {
  pb::SourceCodeInfo pool_copy;  // for a file the schema has no SourceCodeInfo of
  std::optional<LocationIndex> index;
};

SchemaLocations::SchemaLocations(const Schema& schema) : schema_(schema) {}
SchemaLocations::~SchemaLocations() = default;

const pb::SourceCodeInfo::Location* SchemaLocations::find(const pb::FileDescriptor* file,
                                                          const SourcePath& path) const {
  if (file == nullptr) return nullptr;
  auto& entry = files_[file->name()];
  if (entry == nullptr) {
    entry = std::make_unique<File>();
    const pb::SourceCodeInfo* info = schema_.source_info(file->name());
    if (info == nullptr) {
      pb::FileDescriptorProto proto;
      file->CopySourceCodeInfoTo(&proto);
      entry->pool_copy.Swap(proto.mutable_source_code_info());
      info = &entry->pool_copy;
    }
    entry->index.emplace(*info);
  }
  return entry->index->find(path);
}

std::optional<Span> SchemaLocations::span(const pb::FileDescriptor* file,
                                          const SourcePath& path) const {
  const pb::SourceCodeInfo::Location* loc = find(file, path);
  if (loc == nullptr) return std::nullopt;
  return span_of(*loc);
}

}  // namespace spoke::proto_internal
