// The CRL rules (RFC 5280 §5; CA/B Forum BR 7.2).
#include <openssl/x509v3.h>

#include <set>

#include "ca/lint/lint.hpp"
#include "core/openssl.hpp"

namespace signet::ca::lint {
namespace {

using core::ossl::Asn1Integer;
using core::ossl::Asn1OctetString;
using core::ossl::AuthorityKeyId;
using core::ossl::IssuingDistPoint;

constexpr long long kMaxCrlValidity = 10LL * 86400;  // BR 7.2.1.2: at most ten days

void add(std::vector<Finding>& out, std::string_view rule, std::string detail) {
  out.push_back({rule, std::move(detail)});
}

// DER octets of an INTEGER: a positive one of at most 20 (RFC 5280 §4.1.2.2, §5.2.3).
bool short_positive(const ASN1_INTEGER* i) {
  core::ossl::Bignum bn(i == nullptr ? nullptr : ASN1_INTEGER_to_BN(i, nullptr));
  if (!bn || BN_is_negative(bn.get())) return false;
  const int octets = BN_num_bytes(bn.get()) + (BN_num_bits(bn.get()) % 8 == 0 ? 1 : 0);
  return octets <= 20;
}

void version_2(const CrlUnderLint& l, std::vector<Finding>& out) {
  if (X509_CRL_get_version(l.crl) != X509_CRL_VERSION_2) add(out, "e_crl_version_not_2", "not a v2 CRL");
}

void issuer_name(const CrlUnderLint& l, std::vector<Finding>& out) {
  if (X509_NAME_cmp(X509_CRL_get_issuer(l.crl), X509_get_subject_name(l.issuer)) != 0)
    add(out, "e_crl_issuer_name_mismatch", "the CRL issuer is not the issuer's subject name");
}

void update_times(const CrlUnderLint& l, std::vector<Finding>& out) {
  const ASN1_TIME* next = X509_CRL_get0_nextUpdate(l.crl);
  int days = 0, seconds = 0;
  if (next == nullptr ||
      ASN1_TIME_diff(&days, &seconds, X509_CRL_get0_lastUpdate(l.crl), next) != 1) {
    add(out, "e_crl_next_update_missing", "no readable thisUpdate and nextUpdate");
    return;
  }
  const long long span = static_cast<long long>(days) * 86400 + seconds;
  if (span <= 0) add(out, "e_crl_next_update_not_later", "nextUpdate is not after thisUpdate");
  if (span > kMaxCrlValidity)
    add(out, "e_crl_validity_too_long", "nextUpdate is more than ten days after thisUpdate");
}

void crl_number(const CrlUnderLint& l, std::vector<Finding>& out) {
  int critical = -1;
  Asn1Integer n(static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(l.crl, NID_crl_number, &critical, nullptr)));
  if (!n) {
    add(out, "e_crl_number_missing", "no CRL number");
    return;
  }
  if (critical == 1) add(out, "e_crl_number_critical", "the CRL number is critical");
  if (!short_positive(n.get()))
    add(out, "e_crl_number_range", "the CRL number is negative or longer than 20 octets");
}

void authority_key_identifier(const CrlUnderLint& l, std::vector<Finding>& out) {
  AuthorityKeyId aki(static_cast<AUTHORITY_KEYID*>(
      X509_CRL_get_ext_d2i(l.crl, NID_authority_key_identifier, nullptr, nullptr)));
  if (!aki || aki->keyid == nullptr) {
    add(out, "e_crl_authority_key_identifier_missing", "no authorityKeyIdentifier keyIdentifier");
    return;
  }
  Asn1OctetString ski(static_cast<ASN1_OCTET_STRING*>(
      X509_get_ext_d2i(l.issuer, NID_subject_key_identifier, nullptr, nullptr)));
  if (ski && ASN1_OCTET_STRING_cmp(aki->keyid, ski.get()) != 0)
    add(out, "e_crl_authority_key_identifier_mismatch",
        "authorityKeyIdentifier is not the issuer's subjectKeyIdentifier");
}

void issuing_distribution_point(const CrlUnderLint& l, std::vector<Finding>& out) {
  int critical = -1;
  IssuingDistPoint idp(static_cast<ISSUING_DIST_POINT*>(
      X509_CRL_get_ext_d2i(l.crl, NID_issuing_distribution_point, &critical, nullptr)));
  if (!idp) {
    add(out, "e_crl_idp_missing", "no issuingDistributionPoint (every CRL here is a shard)");
    return;
  }
  if (critical != 1) add(out, "e_crl_idp_not_critical", "issuingDistributionPoint is not critical");
  if (idp->onlyuser == 0) add(out, "e_crl_idp_not_only_user", "onlyContainsUserCerts is not set");
  std::string url;
  if (idp->distpoint != nullptr && idp->distpoint->type == 0 &&
      sk_GENERAL_NAME_num(idp->distpoint->name.fullname) == 1) {
    const GENERAL_NAME* n = sk_GENERAL_NAME_value(idp->distpoint->name.fullname, 0);
    if (n->type == GEN_URI) {
      url.assign(reinterpret_cast<const char*>(ASN1_STRING_get0_data(n->d.uniformResourceIdentifier)),
                 static_cast<std::size_t>(ASN1_STRING_length(n->d.uniformResourceIdentifier)));
    }
  }
  if (url != l.distribution_point)
    add(out, "e_crl_idp_url_mismatch",
        "the distribution point is \"" + url + "\", not \"" + std::string(l.distribution_point) + "\"");
}

void entries(const CrlUnderLint& l, std::vector<Finding>& out) {
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(l.crl);
  std::set<std::string> seen;
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    const ASN1_INTEGER* serial = X509_REVOKED_get0_serialNumber(r);
    core::ossl::Bignum bn(ASN1_INTEGER_to_BN(serial, nullptr));
    if (!bn || BN_is_zero(bn.get()) || !short_positive(serial))
      add(out, "e_crl_entry_serial", "an entry's serial is not a positive integer of 20 octets or less");
    const std::string key = core::ossl::der_of(const_cast<ASN1_INTEGER*>(serial), i2d_ASN1_INTEGER);
    if (!seen.insert(key).second) add(out, "e_crl_entry_duplicate", "a serial is listed twice");
    if (ASN1_TIME_compare(X509_REVOKED_get0_revocationDate(r), X509_CRL_get0_lastUpdate(l.crl)) > 0)
      add(out, "e_crl_entry_date_after_this_update", "an entry is revoked after thisUpdate");
    core::ossl::Asn1Enumerated reason(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr)));
    if (reason) {
      const long code = ASN1_ENUMERATED_get(reason.get());
      // RFC 5280 §5.3.1: 7 is unused; unspecified (0) is left out rather than listed.
      if (code < 1 || code > 10 || code == 7)
        add(out, "e_crl_entry_reason", "reason code " + std::to_string(code) + " is not allowed");
    }
  }
}

}  // namespace

const std::vector<CrlRule>& crl_rules() {
  static const std::vector<CrlRule> rules = {
      {"crl_version_2", "RFC 5280 §5.1.2.1", version_2},
      {"crl_issuer_name", "RFC 5280 §5.1.2.3", issuer_name},
      {"crl_update_times", "RFC 5280 §5.1.2.4-5; BR 7.2.1.2", update_times},
      {"crl_number", "RFC 5280 §5.2.3", crl_number},
      {"crl_authority_key_identifier", "RFC 5280 §5.2.1", authority_key_identifier},
      {"crl_issuing_distribution_point", "RFC 5280 §5.2.5; BR 7.2.2", issuing_distribution_point},
      {"crl_entries", "RFC 5280 §5.1.2.6, §5.3.1", entries},
  };
  return rules;
}

std::vector<Finding> lint_crl(const CrlUnderLint& crl) {
  std::vector<Finding> out;
  for (const auto& r : crl_rules()) r.check(crl, out);
  return out;
}

core::Status check_crl(const CrlUnderLint& crl) {
  return refusal("CRL", lint_crl(crl));
}

}  // namespace signet::ca::lint
