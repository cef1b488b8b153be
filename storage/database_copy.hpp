#pragma once
// Copies a Signet SQLite database into a new PostgreSQL database, for moving from one
// node on SQLite to several nodes on PostgreSQL: every row of every table, read in one
// SQLite read transaction (one snapshot) and written in one PostgreSQL transaction (all
// or nothing), then counted on both sides. The target gets the schema a node would make
// (created or migrated first, in a transaction of its own) and must hold no rows.
// Blocks the calling thread; opens connections of its own.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"

namespace signet::storage {

// A table of the schema, and whether its rows are copied. Those of one node's making
// that another must not inherit are not: the key of shared nonces, and the nonces
// redeemed under it (the first node on the target makes a new key, so nonces handed
// out before the copy are refused and clients ask for new ones).
struct CopiedTable {
  std::string_view name;
  bool copied = true;
};

// Every table of the schema, in the order the copy writes them: a table after those its
// foreign keys name. (A test checks this against the schema both backends create.)
std::span<const CopiedTable> copied_tables();

// How many rows a table holds, in the source and in the target once copied.
struct TableCount {
  std::string table;
  bool copied = true;
  std::int64_t source = 0;
  std::int64_t target = 0;
};

struct CopyReport {
  int schema_version = 0;
  std::vector<TableCount> tables;  // in copied_tables() order
  std::int64_t audit_entries = 0;  // the audit chain's head, the same on both sides
};

// Copies the Signet database file `sqlite_path` into the PostgreSQL database at `url`.
// The source is opened without migrating it and never written.
// Errors: NotFound when there is no source file; Malformed when the source's schema
// version is not this build's (the message says what to do) or it is not a Signet
// database; Conflict when the target holds rows (nothing is written then);
// ServerInternal for the rest (a database that cannot be read or reached, counts that
// differ after the copy: nothing is committed then).
core::Result<CopyReport> copy_to_postgresql(const std::string& sqlite_path, const std::string& url);

}  // namespace signet::storage
