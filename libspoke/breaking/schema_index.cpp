#include "breaking/schema_index.h"

namespace spoke::breaking_internal {

namespace {

// Calls on(d) for each message (nested ones after their parent), enum and extension declared in
// `message`, then in the messages nested in it.
template <typename Fn>
void for_each_declaration(const pb::Descriptor* message, Fn& on) {
  on(message);
  for (int i = 0; i < message->nested_type_count(); ++i) {
    for_each_declaration(message->nested_type(i), on);
  }
  for (int i = 0; i < message->enum_type_count(); ++i) on(message->enum_type(i));
  for (int i = 0; i < message->extension_count(); ++i) on(message->extension(i));
}

// The same for the top-level messages, enums and extensions of `file`.
template <typename Fn>
void for_each_declaration(const pb::FileDescriptor* file, Fn&& on) {
  for (int i = 0; i < file->message_type_count(); ++i) {
    for_each_declaration(file->message_type(i), on);
  }
  for (int i = 0; i < file->enum_type_count(); ++i) on(file->enum_type(i));
  for (int i = 0; i < file->extension_count(); ++i) on(file->extension(i));
}

}  // namespace

SchemaIndex::SchemaIndex(const Schema& s) : schema(s), locations(s) {
  for (const auto& path : s.target_files()) {
    const pb::FileDescriptor* f = s.file(path);
    if (f == nullptr) continue;
    files.emplace(path, f);
    packages[f->package()].push_back(f);
    for_each_declaration(f, [&](const auto* d) {
      using D = std::remove_cv_t<std::remove_pointer_t<decltype(d)>>;
      if constexpr (std::is_same_v<D, pb::Descriptor>) {
        messages.emplace(d->full_name(), d);
      } else if constexpr (std::is_same_v<D, pb::EnumDescriptor>) {
        enums.emplace(d->full_name(), d);
      } else {
        extensions[d->containing_type()->full_name()].emplace(d->number(), d);
      }
    });
    for (int i = 0; i < f->service_count(); ++i) {
      services.emplace(f->service(i)->full_name(), f->service(i));
    }
  }
}

void Declarations::add(const pb::FileDescriptor* file) {
  const std::string& package = file->package();
  for_each_declaration(file, [&](const auto* d) {
    using D = std::remove_cv_t<std::remove_pointer_t<decltype(d)>>;
    std::string name = nested_name(d->full_name(), package);
    if constexpr (std::is_same_v<D, pb::Descriptor>) {
      messages.emplace(std::move(name), d);
    } else if constexpr (std::is_same_v<D, pb::EnumDescriptor>) {
      enums.emplace(std::move(name), d);
    } else {
      extensions.emplace(std::move(name), d);
    }
  });
  for (int i = 0; i < file->service_count(); ++i)
    services.emplace(file->service(i)->name(), file->service(i));
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
