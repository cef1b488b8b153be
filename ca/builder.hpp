#pragma once
// The certificate builder: a leaf described by a profile and a request, built in two
// steps so that the caller can record it before it is signed:
//
//   auto tbs = build_tbs(issuer, profile, request);   // serial, names, key hash known
//   ... record *tbs ...
//   auto issued = sign_tbs(issuer, std::move(*tbs));
//
// Stateless and thread-safe; CPU-bound, so callers run it on a worker pool.
#include <memory>
#include <string>
#include <vector>

#include "ca/issuer.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/openssl.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "policy/profile.hpp"

namespace signet::ca {

// The extended key usage of a leaf: serverAuth, clientAuth.
enum class KeyPurpose { TlsServer, TlsClient };

enum class KeyUsage { DigitalSignature, KeyEncipherment };

// What a certificate of one kind looks like.
struct CertificateProfile {
  std::string name;  // recorded with every certificate signed under it
  // keyEncipherment is set for RSA subject keys only: TLS key transport is RSA's alone.
  std::vector<KeyUsage> key_usages;
  std::vector<KeyPurpose> extended_key_usages;  // serverAuth, clientAuth
  // The lifetime of certificates whose dates Signet picks (infrastructure); an ACME
  // request brings the dates policy resolved for it.
  core::Seconds validity{0};
  // The longest validity a certificate under it may have (the pre-issuance lint).
  core::Seconds max_validity{0};
  bool common_name_from_first_name = true;  // when it fits (RFC 5280 ub-common-name)
  bool basic_constraints_ca_false = true;   // critical CA:FALSE
  bool key_identifiers = true;              // subject and authority key identifiers
  // A CRL distribution point and the OCSP URL, when the request brings them.
  bool revocation_pointers = true;
};

// The certificate an ACME profile describes (its name, usages and subject).
CertificateProfile certificate_profile(const policy::Profile& p);
// Signet's own listener and its vantage agents' listeners.
const CertificateProfile& infrastructure_tls_server_profile();
// Signet's client certificate towards its vantage agents.
const CertificateProfile& infrastructure_tls_client_profile();

struct LeafRequest {
  core::ossl::SharedPkey public_key;
  std::vector<core::Identifier> identifiers;  // SANs in this order; the first may be the CN
  policy::Validity validity;
  std::string serial;  // hex, from random_serial()
  // Where relying parties find this certificate's revocation status (http:// URLs;
  // empty: none). Left out under profiles without revocation pointers.
  std::string crl_url{};
  std::string ocsp_url{};
  // The issuer's certificate for chain building (RFC 5280 §4.2.2.1 caIssuers), any
  // profile.
  std::string ca_issuers_url{};
  // Optional: public_key as a CSR encoded it; copied into the certificate as it is,
  // which spares OpenSSL 3's encoder lookup on the issuance path.
  std::shared_ptr<const X509_PUBKEY> spki{};
};

// A certificate complete but for its signature, with what a caller records about it.
struct TbsCertificate {
  core::ossl::X509Ptr x509;
  std::string issuer;   // Issuer::name() of the issuer it was built for
  std::string profile;  // CertificateProfile::name
  std::string serial;   // lower-case hex
  std::vector<core::Identifier> identifiers;
  std::string key_spki_sha256;  // raw SHA-256 of the subject key's SubjectPublicKeyInfo
  core::TimePoint not_before;
  core::TimePoint not_after;
};

struct IssuedCertificate {
  std::string der;        // the leaf
  std::string chain_pem;  // leaf, then the issuer's chain (Issuer::chain_pem)
  core::TimePoint not_before;
  core::TimePoint not_after;
};

// Everything a caller records about a certificate Signet signed. ca/ keeps no records.
struct SignedRecord {
  std::string serial;  // lower-case hex
  std::string issuer;  // "acme", "infrastructure"
  std::string profile;
  std::vector<core::Identifier> identifiers;
  std::string key_spki_sha256;
  std::string der;  // the signed certificate
  core::TimePoint not_before;
  core::TimePoint not_after;

  // As storage records a certificate Signet signed for itself.
  core::InfrastructureCertificate record(core::TimePoint issued_at) const {
    return {serial, issuer, profile, identifiers, key_spki_sha256, der, not_before, not_after,
            issued_at};
  }
};

// 128 random bits as 32 lower-case hex digits (a positive DER INTEGER).
std::string random_serial();

// Checks the key's type once more (against every type a configuration may accept; the
// configured policy runs on the CSR) and the request, then builds the certificate the
// profile describes, naming issuer as its issuer, and lints it (ca/lint): a finding is
// a `serverInternal` error naming it. Nothing is signed.
core::Result<TbsCertificate> build_tbs(const Issuer& issuer, const CertificateProfile& profile,
                                       const LeafRequest& req);
// Signs tbs with issuer, which must be the one it was built for.
core::Result<IssuedCertificate> sign_tbs(const Issuer& issuer, TbsCertificate&& tbs);
// Both steps, for callers that record nothing in between.
core::Result<IssuedCertificate> build_and_sign(const Issuer& issuer,
                                               const CertificateProfile& profile,
                                               const LeafRequest& req);

// The record of tbs, its der left empty until it is signed.
SignedRecord describe(const TbsCertificate& tbs);

}  // namespace signet::ca
