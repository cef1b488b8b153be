#include "storage/sqlite_store.hpp"

#include <openssl/rand.h>

#include <map>
#include <set>

#include "core/base64url.hpp"
#include "storage/audit_log.hpp"
#include "storage/rows.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/sqlite_executor.hpp"
#include "storage/statements.hpp"

namespace signet::storage {
namespace {

using core::to_unix;
using detail::Connection;
using detail::SqliteError;
using detail::Statement;
using namespace detail::rows;

constexpr int kSchemaVersion = static_cast<int>(std::size(sql::kMigrations));

bool is_unique_violation(const SqliteError& e) {
  return e.code == SQLITE_CONSTRAINT_UNIQUE || e.code == SQLITE_CONSTRAINT_PRIMARYKEY;
}

// A problem as two columns, its type name and its detail; NULLs when there is none.
void bind_problem(Statement& st, int type_col, const std::optional<core::Error>& e) {
  if (e) {
    st.bind(type_col, core::problem_type_name(e->type)).bind(type_col + 1, e->detail);
  } else {
    st.bind_null(type_col).bind_null(type_col + 1);
  }
}

// A guarded update's outcome, with its audit entry appended when it changed something.
bool audited(Connection& db, bool changed, const Audit& audit) {
  if (changed) detail::append_audit(db, audit);
  return changed;
}

// Inserts a pending authorization with its challenges; returns its id.
std::string insert_authz(Connection& db, const core::AccountId& account,
                         const core::NewAuthorization& na, core::TimePoint created_at);

}  // namespace

std::string random_id() {
  // Never starting with "-": an operator types account ids on the command line, where
  // a leading "-" would read as an option.
  for (;;) {
    unsigned char buf[16];
    RAND_bytes(buf, sizeof buf);
    auto id = core::base64url_encode(std::string_view(reinterpret_cast<char*>(buf), sizeof buf));
    if (id.front() != '-') return id;
  }
}

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                             detail::ExecutorOptions options) {
  try {
    auto c = std::make_unique<Connection>(path);
    c->exec_script(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    const int have = c->user_version();
    if (have > kSchemaVersion) {
      return core::internal_error("database schema version " + std::to_string(have) +
                                  " is newer than this build understands (" +
                                  std::to_string(kSchemaVersion) + ")");
    }
    for (int v = have; v < kSchemaVersion; ++v) {
      detail::Transaction tx(*c);
      c->exec_script(sql::kMigrations[v]);
      c->set_user_version(v + 1);
      tx.commit();
    }
    auto exec = std::make_unique<detail::SqliteExecutor>(path, std::move(c), options);
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(exec)));
  } catch (const SqliteError& e) {
    return core::internal_error("opening database " + path + ": " + e.message);
  }
}

SqliteStore::SqliteStore(std::unique_ptr<detail::SqliteExecutor> exec) : exec_(std::move(exec)) {}
SqliteStore::~SqliteStore() = default;

detail::ExecutorStats SqliteStore::stats() const {
  return exec_->stats();
}

Async<Account> SqliteStore::create_account(const NewAccount& a, const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<Account> {
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
    } catch (const SqliteError& e) {
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

Maybe<Account> SqliteStore::account_by_id(const core::AccountId& id) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<Account>> {
    return account_where(db, sql::kAccountById, id.value);
  });
}

Maybe<Account> SqliteStore::account_by_thumbprint(const std::string& thumbprint) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<Account>> {
    return account_where(db, sql::kAccountByThumbprint, thumbprint);
  });
}

Changed SqliteStore::update_account_contact(const core::AccountId& id,
                                            const std::vector<std::string>& contact) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kUpdateAccountContact).bind(1, id.value).bind(2, join(contact)).exec() ==
           1;
  });
}

Changed SqliteStore::deactivate_account(const core::AccountId& id, const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return audited(db, db.prepare(sql::kDeactivateAccount).bind(1, id.value).exec() == 1, audit);
  });
}

Changed SqliteStore::change_account_key(const core::AccountId& id,
                                        const std::string& old_thumbprint, const AccountKey& key,
                                        const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
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
    } catch (const SqliteError& e) {
      if (is_unique_violation(e)) {
        return core::make_error(core::ProblemType::Conflict,
                                "The new key is already in use by an account");
      }
      throw;
    }
  });
}

Async<bool> SqliteStore::is_account_key(const std::string& spki_sha256) {
  return exec_->read([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kIsAccountKey).bind_blob(1, spki_sha256).step();
  });
}

Async<bool> SqliteStore::is_certificate_key(const std::string& spki_sha256) {
  return exec_->read([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kIsCertificateKey).bind_blob(1, spki_sha256).step();
  });
}

namespace {

std::string insert_authz(Connection& db, const core::AccountId& account,
                         const core::NewAuthorization& na, core::TimePoint created_at) {
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

}  // namespace

Async<std::vector<core::AccountId>> SqliteStore::accounts_bound_to(const std::string& kid) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<core::AccountId>> {
    auto st = db.prepare(sql::kAccountsByEabKid);
    st.bind(1, kid);
    std::vector<core::AccountId> out;
    while (st.step()) out.push_back({st.text(0)});
    return out;
  });
}

Changed SqliteStore::create_eab_key(const core::EabKey& k, const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
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

Maybe<core::EabKey> SqliteStore::eab_key(const std::string& kid) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<core::EabKey>> {
    auto st = db.prepare(sql::kEabKeyByKid);
    st.bind(1, kid);
    if (!st.step()) return std::nullopt;
    return read_eab_key(st);
  });
}

Async<std::vector<core::EabKey>> SqliteStore::eab_keys() {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<core::EabKey>> {
    auto st = db.prepare(sql::kEabKeys);
    std::vector<core::EabKey> out;
    while (st.step()) out.push_back(read_eab_key(st));
    return out;
  });
}

Changed SqliteStore::revoke_eab_key(const std::string& kid, core::TimePoint at,
                                    const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return audited(db, db.prepare(sql::kRevokeEabKey).bind(1, kid).bind(2, to_unix(at)).exec() == 1,
                   audit);
  });
}

Async<Order> SqliteStore::create_order(const NewOrder& o) {
  return exec_->write([=](Connection& db) -> core::Result<Order> {
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
    } catch (const SqliteError& e) {
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

Maybe<Order> SqliteStore::order_by_id(const core::OrderId& id) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<Order>> {
    return load_order(db, id.value);
  });
}

Async<std::vector<Order>> SqliteStore::orders_replacing(const std::string& cert_id) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Order>> {
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

Async<std::vector<core::OrderId>> SqliteStore::orders_by_account(const core::AccountId& id,
                                                                 std::size_t offset,
                                                                 std::size_t limit) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<core::OrderId>> {
    auto st = db.prepare(sql::kOrdersByAccount);
    st.bind(1, id.value).bind(2, static_cast<int64_t>(limit)).bind(3, static_cast<int64_t>(offset));
    std::vector<core::OrderId> out;
    while (st.step()) out.push_back({st.text(0)});
    return out;
  });
}

Changed SqliteStore::set_order_status(const core::OrderId& id, core::OrderStatus from,
                                      core::OrderStatus to) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kSetOrderStatus)
               .bind(1, id.value)
               .bind(2, to_string(from))
               .bind(3, to_string(to))
               .exec() == 1;
  });
}

Changed SqliteStore::fail_order(const core::OrderId& id, const core::Error& error) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kFailOrder)
               .bind(1, id.value)
               .bind(2, core::problem_type_name(error.type))
               .bind(3, error.detail)
               .exec() == 1;
  });
}

Changed SqliteStore::complete_order(const core::OrderId& id, const Certificate& c,
                                    const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
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
        .exec();
    return audited(db, true, audit);
  });
}

Async<Authorization> SqliteStore::create_authorization(const core::AccountId& account,
                                                       const core::NewAuthorization& a,
                                                       core::TimePoint created_at) {
  return exec_->write([=](Connection& db) -> core::Result<Authorization> {
    return *load_authz(db, insert_authz(db, account, a, created_at));
  });
}

Maybe<Authorization> SqliteStore::authz_by_id(const core::AuthzId& id) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<Authorization>> {
    return load_authz(db, id.value);
  });
}

Async<std::vector<Authorization>> SqliteStore::valid_authzs(const core::AccountId& account,
                                                            const core::Identifier& id,
                                                            bool wildcard, core::TimePoint now) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Authorization>> {
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

Changed SqliteStore::deactivate_authz(const core::AuthzId& id) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kDeactivateAuthz).bind(1, id.value).exec() == 1;
  });
}

Changed SqliteStore::start_challenge(const core::AuthzId& authz, const core::ChallengeId& id,
                                     const Lease& lease) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kStartChallenge)
               .bind(1, authz.value)
               .bind(2, id.value)
               .bind(3, lease.owner)
               .bind(4, to_unix(lease.until))
               .exec() == 1;
  });
}

Changed SqliteStore::complete_challenge(const ChallengeOutcome& o) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    const auto status = o.valid ? core::ChallengeStatus::Valid : core::ChallengeStatus::Invalid;
    auto st = db.prepare(sql::kCompleteChallenge);
    st.bind(1, o.authz_id.value)
        .bind(2, o.challenge_id.value)
        .bind(3, to_string(status))
        .bind(4, o.valid ? std::optional<int64_t>(to_unix(o.at)) : std::nullopt);
    bind_problem(st, 5, o.error);
    if (st.exec() != 1) return false;
    db.prepare(sql::kCompleteAuthz)
        .bind(1, o.authz_id.value)
        .bind(2, to_string(o.valid ? core::AuthzStatus::Valid : core::AuthzStatus::Invalid))
        .bind(3, opt_unix(o.authz_expires))
        .exec();
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

Changed SqliteStore::record_late_perspective(const core::ChallengeId& challenge,
                                             const core::PerspectiveResult& result) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    auto st = db.prepare(sql::kRecordLatePerspective);
    st.bind(1, challenge.value).bind(2, result.perspective).bind(3, to_string(result.verdict));
    bind_problem(st, 4, result.problem);
    return st.exec() == 1;
  });
}

Changed SqliteStore::start_issuance(const core::PendingIssuance& p, core::TimePoint at,
                                    const Lease& lease, const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
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

namespace {

// Binds ?1 run, ?2 now, ?3 the earlier runs' prefix (NULL: none) of a takeover.
Statement& bind_takeover(Statement& st, const Takeover& t) {
  st.bind(1, t.run).bind(2, to_unix(t.now));
  if (t.earlier_runs.empty()) return st.bind_null(3);
  return st.bind(3, t.earlier_runs);
}

}  // namespace

Async<int> SqliteStore::renew_leases(const std::string& owner, core::TimePoint until) {
  return exec_->write([=](Connection& db) -> core::Result<int> {
    int n = 0;
    for (const char* q : {sql::kRenewChallengeLeases, sql::kRenewOrderLeases})
      n += db.prepare(q).bind(1, owner).bind(2, to_unix(until)).exec();
    return n;
  });
}

Async<std::vector<core::PendingIssuance>> SqliteStore::interrupted_issuances(
    const Takeover& t, core::TimePoint until) {
  return exec_->write([=](Connection& db) -> core::Result<std::vector<core::PendingIssuance>> {
    auto st = db.prepare(sql::kInterruptedIssuances);
    bind_takeover(st, t);
    std::vector<core::PendingIssuance> out;
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

Maybe<Certificate> SqliteStore::certificate_by_serial(const std::string& serial) {
  return exec_->read([=](Connection& db) -> core::Result<std::optional<Certificate>> {
    auto st = db.prepare(sql::kCertificateBySerial);
    st.bind(1, serial);
    if (!st.step()) return std::nullopt;
    return read_certificate(st);
  });
}

Changed SqliteStore::record_infrastructure_certificate(const core::InfrastructureCertificate& c,
                                                       const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
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

Async<std::vector<core::RevokedCertificate>> SqliteStore::revoked_in_shard(int shard,
                                                                           core::TimePoint now) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<core::RevokedCertificate>> {
    auto st = db.prepare(sql::kRevokedInShard);
    st.bind(1, int64_t{shard}).bind(2, to_unix(now));
    std::vector<core::RevokedCertificate> out;
    while (st.step()) {
      out.push_back({st.text(0), core::from_unix(st.integer(1)),
                     static_cast<int>(st.opt_integer(2).value_or(0))});
    }
    return out;
  });
}

Async<std::map<int, std::int64_t>> SqliteStore::revocations_by_shard() {
  return exec_->read([=](Connection& db) -> core::Result<std::map<int, std::int64_t>> {
    auto st = db.prepare(sql::kRevocationsByShard);
    std::map<int, std::int64_t> out;
    while (st.step()) out[static_cast<int>(st.integer(0))] = st.integer(1);
    return out;
  });
}

Async<PurgeCounts> SqliteStore::purge_expired(core::TimePoint before, std::size_t limit) {
  return exec_->write([=](Connection& db) -> core::Result<PurgeCounts> {
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

Changed SqliteStore::revoke_certificate(const std::string& serial, int reason, core::TimePoint at,
                                        const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return audited(db,
                   db.prepare(sql::kRevokeCertificate)
                           .bind(1, serial)
                           .bind(2, int64_t{reason})
                           .bind(3, to_unix(at))
                           .exec() == 1,
                   audit);
  });
}

Async<std::vector<Certificate>> SqliteStore::current_certificates_of_account(
    const core::AccountId& account, core::TimePoint now) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCurrentCertificatesOfAccount);
    st.bind(1, account.value).bind(2, to_unix(now));
    return read_certificates(st);
  });
}

Async<std::vector<Certificate>> SqliteStore::current_certificates_for(const core::Identifier& id,
                                                                      core::TimePoint now) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<Certificate>> {
    auto st = db.prepare(sql::kCurrentCertificatesFor);
    st.bind(1, encode_identifiers({id})).bind(2, to_unix(now));
    return read_certificates(st);
  });
}

Changed SqliteStore::mark_renew_early(const std::string& serial, core::TimePoint at,
                                      const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return audited(
        db, db.prepare(sql::kMarkRenewEarly).bind(1, serial).bind(2, to_unix(at)).exec() == 1,
        audit);
  });
}

Async<std::int64_t> SqliteStore::append_audit(const Audit& audit) {
  return exec_->write([=](Connection& db) -> core::Result<std::int64_t> {
    return detail::append_audit(db, audit);
  });
}

Async<std::vector<core::audit::Record>> SqliteStore::audit_records(std::int64_t after,
                                                                   std::size_t limit) {
  return exec_->read([=](Connection& db) -> core::Result<std::vector<core::audit::Record>> {
    return detail::audit_records(db, after, limit);
  });
}

Async<std::optional<LimitDenial>> SqliteStore::spend_limits(const std::vector<LimitSpend>& spends,
                                                            core::TimePoint now) {
  return exec_->write([=](Connection& db) -> core::Result<std::optional<LimitDenial>> {
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

Async<std::size_t> SqliteStore::count_pending_authorizations(const core::AccountId& account,
                                                             core::TimePoint now) {
  return exec_->read([=](Connection& db) -> core::Result<std::size_t> {
    auto st = db.prepare(sql::kCountPendingAuthzs);
    st.bind(1, account.value).bind(2, to_unix(now));
    st.step();
    return static_cast<std::size_t>(st.integer(0));
  });
}

Async<bool> SqliteStore::issued_for_identifiers(const std::vector<core::Identifier>& identifiers) {
  return exec_->read([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kIssuedForIdentifiers)
        .bind_blob(1, identifiers_sha256(identifiers))
        .step();
  });
}

Async<int> SqliteStore::recover_interrupted(const Takeover& t) {
  return exec_->write([=](Connection& db) -> core::Result<int> {
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

Async<std::string> SqliteStore::nonce_key() {
  return exec_->write([=](Connection& db) -> core::Result<std::string> {
    std::string fresh(32, '\0');
    if (RAND_bytes(reinterpret_cast<unsigned char*>(fresh.data()), 32) != 1)
      return core::internal_error("no random bytes for the nonce key");
    db.prepare(sql::kCreateNonceKey).bind_blob(1, fresh).exec();
    auto st = db.prepare(sql::kNonceKey);
    if (!st.step()) return core::internal_error("the nonce key is missing");
    return st.blob(0);
  });
}

Changed SqliteStore::redeem_nonce(const std::string& nonce, core::TimePoint expires) {
  return exec_->write([=](Connection& db) -> core::Result<bool> {
    return db.prepare(sql::kRedeemNonce).bind(1, nonce).bind(2, to_unix(expires)).exec() == 1;
  });
}

Async<std::size_t> SqliteStore::purge_redeemed_nonces(core::TimePoint now) {
  return exec_->write([=](Connection& db) -> core::Result<std::size_t> {
    return static_cast<std::size_t>(
        db.prepare(sql::kPurgeRedeemedNonces).bind(1, to_unix(now)).exec());
  });
}

}  // namespace signet::storage
