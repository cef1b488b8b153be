#pragma once
// OCSP (RFC 6960) as pure functions: parsing a request, deciding whether a CertID names
// an issuer, and building the response a delegated responder signs. No HTTP, no storage.
//
// Responses are meant to be signed ahead of requests and cached (the RFC 5019 profile):
// one SingleResponse per response, and a request nonce (RFC 6960 §4.4.1) is never
// echoed, since the same bytes answer every client. Every function here is stateless
// and thread-safe; building a response is CPU-bound, so callers run it on a worker pool.
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ca/issuer.hpp"
#include "core/clock.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca {

// RFC 6960 §4.1.1 CertID: which certificate of which issuer a request asks about.
struct OcspCertId {
  std::string der;               // the CertID, DER; what a response must name again
  int hash_nid = NID_undef;      // the algorithm of both hashes (NID_sha1, NID_sha256, ...)
  std::string issuer_name_hash;  // raw bytes
  std::string issuer_key_hash;   // raw bytes
  // The serial in lower-case hex as random_serial() spells it: at least 32 digits,
  // zero-padded; "-" first for a negative one (never one of ours).
  std::string serial;
};

// The one request Signet answers (RFC 5019 §2.1.1: one CertID per request).
struct OcspRequestInfo {
  OcspCertId cert_id;
  bool has_nonce = false;  // present in the request, not echoed (see above)
};

// Parses a DER OCSPRequest. Anything that is not one, trailing bytes, no CertID or
// more than one is `malformed` (the HTTP layer answers malformedRequest). Extensions
// of the request and of its single request, the nonce included, are ignored; so are
// requestorName and a signature (RFC 6960 §4.1.2: responders need not check it).
core::Result<OcspRequestInfo> parse_ocsp_request(std::string_view der);

// The CertID of issuer's certificate with this serial (lower-case hex), for signing
// responses before any request asks. hash_nid: NID_sha1 (what most clients send) or
// NID_sha256, NID_sha384, NID_sha512.
core::Result<OcspCertId> ocsp_cert_id(X509* issuer, const std::string& serial, int hash_nid);

// Whether id names issuer: issuerNameHash over the DER of issuer's subject name and
// issuerKeyHash over its public key BIT STRING contents, both with id's hash
// (RFC 6960 §4.1.1). False for hashes other than SHA-1 and SHA-2.
//
// A CertID that names no issuer of Signet's is answered `unknown` (RFC 6960 §2.2), signed
// by the responder: `openssl ocsp` and other clients then print a status for it. A client
// that checks the responder's authority (RFC 6960 §4.2.2.2: a delegated responder speaks
// only for the CA that issued it; OpenSSL's OCSP_basic_verify does) does not take that
// answer as authoritative, and `openssl ocsp` adds "Response Verify Failure". The one
// alternative, `unauthorized` (RFC 6960 §2.3, ocsp_failure_response), prints a responder
// error and no status. Unknown answers cannot be signed ahead: callers cache them by
// CertID and bound how many they sign.
bool names_issuer(const OcspCertId& id, X509* issuer);

// The delegated responder (RFC 6960 §4.2.2.2): a certificate the CA issued with
// id-kp-OCSPSigning, and its key. Immutable and thread-safe once created.
class OcspSigner {
 public:
  // Fails if key does not match cert. With serialize (a key in a token: its
  // Pkcs11Key::signing_mutex()), each signature holds it, and what it keeps alive
  // outlives the key.
  static core::Result<OcspSigner> create(core::ossl::X509Ptr cert, core::ossl::Pkey key,
                                         std::shared_ptr<std::mutex> serialize = nullptr);

  X509* certificate() const { return cert_.get(); }
  // Its certificate's validity: answers it signs end by not_after.
  core::TimePoint not_before() const { return not_before_; }
  core::TimePoint not_after() const { return not_after_; }
  // Signs tbs as this responder (KeySigner::sign).
  core::Status sign(OCSP_BASICRESP* tbs) const;

 private:
  OcspSigner(core::ossl::X509Ptr cert, KeySigner signer, core::TimePoint not_before,
             core::TimePoint not_after, std::shared_ptr<std::mutex> serialize);
  core::ossl::X509Ptr cert_;
  std::shared_ptr<std::mutex> serialize_;  // declared before signer_: outlives its key
  KeySigner signer_;
  core::TimePoint not_before_, not_after_;
};

enum class OcspCertStatus { Good, Revoked, Unknown };

// What one response says about one CertID.
struct OcspSingleResponse {
  OcspCertId cert_id;
  OcspCertStatus status = OcspCertStatus::Good;
  core::TimePoint revoked_at{};  // Revoked only
  int reason = 0;                // Revoked only: CRLReason; 0 (unspecified) is left out
  core::TimePoint this_update{};
  core::TimePoint next_update{};
};

// The BasicOCSPResponse complete but for its signature (for tests and the lint).
core::Result<core::ossl::OcspBasicResp> build_tbs_ocsp_response(const OcspSingleResponse& r);

// The DER of a successful OCSPResponse: r built, linted (ca/lint, against now) and
// signed by responder, whose certificate it carries; responderID byKey. A lint finding
// or a bad CertID is `serverInternal`.
core::Result<std::string> build_ocsp_response(const OcspSigner& responder,
                                              const OcspSingleResponse& r, core::TimePoint now);

// RFC 6960 §4.2.1 OCSPResponseStatus values other than successful: these responses
// carry no responseBytes and no signature.
enum class OcspFailure {
  MalformedRequest = 1,
  InternalError = 2,
  TryLater = 3,
  SigRequired = 5,
  Unauthorized = 6,
};

// The DER of an unsigned OCSPResponse with that status.
std::string ocsp_failure_response(OcspFailure status);

}  // namespace signet::ca
