#include "proto/source_path.h"

#include <algorithm>
#include <deque>
#include <span>

#include "proto/schema_impl.h"
#include "proto/wire.h"

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

namespace {

template <typename Ints>
std::uint64_t path_hash(const Ints& path) {
  std::uint64_t h = 0x9e3779b97f4a7c15ull ^ static_cast<std::uint64_t>(path.size());
  for (int p : path) {
    h ^= static_cast<std::uint64_t>(static_cast<std::uint32_t>(p)) + 0x9e3779b97f4a7c15ull +
         (h << 6) + (h >> 2);
  }
  return h;
}

}  // namespace

LocationIndex::LocationIndex(const pb::SourceCodeInfo& info) {
  by_hash_.reserve(static_cast<std::size_t>(info.location_size()));
  for (const auto& loc : info.location()) by_hash_.push_back({path_hash(loc.path()), &loc});
  std::stable_sort(by_hash_.begin(), by_hash_.end(),
                   [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
}

const pb::SourceCodeInfo::Location* LocationIndex::find(const SourcePath& path) const {
  const std::uint64_t h = path_hash(path);
  auto it = std::lower_bound(by_hash_.begin(), by_hash_.end(), h,
                             [](const Entry& e, std::uint64_t v) { return e.hash < v; });
  for (; it != by_hash_.end() && it->hash == h; ++it) {
    const auto& p = it->location->path();
    if (static_cast<std::size_t>(p.size()) == path.size() &&
        std::equal(path.begin(), path.end(), p.begin())) {
      return it->location;
    }
  }
  return nullptr;
}

// The locations of one file, flat: every location's path and span in one array of numbers, its
// comments as views, and an index by the hash of its path (first location of a path first).
class SchemaLocations::File {
 public:
  File() = default;
  // From a SourceCodeInfo message, which must outlive the index.
  explicit File(const pb::SourceCodeInfo& info) {
    entries_.reserve(static_cast<std::size_t>(info.location_size()));
    for (const auto& loc : info.location()) {
      Entry e = start(loc.path());
      e.span_offset = static_cast<std::uint32_t>(numbers_.size());
      numbers_.insert(numbers_.end(), loc.span().begin(), loc.span().end());
      e.span_size = static_cast<std::uint8_t>(std::min(loc.span_size(), 255));
      e.leading = loc.leading_comments();
      e.trailing = loc.trailing_comments();
      entries_.push_back(e);
    }
    sort();
  }

  // From a serialized SourceCodeInfo, which must outlive the index. False when malformed.
  bool parse(std::string_view bytes) {
    WireReader r(bytes);
    while (!r.done()) {
      std::uint64_t tag = 0;
      if (!r.varint(tag)) return false;
      std::string_view location;
      if (tag != (1 << 3 | 2) || !r.bytes(location)) {
        if (!r.skip(tag)) return false;
        continue;
      }
      if (!parse_location(location)) return false;
    }
    sort();
    return true;
  }

  std::optional<FoundLocation> find(const SourcePath& path) const {
    const std::uint64_t h = path_hash(path);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), h,
                               [](const Entry& e, std::uint64_t v) { return e.hash < v; });
    for (; it != entries_.end() && it->hash == h; ++it) {
      if (it->path_size != path.size() ||
          !std::equal(path.begin(), path.end(), numbers_.begin() + it->path_offset)) {
        continue;
      }
      FoundLocation out;
      if (it->span_size == 3 || it->span_size == 4) {
        const int* s = numbers_.data() + it->span_offset;
        const bool one_line = it->span_size == 3;
        out.span =
            Span{s[0] + 1, s[1] + 1, (one_line ? s[0] : s[2]) + 1, (one_line ? s[2] : s[3]) + 1};
      }
      out.leading_comments = it->leading;
      out.trailing_comments = it->trailing;
      return out;
    }
    return std::nullopt;
  }

 private:
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t path_offset = 0;
    std::uint32_t path_size = 0;
    std::uint32_t span_offset = 0;
    std::uint8_t span_size = 0;
    std::string_view leading, trailing;
  };

  template <typename Ints>
  Entry start(const Ints& path) {
    Entry e;
    e.hash = path_hash(path);
    e.path_offset = static_cast<std::uint32_t>(numbers_.size());
    e.path_size = static_cast<std::uint32_t>(path.size());
    numbers_.insert(numbers_.end(), path.begin(), path.end());
    return e;
  }

  bool parse_location(std::string_view bytes) {
    using L = pb::SourceCodeInfo::Location;
    WireReader r(bytes);
    Entry e;
    while (!r.done()) {
      std::uint64_t tag = 0;
      if (!r.varint(tag)) return false;
      const auto field = static_cast<int>(tag >> 3);
      bool ok = true;
      if (field == L::kPathFieldNumber) {
        // Numbers go straight into numbers_; a field repeated unpacked continues the same run.
        if (e.path_size == 0) e.path_offset = static_cast<std::uint32_t>(numbers_.size());
        ok = r.ints(tag, numbers_);
        e.path_size = static_cast<std::uint32_t>(numbers_.size()) - e.path_offset;
      } else if (field == L::kSpanFieldNumber) {
        if (e.span_size == 0) e.span_offset = static_cast<std::uint32_t>(numbers_.size());
        ok = r.ints(tag, numbers_);
        e.span_size = static_cast<std::uint8_t>(std::min<std::uint32_t>(
            static_cast<std::uint32_t>(numbers_.size()) - e.span_offset, 255));
      } else if (field == L::kLeadingCommentsFieldNumber && (tag & 7) == 2) {
        ok = r.bytes(e.leading);
      } else if (field == L::kTrailingCommentsFieldNumber && (tag & 7) == 2) {
        ok = r.bytes(e.trailing);
      } else {
        ok = r.skip(tag);
      }
      if (!ok) return false;
    }
    e.hash = path_hash(std::span<const int>(numbers_.data() + e.path_offset, e.path_size));
    entries_.push_back(e);
    return true;
  }

  void sort() {
    std::stable_sort(entries_.begin(), entries_.end(),
                     [](const Entry& a, const Entry& b) { return a.hash < b.hash; });
  }

  std::vector<int> numbers_;
  std::vector<Entry> entries_;
};

SchemaLocations::SchemaLocations(const Schema& schema) : schema_(schema) {}
SchemaLocations::~SchemaLocations() = default;

std::optional<FoundLocation> SchemaLocations::find(const pb::FileDescriptor* file,
                                                   const SourcePath& path) const {
  if (file == nullptr) return std::nullopt;
  auto& entry = files_[file->name()];
  if (entry == nullptr) {
    // A stored schema's source info straight from its bytes; else the parsed message; else the
    // pool's copy (kept alive by a message of its own).
    const auto& impl = SchemaBuilder::impl(schema_);
    auto stored = impl.info_bytes.find(file->name());
    if (stored != impl.info_bytes.end()) {
      entry = std::make_unique<File>();
      if (!entry->parse(stored->second)) entry.reset();
    }
    if (entry == nullptr) {
      if (const pb::SourceCodeInfo* info = schema_.source_info(file->name())) {
        entry = std::make_unique<File>(*info);
      } else {
        pool_copies_.emplace_back();
        file->CopySourceCodeInfoTo(&pool_copies_.back());
        entry = std::make_unique<File>(pool_copies_.back().source_code_info());
      }
    }
  }
  return entry->find(path);
}

std::optional<Span> SchemaLocations::span(const pb::FileDescriptor* file,
                                          const SourcePath& path) const {
  auto found = find(file, path);
  return found ? found->span : std::nullopt;
}

}  // namespace spoke::proto_internal
