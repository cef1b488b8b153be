#pragma once
// The rules an operator may change while the server runs (SIGHUP): which names and
// keys this CA accepts, how much each client may ask for, and the terms and CAA
// identities it works under. Immutable once built; the authority swaps the whole set.
#include <cstddef>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ca/builder.hpp"
#include "core/ids.hpp"
#include "policy/profile.hpp"
#include "policy/identifiers.hpp"
#include "policy/key_policy.hpp"
#include "policy/rate_limit.hpp"

namespace signet::authority {

// Rate limits; a disabled Rate or a 0 count is off.
struct Limits {
  policy::Rate new_orders_per_account;
  policy::Rate certificates_per_domain;  // per registered domain, across accounts
  policy::Rate failed_validations_per_account_name;
  policy::Rate new_accounts_per_ip;
  std::size_t pending_authorizations_per_account = 0;
  std::size_t validations_in_flight_per_account = 0;
};

// A certificate profile: what policy checks and what the certificate builder makes.
struct ProfileRules {
  policy::Profile policy;
  ca::CertificateProfile certificate;
};

struct Rules {
  policy::IdentifierPolicy identifiers;
  policy::KeyPolicy keys;
  Limits limits;
  std::map<std::string, Limits> account_limits;  // overrides, by account id
  bool terms_of_service_required = false;
  // This CA's CAA issuer domain names (RFC 8659 §4.2); with none, only names without
  // CAA records can be issued for.
  std::vector<std::string> caa_identities;
  // RFC 8555 §7.3.4: new accounts need an external account binding.
  bool external_account_required = false;
  // Certificate profiles by name, and the one for orders that name none.
  std::map<std::string, ProfileRules, std::less<>> profiles{};
  std::string default_profile{};

  // The profile called `name` (the default for an empty name); nullptr if not offered.
  const ProfileRules* profile(std::string_view name) const {
    const auto it = profiles.find(name.empty() ? std::string_view(default_profile) : name);
    return it == profiles.end() ? nullptr : &it->second;
  }
  std::vector<std::string> profile_names() const {
    std::vector<std::string> out;
    for (const auto& [name, p] : profiles) out.push_back(name);
    return out;
  }

  const Limits& limits_for(const core::AccountId& id) const {
    const auto it = account_limits.find(id.value);
    return it == account_limits.end() ? limits : it->second;
  }
};

using RulesPtr = std::shared_ptr<const Rules>;

}  // namespace signet::authority
