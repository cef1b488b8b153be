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

// The token key `uri` with its module and PIN source: those given on the command line,
// else the configuration's [ca] (when config_file is given). The data directory too:
// the command line's, else the configuration's, else ./signet-data.
struct TokenCommandLine {
  std::string uri;
  std::optional<std::string> module, pin_file, pin_env, data_dir, config_file;
};
core::Result<std::pair<TokenKeyOptions, std::string>> token_key_options(const TokenCommandLine& c);

// Loads the module and logs in to the token (ca::Pkcs11Key::login). Errors name the
// PIN source when it is missing or empty.
core::Result<std::unique_ptr<ca::Pkcs11Key>> login_token(const TokenKeyOptions& o);

// [ca] key's token, logged in; null when [ca] key is not set (file keys).
core::Result<std::shared_ptr<const ca::Pkcs11Key>> configured_token_key(const config::Config& c);

}  // namespace signet::server::commands
