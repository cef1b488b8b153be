#include "ca/certificate_authority.hpp"

#include <mutex>

#include "ca/chains.hpp"
#include "ca/hierarchy.hpp"
#include "ca/x509.hpp"

namespace signet::ca {
namespace fs = std::filesystem;

namespace {

const CertificateProfile& infrastructure_profile(KeyPurpose purpose) {
  return purpose == KeyPurpose::TlsServer ? infrastructure_tls_server_profile()
                                          : infrastructure_tls_client_profile();
}

}  // namespace

struct CertificateAuthority::State {
  const core::Clock& clock;
  fs::path dir;
  Hierarchy hierarchy;
  std::vector<PreviousIssuer> previous{};
  std::vector<std::string> previous_skipped{};
  std::shared_ptr<const Pkcs11Key> acme_token_key;
  std::mutex ocsp_responder_mutex{};  // one renewal at a time, and guards:
  std::shared_ptr<const OcspSigner> acme_as_responder{};
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<State> s) : s_(std::move(s)) {}
CertificateAuthority::~CertificateAuthority() = default;

core::Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::open(
    const fs::path& dir, const core::Clock& clock,
    std::shared_ptr<const Pkcs11Key> acme_token_key) {
  auto h = open_hierarchy(dir, clock, acme_token_key);
  if (!h) return std::move(h).error();
  auto s =
      std::unique_ptr<State>(new State{clock, dir, std::move(h).value(), {}, {}, acme_token_key});
  // Previous issuers whose keys are in the token: through the same login.
  s->previous = load_previous_issuers(dir, s->hierarchy.acme->certificate(), clock.now(),
                                      s->previous_skipped, acme_token_key);
  return std::unique_ptr<CertificateAuthority>(new CertificateAuthority(std::move(s)));
}

core::Result<TbsCertificate> CertificateAuthority::prepare_leaf(const CertificateProfile& profile,
                                                                const LeafRequest& req) const {
  return build_tbs(acme_issuer(), profile, req);
}

core::Result<IssuedCertificate> CertificateAuthority::sign_leaf(TbsCertificate&& tbs) const {
  return sign_tbs(acme_issuer(), std::move(tbs));
}

core::Result<IssuedCertificate> CertificateAuthority::issue_leaf(const CertificateProfile& profile,
                                                                 const LeafRequest& req) const {
  auto tbs = prepare_leaf(profile, req);
  if (!tbs) return std::move(tbs).error();
  return sign_leaf(std::move(tbs).value());
}

core::Result<TlsCredentials> CertificateAuthority::server_credentials(
    const std::vector<core::Identifier>& names) const {
  return kept_credentials(s_->dir / "tls", "server", infrastructure_issuer(),
                          infrastructure_tls_server_profile(), names, s_->clock);
}

core::Result<TlsCredentials> CertificateAuthority::client_credentials(
    const std::vector<core::Identifier>& names) const {
  return kept_credentials(s_->dir / "tls", "client", infrastructure_issuer(),
                          infrastructure_tls_client_profile(), names, s_->clock);
}

core::Result<TlsCredentials> CertificateAuthority::issue_credentials(
    const std::vector<core::Identifier>& names, KeyPurpose purpose) const {
  return fresh_credentials(infrastructure_issuer(), infrastructure_profile(purpose), names,
                           s_->clock);
}

core::Result<OcspResponder> CertificateAuthority::ocsp_responder() const {
  std::lock_guard lock(s_->ocsp_responder_mutex);
  return kept_ocsp_responder(s_->dir / "ca", acme_issuer(), s_->clock);
}

core::Result<OcspResponder> CertificateAuthority::issuer_ocsp_responder() const {
  std::lock_guard lock(s_->ocsp_responder_mutex);
  if (!s_->acme_as_responder) {
    const auto& token = s_->acme_token_key;
    auto key =
        token ? token->private_key() : detail::key_from_file(HierarchyPaths(s_->dir).acme_key);
    if (!key) return std::move(key).error();
    auto signer =
        OcspSigner::create(core::ossl::X509Ptr(X509_dup(acme_issuer().certificate())),
                           std::move(key).value(), token ? token->signing_mutex() : nullptr);
    if (!signer) return std::move(signer).error();
    s_->acme_as_responder = std::make_shared<const OcspSigner>(std::move(signer).value());
  }
  return OcspResponder{s_->acme_as_responder};
}

const Issuer& CertificateAuthority::acme_issuer() const {
  return *s_->hierarchy.acme;
}
const Issuer& CertificateAuthority::infrastructure_issuer() const {
  return *s_->hierarchy.infrastructure;
}
const std::vector<PreviousIssuer>& CertificateAuthority::previous_issuers() const {
  return s_->previous;
}
const std::vector<std::string>& CertificateAuthority::previous_issuers_skipped() const {
  return s_->previous_skipped;
}

std::vector<std::string> CertificateAuthority::alternate_chains(
    const std::string& chain_pem) const {
  return ca::alternate_chains(s_->hierarchy.alternates, chain_pem);
}
const policy::NameConstraints& CertificateAuthority::name_constraints() const {
  return s_->hierarchy.constraints;
}

const std::string& CertificateAuthority::root_pem() const {
  return s_->hierarchy.root_pem;
}
const std::string& CertificateAuthority::intermediate_pem() const {
  return s_->hierarchy.acme->chain_pem();
}
fs::path CertificateAuthority::root_path() const {
  return s_->dir / "root.pem";
}

core::Result<std::string> certificate_serial(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return core::make_error(core::ProblemType::Malformed, "Unparseable certificate");
  core::ossl::Bignum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (!bn || BN_num_bytes(bn.get()) > 16) {
    return core::make_error(core::ProblemType::NotFound, "Certificate not issued by this CA");
  }
  std::string bytes(16, '\0');
  BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), 16);
  return detail::hex(bytes);
}

}  // namespace signet::ca
