#pragma once
// Pre-issuance linting: every certificate is checked against the rules of RFC 5280 and
// the CA/B Forum Baseline Requirements that apply to a private CA before it is signed.
// Each rule is small and named; a finding stops the signing. Pure and thread-safe.
//
// The rules read extensions with X509_get_ext_d2i only: OpenSSL's cached extension
// flags (X509_get_extension_flags and the functions built on it) would be computed
// from the unsigned certificate and outlive its signing.
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca::lint {

enum class Eku { ServerAuth, ClientAuth };

// What the certificate must be, from the profile it is built under.
struct LeafExpectations {
  std::set<Eku> extended_key_usages;
  core::Seconds max_validity{0};  // 0: not checked
  bool key_encipherment_for_rsa = false;
  bool revocation_pointers = true;  // false: no CRL distribution point, no OCSP URL
};

// A to-be-signed leaf, the issuer that will sign it, and its subject key as the builder
// holds it (decoded once: the certificate's own copy may be kept encoded only).
struct Leaf {
  X509* cert = nullptr;
  X509* issuer = nullptr;
  EVP_PKEY* key = nullptr;
};

struct Finding {
  std::string_view rule;  // e.g. "e_leaf_ca_true"
  std::string detail;
};

struct Rule {
  std::string_view name;
  std::string_view source;  // "RFC 5280 §4.2.1.9", "BR 7.1.2.7.8"
  void (*check)(const Leaf& leaf, const LeafExpectations& want, std::vector<Finding>& out);
};

// Every certificate rule, in the order they run.
const std::vector<Rule>& leaf_rules();

// The findings of every rule for a to-be-signed leaf.
std::vector<Finding> lint_leaf(const Leaf& leaf, const LeafExpectations& want);

// lint_leaf as a status: `serverInternal` naming each finding (for the log; clients
// see a generic text).
core::Status check_leaf(const Leaf& leaf, const LeafExpectations& want);

// A to-be-signed CRL, its issuer, and the URL it is published at.
struct CrlUnderLint {
  X509_CRL* crl = nullptr;
  X509* issuer = nullptr;
  std::string_view distribution_point;
};

struct CrlRule {
  std::string_view name;
  std::string_view source;
  void (*check)(const CrlUnderLint& crl, std::vector<Finding>& out);
};

// Every CRL rule, in the order they run.
const std::vector<CrlRule>& crl_rules();
std::vector<Finding> lint_crl(const CrlUnderLint& crl);
core::Status check_crl(const CrlUnderLint& crl);

// A to-be-signed delegated OCSP responder certificate (RFC 6960 §4.2.2.2; BR 7.1.2.8):
// the certificate rules that hold for every certificate (version, serial, issuer name,
// validity against max_validity, CA:FALSE, key identifiers, public key) and its own
// (OCSPSigning alone, id-pkix-ocsp-nocheck, critical digitalSignature alone, no SAN and
// no CRL distribution point).
const std::vector<Rule>& ocsp_responder_rules();
std::vector<Finding> lint_ocsp_responder(const Leaf& cert, core::Seconds max_validity);
core::Status check_ocsp_responder(const Leaf& cert, core::Seconds max_validity);

// A BasicOCSPResponse before its signature, the responder certificate that will sign
// it, and the time it is built at.
struct OcspResponseUnderLint {
  OCSP_BASICRESP* response = nullptr;
  X509* responder = nullptr;
  core::TimePoint now{};
};

struct OcspResponseRule {
  std::string_view name;
  std::string_view source;
  void (*check)(const OcspResponseUnderLint& r, std::vector<Finding>& out);
};

// Every OCSP response rule, in the order they run.
const std::vector<OcspResponseRule>& ocsp_response_rules();
std::vector<Finding> lint_ocsp_response(const OcspResponseUnderLint& r);
core::Status check_ocsp_response(const OcspResponseUnderLint& r);

// Findings as a `serverInternal` status naming each ("certificate", "CRL": what).
core::Status refusal(std::string_view what, const std::vector<Finding>& findings);

}  // namespace signet::ca::lint
