// Renewal information (RFC 9773): the renewalInfo answer, and what newOrder's
// "replaces" must satisfy.
#include <algorithm>

#include "authority/authority.hpp"
#include "authority/state.hpp"

namespace signet::authority {

using core::ProblemType;

Authority::Async<RenewalInfo> Authority::renewal_info(std::string_view cert_id) {
  co_return co_await renewals_.info(cert_id, issuer_key_id_);
}

// RFC 9773 §5: the certificate exists, this account may act on it, it shares a name
// with the new order, and no order that is not invalid replaces it already. The last
// check is repeated by storage when the order is created, so two orders racing for
// one certificate cannot both win.
Authority::Async<Authority::Replacement> Authority::check_replaces(
    const core::Account& a, std::string_view cert_id, const std::vector<core::Identifier>& ids) {
  auto cert = co_await renewals_.certificate(cert_id, issuer_key_id_);
  if (!cert) {
    if (cert.error().type != ProblemType::NotFound) co_return std::move(cert).error();
    co_return core::make_error(ProblemType::Malformed,
                               "\"replaces\" names no certificate this CA issued");
  }
  // The account that ordered it, or one that holds valid authorizations for all of its
  // names (as for revocation, RFC 8555 §7.6).
  if (cert->account_id != a.id) {
    const auto now = s_.clock.now();
    for (const auto& id : cert->identifiers) {
      const core::Identifier base{id.type, id.base_name()};
      auto valid = co_await s_.store.valid_authzs(a.id, base, id.is_wildcard(), now);
      if (!valid) co_return std::move(valid).error();
      if (valid->empty()) {
        co_return core::make_error(ProblemType::Unauthorized,
                                   "The certificate in \"replaces\" belongs to another account");
      }
    }
  }
  const bool shares_a_name = std::any_of(ids.begin(), ids.end(), [&](const core::Identifier& id) {
    return std::find(cert->identifiers.begin(), cert->identifiers.end(), id) !=
           cert->identifiers.end();
  });
  if (!shares_a_name) {
    co_return core::make_error(
        ProblemType::Malformed,
        "The certificate in \"replaces\" shares no identifier with this order (RFC 9773 §5)");
  }
  std::string canonical = encode_cert_id(issuer_key_id_, cert->serial);
  auto replacing = co_await s_.store.orders_replacing(canonical);
  if (!replacing) co_return std::move(replacing).error();
  for (const auto& stored : *replacing) {
    // An order that expired or failed frees the certificate again (as Let's Encrypt
    // does); settling it records that, so storage's guard sees it too.
    const auto o = co_await settle(stored);
    if (o.status != core::OrderStatus::Invalid) {
      co_return core::make_error(ProblemType::AlreadyReplaced,
                                 "The certificate " + canonical + " is already replaced by order " +
                                     o.id.value + " (" + std::string(to_string(o.status)) + ")");
    }
  }
  // Only a certificate's first replacement is exempt from new_orders_per_account, so
  // that failing and replacing again cannot order without limit.
  co_return Replacement{std::move(canonical), replacing->empty()};
}

}  // namespace signet::authority
