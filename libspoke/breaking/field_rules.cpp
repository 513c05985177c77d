// buf's rules on fields and extensions: cardinality, type, name, JSON name, oneof, options and
// default value.

#include <fmt/format.h>

#include <cmath>

#include "breaking/checker.h"
#include "breaking/describe.h"
#include "breaking/field_kind.h"

namespace spoke::breaking_internal {

namespace {

bool is_string_or_bytes(const pb::FieldDescriptor* f) {
  return f->type() == pb::FieldDescriptor::TYPE_STRING ||
         f->type() == pb::FieldDescriptor::TYPE_BYTES;
}

std::string go_float(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Go's %v: the shortest representation, in exponent form when the exponent is < -4 or >= 21.
  return fmt::format("{}", v);
}

// A field's default as buf compares and prints it.
struct Default {
  bool is_string = false;  // string or bytes
  std::string text;
  bool is_float = false, is_double = false, nan = false;
  long double number = 0;
  std::string printable;
  bool zero = false;
};

Default default_of(const pb::FieldDescriptor* f) {
  using F = pb::FieldDescriptor;
  Default d;
  auto integer = [&](auto value) {
    d.number = value;
    d.printable = std::to_string(value);
  };
  switch (f->cpp_type()) {
    case F::CPPTYPE_STRING:
      d.is_string = true;
      d.text = f->default_value_string();
      d.zero = d.text.empty();
      if (f->type() == F::TYPE_BYTES) {
        std::string bytes;
        for (std::size_t i = 0; i < d.text.size(); ++i) {
          bytes += fmt::format("{}0x{:X}", i ? "," : "", static_cast<unsigned char>(d.text[i]));
        }
        d.printable = fmt::format("[{}]", bytes);
      } else {
        d.printable = quote(d.text);
      }
      break;
    case F::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* v = f->default_value_enum();
      d.number = v->number();
      d.printable = v->type()->name() + "." + v->name();
      break;
    }
    case F::CPPTYPE_BOOL:
      d.number = f->default_value_bool() ? 1 : 0;
      d.printable = f->default_value_bool() ? "true" : "false";
      break;
    case F::CPPTYPE_INT32:
      integer(f->default_value_int32());
      break;
    case F::CPPTYPE_INT64:
      integer(f->default_value_int64());
      break;
    case F::CPPTYPE_UINT32:
      integer(f->default_value_uint32());
      break;
    case F::CPPTYPE_UINT64:
      integer(f->default_value_uint64());
      break;
    case F::CPPTYPE_FLOAT:
      d.is_float = true;
      d.nan = std::isnan(f->default_value_float());
      d.number = f->default_value_float();
      d.printable = std::isnan(f->default_value_float()) || std::isinf(f->default_value_float())
                        ? go_float(f->default_value_float())
                        : fmt::format("{}", f->default_value_float());
      break;
    case F::CPPTYPE_DOUBLE:
      d.is_double = true;
      d.nan = std::isnan(f->default_value_double());
      d.number = f->default_value_double();
      d.printable = go_float(f->default_value_double());
      break;
    default:
      break;
  }
  if (!d.is_string)
    d.zero = !d.nan && d.number == 0 && !std::signbit(static_cast<double>(d.number));
  return d;
}

bool defaults_equal(const Default& a, const Default& b) {
  if (a.is_string || b.is_string) return a.is_string && b.is_string && a.text == b.text;
  if ((a.is_float && b.is_double) || (a.is_double && b.is_float)) {
    if (a.nan && b.nan) return true;
    return static_cast<float>(a.number) == static_cast<float>(b.number);
  }
  if (a.nan || b.nan) return a.nan && b.nan;
  return a.number == b.number;
}

}  // namespace

void Checker::field_changed_type(const char* rule, const pb::FieldDescriptor* f,
                                 const pb::FieldDescriptor* p, const std::string& extra) {
  auto where = is_named_type(f) ? loc(f, {pb::FieldDescriptorProto::kTypeNameFieldNumber})
                                : loc(f, {pb::FieldDescriptorProto::kTypeFieldNumber});
  add(rule, where, p->file()->name(),
      fmt::format("{} changed type from {} to {}.{}", field_description(f),
                  quote(pb::FieldDescriptor::TypeName(p->type())),
                  quote(pb::FieldDescriptor::TypeName(f->type())),
                  extra.empty() ? "" : " " + extra));
}

void Checker::field_changed_type_name(const char* rule, const pb::FieldDescriptor* f,
                                      const pb::FieldDescriptor* p) {
  add(rule, loc(f, {pb::FieldDescriptorProto::kTypeNameFieldNumber}), p->file()->name(),
      fmt::format("{} changed type from {} to {}.", field_description(f), quote(type_name(p)),
                  quote(type_name(f))));
}

// An enum field may change to another enum of the same short name that has every value of the
// old one (values can be added in the same change).
void Checker::enum_wire_compatible(const char* rule, const pb::FieldDescriptor* f,
                                   const pb::FieldDescriptor* p) {
  const pb::EnumDescriptor* pe = p->enum_type();
  const pb::EnumDescriptor* e = f->enum_type();
  bool same = pe->name() == e->name();
  for (int i = 0; same && i < pe->value_count(); ++i) {
    const pb::EnumValueDescriptor* v = e->FindValueByName(pe->value(i)->name());
    same = v != nullptr && v->number() == pe->value(i)->number();
  }
  if (!same) field_changed_type_name(rule, f, p);
}

void Checker::field_pair(const pb::FieldDescriptor* f, const pb::FieldDescriptor* p) {
  using F = pb::FieldDescriptor;
  const std::string& against = p->file()->name();
  const bool map_entries =
      p->containing_type()->options().map_entry() && f->containing_type()->options().map_entry();
  const std::string desc = field_description(f);
  if (!map_entries) {
    Cardinality pc = cardinality(p), c = cardinality(f);
    std::string text = fmt::format("{} changed cardinality from {} to {}.", desc,
                                   quote(cardinality_name(pc)), quote(cardinality_name(c)));
    if (on("FIELD_SAME_CARDINALITY") && pc != c)
      add("FIELD_SAME_CARDINALITY", loc(f), against, text);
    if (on("FIELD_WIRE_COMPATIBLE_CARDINALITY") && !wire_compatible(pc, c)) {
      add("FIELD_WIRE_COMPATIBLE_CARDINALITY", loc(f), against, text);
    }
    if (on("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY") && !wire_json_compatible(pc, c)) {
      add("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", loc(f), against, text);
    }
  }
  if (on("FIELD_SAME_CPP_STRING_TYPE") && !map_entries && is_string_or_bytes(p) &&
      is_string_or_bytes(f)) {
    auto string_type = [](const F* d) -> std::pair<std::string, bool> {
      if (!d->options().has_ctype()) return {"STRING", false};
      switch (d->options().ctype()) {
        case pb::FieldOptions::CORD:
          return {"CORD", false};
        case pb::FieldOptions::STRING_PIECE:
          return {"STRING", true};
        default:
          return {"STRING", false};
      }
    };
    auto [pt, ppiece] = string_type(p);
    auto [t, piece] = string_type(f);
    if ((pt != t || ppiece != piece) && !(ppiece && t == "STRING")) {
      add("FIELD_SAME_CPP_STRING_TYPE",
          first_of(option_loc(f, pb::FieldOptions::kCtypeFieldNumber), loc(f)), against,
          fmt::format("{} changed C++ string type from {} to {}.", desc,
                      quote(ppiece ? "STRING_PIECE" : pt), quote(piece ? "STRING_PIECE" : t)));
    }
  }
  if (on("FIELD_SAME_JAVA_UTF8_VALIDATION") && p->type() == F::TYPE_STRING &&
      f->type() == F::TYPE_STRING) {
    auto validation = [](const F* d) {
      return d->file()->options().java_string_check_utf8() ? std::string("VERIFY")
                                                           : utf8_validation(d->file());
    };
    if (validation(p) != validation(f)) {
      add("FIELD_SAME_JAVA_UTF8_VALIDATION",
          first_of(option_loc(f->file(), pb::FileOptions::kJavaStringCheckUtf8FieldNumber), loc(f)),
          against,
          fmt::format("{} changed Java string UTF8 validation from {} to {}.", desc,
                      quote(validation(p)), quote(validation(f))));
    }
  }
  if (on("FIELD_SAME_JSTYPE") && is_64bit_integer(p->type()) && is_64bit_integer(f->type()) &&
      p->options().jstype() != f->options().jstype()) {
    add("FIELD_SAME_JSTYPE", first_of(option_loc(f, pb::FieldOptions::kJstypeFieldNumber), loc(f)),
        against,
        fmt::format("{} changed option \"jstype\" from {} to {}.", desc,
                    quote(pb::FieldOptions::JSType_Name(p->options().jstype())),
                    quote(pb::FieldOptions::JSType_Name(f->options().jstype()))));
  }
  if (on("FIELD_SAME_TYPE")) {
    if (p->type() != f->type()) {
      field_changed_type("FIELD_SAME_TYPE", f, p, "");
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name("FIELD_SAME_TYPE", f, p);
    }
  }
  if (on("FIELD_WIRE_COMPATIBLE_TYPE")) {
    const char* rule = "FIELD_WIRE_COMPATIBLE_TYPE";
    if (!wire_compatible(p->type(), f->type())) {
      std::string extra =
          "See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire "
          "compatibility rules.";
      bool ok = false;
      if (p->type() == F::TYPE_STRING && f->type() == F::TYPE_BYTES) ok = true;
      if (p->type() == F::TYPE_BYTES && f->type() == F::TYPE_STRING) {
        extra +=
            " Note that while string and bytes are compatible if the data is valid UTF-8, "
            "there is no way to enforce that a bytes field is UTF-8, so these fields may be "
            "incompatible.";
      }
      if (!ok) field_changed_type(rule, f, p, extra);
    } else if (f->type() == F::TYPE_ENUM && type_name(p) != type_name(f)) {
      enum_wire_compatible(rule, f, p);
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name(rule, f, p);
    }
  }
  if (on("FIELD_WIRE_JSON_COMPATIBLE_TYPE")) {
    const char* rule = "FIELD_WIRE_JSON_COMPATIBLE_TYPE";
    if (!wire_json_compatible(p->type(), f->type())) {
      field_changed_type(rule, f, p,
                         "See https://developers.google.com/protocol-buffers/docs/proto3#updating "
                         "for wire compatibility rules and "
                         "https://developers.google.com/protocol-buffers/docs/proto3#json for JSON "
                         "compatibility rules.");
    } else if (f->type() == F::TYPE_ENUM && type_name(p) != type_name(f)) {
      enum_wire_compatible(rule, f, p);
    } else if (is_named_type(f) && type_name(p) != type_name(f)) {
      field_changed_type_name(rule, f, p);
    }
  }
  if (on("FIELD_SAME_JSON_NAME") && !p->is_extension() && p->json_name() != f->json_name()) {
    add("FIELD_SAME_JSON_NAME",
        first_of(loc(f, {pb::FieldDescriptorProto::kJsonNameFieldNumber}), loc(f)), against,
        fmt::format("{} changed option \"json_name\" from {} to {}.", desc, quote(p->json_name()),
                    quote(f->json_name())));
  }
  if (on("FIELD_SAME_NAME")) {
    const std::string& pn = p->is_extension() ? p->full_name() : p->name();
    const std::string& n = f->is_extension() ? f->full_name() : f->name();
    if (pn != n) {
      add("FIELD_SAME_NAME", loc(f, {pb::FieldDescriptorProto::kNameFieldNumber}), against,
          fmt::format("{} changed name from {} to {}.", field_description_with_name(f, ""),
                      quote(pn), quote(n)));
    }
  }
  if (on("FIELD_SAME_ONEOF") && !p->is_extension()) {
    const pb::OneofDescriptor* po = p->real_containing_oneof();
    const pb::OneofDescriptor* o = f->real_containing_oneof();
    if (po != nullptr && o != nullptr) {
      if (po->name() != o->name()) {
        // buf's message reads `..."q moved from oneof`; kept as buf prints it.
        add("FIELD_SAME_ONEOF", loc(f), against,
            fmt::format("{}q moved from oneof {} to oneof {}.", desc, quote(po->name()),
                        quote(o->name())));
      }
    } else if (po != nullptr || o != nullptr) {
      add("FIELD_SAME_ONEOF", loc(f), against,
          fmt::format("{} moved from {} to {} a oneof.", desc, po ? "inside" : "outside",
                      po ? "outside" : "inside"));
    }
  }
  if (on("FIELD_SAME_UTF8_VALIDATION") && p->type() == F::TYPE_STRING &&
      f->type() == F::TYPE_STRING && utf8_validation(p->file()) != utf8_validation(f->file())) {
    add("FIELD_SAME_UTF8_VALIDATION", loc(f), against,
        fmt::format("{} changed UTF8 validation from {} to {}.", desc, utf8_validation(p->file()),
                    utf8_validation(f->file())));
  }
  if (on("FIELD_SAME_DEFAULT")) {
    auto can_have_default = [](const F* d) {
      return !d->is_repeated() && d->message_type() == nullptr;
    };
    if (can_have_default(p) && can_have_default(f)) {
      Default pd = default_of(p), d = default_of(f);
      if (!(pd.zero && d.zero) && !defaults_equal(pd, d)) {
        add("FIELD_SAME_DEFAULT",
            first_of(loc(f, {pb::FieldDescriptorProto::kDefaultValueFieldNumber}), loc(f)), against,
            fmt::format("{} changed default value from {} to {}.", desc, pd.printable,
                        d.printable));
      }
    }
  }
}

}  // namespace spoke::breaking_internal
