#pragma once
// Mapping between rows and records, private to storage/: how lists, identifiers,
// errors and times are spelled in columns, and the loaders that assemble a record
// from its rows (templates over the backend's connection and statement: the same
// calls on SQLite's and PostgreSQL's).
#include <optional>
#include <string>
#include <vector>

#include "storage/statements.hpp"
#include "storage/store.hpp"

namespace signet::storage::detail::rows {

std::string join(const std::vector<std::string>& v);
std::vector<std::string> split(const std::string& s);
std::string encode_identifiers(const std::vector<core::Identifier>& ids);
std::vector<core::Identifier> decode_identifiers(const std::string& s);
// An identifier set as one key: the SHA-256 (raw) of its "type:value" lines, each
// ending in "\n", sorted and without repeats; so the order given does not matter.
std::string identifiers_sha256(std::vector<core::Identifier> ids);
std::optional<int64_t> opt_unix(const std::optional<core::TimePoint>& t);
std::optional<core::TimePoint> opt_time(const std::optional<int64_t>& s);

template <class St>
std::optional<core::Error> read_error(const St& st, int type_col, int detail_col) {
  auto type = st.opt_text(type_col);
  if (!type) return std::nullopt;
  return core::make_error(
      core::problem_type_from_name(*type).value_or(core::ProblemType::ServerInternal),
      st.text(detail_col));
}

template <class St>
Account read_account(const St& st) {
  Account a;
  a.id = {st.text(0)};
  a.jwk = st.text(1);
  a.jwk_thumbprint = st.text(2);
  a.contact = split(st.text(3));
  a.status = core::account_status_from_string(st.text(4)).value_or(core::AccountStatus::Revoked);
  a.tos_agreed = st.integer(5) != 0;
  a.created_at = core::from_unix(st.integer(6));
  a.eab_kid = st.opt_text(7);
  return a;
}

template <class St>
core::EabKey read_eab_key(const St& st) {
  core::EabKey k;
  k.kid = st.text(0);
  k.hmac_key = st.blob(1);
  k.note = st.text(2);
  k.allowed_domains = split(st.text(3));
  k.prevalidated_domains = split(st.text(4));
  k.profiles = split(st.text(5));
  if (auto s = st.opt_integer(6)) k.max_validity = core::Seconds(*s);
  k.reusable = st.integer(7) != 0;
  k.created_at = core::from_unix(st.integer(8));
  k.revoked_at = opt_time(st.opt_integer(9));
  k.accounts = static_cast<std::size_t>(st.integer(10));
  return k;
}

template <class Db>
std::optional<Account> account_where(Db& db, const char* sql, const std::string& key) {
  auto st = db.prepare(sql);
  st.bind(1, key);
  if (!st.step()) return std::nullopt;
  return read_account(st);
}

template <class Db>
std::optional<Authorization> load_authz(Db& db, const std::string& id) {
  auto st = db.prepare(sql::kAuthzById);
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  Authorization a;
  a.id = {st.text(0)};
  a.account_id = {st.text(1)};
  a.identifier = {core::identifier_type_from_string(st.text(2)).value_or(core::IdentifierType::Dns),
                  st.text(3)};
  a.wildcard = st.integer(4) != 0;
  a.status = core::authz_status_from_string(st.text(5)).value_or(core::AuthzStatus::Invalid);
  a.expires = core::from_unix(st.integer(6));
  a.prevalidated_by = st.opt_text(7);

  auto cs = db.prepare(sql::kChallengesByAuthz);
  cs.bind(1, id);
  while (cs.step()) {
    core::Challenge c;
    c.id = {cs.text(0)};
    c.type = core::challenge_type_from_string(cs.text(1)).value_or(core::ChallengeType::Http01);
    c.status =
        core::challenge_status_from_string(cs.text(2)).value_or(core::ChallengeStatus::Invalid);
    c.token = cs.text(3);
    c.validated_at = opt_time(cs.opt_integer(4));
    c.error = read_error(cs, 5, 6);
    a.challenges.push_back(std::move(c));
  }
  for (auto& c : a.challenges) {
    auto rs = db.prepare(sql::kRecordsByChallenge);
    rs.bind(1, c.id.value);
    while (rs.step()) {
      c.records.push_back(
          {rs.text(0), rs.text(1), rs.text(2), rs.text(3), split(rs.text(4)), rs.text(5)});
    }
    auto ps = db.prepare(sql::kPerspectivesByChallenge);
    ps.bind(1, c.id.value);
    while (ps.step()) {
      c.perspectives.push_back({ps.text(0),
                                core::perspective_verdict_from_string(ps.text(1))
                                    .value_or(core::PerspectiveVerdict::Invalid),
                                read_error(ps, 2, 3)});
    }
  }
  return a;
}

template <class Db>
std::optional<Order> load_order(Db& db, const std::string& id) {
  auto st = db.prepare(sql::kOrderById);
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  Order o;
  o.id = {st.text(0)};
  o.account_id = {st.text(1)};
  o.status = core::order_status_from_string(st.text(2)).value_or(core::OrderStatus::Invalid);
  o.expires = core::from_unix(st.integer(3));
  o.not_before = opt_time(st.opt_integer(4));
  o.not_after = opt_time(st.opt_integer(5));
  o.error = read_error(st, 6, 7);
  o.certificate_serial = st.opt_text(8);
  o.created_at = core::from_unix(st.integer(9));
  o.profile = st.opt_text(10).value_or("");
  o.replaces = st.opt_text(11);

  auto is = db.prepare(sql::kOrderIdentifiers);
  is.bind(1, id);
  while (is.step()) {
    o.identifiers.push_back(
        {core::identifier_type_from_string(is.text(0)).value_or(core::IdentifierType::Dns),
         is.text(1)});
  }
  auto as = db.prepare(sql::kOrderAuthzs);
  as.bind(1, id);
  while (as.step()) {
    o.authorizations.push_back(
        {{as.text(0)},
         core::authz_status_from_string(as.text(1)).value_or(core::AuthzStatus::Invalid),
         core::from_unix(as.integer(2)),
         opt_time(as.opt_integer(3))});
  }
  return o;
}

template <class St>
Certificate read_certificate(const St& st) {
  Certificate c;
  c.serial = st.text(0);
  c.account_id = {st.text(1)};
  c.order_id = {st.text(2)};
  c.der = st.blob(3);
  c.chain_pem = st.text(4);
  c.key_spki_sha256 = st.blob(5);
  c.identifiers = decode_identifiers(st.text(6));
  c.not_before = core::from_unix(st.integer(7));
  c.not_after = core::from_unix(st.integer(8));
  c.issued_at = core::from_unix(st.integer(9));
  c.revoked_at = opt_time(st.opt_integer(10));
  if (auto r = st.opt_integer(11)) c.revocation_reason = static_cast<int>(*r);
  c.profile = st.opt_text(12).value_or("");
  c.renew_early_at = opt_time(st.opt_integer(13));
  return c;
}

// Every remaining row of a certificate query.
template <class St>
std::vector<Certificate> read_certificates(St& st) {
  std::vector<Certificate> out;
  while (st.step()) out.push_back(read_certificate(st));
  return out;
}

}  // namespace signet::storage::detail::rows
