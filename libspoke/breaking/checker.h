#pragma once

// buf's breaking rules over two linked schemas. Each rule follows buf's: the same pairing of
// elements (files by path; messages, enums and services by full name; fields and enum values by
// number; methods by name), the same messages and the same locations. The rules are defined by
// element: file_rules.cpp (files and packages), message_rules.cpp, field_rules.cpp and
// enum_service_rules.cpp. Not installed.

#include <google/protobuf/descriptor.h>

#include <initializer_list>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "breaking/ignores.h"
#include "breaking/schema_index.h"
#include "proto/source_path.h"
#include "spoke/breaking.h"

namespace spoke::breaking_internal {

// A finding before the ignores are applied.
struct Annotation {
  BreakingFinding finding;
  std::string against_path;  // file of the old schema it concerns, for ignores
};

// Where an annotation goes: a file of the new schema and a span in it (1:1-1:1 for the file).
struct Where {
  std::string path;
  proto_internal::Span span;
};

// Ranges of numbers, inclusive.
using Ranges = std::vector<std::pair<int, int>>;

// Checks the rules of `rules` on `before` -> `after`. Used once.
class Checker {
 public:
  Checker(const SchemaIndex& before, const SchemaIndex& after, const std::set<std::string>& rules)
      : prev_(before), cur_(after), rules_(rules) {}

  // The findings of every enabled rule, unsorted.
  std::vector<Annotation> run();

 private:
  bool on(const char* rule) const { return rules_.count(rule) != 0; }

  // Where `path` is in `f` (a file of the new schema), or nullopt when it has no location.
  std::optional<Where> at(const pb::FileDescriptor* f,
                          const proto_internal::SourcePath& path) const;
  // The file `f` without a position.
  static std::optional<Where> file_only(const pb::FileDescriptor* f);
  // The first of the locations that is found.
  template <typename... Rest>
  static std::optional<Where> first_of(std::optional<Where> a, Rest... rest) {
    if (a) return a;
    if constexpr (sizeof...(rest) > 0) {
      return first_of(rest...);
    } else {
      return std::nullopt;
    }
  }
  // Where `d` is declared, or a part of its declaration (`suffix`: field numbers of its proto).
  template <typename D>
  std::optional<Where> loc(const D* d, std::initializer_list<int> suffix = {}) const {
    return at(d->file(), proto_internal::append(proto_internal::declared_path_of(d), suffix));
  }
  // Where the standard option `option_number` of `d` (or of the file `f`) is set.
  template <typename D>
  std::optional<Where> option_loc(const D* d, int option_number) const {
    return at(d->file(), proto_internal::option_path(d, option_number));
  }
  std::optional<Where> option_loc(const pb::FileDescriptor* f, int option_number) const {
    return at(f, proto_internal::option_path(f, option_number));
  }
  // Where a deleted element (by nested name) is reported in `file`: at its closest enclosing
  // message that still exists, else at the file.
  std::optional<Where> deleted_element_location(const pb::FileDescriptor* file,
                                                const NameMap<pb::Descriptor>& messages,
                                                const std::string& name) const;

  void add(const char* rule, const std::optional<Where>& where, const std::string& against_path,
           std::string message);
  // Reports each range of `previous_ranges` that `ranges` no longer covers whole, with the numbers
  // missing from it, on `element` (a message or an enum, `element_kind`), whose largest number is
  // `max_tag`.
  template <typename D>
  void tag_ranges(const char* rule, const char* range_kind, const D* element, const D* previous,
                  const Ranges& previous_ranges, Ranges ranges, int max_tag,
                  const char* element_kind);
  // RESERVED_MESSAGE_NO_DELETE and RESERVED_ENUM_NO_DELETE: the reserved ranges and names of
  // `previous` that `element` no longer reserves.
  template <typename D>
  void reserved_rule(const char* rule, const D* element, const D* previous, int max_tag,
                     const char* element_kind);

  // file_rules.cpp
  void file_rules();
  void file_pair(const pb::FileDescriptor* f, const pb::FileDescriptor* p);
  void file_option(const char* rule, const pb::FileDescriptor* f, const pb::FileDescriptor* p,
                   const std::string& previous, const std::string& current, int option_number,
                   const char* what);
  void package_rules();
  // message_rules.cpp
  void message_pair(const pb::Descriptor* m, const pb::Descriptor* p);
  // field_rules.cpp
  void field_pair(const pb::FieldDescriptor* f, const pb::FieldDescriptor* p);
  void field_changed_type(const char* rule, const pb::FieldDescriptor* f,
                          const pb::FieldDescriptor* p, const std::string& extra);
  void field_changed_type_name(const char* rule, const pb::FieldDescriptor* f,
                               const pb::FieldDescriptor* p);
  void enum_wire_compatible(const char* rule, const pb::FieldDescriptor* f,
                            const pb::FieldDescriptor* p);
  // enum_service_rules.cpp
  void enum_pair(const pb::EnumDescriptor* e, const pb::EnumDescriptor* p);
  void service_pair(const pb::ServiceDescriptor* s, const pb::ServiceDescriptor* p);

  const SchemaIndex& prev_;
  const SchemaIndex& cur_;
  const std::set<std::string>& rules_;
  std::vector<Annotation> out_;
};

// buf's rules as BreakingOptions select them, resolved once for any number of comparisons.
struct PreparedCheck {
  // InvalidArgument("unknown_rule", "invalid_config_version") as check_breaking.
  static Result<PreparedCheck> make(const BreakingOptions& options);
  // The findings of `before` -> `after` (check_breaking's result), with the changes when
  // `with_changes`.
  BreakingResult run(const SchemaIndex& before, const SchemaIndex& after, bool with_changes) const;

  std::vector<std::string> rules;  // sorted
  std::set<std::string> enabled;
  Ignores ignores;
  std::vector<std::string> warnings;
};

}  // namespace spoke::breaking_internal
