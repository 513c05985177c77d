// The walk of a target file: its declarations with their source paths, and which of its imports
// it uses.

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/unknown_field_set.h>

#include <unordered_set>

#include "lint/lint_internal.h"

namespace spoke::lint_internal {

namespace {

using File = pb::FileDescriptorProto;
using proto_internal::path_of;

void walk_enum(FileModel& m, const pb::EnumDescriptor* e) {
  m.enums.push_back({e, path_of(e)});
  for (int i = 0; i < e->value_count(); ++i) {
    m.enum_values.push_back({e->value(i), path_of(e->value(i))});
  }
}

void walk_message(FileModel& m, const pb::Descriptor* d) {
  m.messages.push_back({d, path_of(d)});
  for (int i = 0; i < d->field_count(); ++i)
    m.fields.push_back({d->field(i), path_of(d->field(i))});
  for (int i = 0; i < d->extension_count(); ++i) {
    m.fields.push_back({d->extension(i), path_of(d->extension(i))});
  }
  for (int i = 0; i < d->oneof_decl_count(); ++i) {
    m.oneofs.push_back({d->oneof_decl(i), path_of(d->oneof_decl(i))});
  }
  for (int i = 0; i < d->enum_type_count(); ++i) walk_enum(m, d->enum_type(i));
  for (int i = 0; i < d->nested_type_count(); ++i) walk_message(m, d->nested_type(i));
}

// The files whose symbols a file refers to: types of fields, extendees, request and response
// types, and the extensions its custom options set.
class Uses {
 public:
  explicit Uses(const pb::FileDescriptor* file) : file_(file) {}

  void type(const pb::Descriptor* d) {
    if (d != nullptr) files_.insert(d->file());
  }
  void type(const pb::EnumDescriptor* e) {
    if (e != nullptr) files_.insert(e->file());
  }
  void field(const pb::FieldDescriptor* f) {
    type(f->message_type());
    type(f->enum_type());
    if (f->is_extension()) type(f->containing_type());
    options(f->options());
  }
  // Custom options are kept as unknown fields of the options message: each is an extension of
  // it, found by number; a message-typed one may set extensions of its own type in turn.
  void options(const pb::Message& options) {
    const pb::Reflection* reflection = options.GetReflection();
    const pb::UnknownFieldSet& unknown = reflection->GetUnknownFields(options);
    if (unknown.empty()) return;
    const pb::Descriptor* type =
        file_->pool()->FindMessageTypeByName(options.GetDescriptor()->full_name());
    if (type == nullptr) type = options.GetDescriptor();
    extensions(type, unknown, 0);
  }
  const std::unordered_set<const pb::FileDescriptor*>& files() const { return files_; }

 private:
  void extensions(const pb::Descriptor* type, const pb::UnknownFieldSet& fields, int depth) {
    for (int i = 0; i < fields.field_count(); ++i) {
      const pb::UnknownField& f = fields.field(i);
      const pb::FieldDescriptor* ext = file_->pool()->FindExtensionByNumber(type, f.number());
      if (ext == nullptr) continue;
      files_.insert(ext->file());
      if (depth < 8 && f.type() == pb::UnknownField::TYPE_LENGTH_DELIMITED &&
          ext->message_type() != nullptr) {
        pb::UnknownFieldSet inner;
        if (inner.ParseFromString(f.length_delimited())) {
          extensions(ext->message_type(), inner, depth + 1);
        }
      }
    }
  }

  const pb::FileDescriptor* file_;
  std::unordered_set<const pb::FileDescriptor*> files_;
};

void collect_uses(const FileModel& m, Uses& uses) {
  const pb::FileDescriptor* fd = m.fd;
  uses.options(fd->options());
  for (const auto& e : m.messages) {
    uses.options(e.d->options());
    for (int i = 0; i < e.d->extension_range_count(); ++i) {
      if (e.d->extension_range(i)->options_ != nullptr) {
        uses.options(*e.d->extension_range(i)->options_);
      }
    }
  }
  for (const auto& e : m.fields) uses.field(e.d);
  for (const auto& e : m.oneofs) uses.options(e.d->options());
  for (const auto& e : m.enums) uses.options(e.d->options());
  for (const auto& e : m.enum_values) uses.options(e.d->options());
  for (const auto& e : m.services) uses.options(e.d->options());
  for (const auto& e : m.methods) {
    uses.type(e.d->input_type());
    uses.type(e.d->output_type());
    uses.options(e.d->options());
  }
}

// `dep` and the files it imports publicly, transitively.
void public_closure(const pb::FileDescriptor* dep,
                    std::unordered_set<const pb::FileDescriptor*>& out) {
  if (!out.insert(dep).second) return;
  for (int i = 0; i < dep->public_dependency_count(); ++i) {
    public_closure(dep->public_dependency(i), out);
  }
}

}  // namespace

FileModel::FileModel(const pb::FileDescriptor* file, const pb::SourceCodeInfo* info)
    : fd(file), path(file->name()), info_(info) {
  syntax_specified = find({File::kSyntaxFieldNumber}) != nullptr;
  for (int i = 0; i < file->message_type_count(); ++i) walk_message(*this, file->message_type(i));
  for (int i = 0; i < file->enum_type_count(); ++i) walk_enum(*this, file->enum_type(i));
  for (int i = 0; i < file->extension_count(); ++i) {
    fields.push_back({file->extension(i), path_of(file->extension(i))});
  }
  for (int i = 0; i < file->service_count(); ++i) {
    const pb::ServiceDescriptor* s = file->service(i);
    services.push_back({s, path_of(s)});
    for (int j = 0; j < s->method_count(); ++j) {
      methods.push_back({s->method(j), path_of(s->method(j))});
    }
  }

  // An import is used when a symbol of it, or of a file it imports publicly, is referred to.
  // Public and weak imports count as used.
  Uses uses(file);
  collect_uses(*this, uses);
  unused_imports.assign(static_cast<std::size_t>(file->dependency_count()), false);
  std::unordered_set<int> exempt;
  for (int i = 0; i < file->public_dependency_count(); ++i) {
    for (int j = 0; j < file->dependency_count(); ++j) {
      if (file->dependency(j) == file->public_dependency(i)) exempt.insert(j);
    }
  }
  for (int i = 0; i < file->weak_dependency_count(); ++i) {
    for (int j = 0; j < file->dependency_count(); ++j) {
      if (file->dependency(j) == file->weak_dependency(i)) exempt.insert(j);
    }
  }
  for (int i = 0; i < file->dependency_count(); ++i) {
    if (exempt.count(i) != 0) continue;
    const pb::FileDescriptor* dep = file->dependency(i);
    if (dep == nullptr) continue;
    std::unordered_set<const pb::FileDescriptor*> visible;
    public_closure(dep, visible);
    bool used = false;
    for (const auto* f : visible) {
      if (uses.files().count(f) != 0) {
        used = true;
        break;
      }
    }
    unused_imports[static_cast<std::size_t>(i)] = !used;
  }
}

const pb::SourceCodeInfo::Location* FileModel::find(const SourcePath& path) const {
  if (info_ == nullptr) return nullptr;
  if (!index_) index_.emplace(*info_);
  return index_->find(path);
}

}  // namespace spoke::lint_internal
