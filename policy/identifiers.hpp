#pragma once
// Identifier policy: syntax, normalization and what this CA will issue for.
// Pure and synchronous; thread-safe (no state beyond the immutable config).
#include <cstddef>
#include <set>
#include <vector>

#include "core/identifier.hpp"
#include "core/result.hpp"
#include "core/status.hpp"

namespace signet::policy {

struct IdentifierPolicyConfig {
  std::size_t max_identifiers_per_order = 100;
  bool allow_ip_identifiers = true;
  bool allow_wildcards = true;
  // Challenge types the validation authority can perform.
  std::set<core::ChallengeType> enabled_challenges = {core::ChallengeType::Http01};
};

class IdentifierPolicy {
 public:
  explicit IdentifierPolicy(IdentifierPolicyConfig config) : config_(std::move(config)) {}

  // Checks one identifier's syntax and returns it in canonical form (lower-case DNS
  // names; IP addresses as RFC 5952 / dotted-quad text). Errors are `malformed` for
  // syntax, `rejectedIdentifier` for names this CA will not issue for, and
  // `unsupportedIdentifier` for unknown types.
  core::Result<core::Identifier> normalize(const core::Identifier& id) const;

  // Checks a whole newOrder identifier list: every identifier (failures become
  // subproblems), duplicates removed, the per-order cap, at least one identifier.
  core::Result<std::vector<core::Identifier>> check_order(
      const std::vector<core::Identifier>& ids) const;

  // The challenge types offered for an identifier (RFC 8555 §7.1.4: wildcards are
  // validated by dns-01 only; RFC 8738: IP identifiers never by dns-01).
  std::vector<core::ChallengeType> challenge_types(const core::Identifier& id) const;

 private:
  IdentifierPolicyConfig config_;
};

}  // namespace signet::policy
