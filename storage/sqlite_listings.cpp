// The operator's listings (`signet cert list`, `account list`, `order list`): bounded
// reads over whole tables, apart from the verbs the ACME state machine uses.
#include "storage/rows.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/statements.hpp"

namespace signet::storage {

using core::to_unix;
using detail::Connection;
using namespace detail::rows;

Async<std::vector<Account>> SqliteStore::accounts(std::size_t limit) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Account>> {
    auto st = db.prepare(sql::kAccounts);
    st.bind(1, static_cast<int64_t>(limit));
    std::vector<Account> out;
    while (st.step()) out.push_back(read_account(st));
    return out;
  });
}

Async<std::vector<Order>> SqliteStore::orders(const OrderQuery& q) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Order>> {
    std::optional<std::string> statuses;
    if (!q.stored_statuses.empty()) {
      statuses = ",";
      for (auto s : q.stored_statuses) *statuses += std::string(to_string(s)) + ",";
    }
    std::vector<std::string> ids;
    {
      auto st = db.prepare(sql::kOrders);
      st.bind_opt(1, q.account ? std::optional<std::string>(q.account->value) : std::nullopt)
          .bind_opt(2, statuses)
          .bind(3, static_cast<int64_t>(q.limit));
      while (st.step()) ids.push_back(st.text(0));
    }
    std::vector<Order> out;
    for (const auto& id : ids) {
      if (auto o = load_order(db, id)) out.push_back(std::move(*o));
    }
    return out;
  });
}

Async<std::vector<Certificate>> SqliteStore::certificates(const CertificateQuery& q) {
  // The wildcard that covers a name is its parent's: "*.example.com" for "www.example.com".
  std::optional<std::string> parent;
  if (q.dns_name_or_under) {
    if (const auto dot = q.dns_name_or_under->find('.'); dot != std::string::npos)
      parent = q.dns_name_or_under->substr(dot + 1);
  }
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCertificates);
    st.bind_opt(1, q.account ? std::optional<std::string>(q.account->value) : std::nullopt)
        .bind_opt(2,
                  q.name ? std::optional<std::string>(encode_identifiers({*q.name})) : std::nullopt)
        .bind(3, opt_unix(q.expiring_by))
        .bind_opt(4, q.status ? std::optional<std::string>(to_string(*q.status)) : std::nullopt)
        .bind(5, to_unix(q.now))
        .bind(6, static_cast<int64_t>(q.limit))
        .bind_opt(7, q.dns_name_or_under)
        .bind_opt(8, parent);
    return read_certificates(st);
  });
}

Async<CertificateSummary> SqliteStore::certificate_summary(const CertificateSummaryQuery& q) {
  return exec_->read([=](Connection& db) -> core::Result<CertificateSummary> {
    CertificateSummary out;
    {
      auto st = db.prepare(sql::kCertificateCounts);
      st.bind(1, to_unix(q.now)).bind(2, to_unix(q.expiring_by));
      if (st.step()) {
        out.valid = st.integer(0);
        out.expiring = st.integer(1);
        out.expired = st.integer(2);
        out.revoked = st.integer(3);
      }
    }
    // Day i is [from + i days, from + i + 1 days): the statements number the days.
    const auto until = [](core::TimePoint from, std::size_t days) {
      return to_unix(from + std::chrono::hours(24) * static_cast<std::int64_t>(days));
    };
    const auto per_day = [](detail::Statement& st, std::size_t days) {
      std::vector<std::int64_t> counts(days, 0);
      while (st.step()) {
        const auto day = st.integer(0);
        if (day >= 0 && static_cast<std::size_t>(day) < days) counts[day] = st.integer(1);
      }
      return counts;
    };
    {
      auto st = db.prepare(sql::kCertificatesIssuedPerDay);
      st.bind(1, to_unix(q.issued_from)).bind(2, until(q.issued_from, q.issued_days));
      out.issued_per_day = per_day(st, q.issued_days);
    }
    {
      auto st = db.prepare(sql::kCertificatesExpiringPerDay);
      st.bind(1, to_unix(q.expiring_from))
          .bind(2, until(q.expiring_from, q.expiring_days))
          .bind(3, to_unix(q.now));
      out.expiring_per_day = per_day(st, q.expiring_days);
    }
    return out;
  });
}

}  // namespace signet::storage
