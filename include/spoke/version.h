#pragma once

#include <string>

namespace spoke {

// This libspoke's version ("0.1.0").
const char* version();
// The version of the libprotobuf it runs with ("3.21.12").
std::string protobuf_version();

}  // namespace spoke
