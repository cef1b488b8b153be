#pragma once
// The SQLite Store: one database file in WAL mode (synchronous=FULL), schema migrated
// on open. Writes go to one writer thread with group commit, reads to reader
// connections (storage/sqlite_executor.hpp). The verbs are storage/verbs.hpp's.
// Thread-safe.
#include <memory>
#include <string>

#include "storage/sqlite_executor.hpp"
#include "storage/verbs.hpp"

namespace signet::storage {

// Instantiated in sqlite_store.cpp only.
extern template class detail::VerbStore<detail::SqliteExecutor>;

class SqliteStore final : public detail::VerbStore<detail::SqliteExecutor> {
 public:
  // Opens (creating and migrating) the database file at path.
  static core::Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                         detail::ExecutorOptions options = {});
  ~SqliteStore() override;

  // Writes run and transactions committed so far (each commit is one fsync).
  detail::ExecutorStats stats() const;

 private:
  explicit SqliteStore(std::unique_ptr<detail::SqliteExecutor> exec);
};

}  // namespace signet::storage
