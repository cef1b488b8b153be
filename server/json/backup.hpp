#pragma once
// What `signet backup --json` prints.
#include <string>

#include "storage/sqlite_backup.hpp"

namespace signet::server::json {

// {"database": the file copied, "file": the backup written, "bytes", "schema_version",
// "accounts", "orders", "certificates" (as many as the backup holds), "seconds": how long
// the backup took}.
std::string encode_backup(const std::string& database, const std::string& file,
                          const storage::BackupReport& report, double seconds);

}  // namespace signet::server::json
