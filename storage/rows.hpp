#pragma once
// Mapping between rows and records, private to storage/: how lists, identifiers,
// errors and times are spelled in columns, and the loaders that assemble a record
// from its rows.
#include <optional>
#include <string>
#include <vector>

#include "storage/sqlite_db.hpp"
#include "storage/store.hpp"

namespace signet::storage::detail::rows {

std::string join(const std::vector<std::string>& v);
std::vector<std::string> split(const std::string& s);
std::string encode_identifiers(const std::vector<core::Identifier>& ids);
std::vector<core::Identifier> decode_identifiers(const std::string& s);
// An identifier set as one key: the SHA-256 (raw) of its "type:value" lines, each
// ending in "\n", sorted and without repeats; so the order given does not matter.
std::string identifiers_sha256(std::vector<core::Identifier> ids);
std::optional<core::Error> read_error(const Statement& st, int type_col, int detail_col);
std::optional<int64_t> opt_unix(const std::optional<core::TimePoint>& t);
std::optional<core::TimePoint> opt_time(const std::optional<int64_t>& s);

Account read_account(const Statement& st);
Certificate read_certificate(const Statement& st);
// Every remaining row of a certificate query.
std::vector<Certificate> read_certificates(Statement& st);
core::EabKey read_eab_key(const Statement& st);
std::optional<Account> account_where(Connection& db, const char* sql, const std::string& key);
std::optional<Authorization> load_authz(Connection& db, const std::string& id);
std::optional<Order> load_order(Connection& db, const std::string& id);

}  // namespace signet::storage::detail::rows
