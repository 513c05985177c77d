#include "spoke/version.h"

#include <google/protobuf/stubs/common.h>

namespace spoke {

const char* version() { return SPOKE_VERSION_STRING; }

std::string protobuf_version() {
  return google::protobuf::internal::VersionString(GOOGLE_PROTOBUF_VERSION);
}

}  // namespace spoke
