#pragma once
// The certificate authority: a root and an intermediate it keeps on disk, and the
// leaf profile it signs with. Thread-safe after open(); every signing call is
// CPU-bound, so callers run it on a worker pool, not an I/O thread.
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "ca/builder.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct TlsCredentials {
  std::string chain_pem;
  std::string key_pem;
};

class CertificateAuthority {
 public:
  // Loads the hierarchy kept in dir (root.pem, ca/*), creating it on first start:
  // an ECDSA P-384 root and an ECDSA P-256 intermediate, keys written with mode 0600.
  static core::Result<std::unique_ptr<CertificateAuthority>> open(const std::filesystem::path& dir,
                                                                  const core::Clock& clock);
  ~CertificateAuthority();

  core::Result<IssuedCertificate> issue_leaf(const LeafRequest& req) const;

  // A key and certificate for Signet's own HTTPS listener, kept in dir/tls and
  // renewed when missing, for other names, or within 30 days of expiry.
  core::Result<TlsCredentials> server_credentials(const std::vector<core::Identifier>& names) const;
  // Signet's client certificate for its vantage agents (TLS client usage only), kept
  // and renewed the same way.
  core::Result<TlsCredentials> client_credentials(const std::vector<core::Identifier>& names) const;
  // A fresh key and certificate, not kept: for a vantage agent's listener.
  core::Result<TlsCredentials> issue_credentials(const std::vector<core::Identifier>& names,
                                                 KeyPurpose purpose) const;

  const std::string& root_pem() const;
  const std::string& intermediate_pem() const;
  std::filesystem::path root_path() const;

  // 128 random bits as 32 lower-case hex digits (a positive DER INTEGER).
  static std::string random_serial();

 private:
  core::Result<TlsCredentials> kept_credentials(const std::string& stem,
                                                const std::vector<core::Identifier>& names,
                                                KeyPurpose purpose) const;
  struct State;
  explicit CertificateAuthority(std::unique_ptr<State> s);
  std::unique_ptr<State> s_;
};

// The serial of a DER certificate, as random_serial() spells it.
core::Result<std::string> certificate_serial(const std::string& der);

}  // namespace signet::ca
