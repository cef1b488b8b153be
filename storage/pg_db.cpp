#include "storage/pg_db.hpp"

#include <cstdlib>
#include <cstring>

#include "storage/pg_statements.hpp"

namespace signet::storage::detail {
namespace {

// Lost connections and a server going away: SQLSTATE class 08, and the shutdowns of
// class 57 (admin_shutdown, crash_shutdown, cannot_connect_now).
bool is_connection_state(std::string_view s) {
  return s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03";
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

const pgsql::Statement& statement_for(const char* key) {
  for (const auto& s : pgsql::kStatements) {
    // The same literal, though not necessarily at one address in every translation unit.
    if (s.key == key || std::strcmp(s.key, key) == 0) return s;
  }
  // Every statement verbs.hpp names has its PostgreSQL spelling (the storage tests run
  // every verb on both backends).
  throw PgError{"", std::string("no PostgreSQL statement for: ") + key, false};
}

}  // namespace

PgConnection::PgConnection(const std::string& url, std::chrono::milliseconds statement_timeout)
    : conn_(PQconnectdb(url.c_str())) {
  if (!conn_ || PQstatus(conn_) != CONNECTION_OK) {
    PgError e{"", conn_ ? PQerrorMessage(conn_) : "out of memory", true};
    while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
    if (conn_) PQfinish(conn_);
    conn_ = nullptr;
    throw e;
  }
  // Notices ("already exists, skipping") are not for the operator's terminal.
  PQsetNoticeProcessor(
      conn_, [](void*, const char*) {}, nullptr);
  const std::string setup = "SET statement_timeout = " + std::to_string(statement_timeout.count()) +
                            "; SET application_name = 'signet'";
  exec_script(setup.c_str());
}

PgConnection::~PgConnection() {
  if (conn_) PQfinish(conn_);
}

void PgConnection::fail(const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  PgError e{state ? state : "", r ? PQresultErrorMessage(r) : PQerrorMessage(conn_), false};
  if (e.message.empty()) e.message = PQerrorMessage(conn_);
  while (!e.message.empty() && e.message.back() == '\n') e.message.pop_back();
  e.broken = PQstatus(conn_) != CONNECTION_OK || is_connection_state(e.sqlstate);
  throw e;
}

void PgConnection::exec_script(const char* sql) {
  PgResult r(PQexec(conn_, sql));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get());
}

int64_t PgConnection::query_integer(const char* sql) {
  PgResult r(PQexec(conn_, sql));
  if (!r || PQresultStatus(r.get()) != PGRES_TUPLES_OK) fail(r.get());
  if (PQntuples(r.get()) < 1) throw PgError{"", std::string("no row from: ") + sql, false};
  return std::strtoll(PQgetvalue(r.get(), 0, 0), nullptr, 10);
}

std::string PgConnection::prepare_text(const char* text) {
  std::string name = "s" + std::to_string(next_++);
  PgResult r(PQprepare(conn_, name.c_str(), text, 0, nullptr));
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) fail(r.get());
  return name;
}

const PgConnection::Prepared& PgConnection::prepared(const char* key) {
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  const auto& s = statement_for(key);
  Prepared p;
  p.name = prepare_text(s.text);
  PgResult d(PQdescribePrepared(conn_, p.name.c_str()));
  if (!d || PQresultStatus(d.get()) != PGRES_COMMAND_OK) fail(d.get());
  p.params = PQnparams(d.get());
  if (s.lock) {
    p.lock_name = prepare_text(s.lock);
    p.lock_params = s.lock_params;
  }
  return cache_.emplace(key, std::move(p)).first->second;
}

PgResult PgConnection::run(const std::string& name, int n, const char* const* values,
                           const int* lengths, const int* formats) {
  // Text results: integers and text as they are, bytea in hex (PgStatement::blob).
  PgResult r(PQexecPrepared(conn_, name.c_str(), n, values, lengths, formats, 0));
  const auto status = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) fail(r.get());
  return r;
}

PgStatement::Param& PgStatement::param(int i) {
  if (params_.size() < static_cast<std::size_t>(i)) params_.resize(i);
  return params_[i - 1];
}

PgStatement& PgStatement::bind(int i, std::string_view v) {
  param(i) = {std::string(v), false};
  return *this;
}
PgStatement& PgStatement::bind_blob(int i, std::string_view v) {
  param(i) = {std::string(v), true};
  return *this;
}
PgStatement& PgStatement::bind(int i, int64_t v) {
  param(i) = {std::to_string(v), false};
  return *this;
}
PgStatement& PgStatement::bind(int i, const std::optional<int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}
PgStatement& PgStatement::bind_opt(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
PgStatement& PgStatement::bind_null(int i) {
  param(i) = {std::nullopt, false};
  return *this;
}

void PgStatement::run() {
  const auto& p = c_.prepared(key_);
  if (params_.size() < static_cast<std::size_t>(p.params)) params_.resize(p.params);
  std::vector<const char*> values;
  std::vector<int> lengths, formats;
  for (const auto& prm : params_) {
    values.push_back(prm.value ? prm.value->data() : nullptr);
    lengths.push_back(prm.value ? static_cast<int>(prm.value->size()) : 0);
    formats.push_back(prm.binary ? 1 : 0);
  }
  if (!p.lock_name.empty()) {
    c_.run(p.lock_name, p.lock_params, values.data(), lengths.data(), formats.data());
  }
  res_ = c_.run(p.name, p.params, values.data(), lengths.data(), formats.data());
  row_ = -1;
}

bool PgStatement::step() {
  if (!res_) run();
  return ++row_ < PQntuples(res_.get());
}

int PgStatement::exec() {
  run();
  return std::atoi(PQcmdTuples(res_.get()));
}

std::string PgStatement::text(int col) const {
  return std::string(PQgetvalue(res_.get(), row_, col),
                     static_cast<std::size_t>(PQgetlength(res_.get(), row_, col)));
}

std::string PgStatement::blob(int col) const {
  // bytea's text output: "\x" and two hex digits a byte.
  const char* s = PQgetvalue(res_.get(), row_, col);
  const auto n = static_cast<std::size_t>(PQgetlength(res_.get(), row_, col));
  std::string out;
  if (n < 2) return out;
  out.reserve((n - 2) / 2);
  for (std::size_t i = 2; i + 1 < n; i += 2) {
    out.push_back(static_cast<char>(hex_digit(s[i]) * 16 + hex_digit(s[i + 1])));
  }
  return out;
}

int64_t PgStatement::integer(int col) const {
  return std::strtoll(PQgetvalue(res_.get(), row_, col), nullptr, 10);
}

std::optional<int64_t> PgStatement::opt_integer(int col) const {
  if (PQgetisnull(res_.get(), row_, col)) return std::nullopt;
  return integer(col);
}

std::optional<std::string> PgStatement::opt_text(int col) const {
  if (PQgetisnull(res_.get(), row_, col)) return std::nullopt;
  return text(col);
}

PgCopyIn::PgCopyIn(PgConnection& c, const std::string& copy_statement) : c_(c) {
  PgResult r(PQexec(c_.conn_, copy_statement.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) c_.fail(r.get());
}

PgCopyIn::~PgCopyIn() {
  if (done_) return;
  // Abandoned (an exception on the way): the server ends the COPY with an error, and the
  // connection is ready for the ROLLBACK.
  if (PQputCopyEnd(c_.conn_, "the copy was abandoned") == 1) {
    while (PgResult r{PQgetResult(c_.conn_)}) {
    }
  }
}

void PgCopyIn::put(std::string_view rows) {
  if (PQputCopyData(c_.conn_, rows.data(), static_cast<int>(rows.size())) != 1) c_.fail(nullptr);
}

int64_t PgCopyIn::finish() {
  done_ = true;
  if (PQputCopyEnd(c_.conn_, nullptr) != 1) c_.fail(nullptr);
  PgResult r(PQgetResult(c_.conn_));
  // Whatever follows the COPY's own result is read, so the connection is ready again.
  while (PgResult more{PQgetResult(c_.conn_)}) {
  }
  if (!r || PQresultStatus(r.get()) != PGRES_COMMAND_OK) c_.fail(r.get());
  return std::strtoll(PQcmdTuples(r.get()), nullptr, 10);
}

}  // namespace signet::storage::detail
