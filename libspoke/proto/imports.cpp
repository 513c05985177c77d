// What a file imports, read without a parse, and the well-known files libprotobuf provides.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "spoke/schema.h"

namespace spoke {

namespace pb = google::protobuf;

bool is_well_known_file(const std::string& path) {
  if (!path.starts_with("google/protobuf/")) return false;
  return pb::DescriptorPool::generated_pool()->FindFileByName(path) != nullptr;
}

std::vector<std::string> scan_imports(const std::string& content) {
  class Quiet final : public pb::io::ErrorCollector {
   public:
    void AddError(int, pb::io::ColumnNumber, const std::string&) override {}
  } quiet;
  pb::io::ArrayInputStream input(content.data(), static_cast<int>(content.size()));
  pb::io::Tokenizer tokenizer(&input, &quiet);
  std::vector<std::string> out;
  int depth = 0;
  bool statement_start = true;  // `import` only starts a statement at the top level
  while (tokenizer.Next()) {
    const auto& tok = tokenizer.current();
    bool at_start = statement_start;
    statement_start = false;
    if (tok.type == pb::io::Tokenizer::TYPE_SYMBOL) {
      if (tok.text == "{") ++depth;
      if (tok.text == "}") --depth;
      statement_start = depth == 0 && (tok.text == ";" || tok.text == "}");
      continue;
    }
    if (!at_start || depth != 0 || tok.type != pb::io::Tokenizer::TYPE_IDENTIFIER ||
        tok.text != "import")
      continue;
    if (!tokenizer.Next()) break;
    if (tokenizer.current().type == pb::io::Tokenizer::TYPE_IDENTIFIER &&
        (tokenizer.current().text == "public" || tokenizer.current().text == "weak")) {
      if (!tokenizer.Next()) break;
    }
    if (tokenizer.current().type == pb::io::Tokenizer::TYPE_STRING) {
      std::string path;
      pb::io::Tokenizer::ParseString(tokenizer.current().text, &path);
      out.push_back(std::move(path));
    }
  }
  return out;
}

}  // namespace spoke
