// A build-tool step on libspoke: opens a directory of .proto files as a workspace, takes its
// dependencies (spoke.yaml's deps:) from a registry, generates code and writes it.
//   build_tool DIR OUT LANGUAGE[,LANGUAGE...] [REGISTRY_URL]
#include <iostream>
#include <sstream>

#include "spoke/remote_registry.h"
#include "spoke/workspace.h"

int fail(const spoke::Status& s) {
  std::cerr << "build_tool: " << s.message() << "\n";
  for (const auto& d : s.diagnostics()) std::cerr << "  " << spoke::format_diagnostic(d) << "\n";
  return 1;
}

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: build_tool DIR OUT LANGUAGE[,LANGUAGE...] [REGISTRY_URL]\n";
    return 2;
  }
  spoke::RemoteRegistry registry({argc > 4 ? argv[4] : "http://localhost:8080"});
  spoke::WorkspaceOptions options;
  options.dir = argv[1];
  options.source = &registry;  // the deps of spoke.yaml, fetched with their closure
  auto workspace = spoke::Workspace::open(options);
  if (!workspace.ok()) return fail(workspace.status());

  std::vector<spoke::CompileRequest> requests;
  std::stringstream languages(argv[3]);
  for (std::string language; std::getline(languages, language, ',');) {
    requests.push_back({.language = language});
  }
  auto output = (*workspace)->compile(requests);
  if (!output.ok()) return fail(output.status());
  for (const auto& d : output->diagnostics) std::cerr << spoke::format_diagnostic(d) << "\n";
  if (!output->valid) return 1;
  for (const auto& generated : output->languages) {
    std::string dir = std::string(argv[2]) + "/" + generated.language;
    if (auto s = spoke::write_generated_files(dir, generated.files); !s.ok()) return fail(s);
    std::cout << generated.language << ": " << generated.files.size() << " files in " << dir
              << "\n";
  }
  return 0;
}
