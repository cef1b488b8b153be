#include "storage/sqlite_db.hpp"

namespace signet::storage::detail {
namespace {
[[noreturn]] void fail(sqlite3* db, int rc) {
  throw SqliteError{rc, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)};
}
}  // namespace

Statement& Statement::bind(int i, std::string_view v) {
  if (int rc = sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT))
    fail(db_, rc);
  return *this;
}
Statement& Statement::bind_blob(int i, std::string_view v) {
  if (int rc = sqlite3_bind_blob(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT))
    fail(db_, rc);
  return *this;
}
Statement& Statement::bind(int i, int64_t v) {
  if (int rc = sqlite3_bind_int64(stmt_, i, v)) fail(db_, rc);
  return *this;
}
Statement& Statement::bind(int i, const std::optional<int64_t>& v) {
  return v ? bind(i, *v) : bind_null(i);
}
Statement& Statement::bind_opt(int i, const std::optional<std::string>& v) {
  return v ? bind(i, std::string_view(*v)) : bind_null(i);
}
Statement& Statement::bind_null(int i) {
  if (int rc = sqlite3_bind_null(stmt_, i)) fail(db_, rc);
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_, rc);
}

int Statement::exec() {
  while (step()) {
  }
  return sqlite3_changes(db_);
}

std::string Statement::text(int col) const {
  const auto* p = sqlite3_column_text(stmt_, col);
  return p ? std::string(reinterpret_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
std::string Statement::blob(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  return p ? std::string(static_cast<const char*>(p),
                         static_cast<std::size_t>(sqlite3_column_bytes(stmt_, col)))
           : std::string();
}
int64_t Statement::integer(int col) const {
  return sqlite3_column_int64(stmt_, col);
}
std::optional<int64_t> Statement::opt_integer(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return integer(col);
}
std::optional<std::string> Statement::opt_text(int col) const {
  if (sqlite3_column_type(stmt_, col) == SQLITE_NULL) return std::nullopt;
  return text(col);
}
int Statement::type(int col) const {
  return sqlite3_column_type(stmt_, col);
}

Connection::Connection(const std::string& path, int flags) {
  const int rc = sqlite3_open_v2(path.c_str(), &db_, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    SqliteError e{rc, db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc)};
    sqlite3_close(db_);
    db_ = nullptr;
    throw e;
  }
  sqlite3_busy_timeout(db_, 5000);
  sqlite3_extended_result_codes(db_, 1);
}

Connection::~Connection() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close(db_);
}

Statement Connection::prepare(const char* sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    if (int rc = sqlite3_prepare_v3(db_, sql, -1, SQLITE_PREPARE_PERSISTENT, &stmt, nullptr))
      fail(db_, rc);
    it = cache_.emplace(sql, stmt).first;
  }
  return Statement(db_, it->second);
}

Statement Connection::prepare_once(const std::string& sql) {
  sqlite3_stmt* stmt = nullptr;
  if (int rc = sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr)) fail(db_, rc);
  return Statement(db_, stmt, true);
}

void Connection::exec_script(const char* sql) {
  char* err = nullptr;
  if (int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err)) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    throw SqliteError{rc, msg};
  }
}

int Connection::user_version() {
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(db_, "PRAGMA user_version", -1, &stmt, nullptr);
  int v = 0;
  if (sqlite3_step(stmt) == SQLITE_ROW) v = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  return v;
}

void Connection::set_user_version(int v) {
  exec_script(("PRAGMA user_version = " + std::to_string(v)).c_str());
}

Transaction::Transaction(Connection& c) : c_(c) {
  c_.exec_script("BEGIN IMMEDIATE");
}
Transaction::~Transaction() {
  if (!done_) {
    try {
      c_.exec_script("ROLLBACK");
    } catch (const SqliteError&) {
      // Nothing more to do: the connection reports the failure on next use.
    }
  }
}
void Transaction::commit() {
  c_.exec_script("COMMIT");
  done_ = true;
}

}  // namespace signet::storage::detail
