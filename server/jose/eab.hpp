#pragma once
// The external account binding of a newAccount request (RFC 8555 §7.3.4): a
// flattened JWS, MACed with the HMAC key the CA handed out, whose payload is the
// account key. Checked in two steps: its form, url and payload here without the key;
// its MAC once the authority has looked the key up.
#include <string>
#include <string_view>

#include "core/result.hpp"
#include "server/jose/jwk.hpp"

namespace signet::server::jose {

struct MacJws {
  std::string alg;            // HS256, HS384 or HS512
  std::string kid;            // the external account key id
  std::string signing_input;  // ASCII(BASE64URL(protected) || '.' || BASE64URL(payload))
  std::string mac;            // decoded
};

// Parses the binding and checks it against the newAccount request: flattened JSON
// only; protected header with alg HS256/HS384/HS512, "kid", "url" equal to the outer
// JWS's, and no "nonce" (nor "jwk", "crit" or an unprotected header); payload the
// outer JWS's key, compared as keys. Errors are `malformed`, naming what is wrong,
// except a payload that is another key: `unauthorized`.
core::Result<MacJws> parse_binding(std::string_view json, const std::string& outer_url,
                                   const Jwk& account_key);

// Verifies the MAC with the key's HMAC key, in constant time: `unauthorized` if it
// does not match.
core::Status verify_binding_mac(const MacJws& jws, const std::string& hmac_key);

}  // namespace signet::server::jose
