// Swapping the rules in force (configuration reload).
#include "authority/authority.hpp"

namespace signet::authority {

void Authority::set_rules(RulesPtr rules) {
  rules_.store(std::move(rules));
}

core::Status Authority::check_account_key_type(const core::PublicKey& key) const {
  return rules()->keys.check_type(key.key.get(), policy::KeyUse::Account);
}

}  // namespace signet::authority
