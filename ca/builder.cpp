#include "ca/builder.hpp"

#include <openssl/rand.h>

#include <algorithm>

#include "ca/lint/lint.hpp"
#include "ca/x509.hpp"
#include "policy/key_policy.hpp"

namespace signet::ca {

namespace {

constexpr auto kInfrastructureValidity = std::chrono::hours(24 * 90);

CertificateProfile tls_profile(std::string name, KeyPurpose purpose, core::Seconds validity) {
  CertificateProfile p;
  p.name = std::move(name);
  p.key_usages = {KeyUsage::DigitalSignature, KeyUsage::KeyEncipherment};
  p.extended_key_usages = {purpose};
  p.validity = validity;
  // Infrastructure certificates start an hour early (ca/credentials.cpp).
  p.max_validity = validity + std::chrono::hours(1);
  return p;
}

bool has(const std::vector<KeyUsage>& v, KeyUsage u) {
  return std::find(v.begin(), v.end(), u) != v.end();
}

lint::LeafExpectations expectations(const CertificateProfile& p) {
  lint::LeafExpectations want;
  for (KeyPurpose k : p.extended_key_usages)
    want.extended_key_usages.insert(k == KeyPurpose::TlsServer ? lint::Eku::ServerAuth
                                                               : lint::Eku::ClientAuth);
  want.max_validity = p.max_validity;
  want.key_encipherment_for_rsa = has(p.key_usages, KeyUsage::KeyEncipherment);
  want.revocation_pointers = p.revocation_pointers;
  return want;
}

// The keyUsage configuration text, or empty for none. RFC 5280 §4.2.1.3: critical.
std::string key_usage_text(const CertificateProfile& p, EVP_PKEY* subject_key) {
  std::string out;
  if (has(p.key_usages, KeyUsage::DigitalSignature)) out += ",digitalSignature";
  // RFC 8446 has no key transport and ECDSA keys cannot encipher: only RSA gets it.
  if (has(p.key_usages, KeyUsage::KeyEncipherment) &&
      EVP_PKEY_get_base_id(subject_key) == EVP_PKEY_RSA) {
    out += ",keyEncipherment";
  }
  return out.empty() ? out : "critical" + out;
}

std::string extended_key_usage_text(const CertificateProfile& p) {
  std::string out;
  for (KeyPurpose k : p.extended_key_usages) {
    if (!out.empty()) out += ",";
    out += k == KeyPurpose::TlsServer ? "serverAuth" : "clientAuth";
  }
  return out;
}

// The key types some configuration may accept for certificates: every type there is.
const policy::KeyPolicy& any_policy() {
  static const policy::KeyPolicy p([] {
    policy::KeyPolicyConfig c;
    c.certificate = c.account;
    return c;
  }());
  return p;
}

}  // namespace

CertificateProfile certificate_profile(const policy::Profile& p) {
  CertificateProfile c;
  c.name = p.name;
  for (auto u : p.key_usages) {
    c.key_usages.push_back(u == policy::KeyUsage::DigitalSignature ? KeyUsage::DigitalSignature
                                                                   : KeyUsage::KeyEncipherment);
  }
  for (auto e : p.extended_key_usages) {
    c.extended_key_usages.push_back(e == policy::ExtendedKeyUsage::ServerAuth
                                        ? KeyPurpose::TlsServer
                                        : KeyPurpose::TlsClient);
  }
  c.validity = p.default_validity;
  c.max_validity = p.max_validity;
  c.common_name_from_first_name = p.common_name;
  c.revocation_pointers = p.revocation_pointers;
  return c;
}

const CertificateProfile& infrastructure_tls_server_profile() {
  static const CertificateProfile p =
      tls_profile("infrastructure-tls-server", KeyPurpose::TlsServer, kInfrastructureValidity);
  return p;
}

const CertificateProfile& infrastructure_tls_client_profile() {
  static const CertificateProfile p =
      tls_profile("infrastructure-tls-client", KeyPurpose::TlsClient, kInfrastructureValidity);
  return p;
}

std::string random_serial() {
  std::string bytes(16, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), 16);
  if (bytes[0] == 0) bytes[0] = 1;  // keep the fixed 32-digit spelling
  return detail::hex(bytes);
}

core::Result<TbsCertificate> build_tbs(const Issuer& issuer, const CertificateProfile& profile,
                                       const LeafRequest& req) {
  EVP_PKEY* key = req.public_key.get();
  if (key == nullptr) return core::internal_error("leaf request without a key");
  // A last re-check of the key before it is certified. The configured policy ran when
  // the CSR was parsed; this one only keeps out what no configuration accepts.
  if (auto st = any_policy().check_type(key, policy::KeyUse::Certificate); !st) {
    return std::move(st).error();
  }
  if (req.identifiers.empty()) return core::internal_error("leaf request without names");
  // RFC 5280 §4.1.2.2: a positive integer of at most 20 octets.
  const auto serial = detail::unhex(req.serial);
  if (!serial || serial->empty() || serial->size() > 20 ||
      std::all_of(serial->begin(), serial->end(), [](char c) { return c == 0; })) {
    return core::internal_error("bad serial " + req.serial);
  }
  if (req.validity.not_after <= req.validity.not_before) {
    return core::internal_error("leaf request ends before it begins");
  }

  core::ossl::X509Ptr cert(X509_new());
  if (!cert) return core::internal_error("X509_new: " + core::ossl::last_error());
  X509* iss = issuer.certificate();
  X509_set_version(cert.get(), X509_VERSION_3);
  if (!detail::set_serial(cert.get(), *serial)) {
    return core::internal_error("bad serial " + req.serial);
  }
  X509_set_issuer_name(cert.get(), X509_get_subject_name(iss));
  const auto& first = req.identifiers.front().value;
  if (profile.common_name_from_first_name && first.size() <= 64) {  // ub-common-name
    X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(first.c_str()), -1, -1, 0);
  }
  detail::set_validity(cert.get(), core::to_unix(req.validity.not_before),
                       core::to_unix(req.validity.not_after));
  if (req.spki ? !core::ossl::copy_spki(cert.get(), req.spki.get())
               : X509_set_pubkey(cert.get(), key) != 1) {
    return core::internal_error("setting the public key: " + core::ossl::last_error());
  }

  const std::string ku = key_usage_text(profile, key);
  const std::string eku = extended_key_usage_text(profile);
  std::string aia;
  if (profile.revocation_pointers && !req.ocsp_url.empty()) aia = "OCSP;URI:" + req.ocsp_url;
  if (!req.ca_issuers_url.empty())
    aia += (aia.empty() ? "" : ",") + std::string("caIssuers;URI:") + req.ca_issuers_url;
  const bool ok =
      (!profile.basic_constraints_ca_false ||
       detail::add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE")) &&
      (ku.empty() || detail::add_ext(cert.get(), iss, NID_key_usage, ku.c_str())) &&
      (eku.empty() || detail::add_ext(cert.get(), iss, NID_ext_key_usage, eku.c_str())) &&
      (!profile.key_identifiers ||
       (detail::add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
        detail::add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always"))) &&
      detail::add_san(cert.get(), req.identifiers) &&
      (!profile.revocation_pointers || req.crl_url.empty() ||
       detail::add_ext(cert.get(), iss, NID_crl_distribution_points,
                       ("URI:" + req.crl_url).c_str())) &&
      (aia.empty() || detail::add_ext(cert.get(), iss, NID_info_access, aia.c_str()));
  if (!ok) return core::internal_error("building leaf certificate: " + core::ossl::last_error());
  if (auto st = lint::check_leaf({cert.get(), iss, key}, expectations(profile)); !st)
    return std::move(st).error();

  TbsCertificate tbs;
  tbs.x509 = std::move(cert);
  tbs.issuer = issuer.name();
  tbs.profile = profile.name;
  tbs.serial = detail::hex(*serial);
  tbs.identifiers = req.identifiers;
  tbs.key_spki_sha256 =
      core::ossl::sha256(core::ossl::spki_der(X509_get_X509_PUBKEY(tbs.x509.get())));
  tbs.not_before = core::from_unix(core::to_unix(req.validity.not_before));
  tbs.not_after = core::from_unix(core::to_unix(req.validity.not_after));
  return tbs;
}

core::Result<IssuedCertificate> sign_tbs(const Issuer& issuer, TbsCertificate&& tbs) {
  if (!tbs.x509) return core::internal_error("nothing to sign");
  if (tbs.issuer != issuer.name()) {
    return core::internal_error("certificate built for the " + tbs.issuer + " issuer offered to " +
                                issuer.name());
  }
  if (auto st = issuer.sign(tbs.x509.get()); !st) return std::move(st).error();
  IssuedCertificate out;
  out.der = detail::to_der(tbs.x509.get());
  if (out.der.empty()) return core::internal_error("encoding leaf: " + core::ossl::last_error());
  out.chain_pem = detail::to_pem(tbs.x509.get()) + issuer.chain_pem();
  out.not_before = tbs.not_before;
  out.not_after = tbs.not_after;
  return out;
}

core::Result<IssuedCertificate> build_and_sign(const Issuer& issuer,
                                               const CertificateProfile& profile,
                                               const LeafRequest& req) {
  auto tbs = build_tbs(issuer, profile, req);
  if (!tbs) return std::move(tbs).error();
  return sign_tbs(issuer, std::move(tbs).value());
}

SignedRecord describe(const TbsCertificate& tbs) {
  SignedRecord r;
  r.serial = tbs.serial;
  r.issuer = tbs.issuer;
  r.profile = tbs.profile;
  r.identifiers = tbs.identifiers;
  r.key_spki_sha256 = tbs.key_spki_sha256;
  r.not_before = tbs.not_before;
  r.not_after = tbs.not_after;
  return r;
}

}  // namespace signet::ca
