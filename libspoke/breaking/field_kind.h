#pragma once

// How the breaking rules and the Confluent levels classify fields: cardinality, kind, and which
// types can take each other's place on the wire and in JSON. Not installed.

#include <google/protobuf/descriptor.h>

#include <string>

namespace spoke::breaking_internal {

namespace pb = google::protobuf;

// ---- cardinality (buf) -------------------------------------------------------------------------

enum class Cardinality { kExplicit = 1, kImplicit, kRequired, kRepeated, kMap };

Cardinality cardinality(const pb::FieldDescriptor* f);
// "optional with explicit presence", "optional with implicit presence", "required", "repeated",
// "map": as buf names them.
const char* cardinality_name(Cardinality c);
// True when data written with one cardinality reads with the other (FIELD_WIRE_COMPATIBLE_
// CARDINALITY): optional fields of either presence, or repeated fields and maps.
bool wire_compatible(Cardinality a, Cardinality b);
// The same, and JSON too, which writes a map as an object rather than an array
// (FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY).
bool wire_json_compatible(Cardinality a, Cardinality b);

// ---- types -------------------------------------------------------------------------------------

// How the values of a type are encoded: types of one encoding read each other's values (int32,
// int64, uint32, uint64 and bool are all varints). An enum is written as a varint, but has an
// encoding of its own here: both buf and Confluent judge it apart from the integers.
enum class Encoding {
  kVarint,
  kZigZag,
  kFixed32,
  kFixed64,
  kFloat,
  kDouble,
  kString,
  kBytes,
  kGroup,
  kMessage,
  kEnum,
};

Encoding encoding_of(pb::FieldDescriptor::Type type);

// True for the 64-bit integer types, which JSON writes as strings.
bool is_64bit_integer(pb::FieldDescriptor::Type type);

// True when the types have the same encoding (FIELD_WIRE_COMPATIBLE_TYPE).
bool wire_compatible(pb::FieldDescriptor::Type a, pb::FieldDescriptor::Type b);
// The same, and the same JSON form too: a 64-bit integer (a JSON string) or a bool (true or
// false) does not take the place of another varint (FIELD_WIRE_JSON_COMPATIBLE_TYPE).
bool wire_json_compatible(pb::FieldDescriptor::Type a, pb::FieldDescriptor::Type b);

// True for the types whose values are of a named type: messages, groups and enums.
bool is_named_type(const pb::FieldDescriptor* f);
// The full name of the message or enum type of `f`; empty for other types.
std::string type_name(const pb::FieldDescriptor* f);

// ---- kinds (Confluent) -------------------------------------------------------------------------

// A field as Confluent's SchemaDiff sees it: a map, a message (groups too) or a scalar (enums too).
enum class FieldKind { kScalar, kMessage, kMap };

FieldKind kind_of(const pb::FieldDescriptor* f);
// "scalar", "message" or "map".
const char* kind_name(FieldKind k);
// True when two scalar types can take each other's place as Confluent groups them: the same
// encoding, an enum counting as the varint it is written as and bytes as a string.
bool confluent_scalar_compatible(pb::FieldDescriptor::Type a, pb::FieldDescriptor::Type b);

}  // namespace spoke::breaking_internal
