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

namespace signet::policy {

struct ParsedCsr {
  core::ossl::SharedPkey public_key;
  // The key as the CSR encoded it (kept alive with the parsed request), and the SHA-256
  // of that SubjectPublicKeyInfo.
  std::shared_ptr<const X509_PUBKEY> spki;
  std::string spki_sha256;
  // Every name the CSR asks for: its DNS and IP SANs plus its common name,
  // lower-cased and de-duplicated, in the order first seen.
  std::vector<core::Identifier> names;
  std::optional<std::string> common_name;
};

// DER in, parsed CSR out. Verifies the CSR's self-signature and the key policy for
// certificate keys. Errors are `badCSR`.
core::Result<ParsedCsr> parse_csr(std::string_view der);

// The CSR must ask for exactly the order's identifiers: nothing more, nothing missing.
core::Status check_csr_against_order(const ParsedCsr& csr,
                                     const std::vector<core::Identifier>& order_identifiers);

}  // namespace signet::policy
