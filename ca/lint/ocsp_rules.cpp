// The OCSP rules: the delegated responder's certificate (RFC 6960 §4.2.2.2, CA/B Forum
// BR 7.1.2.8) and the responses it signs (RFC 6960 §4.2; BR 4.9.10).
#include <openssl/ocsp.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <optional>

#include "ca/lint/lint.hpp"
#include "core/openssl.hpp"

namespace signet::ca::lint {
namespace {

constexpr long long kMaxResponseValidity = 10LL * 86400;  // BR 4.9.10: at most ten days

void add(std::vector<Finding>& out, std::string_view rule, std::string detail) {
  out.push_back({rule, std::move(detail)});
}

template <class T>
T* extension(X509* cert, int nid, int* critical = nullptr) {
  return static_cast<T*>(X509_get_ext_d2i(cert, nid, critical, nullptr));
}

// Seconds from a to b; nullopt when either is unreadable.
std::optional<long long> seconds_between(const ASN1_TIME* a, const ASN1_TIME* b) {
  int days = 0, seconds = 0;
  if (a == nullptr || b == nullptr || ASN1_TIME_diff(&days, &seconds, a, b) != 1)
    return std::nullopt;
  return static_cast<long long>(days) * 86400 + seconds;
}

// --- the responder certificate ----------------------------------------------------------

// BR 7.1.2.8.5: id-kp-OCSPSigning and nothing else.
void ocsp_extended_key_usage(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  core::ossl::ExtendedKeyUsage eku(extension<EXTENDED_KEY_USAGE>(leaf.cert, NID_ext_key_usage));
  if (!eku) {
    add(out, "e_ocsp_responder_eku_missing", "no extendedKeyUsage extension");
    return;
  }
  bool signing = false;
  for (int i = 0; i < sk_ASN1_OBJECT_num(eku.get()); ++i) {
    if (OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), i)) == NID_OCSP_sign) {
      signing = true;
    } else {
      add(out, "e_ocsp_responder_eku_unexpected", "an extended key usage other than OCSPSigning");
    }
  }
  if (!signing) add(out, "e_ocsp_responder_eku_missing", "extendedKeyUsage lacks OCSPSigning");
}

// RFC 6960 §4.2.2.2.1; BR 7.1.2.8.6: id-pkix-ocsp-nocheck, a NULL, not critical. Without
// it a client would ask the responder about its own certificate.
void ocsp_no_check(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  int critical = -1;
  ASN1_NULL* nocheck = extension<ASN1_NULL>(leaf.cert, NID_id_pkix_OCSP_noCheck, &critical);
  if (nocheck == nullptr) {
    add(out, "e_ocsp_responder_nocheck_missing", "no id-pkix-ocsp-nocheck extension");
    return;
  }
  ASN1_NULL_free(nocheck);
  if (critical == 1)
    add(out, "e_ocsp_responder_nocheck_critical", "id-pkix-ocsp-nocheck is critical");
}

// BR 7.1.2.8.7: critical, digitalSignature and nothing else.
void ocsp_key_usage(const Leaf& leaf, const LeafExpectations&, std::vector<Finding>& out) {
  int critical = -1;
  core::ossl::Asn1BitString ku(extension<ASN1_BIT_STRING>(leaf.cert, NID_key_usage, &critical));
  if (!ku) {
    add(out, "e_ocsp_responder_key_usage_missing", "no keyUsage extension");
    return;
  }
  if (critical != 1)
    add(out, "e_ocsp_responder_key_usage_not_critical", "keyUsage is not critical");
  bool other = false;
  for (int bit = 1; bit <= 8; ++bit) other = other || ASN1_BIT_STRING_get_bit(ku.get(), bit) == 1;
  if (ASN1_BIT_STRING_get_bit(ku.get(), 0) != 1 || other)
    add(out, "e_ocsp_responder_key_usage", "keyUsage is not digitalSignature alone");
}

// BR 7.1.2.8.2: a responder certificate has no subject alternative name and no CRL
// distribution point (id-pkix-ocsp-nocheck stands in for its revocation).
void ocsp_forbidden_extensions(const Leaf& leaf, const LeafExpectations&,
                               std::vector<Finding>& out) {
  if (X509_get_ext_by_NID(leaf.cert, NID_subject_alt_name, -1) >= 0)
    add(out, "e_ocsp_responder_san_present", "a subjectAltName extension");
  if (X509_get_ext_by_NID(leaf.cert, NID_crl_distribution_points, -1) >= 0)
    add(out, "e_ocsp_responder_crldp_present", "a cRLDistributionPoints extension");
}

// --- the responses ----------------------------------------------------------------------

// RFC 5019 §2.2.1 (and what pre-signing allows): one SingleResponse.
void response_count(const OcspResponseUnderLint& r, std::vector<Finding>& out) {
  if (OCSP_resp_count(r.response) != 1)
    add(out, "e_ocsp_response_count",
        std::to_string(OCSP_resp_count(r.response)) + " single responses; exactly one is signed");
}

// RFC 6960 §4.2.2.1; BR 4.9.10.
void update_times(const OcspResponseUnderLint& r, std::vector<Finding>& out) {
  core::ossl::Asn1Time now(ASN1_TIME_set(nullptr, static_cast<time_t>(core::to_unix(r.now))));
  for (int i = 0; i < OCSP_resp_count(r.response); ++i) {
    ASN1_GENERALIZEDTIME *this_update = nullptr, *next_update = nullptr;
    OCSP_single_get0_status(OCSP_resp_get0(r.response, i), nullptr, nullptr, &this_update,
                            &next_update);
    const auto age = seconds_between(this_update, now.get());
    if (!age) {
      add(out, "e_ocsp_this_update_unreadable", "thisUpdate cannot be read");
      continue;
    }
    if (*age < 0) add(out, "e_ocsp_this_update_in_future", "thisUpdate is later than now");
    if (next_update == nullptr) {
      add(out, "e_ocsp_next_update_missing", "no nextUpdate (responses are cached)");
      continue;
    }
    const auto span = seconds_between(this_update, next_update);
    if (!span || *span <= 0) {
      add(out, "e_ocsp_next_update_not_later", "nextUpdate is not after thisUpdate");
    } else if (*span > kMaxResponseValidity) {
      add(out, "e_ocsp_validity_too_long", "nextUpdate is more than ten days after thisUpdate");
    }
  }
}

// RFC 6960 §4.2.1 RevokedInfo; RFC 5280 §5.3.1 reasons.
void cert_status(const OcspResponseUnderLint& r, std::vector<Finding>& out) {
  for (int i = 0; i < OCSP_resp_count(r.response); ++i) {
    int reason = OCSP_REVOKED_STATUS_NOSTATUS;
    ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr;
    const int status = OCSP_single_get0_status(OCSP_resp_get0(r.response, i), &reason, &revoked_at,
                                               &this_update, nullptr);
    if (status != V_OCSP_CERTSTATUS_REVOKED) continue;
    const auto since = seconds_between(revoked_at, this_update);
    if (!since || *since < 0)
      add(out, "e_ocsp_revoked_after_this_update", "revocationTime is later than thisUpdate");
    // Unspecified (0) is left out, as in CRLs; 7 is unused.
    if (reason != OCSP_REVOKED_STATUS_NOSTATUS && (reason < 1 || reason > 10 || reason == 7))
      add(out, "e_ocsp_reason", "reason code " + std::to_string(reason) + " is not allowed");
  }
}

// A response is only as good as its signer's certificate: valid now, and until the
// response's nextUpdate (a client rejects a response whose signer has expired).
void responder_validity(const OcspResponseUnderLint& r, std::vector<Finding>& out) {
  time_t now = static_cast<time_t>(core::to_unix(r.now));
  if (X509_cmp_time(X509_get0_notBefore(r.responder), &now) > 0 ||
      X509_cmp_time(X509_get0_notAfter(r.responder), &now) < 0) {
    add(out, "e_ocsp_responder_not_valid", "the responder certificate is not valid now");
    return;
  }
  for (int i = 0; i < OCSP_resp_count(r.response); ++i) {
    ASN1_GENERALIZEDTIME* next_update = nullptr;
    OCSP_single_get0_status(OCSP_resp_get0(r.response, i), nullptr, nullptr, nullptr, &next_update);
    const auto left = seconds_between(next_update, X509_get0_notAfter(r.responder));
    if (next_update != nullptr && left && *left < 0)
      add(out, "e_ocsp_response_outlives_responder",
          "nextUpdate is after the responder certificate's notAfter");
  }
}

}  // namespace

const std::vector<Rule>& ocsp_responder_rules() {
  static const std::vector<Rule> rules = [] {
    std::vector<Rule> out;
    // The certificate rules every certificate obeys; the leaf's SAN, CN, key usage and
    // extended key usage rules are for TLS leaves and give way to the ones below.
    for (std::string_view name : {"version_3", "serial_number", "issuer_name", "validity",
                                  "basic_constraints", "key_identifiers", "public_key"}) {
      const auto& all = leaf_rules();
      auto it = std::find_if(all.begin(), all.end(), [&](const Rule& r) { return r.name == name; });
      if (it != all.end()) out.push_back(*it);
    }
    out.push_back(
        {"ocsp_extended_key_usage", "RFC 6960 §4.2.2.2; BR 7.1.2.8.5", ocsp_extended_key_usage});
    out.push_back({"ocsp_no_check", "RFC 6960 §4.2.2.2.1; BR 7.1.2.8.6", ocsp_no_check});
    out.push_back({"ocsp_key_usage", "BR 7.1.2.8.7", ocsp_key_usage});
    out.push_back({"ocsp_forbidden_extensions", "BR 7.1.2.8.2", ocsp_forbidden_extensions});
    return out;
  }();
  return rules;
}

std::vector<Finding> lint_ocsp_responder(const Leaf& cert, core::Seconds max_validity) {
  LeafExpectations want;
  want.max_validity = max_validity;
  std::vector<Finding> out;
  for (const auto& r : ocsp_responder_rules()) r.check(cert, want, out);
  return out;
}

core::Status check_ocsp_responder(const Leaf& cert, core::Seconds max_validity) {
  return refusal("OCSP responder certificate", lint_ocsp_responder(cert, max_validity));
}

const std::vector<OcspResponseRule>& ocsp_response_rules() {
  static const std::vector<OcspResponseRule> rules = {
      {"ocsp_response_count", "RFC 5019 §2.2.1", response_count},
      {"ocsp_update_times", "RFC 6960 §4.2.2.1; BR 4.9.10", update_times},
      {"ocsp_cert_status", "RFC 6960 §4.2.1; RFC 5280 §5.3.1", cert_status},
      {"ocsp_responder_validity", "RFC 6960 §4.2.2.2", responder_validity},
  };
  return rules;
}

std::vector<Finding> lint_ocsp_response(const OcspResponseUnderLint& r) {
  std::vector<Finding> out;
  for (const auto& rule : ocsp_response_rules()) rule.check(r, out);
  return out;
}

core::Status check_ocsp_response(const OcspResponseUnderLint& r) {
  return refusal("OCSP response", lint_ocsp_response(r));
}

}  // namespace signet::ca::lint
