// Confluent Schema Registry's Protobuf compatibility levels, over linked schemas: the same
// differences its SchemaDiff finds (messages by name, fields by number, scalar kinds grouped as it
// groups them) and the same split into compatible and incompatible ones.

#include <fmt/format.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "breaking/field_kind.h"
#include "breaking/schema_index.h"
#include "proto/source_path.h"
#include "spoke/breaking.h"

namespace spoke {

namespace pb = google::protobuf;
using breaking_internal::confluent_scalar_compatible;
using breaking_internal::FieldKind;
using breaking_internal::kind_name;
using breaking_internal::kind_of;
using breaking_internal::nested_name;
using proto_internal::declared_path_of;

std::optional<CompatibilityLevel> parse_compatibility_level(std::string_view text) {
  std::string upper(text);
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  static const std::map<std::string, CompatibilityLevel> kLevels = {
      {"NONE", CompatibilityLevel::kNone},
      {"BACKWARD", CompatibilityLevel::kBackward},
      {"BACKWARD_TRANSITIVE", CompatibilityLevel::kBackwardTransitive},
      {"FORWARD", CompatibilityLevel::kForward},
      {"FORWARD_TRANSITIVE", CompatibilityLevel::kForwardTransitive},
      {"FULL", CompatibilityLevel::kFull},
      {"FULL_TRANSITIVE", CompatibilityLevel::kFullTransitive},
  };
  auto it = kLevels.find(upper);
  if (it == kLevels.end()) return std::nullopt;
  return it->second;
}

const char* to_string(CompatibilityLevel level) {
  switch (level) {
    case CompatibilityLevel::kNone:
      return "NONE";
    case CompatibilityLevel::kBackward:
      return "BACKWARD";
    case CompatibilityLevel::kBackwardTransitive:
      return "BACKWARD_TRANSITIVE";
    case CompatibilityLevel::kForward:
      return "FORWARD";
    case CompatibilityLevel::kForwardTransitive:
      return "FORWARD_TRANSITIVE";
    case CompatibilityLevel::kFull:
      return "FULL";
    case CompatibilityLevel::kFullTransitive:
      return "FULL_TRANSITIVE";
  }
  return "NONE";
}

namespace {

std::string scalar_name(const pb::FieldDescriptor* f) {
  if (f->enum_type() != nullptr) return f->enum_type()->full_name();
  return pb::FieldDescriptor::TypeName(f->type());
}

std::string quote(const std::string& s) { return "\"" + s + "\""; }

// Compares an original schema with an update, keeping the incompatible differences. The
// candidate (the schema being checked) is one of the two; findings are located in it.
class Diff {
 public:
  Diff(const Schema& original, const Schema& update, bool candidate_is_update)
      : original_(original),
        update_(update),
        candidate_is_update_(candidate_is_update),
        locator_(candidate_is_update ? update : original) {}

  std::vector<BreakingFinding> run() {
    for (const auto& path : original_.target_files()) {
      const pb::FileDescriptor* of = original_.file(path);
      const pb::FileDescriptor* uf = update_.file(path);
      if (of == nullptr) continue;
      if (uf == nullptr) {
        // The whole file went: each of its messages was removed.
        for (int i = 0; i < of->message_type_count(); ++i) {
          add("MESSAGE_REMOVED", nullptr, nullptr,
              fmt::format("Message {} was removed (its file {} was deleted).",
                          quote(of->message_type(i)->full_name()), quote(path)));
        }
        continue;
      }
      if (of->package() != uf->package()) {
        add("PACKAGE_CHANGED", candidate_file(of, uf), nullptr,
            fmt::format("Package changed from {} to {}.", quote(of->package()),
                        quote(uf->package())));
      }
      std::vector<const pb::Descriptor*> om, um;
      for (int i = 0; i < of->message_type_count(); ++i) om.push_back(of->message_type(i));
      for (int i = 0; i < uf->message_type_count(); ++i) um.push_back(uf->message_type(i));
      compare_types(om, um, candidate_file(of, uf), nullptr);
    }
    return std::move(out_);
  }

 private:
  const pb::FileDescriptor* candidate_file(const pb::FileDescriptor* o,
                                           const pb::FileDescriptor* u) const {
    return candidate_is_update_ ? u : o;
  }
  template <typename D>
  const D* pick(const D* o, const D* u) const {
    return candidate_is_update_ ? u : o;
  }

  // Located at `at` when the candidate has it, else at `fallback` (a message), else at `file`.
  void add(const char* type, const pb::FileDescriptor* file, const pb::Descriptor* fallback,
           std::string message, const pb::FieldDescriptor* at = nullptr) {
    BreakingFinding f;
    f.type = type;
    f.message = std::move(message);
    std::optional<proto_internal::Span> span;
    if (at != nullptr) {
      file = at->file();
      span = locator_.span(file, declared_path_of(at));
    } else if (fallback != nullptr) {
      file = fallback->file();
      span = locator_.span(file, declared_path_of(fallback));
    }
    if (file != nullptr) {
      f.path = file->name();
      if (span) {
        f.start_line = span->start_line;
        f.start_column = span->start_column;
        f.end_line = span->end_line;
        f.end_column = span->end_column;
      }
    }
    out_.push_back(std::move(f));
  }

  void compare_types(const std::vector<const pb::Descriptor*>& original,
                     const std::vector<const pb::Descriptor*>& update,
                     const pb::FileDescriptor* file, const pb::Descriptor* parent) {
    std::map<std::string, const pb::Descriptor*> om, um;
    for (const auto* m : original) {
      if (!m->options().map_entry()) om.emplace(m->name(), m);
    }
    for (const auto* m : update) {
      if (!m->options().map_entry()) um.emplace(m->name(), m);
    }
    for (const auto& [name, o] : om) {
      auto it = um.find(name);
      if (it == um.end()) {
        if (candidate_is_update_) {
          add("MESSAGE_REMOVED", file, parent,
              fmt::format("Message {} was removed.", quote(o->full_name())));
        } else {
          add("MESSAGE_REMOVED", file, o,
              fmt::format("Message {} is not in the earlier version.", quote(o->full_name())));
        }
        continue;
      }
      compare_message(o, it->second);
    }
  }

  // Returns false when an incompatible difference was found inside.
  bool compare_message(const pb::Descriptor* o, const pb::Descriptor* u) {
    if (!visited_.insert({o->full_name(), u->full_name()}).second) return true;
    std::size_t before = out_.size();
    const pb::Descriptor* here = pick(o, u);
    std::map<int, const pb::FieldDescriptor*> o_by_tag, u_by_tag, o_oneof_by_tag;
    for (int i = 0; i < o->field_count(); ++i) {
      const auto* f = o->field(i);
      if (f->real_containing_oneof() != nullptr) {
        o_oneof_by_tag.emplace(f->number(), f);
      } else {
        o_by_tag.emplace(f->number(), f);
      }
    }
    for (int i = 0; i < u->field_count(); ++i) {
      if (u->field(i)->real_containing_oneof() == nullptr)
        u_by_tag.emplace(u->field(i)->number(), u->field(i));
    }
    for (int i = 0; i < u->real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* oneof = u->oneof_decl(i);
      int moved = 0, existing = 0;
      for (int j = 0; j < oneof->field_count(); ++j) {
        int tag = oneof->field(j)->number();
        if (o_by_tag.erase(tag) != 0) {
          ++moved;
        } else if (o_oneof_by_tag.count(tag)) {
          ++existing;
        }
      }
      if (moved > 1) {
        add("MULTIPLE_FIELDS_MOVED_TO_ONEOF", here->file(), here,
            fmt::format("Several fields of message {} moved into oneof {}.", quote(u->full_name()),
                        quote(oneof->name())));
      } else if (moved == 1 && existing > 0) {
        add("FIELD_MOVED_TO_EXISTING_ONEOF", here->file(), here,
            fmt::format("A field of message {} moved into the existing oneof {}.",
                        quote(u->full_name()), quote(oneof->name())));
      }
    }
    // Fields of oneofs present in both: removal is incompatible, addition is not.
    for (int i = 0; i < o->real_oneof_decl_count(); ++i) {
      const pb::OneofDescriptor* oo = o->oneof_decl(i);
      const pb::OneofDescriptor* uo = u->FindOneofByName(oo->name());
      if (uo == nullptr || uo->is_synthetic()) continue;
      for (int j = 0; j < oo->field_count(); ++j) {
        const pb::FieldDescriptor* of = oo->field(j);
        const pb::FieldDescriptor* uf = nullptr;
        for (int k = 0; k < uo->field_count(); ++k) {
          if (uo->field(k)->number() == of->number()) uf = uo->field(k);
        }
        if (uf == nullptr) {
          add("ONEOF_FIELD_REMOVED", here->file(), here,
              fmt::format("Field \"{}\" of oneof {} in message {} was removed.", of->number(),
                          quote(oo->name()), quote(o->full_name())));
        } else {
          compare_field(of, uf);
        }
      }
    }
    std::set<int> tags;
    for (const auto& [t, f] : o_by_tag) tags.insert(t);
    for (const auto& [t, f] : u_by_tag) tags.insert(t);
    for (int tag : tags) {
      auto oi = o_by_tag.find(tag);
      auto ui = u_by_tag.find(tag);
      if (ui == u_by_tag.end()) {
        if (oi->second->is_required()) {
          add("REQUIRED_FIELD_REMOVED", here->file(), here,
              fmt::format("Required field \"{}\" with name {} on message {} was removed.", tag,
                          quote(oi->second->name()), quote(o->full_name())),
              candidate_is_update_ ? nullptr : oi->second);
        }
      } else if (oi == o_by_tag.end()) {
        if (ui->second->is_required()) {
          add("REQUIRED_FIELD_ADDED", here->file(), here,
              fmt::format("Required field \"{}\" with name {} on message {} was added.", tag,
                          quote(ui->second->name()), quote(u->full_name())),
              candidate_is_update_ ? ui->second : nullptr);
        }
      } else {
        compare_field(oi->second, ui->second);
      }
    }
    // Fields whose oneof changed (renamed oneof, moved in or out).
    for (int i = 0; i < o->field_count(); ++i) {
      const pb::FieldDescriptor* of = o->field(i);
      const pb::FieldDescriptor* uf = u->FindFieldByNumber(of->number());
      if (uf == nullptr) continue;
      const auto* oo = of->real_containing_oneof();
      const auto* uo = uf->real_containing_oneof();
      if ((oo == nullptr && uo == nullptr) || (oo && uo && oo->name() == uo->name())) continue;
      compare_field(of, uf);
    }
    std::vector<const pb::Descriptor*> on, un;
    for (int i = 0; i < o->nested_type_count(); ++i) on.push_back(o->nested_type(i));
    for (int i = 0; i < u->nested_type_count(); ++i) un.push_back(u->nested_type(i));
    compare_types(on, un, here->file(), here);
    return out_.size() == before;
  }

  void compare_field(const pb::FieldDescriptor* o, const pb::FieldDescriptor* u) {
    const pb::FieldDescriptor* here = pick(o, u);
    if (o->is_map() && u->is_map()) {
      compare_types_of(o->message_type()->map_key(), u->message_type()->map_key(), here);
      compare_types_of(o->message_type()->map_value(), u->message_type()->map_value(), here);
      return;
    }
    compare_types_of(o, u, here);
  }

  void compare_types_of(const pb::FieldDescriptor* o, const pb::FieldDescriptor* u,
                        const pb::FieldDescriptor* here) {
    FieldKind ok = kind_of(o), uk = kind_of(u);
    const pb::Descriptor* owner = here->containing_type();
    if (ok != uk) {
      add("FIELD_KIND_CHANGED", here->file(), owner,
          fmt::format("Field \"{}\" on message {} changed kind from {} to {}.", here->number(),
                      quote(owner->full_name()), quote(kind_name(ok)), quote(kind_name(uk))),
          here->containing_type()->options().map_entry() ? nullptr : here);
      return;
    }
    if (ok == FieldKind::kScalar) {
      if (!confluent_scalar_compatible(o->type(), u->type())) {
        add("FIELD_SCALAR_KIND_CHANGED", here->file(), owner,
            fmt::format("Field \"{}\" on message {} changed type from {} to {}, which is not "
                        "compatible on the wire.",
                        here->number(), quote(owner->full_name()), quote(scalar_name(o)),
                        quote(scalar_name(u))),
            here->containing_type()->options().map_entry() ? nullptr : here);
      }
      return;
    }
    if (ok == FieldKind::kMessage) {
      const pb::Descriptor* om = o->message_type();
      const pb::Descriptor* um = u->message_type();
      std::string ol = nested_name(om->full_name(), om->file()->package());
      std::string ul = nested_name(um->full_name(), um->file()->package());
      if (ol != ul || !compare_message(om, um)) {
        add("FIELD_NAMED_TYPE_CHANGED", here->file(), owner,
            fmt::format("Field \"{}\" on message {} changed type from {} to {}.", here->number(),
                        quote(owner->full_name()), quote(om->full_name()), quote(um->full_name())),
            here->containing_type()->options().map_entry() ? nullptr : here);
      }
    }
  }

  const Schema& original_;
  const Schema& update_;
  bool candidate_is_update_;
  proto_internal::SchemaLocations locator_;
  std::set<std::pair<std::string, std::string>> visited_;
  std::vector<BreakingFinding> out_;
};

}  // namespace

std::vector<BreakingFinding> check_compatibility(const std::vector<const Schema*>& history,
                                                 const Schema& candidate,
                                                 CompatibilityLevel level) {
  std::vector<BreakingFinding> out;
  if (level == CompatibilityLevel::kNone || history.empty()) return out;
  const bool transitive = level == CompatibilityLevel::kBackwardTransitive ||
                          level == CompatibilityLevel::kForwardTransitive ||
                          level == CompatibilityLevel::kFullTransitive;
  const bool backward =
      level != CompatibilityLevel::kForward && level != CompatibilityLevel::kForwardTransitive;
  const bool forward =
      level != CompatibilityLevel::kBackward && level != CompatibilityLevel::kBackwardTransitive;
  std::size_t first = transitive ? 0 : history.size() - 1;
  for (std::size_t i = first; i < history.size(); ++i) {
    if (history[i] == nullptr) continue;
    if (backward) {
      auto found = Diff(*history[i], candidate, true).run();
      out.insert(out.end(), found.begin(), found.end());
    }
    if (forward) {
      auto found = Diff(candidate, *history[i], false).run();
      out.insert(out.end(), found.begin(), found.end());
    }
  }
  sort_findings(out);
  return out;
}

}  // namespace spoke
