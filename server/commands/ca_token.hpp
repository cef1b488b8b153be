#pragma once
// The ACME issuer's key in a PKCS#11 token, as `signet serve` and `signet ca init
// --pkcs11` open it: the URI and module from the configuration or the command line, the
// PIN read from a file or the environment (never from the configuration itself).
#include <memory>
#include <optional>
#include <string>

#include "ca/pkcs11.hpp"
#include "config/config.hpp"
#include "core/result.hpp"

namespace signet::server::commands {

// Where the token key is: the URI, the module, and one of the two PIN sources.
struct TokenKeyOptions {
  std::string uri;
  std::string module;
  std::string pin_file;  // a file whose first line is the PIN
  std::string pin_env;   // an environment variable holding it
};

// Loads the module and logs in to the token (ca::Pkcs11Key::login). Errors name the
// PIN source when it is missing or empty.
core::Result<std::unique_ptr<ca::Pkcs11Key>> login_token(const TokenKeyOptions& o);

// [ca] key's token, logged in; null when [ca] key is not set (file keys).
core::Result<std::shared_ptr<const ca::Pkcs11Key>> configured_token_key(const config::Config& c);

}  // namespace signet::server::commands
