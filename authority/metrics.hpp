#pragma once
// What the authority counts: accounts, orders and authorizations by outcome,
// certificates by profile, revocations by reason and rate-limit refusals by limit.
// Handles into a registry (the caller's, or a private one); thread-safe.
#include <memory>
#include <string_view>

#include "core/metrics.hpp"

namespace signet::authority {

struct AuthorityMetrics {
  explicit AuthorityMetrics(std::shared_ptr<core::metrics::Registry> r);

  void order(std::string_view outcome) { orders.with({outcome}).inc(); }
  void authorization(std::string_view outcome) { authorizations.with({outcome}).inc(); }
  void rate_limited(std::string_view limit) { rate_limits.with({limit}).inc(); }
  // RFC 5280 §5.3.1 reason codes, by name.
  void revoked(int reason);

  std::shared_ptr<core::metrics::Registry> registry;
  core::metrics::Counter& accounts_created;
  core::metrics::Family<core::metrics::Counter>& orders;
  core::metrics::Family<core::metrics::Counter>& authorizations;
  core::metrics::Family<core::metrics::Counter>& certificates;
  core::metrics::Family<core::metrics::Counter>& revocations;
  core::metrics::Family<core::metrics::Counter>& rate_limits;
};

}  // namespace signet::authority
