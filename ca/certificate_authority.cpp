#include "ca/certificate_authority.hpp"

#include <openssl/rand.h>

#include "ca/x509.hpp"
#include "core/files.hpp"
#include "policy/csr.hpp"
#include "policy/key_policy.hpp"

namespace signet::ca {
namespace fs = std::filesystem;
using core::ossl::Pkey;
using core::ossl::X509Ptr;

namespace {

constexpr auto kRootValidity = std::chrono::hours(24 * 365 * 20);
constexpr auto kIntermediateValidity = std::chrono::hours(24 * 365 * 5);
constexpr auto kServerCertValidity = std::chrono::hours(24 * 90);
constexpr auto kServerCertRenewBefore = std::chrono::hours(24 * 30);

std::string hex(const std::string& bytes) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += digits[c >> 4];
    out += digits[c & 15];
  }
  return out;
}

std::string unhex(const std::string& text) {
  std::string out;
  for (std::size_t i = 0; i + 1 < text.size(); i += 2) {
    out += static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16));
  }
  return out;
}

core::Result<X509Ptr> make_ca_cert(EVP_PKEY* subject_key, const std::string& cn, X509* issuer,
                                   EVP_PKEY* issuer_key, core::TimePoint now,
                                   core::Seconds validity, bool is_root) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  std::string serial_bytes(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(serial_bytes.data()), 16);
  serial_bytes[0] = static_cast<char>(serial_bytes[0] & 0x7f);
  detail::set_serial(cert.get(), serial_bytes);
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("Signet"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name);
  detail::set_validity(cert.get(), core::to_unix(now - std::chrono::hours(1)),
                       core::to_unix(now + validity));
  X509_set_pubkey(cert.get(), subject_key);
  X509* iss = issuer ? issuer : cert.get();
  const bool ok =
      detail::add_ext(cert.get(), iss, NID_basic_constraints,
                      is_root ? "critical,CA:TRUE" : "critical,CA:TRUE,pathlen:0") &&
      detail::add_ext(cert.get(), iss, NID_key_usage,
                      "critical,keyCertSign,cRLSign,digitalSignature") &&
      detail::add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
      (is_root || detail::add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always")) &&
      detail::sign(cert.get(), issuer_key);
  if (!ok) return core::internal_error("building CA certificate: " + core::ossl::last_error());
  return cert;
}

}  // namespace

struct CertificateAuthority::State {
  const core::Clock& clock;
  fs::path dir;
  Pkey intermediate_key;
  X509Ptr intermediate;
  X509Ptr root;
  std::string root_pem;
  std::string intermediate_pem;
};

CertificateAuthority::CertificateAuthority(std::unique_ptr<State> s) : s_(std::move(s)) {}
CertificateAuthority::~CertificateAuthority() = default;

core::Result<std::unique_ptr<CertificateAuthority>> CertificateAuthority::open(
    const fs::path& dir, const core::Clock& clock) {
  std::error_code ec;
  fs::create_directories(dir / "ca", ec);
  if (ec)
    return core::internal_error("cannot create " + (dir / "ca").string() + ": " + ec.message());
  fs::permissions(dir / "ca", fs::perms::owner_all, ec);

  const fs::path root_cert = dir / "root.pem", root_key = dir / "ca" / "root-key.pem",
                 int_cert = dir / "ca" / "intermediate.pem",
                 int_key = dir / "ca" / "intermediate-key.pem";

  if (!fs::exists(root_cert) || !fs::exists(int_cert)) {
    // First start: a fresh hierarchy. Names carry a random suffix so two Signet
    // installations never present the same issuer name.
    std::string tag(4, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(tag.data()), 4);
    const std::string suffix = hex(tag);
    Pkey rk(EVP_EC_gen("P-384"));
    Pkey ik(EVP_EC_gen("P-256"));
    if (!rk || !ik) return core::internal_error("CA key generation failed");
    const auto now = clock.now();
    auto root = make_ca_cert(rk.get(), "Signet Root CA " + suffix, nullptr, rk.get(), now,
                             kRootValidity, true);
    if (!root) return std::move(root).error();
    auto inter = make_ca_cert(ik.get(), "Signet Intermediate CA " + suffix, root->get(), rk.get(),
                              now, kIntermediateValidity, false);
    if (!inter) return std::move(inter).error();
    for (auto st : {core::write_file(root_key, detail::key_to_pem(rk.get()), 0600),
                    core::write_file(int_key, detail::key_to_pem(ik.get()), 0600),
                    core::write_file(int_cert, detail::to_pem(inter->get()), 0644),
                    core::write_file(root_cert, detail::to_pem(root->get()), 0644)}) {
      if (!st) return std::move(st).error();
    }
  }

  auto s = std::make_unique<State>(State{clock, dir, nullptr, nullptr, nullptr, {}, {}});
  auto rp = core::read_file(root_cert);
  auto ip = core::read_file(int_cert);
  auto ikp = core::read_file(int_key);
  if (!rp) return std::move(rp).error();
  if (!ip) return std::move(ip).error();
  if (!ikp) return std::move(ikp).error();
  auto root = detail::x509_from_pem(*rp);
  auto inter = detail::x509_from_pem(*ip);
  auto key = detail::key_from_pem(*ikp);
  if (!root) return std::move(root).error();
  if (!inter) return std::move(inter).error();
  if (!key) return std::move(key).error();
  if (X509_check_private_key(inter->get(), key->get()) != 1) {
    return core::internal_error("intermediate key does not match its certificate");
  }
  s->root_pem = std::move(*rp);
  s->intermediate_pem = std::move(*ip);
  s->root = std::move(root).value();
  s->intermediate = std::move(inter).value();
  s->intermediate_key = std::move(key).value();
  return std::unique_ptr<CertificateAuthority>(new CertificateAuthority(std::move(s)));
}

std::string CertificateAuthority::random_serial() {
  std::string bytes(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 16);
  if (bytes[0] == 0) bytes[0] = 1;  // keep the fixed 32-digit spelling
  return hex(bytes);
}

core::Result<IssuedCertificate> CertificateAuthority::issue_leaf(const LeafRequest& req) const {
  // A last re-check of the key before it is certified.
  if (auto st = policy::check_key(req.public_key.get(), policy::KeyUse::Certificate); !st) {
    return std::move(st).error();
  }
  if (req.identifiers.empty()) return core::internal_error("leaf request without names");
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  if (!detail::set_serial(cert.get(), unhex(req.serial))) {
    return core::internal_error("bad serial " + req.serial);
  }
  X509_set_issuer_name(cert.get(), X509_get_subject_name(s_->intermediate.get()));
  const auto& first = req.identifiers.front().value;
  if (first.size() <= 64) {  // RFC 5280 ub-common-name
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(first.c_str()), -1, -1, 0);
  }
  detail::set_validity(cert.get(), core::to_unix(req.validity.not_before),
                       core::to_unix(req.validity.not_after));
  X509_set_pubkey(cert.get(), req.public_key.get());
  X509* iss = s_->intermediate.get();
  const bool rsa = EVP_PKEY_get_base_id(req.public_key.get()) == EVP_PKEY_RSA;
  const bool ok =
      detail::add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
      detail::add_ext(
          cert.get(), iss, NID_key_usage,
          rsa ? "critical,digitalSignature,keyEncipherment" : "critical,digitalSignature") &&
      detail::add_ext(cert.get(), iss, NID_ext_key_usage,
                      req.purpose == KeyPurpose::TlsServer ? "serverAuth" : "clientAuth") &&
      detail::add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
      detail::add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always") &&
      detail::add_san(cert.get(), req.identifiers) &&
      detail::sign(cert.get(), s_->intermediate_key.get());
  if (!ok) return core::internal_error("building leaf certificate: " + core::ossl::last_error());

  unsigned char* der = nullptr;
  const int len = i2d_X509(cert.get(), &der);
  if (len <= 0) return core::internal_error("encoding leaf: " + core::ossl::last_error());
  IssuedCertificate out;
  out.der.assign(reinterpret_cast<char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  out.chain_pem = detail::to_pem(cert.get()) + s_->intermediate_pem;
  out.not_before = req.validity.not_before;
  out.not_after = req.validity.not_after;
  return out;
}

core::Result<TlsCredentials> CertificateAuthority::server_credentials(
    const std::vector<core::Identifier>& names) const {
  return kept_credentials("server", names, KeyPurpose::TlsServer);
}

core::Result<TlsCredentials> CertificateAuthority::client_credentials(
    const std::vector<core::Identifier>& names) const {
  return kept_credentials("client", names, KeyPurpose::TlsClient);
}

core::Result<TlsCredentials> CertificateAuthority::issue_credentials(
    const std::vector<core::Identifier>& names, KeyPurpose purpose) const {
  Pkey k(EVP_EC_gen("P-256"));
  if (!k) return core::internal_error("TLS key generation failed");
  const auto now = s_->clock.now();
  LeafRequest req{core::ossl::SharedPkey(EVP_PKEY_dup(k.get()), EVP_PKEY_free),
                  names,
                  {now - std::chrono::hours(1), now + kServerCertValidity},
                  random_serial(),
                  purpose};
  auto issued = issue_leaf(req);
  if (!issued) return std::move(issued).error();
  return TlsCredentials{issued->chain_pem, detail::key_to_pem(k.get())};
}

core::Result<TlsCredentials> CertificateAuthority::kept_credentials(
    const std::string& stem, const std::vector<core::Identifier>& names, KeyPurpose purpose) const {
  const fs::path tls = s_->dir / "tls";
  const fs::path cert_path = tls / (stem + ".pem"), key_path = tls / (stem + "-key.pem");
  std::error_code ec;
  fs::create_directories(tls, ec);
  if (ec) return core::internal_error("cannot create " + tls.string() + ": " + ec.message());

  auto chain = core::read_file(cert_path);
  auto key = core::read_file(key_path);
  if (chain && key) {
    auto cert = detail::x509_from_pem(*chain);
    if (cert) {
      const auto renew_at = s_->clock.now() + kServerCertRenewBefore;
      const time_t t = std::chrono::system_clock::to_time_t(renew_at);
      bool names_ok = true;
      for (const auto& n : names) {
        const int r =
            n.type == core::IdentifierType::Dns
                ? X509_check_host(cert->get(), n.value.c_str(), n.value.size(), 0, nullptr)
                : X509_check_ip_asc(cert->get(), n.value.c_str(), 0);
        names_ok = names_ok && r == 1;
      }
      if (names_ok && X509_cmp_time(X509_get0_notAfter(cert->get()), const_cast<time_t*>(&t)) > 0 &&
          X509_check_issued(s_->intermediate.get(), cert->get()) == X509_V_OK) {
        return TlsCredentials{std::move(*chain), std::move(*key)};
      }
    }
  }
  auto creds = issue_credentials(names, purpose);
  if (!creds) return creds;
  if (auto st = core::write_file(key_path, creds->key_pem, 0600); !st) return std::move(st).error();
  if (auto st = core::write_file(cert_path, creds->chain_pem, 0644); !st)
    return std::move(st).error();
  return creds;
}

const std::string& CertificateAuthority::root_pem() const {
  return s_->root_pem;
}
const std::string& CertificateAuthority::intermediate_pem() const {
  return s_->intermediate_pem;
}
fs::path CertificateAuthority::root_path() const {
  return s_->dir / "root.pem";
}

core::Result<std::string> certificate_serial(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  if (!cert) return core::make_error(core::ProblemType::Malformed, "Unparseable certificate");
  core::ossl::Bignum bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert.get()), nullptr));
  if (!bn || BN_num_bytes(bn.get()) > 16) {
    return core::make_error(core::ProblemType::NotFound, "Certificate not issued by this CA");
  }
  std::string bytes(16, '\0');
  BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), 16);
  return hex(bytes);
}

}  // namespace signet::ca
