#pragma once
// The CA hierarchy kept in a data directory. Private to ca/.
//
//   root.pem                          the root (ECDSA P-384), what relying parties trust;
//                                     after `signet ca import` or `ca rollover --root`,
//                                     the new root first, then the roots still trusted
//                                     (ca/import.hpp, ca/rollover.hpp)
//   ca/root-key.pem                   its key, read only when an intermediate is created
//   ca/chain.pem                      an imported ACME issuer's chain, served after it
//   ca/alternates/*.pem               alternate chains (RFC 8555 §7.4.2): an issuer, then
//                                     the certificates above it (a cross-signed root)
//   ca/archive/<time>/                what an import or rollover replaced; never deleted
//   ca/intermediate.pem, -key.pem     the ACME issuer (P-256): subscribers' certificates
//   ca/infrastructure.pem, -key.pem   the infrastructure issuer (P-256): Signet's own
//                                     listener, its client certificate, vantage agents
//   ca/ocsp-responder.pem, -key.pem   the delegated OCSP responder (P-256), from the ACME
//                                     issuer; kept by ca/ocsp_responder.hpp, not here
//
// Each intermediate carries the extended key usages of what it signs: serverAuth for
// the ACME issuer, serverAuth and clientAuth for the infrastructure issuer.
// Keys are written with mode 0600, certificates with 0644; root.pem is written last, so
// a directory without it holds nothing worth keeping.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ca/issuer.hpp"
#include "ca/pkcs11.hpp"
#include "core/clock.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"
#include "policy/name_constraints.hpp"

namespace signet::ca {

// Where each file of the hierarchy lives in a data directory.
struct HierarchyPaths {
  explicit HierarchyPaths(const std::filesystem::path& dir)
      : root_cert(dir / "root.pem"),
        root_key(dir / "ca" / "root-key.pem"),
        acme_cert(dir / "ca" / "intermediate.pem"),
        acme_key(dir / "ca" / "intermediate-key.pem"),
        infrastructure_cert(dir / "ca" / "infrastructure.pem"),
        infrastructure_key(dir / "ca" / "infrastructure-key.pem"),
        acme_chain(dir / "ca" / "chain.pem"),
        alternates(dir / "ca" / "alternates"),
        archive(dir / "ca" / "archive") {}
  std::filesystem::path root_cert, root_key, acme_cert, acme_key, infrastructure_cert,
      infrastructure_key;
  std::filesystem::path acme_chain, alternates, archive;
};

struct Hierarchy {
  core::ossl::X509Ptr root;                    // the first certificate of root.pem
  std::string root_pem;                        // all of root.pem
  std::vector<core::ossl::X509Ptr> roots;      // every certificate of root.pem
  std::vector<std::string> alternates;         // ca/alternates, re-encoded
  policy::NameConstraints constraints;         // the ACME issuer's and its chain's
  std::unique_ptr<Issuer> acme;            // name "acme": a FileIssuer or a Pkcs11Issuer
  std::unique_ptr<Issuer> infrastructure;  // name "infrastructure"
};

// Loads the hierarchy in dir, first creating what is missing: all of it on first start;
// an intermediate whose certificate is absent (the infrastructure issuer, for a
// directory made before it existed) under the root already there. Checks that each
// key matches its certificate and that both intermediates chain (the ACME issuer
// through ca/chain.pem) up to a root in root.pem.
//
// With acme_token_key, the ACME issuer's key is that key in a PKCS#11 token (ca/pkcs11.hpp):
// no ca/intermediate-key.pem is read or written, and a missing ca/intermediate.pem is made
// for the token's key (by `signet ca init --pkcs11`, or on the first start with a key
// made by other tools). The root and the infrastructure issuer keep file keys.
core::Result<Hierarchy> open_hierarchy(const std::filesystem::path& dir, const core::Clock& clock,
                                       std::shared_ptr<const Pkcs11Key> acme_token_key = nullptr);

// The roots of root.pem, for `signet ca import` and `signet ca rollover`, which replace
// the ACME issuer: the hierarchy opened (created when there is none) and checked as
// open_hierarchy does, except that an ACME issuer whose key is not a file (kept in a
// PKCS#11 token: ca/intermediate.pem without ca/intermediate-key.pem) is checked by its
// certificate alone, so that the token need not be reachable.
core::Result<std::vector<core::ossl::X509Ptr>> roots_to_replace_acme(
    const std::filesystem::path& dir, const core::Clock& clock);

// The pieces an import or a rollover builds with (ca/import.hpp, ca/rollover.hpp).
//
// Names carry a tag so that two installations never present the same issuer name: a
// random one, and the one in a root's common name ("Signet Root CA <tag>"; a random
// one for a root named otherwise).
std::string random_tag();
std::string tag_of(X509* root);
// A CA certificate for subject_key, unsigned, with subject "O=Signet, CN=<cn>";
// self-issued when issuer is null. RFC 5280 §4.2.1.9/§4.2.1.3: basic constraints and
// key usage critical; an intermediate that signs leaves only has pathlen:0 and the
// usages (eku) of what it signs.
core::Result<core::ossl::X509Ptr> build_ca_tbs(EVP_PKEY* subject_key, const std::string& cn,
                                               X509* issuer, core::TimePoint not_before,
                                               core::TimePoint not_after, const char* eku,
                                               bool signs_leaves_only);
// "Signet Root CA <tag>" for key, unsigned, valid from an hour before now for 20 years:
// self-issued with no issuer; with one, the same root as a cross certificate that issuer
// signs (no longer valid than the issuer). No path length limit.
core::Result<core::ossl::X509Ptr> build_root_tbs(EVP_PKEY* key, const std::string& tag,
                                                 X509* issuer, core::TimePoint now);
// A fresh ACME issuer (P-256, "Signet Intermediate CA <tag>") under root, written to
// ca/intermediate-key.pem, then ca/intermediate.pem. With token_key (the public half of
// a key made in a PKCS#11 token): the certificate for that key, and no key file.
core::Status create_acme_intermediate(const HierarchyPaths& p, X509* root,
                                      const KeySigner& root_signer, const std::string& tag,
                                      core::TimePoint now, EVP_PKEY* token_key = nullptr);

}  // namespace signet::ca
