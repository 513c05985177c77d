#include "breaking/changes.h"

#include <algorithm>
#include <tuple>
#include <type_traits>

namespace spoke::breaking_internal {

using proto_internal::declared_path_of;
using proto_internal::SourcePath;

namespace {

// The child of `parent` that matches `c`, a child of the other side's element: fields by number,
// the others by name. nullptr when there is none.
const pb::FieldDescriptor* matching(const pb::Descriptor* parent, const pb::FieldDescriptor* c) {
  return parent->FindFieldByNumber(c->number());
}
const pb::OneofDescriptor* matching(const pb::Descriptor* parent, const pb::OneofDescriptor* c) {
  return parent->FindOneofByName(c->name());
}
const pb::EnumValueDescriptor* matching(const pb::EnumDescriptor* parent,
                                        const pb::EnumValueDescriptor* c) {
  return parent->FindValueByName(c->name());
}
const pb::MethodDescriptor* matching(const pb::ServiceDescriptor* parent,
                                     const pb::MethodDescriptor* c) {
  return parent->FindMethodByName(c->name());
}

class ChangeLister {
 public:
  ChangeLister(const SchemaIndex& before, const SchemaIndex& after) : prev_(before), cur_(after) {}

  std::vector<SchemaChange> run() {
    for (const auto& [path, f] : cur_.files) {
      if (!prev_.files.count(path)) add(ChangeKind::kAdded, "file", path, f, {}, cur_);
    }
    for (const auto& [path, p] : prev_.files) {
      auto it = cur_.files.find(path);
      if (it == cur_.files.end()) {
        add(ChangeKind::kDeleted, "file", path, p, {}, prev_);
        continue;
      }
      if (p->options().SerializeAsString() != it->second->options().SerializeAsString()) {
        add(ChangeKind::kChanged, "option", path, it->second,
            proto_internal::options_path(it->second), cur_, "file options changed");
      }
    }
    diff_map(prev_.messages, cur_.messages, "message");
    diff_map(prev_.enums, cur_.enums, "enum");
    diff_map(prev_.services, cur_.services, "service");
    for_each_pair(prev_.messages, cur_.messages, [&](const auto* p, const auto* m) {
      diff_children(p, m, &pb::Descriptor::field_count, &pb::Descriptor::field, "field", true);
      diff_children(p, m, &pb::Descriptor::oneof_decl_count, &pb::Descriptor::oneof_decl, "oneof",
                    false);
      compare(p, m, "message");
    });
    for_each_pair(prev_.enums, cur_.enums, [&](const auto* p, const auto* e) {
      diff_children(p, e, &pb::EnumDescriptor::value_count, &pb::EnumDescriptor::value,
                    "enum_value", true);
      compare(p, e, "enum");
    });
    for_each_pair(prev_.services, cur_.services, [&](const auto* p, const auto* s) {
      diff_children(p, s, &pb::ServiceDescriptor::method_count, &pb::ServiceDescriptor::method,
                    "method", true);
      compare(p, s, "service");
    });
    for (const auto& [extendee, by_number] : cur_.extensions) {
      auto it = prev_.extensions.find(extendee);
      for (const auto& [number, f] : by_number) {
        if (it == prev_.extensions.end() || !it->second.count(number)) {
          add_element(ChangeKind::kAdded, "extension", f, cur_);
        }
      }
    }
    for (const auto& [extendee, by_number] : prev_.extensions) {
      auto it = cur_.extensions.find(extendee);
      for (const auto& [number, f] : by_number) {
        if (it == cur_.extensions.end() || !it->second.count(number)) {
          add_element(ChangeKind::kDeleted, "extension", f, prev_);
        }
      }
    }
    std::sort(out_.begin(), out_.end(), [](const SchemaChange& a, const SchemaChange& b) {
      return std::tie(a.path, a.line, a.column, a.kind, a.element, a.name) <
             std::tie(b.path, b.line, b.column, b.kind, b.element, b.name);
    });
    return std::move(out_);
  }

 private:
  void add(ChangeKind kind, const char* element, const std::string& name,
           const pb::FileDescriptor* file, const SourcePath& path, const SchemaIndex& side,
           std::string detail = "") {
    SchemaChange c;
    c.kind = kind;
    c.element = element;
    c.name = name;
    c.path = file->name();
    if (auto span = side.locations.span(file, path)) {
      c.line = span->start_line;
      c.column = span->start_column;
    }
    c.detail = std::move(detail);
    out_.push_back(std::move(c));
  }
  template <typename D>
  void add_element(ChangeKind kind, const char* element, const D* d, const SchemaIndex& side) {
    if constexpr (std::is_same_v<D, pb::Descriptor>) {
      if (d->options().map_entry()) return;  // reported as its map field
    }
    add(kind, element, d->full_name(), d->file(), declared_path_of(d), side);
  }
  template <typename D>
  void diff_map(const std::unordered_map<std::string, const D*>& before,
                const std::unordered_map<std::string, const D*>& after, const char* element) {
    for (const auto& [name, d] : after) {
      if (!before.count(name)) add_element(ChangeKind::kAdded, element, d, cur_);
    }
    for (const auto& [name, d] : before) {
      if (!after.count(name)) add_element(ChangeKind::kDeleted, element, d, prev_);
    }
  }
  // The children of `before` and `after`, an element present on both sides: those on one side only
  // are added or deleted, those on both compared when `compare_both`. `count` and `child` walk
  // the children.
  template <typename P, typename C>
  void diff_children(const P* before, const P* after, int (P::*count)() const,
                     const C* (P::*child)(int) const, const char* element, bool compare_both) {
    for (int i = 0; i < (after->*count)(); ++i) {
      const C* c = (after->*child)(i);
      if (matching(before, c) == nullptr) add_element(ChangeKind::kAdded, element, c, cur_);
    }
    for (int i = 0; i < (before->*count)(); ++i) {
      const C* c = (before->*child)(i);
      const C* kept = matching(after, c);
      if (kept == nullptr) {
        add_element(ChangeKind::kDeleted, element, c, prev_);
      } else if (compare_both) {
        compare(c, kept, element);
      }
    }
  }
  // Comments and options of an element present in both.
  template <typename D>
  void compare(const D* p, const D* d, const char* element) {
    if (p->options().SerializeAsString() != d->options().SerializeAsString()) {
      add(ChangeKind::kChanged, "option", d->full_name(), d->file(),
          proto_internal::options_path(d), cur_, std::string(element) + " options changed");
    }
    auto pl = prev_.location(p);
    auto l = cur_.location(d);
    if (pl && l &&
        (pl->leading_comments != l->leading_comments ||
         pl->trailing_comments != l->trailing_comments)) {
      add(ChangeKind::kChanged, "comment", d->full_name(), d->file(), declared_path_of(d), cur_,
          std::string(element) + " comments changed");
    }
  }

  const SchemaIndex& prev_;
  const SchemaIndex& cur_;
  std::vector<SchemaChange> out_;
};

}  // namespace

std::vector<SchemaChange> list_changes(const SchemaIndex& before, const SchemaIndex& after) {
  return ChangeLister(before, after).run();
}

}  // namespace spoke::breaking_internal
