#pragma once
// What a store's executor has done and has waiting (for metrics and the log at exit).
#include <cstddef>
#include <cstdint>

namespace signet::storage::detail {

struct ExecutorStats {
  std::uint64_t writes = 0;       // write jobs run
  std::uint64_t commits = 0;      // transactions committed (one fsync each)
  std::uint64_t gathered = 0;     // SQLite: commits that waited for more writes first
  std::uint64_t reads = 0;        // read jobs run
  int wal_pages = 0;              // SQLite: pages in the WAL after the last commit
  std::size_t queued_writes = 0;  // waiting for the writer (PostgreSQL: a connection)
  std::size_t queued_reads = 0;   // waiting for a reader (PostgreSQL: a connection)
};

}  // namespace signet::storage::detail
