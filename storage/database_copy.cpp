#include "storage/database_copy.hpp"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <optional>
#include <set>

#include "storage/pg_db.hpp"
#include "storage/pg_statements.hpp"
#include "storage/pg_store.hpp"
#include "storage/sqlite_db.hpp"
#include "storage/statements.hpp"

namespace signet::storage {
namespace {

using detail::Connection;
using detail::PgConnection;
using detail::PgError;
using detail::SqliteError;

constexpr int kSchemaVersion = static_cast<int>(std::size(sql::kMigrations));

// Foreign keys name eab_keys, accounts, orders, authorizations, challenges and serials:
// each comes before the tables that refer to it, since PostgreSQL checks a foreign key
// as each row arrives.
constexpr CopiedTable kTables[] = {
    {"eab_keys"},
    {"accounts"},
    {"orders"},
    {"order_identifiers"},
    {"authorizations"},
    {"order_authorizations"},
    {"challenges"},
    {"validation_records"},
    {"validation_perspectives"},
    {"serials"},
    {"certificates"},
    {"infrastructure_certificates"},
    {"rate_limit_buckets"},
    {"audit_log"},
    {"nonce_key", false},
    {"redeemed_nonces", false},
};

// The copy builds its statements from table and column names (COPY and SELECT take no
// parameters for them); it takes only names made of these characters.
bool plain_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

struct Column {
  std::string name;
  std::string type;                     // as the database declares it
  std::optional<std::string> sequence;  // PostgreSQL's serial columns
};

// What a failure that is not the database's says (caught with the databases' own).
struct CopyError {
  core::Error error;
};

[[noreturn]] void refuse(core::ProblemType type, std::string why) {
  throw CopyError{core::make_error(type, std::move(why))};
}

template <class Db>
std::vector<std::string> tables_of(Db& db) {
  std::vector<std::string> out;
  auto st = db.prepare(sql::kTables);
  while (st.step()) out.push_back(st.text(0));
  std::sort(out.begin(), out.end());
  return out;
}

template <class Db>
std::vector<Column> columns_of(Db& db, std::string_view table) {
  std::vector<Column> out;
  auto st = db.prepare(sql::kTableColumns);
  st.bind(1, table);
  while (st.step()) {
    out.push_back({st.text(0), st.text(1), st.opt_text(2)});
    if (!plain_name(out.back().name)) {
      refuse(core::ProblemType::ServerInternal, "table " + std::string(table) +
                                                    " has a column named \"" + out.back().name +
                                                    "\", which the copy does not take");
    }
  }
  return out;
}

// The schema both databases have is the one this build knows, table for table.
void check_tables(const std::vector<std::string>& found, const char* where) {
  std::vector<std::string> known;
  for (const auto& t : kTables) known.emplace_back(t.name);
  std::sort(known.begin(), known.end());
  for (const auto& t : found) {
    if (!std::binary_search(known.begin(), known.end(), t)) {
      refuse(core::ProblemType::ServerInternal,
             std::string(where) + " has a table the copy does not know: " + t);
    }
  }
  for (const auto& t : known) {
    if (!std::binary_search(found.begin(), found.end(), t)) {
      refuse(core::ProblemType::ServerInternal, std::string(where) + " has no table " + t);
    }
  }
}

// How one target column is filled: from a source column of the same name, or (a serial
// the source numbers by its rowid: eab_keys.seq) from the source row's rowid.
struct Mapping {
  std::string source;  // a column name, or "rowid"
  std::string target;
  std::string type;  // the target's: bigint, text or bytea
};

std::vector<Mapping> mappings(const std::string& table, const std::vector<Column>& from,
                              const std::vector<Column>& to) {
  std::vector<Mapping> out;
  std::set<std::string> used;
  for (const auto& t : to) {
    const auto s =
        std::find_if(from.begin(), from.end(), [&](const Column& c) { return c.name == t.name; });
    if (s != from.end()) {
      out.push_back({t.name, t.name, t.type});
      used.insert(t.name);
    } else if (t.sequence) {
      out.push_back({"rowid", t.name, t.type});
    } else {
      refuse(core::ProblemType::ServerInternal, "the PostgreSQL table " + table + " has a column " +
                                                    t.name + " that SQLite's has not");
    }
    if (t.type != "bigint" && t.type != "text" && t.type != "bytea") {
      refuse(core::ProblemType::ServerInternal,
             "no conversion into PostgreSQL's " + t.type + " (" + table + "." + t.name + ")");
    }
  }
  for (const auto& s : from) {
    if (!used.count(s.name)) {
      refuse(core::ProblemType::ServerInternal, "the SQLite table " + table + " has a column " +
                                                    s.name + " that PostgreSQL's has not");
    }
  }
  return out;
}

// COPY's text format: backslash escapes for what would end a field or a row.
void append_text(std::string& out, std::string_view v) {
  for (const char c : v) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        out += c;
    }
  }
}

// bytea in hex ("\x..."), its backslash escaped for COPY.
void append_bytea(std::string& out, std::string_view v) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\\\x";
  for (const char c : v) {
    const auto b = static_cast<unsigned char>(c);
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
}

void append_field(std::string& out, detail::Statement& row, int col, const Mapping& m,
                  const std::string& table) {
  const int type = row.type(col);
  if (type == SQLITE_NULL) {
    out += "\\N";
  } else if (m.type == "bytea") {
    append_bytea(out, row.blob(col));
  } else if (m.type == "bigint") {
    if (type != SQLITE_INTEGER) {
      refuse(core::ProblemType::ServerInternal,
             table + "." + m.source + " holds a value that is not an integer: " + row.text(col));
    }
    out += std::to_string(row.integer(col));
  } else {
    append_text(out, row.text(col));
  }
}

// Rows are sent in pieces of about this size.
constexpr std::size_t kChunk = 1 << 20;

// Copies one table; returns how many rows COPY stored.
std::int64_t copy_table(Connection& from, PgConnection& to, const std::string& table) {
  const auto maps = mappings(table, columns_of(from, table), columns_of(to, table));
  std::string select = "SELECT ", columns;
  for (const auto& m : maps) {
    select += (&m == &maps.front() ? "" : ", ") + m.source;
    columns += (&m == &maps.front() ? "" : ", ") + m.target;
  }
  auto rows = from.prepare_once(select + " FROM " + table);
  detail::PgCopyIn copy(to, "COPY " + table + " (" + columns + ") FROM STDIN");
  std::string buffer;
  while (rows.step()) {
    for (std::size_t i = 0; i < maps.size(); ++i) {
      if (i > 0) buffer += '\t';
      append_field(buffer, rows, static_cast<int>(i), maps[i], table);
    }
    buffer += '\n';
    if (buffer.size() >= kChunk) {
      copy.put(buffer);
      buffer.clear();
    }
  }
  if (!buffer.empty()) copy.put(buffer);
  const auto stored = copy.finish();
  // A serial numbers the rows written after the copy past those copied.
  for (const auto& t : columns_of(to, table)) {
    if (!t.sequence) continue;
    if (t.sequence->find('\'') != std::string::npos) {
      refuse(core::ProblemType::ServerInternal,
             "the sequence of " + table + "." + t.name + " has a name the copy does not take");
    }
    const std::string setval = "SELECT setval('" + *t.sequence + "', coalesce((SELECT max(" +
                               t.name + ") FROM " + table + "), 0) + 1, false)";
    to.query_integer(setval.c_str());
  }
  return stored;
}

std::int64_t count_rows(Connection& db, const std::string& table) {
  auto st = db.prepare_once("SELECT count(*) FROM " + table);
  st.step();
  return st.integer(0);
}

std::int64_t count_rows(PgConnection& db, const std::string& table) {
  return db.query_integer(("SELECT count(*) FROM " + table).c_str());
}

// The audit chain's head, (0, "") when it is empty.
template <class Db>
std::pair<std::int64_t, std::string> audit_head(Db& db) {
  auto st = db.prepare(sql::kAuditHead);
  if (!st.step()) return {0, ""};
  return {st.integer(0), st.text(1)};
}

// The source, opened as it is (never migrated, never written), in one read transaction.
void open_source(Connection& c, const std::string& path) {
  c.exec_script("PRAGMA query_only = ON; BEGIN");
  const int version = c.user_version();
  if (version == 0) {
    refuse(core::ProblemType::Malformed, path + " is not a Signet database (it has no schema)");
  }
  if (version < kSchemaVersion) {
    refuse(core::ProblemType::Malformed,
           path + " has schema version " + std::to_string(version) + ", older than this build's (" +
               std::to_string(kSchemaVersion) +
               "): start `signet serve` of this build on it once (it migrates the database "
               "at start), stop it, and copy again");
  }
  if (version > kSchemaVersion) {
    refuse(core::ProblemType::Malformed,
           path + " has schema version " + std::to_string(version) + ", newer than this build's (" +
               std::to_string(kSchemaVersion) + "): copy it with the build that wrote it");
  }
}

CopyReport copy(Connection& from, PgConnection& to, const std::string& path) {
  open_source(from, path);
  check_tables(tables_of(from), path.c_str());

  to.exec_script("BEGIN ISOLATION LEVEL READ COMMITTED");
  check_tables(tables_of(to), "the PostgreSQL database");
  // No node writes while the copy runs; a node that wrote before has left rows, and the
  // copy is refused.
  std::string lock = "SET LOCAL lock_timeout = '10s'; LOCK TABLE ";
  for (const auto& t : kTables)
    lock += std::string(&t == kTables ? "" : ", ") + std::string(t.name);
  to.exec_script((lock + " IN EXCLUSIVE MODE").c_str());
  std::string held;
  for (const auto& t : kTables) {
    if (!t.copied) continue;
    if (const auto n = count_rows(to, std::string(t.name)); n > 0) {
      held += (held.empty() ? "" : ", ") + std::string(t.name) + " " + std::to_string(n);
    }
  }
  if (!held.empty()) {
    refuse(core::ProblemType::Conflict, "the PostgreSQL database already holds rows (" + held +
                                            "): copy into a new, empty database");
  }

  CopyReport report;
  report.schema_version = kSchemaVersion;
  for (const auto& t : kTables) {
    const std::string name(t.name);
    TableCount c{name, t.copied, count_rows(from, name), 0};
    if (t.copied) {
      const auto stored = copy_table(from, to, name);
      c.target = count_rows(to, name);
      if (stored != c.source || c.target != c.source) {
        refuse(core::ProblemType::ServerInternal,
               "table " + name + ": " + std::to_string(c.source) + " rows in SQLite, " +
                   std::to_string(c.target) + " in PostgreSQL after the copy; nothing was copied");
      }
    } else {
      c.target = count_rows(to, name);
    }
    report.tables.push_back(std::move(c));
  }
  const auto source_head = audit_head(from);
  const auto target_head = audit_head(to);
  if (source_head != target_head) {
    refuse(core::ProblemType::ServerInternal,
           "the audit chain's head differs after the copy; nothing was copied");
  }
  report.audit_entries = source_head.first;
  to.exec_script("COMMIT");
  from.exec_script("COMMIT");
  return report;
}

}  // namespace

std::span<const CopiedTable> copied_tables() {
  return kTables;
}

core::Result<CopyReport> copy_to_postgresql(const std::string& sqlite_path,
                                            const std::string& url) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(sqlite_path, ec)) {
    return core::make_error(core::ProblemType::NotFound, "no database at " + sqlite_path);
  }
  std::optional<Connection> from;
  try {
    // Without SQLITE_OPEN_CREATE: a path that vanished is an error, not a new database.
    from.emplace(sqlite_path, SQLITE_OPEN_READWRITE);
  } catch (const SqliteError& e) {
    return core::internal_error("opening " + sqlite_path + ": " + e.message);
  }
  try {
    // No statement timeout: a large table is one COPY.
    PgConnection to(url, std::chrono::milliseconds(0));
    if (auto m = detail::migrate_postgresql(to); !m) return std::move(m).error();
    // Destroying the connection with the transaction open rolls it back.
    return copy(*from, to, sqlite_path);
  } catch (const CopyError& e) {
    return e.error;
  } catch (const SqliteError& e) {
    return core::internal_error("reading " + sqlite_path + ": " + e.message);
  } catch (const PgError& e) {
    // Not the URL: it may carry a password.
    return core::internal_error("copying into the PostgreSQL database: " + e.message);
  }
}

}  // namespace signet::storage
