#pragma once
// `signet ca import`: Signet issues under an existing intermediate (bring your own CA).
//
// The certificate, its key and the chain above it are checked before anything is
// written: the key matches the certificate; the certificate is a CA that may sign
// leaves (basicConstraints CA:TRUE, keyUsage keyCertSign, an extended key usage, if
// any, that allows serverAuth) and is valid now; the chain verifies from it up to its
// top (path length and name constraints included). Then the ACME issuer's files are
// archived (ca/archive.hpp) and replaced:
//
//   ca/intermediate-key.pem   the key (0600)      ca/intermediate.pem   the certificate
//   ca/chain.pem              the chain served after it, without a self-signed root
//   root.pem                  the top of the chain first (the root relying parties
//                             trust), then the roots it held (Signet's own, under which
//                             the infrastructure issuer stays)
//
// Signet issues under the imported CA from its next start. Name constraints of the
// certificate and its chain bound the names orders may ask for (policy/name_constraints).
#include <filesystem>
#include <optional>
#include <string>

#include "ca/pkcs11.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct ImportRequest {
  std::filesystem::path cert;   // PEM: the intermediate (any certificates after it join
                                // the chain)
  std::string key;              // a PEM key file, or a PKCS#11 URI ("pkcs11:...")
  std::filesystem::path chain;  // PEM: the certificates above it; empty for none (the
                                // certificate is then its own trust anchor)
  // When key is a PKCS#11 URI: its token, logged in (ca/pkcs11.hpp). The key stays there:
  // no key file is written, and the ACME issuer's old key file is removed (archived), so
  // the server signs through the token ([ca] key) from its next start.
  const Pkcs11Key* token_key = nullptr;
};

struct ImportResult {
  std::string subject;            // the imported certificate's, one line
  std::string root_subject;       // the top of its chain: what root.pem now starts with
  std::filesystem::path archive;  // where the replaced files were copied
};

// Imports into the data directory dir (creating Signet's own hierarchy first when there
// is none, for its infrastructure issuer). Nothing changes on an error, which says
// what is wrong.
core::Result<ImportResult> import_ca(const std::filesystem::path& dir, const ImportRequest& r,
                                     const core::Clock& clock);

}  // namespace signet::ca
