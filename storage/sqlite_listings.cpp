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
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCertificates);
    st.bind_opt(1, q.account ? std::optional<std::string>(q.account->value) : std::nullopt)
        .bind_opt(2,
                  q.name ? std::optional<std::string>(encode_identifiers({*q.name})) : std::nullopt)
        .bind(3, opt_unix(q.expiring_by))
        .bind_opt(4, q.status ? std::optional<std::string>(to_string(*q.status)) : std::nullopt)
        .bind(5, to_unix(q.now))
        .bind(6, static_cast<int64_t>(q.limit));
    return read_certificates(st);
  });
}

}  // namespace signet::storage
