#pragma once
// What `signet backup --json` and `signet database copy --json` print.
#include <string>

#include "storage/database_copy.hpp"
#include "storage/sqlite_backup.hpp"

namespace signet::server::json {

// {"database": the file copied, "file": the backup written, "bytes", "schema_version",
// "accounts", "orders", "certificates" (as many as the backup holds), "seconds": how long
// the backup took}.
std::string encode_backup(const std::string& database, const std::string& file,
                          const storage::BackupReport& report, double seconds);

// {"database": the SQLite file copied, "schema_version", "tables": {name: {"copied",
// "source", "target"}: each table's rows in SQLite and in PostgreSQL after the copy},
// "audit_entries": the audit chain's head, "seconds": how long the copy took}.
std::string encode_database_copy(const std::string& database, const storage::CopyReport& report,
                                 double seconds);

}  // namespace signet::server::json
