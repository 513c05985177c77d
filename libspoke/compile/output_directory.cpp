#include "compile/output_directory.h"

#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>

#include <memory>

namespace spoke::compile_internal {

namespace {

// Collects what a generator writes; hands the write over when destroyed (closed).
class RecordingStream final : public pb::io::ZeroCopyOutputStream {
 public:
  RecordingStream(OutputWrite write, const RecordingContext::Sink& sink)
      : write_(std::move(write)), sink_(sink), inner_(&write_.data) {}
  ~RecordingStream() override { sink_(std::move(write_)); }

  bool Next(void** data, int* size) override { return inner_.Next(data, size); }
  void BackUp(int count) override { inner_.BackUp(count); }
  int64_t ByteCount() const override { return inner_.ByteCount(); }

 private:
  OutputWrite write_;
  const RecordingContext::Sink& sink_;
  pb::io::StringOutputStream inner_;
};

// Adds the annotations of an insertion to `target`, moved to where the inserted text landed:
// `offset` is where the text went, and every line of it was indented by `indent` bytes.
void add_shifted_annotations(const OutputWrite& write, std::size_t offset, std::size_t indent,
                             pb::GeneratedCodeInfo& target) {
  const std::string& text = write.data;  // ends with '\n'
  std::size_t pos = 0;
  offset += indent;
  for (const auto& source : write.info.annotation()) {
    std::size_t inner_indent = 0;
    // The final '\n' starts no line, so it adds no indentation.
    for (; pos < static_cast<std::size_t>(source.end()) && pos + 1 < text.size(); ++pos) {
      if (text[pos] != '\n') continue;
      if (pos >= static_cast<std::size_t>(source.begin())) {
        inner_indent += indent;
      } else {
        offset += indent;
      }
    }
    auto* a = target.add_annotation();
    *a = source;
    a->set_begin(static_cast<int32_t>(a->begin() + offset));
    offset += inner_indent;
    a->set_end(static_cast<int32_t>(a->end() + offset));
  }
}

}  // namespace

pb::io::ZeroCopyOutputStream* RecordingContext::open(OutputWrite write) {
  return new RecordingStream(std::move(write), sink_);
}

pb::io::ZeroCopyOutputStream* RecordingContext::Open(const std::string& filename) {
  OutputWrite w;
  w.filename = filename;
  return open(std::move(w));
}

pb::io::ZeroCopyOutputStream* RecordingContext::OpenForAppend(const std::string& filename) {
  OutputWrite w;
  w.kind = OutputWrite::Kind::kAppend;
  w.filename = filename;
  return open(std::move(w));
}

pb::io::ZeroCopyOutputStream* RecordingContext::OpenForInsert(const std::string& filename,
                                                              const std::string& insertion_point) {
  return OpenForInsertWithGeneratedCodeInfo(filename, insertion_point, pb::GeneratedCodeInfo());
}

pb::io::ZeroCopyOutputStream* RecordingContext::OpenForInsertWithGeneratedCodeInfo(
    const std::string& filename, const std::string& insertion_point,
    const pb::GeneratedCodeInfo& info) {
  OutputWrite w;
  w.kind = OutputWrite::Kind::kInsert;
  w.filename = filename;
  w.insertion_point = insertion_point;
  w.info = info;
  return open(std::move(w));
}

void OutputDirectory::apply(OutputWrite write) {
  if (write.kind == OutputWrite::Kind::kInsert) {
    insert(write);
    return;
  }
  auto [it, fresh] = files_.try_emplace(write.filename);
  if (fresh) {
    it->second = std::move(write.data);
  } else if (write.kind == OutputWrite::Kind::kAppend) {
    it->second += write.data;
  } else {
    errors_.push_back(write.filename + ": Tried to write the same file twice.");
  }
}

void OutputDirectory::insert(OutputWrite& write) {
  std::string& data = write.data;
  if (!data.empty() && data.back() != '\n') data.push_back('\n');
  auto it = files_.find(write.filename);
  if (it == files_.end()) {
    errors_.push_back(write.filename + ": Tried to insert into file that doesn't exist.");
    return;
  }
  std::string& target = it->second;
  const std::string marker = "@@protoc_insertion_point(" + write.insertion_point + ")";
  std::size_t pos = target.find(marker);
  if (pos == std::string::npos) {
    errors_.push_back(write.filename + ": insertion point \"" + write.insertion_point +
                      "\" not found.");
    return;
  }
  if (pos > 3 && target.compare(pos - 3, 2, "/*") == 0) {
    // An inline "/* @@protoc_insertion_point(NAME) */": insert right before the comment.
    pos -= 3;
  } else {
    // At the start of the marker's line, so that later insertions at the same point follow
    // earlier ones.
    std::size_t nl = target.find_last_of('\n', pos);
    pos = nl == std::string::npos ? 0 : nl + 1;
  }
  std::size_t indent_end = target.find_first_not_of(" \t", pos);
  if (indent_end == std::string::npos) indent_end = target.size();
  const std::string indent = target.substr(pos, indent_end - pos);
  if (indent.empty()) {
    target.insert(pos, data);
    update_metadata(write, pos, data.size(), 0);
    return;
  }
  std::string indented;
  indented.reserve(data.size() + indent.size() * 8);
  for (std::size_t line = 0; line < data.size();) {
    std::size_t end = data.find('\n', line) + 1;  // data ends with '\n'
    indented += indent;
    indented.append(data, line, end - line);
    line = end;
  }
  target.insert(pos, indented);
  update_metadata(write, pos, indented.size(), indent.size());
}

void OutputDirectory::update_metadata(const OutputWrite& write, std::size_t offset,
                                      std::size_t length, std::size_t indent) {
  const std::string meta_name = write.filename + ".pb.meta";
  auto it = files_.find(meta_name);
  if (it == files_.end() && write.info.annotation().empty()) return;
  pb::GeneratedCodeInfo metadata;
  bool text_format = false;
  if (it != files_.end()) {
    // Wire format from built-in generators, text format from plugins (whose content must be
    // UTF-8); written back in the format it came in.
    if (!metadata.ParseFromString(it->second)) {
      if (!pb::TextFormat::ParseFromString(it->second, &metadata)) {
        errors_.push_back(meta_name + ": Could not parse metadata as wire or text format.");
        return;
      }
      text_format = true;
    }
  } else {
    it = files_.emplace(meta_name, "").first;
  }
  pb::GeneratedCodeInfo updated;
  bool crossed = false;
  std::size_t shift = 0;
  for (const auto& a : metadata.annotation()) {
    if (static_cast<std::size_t>(a.begin()) >= offset && !crossed) {
      crossed = true;
      add_shifted_annotations(write, offset, indent, updated);
      shift += length;
    }
    auto* moved = updated.add_annotation();
    *moved = a;
    moved->set_begin(static_cast<int32_t>(moved->begin() + shift));
    moved->set_end(static_cast<int32_t>(moved->end() + shift));
  }
  if (!crossed) add_shifted_annotations(write, offset, indent, updated);
  if (text_format) {
    pb::TextFormat::PrintToString(updated, &it->second);
  } else {
    updated.SerializeToString(&it->second);
  }
}

}  // namespace spoke::compile_internal
