#include "ca/ocsp.hpp"

#include <openssl/err.h>

#include <algorithm>

#include "ca/lint/lint.hpp"
#include "ca/x509.hpp"

namespace signet::ca {
namespace {

using core::ossl::OcspBasicResp;
using CertId = core::ossl::OcspCertId;

// The hashes a CertID may use that Signet computes (RFC 6960 §4.1.1 names SHA-1;
// RFC 5019 §2.1.1 clients send it; newer ones send SHA-256).
const EVP_MD* cert_id_md(int nid) {
  switch (nid) {
    case NID_sha1:
      return EVP_sha1();
    case NID_sha256:
      return EVP_sha256();
    case NID_sha384:
      return EVP_sha384();
    case NID_sha512:
      return EVP_sha512();
    default:
      return nullptr;
  }
}

std::string bytes_of(const ASN1_STRING* s) {
  return {reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
          static_cast<std::size_t>(ASN1_STRING_length(s))};
}

// The serial as random_serial() and certificate_serial() spell it.
std::string serial_hex(const ASN1_INTEGER* serial) {
  core::ossl::Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
  if (!bn) return "-";
  const int n = std::max(16, BN_num_bytes(bn.get()));
  std::string bytes(static_cast<std::size_t>(n), '\0');
  BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(bytes.data()), n);
  return (BN_is_negative(bn.get()) ? "-" : "") + detail::hex(bytes);
}

core::Result<OcspCertId> describe(OCSP_CERTID* cid) {
  ASN1_OCTET_STRING *name_hash = nullptr, *key_hash = nullptr;
  ASN1_OBJECT* md = nullptr;
  ASN1_INTEGER* serial = nullptr;
  if (OCSP_id_get0_info(&name_hash, &md, &key_hash, &serial, cid) != 1 || !name_hash || !key_hash ||
      !md || !serial) {
    return core::make_error(core::ProblemType::Malformed, "Unreadable CertID");
  }
  OcspCertId id;
  id.der = core::ossl::der_of(cid, i2d_OCSP_CERTID);
  if (id.der.empty()) return core::make_error(core::ProblemType::Malformed, "Unreadable CertID");
  id.hash_nid = OBJ_obj2nid(md);
  id.issuer_name_hash = bytes_of(name_hash);
  id.issuer_key_hash = bytes_of(key_hash);
  id.serial = serial_hex(serial);
  return id;
}

std::string digest(const EVP_MD* md, const unsigned char* data, std::size_t len) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (EVP_Digest(data, len, out, &n, md, nullptr) != 1) return {};
  return {reinterpret_cast<const char*>(out), n};
}

core::ossl::Asn1Time generalized(core::TimePoint t) {
  return core::ossl::Asn1Time(
      ASN1_GENERALIZEDTIME_set(nullptr, static_cast<time_t>(core::to_unix(t))));
}

}  // namespace

core::Result<OcspRequestInfo> parse_ocsp_request(std::string_view der) {
  core::ossl::ErrorQueueScope scope;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  const auto* end = p + der.size();
  core::ossl::OcspRequest req(d2i_OCSP_REQUEST(nullptr, &p, static_cast<long>(der.size())));
  if (!req || p != end) {
    return core::make_error(core::ProblemType::Malformed, "Not a DER OCSPRequest");
  }
  // RFC 5019 §2.1.1: one Request per OCSPRequest. Each response is signed ahead for one
  // certificate; a request for several could not be answered from what is cached.
  const int count = OCSP_request_onereq_count(req.get());
  if (count != 1) {
    return core::make_error(
        core::ProblemType::Malformed,
        "An OCSPRequest must ask about exactly one certificate, not " + std::to_string(count));
  }
  auto id = describe(OCSP_onereq_get0_id(OCSP_request_onereq_get0(req.get(), 0)));
  if (!id) return std::move(id).error();
  OcspRequestInfo info;
  info.cert_id = std::move(id).value();
  // RFC 6960 §4.4.1: a nonce binds a response to one request; cached responses cannot
  // carry it, and a client that insists on it will not accept them (RFC 5019 §4).
  info.has_nonce = OCSP_REQUEST_get_ext_by_NID(req.get(), NID_id_pkix_OCSP_Nonce, -1) >= 0;
  return info;
}

core::Result<OcspCertId> ocsp_cert_id(X509* issuer, const std::string& serial, int hash_nid) {
  const EVP_MD* md = cert_id_md(hash_nid);
  const auto bytes = detail::unhex(serial);
  if (md == nullptr || !bytes || bytes->empty())
    return core::internal_error("cannot make a CertID for serial " + serial);
  core::ossl::Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                                  static_cast<int>(bytes->size()), nullptr));
  core::ossl::Asn1Integer number(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
  CertId cid(number ? OCSP_cert_id_new(md, X509_get_subject_name(issuer),
                                       X509_get0_pubkey_bitstr(issuer), number.get())
                    : nullptr);
  if (!cid) return core::internal_error("OCSP_cert_id_new: " + core::ossl::last_error());
  auto id = describe(cid.get());
  if (!id) return core::internal_error("CertID: " + id.error().detail);
  return id;
}

bool names_issuer(const OcspCertId& id, X509* issuer) {
  const EVP_MD* md = cert_id_md(id.hash_nid);
  if (md == nullptr || issuer == nullptr) return false;
  // RFC 6960 §4.1.1: the hash of the issuer's DN, DER-encoded, and of the value of the
  // BIT STRING subjectPublicKey (tag, length and unused-bits octet excluded).
  const std::string name = core::ossl::der_of(X509_get_subject_name(issuer), i2d_X509_NAME);
  const ASN1_BIT_STRING* key = X509_get0_pubkey_bitstr(issuer);
  if (name.empty() || key == nullptr) return false;
  const std::string name_hash =
      digest(md, reinterpret_cast<const unsigned char*>(name.data()), name.size());
  const std::string key_hash =
      digest(md, ASN1_STRING_get0_data(key), static_cast<std::size_t>(ASN1_STRING_length(key)));
  return !name_hash.empty() && name_hash == id.issuer_name_hash && key_hash == id.issuer_key_hash;
}

OcspSigner::OcspSigner(core::ossl::X509Ptr cert, KeySigner signer, core::TimePoint not_before,
                       core::TimePoint not_after, std::shared_ptr<std::mutex> serialize)
    : cert_(std::move(cert)),
      serialize_(std::move(serialize)),
      signer_(std::move(signer)),
      not_before_(not_before),
      not_after_(not_after) {}

core::Result<OcspSigner> OcspSigner::create(core::ossl::X509Ptr cert, core::ossl::Pkey key,
                                            std::shared_ptr<std::mutex> serialize) {
  if (!cert) return core::internal_error("OCSP responder certificate missing");
  auto signer = KeySigner::create(std::move(key));
  if (!signer) return std::move(signer).error();
  if (!signer->matches(cert.get()))
    return core::internal_error("the OCSP responder key does not match its certificate");
  const auto not_before = detail::to_time_point(X509_get0_notBefore(cert.get()));
  const auto not_after = detail::to_time_point(X509_get0_notAfter(cert.get()));
  if (!not_before || !not_after)
    return core::internal_error("the OCSP responder certificate's validity cannot be read");
  return OcspSigner(std::move(cert), std::move(signer).value(), *not_before, *not_after,
                    std::move(serialize));
}

core::Status OcspSigner::sign(OCSP_BASICRESP* tbs) const {
  if (!serialize_) return signer_.sign(tbs, cert_.get());
  std::lock_guard lock(*serialize_);
  return signer_.sign(tbs, cert_.get());
}

core::Result<OcspBasicResp> build_tbs_ocsp_response(const OcspSingleResponse& r) {
  const auto* p = reinterpret_cast<const unsigned char*>(r.cert_id.der.data());
  CertId cid(d2i_OCSP_CERTID(nullptr, &p, static_cast<long>(r.cert_id.der.size())));
  if (!cid) return core::internal_error("OCSP response for an unreadable CertID");
  OcspBasicResp bs(OCSP_BASICRESP_new());
  if (!bs) return core::internal_error("OCSP_BASICRESP_new: " + core::ossl::last_error());

  int status = V_OCSP_CERTSTATUS_GOOD;
  int reason = OCSP_REVOKED_STATUS_NOSTATUS;
  core::ossl::Asn1Time revoked_at;
  switch (r.status) {
    case OcspCertStatus::Good:
      break;
    case OcspCertStatus::Unknown:
      status = V_OCSP_CERTSTATUS_UNKNOWN;
      break;
    case OcspCertStatus::Revoked:
      status = V_OCSP_CERTSTATUS_REVOKED;
      // As in CRLs (RFC 5280 §5.3.1), unspecified is left out rather than stated.
      if (r.reason != 0) reason = r.reason;
      revoked_at = generalized(r.revoked_at);
      if (!revoked_at) return core::internal_error("OCSP revocation time unreadable");
      break;
  }
  const auto this_update = generalized(r.this_update);
  const auto next_update = generalized(r.next_update);
  if (!this_update || !next_update ||
      OCSP_basic_add1_status(bs.get(), cid.get(), status, reason, revoked_at.get(),
                             this_update.get(), next_update.get()) == nullptr) {
    return core::internal_error("building OCSP response: " + core::ossl::last_error());
  }
  return bs;
}

core::Result<std::string> build_ocsp_response(const OcspSigner& responder,
                                              const OcspSingleResponse& r, core::TimePoint now) {
  auto built = build_tbs_ocsp_response(r);
  if (!built) return std::move(built).error();
  OcspBasicResp bs = std::move(built).value();
  if (auto st = lint::check_ocsp_response({bs.get(), responder.certificate(), now}); !st)
    return std::move(st).error();
  if (auto st = responder.sign(bs.get()); !st) return std::move(st).error();
  core::ossl::OcspResponse resp(OCSP_response_create(OCSP_RESPONSE_STATUS_SUCCESSFUL, bs.get()));
  std::string der = resp ? core::ossl::der_of(resp.get(), i2d_OCSP_RESPONSE) : std::string();
  if (der.empty())
    return core::internal_error("encoding OCSP response: " + core::ossl::last_error());
  return der;
}

std::string ocsp_failure_response(OcspFailure status) {
  core::ossl::OcspResponse resp(OCSP_response_create(static_cast<int>(status), nullptr));
  return resp ? core::ossl::der_of(resp.get(), i2d_OCSP_RESPONSE) : std::string();
}

}  // namespace signet::ca
