// format_meaning ORIGINAL_DIR FORMATTED_DIR: links both trees of .proto files and checks that
// every file describes the same schema in both: the same FileDescriptorProto without source info,
// the order of imports aside (the formatter sorts them). Prints each file that differs; exit 0
// when none does, 1 when one does or a tree does not link, 2 on usage.
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/util/message_differencer.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "spoke/file_tree.h"
#include "spoke/schema.h"

namespace {

std::shared_ptr<const spoke::Schema> link(const std::string& dir) {
  auto files = spoke::read_proto_tree(dir);
  if (!files.ok()) {
    std::cerr << dir << ": " << files.status().message() << "\n";
    return nullptr;
  }
  spoke::SchemaOptions options;
  options.warn_unused_imports = false;
  auto result = spoke::build_schema(files.value(), {}, options);
  if (!result.valid()) {
    std::cerr << dir << " does not link:\n";
    for (const auto& d : result.diagnostics) {
      if (d.severity == spoke::Severity::kError) std::cerr << "  " << spoke::format_diagnostic(d) << "\n";
    }
    return nullptr;
  }
  return result.schema;
}

// The descriptor of `path` with its imports sorted and named by kind instead of indexed.
google::protobuf::FileDescriptorProto describe(const spoke::Schema& schema,
                                               const std::string& path) {
  google::protobuf::FileDescriptorProto p;
  schema.to_proto(path, false, &p);
  std::vector<std::string> deps;
  for (int i = 0; i < p.dependency_size(); ++i) {
    std::string kind = "import ";
    for (int k : p.public_dependency()) {
      if (k == i) kind = "import public ";
    }
    for (int k : p.weak_dependency()) {
      if (k == i) kind = "import weak ";
    }
    deps.push_back(kind + p.dependency(i));
  }
  std::sort(deps.begin(), deps.end());
  p.clear_dependency();
  p.clear_public_dependency();
  p.clear_weak_dependency();
  for (const auto& d : deps) p.add_dependency(d);
  return p;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: format_meaning ORIGINAL_DIR FORMATTED_DIR\n";
    return 2;
  }
  auto original = link(argv[1]);
  auto formatted = link(argv[2]);
  if (original == nullptr || formatted == nullptr) return 1;
  if (original->target_files() != formatted->target_files()) {
    std::cerr << "the two trees do not hold the same files\n";
    return 1;
  }
  std::size_t differ = 0;
  for (const auto& path : original->target_files()) {
    auto before = describe(*original, path);
    auto after = describe(*formatted, path);
    google::protobuf::util::MessageDifferencer differencer;
    std::string report;
    differencer.ReportDifferencesToString(&report);
    if (!differencer.Compare(before, after)) {
      ++differ;
      std::cout << "differs: " << path << "\n" << report;
    }
  }
  std::cout << original->target_files().size() << " files compared, " << differ
            << " describe a different schema after formatting\n";
  std::fflush(nullptr);
  // The linked trees are left to the OS, which reclaims them far faster than freeing them.
  std::_Exit(differ == 0 ? 0 : 1);
}
