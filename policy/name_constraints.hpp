#pragma once
// The name constraints of the issuing CA's chain (RFC 5280 §4.2.1.10), as the identifier
// policy applies them at newOrder: a certificate naming anything outside them would not
// validate, so the order is refused before any validation. Value types; pure.
#include <optional>
#include <string>
#include <vector>

#include "core/identifier.hpp"
#include "policy/ip_range.hpp"

namespace signet::policy {

// One certificate's nameConstraints, dNSName and iPAddress forms (the only ones ACME
// certificates carry). A dNSName subtree "example.com" covers the name and any name
// with labels added on the left; ".example.com" only the names under it.
struct NameSubtrees {
  std::string certificate;  // whose constraints these are (its subject), for messages
  std::vector<std::string> permitted_dns, excluded_dns;
  std::vector<IpRange> permitted_ip, excluded_ip;
};

// Every certificate's constraints hold at once (RFC 5280 §6.1: each CA in the path
// constrains the names below it).
struct NameConstraints {
  std::vector<NameSubtrees> sets;

  // Why the constraints refuse id (a lower-case DNS name, "*." for a wildcard, or a
  // canonical IP address); nullopt when they allow it.
  std::optional<std::string> refusal(const core::Identifier& id) const;
};

}  // namespace signet::policy
