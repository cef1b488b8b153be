#pragma once
// JSON Web Keys (RFC 7517/7518/8037): public keys only, with their RFC 7638 thumbprint.
#include <rapidjson/document.h>

#include <string>

#include "core/openssl.hpp"
#include "core/records.hpp"
#include "core/result.hpp"

namespace signet::server::jose {

// A parsed JWK is the domain's public key (canonical JSON, thumbprint, SPKI hash).
using Jwk = core::PublicKey;

// RSA, EC (P-256/384/521) and OKP (Ed25519) public keys. Errors: `badPublicKey` for
// unusable keys, `malformed` for a JWK that is not well-formed.
core::Result<Jwk> parse_jwk(const rapidjson::Value& v);
core::Result<Jwk> parse_jwk_json(std::string_view json);

}  // namespace signet::server::jose
