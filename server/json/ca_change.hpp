#pragma once
// What `signet ca import --json` and `signet ca rollover --json` print.
#include <optional>
#include <string>

namespace signet::server::json {

// {"action": "import" or "rollover", "issuer": the new ACME issuer's subject, "root": the
// root its default chain ends at, "cross_signed_by": the root that cross-signed a new
// root (rollover --root; else absent), "key": where the new issuer's private key is (its
// file, or its "pkcs11:" URI in a token), "archive": where the replaced files were copied,
// "takes_effect": "next start"}.
std::string encode_ca_change(const std::string& action, const std::string& issuer,
                             const std::string& root,
                             const std::optional<std::string>& cross_signed_by,
                             const std::string& key, const std::string& archive);

}  // namespace signet::server::json
