#include "ca/ocsp_responder.hpp"

#include <algorithm>

#include "ca/lint/lint.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace fs = std::filesystem;

namespace {

constexpr auto kBackdate = std::chrono::hours(1);

// The installation's tag: the last word of the issuer's common name.
std::string tag_of(X509* issuer) {
  char cn[256] = {};
  const int n =
      X509_NAME_get_text_by_NID(X509_get_subject_name(issuer), NID_commonName, cn, sizeof cn);
  const std::string name(cn, n > 0 ? static_cast<std::size_t>(n) : 0);
  const auto space = name.rfind(' ');
  return space == std::string::npos ? name : name.substr(space + 1);
}

core::Result<core::ossl::X509Ptr> build_responder_tbs(const Issuer& issuer, EVP_PKEY* key,
                                                      const std::string& serial,
                                                      core::TimePoint now) {
  X509* iss = issuer.certificate();
  core::ossl::X509Ptr cert(X509_new());
  if (!cert) return core::internal_error("X509_new: " + core::ossl::last_error());
  const std::string cn = "Signet OCSP Responder " + tag_of(iss);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const auto not_before = now - kBackdate;
  // RFC 6960 §4.2.2.2: issued directly by the CA that issued the certificates it
  // answers for, with id-kp-OCSPSigning; BR 7.1.2.8 for the rest of the profile.
  bool ok = X509_set_version(cert.get(), X509_VERSION_3) == 1 &&
            detail::set_serial(cert.get(), *detail::unhex(serial)) &&
            X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>("Signet"), -1, -1,
                                       0) == 1 &&
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                       reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1,
                                       0) == 1 &&
            X509_set_issuer_name(cert.get(), X509_get_subject_name(iss)) == 1 &&
            X509_set_pubkey(cert.get(), key) == 1;
  // Never outliving the issuer that vouches for it.
  auto not_after = not_before + kOcspResponderValidity;
  if (auto issuer_end = detail::to_time_point(X509_get0_notAfter(iss))) {
    not_after = std::min(not_after, *issuer_end);
  }
  detail::set_validity(cert.get(), core::to_unix(not_before), core::to_unix(not_after));
  ok = ok && detail::add_ext(cert.get(), iss, NID_basic_constraints, "critical,CA:FALSE") &&
       detail::add_ext(cert.get(), iss, NID_key_usage, "critical,digitalSignature") &&
       detail::add_ext(cert.get(), iss, NID_ext_key_usage, "OCSPSigning") &&
       // RFC 6960 §4.2.2.2.1: clients need not ask about the responder's certificate.
       detail::add_ext(cert.get(), iss, NID_id_pkix_OCSP_noCheck, "ignored") &&
       detail::add_ext(cert.get(), iss, NID_subject_key_identifier, "hash") &&
       detail::add_ext(cert.get(), iss, NID_authority_key_identifier, "keyid:always");
  if (!ok)
    return core::internal_error("building OCSP responder certificate: " + core::ossl::last_error());
  return cert;
}

// Renewed with a third of its lifetime left, which also outlasts any response it
// signed (at most ten days, nextUpdate before the responder's notAfter).
core::TimePoint renewal_time(core::TimePoint not_before, core::TimePoint not_after) {
  return not_after - (not_after - not_before) / 3;
}

// Whether the kept responder can go on signing.
bool still_good(X509* cert, EVP_PKEY* key, const Issuer& issuer, core::TimePoint now) {
  X509* iss = issuer.certificate();
  const auto not_before = detail::to_time_point(X509_get0_notBefore(cert));
  const auto not_after = detail::to_time_point(X509_get0_notAfter(cert));
  if (!not_before || !not_after || now < *not_before) return false;
  return now < renewal_time(*not_before, *not_after) && X509_check_issued(iss, cert) == X509_V_OK &&
         X509_verify(cert, X509_get0_pubkey(iss)) == 1 && X509_check_private_key(cert, key) == 1 &&
         lint::lint_ocsp_responder({cert, iss, X509_get0_pubkey(cert)}, kOcspResponderValidity)
             .empty();
}

core::Result<OcspResponder> responder_of(core::ossl::X509Ptr cert, core::ossl::Pkey key,
                                         std::optional<SignedRecord> record) {
  auto signer = OcspSigner::create(std::move(cert), std::move(key));
  if (!signer) return std::move(signer).error();
  const auto renew_at = renewal_time(signer->not_before(), signer->not_after());
  return OcspResponder{std::make_shared<const OcspSigner>(std::move(signer).value()),
                       std::move(record), renew_at};
}

}  // namespace

core::Result<OcspResponder> kept_ocsp_responder(const fs::path& dir, const Issuer& issuer,
                                                const core::Clock& clock) {
  const fs::path cert_path = dir / "ocsp-responder.pem", key_path = dir / "ocsp-responder-key.pem";
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return core::internal_error("cannot create " + dir.string() + ": " + ec.message());
  const auto now = clock.now();
  auto cert_pem = core::read_file(cert_path);
  auto key_pem = core::read_file(key_path);
  if (cert_pem && key_pem) {
    auto cert = detail::x509_from_pem(*cert_pem);
    auto key = detail::key_from_pem(*key_pem);
    if (cert && key && still_good(cert->get(), key->get(), issuer, now))
      return responder_of(std::move(cert).value(), std::move(key).value(), std::nullopt);
  }

  core::ossl::Pkey key(EVP_EC_gen("P-256"));
  if (!key) return core::internal_error("OCSP key generation failed: " + core::ossl::last_error());
  const std::string serial = random_serial();
  auto built = build_responder_tbs(issuer, key.get(), serial, now);
  if (!built) return std::move(built).error();
  core::ossl::X509Ptr cert = std::move(built).value();
  if (auto st = lint::check_ocsp_responder({cert.get(), issuer.certificate(), key.get()},
                                           kOcspResponderValidity);
      !st)
    return std::move(st).error();
  if (auto st = issuer.sign(cert.get()); !st) return std::move(st).error();

  SignedRecord record;
  record.serial = serial;
  record.issuer = issuer.name();
  record.profile = std::string(kOcspResponderProfile);
  record.key_spki_sha256 = core::ossl::sha256(core::ossl::spki_der(key.get()));
  record.der = detail::to_der(cert.get());
  record.not_before = *detail::to_time_point(X509_get0_notBefore(cert.get()));
  record.not_after = *detail::to_time_point(X509_get0_notAfter(cert.get()));
  if (record.der.empty()) return core::internal_error("encoding OCSP responder certificate");

  // Key first: a crash in between leaves a pair that does not match, renewed next time.
  if (auto st = core::write_file(key_path, detail::key_to_pem(key.get()), 0600); !st)
    return std::move(st).error();
  if (auto st = core::write_file(cert_path, detail::to_pem(cert.get()), 0644); !st)
    return std::move(st).error();
  return responder_of(std::move(cert), std::move(key), std::move(record));
}

}  // namespace signet::ca
