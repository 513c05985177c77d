#pragma once

// What a Schema holds, shared by the sources that build one: schema.cpp (parsing and linking) and
// stored_schema.cpp (loading a stored descriptor set). Not installed.

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "proto/option_locations.h"
#include "spoke/schema.h"

namespace spoke {

namespace pb = google::protobuf;

struct Schema::Impl {
  // The pool reads the well-known types from the generated pool underneath it, or (for code
  // generation) holds its own copies.
  std::unique_ptr<pb::DescriptorPool> pool =
      std::make_unique<pb::DescriptorPool>(pb::DescriptorPool::generated_pool());
  std::vector<std::string> targets;
  std::vector<std::string> linked;
  bool for_code_generation = false;
  // How its SourceCodeInfo locates options and default values: as the parser records them, as
  // protoc writes them, or as buf reports them (SchemaOptions::interpreted_source_info).
  enum class InfoForm { kParser, kProtoc, kBuf };
  InfoForm info_form = InfoForm::kParser;

  // Each file's SourceCodeInfo. A schema loaded from a stored descriptor set keeps the set's bytes
  // (`backing`), each file's serialized SourceCodeInfo among them (`info_bytes`, fixed once
  // loaded), and parses one into `source_infos` when it is first asked for, under `infos_mu`; a
  // parsed schema has them all in `source_infos` from the start.
  std::unordered_map<std::string, pb::SourceCodeInfo> source_infos;
  std::shared_ptr<const std::string> backing;
  std::unordered_map<std::string, std::string_view> info_bytes;
  mutable std::mutex infos_mu;
  // Parsed with interpreted_source_info: what else protoc's interpretation of each file's options
  // does to its locations (files without custom options have none), for its stored descriptor.
  std::unordered_map<std::string, proto_internal::OptionPlan> option_plans;
  // Bytes of memory the schema holds, roughly (for caches).
  std::size_t approximate_bytes = 0;

  const pb::SourceCodeInfo* source_info(const std::string& path);
};

struct SchemaBuilder {
  using Impl = Schema::Impl;
  using InfoForm = Schema::Impl::InfoForm;
  static std::shared_ptr<Schema> make() { return std::shared_ptr<Schema>(new Schema()); }
  static Schema::Impl& impl(Schema& s) { return *s.impl_; }
  static const Schema::Impl& impl(const Schema& s) { return *s.impl_; }
};

namespace proto_internal {

// Runs fn(i) for i in [0, n) on up to `threads` threads (0: one per core).
template <typename Fn>
void parallel_for(std::size_t n, int threads, Fn&& fn) {
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads = static_cast<int>(std::min<std::size_t>(static_cast<std::size_t>(threads), n));
  if (threads <= 1) {
    for (std::size_t i = 0; i < n; ++i) fn(i);
    return;
  }
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t) {
    pool.emplace_back([&] {
      for (std::size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    });
  }
  for (auto& th : pool) th.join();
}

}  // namespace proto_internal
}  // namespace spoke
