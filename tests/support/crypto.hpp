#pragma once
// Test helpers that make real keys, CSRs and signatures with OpenSSL.
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "core/openssl.hpp"
#include "core/records.hpp"

namespace signet::testing {

// "rsa2048", "rsa3072", "rsa1024", "p256", "p384", "p521", "ed25519", "secp256k1".
core::ossl::Pkey make_key(const std::string& kind);

// A DER CSR for the given names (DNS and IP SANs), optionally with a common name,
// signed by key.
std::string make_csr(EVP_PKEY* key, const std::vector<core::Identifier>& sans,
                     const std::string& common_name = "");

// Raw signature over data as JWS expects it (RFC 7518 §3: r||s for ECDSA).
std::string jws_sign(EVP_PKEY* key, const std::string& alg, const std::string& data);

// The public JWK of a key as compact JSON, members in lexicographic order.
std::string public_jwk_json(EVP_PKEY* key);

// The key as the authority takes it: JWK, RFC 7638 thumbprint, SPKI hash.
core::PublicKey public_key(EVP_PKEY* key);

}  // namespace signet::testing
