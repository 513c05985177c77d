#include "spoke/ast.h"

#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/io/coded_stream.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <memory>
#include <set>
#include <string_view>
#include <vector>

#include "proto/source_path.h"

namespace spoke {

namespace pb = google::protobuf;
using nlohmann::json;
using proto_internal::path_of;
using proto_internal::SourcePath;

namespace {

// `s` with each byte that does not belong to a well-formed UTF-8 sequence replaced by U+FFFD:
// source text and option values may hold any bytes, JSON text may not.
std::string utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t len = 0;
    std::uint32_t cp = 0, min = 0;
    if ((c & 0xE0) == 0xC0) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4, cp = c & 0x07, min = 0x10000;
    }
    bool ok = len != 0 && i + len <= s.size();
    for (std::size_t k = 1; ok && k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      ok = (d & 0xC0) == 0x80;
      cp = (cp << 6) | (d & 0x3F);
    }
    ok = ok && cp >= min && cp <= 0x10FFFF && (cp < 0xD800 || cp > 0xDFFF);
    if (ok) {
      out.append(s.substr(i, len));
      i += len;
    } else {
      out += "\xEF\xBF\xBD";
      ++i;
    }
  }
  return out;
}

// Standard base64 with padding, as the proto3 JSON mapping writes bytes.
std::string base64(std::string_view s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= s.size(); i += 3) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])) << 16 |
                      static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8 |
                      static_cast<unsigned char>(s[i + 2]);
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += kAlphabet[v >> 6 & 63];
    out += kAlphabet[v & 63];
  }
  if (std::size_t rest = s.size() - i; rest > 0) {
    std::uint32_t v = static_cast<std::uint32_t>(static_cast<unsigned char>(s[i])) << 16;
    if (rest == 2) v |= static_cast<std::uint32_t>(static_cast<unsigned char>(s[i + 1])) << 8;
    out += kAlphabet[v >> 18 & 63];
    out += kAlphabet[v >> 12 & 63];
    out += rest == 2 ? kAlphabet[v >> 6 & 63] : '=';
    out += '=';
  }
  return out;
}

// JSON has no NaN or infinities: those are written as the proto3 JSON mapping writes them.
json number(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return d;
}

// A float as the double of its shortest decimal form (0.1f is 0.1, not 0.10000000149011612).
json number(float f) {
  if (!std::isfinite(f)) return number(static_cast<double>(f));
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, f);
  double d = f;
  if (ec == std::errc()) std::from_chars(buf, end, d);
  return d;
}

// Options messages as JSON objects of their set fields. The linked descriptors hold their options
// as the generated messages of descriptor.proto, where custom options are unknown fields; they are
// read again as dynamic messages against the schema's pool, which knows the extensions.
class OptionsRenderer {
 public:
  explicit OptionsRenderer(const pb::DescriptorPool& pool) : pool_(pool), factory_(&pool) {}

  json render(const pb::Message& options) {
    if (options.ByteSizeLong() == 0) return json::object();
    if (options.GetReflection()->GetUnknownFields(options).empty()) return message(options);
    const pb::Descriptor* type = pool_.FindMessageTypeByName(options.GetDescriptor()->full_name());
    if (type == nullptr) return message(options);
    std::unique_ptr<pb::Message> dynamic(factory_.GetPrototype(type)->New());
    std::string bytes = options.SerializeAsString();
    pb::io::CodedInputStream input(reinterpret_cast<const std::uint8_t*>(bytes.data()),
                                   static_cast<int>(bytes.size()));
    input.SetExtensionRegistry(&pool_, &factory_);
    if (!dynamic->MergePartialFromCodedStream(&input)) return message(options);
    return message(*dynamic);
  }

 private:
  // Set fields in field number order, extensions as "(full.name)". Fields still unknown are left
  // out.
  json message(const pb::Message& m) {
    std::vector<const pb::FieldDescriptor*> fields;
    const pb::Reflection* r = m.GetReflection();
    r->ListFields(m, &fields);
    json out = json::object();
    for (const pb::FieldDescriptor* f : fields) {
      std::string key = f->is_extension() ? "(" + f->full_name() + ")" : f->name();
      if (f->is_repeated()) {
        json values = json::array();
        for (int i = 0, n = r->FieldSize(m, f); i < n; ++i) values.push_back(value(m, f, i));
        out[key] = std::move(values);
      } else {
        out[key] = value(m, f, -1);
      }
    }
    return out;
  }

  // The value of `f` in `m`: element `i` of a repeated field, or the value of a singular one when
  // `i` is negative. 64-bit integers are JSON numbers; bytes are base64; enums are value names.
  json value(const pb::Message& m, const pb::FieldDescriptor* f, int i) {
    const pb::Reflection* r = m.GetReflection();
    const bool rep = i >= 0;
    switch (f->cpp_type()) {
      case pb::FieldDescriptor::CPPTYPE_INT32:
        return rep ? r->GetRepeatedInt32(m, f, i) : r->GetInt32(m, f);
      case pb::FieldDescriptor::CPPTYPE_INT64:
        return rep ? r->GetRepeatedInt64(m, f, i) : r->GetInt64(m, f);
      case pb::FieldDescriptor::CPPTYPE_UINT32:
        return rep ? r->GetRepeatedUInt32(m, f, i) : r->GetUInt32(m, f);
      case pb::FieldDescriptor::CPPTYPE_UINT64:
        return rep ? r->GetRepeatedUInt64(m, f, i) : r->GetUInt64(m, f);
      case pb::FieldDescriptor::CPPTYPE_DOUBLE:
        return number(rep ? r->GetRepeatedDouble(m, f, i) : r->GetDouble(m, f));
      case pb::FieldDescriptor::CPPTYPE_FLOAT:
        return number(rep ? r->GetRepeatedFloat(m, f, i) : r->GetFloat(m, f));
      case pb::FieldDescriptor::CPPTYPE_BOOL:
        return rep ? r->GetRepeatedBool(m, f, i) : r->GetBool(m, f);
      case pb::FieldDescriptor::CPPTYPE_ENUM: {
        int n = rep ? r->GetRepeatedEnumValue(m, f, i) : r->GetEnumValue(m, f);
        const pb::EnumValueDescriptor* v = f->enum_type()->FindValueByNumber(n);
        return v != nullptr ? json(v->name()) : json(n);
      }
      case pb::FieldDescriptor::CPPTYPE_STRING: {
        std::string scratch;
        const std::string& s = rep ? r->GetRepeatedStringReference(m, f, i, &scratch)
                                   : r->GetStringReference(m, f, &scratch);
        return f->type() == pb::FieldDescriptor::TYPE_BYTES ? base64(s) : utf8(s);
      }
      case pb::FieldDescriptor::CPPTYPE_MESSAGE:
        return message(rep ? r->GetRepeatedMessage(m, f, i) : r->GetMessage(m, f, &factory_));
    }
    return nullptr;
  }

  const pb::DescriptorPool& pool_;
  pb::DynamicMessageFactory factory_;
};

const char* label_name(const pb::FieldDescriptor* f) {
  switch (f->label()) {
    case pb::FieldDescriptor::LABEL_REQUIRED:
      return "required";
    case pb::FieldDescriptor::LABEL_REPEATED:
      return "repeated";
    case pb::FieldDescriptor::LABEL_OPTIONAL:
      break;
  }
  return "optional";
}

// The JSON array of each(i) for i in [0, count).
template <typename Each>
json array_of(int count, Each each) {
  json out = json::array();
  for (int i = 0; i < count; ++i) out.push_back(each(i));
  return out;
}

// {"start": start, "end": end}.
json range(int start, int end) { return {{"start", start}, {"end", end}}; }

std::string type_name(const pb::FieldDescriptor* f) {
  if (f->message_type() != nullptr) return f->message_type()->full_name();
  if (f->enum_type() != nullptr) return f->enum_type()->full_name();
  return "";
}

class AstBuilder {
 public:
  AstBuilder(const pb::DescriptorPool& pool, const pb::SourceCodeInfo& info)
      : locations_(info), options_(pool) {}

  json file(const pb::FileDescriptor* fd, const pb::FileDescriptorProto& proto) {
    json out = json::object();
    out["path"] = utf8(fd->name());
    out["syntax"] = fd->syntax() == pb::FileDescriptor::SYNTAX_PROTO3 ? "proto3" : "proto2";
    out["package"] = fd->package();
    const auto* whole = locations_.find({});
    out["span"] = whole != nullptr ? span(*whole) : json(nullptr);
    out["syntax_location"] = location_object({pb::FileDescriptorProto::kSyntaxFieldNumber});
    out["package_location"] = location_object({pb::FileDescriptorProto::kPackageFieldNumber});

    std::set<int> is_public(proto.public_dependency().begin(), proto.public_dependency().end());
    std::set<int> is_weak(proto.weak_dependency().begin(), proto.weak_dependency().end());
    out["imports"] = array_of(proto.dependency_size(), [&](int i) {
      json imp = {{"path", utf8(proto.dependency(i))},
                  {"public", is_public.count(i) != 0},
                  {"weak", is_weak.count(i) != 0}};
      locate(imp, {pb::FileDescriptorProto::kDependencyFieldNumber, i});
      return imp;
    });
    out["options"] = options_.render(fd->options());

    out["messages"] =
        array_of(fd->message_type_count(), [&](int i) { return message(fd->message_type(i)); });
    out["enums"] =
        array_of(fd->enum_type_count(), [&](int i) { return enumeration(fd->enum_type(i)); });
    out["services"] = array_of(fd->service_count(), [&](int i) { return service(fd->service(i)); });
    out["extensions"] =
        array_of(fd->extension_count(), [&](int i) { return field(fd->extension(i)); });
    return out;
  }

 private:
  // The span of `loc` as proto_internal::span_of counts it, or null.
  static json span(const pb::SourceCodeInfo::Location& loc) {
    auto s = proto_internal::span_of(loc);
    if (!s) return nullptr;
    return {{"start_line", s->start_line},
            {"start_column", s->start_column},
            {"end_line", s->end_line},
            {"end_column", s->end_column}};
  }

  // Adds "span", "leading_comments", "trailing_comments" and "leading_detached_comments".
  void locate(json& out, const SourcePath& path) const {
    const auto* loc = locations_.find(path);
    out["span"] = loc != nullptr ? span(*loc) : json(nullptr);
    out["leading_comments"] = loc != nullptr && loc->has_leading_comments()
                                  ? json(utf8(loc->leading_comments()))
                                  : json(nullptr);
    out["trailing_comments"] = loc != nullptr && loc->has_trailing_comments()
                                   ? json(utf8(loc->trailing_comments()))
                                   : json(nullptr);
    json detached = json::array();
    if (loc != nullptr) {
      for (const auto& c : loc->leading_detached_comments()) detached.push_back(utf8(c));
    }
    out["leading_detached_comments"] = std::move(detached);
  }

  json location_object(const SourcePath& path) const {
    if (locations_.find(path) == nullptr) return nullptr;
    json out = json::object();
    locate(out, path);
    return out;
  }

  json message(const pb::Descriptor* d) {
    json out = {{"name", d->name()}, {"full_name", d->full_name()}};
    locate(out, path_of(d));
    out["options"] = options_.render(d->options());
    out["deprecated"] = d->options().deprecated();
    out["fields"] = array_of(d->field_count(), [&](int i) { return field(d->field(i)); });
    // Synthetic oneofs (of proto3 optional fields) come after the real ones and are left out.
    out["oneofs"] =
        array_of(d->real_oneof_decl_count(), [&](int i) { return oneof(d->oneof_decl(i)); });
    out["messages"] =
        array_of(d->nested_type_count(), [&](int i) { return message(d->nested_type(i)); });
    out["enums"] =
        array_of(d->enum_type_count(), [&](int i) { return enumeration(d->enum_type(i)); });
    out["extensions"] =
        array_of(d->extension_count(), [&](int i) { return field(d->extension(i)); });
    // Ranges with an inclusive end, as written in the source ("max" is 536870911).
    out["extension_ranges"] = array_of(d->extension_range_count(), [&](int i) {
      return range(d->extension_range(i)->start, d->extension_range(i)->end - 1);
    });
    out["reserved_ranges"] = array_of(d->reserved_range_count(), [&](int i) {
      return range(d->reserved_range(i)->start, d->reserved_range(i)->end - 1);
    });
    out["reserved_names"] =
        array_of(d->reserved_name_count(), [&](int i) { return d->reserved_name(i); });
    return out;
  }

  // A field of a message, or an extension (which also has "extendee").
  json field(const pb::FieldDescriptor* f) {
    json out = {{"name", f->name()},
                {"full_name", f->full_name()},
                {"number", f->number()},
                {"label", label_name(f)},
                {"type", pb::FieldDescriptor::TypeName(f->type())},
                {"type_name", type_name(f)},
                {"json_name", f->json_name()}};
    const pb::OneofDescriptor* oneof = f->real_containing_oneof();
    out["oneof"] = oneof != nullptr ? json(oneof->name()) : json(nullptr);
    out["proto3_optional"] =
        f->containing_oneof() != nullptr && f->containing_oneof()->is_synthetic();
    if (f->has_default_value()) {
      pb::FieldDescriptorProto p;
      f->CopyTo(&p);
      out["default"] = utf8(p.default_value());
    } else {
      out["default"] = nullptr;
    }
    // Map fields: the key and value of their entry message.
    if (f->is_map()) {
      const pb::FieldDescriptor* key = f->message_type()->map_key();
      const pb::FieldDescriptor* value = f->message_type()->map_value();
      out["map"] = {{"key_type", pb::FieldDescriptor::TypeName(key->type())},
                    {"value_type", pb::FieldDescriptor::TypeName(value->type())},
                    {"value_type_name", type_name(value)}};
    } else {
      out["map"] = nullptr;
    }
    if (f->is_extension()) out["extendee"] = f->containing_type()->full_name();
    out["deprecated"] = f->options().deprecated();
    out["options"] = options_.render(f->options());
    locate(out, path_of(f));
    return out;
  }

  json oneof(const pb::OneofDescriptor* o) {
    json out = {{"name", o->name()}, {"full_name", o->full_name()}};
    locate(out, path_of(o));
    out["options"] = options_.render(o->options());
    out["fields"] = array_of(o->field_count(), [&](int i) { return o->field(i)->name(); });
    return out;
  }

  json enumeration(const pb::EnumDescriptor* e) {
    json out = {{"name", e->name()}, {"full_name", e->full_name()}};
    locate(out, path_of(e));
    out["options"] = options_.render(e->options());
    out["deprecated"] = e->options().deprecated();
    out["values"] = array_of(e->value_count(), [&](int i) {
      const pb::EnumValueDescriptor* v = e->value(i);
      json value = {{"name", v->name()},
                    {"full_name", v->full_name()},
                    {"number", v->number()},
                    {"deprecated", v->options().deprecated()}};
      value["options"] = options_.render(v->options());
      locate(value, path_of(v));
      return value;
    });
    // Enum reserved ranges are inclusive in the descriptor as in the source.
    out["reserved_ranges"] = array_of(e->reserved_range_count(), [&](int i) {
      return range(e->reserved_range(i)->start, e->reserved_range(i)->end);
    });
    out["reserved_names"] =
        array_of(e->reserved_name_count(), [&](int i) { return e->reserved_name(i); });
    return out;
  }

  json service(const pb::ServiceDescriptor* s) {
    json out = {{"name", s->name()}, {"full_name", s->full_name()}};
    locate(out, path_of(s));
    out["options"] = options_.render(s->options());
    out["deprecated"] = s->options().deprecated();
    out["methods"] = array_of(s->method_count(), [&](int i) {
      const pb::MethodDescriptor* m = s->method(i);
      json method = {{"name", m->name()},
                     {"full_name", m->full_name()},
                     {"input_type", m->input_type()->full_name()},
                     {"output_type", m->output_type()->full_name()},
                     {"client_streaming", m->client_streaming()},
                     {"server_streaming", m->server_streaming()},
                     {"deprecated", m->options().deprecated()}};
      method["options"] = options_.render(m->options());
      locate(method, path_of(m));
      return method;
    });
    return out;
  }

  proto_internal::LocationIndex locations_;
  OptionsRenderer options_;
};

}  // namespace

json file_ast_json(const Schema& schema, const std::string& path) {
  const pb::FileDescriptor* fd = schema.file(path);
  pb::FileDescriptorProto proto;
  if (fd == nullptr || !schema.to_proto(path, true, &proto)) return nullptr;
  AstBuilder builder(schema.pool(), proto.source_code_info());
  return builder.file(fd, proto);
}

json schema_ast_json(const Schema& schema) {
  json files = json::array();
  for (const auto& path : schema.target_files()) {
    json file = file_ast_json(schema, path);
    if (!file.is_null()) files.push_back(std::move(file));
  }
  return {{"files", std::move(files)}};
}

}  // namespace spoke
