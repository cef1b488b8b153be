#pragma once
// The certificate authority: the hierarchy kept on disk (a root and two issuers under
// it, see ca/hierarchy.hpp) and the profiles it signs with. ACME leaves come from the
// ACME issuer; Signet's own TLS credentials from the infrastructure issuer, so that no
// certificate a subscriber holds chains through the issuer Signet trusts for itself.
// Thread-safe after open(); every signing call is CPU-bound, so callers run it on a
// worker pool, not an I/O thread.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ca/builder.hpp"
#include "ca/credentials.hpp"
#include "ca/issuer.hpp"
#include "ca/ocsp_responder.hpp"
#include "ca/pkcs11.hpp"
#include "ca/previous.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/result.hpp"
#include "policy/name_constraints.hpp"

namespace signet::ca {

class CertificateAuthority {
 public:
  // Loads the hierarchy kept in dir (root.pem, ca/*), creating on first start an ECDSA
  // P-384 root and two ECDSA P-256 intermediates (ACME and infrastructure), keys written
  // with mode 0600; a directory made before the infrastructure issuer existed gets one.
  // With acme_token_key, the ACME issuer signs with that key in a PKCS#11 token (see
  // open_hierarchy in ca/hierarchy.hpp), and previous ACME issuers whose keys are in
  // the same token sign through its login (ca/previous.hpp).
  static core::Result<std::unique_ptr<CertificateAuthority>> open(
      const std::filesystem::path& dir, const core::Clock& clock,
      std::shared_ptr<const Pkcs11Key> acme_token_key = nullptr);
  ~CertificateAuthority();

  // ACME leaves as a profile describes them, in two steps so that the caller records
  // the certificate (serial, names, key hash) before it is signed.
  core::Result<TbsCertificate> prepare_leaf(const CertificateProfile& profile,
                                            const LeafRequest& req) const;
  core::Result<IssuedCertificate> sign_leaf(TbsCertificate&& tbs) const;
  // Both steps at once.
  core::Result<IssuedCertificate> issue_leaf(const CertificateProfile& profile,
                                             const LeafRequest& req) const;

  // Infrastructure credentials, all from the infrastructure issuer, their chain the
  // leaf and that issuer. When one signs a certificate, the result's newly_signed
  // describes it for the caller to record.
  //
  // A key and certificate for Signet's own HTTPS listener, kept in dir/tls and
  // renewed when missing, for other names, within 30 days of expiry, or not from the
  // infrastructure issuer.
  core::Result<TlsCredentials> server_credentials(const std::vector<core::Identifier>& names) const;
  // Signet's client certificate for its vantage agents (TLS client usage only), kept
  // and renewed the same way.
  core::Result<TlsCredentials> client_credentials(const std::vector<core::Identifier>& names) const;
  // A fresh key and certificate, not kept: for a vantage agent's listener.
  core::Result<TlsCredentials> issue_credentials(const std::vector<core::Identifier>& names,
                                                 KeyPurpose purpose) const;

  // The delegated OCSP responder for ACME leaves (ca/ocsp_responder.hpp), issued by the
  // ACME issuer and kept as dir/ca/ocsp-responder.pem and -key.pem: reused while it
  // comes from that issuer and has a third of its 30 days to run, else renewed with a
  // new key. newly_signed is set when it was renewed. Calls are serialised.
  core::Result<OcspResponder> ocsp_responder() const;
  // The ACME issuer answering for itself (RFC 6960 §4.2.2.2: the CA that issued the
  // certificate), signing with its own key: through the token when the key is there,
  // one signature at a time. Made on the first call and kept; nothing is written.
  core::Result<OcspResponder> issuer_ocsp_responder() const;

  const Issuer& acme_issuer() const;
  const Issuer& infrastructure_issuer() const;
  // The previous ACME issuers whose revocation status is still published
  // (ca/previous.hpp), loaded when opened, oldest first; and those archived that could
  // not be loaded, each with the reason (for the log).
  const std::vector<PreviousIssuer>& previous_issuers() const;
  const std::vector<std::string>& previous_issuers_skipped() const;

  // The chains offered beside a certificate's own (RFC 8555 §7.4.2): the leaf of
  // chain_pem followed by each alternate chain kept for its issuer (ca/alternates,
  // written by `signet ca rollover --root`). Empty when there are none.
  std::vector<std::string> alternate_chains(const std::string& chain_pem) const;
  // The name constraints of the ACME issuer and the chain above it (an imported CA's),
  // for the identifier policy; empty for Signet's own hierarchy.
  const policy::NameConstraints& name_constraints() const;

  const std::string& root_pem() const;
  // The ACME issuer's chain: what follows an ACME leaf.
  const std::string& intermediate_pem() const;
  std::filesystem::path root_path() const;

 private:
  struct State;
  explicit CertificateAuthority(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// The serial of a DER certificate, as random_serial() spells it.
core::Result<std::string> certificate_serial(const std::string& der);

}  // namespace signet::ca
