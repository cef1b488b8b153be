#pragma once
// The CA hierarchy kept in a data directory. Private to ca/.
//
//   root.pem                          the root (ECDSA P-384), what relying parties trust
//   ca/root-key.pem                   its key, read only when an intermediate is created
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

#include "ca/issuer.hpp"
#include "ca/pkcs11.hpp"
#include "core/clock.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca {

// Where each file of the hierarchy lives in a data directory.
struct HierarchyPaths {
  explicit HierarchyPaths(const std::filesystem::path& dir)
      : root_cert(dir / "root.pem"),
        root_key(dir / "ca" / "root-key.pem"),
        acme_cert(dir / "ca" / "intermediate.pem"),
        acme_key(dir / "ca" / "intermediate-key.pem"),
        infrastructure_cert(dir / "ca" / "infrastructure.pem"),
        infrastructure_key(dir / "ca" / "infrastructure-key.pem") {}
  std::filesystem::path root_cert, root_key, acme_cert, acme_key, infrastructure_cert,
      infrastructure_key;
};

struct Hierarchy {
  core::ossl::X509Ptr root;
  std::string root_pem;
  std::unique_ptr<Issuer> acme;            // name "acme": a FileIssuer or a Pkcs11Issuer
  std::unique_ptr<Issuer> infrastructure;  // name "infrastructure"
};

// Loads the hierarchy in dir, first creating what is missing: all of it on first start;
// an intermediate whose certificate is absent (the infrastructure issuer, for a
// directory made before it existed) under the root already there. Checks that each
// key matches its certificate and that the root signed both intermediates.
//
// With acme_token_key, the ACME issuer's key is that key in a PKCS#11 token (ca/pkcs11.hpp):
// no ca/intermediate-key.pem is read or written, and a missing ca/intermediate.pem is made
// for the token's key (by `signet ca init --pkcs11`, or on the first start with a key
// made by other tools). The root and the infrastructure issuer keep file keys.
core::Result<Hierarchy> open_hierarchy(const std::filesystem::path& dir, const core::Clock& clock,
                                       std::shared_ptr<const Pkcs11Key> acme_token_key = nullptr);

}  // namespace signet::ca
