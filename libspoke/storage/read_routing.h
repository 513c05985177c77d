#pragma once

// The calling thread's read routing state, kept by libspoke for backends with read replicas.

#include <string>

#include "spoke/storage.h"

namespace spoke::internal {

struct ThreadReads {
  ReadPolicy policy;
  // A read of this policy went to the primary: the following ones do too.
  bool pinned_to_primary = false;
  // The replica this policy's reads went to (index into the backend's list; -1: none yet).
  int replica = -1;
  // The token of the latest write the thread made since the policy was set.
  std::string write_token;
};

ThreadReads& thread_reads();

}  // namespace spoke::internal
