#include "storage/sqlite_store.hpp"

#include "storage/sqlite_db.hpp"
#include "storage/sqlite_executor.hpp"
#include "storage/statements.hpp"

namespace signet::storage {
namespace {

using detail::Connection;
using detail::SqliteError;

constexpr int kSchemaVersion = static_cast<int>(std::size(sql::kMigrations));

}  // namespace

core::Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path,
                                                             detail::ExecutorOptions options) {
  try {
    auto c = std::make_unique<Connection>(path);
    c->exec_script(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;");
    const int have = c->user_version();
    if (have > kSchemaVersion) {
      return core::internal_error("database schema version " + std::to_string(have) +
                                  " is newer than this build understands (" +
                                  std::to_string(kSchemaVersion) + ")");
    }
    for (int v = have; v < kSchemaVersion; ++v) {
      detail::Transaction tx(*c);
      c->exec_script(sql::kMigrations[v]);
      c->set_user_version(v + 1);
      tx.commit();
    }
    auto exec = std::make_unique<detail::SqliteExecutor>(path, std::move(c), options);
    return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(exec)));
  } catch (const SqliteError& e) {
    return core::internal_error("opening database " + path + ": " + e.message);
  }
}

SqliteStore::SqliteStore(std::unique_ptr<detail::SqliteExecutor> exec)
    : VerbStore(std::move(exec)) {}
SqliteStore::~SqliteStore() = default;

detail::ExecutorStats SqliteStore::stats() const {
  return exec_->stats();
}

template class detail::VerbStore<detail::SqliteExecutor>;

}  // namespace signet::storage
