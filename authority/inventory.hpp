#pragma once
// What the CA knows, as the operator reads it (`signet cert list|show`, `account
// list|show|deactivate`, `order list`): certificates, accounts and orders with their
// status as of now, and deactivating an account. Works on storage and a clock alone,
// beside a running server; reads never write (an order's status is computed, not
// persisted). Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/records.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

// What a certificate is at `now`: revoked, else expired from notAfter on (as storage
// selects current certificates), else valid.
core::CertificateStatus certificate_status(const core::Certificate& c, core::TimePoint now);

// The certificate alone, in PEM: the first of its chain as served.
std::string leaf_pem(const core::Certificate& c);

// The certificates to list; each field set narrows the list.
struct CertificateFilter {
  std::optional<core::AccountId> account{};
  std::optional<core::Identifier> name{};          // as issued ("*.example.com" for a wildcard)
  std::optional<core::Seconds> expiring_within{};  // valid, expiring within this
  std::optional<core::CertificateStatus> status{};
  // A name as an operator types it, in any case: an IP address, or a DNS name whose last
  // label is numeric, matches exactly; a DNS name matches itself, every name under it
  // ("www.example.com" and "*.example.com" for "example.com") and the wildcard that
  // covers it ("*.example.com" for "www.example.com"). Names are as issued: an IDN in
  // its xn-- form. Empty: any.
  std::optional<std::string> search{};
  std::size_t limit = 1000;
};

// The inventory at a glance, over every certificate: counts by status, and per day
// (UTC) how many were issued and how many are still to expire.
struct CertificateOverview {
  core::TimePoint now{};
  core::TimePoint today{};          // 00:00 UTC of now's day
  core::Seconds expiring_within{};  // `counts.expiring`: valid, expiring within this
  // issued_per_day[i]: on day today - (days - 1 - i), today last; expiring_per_day[i]:
  // unrevoked, expiring after now on day today + i.
  storage::CertificateSummary counts;
};

struct OrderFilter {
  std::optional<core::AccountId> account{};
  std::optional<core::OrderStatus> status{};  // as of now (authority/state)
  std::size_t limit = 1000;
};

// A listing and whether more matched than its limit.
template <class T>
struct Listing {
  std::vector<T> items;
  bool truncated = false;
};

class Inventory {
 public:
  Inventory(storage::Store& store, const core::Clock& clock) : store_(store), clock_(clock) {}

  // The time statuses are judged at.
  core::TimePoint now() const { return clock_.now(); }

  template <class T>
  using Async = boost::asio::awaitable<core::Result<T>>;

  // Soonest expiry first.
  Async<Listing<core::Certificate>> certificates(const CertificateFilter& f);
  // The last `days` days of issuance and the next `days` of expiry.
  Async<CertificateOverview> overview(core::Seconds expiring_within, std::size_t days);
  // `NotFound` for a serial no certificate has.
  Async<core::Certificate> certificate(const std::string& serial);
  // Oldest first.
  Async<Listing<core::Account>> accounts(std::size_t limit);
  // `NotFound` for an unknown id.
  Async<core::Account> account(const core::AccountId& id);
  // Newest first, with the status each has now.
  Async<Listing<core::Order>> orders(const OrderFilter& f);

  // valid → deactivated (RFC 8555 §7.3.6), logging who asked (`by`); ACME deactivation
  // goes through here too. False if the account is unknown or was not valid. A running
  // server refuses the account once its cached copy ages out (authority/account_cache.hpp).
  Async<bool> deactivate_account(core::AccountId id, std::string actor);

 private:
  storage::Store& store_;
  const core::Clock& clock_;
};

}  // namespace signet::authority
