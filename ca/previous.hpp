#pragma once
// Previous ACME issuers: those `signet ca rollover` and `signet ca import` replaced,
// whose certificates and keys were archived (ca/archive/<time>/intermediate.pem and
// intermediate-key.pem, or, for a key in a PKCS#11 token, intermediate-key.uri: one
// line, the key's RFC 7512 URI). Certificates they issued stay valid until they expire,
// so their revocation status stays published: their CRLs are signed by them, and OCSP
// answers about their certificates are signed by them directly (RFC 6960 §4.2.2.2: the
// CA that issued the certificate is an authorized responder). An issuer whose
// certificate has expired, or whose key is neither in a file nor named by a URI, is not
// loaded.
//
// Issuers are told apart by their key, never by name: an imported issuer may carry the
// name of the one it replaces.
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ca/issuer.hpp"
#include "ca/ocsp.hpp"
#include "ca/pkcs11.hpp"
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
// not expired at the time asked, with a key file beside it or the URI of its key in a
// token.
struct PreviousIssuerFiles {
  std::filesystem::path cert;
  std::filesystem::path key;  // intermediate-key.pem; empty when the key is in a token
  std::string key_uri;        // the URI intermediate-key.uri holds, when there is no key file
};

// The file in an archive directory (ca/archive/<time>) that names the archived issuer's
// key in a PKCS#11 token.
std::filesystem::path archived_key_uri_file(const std::filesystem::path& archive);

// Writes uri (a PKCS#11 URI, checked: never a PIN) to archived_key_uri_file(archive).
core::Status write_archived_key_uri(const std::filesystem::path& archive, std::string_view uri);

// The archived ACME issuers of data directory dir that have a key file or key URI and whose
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

// Opens each of previous_issuer_files(). A key in a token is reached through token's
// login (Pkcs11Key::another_key: the server's [ca] key, same module and PIN); without
// token, or on another token, it is not loaded. One that cannot be opened (a key that
// does not match its certificate, an unreadable file, a key not found) is left out and
// named in `skipped`.
std::vector<PreviousIssuer> load_previous_issuers(
    const std::filesystem::path& dir, X509* current, core::TimePoint now,
    std::vector<std::string>& skipped, const std::shared_ptr<const Pkcs11Key>& token = nullptr);

}  // namespace signet::ca
