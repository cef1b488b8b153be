#pragma once
// Thin RAII layer over libpq, private to storage/: the same calls as sqlite_db.hpp's
// Connection and Statement, so that storage/verbs.hpp runs on either. prepare() takes
// a statement of statements.hpp and runs PostgreSQL's spelling of it
// (storage/pg_statements.hpp), prepared once per connection.
#include <libpq-fe.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signet::storage::detail {

struct PgError {
  std::string sqlstate;  // "" when the connection failed before the server answered
  std::string message;
  bool broken = false;  // the connection is lost: reset it before the next use
};

// Whether a UNIQUE or PRIMARY KEY constraint refused the statement.
inline bool is_unique_violation(const PgError& e) {
  return e.sqlstate == "23505";
}
// A serialization failure or deadlock: the transaction can run again.
inline bool is_retryable(const PgError& e) {
  return e.sqlstate == "40001" || e.sqlstate == "40P01";
}

struct PgResultFree {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultFree>;

class PgConnection;

class PgStatement {
 public:
  PgStatement(PgConnection& c, const char* key) : c_(c), key_(key) {}
  PgStatement(const PgStatement&) = delete;
  PgStatement& operator=(const PgStatement&) = delete;

  PgStatement& bind(int i, std::string_view v);
  PgStatement& bind_blob(int i, std::string_view v);
  PgStatement& bind(int i, int64_t v);
  PgStatement& bind(int i, const std::optional<int64_t>& v);
  PgStatement& bind_opt(int i, const std::optional<std::string>& v);
  PgStatement& bind_null(int i);

  // Runs the statement on the first call; true while a row is available. Throws PgError.
  bool step();
  // Runs the statement; returns the number of rows changed.
  int exec();

  std::string text(int col) const;
  std::string blob(int col) const;
  int64_t integer(int col) const;
  std::optional<int64_t> opt_integer(int col) const;
  std::optional<std::string> opt_text(int col) const;

 private:
  struct Param {
    std::optional<std::string> value;  // nullopt: NULL
    bool binary = false;
  };
  void run();
  Param& param(int i);

  PgConnection& c_;
  const char* key_;
  std::vector<Param> params_;
  PgResult res_;
  int row_ = -1;
};

// One connection with its prepared statements. Not thread-safe.
class PgConnection {
 public:
  // Connects to url (a libpq connection URI or key=value string) and sets the statement
  // timeout for every statement of the session. Throws PgError.
  PgConnection(const std::string& url, std::chrono::milliseconds statement_timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  PgStatement prepare(const char* sql) { return PgStatement(*this, sql); }
  // Runs statements with no parameters (a script, BEGIN, COMMIT). Throws PgError.
  void exec_script(const char* sql);
  // The first column of the first row of a statement with no parameters.
  int64_t query_integer(const char* sql);
  bool ok() const { return PQstatus(conn_) == CONNECTION_OK; }

 private:
  friend class PgStatement;
  friend class PgCopyIn;
  struct Prepared {
    std::string name;
    int params = 0;
    std::string lock_name;  // run first with the first lock_params parameters; "" for none
    int lock_params = 0;
  };
  const Prepared& prepared(const char* key);
  // Runs a prepared statement; throws PgError unless it succeeded.
  PgResult run(const std::string& name, int n, const char* const* values, const int* lengths,
               const int* formats);
  [[noreturn]] void fail(const PGresult* r);
  std::string prepare_text(const char* text);

  PGconn* conn_ = nullptr;
  std::map<const char*, Prepared> cache_;
  int next_ = 0;
};

// One COPY ... FROM STDIN on a connection: rows are sent in COPY's text format (a tab
// between fields, a newline after each row, \N for NULL, backslash escapes), and
// finish() ends it. Destroyed before finish(), the COPY fails, and so does the
// transaction around it. Throws PgError.
class PgCopyIn {
 public:
  PgCopyIn(PgConnection& c, const std::string& copy_statement);
  ~PgCopyIn();
  PgCopyIn(const PgCopyIn&) = delete;
  PgCopyIn& operator=(const PgCopyIn&) = delete;

  // Any number of whole or partial rows.
  void put(std::string_view rows);
  // Ends the COPY; returns how many rows it stored.
  int64_t finish();

 private:
  PgConnection& c_;
  bool done_ = false;
};

}  // namespace signet::storage::detail
