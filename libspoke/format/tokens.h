#pragma once

// The tokens of a .proto file, comments included, with each comment attributed to the token it
// belongs to (as a leading or a trailing comment), the way buf's parser (protocompile) does it.
// The formatter decides blank lines and comment placement from this table alone.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "spoke/status.h"

namespace spoke::format {

enum class TokenKind : std::uint8_t {
  kIdent,         // identifiers and keywords
  kInt,           // integer literal (decimal, octal, hex)
  kFloat,         // float literal (and decimal integers too large for 64 bits)
  kString,        // quoted string literal, quotes included
  kRune,          // one punctuation character
  kLineComment,   // "//..." without the newline
  kBlockComment,  // "/* ... */"
  kEof,           // zero-length token at the end of the text
};

struct Token {
  std::uint32_t offset = 0;
  std::uint32_t length = 0;
  std::uint32_t start_line = 0;  // 1-based line of the first character
  std::uint32_t end_line = 0;    // 1-based line of the last character
  TokenKind kind = TokenKind::kEof;
  bool is_comment() const {
    return kind == TokenKind::kLineComment || kind == TokenKind::kBlockComment;
  }
};

// A run of consecutive entries of LexedFile::comments.
struct CommentRange {
  std::uint32_t first = 0;
  std::uint32_t count = 0;
};

struct LexedFile {
  std::string_view text;                // the input after a UTF-8 byte-order mark, if any
  std::vector<Token> tokens;            // every token in order, comments included; the last is kEof
  std::vector<std::uint32_t> comments;  // indexes (into tokens) of the comment tokens, in order
  // Per token: its leading comments (before it) and trailing comments (after it) as ranges of
  // `comments`. Empty for comment tokens themselves.
  std::vector<CommentRange> leading;
  std::vector<CommentRange> trailing;

  std::string_view token_text(std::uint32_t index) const {
    const Token& t = tokens[index];
    return text.substr(t.offset, t.length);
  }
  // The text between the end of the token before `index` (a comment or not) and `index`.
  std::string_view whitespace_before(std::uint32_t index) const {
    std::uint32_t start = 0;
    if (index > 0) start = tokens[index - 1].offset + tokens[index - 1].length;
    return text.substr(start, tokens[index].offset - start);
  }
  // 1-based line and column (tabs advance to the next multiple of 8) of a byte offset.
  void position(std::uint32_t offset, int* line, int* column) const;
};

// Splits `content` into tokens and attributes comments. InvalidArgument (reason
// "proto_syntax_error") with a located Diagnostic for text that cannot be tokenized: an
// unterminated string or comment, a bad escape or number, a character outside the language.
// `out` keeps a view of `content`, which must outlive it.
Status lex_proto(std::string_view content, const std::string& path, LexedFile* out);

// The value of a string literal token (quotes and escapes resolved), as protocompile decodes it.
// The token must have been accepted by lex_proto.
std::string decode_string_literal(std::string_view token);

// A Diagnostic-carrying InvalidArgument for a syntax error at `offset`.
Status syntax_error(const LexedFile& file, const std::string& path, std::uint32_t offset,
                    const std::string& message);

}  // namespace spoke::format
