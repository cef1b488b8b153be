#pragma once
// The Store's verbs written once over a database executor, private to storage/: each
// backend (SQLite, PostgreSQL) supplies an executor whose read(fn) runs fn(db) in one
// snapshot and whose write(fn) runs fn(db) in a transaction, durable before the caller
// resumes, and a connection whose prepare(sql::kX) runs that statement of
// statements.hpp in its own dialect. Exec::Error is what a failed statement throws;
// is_unique_violation(error) says whether a UNIQUE constraint refused it.
#include <openssl/rand.h>

#include <map>
#include <memory>
#include <set>
#include <string>

#include "storage/audit_log.hpp"
#include "storage/random_id.hpp"
#include "storage/rows.hpp"
#include "storage/statements.hpp"
#include "storage/store.hpp"

namespace signet::storage {

namespace detail {

using core::to_unix;
using namespace rows;

// A problem as two columns, its type name and its detail; NULLs when there is none.
template <class St>
void bind_problem(St& st, int type_col, const std::optional<core::Error>& e) {
  if (e) {
    st.bind(type_col, core::problem_type_name(e->type)).bind(type_col + 1, e->detail);
  } else {
    st.bind_null(type_col).bind_null(type_col + 1);
  }
}

// A guarded update's outcome, with its audit entry appended when it changed something.
template <class Db>
bool audited(Db& db, bool changed, const Audit& audit) {
  if (changed) detail::append_audit(db, audit);
  return changed;
}

// Binds ?1 run, ?2 now, ?3 the earlier runs' prefix (NULL: none) of a takeover.
template <class St>
St& bind_takeover(St& st, const Takeover& t) {
  st.bind(1, t.run).bind(2, to_unix(t.now));
  if (t.earlier_runs.empty()) return st.bind_null(3);
  return st.bind(3, t.earlier_runs);
}

// Inserts a pending authorization with its challenges; returns its id.
template <class Db>
std::string insert_authz(Db& db, const core::AccountId& account, const core::NewAuthorization& na,
                         core::TimePoint created_at) {
  const std::string authz_id = random_id();
  db.prepare(sql::kInsertAuthz)
      .bind(1, authz_id)
      .bind(2, account.value)
      .bind(3, to_string(na.identifier.type))
      .bind(4, na.identifier.value)
      .bind(5, int64_t{na.wildcard ? 1 : 0})
      .bind(6, to_unix(na.expires))
      .bind(7, to_unix(created_at))
      .bind(8,
            to_string(na.prevalidated_by ? core::AuthzStatus::Valid : core::AuthzStatus::Pending))
      .bind_opt(9, na.prevalidated_by)
      .exec();
  int64_t cpos = 0;
  for (auto type : na.challenge_types) {
    db.prepare(sql::kInsertChallenge)
        .bind(1, random_id())
        .bind(2, authz_id)
        .bind(3, cpos++)
        .bind(4, to_string(type))
        .bind(5, random_id() + random_id())  // 256 bits of entropy (RFC 8555 §8.1: ≥128)
        .exec();
  }
  return authz_id;
}

// Every Store verb, run on an Exec (storage/sqlite_executor.hpp, storage/pg_executor.hpp).
template <class Exec>
class VerbStore : public Store {
 public:
  Async<Account> create_account(const NewAccount& a, const Audit& audit) override;
  Maybe<Account> account_by_id(const core::AccountId& id) override;
  Maybe<Account> account_by_thumbprint(const std::string& thumbprint) override;
  Changed update_account_contact(const core::AccountId& id,
                                 const std::vector<std::string>& contact) override;
  Changed deactivate_account(const core::AccountId& id, const Audit& audit) override;
  Changed change_account_key(const core::AccountId& id, const std::string& old_thumbprint,
                             const AccountKey& key, const Audit& audit) override;
  Async<bool> is_account_key(const std::string& spki_sha256) override;
  Async<bool> is_certificate_key(const std::string& spki_sha256) override;
  Async<std::vector<core::AccountId>> accounts_bound_to(const std::string& kid) override;
  Async<std::vector<Account>> accounts(std::size_t limit) override;

  Changed create_eab_key(const core::EabKey& k, const Audit& audit) override;
  Maybe<core::EabKey> eab_key(const std::string& kid) override;
  Async<std::vector<core::EabKey>> eab_keys() override;
  Changed revoke_eab_key(const std::string& kid, core::TimePoint at, const Audit& audit) override;

  Async<Order> create_order(const NewOrder& o) override;
  Maybe<Order> order_by_id(const core::OrderId& id) override;
  Async<std::vector<Order>> orders_replacing(const std::string& cert_id) override;
  Async<std::vector<core::OrderId>> orders_by_account(const core::AccountId& id, std::size_t offset,
                                                      std::size_t limit) override;
  Async<std::vector<Order>> orders(const OrderQuery& q) override;
  Changed set_order_status(const core::OrderId& id, core::OrderStatus from,
                           core::OrderStatus to) override;
  Changed fail_order(const core::OrderId& id, const core::Error& error) override;
  Changed complete_order(const core::OrderId& id, const Certificate& cert,
                         const Audit& audit) override;

  Async<Authorization> create_authorization(const core::AccountId& account,
                                            const core::NewAuthorization& a,
                                            core::TimePoint created_at) override;
  Maybe<Authorization> authz_by_id(const core::AuthzId& id) override;
  Async<std::vector<Authorization>> valid_authzs(const core::AccountId& account,
                                                 const core::Identifier& id, bool wildcard,
                                                 core::TimePoint now) override;
  Changed deactivate_authz(const core::AuthzId& id) override;
  Changed start_challenge(const core::AuthzId& authz, const core::ChallengeId& id,
                          const Lease& lease) override;
  Changed complete_challenge(const ChallengeOutcome& outcome) override;
  Changed record_late_perspective(const core::ChallengeId& challenge,
                                  const core::PerspectiveResult& result) override;

  Changed start_issuance(const core::PendingIssuance& p, core::TimePoint at, const Lease& lease,
                         const Audit& audit) override;
  Async<std::vector<core::PendingIssuance>> interrupted_issuances(const Takeover& t,
                                                                  core::TimePoint until) override;
  Async<int> renew_leases(const std::string& owner, core::TimePoint until) override;
  Maybe<Certificate> certificate_by_serial(const std::string& serial) override;
  Changed record_infrastructure_certificate(const core::InfrastructureCertificate& c,
                                            const Audit& audit) override;
  Changed revoke_certificate(const std::string& serial, int reason, core::TimePoint at,
                             const Audit& audit) override;
  Async<std::vector<core::RevokedCertificate>> revoked_in_shard(const std::string& issuer,
                                                                int shard,
                                                                core::TimePoint now) override;
  Async<std::map<CrlShard, std::int64_t>> revocations_by_shard() override;
  Maybe<std::string> last_certificate_without_issuer() override;
  Async<std::vector<Certificate>> current_certificates_of_account(const core::AccountId& account,
                                                                  core::TimePoint now) override;
  Async<std::vector<Certificate>> current_certificates_for(const core::Identifier& id,
                                                           core::TimePoint now) override;
  Async<PurgeCounts> purge_expired(core::TimePoint before, std::size_t limit) override;
  Async<std::vector<Certificate>> certificates(const CertificateQuery& q) override;
  Async<CertificateSummary> certificate_summary(const CertificateSummaryQuery& q) override;
  Changed mark_renew_early(const std::string& serial, core::TimePoint at,
                           const Audit& audit) override;
  Async<std::int64_t> append_audit(const Audit& audit) override;
  Async<std::vector<core::audit::Record>> audit_records(std::int64_t after,
                                                        std::size_t limit) override;
  Async<std::optional<LimitDenial>> spend_limits(const std::vector<LimitSpend>& spends,
                                                 core::TimePoint now) override;
  Async<std::size_t> count_pending_authorizations(const core::AccountId& account,
                                                  core::TimePoint now) override;
  Async<bool> issued_for_identifiers(const std::vector<core::Identifier>& identifiers) override;

  Async<int> recover_interrupted(const Takeover& t) override;
  Async<std::string> nonce_key() override;
  Changed redeem_nonce(const std::string& nonce, core::TimePoint expires) override;
  Async<std::size_t> purge_redeemed_nonces(core::TimePoint now) override;

 protected:
  explicit VerbStore(std::unique_ptr<Exec> exec) : exec_(std::move(exec)) {}
  // The verbs' definitions below are instantiated once per backend, in its store's .cpp.
  std::unique_ptr<Exec> exec_;
};

template <class Exec>
Async<Account> VerbStore<Exec>::create_account(const NewAccount& a, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<Account> {
    const std::string id = random_id();
    // The binding is taken first: when the account cannot be created, the error rolls
    // it back with everything else.
    if (a.eab_kid && db.prepare(sql::kBindEabKey).bind(1, *a.eab_kid).exec() != 1) {
      return core::make_error(core::ProblemType::Unauthorized,
                              "The external account key " + *a.eab_kid +
                                  " is unknown, revoked, or already bound to an account");
    }
    try {
      db.prepare(sql::kInsertAccount)
          .bind(1, id)
          .bind(2, a.jwk)
          .bind(3, a.jwk_thumbprint)
          .bind_blob(4, a.key_spki_sha256)
          .bind(5, join(a.contact))
          .bind(6, int64_t{a.tos_agreed ? 1 : 0})
          .bind(7, to_unix(a.created_at))
          .bind_opt(8, a.eab_kid)
          .exec();
    } catch (const typename Exec::Error& e) {
      if (is_unique_violation(e)) {
        return core::make_error(core::ProblemType::Conflict, "This key is already an account key");
      }
      throw;
    }
    Audit entry = audit;
    detail::append_audit(db, entry.with("account", id));
    return *account_where(db, sql::kAccountById, id);
  });
}

template <class Exec>
Maybe<Account> VerbStore<Exec>::account_by_id(const core::AccountId& id) {
  return exec_->read([=](auto& db) -> core::Result<std::optional<Account>> {
    return account_where(db, sql::kAccountById, id.value);
  });
}

template <class Exec>
Maybe<Account> VerbStore<Exec>::account_by_thumbprint(const std::string& thumbprint) {
  return exec_->read([=](auto& db) -> core::Result<std::optional<Account>> {
    return account_where(db, sql::kAccountByThumbprint, thumbprint);
  });
}

template <class Exec>
Changed VerbStore<Exec>::update_account_contact(const core::AccountId& id,
                                                const std::vector<std::string>& contact) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kUpdateAccountContact).bind(1, id.value).bind(2, join(contact)).exec() ==
           1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::deactivate_account(const core::AccountId& id, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return audited(db, db.prepare(sql::kDeactivateAccount).bind(1, id.value).exec() == 1, audit);
  });
}

template <class Exec>
Changed VerbStore<Exec>::change_account_key(const core::AccountId& id,
                                            const std::string& old_thumbprint,
                                            const AccountKey& key, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    try {
      return audited(db,
                     db.prepare(sql::kChangeAccountKey)
                             .bind(1, id.value)
                             .bind(2, old_thumbprint)
                             .bind(3, key.jwk)
                             .bind(4, key.jwk_thumbprint)
                             .bind_blob(5, key.key_spki_sha256)
                             .exec() == 1,
                     audit);
    } catch (const typename Exec::Error& e) {
      if (is_unique_violation(e)) {
        return core::make_error(core::ProblemType::Conflict,
                                "The new key is already in use by an account");
      }
      throw;
    }
  });
}

template <class Exec>
Async<bool> VerbStore<Exec>::is_account_key(const std::string& spki_sha256) {
  return exec_->read([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kIsAccountKey).bind_blob(1, spki_sha256).step();
  });
}

template <class Exec>
Async<bool> VerbStore<Exec>::is_certificate_key(const std::string& spki_sha256) {
  return exec_->read([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kIsCertificateKey).bind_blob(1, spki_sha256).step();
  });
}

template <class Exec>
Async<std::vector<core::AccountId>> VerbStore<Exec>::accounts_bound_to(const std::string& kid) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<core::AccountId>> {
    auto st = db.prepare(sql::kAccountsByEabKid);
    st.bind(1, kid);
    std::vector<core::AccountId> out;
    while (st.step()) out.push_back({st.text(0)});
    return out;
  });
}

template <class Exec>
Changed VerbStore<Exec>::create_eab_key(const core::EabKey& k, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    const bool created =
        db.prepare(sql::kInsertEabKey)
            .bind(1, k.kid)
            .bind_blob(2, k.hmac_key)
            .bind(3, k.note)
            .bind(4, join(k.allowed_domains))
            .bind(5, join(k.prevalidated_domains))
            .bind(6, join(k.profiles))
            .bind(7,
                  k.max_validity ? std::optional<int64_t>(k.max_validity->count()) : std::nullopt)
            .bind(8, int64_t{k.reusable ? 1 : 0})
            .bind(9, to_unix(k.created_at))
            .exec() == 1;
    return audited(db, created, audit);
  });
}

template <class Exec>
Maybe<core::EabKey> VerbStore<Exec>::eab_key(const std::string& kid) {
  return exec_->read([=](auto& db) -> core::Result<std::optional<core::EabKey>> {
    auto st = db.prepare(sql::kEabKeyByKid);
    st.bind(1, kid);
    if (!st.step()) return std::nullopt;
    return read_eab_key(st);
  });
}

template <class Exec>
Async<std::vector<core::EabKey>> VerbStore<Exec>::eab_keys() {
  return exec_->read([=](auto& db) -> core::Result<std::vector<core::EabKey>> {
    auto st = db.prepare(sql::kEabKeys);
    std::vector<core::EabKey> out;
    while (st.step()) out.push_back(read_eab_key(st));
    return out;
  });
}

template <class Exec>
Changed VerbStore<Exec>::revoke_eab_key(const std::string& kid, core::TimePoint at,
                                        const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return audited(db, db.prepare(sql::kRevokeEabKey).bind(1, kid).bind(2, to_unix(at)).exec() == 1,
                   audit);
  });
}

template <class Exec>
Async<Order> VerbStore<Exec>::create_order(const NewOrder& o) {
  return exec_->write([=](auto& db) -> core::Result<Order> {
    const std::string order_id = random_id();
    try {
      db.prepare(sql::kInsertOrder)
          .bind(1, order_id)
          .bind(2, o.account_id.value)
          .bind(3, to_unix(o.expires))
          .bind(4, opt_unix(o.not_before))
          .bind(5, opt_unix(o.not_after))
          .bind(6, to_unix(o.created_at))
          .bind(7, o.profile)
          .bind_opt(8, o.replaces)
          .exec();
    } catch (const typename Exec::Error& e) {
      // orders_replacing: another order that is not invalid replaces it (RFC 9773 §5).
      if (o.replaces && is_unique_violation(e)) {
        return core::make_error(
            core::ProblemType::AlreadyReplaced,
            "The certificate " + *o.replaces + " is already being replaced by another order");
      }
      throw;
    }
    int64_t pos = 0;
    for (const auto& id : o.identifiers) {
      db.prepare(sql::kInsertOrderIdentifier)
          .bind(1, order_id)
          .bind(2, pos++)
          .bind(3, to_string(id.type))
          .bind(4, id.value)
          .exec();
    }
    pos = 0;
    for (const auto& authz : o.reuse) {
      db.prepare(sql::kInsertOrderAuthz)
          .bind(1, order_id)
          .bind(2, authz.value)
          .bind(3, pos++)
          .exec();
    }
    for (const auto& na : o.create) {
      const std::string authz_id = insert_authz(db, o.account_id, na, o.created_at);
      db.prepare(sql::kInsertOrderAuthz).bind(1, order_id).bind(2, authz_id).bind(3, pos++).exec();
    }
    return *load_order(db, order_id);
  });
}

template <class Exec>
Maybe<Order> VerbStore<Exec>::order_by_id(const core::OrderId& id) {
  return exec_->read(
      [=](auto& db) -> core::Result<std::optional<Order>> { return load_order(db, id.value); });
}

template <class Exec>
Async<std::vector<Order>> VerbStore<Exec>::orders_replacing(const std::string& cert_id) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Order>> {
    std::vector<std::string> ids;
    {
      auto st = db.prepare(sql::kOrdersReplacing);
      st.bind(1, cert_id);
      while (st.step()) ids.push_back(st.text(0));
    }
    std::vector<Order> out;
    for (const auto& id : ids) {
      if (auto o = load_order(db, id)) out.push_back(std::move(*o));
    }
    return out;
  });
}

template <class Exec>
Async<std::vector<core::OrderId>> VerbStore<Exec>::orders_by_account(const core::AccountId& id,
                                                                     std::size_t offset,
                                                                     std::size_t limit) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<core::OrderId>> {
    auto st = db.prepare(sql::kOrdersByAccount);
    st.bind(1, id.value).bind(2, static_cast<int64_t>(limit)).bind(3, static_cast<int64_t>(offset));
    std::vector<core::OrderId> out;
    while (st.step()) out.push_back({st.text(0)});
    return out;
  });
}

template <class Exec>
Changed VerbStore<Exec>::set_order_status(const core::OrderId& id, core::OrderStatus from,
                                          core::OrderStatus to) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kSetOrderStatus)
               .bind(1, id.value)
               .bind(2, to_string(from))
               .bind(3, to_string(to))
               .exec() == 1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::fail_order(const core::OrderId& id, const core::Error& error) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kFailOrder)
               .bind(1, id.value)
               .bind(2, core::problem_type_name(error.type))
               .bind(3, error.detail)
               .exec() == 1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::complete_order(const core::OrderId& id, const Certificate& c,
                                        const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    if (db.prepare(sql::kCompleteOrder).bind(1, id.value).bind(2, c.serial).exec() != 1) {
      return false;
    }
    db.prepare(sql::kInsertCertificate)
        .bind(1, c.serial)
        .bind(2, c.account_id.value)
        .bind(3, c.order_id.value)
        .bind_blob(4, c.der)
        .bind(5, c.chain_pem)
        .bind_blob(6, c.key_spki_sha256)
        .bind(7, encode_identifiers(c.identifiers))
        .bind(8, to_unix(c.not_before))
        .bind(9, to_unix(c.not_after))
        .bind(10, to_unix(c.issued_at))
        .bind_blob(11, identifiers_sha256(c.identifiers))
        .bind(12, c.profile)
        .bind(13, c.crl_shard ? std::optional<int64_t>(*c.crl_shard) : std::nullopt)
        .bind(14, c.issuer_id)
        .exec();
    return audited(db, true, audit);
  });
}

template <class Exec>
Async<Authorization> VerbStore<Exec>::create_authorization(const core::AccountId& account,
                                                           const core::NewAuthorization& a,
                                                           core::TimePoint created_at) {
  return exec_->write([=](auto& db) -> core::Result<Authorization> {
    return *load_authz(db, insert_authz(db, account, a, created_at));
  });
}

template <class Exec>
Maybe<Authorization> VerbStore<Exec>::authz_by_id(const core::AuthzId& id) {
  return exec_->read([=](auto& db) -> core::Result<std::optional<Authorization>> {
    return load_authz(db, id.value);
  });
}

template <class Exec>
Async<std::vector<Authorization>> VerbStore<Exec>::valid_authzs(const core::AccountId& account,
                                                                const core::Identifier& id,
                                                                bool wildcard,
                                                                core::TimePoint now) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Authorization>> {
    std::vector<std::string> ids;
    {
      auto st = db.prepare(sql::kValidAuthzs);
      st.bind(1, account.value)
          .bind(2, to_string(id.type))
          .bind(3, id.value)
          .bind(4, int64_t{wildcard ? 1 : 0})
          .bind(5, to_unix(now));
      while (st.step()) ids.push_back(st.text(0));
    }
    std::vector<Authorization> out;
    for (const auto& a : ids) {
      if (auto authz = load_authz(db, a)) out.push_back(std::move(*authz));
    }
    return out;
  });
}

template <class Exec>
Changed VerbStore<Exec>::deactivate_authz(const core::AuthzId& id) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kDeactivateAuthz).bind(1, id.value).exec() == 1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::start_challenge(const core::AuthzId& authz, const core::ChallengeId& id,
                                         const Lease& lease) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kStartChallenge)
               .bind(1, authz.value)
               .bind(2, id.value)
               .bind(3, lease.owner)
               .bind(4, to_unix(lease.until))
               .exec() == 1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::complete_challenge(const ChallengeOutcome& o) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    const auto status = o.valid ? core::ChallengeStatus::Valid : core::ChallengeStatus::Invalid;
    auto st = db.prepare(sql::kCompleteChallenge);
    st.bind(1, o.authz_id.value)
        .bind(2, o.challenge_id.value)
        .bind(3, to_string(status))
        .bind(4, o.valid ? std::optional<int64_t>(to_unix(o.at)) : std::nullopt);
    bind_problem(st, 5, o.error);
    if (st.exec() != 1) return false;
    const bool authz_changed =
        db.prepare(sql::kCompleteAuthz)
            .bind(1, o.authz_id.value)
            .bind(2, to_string(o.valid ? core::AuthzStatus::Valid : core::AuthzStatus::Invalid))
            .bind(3, opt_unix(o.authz_expires))
            .exec() == 1;
    if (o.valid && authz_changed)
      db.prepare(sql::kOrdersReadyByAuthz).bind(1, o.authz_id.value).bind(2, to_unix(o.at)).exec();
    int64_t seq = 0;
    for (const auto& r : o.records) {
      db.prepare(sql::kInsertRecord)
          .bind(1, o.challenge_id.value)
          .bind(2, seq++)
          .bind(3, r.perspective)
          .bind(4, r.url)
          .bind(5, r.hostname)
          .bind(6, r.port)
          .bind(7, join(r.addresses_resolved))
          .bind(8, r.address_used)
          .exec();
    }
    seq = 0;
    for (const auto& p : o.perspectives) {
      auto ps = db.prepare(sql::kInsertPerspective);
      ps.bind(1, o.challenge_id.value)
          .bind(2, seq++)
          .bind(3, p.perspective)
          .bind(4, to_string(p.verdict));
      bind_problem(ps, 5, p.problem);
      ps.exec();
    }
    return true;
  });
}

template <class Exec>
Changed VerbStore<Exec>::record_late_perspective(const core::ChallengeId& challenge,
                                                 const core::PerspectiveResult& result) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    auto st = db.prepare(sql::kRecordLatePerspective);
    st.bind(1, challenge.value).bind(2, result.perspective).bind(3, to_string(result.verdict));
    bind_problem(st, 4, result.problem);
    return st.exec() == 1;
  });
}

template <class Exec>
Changed VerbStore<Exec>::start_issuance(const core::PendingIssuance& p, core::TimePoint at,
                                        const Lease& lease, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    if (db.prepare(sql::kStartIssuance)
            .bind(1, p.order_id.value)
            .bind(2, lease.owner)
            .bind(3, to_unix(lease.until))
            .exec() != 1) {
      return false;
    }
    if (db.prepare(sql::kReserveSerial)
            .bind(1, p.serial)
            .bind(2, p.order_id.value)
            .bind(3, to_unix(at))
            .bind(4, p.account_id.value)
            .bind(5, p.issuer)
            .bind(6, p.profile)
            .bind_blob(7, p.spki_der)
            .bind_blob(8, p.key_spki_sha256)
            .bind(9, encode_identifiers(p.identifiers))
            .bind(10, to_unix(p.not_before))
            .bind(11, to_unix(p.not_after))
            .exec() != 1) {
      // An error undoes the transition above too: a write is all or nothing.
      return core::make_error(core::ProblemType::Conflict,
                              "serial " + p.serial + " was used before");
    }
    return audited(db, true, audit);
  });
}

template <class Exec>
Async<int> VerbStore<Exec>::renew_leases(const std::string& owner, core::TimePoint until) {
  return exec_->write([=](auto& db) -> core::Result<int> {
    int n = 0;
    for (const char* q : {sql::kRenewChallengeLeases, sql::kRenewOrderLeases})
      n += db.prepare(q).bind(1, owner).bind(2, to_unix(until)).exec();
    return n;
  });
}

template <class Exec>
Async<std::vector<core::PendingIssuance>> VerbStore<Exec>::interrupted_issuances(
    const Takeover& t, core::TimePoint until) {
  return exec_->write([=](auto& db) -> core::Result<std::vector<core::PendingIssuance>> {
    std::vector<core::PendingIssuance> out;
    {
      auto st = db.prepare(sql::kInterruptedIssuances);
      bind_takeover(st, t);
      while (st.step()) {
        core::PendingIssuance p;
        p.order_id = core::OrderId{st.text(0)};
        p.account_id = core::AccountId{st.text(1)};
        p.serial = st.text(2);
        p.issuer = st.text(3);
        p.profile = st.text(4);
        p.spki_der = st.blob(5);
        p.key_spki_sha256 = st.blob(6);
        p.identifiers = decode_identifiers(st.text(7));
        p.not_before = core::from_unix(st.integer(8));
        p.not_after = core::from_unix(st.integer(9));
        out.push_back(std::move(p));
      }
    }
    // Taken over in the same transaction: no other node resumes them as well.
    for (const auto& p : out) {
      db.prepare(sql::kLeaseOrder)
          .bind(1, p.order_id.value)
          .bind(2, t.run)
          .bind(3, to_unix(until))
          .exec();
    }
    return out;
  });
}

template <class Exec>
Maybe<Certificate> VerbStore<Exec>::certificate_by_serial(const std::string& serial) {
  return exec_->read([=](auto& db) -> core::Result<std::optional<Certificate>> {
    auto st = db.prepare(sql::kCertificateBySerial);
    st.bind(1, serial);
    if (!st.step()) return std::nullopt;
    return read_certificate(st);
  });
}

template <class Exec>
Changed VerbStore<Exec>::record_infrastructure_certificate(const core::InfrastructureCertificate& c,
                                                           const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    const bool recorded = db.prepare(sql::kInsertInfrastructureCertificate)
                              .bind(1, c.serial)
                              .bind(2, c.issuer)
                              .bind(3, c.profile)
                              .bind(4, encode_identifiers(c.identifiers))
                              .bind_blob(5, c.key_spki_sha256)
                              .bind_blob(6, c.der)
                              .bind(7, to_unix(c.not_before))
                              .bind(8, to_unix(c.not_after))
                              .bind(9, to_unix(c.issued_at))
                              .exec() == 1;
    return audited(db, recorded, audit);
  });
}

template <class Exec>
Async<std::vector<core::RevokedCertificate>> VerbStore<Exec>::revoked_in_shard(
    const std::string& issuer, int shard, core::TimePoint now) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<core::RevokedCertificate>> {
    auto st = db.prepare(sql::kRevokedInShard);
    st.bind(1, int64_t{shard}).bind(2, to_unix(now)).bind(3, issuer);
    std::vector<core::RevokedCertificate> out;
    while (st.step()) {
      out.push_back({st.text(0), core::from_unix(st.integer(1)),
                     static_cast<int>(st.opt_integer(2).value_or(0))});
    }
    return out;
  });
}

template <class Exec>
Async<std::map<CrlShard, std::int64_t>> VerbStore<Exec>::revocations_by_shard() {
  return exec_->read([=](auto& db) -> core::Result<std::map<CrlShard, std::int64_t>> {
    auto st = db.prepare(sql::kRevocationsByShard);
    std::map<CrlShard, std::int64_t> out;
    while (st.step()) out[{st.text(0), static_cast<int>(st.integer(1))}] = st.integer(2);
    return out;
  });
}

template <class Exec>
Maybe<std::string> VerbStore<Exec>::last_certificate_without_issuer() {
  return exec_->read([=](auto& db) -> core::Result<std::optional<std::string>> {
    auto st = db.prepare(sql::kLastCertificateWithoutIssuer);
    if (!st.step()) return std::nullopt;
    return st.blob(0);
  });
}

template <class Exec>
Async<PurgeCounts> VerbStore<Exec>::purge_expired(core::TimePoint before, std::size_t limit) {
  return exec_->write([=](auto& db) -> core::Result<PurgeCounts> {
    auto ids = [&](const char* query) {
      auto st = db.prepare(query);
      st.bind(1, to_unix(before)).bind(2, static_cast<int64_t>(limit));
      std::vector<std::string> out;
      while (st.step()) out.push_back(st.text(0));
      return out;
    };
    PurgeCounts n;
    for (const auto& id : ids(sql::kPurgeableOrders)) {
      db.prepare(sql::kDeleteOrderIdentifiers).bind(1, id).exec();
      db.prepare(sql::kDeleteOrderAuthorizations).bind(1, id).exec();
      n.orders += static_cast<std::size_t>(db.prepare(sql::kDeleteOrder).bind(1, id).exec());
    }
    for (const auto& id : ids(sql::kPurgeableAuthorizations)) {
      db.prepare(sql::kDeleteAuthzPerspectives).bind(1, id).exec();
      db.prepare(sql::kDeleteAuthzRecords).bind(1, id).exec();
      db.prepare(sql::kDeleteAuthzChallenges).bind(1, id).exec();
      n.authorizations +=
          static_cast<std::size_t>(db.prepare(sql::kDeleteAuthorization).bind(1, id).exec());
    }
    return n;
  });
}

template <class Exec>
Changed VerbStore<Exec>::revoke_certificate(const std::string& serial, int reason,
                                            core::TimePoint at, const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return audited(db,
                   db.prepare(sql::kRevokeCertificate)
                           .bind(1, serial)
                           .bind(2, int64_t{reason})
                           .bind(3, to_unix(at))
                           .exec() == 1,
                   audit);
  });
}

template <class Exec>
Async<std::vector<Certificate>> VerbStore<Exec>::current_certificates_of_account(
    const core::AccountId& account, core::TimePoint now) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCurrentCertificatesOfAccount);
    st.bind(1, account.value).bind(2, to_unix(now));
    return read_certificates(st);
  });
}

template <class Exec>
Async<std::vector<Certificate>> VerbStore<Exec>::current_certificates_for(
    const core::Identifier& id, core::TimePoint now) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCurrentCertificatesFor);
    st.bind(1, encode_identifiers({id})).bind(2, to_unix(now));
    return read_certificates(st);
  });
}

template <class Exec>
Changed VerbStore<Exec>::mark_renew_early(const std::string& serial, core::TimePoint at,
                                          const Audit& audit) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return audited(
        db, db.prepare(sql::kMarkRenewEarly).bind(1, serial).bind(2, to_unix(at)).exec() == 1,
        audit);
  });
}

template <class Exec>
Async<std::int64_t> VerbStore<Exec>::append_audit(const Audit& audit) {
  return exec_->write(
      [=](auto& db) -> core::Result<std::int64_t> { return detail::append_audit(db, audit); });
}

template <class Exec>
Async<std::vector<core::audit::Record>> VerbStore<Exec>::audit_records(std::int64_t after,
                                                                       std::size_t limit) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<core::audit::Record>> {
    return detail::audit_records(db, after, limit);
  });
}

template <class Exec>
Async<std::optional<LimitDenial>> VerbStore<Exec>::spend_limits(
    const std::vector<LimitSpend>& spends, core::TimePoint now) {
  return exec_->write([=](auto& db) -> core::Result<std::optional<LimitDenial>> {
    const int64_t now_ms = core::to_unix_ms(now);
    // Every bucket's TAT as this write leaves it; a spend sees what the spends before
    // it on the same bucket took.
    std::map<std::string, std::optional<int64_t>> tats;
    std::set<std::string> changed;
    std::optional<LimitDenial> denial;
    for (std::size_t i = 0; i < spends.size(); ++i) {
      const LimitSpend& s = spends[i];
      if (!s.rate.enabled()) continue;
      auto [tat, first] = tats.try_emplace(s.bucket);
      if (first) {
        auto st = db.prepare(sql::kLimitBucket);
        st.bind(1, s.bucket);
        if (st.step()) tat->second = st.integer(0);
      }
      const auto d = policy::gcra(tat->second, now_ms, s.rate, s.cost);
      if (!d.allowed) {
        if (!denial || d.retry_after > denial->retry_after) denial = LimitDenial{i, d.retry_after};
      } else if (s.cost > 0) {
        tat->second = d.new_tat_ms;
        changed.insert(s.bucket);
      }
    }
    if (denial || changed.empty()) return denial;
    for (const auto& bucket : changed) {
      // GCRA: the TAT is also when the bucket is full again.
      const int64_t tat = *tats[bucket];
      db.prepare(sql::kSaveLimitBucket).bind(1, bucket).bind(2, tat).bind(3, tat).exec();
    }
    // A full bucket is the same as none: drop a few such rows with every spend, so the
    // table holds only buckets in use. Bounded by the spend's own size, so no request
    // pays for a large sweep.
    db.prepare(sql::kDeleteFullLimitBuckets)
        .bind(1, now_ms)
        .bind(2, static_cast<int64_t>(16 + 2 * changed.size()))
        .exec();
    return std::nullopt;
  });
}

template <class Exec>
Async<std::size_t> VerbStore<Exec>::count_pending_authorizations(const core::AccountId& account,
                                                                 core::TimePoint now) {
  return exec_->read([=](auto& db) -> core::Result<std::size_t> {
    auto st = db.prepare(sql::kCountPendingAuthzs);
    st.bind(1, account.value).bind(2, to_unix(now));
    st.step();
    return static_cast<std::size_t>(st.integer(0));
  });
}

template <class Exec>
Async<bool> VerbStore<Exec>::issued_for_identifiers(
    const std::vector<core::Identifier>& identifiers) {
  return exec_->read([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kIssuedForIdentifiers)
        .bind_blob(1, identifiers_sha256(identifiers))
        .step();
  });
}

template <class Exec>
Async<int> VerbStore<Exec>::recover_interrupted(const Takeover& t) {
  return exec_->write([=](auto& db) -> core::Result<int> {
    auto authzs = db.prepare(sql::kFailInterruptedAuthzs);
    int n = bind_takeover(authzs, t).exec();
    auto challenges = db.prepare(sql::kFailInterruptedChallenges);
    n += bind_takeover(challenges, t)
             .bind(4, "The validation was interrupted: the server doing it stopped; please retry")
             .exec();
    auto orders = db.prepare(sql::kFailInterruptedOrders);
    n += bind_takeover(orders, t)
             .bind(4, "Issuance was interrupted: the server doing it stopped; please retry")
             .exec();
    return n;
  });
}

template <class Exec>
Async<std::string> VerbStore<Exec>::nonce_key() {
  return exec_->write([=](auto& db) -> core::Result<std::string> {
    std::string fresh(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), 32) != 1)
      return core::internal_error("no random bytes for the nonce key");
    db.prepare(sql::kCreateNonceKey).bind_blob(1, fresh).exec();
    auto st = db.prepare(sql::kNonceKey);
    if (!st.step()) return core::internal_error("the nonce key is missing");
    return st.blob(0);
  });
}

template <class Exec>
Changed VerbStore<Exec>::redeem_nonce(const std::string& nonce, core::TimePoint expires) {
  return exec_->write([=](auto& db) -> core::Result<bool> {
    return db.prepare(sql::kRedeemNonce).bind(1, nonce).bind(2, to_unix(expires)).exec() == 1;
  });
}

template <class Exec>
Async<std::size_t> VerbStore<Exec>::purge_redeemed_nonces(core::TimePoint now) {
  return exec_->write([=](auto& db) -> core::Result<std::size_t> {
    return static_cast<std::size_t>(
        db.prepare(sql::kPurgeRedeemedNonces).bind(1, to_unix(now)).exec());
  });
}

template <class Exec>
Async<std::vector<Account>> VerbStore<Exec>::accounts(std::size_t limit) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Account>> {
    auto st = db.prepare(sql::kAccounts);
    st.bind(1, static_cast<int64_t>(limit));
    std::vector<Account> out;
    while (st.step()) out.push_back(read_account(st));
    return out;
  });
}

template <class Exec>
Async<std::vector<Order>> VerbStore<Exec>::orders(const OrderQuery& q) {
  return exec_->read([=](auto& db) -> core::Result<std::vector<Order>> {
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

template <class Exec>
Async<std::vector<Certificate>> VerbStore<Exec>::certificates(const CertificateQuery& q) {
  // The wildcard that covers a name is its parent's: "*.example.com" for "www.example.com".
  std::optional<std::string> parent;
  if (q.dns_name_or_under) {
    if (const auto dot = q.dns_name_or_under->find('.'); dot != std::string::npos)
      parent = q.dns_name_or_under->substr(dot + 1);
  }
  return exec_->read([=](auto& db) -> core::Result<std::vector<Certificate>> {
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

template <class Exec>
Async<CertificateSummary> VerbStore<Exec>::certificate_summary(const CertificateSummaryQuery& q) {
  return exec_->read([=](auto& db) -> core::Result<CertificateSummary> {
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
    const auto per_day = [](auto& st, std::size_t days) {
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

}  // namespace detail
}  // namespace signet::storage
