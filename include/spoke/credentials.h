#pragma once

// The access tokens a client keeps per registry (`spoke login`): a JSON object of registry URL to
// token in one file only its owner may read.

#include <string>

#include "spoke/status.h"

namespace spoke {

// $SPOKE_CREDENTIALS, else $XDG_CONFIG_HOME/spoke/credentials, else ~/.config/spoke/credentials;
// empty when none of them is set.
std::string default_credentials_path();

// The token stored for `registry_url` (trailing '/' ignored); empty when none is. Internal
// ("io_error") when the file exists but cannot be read or parsed.
Result<std::string> load_credential(const std::string& path, const std::string& registry_url);
// Stores `token` for `registry_url`, replacing any other: the file (and its directory) is
// created with mode 0600 (0700), rewritten whole through a temporary file.
Status save_credential(const std::string& path, const std::string& registry_url,
                       const std::string& token);
// Forgets the token of `registry_url`. Returns whether there was one.
Result<bool> remove_credential(const std::string& path, const std::string& registry_url);

}  // namespace spoke
