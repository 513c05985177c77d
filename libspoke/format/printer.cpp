// A port of buf's formatter (bufbuild/buf, private/buf/bufformat/formatter.go): the same
// functions, in the same order, making the same decisions. Names follow the Go code
// (writeStart -> write_start, P -> line, ...) to keep the two easy to compare.
//
// buf 1.75 prints with protocompile's newer printer, which keeps formatter.go's layout but differs
// in the places marked "buf 1.75" below (file-level sorting and its detached comments, blank lines
// between declarations, comment spacing and placement); those follow buf 1.75's output, checked
// against buf itself, so that the output is byte for byte what `buf format` prints.
#include "format/printer.h"

#include <algorithm>
#include <functional>
#include <initializer_list>
#include <unordered_map>

#include "format/go_compat.h"

namespace spoke::format {

namespace {

constexpr std::uint32_t kNonAscii = 0xFFFD;

struct Info {
  CommentRange leading;
  CommentRange trailing;
  std::string_view leading_ws;
};

int newline_count(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

bool rune_in(std::string_view set, std::uint32_t r) {
  return r < 0x80 && set.find(static_cast<char>(r)) != std::string_view::npos;
}

bool starts_with(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (true) {
    std::size_t nl = s.find('\n', start);
    if (nl == std::string_view::npos) {
      lines.push_back(s.substr(start));
      return lines;
    }
    lines.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
}

// computeIndent: the width of the leading spaces and tabs (tabs to multiples of 8); false for a
// line that is only white space or "*/".
bool compute_indent(std::string_view s, int* indent) {
  if (go::trim_space(s) == "*/") return false;
  int n = 0;
  for (char c : s) {
    if (c == ' ') {
      ++n;
    } else if (c == '\t') {
      n += 8 - n % 8;
    } else {
      *indent = n;
      return true;
    }
  }
  return false;
}

std::string unindent(std::string_view s, int amount) {
  int pos = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (pos == amount) return std::string(s.substr(i));
    if (pos > amount)
      return std::string(static_cast<std::size_t>(pos - amount), ' ') + std::string(s.substr(i));
    if (s[i] == ' ') {
      ++pos;
    } else if (s[i] == '\t') {
      pos += 8 - pos % 8;
    } else {
      return std::string(s.substr(i));
    }
  }
  return "";
}

using ElementWriter = std::function<void()>;
enum class OpenWriter { kPrefix, kPrefixForArray };
enum class CloseWriter { kBodyEnd, kBodyEndInline };

class Printer {
 public:
  Printer(const LexedFile& file, std::string* out) : f_(file), out_(*out) {}

  Status run(const FileNode& file) {
    write_file(file);
    if (failed_) {
      return Status::Internal("the formatter unindented below zero", "format_internal");
    }
    return Status::OK();
  }

 private:
  // ---- output primitives ----------------------------------------------------------------------

  // P: writes `elem` indented (when it is not blank), then a newline, then applies the pending
  // indentation change.
  void line(std::string_view elem) {
    if (out_.empty() && elem.empty()) return;  // buf never starts a file with a blank line
    if (!go::trim_space(elem).empty()) {
      indent(nullptr);
      write_string(elem);
    }
    write_string("\n");
    if (pending_indent_ > 0) {
      in();
    } else if (pending_indent_ < 0) {
      out();
    }
    pending_indent_ = 0;
  }

  void space() { pending_space_ = true; }
  void in() { ++indent_; }
  void out() {
    if (indent_ <= 0) {
      failed_ = true;
      return;
    }
    --indent_;
  }

  void indent(const Node* next) {
    if (last_ != '\n') return;
    int n = indent_;
    if (next != nullptr && next->kind == Kind::kRune && n > 0 &&
        rune_in("}])>", static_cast<const Terminal*>(next)->rune)) {
      --n;
    }
    std::string spaces(static_cast<std::size_t>(n) * 2, ' ');
    write_string(spaces);
  }

  void write_string(std::string_view elem) {
    if (pending_space_) {
      pending_space_ = false;
      std::uint32_t first = kNonAscii;
      if (!elem.empty() && static_cast<unsigned char>(elem[0]) < 0x80) {
        first = static_cast<unsigned char>(elem[0]);
      }
      static constexpr std::string_view kPrev("\0 \t\n", 4);
      static constexpr std::string_view kPrevInline("\0 \t\n<[{(", 8);
      std::string_view prev_block = inline_ ? kPrevInline : kPrev;
      std::string_view next_block = inline_ ? "\n;,)]}>" : "\n;,";
      if (!rune_in(prev_block, last_) && !rune_in(next_block, first)) out_ += ' ';
    }
    if (elem.empty()) return;
    unsigned char last = static_cast<unsigned char>(elem.back());
    last_ = last < 0x80 ? last : kNonAscii;
    out_.append(elem);
  }

  // ---- node information ----------------------------------------------------------------------

  Info info(const Node* n) const {
    Info i;
    i.leading = f_.leading[n->first];
    auto it = overrides_.find(n);
    i.trailing = it != overrides_.end() ? it->second : f_.trailing[n->last];
    i.leading_ws = f_.whitespace_before(n->first);
    return i;
  }
  std::string_view comment_text(std::uint32_t c) const { return f_.token_text(f_.comments[c]); }
  std::string_view comment_ws(std::uint32_t c) const {
    return f_.whitespace_before(f_.comments[c]);
  }

  static bool is_close_rune(const Node* n) {
    return n->kind == Kind::kRune && rune_in(")]>}", static_cast<const Terminal*>(n)->rune);
  }

  static bool is_open_brace(const Node* n) {
    return n != nullptr && n->kind == Kind::kRune &&
           rune_in("{[<", static_cast<const Terminal*>(n)->rune);
  }

  bool has_interior_comments(std::initializer_list<const Node*> nodes) const {
    return has_interior_comments(std::vector<const Node*>(nodes));
  }
  bool has_interior_comments(const std::vector<const Node*>& nodes) const {
    for (std::size_t i = 0; i < nodes.size(); ++i) {
      Info in = info(nodes[i]);
      if (i > 0 && in.leading.count > 0) return true;
      if (i + 1 < nodes.size() && in.trailing.count > 0) return true;
    }
    return false;
  }
  template <typename T>
  bool has_interior_comments_of(const std::vector<T*>& children) const {
    return has_interior_comments(std::vector<const Node*>(children.begin(), children.end()));
  }

  bool node_has_comment(const Node* n) const {
    if (n == nullptr) return false;
    Info in = info(n);
    return in.leading.count > 0 || in.trailing.count > 0;
  }

  bool import_has_comment(const Import* imp) const {
    return node_has_comment(imp) || node_has_comment(imp->keyword) || node_has_comment(imp->name) ||
           node_has_comment(imp->semicolon) || node_has_comment(imp->modifier);
  }

  // The comments to print before a file-level declaration when sorting moved comments around.
  struct Leading {
    std::vector<std::uint32_t> comments;
    std::vector<int> newlines;       // newlines before each comment in the source
    int node_newlines = 0;           // newlines before the declaration's first token
    bool blank_before_node = false;  // detached comments end with a blank line, even when compact
  };
  const Leading* leading_for(const Node* n) const {
    return leading_ != nullptr && n->first == leading_token_ ? leading_ : nullptr;
  }

  // Whether the first thing printed for `n` (its first leading comment, or itself) is preceded by
  // a blank line in the source.
  bool first_gap_is_blank(const Node* n) const {
    if (const Leading* lead = leading_for(n); lead != nullptr) {
      return lead->comments.empty() ? lead->node_newlines > 1 : lead->newlines[0] > 1;
    }
    Info in = info(n);
    return newline_count(in.leading.count > 0 ? comment_ws(in.leading.first) : in.leading_ws) > 1;
  }

  // ---- file -----------------------------------------------------------------------------------

  // The comments before a file-level declaration, split at the last blank line: those before it
  // are detached (they stay where they are when the declaration is moved by sorting), the rest
  // are attached (they move with it).
  struct LeadingSplit {
    CommentRange detached;
    CommentRange attached;
  };
  LeadingSplit split_leading(const Node* n) const {
    Info in = info(n);
    std::uint32_t last_blank = UINT32_MAX;  // index of the gap before comment k (k == count: token)
    for (std::uint32_t k = 0; k <= in.leading.count; ++k) {
      std::string_view ws = k < in.leading.count ? comment_ws(in.leading.first + k) : in.leading_ws;
      if (newline_count(ws) > 1) last_blank = k;
    }
    LeadingSplit split;
    split.attached = in.leading;
    if (last_blank != UINT32_MAX) {
      split.detached = {in.leading.first, last_blank};
      split.attached = {in.leading.first + last_blank, in.leading.count - last_blank};
    }
    return split;
  }

  void write_file(const FileNode& file) {
    write_file_decls(file);
    if (file.eof != nullptr) write_multiline_comments(info(file.eof).leading);
    if (last_ != 0 && last_ != '\n') line("");
  }

  // The syntax declaration, then packages, imports (by their text), options (plain ones before
  // extensions, by name) and everything else in source order. A declaration that moves takes its
  // attached comments along; detached comments are printed in source order before the first
  // declaration printed from at or after their position.
  void write_file_decls(const FileNode& file) {
    enum Section { kPackage, kImport, kOption, kOther };
    struct Entry {
      std::size_t source;  // index in file.decls
      Section section;
      std::string key;
    };
    std::vector<Entry> entries;
    for (std::size_t i = 0; i < file.decls.size(); ++i) {
      const Node* d = file.decls[i];
      Entry e{i, kOther, ""};
      if (d->kind == Kind::kPackage) e.section = kPackage;
      if (d->kind == Kind::kImport) {
        e.section = kImport;
        const Node* name = static_cast<const Import*>(d)->name;
        const Token& first = f_.tokens[name->first];
        const Token& last = f_.tokens[name->last];
        e.key = std::string(f_.text.substr(first.offset, last.offset + last.length - first.offset));
      }
      if (d->kind == Kind::kOption) {
        e.section = kOption;
        const std::string& name = static_cast<const Option*>(d)->name->sort_key;
        e.key = (starts_with(name, "(") ? "1" : "0") + name;
      }
      entries.push_back(std::move(e));
    }
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      if (a.section != b.section) return a.section < b.section;
      return a.key < b.key;
    });
    if (file.syntax != nullptr) write_syntax(file.syntax);
    bool after_syntax = file.syntax != nullptr;  // nothing printed since the syntax declaration
    std::size_t flushed = 0;                     // slots [0, flushed) have been printed
    std::size_t imports = 0, options = 0;
    for (const Entry& e : entries) {
      const Node* d = file.decls[e.source];
      Leading lead;
      {
        // Detached comments of the declarations before this one in the source that were not
        // printed yet, then its own comments (all of them, or only the attached ones when its
        // slot was printed already).
        LeadingSplit own = split_leading(d);
        // Each block of detached comments ended with a blank line, so one follows it here too.
        auto add_detached = [&](CommentRange detached) {
          for (std::uint32_t k = 0; k < detached.count; ++k) {
            int n = newline_count(comment_ws(detached.first + k));
            if (k == 0 && !lead.comments.empty()) n = std::max(n, 2);
            lead.comments.push_back(detached.first + k);
            lead.newlines.push_back(n);
          }
        };
        for (std::size_t t = flushed; t < e.source; ++t) {
          add_detached(split_leading(file.decls[t]).detached);
        }
        Info in = info(d);
        if (e.source >= flushed) add_detached(own.detached);
        bool any_detached = !lead.comments.empty();
        for (std::uint32_t k = 0; k < own.attached.count; ++k) {
          int n = newline_count(comment_ws(own.attached.first + k));
          if (k == 0 && any_detached) n = std::max(n, 2);
          lead.comments.push_back(own.attached.first + k);
          lead.newlines.push_back(n);
        }
        lead.node_newlines = newline_count(in.leading_ws);
        if (own.attached.count == 0 && any_detached) {
          lead.node_newlines = std::max(lead.node_newlines, 2);
          lead.blank_before_node = true;
        }
        leading_ = &lead;
        leading_token_ = d->first;
      }
      if (e.source + 1 > flushed) flushed = e.source + 1;

      switch (e.section) {
        case kPackage:
          write_package(static_cast<const Package*>(d));
          break;
        case kImport:
          if (imports == 0 && previous_ != nullptr && !first_gap_is_blank(d)) {
            line("");
          }
          write_import(static_cast<const Import*>(d), imports > 0);
          ++imports;
          break;
        case kOption:
          if (options == 0 && previous_ != nullptr && !first_gap_is_blank(d)) {
            line("");
          }
          write_file_option(static_cast<const Option*>(d), options > 0);
          ++options;
          break;
        case kOther:
          // A blank line between the syntax declaration and a first definition right after it.
          if (d->kind != Kind::kEmptyDecl && after_syntax && previous_ != nullptr &&
              !first_gap_is_blank(d)) {
            line("");
          }
          write_node(d);
          break;
      }
      if (e.section != kOther || d->kind != Kind::kEmptyDecl) after_syntax = false;
      leading_ = nullptr;
    }
  }

  void write_syntax(const Syntax* s) {
    write_start(s->keyword);
    space();
    write_inline(s->equals);
    space();
    write_inline(s->value);
    write_line_end(s->semicolon);
  }

  void write_package(const Package* p) {
    write_start(p->keyword);
    space();
    write_inline(p->name);
    write_line_end(p->semicolon);
  }

  void write_import(const Import* imp, bool force_compact) {
    write_start_maybe_compact(imp->keyword, force_compact);
    space();
    if (imp->modifier != nullptr) {
      write_inline(imp->modifier);
      space();
    }
    write_inline(imp->name);
    write_line_end(imp->semicolon);
  }

  void write_file_option(const Option* o, bool force_compact) {
    write_start_maybe_compact(o->keyword, force_compact);
    space();
    write_node(o->name);
    space();
    write_inline(o->equals);
    if (o->value->kind == Kind::kCompoundString) {
      write_compound_string(static_cast<const CompoundString*>(o->value), true, true);
      write_line_end(o->semicolon);
      return;
    }
    space();
    write_inline(o->value);
    write_line_end(o->semicolon);
  }

  // ---- options --------------------------------------------------------------------------------

  void write_option(const Option* o) {
    write_option_prefix(o);
    const bool compound = o->value->kind == Kind::kCompoundString;
    if (o->semicolon != nullptr) {
      if (compound) {
        write_compound_string(static_cast<const CompoundString*>(o->value), true, true);
        write_line_end(o->semicolon);
        return;
      }
      write_inline(o->value);
      write_line_end(o->semicolon);
      return;
    }
    if (compound) {  // a compact option other than the last: its comma follows the string
      write_compound_string(static_cast<const CompoundString*>(o->value), true, true);
      return;
    }
    write_inline(o->value);
  }

  void write_last_compact_option(const Option* o) {
    write_option_prefix(o);
    write_line_end(o->value);
  }

  void write_option_prefix(const Option* o) {
    if (o->keyword != nullptr) {
      write_start(o->keyword);
      space();
      write_node(o->name);
    } else {
      write_start(o->name);
    }
    space();
    write_inline(o->equals);
    space();
  }

  void write_option_name(const OptionName* n) {
    for (std::size_t i = 0; i < n->parts.size(); ++i) {
      if (in_compact_options_ && i == 0) {
        const FieldReference* ref = n->parts[0];
        if (ref->open != nullptr) {
          write_node(ref->open);
          if (Info in = info(ref->open); in.trailing.count > 0) {
            inline_ = true;  // no space after the '('
            write_inline_comments(in.trailing);
            inline_ = false;
          }
          write_inline(ref->name);
        } else {
          write_node(ref->name);
          if (Info in = info(ref->name); in.trailing.count > 0)
            write_inline_comments(in.trailing, true);
        }
        if (ref->close != nullptr) write_inline(ref->close);
        continue;
      }
      if (i > 0) write_inline(n->dots[i - 1]);
      write_node(n->parts[i]);
    }
  }

  void write_compact_options(const CompactOptions* c) {
    in_compact_options_ = true;
    if (c->options.size() == 1 && !has_interior_comments({c->open, c->options[0]->name})) {
      const Option* o = c->options[0];
      write_inline(c->open);
      write_inline(o->name);
      space();
      write_inline(o->equals);
      if (o->value->kind == Kind::kCompoundString) {
        write_compound_string(static_cast<const CompoundString*>(o->value), false, true);
        write_inline(c->close);
        in_compact_options_ = false;
        return;
      }
      space();
      write_inline(o->value);
      write_inline(c->close);
      in_compact_options_ = false;
      return;
    }
    ElementWriter elements;
    if (!c->options.empty()) {
      elements = [this, c] {
        for (std::size_t i = 0; i < c->options.size(); ++i) {
          if (i + 1 == c->options.size()) {
            write_last_compact_option(c->options[i]);
            return;
          }
          write_node(c->options[i]);
          write_line_end(c->commas[i]);
        }
      };
    }
    write_composite_value_body(c->open, c->close, elements);
    in_compact_options_ = false;
  }

  // ---- declarations ---------------------------------------------------------------------------

  ElementWriter decls_writer(const std::vector<Node*>& decls) {
    if (decls.empty()) return nullptr;
    return [this, &decls] {
      for (const Node* d : decls) write_node(d);
    };
  }

  // writeMessage, writeEnum, writeExtend, writeService and writeOneOf, which are the same.
  void write_block(const Block* b) {
    ElementWriter elements = decls_writer(b->decls);
    write_start(b->keyword);
    space();
    write_inline(b->name);
    space();
    write_composite_type_body(b->open, b->close, elements);
  }

  void write_enum_value(const EnumValue* v) {
    write_start(v->name);
    space();
    write_inline(v->equals);
    space();
    write_inline(v->number);
    if (v->options != nullptr) {
      space();
      write_node(v->options);
    }
    write_line_end(v->semicolon);
  }

  void write_field(const Field* fd) {
    if (fd->label != nullptr) {
      write_start(fd->label);
      space();
      write_inline(fd->type);
    } else if (fd->type->kind == Kind::kCompoundIdent) {
      write_compound_ident_for_field_name(static_cast<const CompoundIdent*>(fd->type));
    } else {
      write_start(fd->type);
    }
    space();
    write_inline(fd->name);
    space();
    write_inline(fd->equals);
    space();
    write_inline(fd->tag);
    if (fd->options != nullptr) {
      space();
      write_node(fd->options);
    }
    write_line_end(fd->semicolon);
  }

  void write_map_field(const MapField* m) {
    write_node(m->type);
    space();
    write_inline(m->name);
    space();
    write_inline(m->equals);
    space();
    write_inline(m->tag);
    if (m->options != nullptr) {
      space();
      write_node(m->options);
    }
    write_line_end(m->semicolon);
  }

  void write_map_type(const MapType* t) {
    write_start(t->keyword);
    write_inline(t->open);
    write_inline(t->key_type);
    write_inline(t->comma);
    space();
    write_inline(t->value_type);
    write_inline(t->close);
  }

  void write_field_reference(const FieldReference* r) {
    if (r->open != nullptr) write_inline(r->open);
    write_inline(r->name);
    if (r->close != nullptr) write_inline(r->close);
  }

  void write_rpc(const Rpc* r) {
    ElementWriter elements = decls_writer(r->decls);
    write_start(r->keyword);
    space();
    write_inline(r->name);
    write_inline(r->input);
    space();
    write_inline(r->returns);
    space();
    write_inline(r->output);
    if (r->open == nullptr) {
      write_line_end(r->semicolon);
      return;
    }
    space();
    write_composite_type_body(r->open, r->close, elements);
  }

  // An empty statement prints nothing, but its comments stay, each on its own line.
  void write_empty_decl(const Node* n) {
    Info in = info(n);
    write_multiline_comments(in.leading);
    write_multiline_comments(in.trailing);
  }

  void write_rpc_type(const RpcType* t) {
    write_inline(t->open);
    // buf keeps a space the source has between '(' and a comment.
    const Node* next = t->stream != nullptr ? static_cast<const Node*>(t->stream) : t->type;
    if (Info in = info(next); in.leading.count > 0 && !comment_ws(in.leading.first).empty()) {
      write_string(" ");
    }
    if (t->stream != nullptr) {
      write_inline(t->stream);
      space();
    }
    write_inline(t->type);
    write_inline(t->close);
  }

  void write_group(const Group* g) {
    ElementWriter elements = decls_writer(g->decls);
    if (g->label != nullptr) {
      write_start(g->label);
      space();
      write_inline(g->keyword);
    } else {
      write_start(g->keyword);
    }
    space();
    write_inline(g->name);
    space();
    write_inline(g->equals);
    space();
    write_inline(g->tag);
    if (g->options != nullptr) {
      space();
      write_node(g->options);
    }
    space();
    write_composite_type_body(g->open, g->close, elements);
  }

  void write_extension_range(const ExtensionRange* e) {
    write_start(e->keyword);
    space();
    for (std::size_t i = 0; i < e->ranges.size(); ++i) {
      if (i > 0) {
        write_inline(e->commas[i - 1]);
        space();
      }
      write_node(e->ranges[i]);
    }
    if (e->options != nullptr) {
      space();
      write_node(e->options);
    }
    write_line_end(e->semicolon);
  }

  void write_reserved(const Reserved* r) {
    write_start(r->keyword);
    space();
    for (std::size_t i = 0; i < r->elements.size(); ++i) {
      if (i > 0) {
        write_inline(r->commas[i - 1]);
        space();
      }
      write_inline(r->elements[i]);
    }
    write_line_end(r->semicolon);
  }

  void write_range(const Range* r) {
    write_inline(r->start);
    if (r->to != nullptr) {
      space();
      write_inline(r->to);
    }
    if (r->end != nullptr) {
      space();
      write_inline(r->end);
    } else if (r->max != nullptr) {
      space();
      write_inline(r->max);
    }
  }

  // ---- values ---------------------------------------------------------------------------------

  static bool has_nested_message_or_array(const std::vector<Node*>& values) {
    for (const Node* v : values) {
      if (v->kind == Kind::kArrayLiteral || v->kind == Kind::kMessageLiteral) return true;
    }
    return false;
  }
  static bool has_nested_message_or_array(const MessageLiteral* m) {
    for (const MessageField* e : m->elements) {
      if (e->value->kind == Kind::kArrayLiteral || e->value->kind == Kind::kMessageLiteral) {
        return true;
      }
    }
    return false;
  }

  // The node whose trailing comments print a value's trailing comments: the value, or for a
  // composite value the token that ends it.
  static const Node* trailing_target(const Node* value) {
    switch (value->kind) {
      case Kind::kMessageLiteral:
        return static_cast<const MessageLiteral*>(value)->print_close;
      case Kind::kArrayLiteral:
        return static_cast<const ArrayLiteral*>(value)->close;
      case Kind::kCompoundString:
        return static_cast<const CompoundString*>(value)->parts.back();
      case Kind::kSignedNumber:
        return static_cast<const SignedNumber*>(value)->value;
      default:
        return value;
    }
  }

  void write_message_literal(const MessageLiteral* m) {
    if (maybe_write_compact_message_literal(m, false)) return;
    ElementWriter elements;
    if (!m->elements.empty()) elements = [this, m] { write_message_literal_elements(m); };
    write_body(m->print_open, m->print_close, elements, OpenWriter::kPrefix,
               CloseWriter::kBodyEndInline, true);
  }

  void write_message_literal_for_array(const MessageLiteral* m, bool last_element) {
    if (maybe_write_compact_message_literal(m, true)) {
      // The last element ends its line, so that the array's ']' gets one of its own.
      if (last_element) line("");
      return;
    }
    ElementWriter elements;
    if (!m->elements.empty()) elements = [this, m] { write_message_literal_elements(m); };
    write_body(m->print_open, m->print_close, elements, OpenWriter::kPrefixForArray,
               last_element ? CloseWriter::kBodyEnd : CloseWriter::kBodyEndInline, true);
  }

  bool maybe_write_compact_message_literal(const MessageLiteral* m, bool in_array) {
    if (m->elements.size() != 1 || has_interior_comments_of(m->children) ||
        has_nested_message_or_array(m)) {
      return false;
    }
    if (in_array) indent(m->print_open);
    write_inline(m->print_open);
    const MessageField* field = m->elements[0];
    write_inline(field->name);
    if (field->sep != nullptr) {
      write_inline(field->sep);
    } else {
      write_string(":");
    }
    space();
    if (m->seps[0] != nullptr) {
      CommentRange sep_trailing = info(m->seps[0]).trailing;
      if (sep_trailing.count > 0 && info(field->value).trailing.count == 0) {
        overrides_[trailing_target(field->value)] = sep_trailing;
      }
    }
    write_inline(field->value);
    write_inline(m->print_close);
    return true;
  }

  void write_message_literal_elements(const MessageLiteral* m) {
    for (std::size_t i = 0; i < m->elements.size(); ++i) {
      if (m->seps[i] != nullptr) {
        CommentRange sep_trailing = info(m->seps[i]).trailing;
        if (sep_trailing.count > 0 && info(m->elements[i]->value).trailing.count == 0) {
          overrides_[trailing_target(m->elements[i]->value)] = sep_trailing;
        }
      }
      write_node(m->elements[i]);
    }
  }

  void write_message_field(const MessageField* mf) {
    write_message_field_prefix(mf);
    if (mf->value->kind == Kind::kCompoundString) {
      write_compound_string(static_cast<const CompoundString*>(mf->value), true, false);
      return;
    }
    write_line_end(mf->value);
  }

  bool has_comment_between(const Node* open, const Node* close) const {
    for (std::uint32_t k = open->last + 1; k < close->first; ++k) {
      if (f_.tokens[k].is_comment()) return true;
    }
    return false;
  }

  void write_message_field_prefix(const MessageField* mf) {
    const FieldReference* ref = mf->name;
    if (ref->open != nullptr && has_comment_between(ref->open, ref->close)) {
      // An extension name with comments inside its brackets goes on lines of its own:
      //   [
      //     /* comment */
      //     foo.bar
      //   ]: value
      write_start_maybe_compact(ref->open, false, /*with_trailing=*/false);
      if (Info in = info(ref->open); in.trailing.count > 0) {
        write_trailing_end_comments(in.trailing);
      } else {
        line("");
      }
      const Node* first = ref->url_prefix != nullptr ? ref->url_prefix : ref->name;
      if (first->kind == Kind::kCompoundIdent) {
        write_compound_ident_for_field_name(static_cast<const CompoundIdent*>(first));
      } else {
        write_start(first);
      }
      if (ref->url_prefix != nullptr) {
        write_inline(ref->slash);
        write_inline(ref->name);
      }
      line("");
      write_body_end_inline(ref->close, false);
    } else if (ref->open != nullptr) {
      write_start(ref->open);
      if (ref->url_prefix != nullptr) {
        write_inline(ref->url_prefix);
        write_inline(ref->slash);
      }
      write_inline(ref->name);
      write_inline(ref->close);
    } else {
      write_start(ref->name);
    }
    if (mf->sep != nullptr) {
      write_inline(mf->sep);
    } else {
      write_string(":");
    }
    space();
  }

  void write_array_literal(const ArrayLiteral* a) {
    if (a->elements.size() == 1 && !has_interior_comments_of(a->children) &&
        !has_nested_message_or_array(a->elements)) {
      write_inline(a->open);
      write_inline(a->elements[0]);
      write_inline(a->close);
      return;
    }
    ElementWriter elements;
    if (!a->elements.empty()) {
      elements = [this, a] {
        for (std::size_t i = 0; i < a->elements.size(); ++i) {
          const bool last_element = i + 1 == a->elements.size();
          const Node* e = a->elements[i];
          if (!e->is_terminal()) {
            write_composite_value_for_array_literal(e, last_element);
            if (!last_element) write_line_end(a->commas[i]);
            continue;
          }
          if (last_element) {
            write_line_element(e);
            return;
          }
          write_start(e);
          write_line_end(a->commas[i]);
        }
      };
    }
    write_composite_value_body(a->open, a->close, elements);
  }

  void write_composite_value_for_array_literal(const Node* n, bool last_element) {
    switch (n->kind) {
      case Kind::kCompoundString:
        write_compound_string_for_array(static_cast<const CompoundString*>(n), last_element);
        break;
      case Kind::kSignedNumber:
        write_signed_number_for_array(static_cast<const SignedNumber*>(n), last_element);
        break;
      case Kind::kMessageLiteral:
        write_message_literal_for_array(static_cast<const MessageLiteral*>(n), last_element);
        break;
      default:
        write_node(n);
    }
  }

  void write_composite_type_body(const Terminal* open, const Terminal* close,
                                 const ElementWriter& elements) {
    write_body(open, close, elements, OpenWriter::kPrefix, CloseWriter::kBodyEnd);
  }

  void write_composite_value_body(const Terminal* open, const Terminal* close,
                                  const ElementWriter& elements) {
    write_body(open, close, elements, OpenWriter::kPrefix, CloseWriter::kBodyEndInline);
  }

  // `literal`: the body of a message literal, where buf 1.75 moves a comment after the '{' to the
  // first line inside.
  void write_body(const Terminal* open, const Terminal* close, const ElementWriter& elements,
                  OpenWriter open_writer, CloseWriter close_writer, bool literal = false) {
    auto write_close = [&](bool leading_inline) {
      if (close_writer == CloseWriter::kBodyEnd) {
        write_body_end(close, leading_inline);
      } else {
        write_body_end_inline(close, leading_inline);
      }
    };
    if (!elements && !has_interior_comments({open, close})) {
      if (open_writer == OpenWriter::kPrefixForArray) indent(open);
      write_inline(open);
      write_close(true);
      return;
    }
    // In a body without declarations, a comment after the '{' goes inside too.
    const bool inside = literal || !elements;
    if (open_writer == OpenWriter::kPrefix) {
      write_open_brace_prefix(open, inside);
    } else {
      write_open_brace_prefix_for_array(open, inside);
    }
    if (elements) elements();
    write_close(false);
  }

  void write_open_brace_prefix(const Terminal* open, bool comments_inside) {
    Info in = info(open);
    if (in.leading.count > 0) {
      write_inline_comments(in.leading);
      if (!in.leading_ws.empty()) space();
    }
    write_node(open);
    write_open_brace_trailing(open, in.trailing, comments_inside);
  }

  void write_open_brace_trailing(const Terminal* open, CommentRange trailing,
                                 bool comments_inside) {
    if (trailing.count > 0 && comments_inside) {
      line("");
      previous_ = open;
      write_multiline_comments(trailing);
    } else if (trailing.count > 0) {
      write_trailing_end_comments(trailing);
    } else {
      line("");
    }
    previous_ = open;
  }

  void write_open_brace_prefix_for_array(const Terminal* open, bool comments_inside) {
    Info in = info(open);
    if (in.leading.count > 0) write_multiline_comments(in.leading);
    indent(open);
    write_node(open);
    write_open_brace_trailing(open, in.trailing, comments_inside);
  }

  void write_compound_ident(const CompoundIdent* c) {
    if (c->leading_dot != nullptr) write_inline(c->leading_dot);
    for (std::size_t i = 0; i < c->components.size(); ++i) {
      if (i > 0) write_inline(c->dots[i - 1]);
      write_inline(c->components[i]);
    }
  }

  void write_compound_ident_for_field_name(const CompoundIdent* c) {
    if (c->leading_dot != nullptr) write_start(c->leading_dot);
    for (std::size_t i = 0; i < c->components.size(); ++i) {
      if (i == 0 && c->leading_dot == nullptr) {
        write_start(c->components[i]);
        continue;
      }
      if (i > 0) write_inline(c->dots[i - 1]);
      write_inline(c->components[i]);
    }
  }

  void write_compound_string(const CompoundString* c, bool needs_indent,
                             bool has_trailing_punctuation) {
    line("");
    if (needs_indent) in();
    for (std::size_t i = 0; i < c->parts.size(); ++i) {
      if (has_trailing_punctuation && i + 1 == c->parts.size()) {
        write_start_maybe_compact(c->parts[i], true);  // no blank line between the parts
        break;
      }
      write_line_element(c->parts[i]);
    }
    if (needs_indent) out();
  }

  void write_compound_string_for_array(const CompoundString* c, bool last_element) {
    for (std::size_t i = 0; i < c->parts.size(); ++i) {
      if (!last_element && i + 1 == c->parts.size()) {
        write_start(c->parts[i]);
        return;
      }
      write_line_element(c->parts[i]);
    }
  }

  void write_signed_number(const SignedNumber* s) {
    write_inline(s->sign);
    write_inline(s->value);
  }

  void write_signed_number_for_array(const SignedNumber* s, bool last_element) {
    write_start(s->sign);
    if (last_element) {
      write_line_end(s->value);
      return;
    }
    write_inline(s->value);
  }

  void write_rune(const Terminal* r) {
    if (rune_in("{[(<", r->rune)) {
      ++pending_indent_;
    } else if (rune_in("}])>", r->rune)) {
      --pending_indent_;
    }
    write_string(std::string_view(&r->rune, 1));
  }

  // ---- dispatch -------------------------------------------------------------------------------

  void write_node(const Node* n) {
    switch (n->kind) {
      case Kind::kRune:
        write_rune(static_cast<const Terminal*>(n));
        return;
      case Kind::kIdent:
      case Kind::kString:
      case Kind::kNumber:
        write_string(f_.token_text(n->first));
        return;
      case Kind::kCompoundIdent:
        write_compound_ident(static_cast<const CompoundIdent*>(n));
        return;
      case Kind::kCompoundString:
        write_compound_string(static_cast<const CompoundString*>(n), true, false);
        return;
      case Kind::kSignedNumber:
        write_signed_number(static_cast<const SignedNumber*>(n));
        return;
      case Kind::kArrayLiteral:
        write_array_literal(static_cast<const ArrayLiteral*>(n));
        return;
      case Kind::kMessageLiteral:
        write_message_literal(static_cast<const MessageLiteral*>(n));
        return;
      case Kind::kMessageField:
        write_message_field(static_cast<const MessageField*>(n));
        return;
      case Kind::kFieldReference:
        write_field_reference(static_cast<const FieldReference*>(n));
        return;
      case Kind::kOptionName:
        write_option_name(static_cast<const OptionName*>(n));
        return;
      case Kind::kOption:
        write_option(static_cast<const Option*>(n));
        return;
      case Kind::kCompactOptions:
        write_compact_options(static_cast<const CompactOptions*>(n));
        return;
      case Kind::kSyntax:
        write_syntax(static_cast<const Syntax*>(n));
        return;
      case Kind::kPackage:
        write_package(static_cast<const Package*>(n));
        return;
      case Kind::kImport:
        write_import(static_cast<const Import*>(n), false);
        return;
      case Kind::kBlock:
        write_block(static_cast<const Block*>(n));
        return;
      case Kind::kField:
        write_field(static_cast<const Field*>(n));
        return;
      case Kind::kMapType:
        write_map_type(static_cast<const MapType*>(n));
        return;
      case Kind::kMapField:
        write_map_field(static_cast<const MapField*>(n));
        return;
      case Kind::kGroup:
        write_group(static_cast<const Group*>(n));
        return;
      case Kind::kExtensionRange:
        write_extension_range(static_cast<const ExtensionRange*>(n));
        return;
      case Kind::kRange:
        write_range(static_cast<const Range*>(n));
        return;
      case Kind::kReserved:
        write_reserved(static_cast<const Reserved*>(n));
        return;
      case Kind::kEnumValue:
        write_enum_value(static_cast<const EnumValue*>(n));
        return;
      case Kind::kRpc:
        write_rpc(static_cast<const Rpc*>(n));
        return;
      case Kind::kRpcType:
        write_rpc_type(static_cast<const RpcType*>(n));
        return;
      case Kind::kEmptyDecl:
        write_empty_decl(n);
        return;
    }
  }

  // ---- placement of a node and its comments ---------------------------------------------------

  void write_start(const Node* n) { write_start_maybe_compact(n, false); }

  void write_start_maybe_compact(const Node* n, bool force_compact, bool with_trailing = true) {
    Info in = info(n);
    const Leading* lead = leading_for(n);
    leading_ = nullptr;
    int node_newlines = lead != nullptr ? lead->node_newlines : newline_count(in.leading_ws);
    bool compact = force_compact || is_open_brace(previous_);
    if (lead != nullptr ? !lead->comments.empty() : in.leading.count > 0) {
      if (lead != nullptr) {
        write_multiline_comment_list(*lead, force_compact);
      } else {
        write_multiline_comments_maybe_compact(in.leading, force_compact);
      }
      if ((!force_compact && node_newlines > 1) || (lead != nullptr && lead->blank_before_node)) {
        line("");
      }
    } else if (!compact && node_newlines > 1) {
      line("");
    }
    indent(n);
    write_node(n);
    // An option name has printed the comments after its last part already.
    if (with_trailing && in.trailing.count > 0 && n->kind != Kind::kOptionName) {
      write_inline_comments(in.trailing, true);
    }
    previous_ = n;
  }

  void write_inline(const Node* n) {
    inline_ = true;
    if (!n->is_terminal()) {
      write_node(n);
      inline_ = false;
      return;
    }
    Info in = info(n);
    if (in.leading.count > 0) {
      // When the token follows a space, buf 1.75 also puts one between the comments and it.
      const bool spaced = pending_space_;
      write_inline_comments(in.leading, is_close_rune(n));
      if (spaced || !in.leading_ws.empty()) space();
    }
    write_node(n);
    write_inline_comments(in.trailing, true);
    previous_ = n;
    inline_ = false;
  }

  void write_body_end(const Node* n, bool leading_endline) {
    if (!n->is_terminal()) {
      write_node(n);
      if (last_ != '\n') line("");
      return;
    }
    Info in = info(n);
    if (leading_endline) {
      if (in.leading.count > 0) {
        write_inline_comments(in.leading);
        if (!in.leading_ws.empty()) space();
      }
    } else {
      write_close_comments(n);
      indent(n);
    }
    write_node(n);
    write_trailing_end_comments(in.trailing);
    previous_ = n;
  }

  // The comments before the '}' of a body. As in buf 1.75, those before the last blank line of
  // that run are printed one per line without blank lines; the rest keep theirs.
  void write_close_comments(const Node* close) {
    Info in = info(close);
    std::uint32_t split = 0;  // comments [0, split) lose their blank lines
    for (std::uint32_t k = 0; k <= in.leading.count; ++k) {
      std::string_view ws = k < in.leading.count ? comment_ws(in.leading.first + k) : in.leading_ws;
      if (newline_count(ws) > 1) split = k;
    }
    bool compact = is_open_brace(previous_);
    for (std::uint32_t k = 0; k < in.leading.count; ++k) {
      std::uint32_t c = in.leading.first + k;
      if (!compact && k >= split && newline_count(comment_ws(c)) > 1) line("");
      compact = false;
      write_comment(comment_text(c));
      write_string("\n");
    }
  }

  void write_line_element(const Node* n) { write_body_end(n, false); }

  void write_body_end_inline(const Node* n, bool leading_inline) {
    if (!n->is_terminal()) {
      write_node(n);
      return;
    }
    Info in = info(n);
    if (leading_inline) {
      if (in.leading.count > 0) {
        write_inline_comments(in.leading);
        if (!in.leading_ws.empty()) space();
      }
    } else {
      write_multiline_comments(in.leading);
      indent(n);
    }
    write_node(n);
    if (in.trailing.count > 0) write_inline_comments(in.trailing, true);
    previous_ = n;
  }

  void write_line_end(const Node* n) {
    if (!n->is_terminal()) {
      write_node(n);
      if (last_ != '\n') line("");
      return;
    }
    Info in = info(n);
    if (in.leading.count > 0) {
      // buf 1.75 separates comments from what precedes a ';' or ',' and glues them to it.
      const bool punctuation =
          n->kind == Kind::kRune && rune_in(";,", static_cast<const Terminal*>(n)->rune);
      write_inline_comments(in.leading, punctuation);
      if (!punctuation && !in.leading_ws.empty()) space();
    }
    write_node(n);
    space();
    write_trailing_end_comments(in.trailing);
    previous_ = n;
  }

  // ---- comments -------------------------------------------------------------------------------

  void write_multiline_comments(CommentRange comments) {
    write_multiline_comments_maybe_compact(comments, false);
  }

  void write_multiline_comments_maybe_compact(CommentRange comments, bool force_compact) {
    bool compact = force_compact || is_open_brace(previous_);
    for (std::uint32_t k = 0; k < comments.count; ++k) {
      std::uint32_t c = comments.first + k;
      if (!compact && newline_count(comment_ws(c)) > 1) line("");
      compact = false;
      write_comment(comment_text(c));
      write_string("\n");
    }
  }

  void write_multiline_comment_list(const Leading& lead, bool force_compact) {
    bool compact = force_compact || is_open_brace(previous_);
    for (std::size_t k = 0; k < lead.comments.size(); ++k) {
      if (!compact && lead.newlines[k] > 1) line("");
      compact = false;
      write_comment(comment_text(lead.comments[k]));
      write_string("\n");
    }
  }

  // `space_before` puts a space before the first comment even when the source has none (buf does
  // before a comment that ends a bracketed list: `int32 /* c */>`).
  void write_inline_comments(CommentRange comments, bool space_before = false) {
    for (std::uint32_t k = 0; k < comments.count; ++k) {
      std::uint32_t c = comments.first + k;
      if (k > 0 || space_before || !comment_ws(c).empty() || last_ == ';' || last_ == '}') {
        space();
      }
      std::string_view raw = comment_text(c);
      std::string text;
      if (starts_with(raw, "//")) {
        text = "/* ";
        text += go::trim_space(raw.substr(2));
        text += " */";
      } else if (raw.find('\n') != std::string_view::npos) {
        write_inline_block_comment(raw);
        continue;
      } else {
        text = go::trim_space(raw);
      }
      write_string(text);
    }
  }

  // A block comment of several lines in the middle of a line keeps its lines, as buf 1.75 prints
  // it: the first where it is, the others at the indentation of the line it starts on, with a
  // common '*'-like prefix aligned (" * x", " */") or else re-indented by three spaces.
  void write_inline_block_comment(std::string_view raw) {
    std::vector<std::string_view> lines = split_lines(raw);
    auto trim_left = [](std::string_view v) {
      std::size_t i = v.find_first_not_of(" \t");
      return i == std::string_view::npos ? std::string_view() : v.substr(i);
    };
    auto trim_right = [](std::string_view v) {
      std::size_t i = v.find_last_not_of(" \t");
      return i == std::string_view::npos ? std::string_view() : v.substr(0, i + 1);
    };
    std::string_view last_trimmed = trim_left(lines.back());
    const bool standalone_close = trim_right(last_trimmed) == "*/";
    int min_indent = -1;
    char prefix = 0;
    bool prefix_set = false;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      std::string_view trimmed = trim_left(lines[i]);
      if (trimmed.empty() || trimmed == "*/") continue;
      int n = 0;
      for (char c : lines[i]) {
        if (c == ' ') {
          ++n;
        } else if (c == '\t') {
          n += 8 - n % 8;
        } else {
          break;
        }
      }
      if (min_indent < 0 || n < min_indent) min_indent = n;
      const unsigned char ch = static_cast<unsigned char>(trimmed[0]);
      const bool is_prefix =
          !((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9'));
      if (is_prefix && !prefix_set) {
        prefix = static_cast<char>(ch);
        prefix_set = true;
      } else if (!is_prefix || static_cast<char>(ch) != prefix) {
        prefix = 0;
      }
    }
    if (min_indent < 0) min_indent = 0;
    // The indentation of the line being written.
    std::size_t line_start = out_.rfind('\n');
    line_start = line_start == std::string::npos ? 0 : line_start + 1;
    std::size_t width = 0;
    while (line_start + width < out_.size() && out_[line_start + width] == ' ') ++width;
    const std::string margin(width, ' ');

    write_string(trim_right(lines[0]));
    const std::size_t end = standalone_close ? lines.size() - 1 : lines.size();
    for (std::size_t i = 1; i < end; ++i) {
      out_ += '\n';
      std::string_view trimmed = trim_left(lines[i]);
      if (trimmed.empty()) continue;
      if (prefix != 0) {
        out_.append(margin).append(" ").append(trim_right(trimmed));
      } else {
        std::string text = std::string(trim_right(unindent(lines[i], min_indent)));
        if (text.empty()) continue;
        out_.append(margin).append("   ").append(text);
      }
    }
    if (standalone_close) {
      out_ += '\n';
      out_ += margin + (prefix == '*' ? " */" : "*/");
    }
    last_ = '/';
  }

  void write_trailing_end_comments(CommentRange comments) {
    // After a '{', the lines of a block comment stay at the brace's indentation; the body's
    // starts after the comment.
    const int opened = pending_indent_ > 0 ? pending_indent_ : 0;
    pending_indent_ -= opened;
    for (std::uint32_t k = 0; k < comments.count; ++k) {
      std::uint32_t c = comments.first + k;
      space();  // buf 1.75 always separates a trailing comment from its token
      write_comment(comment_text(c));
    }
    pending_indent_ += opened;
    line("");
  }

  void write_comment(std::string_view comment) {
    if (!(starts_with(comment, "/*") && newline_count(comment) > 0)) {
      indent(nullptr);
      write_string(go::trim_space(comment));
      return;
    }
    std::vector<std::string_view> lines = split_lines(comment);
    int min_indent = -1;
    std::string_view prefix;
    for (std::size_t i = 1; i < lines.size(); ++i) {
      int n = 0;
      if (compute_indent(lines[i], &n) && (min_indent == -1 || n < min_indent)) min_indent = n;
      if (i > 1 && prefix.empty()) continue;
      std::string_view trimmed = go::trim_space(lines[i]);
      if (trimmed == "*/") continue;
      std::string_view line_prefix;
      if (!trimmed.empty() &&
          !go::is_latin1_letter_or_number(static_cast<unsigned char>(trimmed[0]))) {
        line_prefix = trimmed.substr(0, 1);
      }
      if (i == 1) {
        prefix = line_prefix;
      } else if (line_prefix != prefix) {
        prefix = std::string_view();
      }
    }
    if (min_indent < 0) min_indent = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      std::string_view trimmed = go::trim_space(lines[i]);
      std::string text;
      if (trimmed.empty() || trimmed == "*/" || !prefix.empty()) {
        text = trimmed;
      } else {
        text = unindent(lines[i], min_indent);
        text.resize(go::trim_right_space(text).size());
      }
      if (i > 0 && text != "*/") text.insert(0, prefix.empty() ? "   " : " ");
      if (text == "*/" && prefix == "*") text.insert(0, " ");
      if (i + 1 != lines.size()) {
        line(text);
      } else {
        indent(nullptr);
        write_string(text);
      }
    }
  }

  const LexedFile& f_;
  std::string& out_;
  int indent_ = 0;
  std::uint32_t last_ = 0;  // the last character written (kNonAscii for any non-ASCII one)
  const Node* previous_ = nullptr;
  bool pending_space_ = false;
  bool in_compact_options_ = false;
  int pending_indent_ = 0;
  bool inline_ = false;
  bool failed_ = false;
  const Leading* leading_ = nullptr;  // replaces the leading comments of...
  std::uint32_t leading_token_ = 0;   // ...the node starting at this token
  // Trailing comments moved from a dropped separator to the value before it.
  std::unordered_map<const Node*, CommentRange> overrides_;
};

}  // namespace

Status print_proto(const LexedFile& file, const FileNode& tree, std::string* out) {
  out->clear();
  out->reserve(file.text.size() + file.text.size() / 8 + 64);
  return Printer(file, out).run(tree);
}

}  // namespace spoke::format
