#pragma once
// Certificate revocation lists (RFC 5280 §5): one issuer's revoked certificates of one
// shard, with the CRL number, the issuing distribution point naming the shard's URL,
// thisUpdate/nextUpdate, each entry's date and reason, and the issuer's key identifier.
// Built, linted (ca/lint) and signed in one call; stateless and thread-safe. CPU-bound:
// callers run it on a worker pool.
#include <cstdint>
#include <string>
#include <vector>

#include "ca/issuer.hpp"
#include "core/clock.hpp"
#include "core/openssl.hpp"
#include "core/result.hpp"

namespace signet::ca {

struct RevokedEntry {
  std::string serial;  // lower-case hex
  core::TimePoint revoked_at;
  int reason = 0;  // RFC 5280 §5.3.1 CRLReason; 0 (unspecified) is left out of the entry
};

struct CrlRequest {
  std::string distribution_point;  // the URL the CRL is published at
  std::uint64_t number = 0;        // grows with every CRL of this shard
  core::TimePoint this_update;
  core::TimePoint next_update;
  std::vector<RevokedEntry> entries;
};

// The CRL complete but for its signature (for tests and the lint).
core::Result<core::ossl::X509Crl> build_tbs_crl(const Issuer& issuer, const CrlRequest& request);
// The DER of the CRL built, linted and signed; a lint finding or a bad request is
// `serverInternal`.
core::Result<std::string> build_crl(const Issuer& issuer, const CrlRequest& request);

}  // namespace signet::ca
