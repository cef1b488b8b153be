#pragma once
// Parsing a certificate signing request and checking it against an order (RFC 8555 §7.4).
// Pure; thread-safe.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/identifier.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"
#include "policy/key_policy.hpp"

namespace signet::policy {

struct ParsedCsr {
  // The CSR's key, and its canonical SubjectPublicKeyInfo (canonical_spki_der: named
  // curve, uncompressed point) with that encoding's raw SHA-256. A key the CSR encoded
  // otherwise is certified and hashed in the canonical form, never as sent.
  core::ossl::SharedPkey public_key;
  std::shared_ptr<const X509_PUBKEY> spki;
  std::string spki_sha256;
  // Every name the CSR asks for: its DNS and IP SANs plus its common name,
  // lower-cased and de-duplicated, in the order first seen.
  std::vector<core::Identifier> names;
  std::optional<std::string> common_name;
};

// How a request is decoded. Direct reads the usual request (an EC key on a named
// curve) itself, several times faster than OpenSSL 3's key decoders, and leaves any
// other to OpenSSL; ThroughOpenSsl always goes through OpenSSL. Both give the same
// answer about every request (tests compare them).
enum class CsrDecoding { Direct, ThroughOpenSsl };

// DER in, parsed CSR out. Refuses signatures with SHA-1, MD5 and other digests than
// SHA-256/384/512 (Ed25519 aside), checks the key's type against `keys` before the
// self-signature is verified, and the whole key policy after. Errors are `badCSR`.
core::Result<ParsedCsr> parse_csr(std::string_view der, const KeyPolicy& keys,
                                  CsrDecoding how = CsrDecoding::Direct);

// The CSR must ask for exactly the order's identifiers: nothing more, nothing missing.
core::Status check_csr_against_order(const ParsedCsr& csr,
                                     const std::vector<core::Identifier>& order_identifiers);

}  // namespace signet::policy
