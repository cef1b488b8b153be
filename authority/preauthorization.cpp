// Pre-authorization (RFC 8555 §7.4.1): an authorization asked for before any order,
// under the same identifier policy and limits as one an order creates. A later order
// reuses it once it is valid (orders.cpp).
#include "authority/authority.hpp"
#include "authority/state.hpp"

namespace signet::authority {

using core::ProblemType;

Authority::Async<core::Authorization> Authority::new_authorization(const core::Account& a,
                                                                   const core::Identifier& id) {
  // RFC 8555 §7.4.1: the identifier is the authorization's own, so a wildcard cannot
  // be pre-authorized; its order creates the authorization it needs.
  if (id.value.starts_with("*")) {
    co_return core::make_error(ProblemType::Malformed,
                               "Wildcard identifiers cannot be pre-authorized (RFC 8555 §7.4.1); "
                               "order the wildcard name instead");
  }
  const RulesPtr rules = this->rules();
  auto ids = rules->identifiers.check_order({id});
  if (!ids) co_return std::move(ids).error();
  const core::Identifier& checked = ids->front();
  const auto now = s_.clock.now();
  const Limits& limits = rules->limits_for(a.id);
  if (auto st = co_await check_pending_authorizations(a, 1, limits, now); !st)
    co_return std::move(st).error();
  LimitCharges c;
  c.add("failed_validations_per_account_name", "account " + a.id.value + " and " + checked.value,
        failed_validations_bucket(a.id, checked), limits.failed_validations_per_account_name, 0);
  if (auto st = co_await charge(c); !st) co_return std::move(st).error();

  const core::NewAuthorization na{checked, false, now + config_.pending_authz_lifetime,
                                  rules->identifiers.challenge_types(checked)};
  auto z = co_await s_.store.create_authorization(a.id, na, now);
  if (!z) co_return std::move(z).error();
  metrics_.authorization("created");
  z->status = effective_authz_status(z->status, z->expires, now);
  co_return z;
}

}  // namespace signet::authority
