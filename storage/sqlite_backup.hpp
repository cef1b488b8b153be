#pragma once
// An online copy of the SQLite database while other connections, in this process or in a
// running server, go on reading and writing it: SQLite's backup API in one step (one read
// snapshot, the writer never waits), written to a temporary file beside the destination,
// checked, synced, and renamed into place only when complete. Blocks the calling thread;
// safe to call from any thread (it opens connections of its own).
#include <cstdint>
#include <string>

#include "core/result.hpp"

namespace signet::storage {

struct BackupOptions {
  bool overwrite = false;  // replace an existing destination file
};

// What the finished copy holds (read from the copy itself).
struct BackupReport {
  std::uintmax_t bytes = 0;
  int schema_version = 0;  // migrations applied (PRAGMA user_version)
  std::int64_t accounts = 0, orders = 0, certificates = 0;
};

// Copies the Signet database at `source` to the file `destination`, as of one moment: every
// transaction committed before the copy began is in it, none that committed after. The copy
// is a plain SQLite file (rollback journal, not WAL: one file, no -wal or -shm beside it),
// mode 0600, that passed PRAGMA integrity_check, and is durable (file and directory synced)
// when this returns. On any failure the destination is left as it was and the temporary
// file is removed.
// Errors: NotFound when there is no source; Conflict when the destination exists and
// options.overwrite is false; Malformed when the destination is a directory, or the
// database itself or one of its companion files; ServerInternal for the rest (a read or
// write failure, a copy that fails the check, a source that is not a Signet database).
core::Result<BackupReport> backup_database(const std::string& source,
                                           const std::string& destination,
                                           const BackupOptions& options = {});

}  // namespace signet::storage
