#include "storage/pg_store.hpp"

#include "storage/pg_db.hpp"
#include "storage/pg_statements.hpp"

namespace signet::storage {
namespace {

using detail::PgConnection;
using detail::PgError;

constexpr int kSchemaVersion = static_cast<int>(std::size(pgsql::kMigrations));

}  // namespace

// Brings the schema to kSchemaVersion in one transaction, under a lock that makes
// nodes starting together wait for the first to finish (and then find nothing to do).
core::Status detail::migrate_postgresql(PgConnection& c) {
  c.exec_script("BEGIN");
  c.exec_script(pgsql::kLockMigrations);
  c.exec_script(pgsql::kCreateSchemaVersion);
  const auto have = c.query_integer(pgsql::kSchemaVersion);
  if (have > kSchemaVersion) {
    c.exec_script("ROLLBACK");
    return core::internal_error("database schema version " + std::to_string(have) +
                                " is newer than this build understands (" +
                                std::to_string(kSchemaVersion) + ")");
  }
  for (auto v = have; v < kSchemaVersion; ++v) c.exec_script(pgsql::kMigrations[v]);
  c.exec_script((pgsql::kSetSchemaVersion + std::to_string(kSchemaVersion)).c_str());
  c.exec_script("COMMIT");
  return {};
}

bool is_postgresql_url(const std::string& url) {
  return url.rfind("postgresql://", 0) == 0 || url.rfind("postgres://", 0) == 0;
}

core::Result<std::unique_ptr<PgStore>> PgStore::open(detail::PgOptions options) {
  try {
    PgConnection c(options.url, options.statement_timeout);
    if (auto m = detail::migrate_postgresql(c); !m) return std::move(m).error();
  } catch (const PgError& e) {
    // Not the URL: it may carry a password.
    return core::internal_error("opening the PostgreSQL database: " + e.message);
  }
  return std::unique_ptr<PgStore>(
      new PgStore(std::make_unique<detail::PgExecutor>(std::move(options))));
}

PgStore::PgStore(std::unique_ptr<detail::PgExecutor> exec) : VerbStore(std::move(exec)) {}
PgStore::~PgStore() = default;

template class detail::VerbStore<detail::PgExecutor>;

}  // namespace signet::storage
