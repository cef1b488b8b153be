#include "ca/crl.hpp"

#include <openssl/x509v3.h>

#include "ca/lint/lint.hpp"
#include "ca/x509.hpp"

namespace signet::ca {
namespace {

using Crl = core::ossl::X509Crl;
using Time = core::ossl::Asn1Time;
using Integer = core::ossl::Asn1Integer;
using Enumerated = core::ossl::Asn1Enumerated;
using Revoked = core::ossl::X509Revoked;
using Idp = core::ossl::IssuingDistPoint;

Time time_of(core::TimePoint t) {
  return Time(ASN1_TIME_set(nullptr, static_cast<time_t>(core::to_unix(t))));
}

Integer serial_of(const std::string& hex) {
  const auto bytes = detail::unhex(hex);
  if (!bytes || bytes->empty()) return nullptr;
  core::ossl::Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes->data()),
                                  static_cast<int>(bytes->size()), nullptr));
  return Integer(bn ? BN_to_ASN1_INTEGER(bn.get(), nullptr) : nullptr);
}

// issuingDistributionPoint: the shard's URL, for end-entity certificates only.
Idp distribution_point(const std::string& url) {
  Idp idp(ISSUING_DIST_POINT_new());
  GENERAL_NAME* uri = GENERAL_NAME_new();
  ASN1_IA5STRING* s = ASN1_IA5STRING_new();
  ASN1_STRING_set(s, url.data(), static_cast<int>(url.size()));
  GENERAL_NAME_set0_value(uri, GEN_URI, s);
  idp->distpoint = DIST_POINT_NAME_new();
  idp->distpoint->type = 0;  // fullName
  idp->distpoint->name.fullname = sk_GENERAL_NAME_new_null();
  sk_GENERAL_NAME_push(idp->distpoint->name.fullname, uri);
  idp->onlyuser = 0xff;  // TRUE
  return idp;
}

}  // namespace

core::Result<core::ossl::X509Crl> build_tbs_crl(const Issuer& issuer, const CrlRequest& r) {
  X509* iss = issuer.certificate();
  Crl crl(X509_CRL_new());
  if (!crl) return core::internal_error("X509_CRL_new: " + core::ossl::last_error());
  bool ok = X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2) == 1 &&
            X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(iss)) == 1;
  const Time this_update = time_of(r.this_update);
  const Time next_update = time_of(r.next_update);
  ok = ok && this_update && next_update &&
       X509_CRL_set1_lastUpdate(crl.get(), this_update.get()) == 1 &&
       X509_CRL_set1_nextUpdate(crl.get(), next_update.get()) == 1;
  for (const auto& e : r.entries) {
    Revoked rev(X509_REVOKED_new());
    Integer serial = serial_of(e.serial);
    const Time when = time_of(e.revoked_at);
    if (!rev || !serial || !when) return core::internal_error("bad CRL entry " + e.serial);
    ok = ok && X509_REVOKED_set_serialNumber(rev.get(), serial.get()) == 1 &&
         X509_REVOKED_set_revocationDate(rev.get(), when.get()) == 1;
    if (e.reason != 0) {
      Enumerated reason(ASN1_ENUMERATED_new());
      ok = ok && reason && ASN1_ENUMERATED_set(reason.get(), e.reason) == 1 &&
           X509_REVOKED_add1_ext_i2d(rev.get(), NID_crl_reason, reason.get(), 0, 0) == 1;
    }
    ok = ok && X509_CRL_add0_revoked(crl.get(), rev.release()) == 1;
  }
  ok = ok && X509_CRL_sort(crl.get()) == 1;

  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, iss, nullptr, nullptr, crl.get(), 0);
  X509_EXTENSION* aki =
      X509V3_EXT_conf_nid(nullptr, &ctx, NID_authority_key_identifier, "keyid:always");
  ok = ok && aki != nullptr && X509_CRL_add_ext(crl.get(), aki, -1) == 1;
  X509_EXTENSION_free(aki);
  Integer number(ASN1_INTEGER_new());
  ok = ok && number && ASN1_INTEGER_set_uint64(number.get(), r.number) == 1 &&
       X509_CRL_add1_ext_i2d(crl.get(), NID_crl_number, number.get(), 0, 0) == 1;
  Idp idp = distribution_point(r.distribution_point);
  ok = ok && X509_CRL_add1_ext_i2d(crl.get(), NID_issuing_distribution_point, idp.get(), 1, 0) == 1;
  if (!ok) return core::internal_error("building CRL: " + core::ossl::last_error());
  return crl;
}

core::Result<std::string> build_crl(const Issuer& issuer, const CrlRequest& r) {
  auto built = build_tbs_crl(issuer, r);
  if (!built) return std::move(built).error();
  Crl crl = std::move(built).value();
  if (auto st = lint::check_crl({crl.get(), issuer.certificate(), r.distribution_point}); !st)
    return std::move(st).error();
  if (auto st = issuer.sign(crl.get()); !st) return std::move(st).error();
  std::string der = core::ossl::der_of(crl.get(), i2d_X509_CRL);
  if (der.empty()) return core::internal_error("encoding CRL: " + core::ossl::last_error());
  return der;
}

}  // namespace signet::ca
