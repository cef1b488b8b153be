// What the CA knows, for the operator.
#include "authority/inventory.hpp"

#include <boost/asio/ip/address.hpp>

#include <algorithm>

#include "authority/audit.hpp"
#include "authority/selection.hpp"
#include "authority/state.hpp"
#include "core/ascii.hpp"
#include "core/log.hpp"

namespace signet::authority {

using core::OrderStatus;
using core::ProblemType;

namespace {

// Read one more than asked, to tell whether there are more.
template <class T>
Listing<T> bounded(std::vector<T> items, std::size_t limit) {
  Listing<T> out;
  out.truncated = items.size() > limit;
  if (out.truncated) items.resize(limit);
  out.items = std::move(items);
  return out;
}

// The stored statuses an order may have that is `status` now: pending and ready
// orders move to ready or invalid without a write (authority/state).
std::vector<OrderStatus> stored_as(OrderStatus status) {
  switch (status) {
    case OrderStatus::Ready:
      return {OrderStatus::Pending, OrderStatus::Ready};
    case OrderStatus::Invalid:
      return {OrderStatus::Pending, OrderStatus::Ready, OrderStatus::Invalid};
    default:
      return {status};
  }
}

// CertificateFilter::search, as the query selects it.
void narrow_by_search(storage::CertificateQuery& q, std::string_view typed) {
  boost::system::error_code ec;
  const auto ip = boost::asio::ip::make_address(typed, ec);
  if (!ec) {
    q.name = core::Identifier{core::IdentifierType::Ip, ip.to_string()};
    return;
  }
  std::string name = core::ascii_lower(typed);
  if (name.ends_with('.')) name.pop_back();  // the absolute form, "example.com."
  if (name.empty()) return;
  const std::string_view last = std::string_view(name).substr(name.rfind('.') + 1);
  const bool numeric = !last.empty() && std::all_of(last.begin(), last.end(),
                                                    [](char c) { return c >= '0' && c <= '9'; });
  // Only a DNS name's line can end in ".<name>" when <name>'s last label is not numeric.
  if (numeric) {
    q.name = core::Identifier{core::IdentifierType::Dns, name};
  } else {
    q.dns_name_or_under = name;
  }
}

}  // namespace

core::CertificateStatus certificate_status(const core::Certificate& c, core::TimePoint now) {
  if (c.revoked_at) return core::CertificateStatus::Revoked;
  return c.not_after <= now ? core::CertificateStatus::Expired : core::CertificateStatus::Valid;
}

std::string leaf_pem(const core::Certificate& c) {
  static constexpr std::string_view kEnd = "-----END CERTIFICATE-----\n";
  const auto end = c.chain_pem.find(kEnd);
  return end == std::string::npos ? c.chain_pem : c.chain_pem.substr(0, end + kEnd.size());
}

Inventory::Async<Listing<core::Certificate>> Inventory::certificates(const CertificateFilter& f) {
  storage::CertificateQuery q;
  q.account = f.account;
  q.name = f.name;
  if (f.search) narrow_by_search(q, *f.search);
  q.now = clock_.now();
  if (f.expiring_within) q.expiring_by = q.now + *f.expiring_within;
  q.status = f.status;
  q.limit = f.limit + 1;
  auto found = co_await store_.certificates(q);
  if (!found) co_return std::move(found).error();
  co_return bounded(std::move(found).value(), f.limit);
}

Inventory::Async<CertificateOverview> Inventory::overview(core::Seconds expiring_within,
                                                          std::size_t days) {
  using std::chrono::hours;
  CertificateOverview out;
  out.now = clock_.now();
  out.today = std::chrono::floor<std::chrono::days>(out.now);
  out.expiring_within = expiring_within;
  storage::CertificateSummaryQuery q;
  q.now = out.now;
  q.expiring_by = out.now + expiring_within;
  q.issued_days = q.expiring_days = days;
  q.issued_from = out.today - hours(24) * (days > 0 ? static_cast<std::int64_t>(days) - 1 : 0);
  q.expiring_from = out.today;
  auto counted = co_await store_.certificate_summary(q);
  if (!counted) co_return std::move(counted).error();
  out.counts = std::move(counted).value();
  co_return out;
}

Inventory::Async<core::Certificate> Inventory::certificate(const std::string& serial) {
  co_return co_await find_certificate(store_, serial);
}

Inventory::Async<Listing<core::Account>> Inventory::accounts(std::size_t limit) {
  auto found = co_await store_.accounts(limit + 1);
  if (!found) co_return std::move(found).error();
  co_return bounded(std::move(found).value(), limit);
}

Inventory::Async<core::Account> Inventory::account(const core::AccountId& id) {
  auto a = co_await store_.account_by_id(id);
  if (!a) co_return std::move(a).error();
  if (!a->has_value())
    co_return core::make_error(ProblemType::NotFound, "No account has id " + id.value);
  co_return std::move(**a);
}

Inventory::Async<Listing<core::Order>> Inventory::orders(const OrderFilter& f) {
  storage::OrderQuery q;
  q.account = f.account;
  if (f.status) q.stored_statuses = stored_as(*f.status);
  q.limit = f.limit + 1;
  auto found = co_await store_.orders(q);
  if (!found) co_return std::move(found).error();
  const auto now = clock_.now();
  std::vector<core::Order> orders;
  for (auto& o : *found) {
    o.status = effective_order_status(o, now);
    if (!f.status || o.status == *f.status) orders.push_back(std::move(o));
  }
  co_return bounded(std::move(orders), f.limit);
}

Inventory::Async<bool> Inventory::deactivate_account(core::AccountId id, std::string actor) {
  auto changed =
      co_await store_.deactivate_account(id, audit::account_deactivated(clock_.now(), id, actor));
  if (!changed) co_return std::move(changed).error();
  if (*changed) core::log_info("account deactivated: " + id.value + " by " + actor);
  co_return *changed;
}

}  // namespace signet::authority
