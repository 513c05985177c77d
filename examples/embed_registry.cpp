// Embeds libspoke: opens a registry in a directory, pushes a version, reads a file back.
//   embed_registry [DATA_DIR]
#include <iostream>

#include "spoke/registry.h"

int main(int argc, char** argv) {
  spoke::StorageOptions options;
  options.root = argc > 1 ? argv[1] : "./example-data";
  auto registry = spoke::Registry::open(options);
  if (!registry.ok()) {
    std::cerr << registry.status().to_string() << "\n";
    return 1;
  }
  spoke::PushRequest push;
  push.module = "example";
  push.version = "v1.0.0";
  push.files = {
      {"example.proto",
       "syntax = \"proto3\";\npackage example;\n\nmessage Hello {\n  string message = 1;\n}\n"}};
  auto pushed = (*registry)->push(push);
  if (!pushed.ok()) {
    std::cerr << pushed.status().to_string() << "\n";
    return 1;
  }
  std::cout << (pushed->created ? "pushed " : "already there: ") << pushed->version.module << "@"
            << pushed->version.version << " " << pushed->version.digest << "\n";
  auto file = (*registry)->get_file("example", "latest", "example.proto");
  if (!file.ok()) {
    std::cerr << file.status().to_string() << "\n";
    return 1;
  }
  std::cout << file->content;
  return 0;
}
