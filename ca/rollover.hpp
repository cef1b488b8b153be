#pragma once
// `signet ca rollover`: a new ACME issuer while the old one stays valid.
//
// Without a new root: a new P-256 intermediate (its own name) under the current root,
// signed with ca/root-key.pem. With one (`--root`): a new P-384 root, the same root
// cross-signed by the current one (a certificate with the new root's subject and key,
// issued by the current root), and the new intermediate under the new root. Files:
//
//   ca/intermediate-key.pem, ca/intermediate.pem   the new ACME issuer
//   ca/root-key.pem                                the new root's key (--root)
//   ca/alternates/<time>.pem                       the new issuer, then the cross
//                                                  certificate (--root): the alternate
//                                                  chain, up to the current root
//   root.pem                                       the new root first, then the roots
//                                                  it held (--root)
//
// With a key in a PKCS#11 token (`--pkcs11`), the new ACME issuer's key is made there
// (ca/pkcs11.hpp: P-256, sensitive, not extractable) and never leaves it: no
// ca/intermediate-key.pem is written, and the old one, if any, is removed once archived
// (the server signs through the token, [ca] key, from its next start).
//
// The replaced files are archived first (ca/archive.hpp); no key is deleted. Leaves
// come from the new issuer from the next start; their default chain ends at the new
// root, their alternate one (RFC 8555 §7.4.2, `Link: rel="alternate"`) at the old.
// The infrastructure issuer stays where it is.
#include <filesystem>
#include <optional>
#include <string>

#include "ca/pkcs11.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct RolloverResult {
  std::string intermediate_subject;
  std::string root_subject;             // what the new intermediate is issued under
  std::optional<std::string> cross_of;  // --root: the root that cross-signed the new one
  std::filesystem::path archive;        // where the replaced files were copied
};

// Refused, changing nothing, when the current root's key is not in the directory (an
// imported CA: import a new intermediate instead), or when token_key's token already
// holds the key its URI names. The current ACME issuer's key is not needed: it may be a
// file or in a token.
core::Result<RolloverResult> rollover_ca(const std::filesystem::path& dir, bool new_root,
                                         const core::Clock& clock,
                                         const Pkcs11Key* token_key = nullptr);

}  // namespace signet::ca
