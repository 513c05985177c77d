// bench_seed_store: fills a store with many small versions, straight through its MetadataStore
// and BlobStore (what a push stores, without the HTTP round trip and the schema check), for
// tests/bench/scale_bench.sh to measure how reads and pushes grow with the store.
//
//   bench_seed_store --url URL --from N --to M [--threads T] [--modules K]
//
// Versions N..M-1 (0-based) are stored: 90% of them in module "big" (v1.<i>.0), the rest spread
// over K other modules ("other-<k>", v1.<i>.0). Each version holds one small .proto file that
// compiles and keeps the schema of the others (so a push after them passes the FILE policy),
// with a comment making its content, digest and blob unique.
#include <fmt/format.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "spoke/storage.h"

namespace {

std::string proto_for(const std::string& module, long i) {
  return fmt::format(
      "syntax = \"proto3\";\n\npackage {}.v1;\n\n// seeded version {}\nmessage Item {{\n"
      "  string id = 1;\n  int64 count = 2;\n}}\n",
      module == "big" ? "big" : "other", i);
}

[[noreturn]] void usage() {
  std::cerr << "usage: bench_seed_store --url URL --from N --to M [--threads T] [--modules K]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  std::string url;
  long from = 0, to = 0, threads = 1, modules = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--url") {
      url = argv[i + 1];
    } else if (flag == "--from") {
      from = std::atol(argv[i + 1]);
    } else if (flag == "--to") {
      to = std::atol(argv[i + 1]);
    } else if (flag == "--threads") {
      threads = std::atol(argv[i + 1]);
    } else if (flag == "--modules") {
      modules = std::atol(argv[i + 1]);
    } else {
      usage();
    }
  }
  if (url.empty() || to < from || threads < 1 || modules < 1) usage();
  spoke::StorageOptions options;
  options.url = url;
  options.pool_size = static_cast<int>(threads) + 1;
  auto storage = spoke::open_storage(options);
  if (!storage.ok()) {
    std::cerr << "bench_seed_store: " << storage.status().to_string() << "\n";
    return 1;
  }
  std::atomic<long> next{from};
  std::atomic<bool> failed{false};
  auto work = [&] {
    for (long i = next++; i < to && !failed; i = next++) {
      // Every tenth version goes to one of the other modules.
      std::string module = i % 10 == 9 ? fmt::format("other-{}", (i / 10) % modules) : "big";
      spoke::Version v;
      v.module = module;
      v.version = fmt::format("v1.{}.0", i);
      std::string content = proto_for(module, i);
      spoke::File f{fmt::format("{}/v1/item.proto", module == "big" ? "big" : "other"), content,
                    spoke::content_digest(content), content.size()};
      v.files.push_back(f);
      v.digest = spoke::compute_version_digest(v.files, v.dependencies);
      v.created_at = spoke::now_ms();
      spoke::Status s = storage->blobs->put(f.digest, content);
      if (s.ok()) {
        spoke::Timestamp now = spoke::now_ms();
        auto inserted = storage->metadata->insert_version({module, "", now, now}, std::move(v), {});
        if (!inserted.ok() && inserted.status().reason() != spoke::reason::kVersionExists) {
          s = inserted.status();
        }
      }
      if (!s.ok()) {
        std::cerr << "bench_seed_store: " << s.to_string() << "\n";
        failed = true;
      }
    }
  };
  std::vector<std::thread> pool;
  for (long t = 0; t < threads; ++t) pool.emplace_back(work);
  for (auto& t : pool) t.join();
  return failed ? 1 : 0;
}
