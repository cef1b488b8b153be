#pragma once
// JWS in the flattened JSON serialization, as RFC 8555 §6.2 restricts it.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "server/jose/jwk.hpp"

namespace signet::server::jose {

struct ProtectedHeader {
  std::string alg;
  std::optional<std::string> nonce;
  std::optional<std::string> url;
  std::optional<Jwk> jwk;
  std::optional<std::string> kid;
};

struct Jws {
  ProtectedHeader header;
  std::string signing_input;   // ASCII(BASE64URL(protected) || '.' || BASE64URL(payload))
  std::string payload;         // decoded; empty for POST-as-GET
  bool empty_payload = false;  // the payload was the empty string (POST-as-GET, §6.3)
  std::string signature;       // decoded
};

// The three members of a flattened JWS (RFC 7515 §7.2.2) as sent, base64url: the
// general serialization, unprotected headers and any other member are refused.
// Errors are `malformed`.
struct FlattenedJws {
  std::string protected_b64;
  std::string payload_b64;
  std::string signature_b64;
};
core::Result<FlattenedJws> split_flattened(std::string_view json);

// The algorithms Signet verifies, in the order it reports them (badSignatureAlgorithm).
const std::vector<std::string>& supported_algorithms();

// Parses a flattened JWS and its protected header. Refuses the general serialization,
// unprotected headers, "crit", an unknown or "none" alg, and both or neither of
// jwk/kid. Does not check the nonce or URL, nor verify the signature.
core::Result<Jws> parse_jws(std::string_view body);

// Verifies the signature with key; the key type must fit the header's alg.
core::Status verify_jws(const Jws& jws, EVP_PKEY* key);

}  // namespace signet::server::jose
