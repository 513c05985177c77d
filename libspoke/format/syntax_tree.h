#pragma once

// The full-fidelity syntax tree the formatter prints: one node per token (terminals) and composite
// nodes over them, shaped like protocompile's ast package (which buf's formatter walks), because
// the formatter's decisions depend on which nodes are terminals, which are composites, and which
// token starts and ends each node.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace spoke::format {

enum class Kind : std::uint8_t {
  // Terminals: a single token.
  kRune,    // punctuation
  kIdent,   // identifiers, keywords, labels, inf/nan
  kString,  // one string literal
  kNumber,  // integer or float literal
  // Composites.
  kCompoundIdent,   // [.]a.b.c
  kCompoundString,  // "a" "b"
  kSignedNumber,    // -1, -2.5, -inf
  kArrayLiteral,
  kMessageLiteral,
  kMessageField,
  kFieldReference,  // option name part or message literal field name
  kOptionName,
  kOption,  // `option a = b;` or, without keyword and semicolon, a compact option
  kCompactOptions,
  kSyntax,  // syntax or edition
  kPackage,
  kImport,
  kBlock,  // message, enum, oneof, extend, service
  kField,
  kMapType,
  kMapField,
  kGroup,
  kExtensionRange,
  kRange,
  kReserved,
  kEnumValue,
  kRpc,
  kRpcType,
  kEmptyDecl,
};

struct Node {
  explicit Node(Kind k) : kind(k) {}
  virtual ~Node() = default;
  Kind kind;
  std::uint32_t first = 0;  // index of the first token (into LexedFile::tokens)
  std::uint32_t last = 0;   // index of the last token
  bool is_terminal() const { return kind <= Kind::kNumber; }
};

struct Terminal : Node {
  explicit Terminal(Kind k, std::uint32_t token) : Node(k) { first = last = token; }
  // For kRune: the character printed. A message literal's '<' and '>' print as '{' and '}'.
  char rune = 0;
};

struct CompoundIdent : Node {
  CompoundIdent() : Node(Kind::kCompoundIdent) {}
  Terminal* leading_dot = nullptr;
  std::vector<Terminal*> components;
  std::vector<Terminal*> dots;
};

struct CompoundString : Node {
  CompoundString() : Node(Kind::kCompoundString) {}
  std::vector<Terminal*> parts;
};

struct SignedNumber : Node {
  SignedNumber() : Node(Kind::kSignedNumber) {}
  Terminal* sign = nullptr;
  Terminal* value = nullptr;  // a number or inf/nan
};

struct ArrayLiteral : Node {
  ArrayLiteral() : Node(Kind::kArrayLiteral) {}
  Terminal* open = nullptr;
  std::vector<Node*> elements;
  std::vector<Terminal*> commas;  // elements.size() - 1 of them
  Terminal* close = nullptr;
  std::vector<Node*> children;  // open, element, comma, element, ..., close
};

struct FieldReference : Node {
  FieldReference() : Node(Kind::kFieldReference) {}
  Terminal* open = nullptr;    // '(' or '['
  Node* url_prefix = nullptr;  // [type.googleapis.com/foo.Bar]
  Terminal* slash = nullptr;
  Node* name = nullptr;  // Terminal or CompoundIdent
  Terminal* close = nullptr;
  std::string ident_text;  // name as written, dots included (for sorting options)
};

struct MessageField : Node {
  MessageField() : Node(Kind::kMessageField) {}
  FieldReference* name = nullptr;
  Terminal* sep = nullptr;  // ':' when written
  Node* value = nullptr;
};

struct MessageLiteral : Node {
  MessageLiteral() : Node(Kind::kMessageLiteral) {}
  Terminal* open = nullptr;  // '{' or '<'
  std::vector<MessageField*> elements;
  std::vector<Terminal*> seps;  // one per element, nullptr when none
  Terminal* close = nullptr;
  // The brace the formatter prints: '{' and '}' even for '<' and '>' (same tokens).
  Terminal* print_open = nullptr;
  Terminal* print_close = nullptr;
  std::vector<Node*> children;
};

struct OptionName : Node {
  OptionName() : Node(Kind::kOptionName) {}
  std::vector<FieldReference*> parts;
  std::vector<Terminal*> dots;
  std::string sort_key;  // parts joined by '.', "(...)" around extension names
};

struct Option : Node {
  Option() : Node(Kind::kOption) {}
  Terminal* keyword = nullptr;  // nullptr in compact options
  OptionName* name = nullptr;
  Terminal* equals = nullptr;
  Node* value = nullptr;
  Terminal* semicolon = nullptr;  // nullptr in compact options
};

struct CompactOptions : Node {
  CompactOptions() : Node(Kind::kCompactOptions) {}
  Terminal* open = nullptr;
  std::vector<Option*> options;
  std::vector<Terminal*> commas;
  Terminal* close = nullptr;
};

struct Syntax : Node {  // syntax = "proto3"; or edition = "2023";
  Syntax() : Node(Kind::kSyntax) {}
  Terminal* keyword = nullptr;
  Terminal* equals = nullptr;
  Node* value = nullptr;
  Terminal* semicolon = nullptr;
};

struct Package : Node {
  Package() : Node(Kind::kPackage) {}
  Terminal* keyword = nullptr;
  Node* name = nullptr;
  Terminal* semicolon = nullptr;
};

struct Import : Node {
  Import() : Node(Kind::kImport) {}
  Terminal* keyword = nullptr;
  Terminal* modifier = nullptr;  // public or weak
  bool is_public = false;
  bool is_weak = false;
  Node* name = nullptr;
  Terminal* semicolon = nullptr;
  std::string value;  // the imported path, escapes resolved
};

struct Block : Node {  // message, enum, oneof, extend, service
  Block() : Node(Kind::kBlock) {}
  Terminal* keyword = nullptr;
  Node* name = nullptr;  // or the extendee
  Terminal* open = nullptr;
  std::vector<Node*> decls;
  Terminal* close = nullptr;
};

struct Field : Node {
  Field() : Node(Kind::kField) {}
  Terminal* label = nullptr;
  Node* type = nullptr;
  Terminal* name = nullptr;
  Terminal* equals = nullptr;
  Terminal* tag = nullptr;
  CompactOptions* options = nullptr;
  Terminal* semicolon = nullptr;
};

struct MapType : Node {
  MapType() : Node(Kind::kMapType) {}
  Terminal* keyword = nullptr;
  Terminal* open = nullptr;
  Terminal* key_type = nullptr;
  Terminal* comma = nullptr;
  Node* value_type = nullptr;
  Terminal* close = nullptr;
};

struct MapField : Node {
  MapField() : Node(Kind::kMapField) {}
  MapType* type = nullptr;
  Terminal* name = nullptr;
  Terminal* equals = nullptr;
  Terminal* tag = nullptr;
  CompactOptions* options = nullptr;
  Terminal* semicolon = nullptr;
};

struct Group : Node {
  Group() : Node(Kind::kGroup) {}
  Terminal* label = nullptr;
  Terminal* keyword = nullptr;
  Terminal* name = nullptr;
  Terminal* equals = nullptr;
  Terminal* tag = nullptr;
  CompactOptions* options = nullptr;
  Terminal* open = nullptr;
  std::vector<Node*> decls;
  Terminal* close = nullptr;
};

struct Range : Node {
  Range() : Node(Kind::kRange) {}
  Node* start = nullptr;
  Terminal* to = nullptr;
  Node* end = nullptr;
  Terminal* max = nullptr;
};

struct ExtensionRange : Node {
  ExtensionRange() : Node(Kind::kExtensionRange) {}
  Terminal* keyword = nullptr;
  std::vector<Range*> ranges;
  std::vector<Terminal*> commas;
  CompactOptions* options = nullptr;
  Terminal* semicolon = nullptr;
};

struct Reserved : Node {
  Reserved() : Node(Kind::kReserved) {}
  Terminal* keyword = nullptr;
  std::vector<Node*> elements;  // ranges, string names or identifiers
  std::vector<Terminal*> commas;
  Terminal* semicolon = nullptr;
};

struct EnumValue : Node {
  EnumValue() : Node(Kind::kEnumValue) {}
  Terminal* name = nullptr;
  Terminal* equals = nullptr;
  Node* number = nullptr;
  CompactOptions* options = nullptr;
  Terminal* semicolon = nullptr;
};

struct RpcType : Node {
  RpcType() : Node(Kind::kRpcType) {}
  Terminal* open = nullptr;
  Terminal* stream = nullptr;
  Node* type = nullptr;
  Terminal* close = nullptr;
};

struct Rpc : Node {
  Rpc() : Node(Kind::kRpc) {}
  Terminal* keyword = nullptr;
  Terminal* name = nullptr;
  RpcType* input = nullptr;
  Terminal* returns = nullptr;
  RpcType* output = nullptr;
  Terminal* open = nullptr;  // nullptr for `rpc ... ;`
  std::vector<Node*> decls;
  Terminal* close = nullptr;
  Terminal* semicolon = nullptr;
};

struct EmptyDecl : Node {
  EmptyDecl() : Node(Kind::kEmptyDecl) {}
};

struct FileNode {
  Syntax* syntax = nullptr;  // syntax or edition, when declared
  std::vector<Node*> decls;  // everything after it, empty statements included
  Terminal* eof = nullptr;
};

// Owns the nodes of one file.
class Arena {
 public:
  template <typename T, typename... Args>
  T* make(Args&&... args) {
    auto node = std::make_unique<T>(std::forward<Args>(args)...);
    T* raw = node.get();
    nodes_.push_back(std::move(node));
    return raw;
  }

 private:
  std::vector<std::unique_ptr<Node>> nodes_;
};

}  // namespace spoke::format
