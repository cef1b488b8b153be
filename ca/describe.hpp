#pragma once
// The issuers of a data directory as the operator reads them (`signet ca show`): read
// from their certificate files only, never creating, changing or opening a key.
#include <filesystem>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct IssuerDescription {
  // "root", "previous root" (still trusted: root.pem's others), "acme" (ACME leaves),
  // "chain" (above an imported ACME issuer), "infrastructure" (Signet's own),
  // "alternate" (an alternate chain's certificates, ca/alternates), "previous acme"
  // (a previous ACME issuer whose revocation status is published, ca/previous.hpp)
  std::string role;
  std::string file;     // the certificate's path
  std::string subject;  // RFC 2253, as `openssl x509 -nameopt RFC2253` prints it
  std::string issuer;
  std::string serial;              // lower-case hex
  std::string key_type;            // "ECDSA P-256", "RSA 4096", "Ed25519"
  std::string sha256_fingerprint;  // lower-case hex of the DER certificate's SHA-256
  std::string subject_key_id;      // lower-case hex; empty when absent
  core::TimePoint not_before{};
  core::TimePoint not_after{};
  std::string pem;
  // The ACME issuer's only (empty for the others): where its private key is, "file" (its
  // path in the data directory in key_location: "ca/intermediate-key.pem"), "pkcs11" (in a
  // token: its URI), or "unknown" (no key file, and no token key named).
  std::string key_storage;
  std::string key_location;
};

// The root and the ACME issuer (an error when either is missing: no hierarchy there),
// and when present: the other roots of root.pem, an imported issuer's chain, the
// infrastructure issuer, and the alternate chains. acme_token_key: the configuration's
// [ca] key (a PKCS#11 URI), which the server signs with instead of a key file; empty
// when not known.
core::Result<std::vector<IssuerDescription>> describe_issuers(
    const std::filesystem::path& dir, const std::string& acme_token_key = {});

// The previous ACME issuers whose revocation status the server publishes when it starts
// at `now` (ca/previous.hpp: an archived certificate with its key file or key URI, not
// expired, not the current issuer's key), oldest first; none when there is no ACME
// issuer.
std::vector<IssuerDescription> describe_previous_issuers(const std::filesystem::path& dir,
                                                         core::TimePoint now);

}  // namespace signet::ca
