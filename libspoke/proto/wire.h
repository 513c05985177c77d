#pragma once

// Reading and writing protobuf's wire format by hand, where parsing into messages would cost more
// than it is worth (stored descriptors split by file, SourceCodeInfo indexed without building
// messages). Not installed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace spoke::proto_internal {

// A cursor over serialized bytes; every read is bounds-checked and false when malformed.
struct WireReader {
  const char* p;
  const char* end;

  explicit WireReader(std::string_view bytes) : p(bytes.data()), end(bytes.data() + bytes.size()) {}

  bool done() const { return p >= end; }

  bool varint(std::uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64 && p < end; shift += 7) {
      auto byte = static_cast<unsigned char>(*p++);
      out |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return true;
    }
    return false;
  }

  // A length-delimited payload.
  bool bytes(std::string_view& out) {
    std::uint64_t n = 0;
    if (!varint(n) || n > static_cast<std::uint64_t>(end - p)) return false;
    out = {p, static_cast<std::size_t>(n)};
    p += n;
    return true;
  }

  // Skips the payload of a field whose tag was read.
  bool skip(std::uint64_t tag) {
    std::uint64_t ignored = 0;
    std::string_view view;
    switch (tag & 7) {
      case 0:
        return varint(ignored);
      case 1:
        return advance(8);
      case 2:
        return bytes(view);
      case 5:
        return advance(4);
      default:
        return false;
    }
  }

  // Reads a field's tag and skips its payload; `payload` is set for length-delimited fields.
  bool field(int& number, std::string_view& payload) {
    std::uint64_t tag = 0;
    if (!varint(tag)) return false;
    number = static_cast<int>(tag >> 3);
    payload = {};
    return (tag & 7) == 2 ? bytes(payload) : skip(tag);
  }

  // The int32 values of a field whose tag was read, packed (wire type 2) or one unpacked (wire
  // type 0), appended to `out`.
  bool ints(std::uint64_t tag, std::vector<int>& out) {
    std::uint64_t v = 0;
    if ((tag & 7) == 0) {
      if (!varint(v)) return false;
      out.push_back(static_cast<int>(static_cast<std::int32_t>(v)));
      return true;
    }
    std::string_view packed;
    if ((tag & 7) != 2 || !bytes(packed)) return false;
    WireReader inner(packed);
    while (!inner.done()) {
      if (!inner.varint(v)) return false;
      out.push_back(static_cast<int>(static_cast<std::int32_t>(v)));
    }
    return true;
  }

 private:
  bool advance(std::ptrdiff_t n) {
    if (end - p < n) return false;
    p += n;
    return true;
  }
};

inline void append_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

// A length-delimited field.
inline void append_field(std::string& out, int number, std::string_view payload) {
  append_varint(out, static_cast<std::uint64_t>(number) << 3 | 2);
  append_varint(out, payload.size());
  out.append(payload);
}

}  // namespace spoke::proto_internal
