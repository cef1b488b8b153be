#pragma once
// Thin RAII layer over the SQLite C API, private to storage/.
#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace signet::storage::detail {

struct SqliteError {
  int code;
  std::string message;
};

// Whether a UNIQUE or PRIMARY KEY constraint refused the statement.
inline bool is_unique_violation(const SqliteError& e) {
  return e.code == SQLITE_CONSTRAINT_UNIQUE || e.code == SQLITE_CONSTRAINT_PRIMARYKEY;
}

class Statement {
 public:
  // owned: finalized when done (Connection::prepare_once), else reset for the next use.
  Statement(sqlite3* db, sqlite3_stmt* stmt, bool owned = false)
      : db_(db), stmt_(stmt), owned_(owned) {}
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement() {
    if (owned_) {
      sqlite3_finalize(stmt_);
      return;
    }
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }

  Statement& bind(int i, std::string_view v);
  Statement& bind_blob(int i, std::string_view v);
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, const std::optional<int64_t>& v);
  Statement& bind_opt(int i, const std::optional<std::string>& v);
  Statement& bind_null(int i);

  // Steps once: true while a row is available, false when done. Throws SqliteError.
  bool step();
  // Runs to completion; returns the number of rows changed.
  int exec();

  std::string text(int col) const;
  std::string blob(int col) const;
  int64_t integer(int col) const;
  std::optional<int64_t> opt_integer(int col) const;
  std::optional<std::string> opt_text(int col) const;
  // SQLITE_INTEGER, SQLITE_TEXT, SQLITE_BLOB, SQLITE_FLOAT or SQLITE_NULL: what the
  // column's value is, whatever the column was declared.
  int type(int col) const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool owned_ = false;
};

// One connection with a cache of prepared statements keyed by their SQL text
// pointer (the statements live in statements.hpp). Not thread-safe.
class Connection {
 public:
  // Opens path with the flags of sqlite3_open_v2 (by default creating the file), a 5 s
  // busy timeout and extended result codes. Throws SqliteError.
  explicit Connection(const std::string& path,
                      int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  Statement prepare(const char* sql);
  // A statement built at run time (not one of statements.hpp's): prepared for this use
  // only, never cached.
  Statement prepare_once(const std::string& sql);
  void exec_script(const char* sql);
  int user_version();
  void set_user_version(int v);
  sqlite3* handle() { return db_; }

 private:
  sqlite3* db_ = nullptr;
  std::map<const char*, sqlite3_stmt*> cache_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK unless commit() was called.
class Transaction {
 public:
  explicit Transaction(Connection& c);
  ~Transaction();
  void commit();

 private:
  Connection& c_;
  bool done_ = false;
};

}  // namespace signet::storage::detail
