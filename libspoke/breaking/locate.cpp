// Source paths of declarations and where they are in the files.

#include <google/protobuf/descriptor.pb.h>

#include "breaking/breaking_internal.h"

namespace spoke::breaking_internal {

namespace pb = google::protobuf;

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

std::string path_key(const std::vector<int>& path) {
  std::string key;
  key.reserve(path.size() * 3);
  for (int p : path) {
    key += std::to_string(p);
    key += ',';
  }
  return key;
}

}  // namespace

// A map entry and its key and value fields are not in the source: they are located at the map
// field they were generated for, as buf locates them.
std::vector<int> source_path(const pb::Descriptor* d) {
  if (d->options().map_entry()) {
    if (const pb::FieldDescriptor* f = map_field_of(d)) return source_path(f);
  }
  std::vector<int> path;
  if (d->containing_type() != nullptr) {
    path = source_path(d->containing_type());
    path.push_back(pb::DescriptorProto::kNestedTypeFieldNumber);
  } else {
    path.push_back(pb::FileDescriptorProto::kMessageTypeFieldNumber);
  }
  path.push_back(d->index());
  return path;
}

std::vector<int> source_path(const pb::FieldDescriptor* d) {
  std::vector<int> path;
  if (d->is_extension()) {
    if (d->extension_scope() != nullptr) {
      path = source_path(d->extension_scope());
      path.push_back(pb::DescriptorProto::kExtensionFieldNumber);
    } else {
      path.push_back(pb::FileDescriptorProto::kExtensionFieldNumber);
    }
    path.push_back(d->index());
    return path;
  }
  const pb::Descriptor* parent = d->containing_type();
  if (parent->options().map_entry()) {
    if (const pb::FieldDescriptor* f = map_field_of(parent)) return source_path(f);
  }
  path = source_path(parent);
  path.push_back(pb::DescriptorProto::kFieldFieldNumber);
  path.push_back(d->index());
  return path;
}

std::vector<int> source_path(const pb::OneofDescriptor* d) {
  std::vector<int> path = source_path(d->containing_type());
  path.push_back(pb::DescriptorProto::kOneofDeclFieldNumber);
  path.push_back(d->index());
  return path;
}

std::vector<int> source_path(const pb::EnumDescriptor* d) {
  std::vector<int> path;
  if (d->containing_type() != nullptr) {
    path = source_path(d->containing_type());
    path.push_back(pb::DescriptorProto::kEnumTypeFieldNumber);
  } else {
    path.push_back(pb::FileDescriptorProto::kEnumTypeFieldNumber);
  }
  path.push_back(d->index());
  return path;
}

std::vector<int> source_path(const pb::EnumValueDescriptor* d) {
  std::vector<int> path = source_path(d->type());
  path.push_back(pb::EnumDescriptorProto::kValueFieldNumber);
  path.push_back(d->index());
  return path;
}

std::vector<int> source_path(const pb::ServiceDescriptor* d) {
  return {pb::FileDescriptorProto::kServiceFieldNumber, d->index()};
}

std::vector<int> source_path(const pb::MethodDescriptor* d) {
  std::vector<int> path = source_path(d->service());
  path.push_back(pb::ServiceDescriptorProto::kMethodFieldNumber);
  path.push_back(d->index());
  return path;
}

std::optional<Span> Locator::find(const pb::FileDescriptor* file,
                                  const std::vector<int>& path) const {
  if (file == nullptr) return std::nullopt;
  auto to_span = [](int sl, int sc, int el, int ec) {
    return Span{sl + 1, sc + 1, el + 1, ec + 1};
  };
  auto [it, fresh] = raw_.try_emplace(file->name());
  if (fresh) {
    // The pool's own lookup keeps the last location of a path; buf reads the first (the whole
    // `json_name = "x"`, not just its value), so the index is built here.
    const pb::SourceCodeInfo* raw = schema_.source_info(file->name());
    pb::FileDescriptorProto copy;
    if (raw == nullptr) {
      file->CopySourceCodeInfoTo(&copy);
      raw = &copy.source_code_info();
    }
    // The first location of a path wins, as buf reads them.
    for (const auto& loc : raw->location()) {
      std::vector<int> p(loc.path().begin(), loc.path().end());
      if (loc.span_size() < 3) continue;
      int el = loc.span_size() == 4 ? loc.span(2) : loc.span(0);
      int ec = loc.span_size() == 4 ? loc.span(3) : loc.span(2);
      it->second.try_emplace(path_key(p), to_span(loc.span(0), loc.span(1), el, ec));
    }
  }
  auto found = it->second.find(path_key(path));
  if (found == it->second.end()) return std::nullopt;
  return found->second;
}

std::string nested_name(const std::string& full_name, const std::string& package) {
  if (package.empty()) return full_name;
  if (full_name.size() > package.size() && full_name.compare(0, package.size(), package) == 0 &&
      full_name[package.size()] == '.') {
    return full_name.substr(package.size() + 1);
  }
  return full_name;
}

}  // namespace spoke::breaking_internal
