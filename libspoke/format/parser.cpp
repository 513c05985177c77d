#include "format/parser.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace spoke::format {

namespace {

// Thrown inside the parser only; parse_proto turns it into a Status.
struct ParseFailure {
  std::uint32_t offset;
  std::string message;
};

constexpr int kMaxDepth = 400;

bool is_map_key_type(std::string_view s) {
  static constexpr std::string_view kTypes[] = {"int32",    "int64",    "uint32",  "uint64",
                                                "sint32",   "sint64",   "fixed32", "fixed64",
                                                "sfixed32", "sfixed64", "bool",    "string"};
  return std::find(std::begin(kTypes), std::end(kTypes), s) != std::end(kTypes);
}

bool is_label(std::string_view s) { return s == "optional" || s == "required" || s == "repeated"; }

class Parser {
 public:
  Parser(const LexedFile& file, Arena& arena) : f_(file), arena_(arena) {
    sig_.reserve(file.tokens.size());
    for (std::uint32_t i = 0; i < file.tokens.size(); ++i) {
      if (!file.tokens[i].is_comment()) sig_.push_back(i);
    }
  }

  void parse(FileNode* out) {
    if (is_kw("syntax") || is_kw("edition")) out->syntax = syntax();
    while (!at_eof()) {
      if (is_rune(';')) {
        out->decls.push_back(empty_decl());
      } else if (is_kw("import")) {
        out->decls.push_back(import());
        extra_semicolons(out->decls);
      } else if (is_kw("package")) {
        out->decls.push_back(package());
        extra_semicolons(out->decls);
      } else if (is_kw("option")) {
        out->decls.push_back(option_decl());
        extra_semicolons(out->decls);
      } else if (is_kw("message")) {
        out->decls.push_back(message());
        extra_semicolons(out->decls);
      } else if (is_kw("enum")) {
        out->decls.push_back(enum_decl());
        extra_semicolons(out->decls);
      } else if (is_kw("extend")) {
        out->decls.push_back(extend());
        extra_semicolons(out->decls);
      } else if (is_kw("service")) {
        out->decls.push_back(service());
        extra_semicolons(out->decls);
      } else {
        unexpected(
            "a top-level declaration (message, enum, service, extend, import, package, "
            "option)");
      }
    }
    out->eof = terminal(Kind::kRune);
  }

 private:
  // ---- tokens ---------------------------------------------------------------------------------

  const Token& tok(std::size_t ahead = 0) const {
    std::size_t i = std::min(p_ + ahead, sig_.size() - 1);
    return f_.tokens[sig_[i]];
  }
  std::string_view text(std::size_t ahead = 0) const {
    const Token& t = tok(ahead);
    return f_.text.substr(t.offset, t.length);
  }
  bool at_eof() const { return tok().kind == TokenKind::kEof; }
  bool is_rune(char c, std::size_t ahead = 0) const {
    const Token& t = tok(ahead);
    return t.kind == TokenKind::kRune && f_.text[t.offset] == c;
  }
  bool is_kw(std::string_view kw, std::size_t ahead = 0) const {
    return tok(ahead).kind == TokenKind::kIdent && text(ahead) == kw;
  }
  bool is_ident(std::size_t ahead = 0) const { return tok(ahead).kind == TokenKind::kIdent; }

  std::string describe() const {
    switch (tok().kind) {
      case TokenKind::kEof:
        return "end of file";
      case TokenKind::kIdent:
        return fmt::format("identifier \"{}\"", text());
      case TokenKind::kString:
        return "string literal";
      case TokenKind::kInt:
        return "int literal";
      case TokenKind::kFloat:
        return "float literal";
      default:
        return fmt::format("'{}'", text());
    }
  }

  [[noreturn]] void unexpected(const std::string& expecting) const {
    throw ParseFailure{tok().offset, fmt::format("syntax error: unexpected {}, expecting {}",
                                                 describe(), expecting)};
  }

  Terminal* terminal(Kind kind) {
    std::uint32_t index = sig_[p_];
    auto* t = arena_.make<Terminal>(kind, index);
    if (kind == Kind::kRune) t->rune = f_.text[f_.tokens[index].offset];
    if (p_ + 1 < sig_.size()) ++p_;
    return t;
  }
  Terminal* rune(char c) {
    if (!is_rune(c)) unexpected(fmt::format("'{}'", c));
    return terminal(Kind::kRune);
  }
  Terminal* keyword(std::string_view kw) {
    if (!is_kw(kw)) unexpected(fmt::format("\"{}\"", kw));
    return terminal(Kind::kIdent);
  }
  Terminal* ident() {
    if (!is_ident()) unexpected("an identifier");
    return terminal(Kind::kIdent);
  }
  Terminal* int_literal() {
    if (tok().kind != TokenKind::kInt) unexpected("an integer");
    return terminal(Kind::kNumber);
  }

  template <typename T>
  T* span(T* node, const Node* first, const Node* last) {
    node->first = first->first;
    node->last = last->last;
    return node;
  }

  struct DepthGuard {
    explicit DepthGuard(Parser* p) : parser(p) {
      if (++parser->depth_ > kMaxDepth) {
        throw ParseFailure{parser->tok().offset, "declarations or values nested too deeply"};
      }
    }
    ~DepthGuard() { --parser->depth_; }
    Parser* parser;
  };

  // ---- names and values -----------------------------------------------------------------------

  EmptyDecl* empty_decl() {
    auto* e = arena_.make<EmptyDecl>();
    Terminal* semi = rune(';');
    return span(e, semi, semi);
  }

  void extra_semicolons(std::vector<Node*>& decls) {
    while (is_rune(';')) decls.push_back(empty_decl());
  }

  // [.]ident(.ident)*: a Terminal for a single identifier, else a CompoundIdent.
  Node* type_name(bool allow_leading_dot = true) {
    Terminal* dot = nullptr;
    if (allow_leading_dot && is_rune('.')) dot = terminal(Kind::kRune);
    Terminal* first = ident();
    if (dot == nullptr && !is_rune('.')) return first;
    auto* c = arena_.make<CompoundIdent>();
    c->leading_dot = dot;
    c->components.push_back(first);
    while (is_rune('.')) {
      c->dots.push_back(terminal(Kind::kRune));
      c->components.push_back(ident());
    }
    return span(c, dot != nullptr ? static_cast<Node*>(dot) : first, c->components.back());
  }

  std::string ident_text(const Node* n) const {
    if (n->kind != Kind::kCompoundIdent) return std::string(f_.token_text(n->first));
    const auto* c = static_cast<const CompoundIdent*>(n);
    std::string s = c->leading_dot != nullptr ? "." : "";
    for (std::size_t i = 0; i < c->components.size(); ++i) {
      if (i > 0) s += '.';
      s += f_.token_text(c->components[i]->first);
    }
    return s;
  }

  Node* string_value() {
    if (tok().kind != TokenKind::kString) unexpected("a string");
    Terminal* first = terminal(Kind::kString);
    if (tok().kind != TokenKind::kString) return first;
    auto* c = arena_.make<CompoundString>();
    c->parts.push_back(first);
    while (tok().kind == TokenKind::kString) c->parts.push_back(terminal(Kind::kString));
    return span(c, first, c->parts.back());
  }

  std::string string_text(const Node* n) const {
    if (n->kind == Kind::kString) return decode_string_literal(f_.token_text(n->first));
    std::string s;
    for (const Terminal* p : static_cast<const CompoundString*>(n)->parts) {
      s += decode_string_literal(f_.token_text(p->first));
    }
    return s;
  }

  SignedNumber* signed_number(bool allow_special) {
    auto* s = arena_.make<SignedNumber>();
    s->sign = rune('-');
    if (tok().kind == TokenKind::kInt || tok().kind == TokenKind::kFloat) {
      s->value = terminal(Kind::kNumber);
    } else if (allow_special && is_ident()) {
      std::string lower(text());
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower != "inf" && lower != "infinity" && lower != "nan") {
        throw ParseFailure{tok().offset,
                           "only identifiers \"inf\", \"infinity\", or \"nan\" may appear after "
                           "negative sign"};
      }
      s->value = terminal(Kind::kIdent);
    } else if (is_kw("inf") || is_kw("nan")) {
      s->value = terminal(Kind::kIdent);
    } else {
      unexpected("a number");
    }
    return span(s, s->sign, s->value);
  }

  // The value of an option: a scalar or a message literal in braces.
  Node* option_value() {
    if (tok().kind == TokenKind::kString) return string_value();
    if (tok().kind == TokenKind::kInt || tok().kind == TokenKind::kFloat) {
      return terminal(Kind::kNumber);
    }
    if (is_rune('-')) return signed_number(false);
    if (is_ident()) return terminal(Kind::kIdent);
    if (is_rune('{') || is_rune('<')) return message_literal();
    unexpected("an option value");
  }

  // A scalar inside a message literal.
  Node* field_scalar() {
    if (tok().kind == TokenKind::kString) return string_value();
    if (tok().kind == TokenKind::kInt || tok().kind == TokenKind::kFloat) {
      return terminal(Kind::kNumber);
    }
    if (is_rune('-')) return signed_number(true);
    if (is_ident()) return terminal(Kind::kIdent);
    unexpected("a value");
  }

  MessageLiteral* message_literal() {
    DepthGuard guard(this);
    auto* m = arena_.make<MessageLiteral>();
    bool angle = is_rune('<');
    m->open = terminal(Kind::kRune);
    char close = angle ? '>' : '}';
    m->children.push_back(m->open);
    while (!is_rune(close)) {
      if (at_eof()) unexpected(fmt::format("'{}'", close));
      MessageField* field = message_field();
      m->elements.push_back(field);
      m->children.push_back(field);
      Terminal* sep = nullptr;
      if (is_rune(',') || is_rune(';')) {
        sep = terminal(Kind::kRune);
        m->children.push_back(sep);
      }
      m->seps.push_back(sep);
    }
    m->close = rune(close);
    m->children.push_back(m->close);
    m->print_open = m->open;
    m->print_close = m->close;
    if (angle) {
      m->print_open = arena_.make<Terminal>(Kind::kRune, m->open->first);
      m->print_open->rune = '{';
      m->print_close = arena_.make<Terminal>(Kind::kRune, m->close->first);
      m->print_close->rune = '}';
    }
    return span(m, m->open, m->close);
  }

  ArrayLiteral* array_literal(bool messages_only) {
    DepthGuard guard(this);
    auto* a = arena_.make<ArrayLiteral>();
    a->open = rune('[');
    a->children.push_back(a->open);
    if (!is_rune(']')) {
      while (true) {
        Node* element = nullptr;
        if (is_rune('{') || is_rune('<')) {
          element = message_literal();
        } else if (messages_only) {
          unexpected("a message literal");
        } else {
          element = field_scalar();
        }
        a->elements.push_back(element);
        a->children.push_back(element);
        if (!is_rune(',')) break;
        a->commas.push_back(terminal(Kind::kRune));
        a->children.push_back(a->commas.back());
      }
    }
    a->close = rune(']');
    a->children.push_back(a->close);
    return span(a, a->open, a->close);
  }

  MessageField* message_field() {
    auto* f = arena_.make<MessageField>();
    auto* ref = arena_.make<FieldReference>();
    if (is_rune('[')) {
      ref->open = terminal(Kind::kRune);
      Node* first = type_name(false);
      if (is_rune('/')) {
        ref->url_prefix = first;
        ref->slash = terminal(Kind::kRune);
        ref->name = type_name(false);
      } else {
        ref->name = first;
      }
      ref->close = rune(']');
      span(ref, ref->open, ref->close);
    } else if (is_ident()) {
      ref->name = terminal(Kind::kIdent);
      span(ref, ref->name, ref->name);
    } else {
      unexpected("a field name");
    }
    f->name = ref;
    if (is_rune(':')) {
      f->sep = terminal(Kind::kRune);
      if (is_rune('{') || is_rune('<')) {
        f->value = message_literal();
      } else if (is_rune('[')) {
        f->value = array_literal(false);
      } else {
        f->value = field_scalar();
      }
    } else if (is_rune('{') || is_rune('<')) {
      f->value = message_literal();
    } else if (is_rune('[')) {
      f->value = array_literal(true);
    } else {
      unexpected("':' or a message value");
    }
    return span(f, ref, f->value);
  }

  OptionName* option_name() {
    auto* n = arena_.make<OptionName>();
    while (true) {
      auto* ref = arena_.make<FieldReference>();
      if (is_rune('(')) {
        ref->open = terminal(Kind::kRune);
        ref->name = type_name();
        ref->close = rune(')');
        ref->ident_text = ident_text(ref->name);
        span(ref, ref->open, ref->close);
        n->sort_key += "(" + ref->ident_text + ")";
      } else {
        ref->name = ident();
        ref->ident_text = ident_text(ref->name);
        span(ref, ref->name, ref->name);
        n->sort_key += ref->ident_text;
      }
      n->parts.push_back(ref);
      if (!is_rune('.')) break;
      n->dots.push_back(terminal(Kind::kRune));
      n->sort_key += '.';
    }
    return span(n, n->parts.front(), n->parts.back());
  }

  Option* option_decl() {
    auto* o = arena_.make<Option>();
    o->keyword = keyword("option");
    o->name = option_name();
    o->equals = rune('=');
    o->value = option_value();
    o->semicolon = rune(';');
    return span(o, o->keyword, o->semicolon);
  }

  CompactOptions* compact_options() {
    auto* c = arena_.make<CompactOptions>();
    c->open = rune('[');
    if (is_rune(']')) {
      throw ParseFailure{tok().offset, "compact options must have at least one option"};
    }
    while (true) {
      auto* o = arena_.make<Option>();
      o->name = option_name();
      o->equals = rune('=');
      o->value = option_value();
      c->options.push_back(span(o, o->name, o->value));
      if (!is_rune(',')) break;
      c->commas.push_back(terminal(Kind::kRune));
    }
    c->close = rune(']');
    return span(c, c->open, c->close);
  }

  // ---- declarations ---------------------------------------------------------------------------

  Syntax* syntax() {
    auto* s = arena_.make<Syntax>();
    s->keyword = terminal(Kind::kIdent);
    s->equals = rune('=');
    s->value = string_value();
    s->semicolon = rune(';');
    return span(s, s->keyword, s->semicolon);
  }

  Import* import() {
    auto* i = arena_.make<Import>();
    i->keyword = keyword("import");
    if ((is_kw("public") || is_kw("weak")) && tok(1).kind == TokenKind::kString) {
      i->is_public = is_kw("public");
      i->is_weak = !i->is_public;
      i->modifier = terminal(Kind::kIdent);
    }
    i->name = string_value();
    i->value = string_text(i->name);
    i->semicolon = rune(';');
    return span(i, i->keyword, i->semicolon);
  }

  Package* package() {
    auto* p = arena_.make<Package>();
    p->keyword = keyword("package");
    p->name = type_name(false);
    p->semicolon = rune(';');
    return span(p, p->keyword, p->semicolon);
  }

  Block* block_header(std::string_view kw) {
    auto* b = arena_.make<Block>();
    b->keyword = keyword(kw);
    b->name = kw == "extend" ? type_name() : ident();
    b->open = rune('{');
    return b;
  }

  Block* block_close(Block* b) {
    b->close = rune('}');
    return span(b, b->keyword, b->close);
  }

  Block* message() {
    DepthGuard guard(this);
    Block* b = block_header("message");
    message_body(b->decls);
    return block_close(b);
  }

  void message_body(std::vector<Node*>& decls) {
    while (!is_rune('}')) {
      if (at_eof()) unexpected("'}'");
      if (is_rune(';')) {
        decls.push_back(empty_decl());
        continue;
      }
      if (is_kw("message")) {
        decls.push_back(message());
      } else if (is_kw("enum")) {
        decls.push_back(enum_decl());
      } else if (is_kw("extend")) {
        decls.push_back(extend());
      } else if (is_kw("extensions")) {
        decls.push_back(extension_range());
      } else if (is_kw("reserved")) {
        decls.push_back(reserved(false));
      } else if (is_kw("option")) {
        decls.push_back(option_decl());
      } else if (is_kw("oneof")) {
        decls.push_back(oneof());
      } else if (is_kw("map") && is_rune('<', 1)) {
        decls.push_back(map_field());
      } else if (is_ident() && is_label(text())) {
        Terminal* label = terminal(Kind::kIdent);
        decls.push_back(is_kw("group") ? static_cast<Node*>(group(label)) : field(label));
      } else if (is_kw("group")) {
        unexpected("a field label before \"group\"");
      } else {
        decls.push_back(field(nullptr));
      }
      extra_semicolons(decls);
    }
  }

  Field* field(Terminal* label) {
    auto* f = arena_.make<Field>();
    f->label = label;
    f->type = type_name();
    f->name = ident();
    f->equals = rune('=');
    f->tag = int_literal();
    if (is_rune('[')) f->options = compact_options();
    f->semicolon = rune(';');
    return span(f, label != nullptr ? static_cast<Node*>(label) : f->type, f->semicolon);
  }

  Group* group(Terminal* label) {
    DepthGuard guard(this);
    auto* g = arena_.make<Group>();
    g->label = label;
    g->keyword = keyword("group");
    g->name = ident();
    g->equals = rune('=');
    g->tag = int_literal();
    if (is_rune('[')) g->options = compact_options();
    g->open = rune('{');
    message_body(g->decls);
    g->close = rune('}');
    return span(g, label != nullptr ? label : g->keyword, g->close);
  }

  MapField* map_field() {
    auto* m = arena_.make<MapField>();
    auto* t = arena_.make<MapType>();
    t->keyword = keyword("map");
    t->open = rune('<');
    if (!is_ident() || !is_map_key_type(text())) unexpected("a map key type");
    t->key_type = terminal(Kind::kIdent);
    t->comma = rune(',');
    t->value_type = type_name();
    t->close = rune('>');
    m->type = span(t, t->keyword, t->close);
    m->name = ident();
    m->equals = rune('=');
    m->tag = int_literal();
    if (is_rune('[')) m->options = compact_options();
    m->semicolon = rune(';');
    return span(m, t, m->semicolon);
  }

  Block* oneof() {
    DepthGuard guard(this);
    Block* b = block_header("oneof");
    while (!is_rune('}')) {
      if (at_eof()) unexpected("'}'");
      if (is_kw("option")) {
        b->decls.push_back(option_decl());
      } else if (is_kw("group")) {
        b->decls.push_back(group(nullptr));
      } else if (is_ident() && is_label(text())) {
        unexpected("a oneof field (oneof fields take no label)");
      } else {
        b->decls.push_back(field(nullptr));
      }
    }
    return block_close(b);
  }

  Range* range(bool allow_negative) {
    auto* r = arena_.make<Range>();
    auto number = [&]() -> Node* {
      if (allow_negative && is_rune('-')) {
        auto* s = arena_.make<SignedNumber>();
        s->sign = terminal(Kind::kRune);
        s->value = int_literal();
        return span(s, s->sign, s->value);
      }
      return int_literal();
    };
    r->start = number();
    Node* last = r->start;
    if (is_kw("to")) {
      r->to = terminal(Kind::kIdent);
      if (is_kw("max")) {
        r->max = terminal(Kind::kIdent);
        last = r->max;
      } else {
        r->end = number();
        last = r->end;
      }
    }
    return span(r, r->start, last);
  }

  ExtensionRange* extension_range() {
    auto* e = arena_.make<ExtensionRange>();
    e->keyword = keyword("extensions");
    while (true) {
      e->ranges.push_back(range(false));
      if (!is_rune(',')) break;
      e->commas.push_back(terminal(Kind::kRune));
    }
    if (is_rune('[')) e->options = compact_options();
    e->semicolon = rune(';');
    return span(e, e->keyword, e->semicolon);
  }

  Reserved* reserved(bool in_enum) {
    auto* r = arena_.make<Reserved>();
    r->keyword = keyword("reserved");
    while (true) {  // buf accepts names and ranges in one statement; protoc does not
      if (tok().kind == TokenKind::kString) {
        r->elements.push_back(string_value());
      } else if (is_ident()) {
        r->elements.push_back(ident());
      } else {
        r->elements.push_back(range(in_enum));
      }
      if (!is_rune(',')) break;
      r->commas.push_back(terminal(Kind::kRune));
    }
    r->semicolon = rune(';');
    return span(r, r->keyword, r->semicolon);
  }

  Block* enum_decl() {
    DepthGuard guard(this);
    Block* b = block_header("enum");
    while (!is_rune('}')) {
      if (at_eof()) unexpected("'}'");
      if (is_rune(';')) {
        b->decls.push_back(empty_decl());
        continue;
      }
      if (is_kw("option")) {
        b->decls.push_back(option_decl());
      } else if (is_kw("reserved")) {
        b->decls.push_back(reserved(true));
      } else {
        b->decls.push_back(enum_value());
      }
      extra_semicolons(b->decls);
    }
    return block_close(b);
  }

  EnumValue* enum_value() {
    auto* v = arena_.make<EnumValue>();
    v->name = ident();
    v->equals = rune('=');
    if (is_rune('-')) {
      auto* s = arena_.make<SignedNumber>();
      s->sign = terminal(Kind::kRune);
      s->value = int_literal();
      v->number = span(s, s->sign, s->value);
    } else {
      v->number = int_literal();
    }
    if (is_rune('[')) v->options = compact_options();
    v->semicolon = rune(';');
    return span(v, v->name, v->semicolon);
  }

  Block* extend() {
    DepthGuard guard(this);
    Block* b = block_header("extend");
    while (!is_rune('}')) {
      if (at_eof()) unexpected("'}'");
      if (is_ident() && is_label(text())) {
        Terminal* label = terminal(Kind::kIdent);
        b->decls.push_back(is_kw("group") ? static_cast<Node*>(group(label)) : field(label));
      } else if (is_kw("group")) {
        unexpected("a field label before \"group\"");
      } else {
        b->decls.push_back(field(nullptr));
      }
    }
    return block_close(b);
  }

  Block* service() {
    DepthGuard guard(this);
    Block* b = block_header("service");
    while (!is_rune('}')) {
      if (at_eof()) unexpected("'}'");
      if (is_rune(';')) {
        b->decls.push_back(empty_decl());
        continue;
      }
      if (is_kw("option")) {
        b->decls.push_back(option_decl());
      } else if (is_kw("rpc")) {
        b->decls.push_back(rpc());
      } else {
        unexpected("\"rpc\" or \"option\"");
      }
      extra_semicolons(b->decls);
    }
    return block_close(b);
  }

  RpcType* rpc_type() {
    auto* t = arena_.make<RpcType>();
    t->open = rune('(');
    if (is_kw("stream")) {
      // `stream` starts a streaming type unless it is itself the (start of the) type name.
      bool name_continues =
          is_rune(')', 1) || (is_rune('.', 1) && tok(1).offset == tok().offset + tok().length);
      if (!name_continues) t->stream = terminal(Kind::kIdent);
    }
    t->type = type_name();
    t->close = rune(')');
    return span(t, t->open, t->close);
  }

  Rpc* rpc() {
    auto* r = arena_.make<Rpc>();
    r->keyword = keyword("rpc");
    r->name = ident();
    r->input = rpc_type();
    r->returns = keyword("returns");
    r->output = rpc_type();
    if (is_rune('{')) {
      r->open = terminal(Kind::kRune);
      while (!is_rune('}')) {
        if (at_eof()) unexpected("'}'");
        if (is_rune(';')) {
          r->decls.push_back(empty_decl());
          continue;
        }
        if (!is_kw("option")) unexpected("\"option\" or '}'");
        r->decls.push_back(option_decl());
        extra_semicolons(r->decls);
      }
      r->close = rune('}');
      return span(r, r->keyword, r->close);
    }
    r->semicolon = rune(';');
    return span(r, r->keyword, r->semicolon);
  }

  const LexedFile& f_;
  Arena& arena_;
  std::vector<std::uint32_t> sig_;  // indexes of the non-comment tokens
  std::size_t p_ = 0;
  int depth_ = 0;
};

}  // namespace

Status parse_proto(const LexedFile& file, const std::string& path, Arena& arena, FileNode* out) {
  try {
    Parser(file, arena).parse(out);
  } catch (const ParseFailure& failure) {
    return syntax_error(file, path, failure.offset, failure.message);
  }
  return Status::OK();
}

}  // namespace spoke::format
