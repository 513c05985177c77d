#include "breaking/field_kind.h"

namespace spoke::breaking_internal {

using F = pb::FieldDescriptor;

Cardinality cardinality(const F* f) {
  if (f->is_map()) return Cardinality::kMap;
  if (f->is_repeated()) return Cardinality::kRepeated;
  if (f->is_required()) return Cardinality::kRequired;
  if (f->has_presence()) return Cardinality::kExplicit;
  return Cardinality::kImplicit;
}

const char* cardinality_name(Cardinality c) {
  switch (c) {
    case Cardinality::kExplicit:
      return "optional with explicit presence";
    case Cardinality::kImplicit:
      return "optional with implicit presence";
    case Cardinality::kRequired:
      return "required";
    case Cardinality::kRepeated:
      return "repeated";
    case Cardinality::kMap:
      return "map";
  }
  return "";
}

namespace {

// Cardinalities whose data reads as each other's: optional, required, repeated or map.
int wire_group(Cardinality c) {
  switch (c) {
    case Cardinality::kExplicit:
    case Cardinality::kImplicit:
      return 1;
    case Cardinality::kRequired:
      return 2;
    default:
      return 3;
  }
}

}  // namespace

bool wire_compatible(Cardinality a, Cardinality b) { return wire_group(a) == wire_group(b); }

bool wire_json_compatible(Cardinality a, Cardinality b) {
  return wire_compatible(a, b) && (a == Cardinality::kMap) == (b == Cardinality::kMap);
}

Encoding encoding_of(F::Type type) {
  switch (type) {
    case F::TYPE_INT32:
    case F::TYPE_INT64:
    case F::TYPE_UINT32:
    case F::TYPE_UINT64:
    case F::TYPE_BOOL:
      return Encoding::kVarint;
    case F::TYPE_SINT32:
    case F::TYPE_SINT64:
      return Encoding::kZigZag;
    case F::TYPE_FIXED32:
    case F::TYPE_SFIXED32:
      return Encoding::kFixed32;
    case F::TYPE_FIXED64:
    case F::TYPE_SFIXED64:
      return Encoding::kFixed64;
    case F::TYPE_FLOAT:
      return Encoding::kFloat;
    case F::TYPE_DOUBLE:
      return Encoding::kDouble;
    case F::TYPE_STRING:
      return Encoding::kString;
    case F::TYPE_BYTES:
      return Encoding::kBytes;
    case F::TYPE_GROUP:
      return Encoding::kGroup;
    case F::TYPE_MESSAGE:
      return Encoding::kMessage;
    case F::TYPE_ENUM:
      return Encoding::kEnum;
  }
  return Encoding::kMessage;
}

bool is_64bit_integer(F::Type type) {
  switch (type) {
    case F::TYPE_INT64:
    case F::TYPE_SINT64:
    case F::TYPE_UINT64:
    case F::TYPE_FIXED64:
    case F::TYPE_SFIXED64:
      return true;
    default:
      return false;
  }
}

bool wire_compatible(F::Type a, F::Type b) { return encoding_of(a) == encoding_of(b); }

bool wire_json_compatible(F::Type a, F::Type b) {
  return wire_compatible(a, b) && is_64bit_integer(a) == is_64bit_integer(b) &&
         (a == F::TYPE_BOOL) == (b == F::TYPE_BOOL);
}

bool is_named_type(const F* f) {
  return f->type() == F::TYPE_MESSAGE || f->type() == F::TYPE_ENUM || f->type() == F::TYPE_GROUP;
}

std::string type_name(const F* f) {
  if (f->message_type() != nullptr) return f->message_type()->full_name();
  if (f->enum_type() != nullptr) return f->enum_type()->full_name();
  return "";
}

FieldKind kind_of(const F* f) {
  if (f->is_map()) return FieldKind::kMap;
  if (f->message_type() != nullptr) return FieldKind::kMessage;
  return FieldKind::kScalar;
}

const char* kind_name(FieldKind k) {
  switch (k) {
    case FieldKind::kScalar:
      return "scalar";
    case FieldKind::kMessage:
      return "message";
    case FieldKind::kMap:
      return "map";
  }
  return "";
}

bool confluent_scalar_compatible(F::Type a, F::Type b) {
  auto as_confluent = [](F::Type t) {
    Encoding e = encoding_of(t);
    if (e == Encoding::kEnum) return Encoding::kVarint;
    if (e == Encoding::kBytes) return Encoding::kString;
    return e;
  };
  return as_confluent(a) == as_confluent(b);
}

}  // namespace spoke::breaking_internal
