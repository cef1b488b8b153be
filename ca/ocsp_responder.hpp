#pragma once
// The delegated OCSP responder's certificate and key (RFC 6960 §4.2.2.2), issued by the
// issuer whose certificates it answers for and kept on disk:
//
//   <dir>/ocsp-responder.pem       the certificate (EKU OCSPSigning alone, ocsp-nocheck,
//                                  critical digitalSignature, CA:FALSE, no SAN)
//   <dir>/ocsp-responder-key.pem   its ECDSA P-256 key, mode 0600
//
// A short-lived certificate with id-pkix-ocsp-nocheck stands in for revocation checking
// of the responder itself (RFC 6960 §4.2.2.2.1): a compromised responder key is retired
// by not renewing it.
#include <filesystem>
#include <memory>
#include <optional>

#include "ca/builder.hpp"
#include "ca/issuer.hpp"
#include "ca/ocsp.hpp"
#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct OcspResponder {
  std::shared_ptr<const OcspSigner> signer;
  // Set when a certificate was signed (not when the kept one was reused): the caller
  // records it, as it records every certificate Signet signs.
  std::optional<SignedRecord> newly_signed{};
  // When to ask for the responder again: a delegated responder's certificate is
  // renewed once a third of its lifetime is left; an issuer signing for itself lasts.
  core::TimePoint renew_at = core::TimePoint::max();
};

// The profile name recorded with responder certificates.
inline constexpr std::string_view kOcspResponderProfile = "ocsp-responder";
// Their lifetime: 30 days from an hour ago.
inline constexpr core::Seconds kOcspResponderValidity{30 * 86400};

// The responder kept in dir, reused while it was issued by issuer, matches its key,
// passes the responder lint, and has more than a third of its lifetime to run;
// otherwise a new key and certificate replace it. Not to be called concurrently for
// the same dir (CertificateAuthority::ocsp_responder serialises its calls).
core::Result<OcspResponder> kept_ocsp_responder(const std::filesystem::path& dir,
                                                const Issuer& issuer, const core::Clock& clock);

}  // namespace signet::ca
