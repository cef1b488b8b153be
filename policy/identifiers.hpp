#pragma once
// Identifier policy: syntax, normalization and what this CA will issue for.
// Pure and synchronous; thread-safe (no state beyond the immutable config and the
// immutable public suffix list).
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "core/result.hpp"
#include "core/status.hpp"
#include "policy/ip_range.hpp"
#include "policy/name_constraints.hpp"

namespace signet::policy {

// Domain lists match on label boundaries: "corp.example" covers "corp.example" and
// "a.corp.example", never "xcorp.example"; a wildcard is judged by the names it covers.
struct IdentifierPolicyConfig {
  std::size_t max_identifiers_per_order = 100;
  bool allow_wildcards = true;
  // A DNS name must be one of these or under one; empty allows any name.
  std::vector<std::string> allowed_domains;
  // Never issued for, nor anything under them; wins over allowed_domains.
  std::vector<std::string> denied_domains;
  // Refused with everything under them.
  std::vector<std::string> reserved_names = {"localhost", "invalid"};
  // An IP identifier must fall in one of these; empty refuses IP identifiers.
  std::vector<IpRange> allowed_ip_ranges = {IpRange::all_v4(), IpRange::all_v6()};
  // Challenge types the validation authority can perform.
  std::set<core::ChallengeType> enabled_challenges = {core::ChallengeType::Http01};
  // The name constraints of the ACME issuer's chain (an imported CA's); none for
  // Signet's own hierarchy.
  NameConstraints issuer_constraints{};
};

// Checks that every entry of the domain lists is a DNS name (ASCII, A-labels for
// internationalized names, no wildcard) and normalises it in place: lower-case, no
// trailing dot. The error names the list and the bad entry. IdentifierPolicy expects a
// config that has been through this.
core::Status validate_config(IdentifierPolicyConfig& config);

class IdentifierPolicy {
 public:
  explicit IdentifierPolicy(IdentifierPolicyConfig config) : config_(std::move(config)) {}

  // Checks one identifier's syntax and returns it in canonical form (lower-case DNS
  // names; IP addresses as RFC 5952 / dotted-quad text). Errors are `malformed` for
  // syntax, `rejectedIdentifier` for names this CA will not issue for (the detail names
  // the rule: reserved name, public suffix, denied or not allowed domain, IP range),
  // and `unsupportedIdentifier` for unknown types.
  core::Result<core::Identifier> normalize(const core::Identifier& id) const;

  // Checks a whole newOrder identifier list: every identifier (failures become
  // subproblems), duplicates removed, the per-order cap, at least one identifier.
  core::Result<std::vector<core::Identifier>> check_order(
      const std::vector<core::Identifier>& ids) const;

  // The challenge types offered for an identifier (RFC 8555 §7.1.4: wildcards are
  // validated by dns-01 only; RFC 8738: IP identifiers never by dns-01).
  std::vector<core::ChallengeType> challenge_types(const core::Identifier& id) const;

 private:
  // Why this CA will not issue for a syntactically valid, lower-case DNS name; nullopt
  // if it will.
  std::optional<std::string> refusal(std::string_view name) const;

  IdentifierPolicyConfig config_;
};

}  // namespace signet::policy
