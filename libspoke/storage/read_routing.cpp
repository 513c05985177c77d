#include "storage/read_routing.h"

#include <utility>

namespace spoke {

internal::ThreadReads& internal::thread_reads() {
  thread_local ThreadReads reads;
  return reads;
}

void set_read_policy(ReadPolicy policy) {
  auto& reads = internal::thread_reads();
  reads.policy = std::move(policy);
  reads.pinned_to_primary = false;
  reads.replica = -1;
  reads.write_token.clear();
}

const ReadPolicy& read_policy() { return internal::thread_reads().policy; }

std::string write_token() { return internal::thread_reads().write_token; }

ScopedReadPolicy::ScopedReadPolicy(ReadPolicy policy) : saved_(read_policy()) {
  auto& reads = internal::thread_reads();
  reads.policy = std::move(policy);
  reads.pinned_to_primary = false;
  reads.replica = -1;
}

// The write token stays: what the scope wrote, the code around it has written too.
ScopedReadPolicy::~ScopedReadPolicy() {
  auto& reads = internal::thread_reads();
  reads.policy = std::move(saved_);
  reads.pinned_to_primary = false;
  reads.replica = -1;
}

}  // namespace spoke
