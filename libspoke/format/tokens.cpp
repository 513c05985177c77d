#include "format/tokens.h"

#include <fmt/format.h>

#include <cstring>

namespace spoke::format {

namespace {

bool is_ident_start(unsigned char c) {
  return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool is_ident_char(unsigned char c) { return is_ident_start(c) || (c >= '0' && c <= '9'); }
bool is_digit(unsigned char c) { return c >= '0' && c <= '9'; }
bool is_hex(unsigned char c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
bool is_octal(unsigned char c) { return c >= '0' && c <= '7'; }

// What Go's strconv.ParseFloat accepts for a decimal literal without sign: digits with an
// optional fraction and exponent, at least one digit in the mantissa.
bool valid_decimal_float(std::string_view s) {
  std::size_t i = 0;
  std::size_t mantissa_digits = 0;
  while (i < s.size() && is_digit(s[i])) ++i, ++mantissa_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && is_digit(s[i])) ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    std::size_t exp_digits = 0;
    while (i < s.size() && is_digit(s[i])) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  return i == s.size();
}

// True when the digits (all valid in `base`) do not fit in 64 bits.
bool overflows_u64(std::string_view digits, unsigned base) {
  unsigned __int128 v = 0;
  for (char c : digits) {
    unsigned d = is_digit(c) ? c - '0' : (c | 0x20) - 'a' + 10;
    v = v * base + d;
    if (v > UINT64_MAX) return true;
  }
  return false;
}

class Lexer {
 public:
  Lexer(std::string_view text, const std::string& path, LexedFile* out)
      : text_(text), path_(path), out_(out) {}

  Status run() {
    out_->text = text_;
    out_->tokens.reserve(text_.size() / 4 + 8);
    while (true) {
      if (pos_ >= text_.size()) {
        add_significant(static_cast<std::uint32_t>(text_.size()), 0, TokenKind::kEof);
        break;
      }
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '\n') {
        ++line_;
        ++pos_;
        continue;
      }
      if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
        ++pos_;
        continue;
      }
      std::uint32_t start = static_cast<std::uint32_t>(pos_);
      if (c == '.' && pos_ + 1 < text_.size() && is_digit(text_[pos_ + 1])) {
        SPOKE_RETURN_IF_ERROR(number(start));
        continue;
      }
      if (is_ident_start(c)) {
        while (pos_ < text_.size() && is_ident_char(text_[pos_])) ++pos_;
        add_significant(start, pos_ - start, TokenKind::kIdent);
        continue;
      }
      if (is_digit(c)) {
        SPOKE_RETURN_IF_ERROR(number(start));
        continue;
      }
      if (c == '"' || c == '\'') {
        SPOKE_RETURN_IF_ERROR(string_literal(start));
        continue;
      }
      if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '/') {
        std::size_t end = pos_ + 2;
        while (end < text_.size() && text_[end] != '\n') {
          if (text_[end] == '\0') return error(end, "invalid control character");
          ++end;
        }
        add_comment(start, end - start, TokenKind::kLineComment, line_);
        pos_ = end;
        continue;
      }
      if (c == '/' && pos_ + 1 < text_.size() && text_[pos_ + 1] == '*') {
        std::uint32_t first_line = line_;
        std::size_t i = pos_ + 2;
        bool closed = false;
        while (i < text_.size()) {
          char ch = text_[i];
          if (ch == '\0') return error(i, "invalid control character");
          if (ch == '\n') ++line_;
          if (ch == '*' && i + 1 < text_.size() && text_[i + 1] == '/') {
            i += 2;
            closed = true;
            break;
          }
          ++i;
        }
        if (!closed) return error(start, "block comment never terminates, unexpected EOF");
        pos_ = i;
        add_comment(start, pos_ - start, TokenKind::kBlockComment, first_line);
        continue;
      }
      if (c < 32 || c == 127) return error(pos_, "invalid control character");
      if (c >= 128 || std::strchr(";,.:=-+(){}[]<>/", c) == nullptr) {
        return error(pos_, "invalid character");
      }
      ++pos_;
      add_significant(start, 1, TokenKind::kRune);
    }
    out_->leading.resize(out_->tokens.size());
    out_->trailing.resize(out_->tokens.size());
    for (const auto& [comment, owner] : attributed_) {
      CommentRange& r = comment < owner ? out_->leading[owner] : out_->trailing[owner];
      if (r.count == 0) r.first = static_cast<std::uint32_t>(out_->comments.size());
      ++r.count;
      out_->comments.push_back(comment);
    }
    return Status::OK();
  }

 private:
  Status error(std::size_t offset, const std::string& message) {
    return syntax_error(*out_, path_, static_cast<std::uint32_t>(offset), message);
  }

  // Reads a number token the way protocompile does (greedily: digits, letters, '.', '_', and a
  // sign right after an exponent letter), then checks it.
  Status number(std::uint32_t start) {
    bool allow_sign = false;
    ++pos_;
    if (text_[start] == 'e' || text_[start] == 'E') allow_sign = true;
    while (pos_ < text_.size()) {
      unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if ((c == '-' || c == '+') && !allow_sign) break;
      allow_sign = false;
      if (c != '.' && c != '_' && !is_ident_char(c) && c != '-' && c != '+') break;
      if (c == 'e' || c == 'E') allow_sign = true;
      ++pos_;
    }
    std::string_view tok = text_.substr(start, pos_ - start);
    if (tok.size() > 1 && tok[0] == '0' && (tok[1] == 'x' || tok[1] == 'X')) {
      std::string_view digits = tok.substr(2);
      bool ok = !digits.empty();
      for (char ch : digits) ok = ok && is_hex(ch);
      if (!ok)
        return error(start, fmt::format("invalid syntax in hexadecimal integer value: {}", digits));
      if (overflows_u64(digits, 16)) {
        return error(start, fmt::format("value out of range for hexadecimal integer: {}", digits));
      }
      add_significant(start, pos_ - start, TokenKind::kInt);
      return Status::OK();
    }
    if (tok.find_first_of(".eE") != std::string_view::npos) {
      if (!valid_decimal_float(tok)) {
        return error(start, fmt::format("invalid syntax in float value: {}", tok));
      }
      add_significant(start, pos_ - start, TokenKind::kFloat);
      return Status::OK();
    }
    bool octal = tok[0] == '0';
    for (char ch : tok) {
      if (!(octal ? is_octal(ch) : is_digit(ch))) {
        return error(start, fmt::format("invalid syntax in {} value: {}",
                                        octal ? "octal integer" : "integer", tok));
      }
    }
    if (overflows_u64(tok, octal ? 8 : 10)) {
      if (octal) return error(start, fmt::format("value out of range for octal integer: {}", tok));
      add_significant(start, pos_ - start, TokenKind::kFloat);  // too big for an int: a float
      return Status::OK();
    }
    add_significant(start, pos_ - start, TokenKind::kInt);
    return Status::OK();
  }

  // A quoted string, checked escape by escape as protocompile's lexer checks it.
  Status string_literal(std::uint32_t start) {
    char quote = text_[pos_++];
    auto at_end = [&] { return pos_ >= text_.size(); };
    while (true) {
      if (at_end()) return error(start, "unexpected EOF");
      char c = text_[pos_++];
      if (c == '\n') return error(start, "encountered end-of-line before end of string literal");
      if (c == quote) break;
      if (c == '\0') return error(pos_ - 1, "null character ('\\0') not allowed in string literal");
      if (c != '\\') continue;
      std::size_t esc = pos_ - 1;
      if (at_end()) return error(start, "unexpected EOF");
      c = text_[pos_++];
      if (c == 'x' || c == 'X') {
        if (at_end()) return error(start, "unexpected EOF");
        if (!is_hex(text_[pos_])) return error(esc, "invalid hex escape");
        ++pos_;
        if (at_end()) return error(start, "unexpected EOF");
        if (is_hex(text_[pos_])) ++pos_;
      } else if (is_octal(c)) {
        int value = c - '0';
        for (int k = 0; k < 2; ++k) {
          if (at_end()) return error(start, "unexpected EOF");
          if (!is_octal(text_[pos_])) break;
          value = value * 8 + (text_[pos_++] - '0');
        }
        if (value > 0xff) {
          return error(esc, "octal escape is out range, must be between 0 and 377");
        }
      } else if (c == 'u' || c == 'U') {
        int want = c == 'u' ? 4 : 8;
        std::uint64_t value = 0;
        for (int k = 0; k < want; ++k) {
          if (at_end()) return error(start, "unexpected EOF");
          char h = text_[pos_];
          if (h == quote || h == '\\' || !is_hex(h)) return error(esc, "invalid unicode escape");
          value = value * 16 + (is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          ++pos_;
        }
        if (value > 0x10ffff) {
          return error(esc, "unicode escape is out of range, must be between 0 and 0x10ffff");
        }
      } else if (std::strchr("abfnrtv\\'\"?", c) == nullptr || c == '\0') {
        return error(esc, "invalid escape sequence");
      }
    }
    add_significant(start, pos_ - start, TokenKind::kString);
    return Status::OK();
  }

  std::uint32_t add(std::uint32_t offset, std::size_t length, TokenKind kind,
                    std::uint32_t start_line) {
    Token t;
    t.offset = offset;
    t.length = static_cast<std::uint32_t>(length);
    t.kind = kind;
    t.start_line = start_line;
    t.end_line = line_;
    out_->tokens.push_back(t);
    return static_cast<std::uint32_t>(out_->tokens.size() - 1);
  }

  void add_comment(std::uint32_t offset, std::size_t length, TokenKind kind,
                   std::uint32_t start_line) {
    pending_.push_back(add(offset, length, kind, start_line));
  }

  // protocompile's setPrevAndAddComments: the first pending comment becomes a trailing comment of
  // the previous token when it starts on that token's line, the new token is on a later line,
  // and it is a line comment, or one of several comments, or a block comment that ends before
  // the new token's line. All other pending comments lead the new token.
  //
  // buf 1.75 goes further after the ';' ending a statement: every comment that starts on its line
  // trails it, whatever follows on that line (unless the '}' closing the block follows the
  // comments on their last line).
  void add_significant(std::uint32_t offset, std::size_t length, TokenKind kind) {
    std::uint32_t n = add(offset, length, kind, line_);
    std::size_t first = 0;
    if (prev_ >= 0 && !pending_.empty()) {
      const auto& tokens = out_->tokens;
      const Token& p = tokens[prev_];
      std::uint32_t prev_end = p.end_line;
      std::uint32_t n_start = tokens[n].start_line;
      if (n_start == prev_end && kind == TokenKind::kEof) ++n_start;
      const Token& c = tokens[pending_[0]];
      const bool closes_on_same_line = kind == TokenKind::kRune && text_[offset] == '}' &&
                                       tokens[n].start_line == tokens[pending_.back()].end_line;
      const bool ends_statement =
          p.kind == TokenKind::kRune && text_[p.offset] == ';' && !closes_on_same_line;
      if (ends_statement && c.start_line == prev_end) {
        while (first < pending_.size() && tokens[pending_[first]].start_line == prev_end) {
          attributed_.emplace_back(pending_[first], static_cast<std::uint32_t>(prev_));
          ++first;
        }
      } else if (n_start > prev_end && c.start_line == prev_end) {
        bool can_donate =
            c.kind == TokenKind::kLineComment || pending_.size() > 1 || c.end_line < n_start;
        if (can_donate) {
          attributed_.emplace_back(pending_[0], static_cast<std::uint32_t>(prev_));
          first = 1;
        }
      }
    }
    for (std::size_t i = first; i < pending_.size(); ++i) attributed_.emplace_back(pending_[i], n);
    pending_.clear();
    prev_ = static_cast<std::int64_t>(n);
  }

  std::string_view text_;
  const std::string& path_;
  LexedFile* out_;
  std::size_t pos_ = 0;
  std::uint32_t line_ = 1;
  std::int64_t prev_ = -1;
  std::vector<std::uint32_t> pending_;
  std::vector<std::pair<std::uint32_t, std::uint32_t>> attributed_;  // (comment, owner)
};

void append_utf8(std::string& out, std::uint32_t r) {
  if (r >= 0xD800 && r <= 0xDFFF) r = 0xFFFD;  // Go writes surrogates as U+FFFD
  if (r < 0x80) {
    out += static_cast<char>(r);
  } else if (r < 0x800) {
    out += static_cast<char>(0xC0 | (r >> 6));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else if (r < 0x10000) {
    out += static_cast<char>(0xE0 | (r >> 12));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (r >> 18));
    out += static_cast<char>(0x80 | ((r >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((r >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (r & 0x3F));
  }
}

int hex_value(char h) { return is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10; }

}  // namespace

void LexedFile::position(std::uint32_t offset, int* line, int* column) const {
  int l = 1;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++l;
      line_start = i + 1;
    }
  }
  int col = 0;
  for (std::size_t i = line_start; i < offset && i < text.size(); ++i) {
    col = text[i] == '\t' ? col + 8 - col % 8 : col + 1;
  }
  *line = l;
  *column = col + 1;
}

Status syntax_error(const LexedFile& file, const std::string& path, std::uint32_t offset,
                    const std::string& message) {
  Diagnostic d;
  d.file = path;
  file.position(offset, &d.line, &d.column);
  d.message = message;
  std::string where = fmt::format("{}:{}:{}", path.empty() ? "<input>" : path, d.line, d.column);
  return Status::InvalidArgument(where + ": " + message, reason::kProtoSyntaxError)
      .with_diagnostics({std::move(d)});
}

Status lex_proto(std::string_view content, const std::string& path, LexedFile* out) {
  if (content.size() >= 3 && static_cast<unsigned char>(content[0]) == 0xEF &&
      static_cast<unsigned char>(content[1]) == 0xBB &&
      static_cast<unsigned char>(content[2]) == 0xBF) {
    content.remove_prefix(3);
  }
  if (content.size() >= UINT32_MAX) {
    return Status::TooLarge("a .proto file must be smaller than 4 GiB", "proto_too_large");
  }
  out->text = content;
  return Lexer(content, path, out).run();
}

std::string decode_string_literal(std::string_view token) {
  std::string out;
  if (token.size() < 2) return out;
  std::string_view s = token.substr(1, token.size() - 2);
  for (std::size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c != '\\' || i + 1 >= s.size()) {
      out += c;
      continue;
    }
    c = s[++i];
    switch (c) {
      case 'x':
      case 'X': {
        int v = hex_value(s[++i]);
        if (i + 1 < s.size() && is_hex(s[i + 1])) v = v * 16 + hex_value(s[++i]);
        out += static_cast<char>(v);
        break;
      }
      case 'u':
      case 'U': {
        int n = c == 'u' ? 4 : 8;
        std::uint32_t v = 0;
        for (int k = 0; k < n && i + 1 < s.size(); ++k) v = v * 16 + hex_value(s[++i]);
        append_utf8(out, v);
        break;
      }
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'n':
        out += '\n';
        break;
      case 'r':
        out += '\r';
        break;
      case 't':
        out += '\t';
        break;
      case 'v':
        out += '\v';
        break;
      default:
        if (is_octal(c)) {
          int v = c - '0';
          for (int k = 0; k < 2 && i + 1 < s.size() && is_octal(s[i + 1]); ++k) {
            v = v * 8 + (s[++i] - '0');
          }
          out += static_cast<char>(v);
        } else {
          out += c;  // \\ \' \" \?
        }
    }
  }
  return out;
}

}  // namespace spoke::format
