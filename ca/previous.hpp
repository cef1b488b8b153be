#pragma once
// Previous ACME issuers: those `signet ca rollover` and `signet ca import` replaced,
// whose certificates and keys were archived (ca/archive/<time>/intermediate.pem and
// intermediate-key.pem). Certificates they issued stay valid until they expire, so
// their revocation status stays published: their CRLs are signed by them, and OCSP
// answers about their certificates are signed by them directly (RFC 6960 §4.2.2.2: the
// CA that issued the certificate is an authorized responder). An issuer whose key is
// not in a file (a PKCS#11 token) or whose certificate has expired is not loaded.
//
// Issuers are told apart by their key, never by name: an imported issuer may carry the
// name of the one it replaces.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ca/issuer.hpp"
#include "ca/ocsp.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

// An issuer's identity in CRL URLs and in the certificate records: the first 8 bytes of
// the SHA-1 of its public key BIT STRING contents (what RFC 6960's issuerKeyHash hashes),
// as 16 lower-case hex digits. Empty for a null certificate.
std::string issuer_id(X509* issuer);

// Whether the DER certificate leaf names issuer's subject as its issuer and carries a
// signature issuer's key verifies.
bool issued_by(const std::string& leaf_der, X509* issuer);

// The files of an archived ACME issuer whose status can be published: its certificate,
// not expired at the time asked, with a key file beside it.
struct PreviousIssuerFiles {
  std::filesystem::path cert;
  std::filesystem::path key;
};

// The archived ACME issuers of data directory dir that have a key file and whose
// certificate has not expired at now, oldest archive first, each key once, leaving out
// the issuer whose key is current's (the ACME issuer in use). Certificates that do not
// parse are left out; keys are not read.
std::vector<PreviousIssuerFiles> previous_issuer_files(const std::filesystem::path& dir,
                                                       X509* current, core::TimePoint now);

struct PreviousIssuer {
  std::unique_ptr<Issuer> issuer;          // name "acme"; its certificate, no chain above
  std::shared_ptr<const OcspSigner> ocsp;  // the issuer's own key and certificate
  std::string id;                          // issuer_id()
  std::filesystem::path file;              // its certificate, in ca/archive
};

// Opens each of previous_issuer_files(). One that cannot be opened (a key that does not
// match its certificate, an unreadable file) is left out and named in `skipped`.
std::vector<PreviousIssuer> load_previous_issuers(const std::filesystem::path& dir, X509* current,
                                                  core::TimePoint now,
                                                  std::vector<std::string>& skipped);

}  // namespace signet::ca
