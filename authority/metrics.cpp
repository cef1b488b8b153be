#include "authority/metrics.hpp"

#include <array>
#include <string>

namespace signet::authority {

AuthorityMetrics::AuthorityMetrics(std::shared_ptr<core::metrics::Registry> r)
    : registry(core::metrics::or_private(std::move(r))),
      accounts_created(
          registry->counter("signet_accounts_created_total", "ACME accounts created.").with()),
      orders(registry->counter("signet_orders_total",
                               "Orders by outcome: created, valid (certificate issued), invalid.",
                               {"outcome"})),
      authorizations(registry->counter(
          "signet_authorizations_total",
          "Authorizations by outcome: created, valid, invalid, deactivated.", {"outcome"})),
      certificates(registry->counter("signet_certificates_issued_total",
                                     "Certificates issued, by profile.", {"profile"})),
      revocations(registry->counter("signet_revocations_total",
                                    "Certificates revoked, by RFC 5280 reason.", {"reason"})),
      rate_limits(registry->counter("signet_rate_limited_total",
                                    "Requests refused by a rate limit, by limit name.",
                                    {"limit"})) {
  // Zero from the start, so that rates and alerts see the series before the first event.
  for (auto o : {"created", "valid", "invalid"}) orders.with({o});
  for (auto o : {"created", "valid", "invalid", "deactivated"}) authorizations.with({o});
}

void AuthorityMetrics::revoked(int reason) {
  // RFC 5280 §5.3.1 (7 is unused).
  static constexpr std::array<std::string_view, 11> kNames{
      "unspecified",          "keyCompromise", "cACompromise",       "affiliationChanged",
      "superseded",           "cessationOfOperation", "certificateHold", "",
      "removeFromCRL",        "privilegeWithdrawn",   "aACompromise"};
  const bool named = reason >= 0 && reason < static_cast<int>(kNames.size()) &&
                     !kNames[static_cast<std::size_t>(reason)].empty();
  const std::string other = std::to_string(reason);
  revocations.with({named ? kNames[static_cast<std::size_t>(reason)] : std::string_view(other)})
      .inc();
}

}  // namespace signet::authority
