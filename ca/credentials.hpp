#pragma once
// TLS credentials for Signet's own connections: a fresh P-256 key and a certificate
// from an issuer (the infrastructure issuer), either made on demand or kept on disk
// and renewed when they no longer fit.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "ca/builder.hpp"
#include "ca/issuer.hpp"
#include "core/clock.hpp"
#include "core/identifier.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct TlsCredentials {
  std::string chain_pem;  // leaf, then the issuer's chain
  std::string key_pem;
  // Set when a certificate was signed for these credentials (not when kept ones were
  // reused): the caller records it, as it records every certificate Signet signs.
  std::optional<SignedRecord> newly_signed{};
};

// A new key and certificate under profile, valid from an hour ago for profile.validity.
core::Result<TlsCredentials> fresh_credentials(const Issuer& issuer,
                                               const CertificateProfile& profile,
                                               const std::vector<core::Identifier>& names,
                                               const core::Clock& clock);

// The credentials kept as dir/<stem>.pem and dir/<stem>-key.pem, reused while they cover
// names, have more than 30 days to run, carry the profile's usage, were signed by issuer
// with its chain, and match their key; otherwise fresh ones replace them.
core::Result<TlsCredentials> kept_credentials(const std::filesystem::path& dir,
                                              const std::string& stem, const Issuer& issuer,
                                              const CertificateProfile& profile,
                                              const std::vector<core::Identifier>& names,
                                              const core::Clock& clock);

}  // namespace signet::ca
