#pragma once
// JSON Web Keys (RFC 7517/7518/8037): public keys only, with their RFC 7638 thumbprint.
#include <rapidjson/document.h>

#include <string>

#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::server::jose {

struct Jwk {
  core::ossl::SharedPkey key;
  std::string canonical_json;  // the required members only, lexicographic order (RFC 7638 §3)
  std::string thumbprint;      // base64url(SHA-256(canonical_json))
  std::string spki_sha256;     // raw SHA-256 of the DER SubjectPublicKeyInfo
};

// RSA, EC (P-256/384/521) and OKP (Ed25519) public keys. Errors: `badPublicKey` for
// unusable keys, `malformed` for a JWK that is not well-formed.
core::Result<Jwk> parse_jwk(const rapidjson::Value& v);
core::Result<Jwk> parse_jwk_json(std::string_view json);

// RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).
std::string key_authorization(std::string_view token, std::string_view thumbprint);

}  // namespace signet::server::jose
