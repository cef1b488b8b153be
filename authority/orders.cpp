// Orders: creation with authorization reuse, lookup with the state machine applied,
// and an account's orders list (RFC 8555 §7.4, §7.1.2.1). An account bound to an
// external account key orders within what the key allows, and the names the key
// prevalidates get authorizations that are valid from the start.
#include <algorithm>

#include "authority/authority.hpp"
#include "authority/state.hpp"
#include "core/log.hpp"
#include "policy/external_account.hpp"

namespace signet::authority {

using core::ProblemType;

asio::awaitable<core::Order> Authority::settle(const core::Order& stored) {
  core::Order o = stored;
  const auto status = effective_order_status(o, s_.clock.now());
  if (status != o.status) {
    auto r = co_await s_.store.set_order_status(o.id, o.status, status);
    if (!r) {
      core::log_error("persisting order status: " + r.error().detail);
    } else if (*r && status == core::OrderStatus::Invalid) {
      metrics_.order("invalid");
    }
    o.status = status;
  }
  co_return o;
}

Authority::Async<core::EabKey> Authority::account_key(const core::Account& a,
                                                      const std::vector<core::Identifier>& ids,
                                                      const std::string& profile) {
  auto key = co_await eab_.of_account(a);
  if (!key) co_return std::move(key).error();
  if (auto st = policy::check_key_names(*key, ids); !st) co_return std::move(st).error();
  if (auto st = policy::check_key_profile(*key, profile); !st) co_return std::move(st).error();
  co_return std::move(key).value();
}

Authority::Async<core::Order> Authority::new_order(const core::Account& a,
                                                   const NewOrderRequest& r) {
  const RulesPtr rules = this->rules();
  auto ids = rules->identifiers.check_order(r.identifiers);
  if (!ids) co_return std::move(ids).error();
  auto profile = offered_profile(*rules, a, r.profile.value_or(""));
  if (!profile) co_return std::move(profile).error();
  const policy::Profile& p = (*profile)->policy;
  if (auto st = policy::check_profile_identifiers(p, *ids); !st) co_return std::move(st).error();
  // Unbound accounts, the usual case, read no key.
  std::optional<core::EabKey> key;
  if (a.eab_kid) {
    auto k = co_await account_key(a, *ids, p.name);
    if (!k) co_return std::move(k).error();
    key = std::move(k).value();
  }
  const auto now = s_.clock.now();
  if (r.not_before || r.not_after) {
    auto v = policy::resolve_validity(p, r.not_before, r.not_after, now);
    if (!v) co_return std::move(v).error();
    if (key && r.not_after) {
      if (auto st = policy::check_key_validity(*key, *v); !st) co_return std::move(st).error();
    }
  }
  core::NewOrder no;
  no.account_id = a.id;
  no.created_at = now;
  no.expires = now + config_.order_lifetime;
  no.identifiers = *ids;
  no.not_before = r.not_before;
  no.not_after = r.not_after;
  no.profile = p.name;
  bool first_replacement = false;
  if (r.replaces) {
    auto replaced = co_await check_replaces(a, *r.replaces, *ids);
    if (!replaced) co_return std::move(replaced).error();
    no.replaces = std::move(replaced->cert_id);
    first_replacement = replaced->first;
  }
  for (const auto& id : *ids) {
    const core::Identifier base{id.type, id.base_name()};
    const bool wildcard = id.is_wildcard();
    auto reused = co_await reusable_authorization(a, base, wildcard, p, now);
    if (!reused) co_return std::move(reused).error();
    if (*reused) {
      no.reuse.push_back(**reused);
      continue;
    }
    if (key && policy::key_prevalidates(*key, id)) {
      // Valid from the start, as if validated now; CAA is checked before issuance
      // (recheck_stale_caa), since no challenge checked it.
      no.create.push_back({base, wildcard, now + config_.valid_authz_lifetime, {}, key->kid});
      continue;
    }
    no.create.push_back({base, wildcard, now + config_.pending_authz_lifetime,
                         rules->identifiers.challenge_types(id)});
    no.expires = std::min(no.expires, now + config_.pending_authz_lifetime);
  }
  if (auto st = co_await check_order_limits(a, no, rules->limits_for(a.id), first_replacement); !st)
    co_return std::move(st).error();
  auto o = co_await s_.store.create_order(no);
  if (!o) co_return std::move(o).error();
  metrics_.order("created");
  metrics_.authorizations.with({"created"}).inc(no.create.size());
  co_return co_await settle(std::move(o).value());
}

core::Result<const ProfileRules*> Authority::offered_profile(const Rules& rules,
                                                             const core::Account& a,
                                                             const std::string& name) const {
  const ProfileRules* p = rules.profile(name);
  if (p == nullptr) return policy::unknown_profile(name, rules.profile_names());
  if (auto st = policy::check_profile_user(p->policy, {a.id.value, a.eab_kid}); !st)
    return std::move(st).error();
  return p;
}

Authority::Async<std::optional<core::AuthzId>> Authority::reusable_authorization(
    const core::Account& a, const core::Identifier& base, bool wildcard,
    const policy::Profile& p, core::TimePoint now) {
  if (p.authorization_reuse && p.authorization_reuse->count() == 0) co_return std::nullopt;
  // One that stays valid for at least as long as a new order lives, and was validated
  // recently enough for the profile.
  auto valid = co_await s_.store.valid_authzs(a.id, base, wildcard, now + config_.order_lifetime);
  if (!valid) co_return std::move(valid).error();
  for (const auto& z : *valid) {
    if (!p.authorization_reuse) co_return z.id;
    for (const auto& ch : z.challenges) {
      if (ch.status == core::ChallengeStatus::Valid && ch.validated_at &&
          now - *ch.validated_at <= *p.authorization_reuse) {
        co_return z.id;
      }
    }
  }
  co_return std::nullopt;
}

asio::awaitable<core::Status> Authority::check_order_limits(const core::Account& a,
                                                            const core::NewOrder& no,
                                                            const Limits& limits,
                                                            bool first_replacement) {
  // Prevalidated authorizations are valid, not pending.
  const auto new_pending = static_cast<std::size_t>(
      std::count_if(no.create.begin(), no.create.end(),
                    [](const core::NewAuthorization& z) { return !z.prevalidated_by; }));
  if (auto st = co_await check_pending_authorizations(a, new_pending, limits, no.created_at); !st)
    co_return std::move(st).error();
  LimitCharges c;
  // RFC 9773 §5: renewing a certificate it names is not a new order to count, the
  // first time (an invalid replacement frees the certificate, not the limit).
  if (!first_replacement) {
    c.add("new_orders_per_account", "account " + a.id.value, "new_orders:" + a.id.value,
          limits.new_orders_per_account, 1);
  }
  for (const auto& id : no.identifiers) {
    const core::Identifier base{id.type, id.base_name()};
    c.add("failed_validations_per_account_name", "account " + a.id.value + " and " + base.value,
          failed_validations_bucket(a.id, base), limits.failed_validations_per_account_name, 0);
  }
  if (auto st = co_await add_certificate_charges(c, limits, no.identifiers, 0); !st)
    co_return std::move(st).error();
  co_return co_await charge(c);
}

Authority::Async<core::Order> Authority::order(const core::Account& a, const core::OrderId& id) {
  auto o = co_await s_.store.order_by_id(id);
  if (!o) co_return std::move(o).error();
  if (!o->has_value() || (*o)->account_id != a.id)
    co_return core::make_error(ProblemType::NotFound, "Order not found");
  co_return co_await settle(std::move(**o));
}

Authority::Async<OrdersPage> Authority::orders(const core::Account& a, std::size_t page) {
  const std::size_t size = config_.orders_page_size;
  auto ids = co_await s_.store.orders_by_account(a.id, page * size, size + 1);
  if (!ids) co_return std::move(ids).error();
  OrdersPage out;
  out.more = ids->size() > size;
  out.orders = std::move(ids).value();
  if (out.more) out.orders.resize(size);
  co_return out;
}

}  // namespace signet::authority
