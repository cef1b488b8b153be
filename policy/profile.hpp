#pragma once
// Certificate profiles: what a leaf looks like and how long it may live. Pure.
#include <optional>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"

namespace signet::policy {

struct Profile {
  std::string name = "default";
  core::Seconds default_validity = std::chrono::hours(24 * 90);
  core::Seconds max_validity = std::chrono::hours(24 * 100);
  // notBefore is set this far before issuance to absorb clock skew at relying parties.
  core::Seconds backdate = std::chrono::hours(1);
  // How far in the future an order's requested notBefore may be.
  core::Seconds max_not_before_ahead = std::chrono::hours(24 * 7);
};

struct Validity {
  core::TimePoint not_before;
  core::TimePoint not_after;
};

// The validity of a certificate issued now for an order that requested not_before /
// not_after (RFC 8555 §7.4, either may be absent). Errors are `malformed`.
core::Result<Validity> resolve_validity(const Profile& p, std::optional<core::TimePoint> not_before,
                                        std::optional<core::TimePoint> not_after,
                                        core::TimePoint now);

}  // namespace signet::policy
