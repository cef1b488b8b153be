#include "authority/state.hpp"

namespace signet::authority {

using core::AuthzStatus;
using core::OrderStatus;

AuthzStatus effective_authz_status(AuthzStatus stored, core::TimePoint expires,
                                   core::TimePoint now) {
  if ((stored == AuthzStatus::Pending || stored == AuthzStatus::Valid) && expires <= now) {
    return AuthzStatus::Expired;
  }
  return stored;
}

OrderStatus effective_order_status(const core::Order& o, core::TimePoint now) {
  if (o.status != OrderStatus::Pending && o.status != OrderStatus::Ready) return o.status;
  if (o.expires <= now) return OrderStatus::Invalid;
  bool all_valid = !o.authorizations.empty();
  for (const auto& a : o.authorizations) {
    switch (effective_authz_status(a.status, a.expires, now)) {
      case AuthzStatus::Valid:
        break;
      case AuthzStatus::Pending:
        all_valid = false;
        break;
      default:
        return OrderStatus::Invalid;
    }
  }
  return all_valid ? OrderStatus::Ready : OrderStatus::Pending;
}

bool can_start_challenge(AuthzStatus authz, core::ChallengeStatus challenge) {
  return authz == AuthzStatus::Pending && challenge == core::ChallengeStatus::Pending;
}

}  // namespace signet::authority
