#pragma once
// The PostgreSQL Store: the same verbs as SqliteStore (storage/verbs.hpp) on a pool of
// connections (storage/pg_executor.hpp), the schema created and migrated on open to
// the same versions. Several nodes may share one database: their rate-limit buckets
// and audit chain are one. Thread-safe.
#include <memory>
#include <string>

#include "storage/pg_executor.hpp"
#include "storage/verbs.hpp"

namespace signet::storage {

// Instantiated in pg_store.cpp only.
extern template class detail::VerbStore<detail::PgExecutor>;

class PgStore final : public detail::VerbStore<detail::PgExecutor> {
 public:
  // Connects to options.url, creating and migrating the schema.
  static core::Result<std::unique_ptr<PgStore>> open(detail::PgOptions options);
  ~PgStore() override;

  // Jobs refused because the database could not be reached.
  std::uint64_t unavailable() const { return exec_->unavailable(); }
  // Writes run and transactions committed so far, and jobs waiting for a connection.
  detail::ExecutorStats stats() const { return exec_->stats(); }

 private:
  explicit PgStore(std::unique_ptr<detail::PgExecutor> exec);
};

namespace detail {
// Brings the schema of c's database to this build's version in one transaction of its
// own, as PgStore::open does (nodes starting together migrate once); an error for a
// schema newer than this build's. Throws PgError.
core::Status migrate_postgresql(PgConnection& c);
}  // namespace detail

// Whether a --database / [storage] url names a PostgreSQL database.
bool is_postgresql_url(const std::string& url);

}  // namespace signet::storage
