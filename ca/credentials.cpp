#include "ca/credentials.hpp"

#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;

namespace {

constexpr auto kBackdate = std::chrono::hours(1);
constexpr auto kRenewBefore = std::chrono::hours(24 * 30);

bool covers(X509* cert, const std::vector<core::Identifier>& names) {
  for (const auto& n : names) {
    const int r = n.type == core::IdentifierType::Dns
                      ? X509_check_host(cert, n.value.c_str(), n.value.size(), 0, nullptr)
                      : X509_check_ip_asc(cert, n.value.c_str(), 0);
    if (r != 1) return false;
  }
  return true;
}

bool has_usages(X509* cert, const CertificateProfile& profile) {
  for (KeyPurpose k : profile.extended_key_usages) {
    const int id = k == KeyPurpose::TlsServer ? X509_PURPOSE_SSL_SERVER : X509_PURPOSE_SSL_CLIENT;
    if (X509_check_purpose(cert, id, 0) != 1) return false;
  }
  return true;
}

// Whether kept credentials can serve another start.
bool still_good(const std::string& chain_pem, const std::string& key_pem, const Issuer& issuer,
                const CertificateProfile& profile, const std::vector<core::Identifier>& names,
                core::TimePoint renew_at) {
  auto cert = detail::x509_from_pem(chain_pem);
  auto key = detail::key_from_pem(key_pem);
  if (!cert || !key) return false;
  X509* leaf = cert->get();
  X509* iss = issuer.certificate();
  time_t t = std::chrono::system_clock::to_time_t(renew_at);
  // Signed by this issuer (name, key identifier and signature): credentials from
  // another issuer, such as the ACME intermediate before there was an
  // infrastructure one, are replaced.
  return covers(leaf, names) && X509_cmp_time(X509_get0_notAfter(leaf), &t) > 0 &&
         X509_check_issued(iss, leaf) == X509_V_OK &&
         X509_verify(leaf, X509_get0_pubkey(iss)) == 1 &&
         chain_pem.find(issuer.chain_pem()) != std::string::npos && has_usages(leaf, profile) &&
         X509_check_private_key(leaf, key->get()) == 1;
}

}  // namespace

core::Result<TlsCredentials> fresh_credentials(const Issuer& issuer,
                                               const CertificateProfile& profile,
                                               const std::vector<core::Identifier>& names,
                                               const core::Clock& clock) {
  core::ossl::Pkey key(EVP_EC_gen("P-256"));
  if (!key) return core::internal_error("TLS key generation failed: " + core::ossl::last_error());
  const auto now = clock.now();
  LeafRequest req{core::ossl::SharedPkey(EVP_PKEY_dup(key.get()), EVP_PKEY_free),
                  names,
                  {now - kBackdate, now + profile.validity},
                  random_serial()};
  auto tbs = build_tbs(issuer, profile, req);
  if (!tbs) return std::move(tbs).error();
  SignedRecord record = describe(*tbs);
  auto issued = sign_tbs(issuer, std::move(tbs).value());
  if (!issued) return std::move(issued).error();
  record.der = std::move(issued->der);
  return TlsCredentials{std::move(issued->chain_pem), detail::key_to_pem(key.get()),
                        std::move(record)};
}

core::Result<TlsCredentials> kept_credentials(const fs::path& dir, const std::string& stem,
                                              const Issuer& issuer,
                                              const CertificateProfile& profile,
                                              const std::vector<core::Identifier>& names,
                                              const core::Clock& clock) {
  const fs::path cert_path = dir / (stem + ".pem"), key_path = dir / (stem + "-key.pem");
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::internal_error("cannot create " + dir.string() + ": " + ec.message());

  auto chain = core::read_file(cert_path);
  auto key = core::read_file(key_path);
  if (chain && key &&
      still_good(*chain, *key, issuer, profile, names, clock.now() + kRenewBefore)) {
    return TlsCredentials{std::move(chain).value(), std::move(key).value()};
  }
  auto creds = fresh_credentials(issuer, profile, names, clock);
  if (!creds) return creds;
  // Key first: a crash in between leaves a pair that does not match, renewed next time.
  if (auto st = core::write_file(key_path, creds->key_pem, 0600); !st) return std::move(st).error();
  if (auto st = core::write_file(cert_path, creds->chain_pem, 0644); !st) {
    return std::move(st).error();
  }
  return creds;
}

}  // namespace signet::ca
