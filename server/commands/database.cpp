// `signet database copy`: a data directory's SQLite database copied into a new PostgreSQL
// database, for moving from one node on SQLite to several on PostgreSQL (README,
// "PostgreSQL"). The CA's files stay in the data directory; each node needs them.
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>

#include "authority/audit.hpp"
#include "core/async.hpp"
#include "server/commands/admin.hpp"
#include "server/commands/commands.hpp"
#include "server/commands/common.hpp"
#include "server/json/backup.hpp"
#include "storage/database_copy.hpp"
#include "storage/pg_store.hpp"

namespace signet::server::commands {

int database_copy(const AdminArgs& a) {
  if (!a.to || !storage::is_postgresql_url(*a.to)) {
    return usage("signet database copy: --to takes a PostgreSQL URL, postgresql://user@host/db");
  }
  auto dir = data_dir_of(a.config_file, a.data_dir);
  if (!dir) return fail(dir.error().detail);
  auto db = database_file(*dir);
  if (!db) return fail(db.error().detail);
  std::error_code ec;
  const std::string database = std::filesystem::absolute(*db, ec).string();

  const auto started = std::chrono::steady_clock::now();
  auto report = storage::copy_to_postgresql(database, *a.to);
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (!report) return fail(report.error().detail);
  // The operator's action, in the new database's audit log, after the copied chain.
  auto store = open_database(a.config_file, a.data_dir, a.to);
  if (!store) return fail("the database was copied, but " + store.error().detail);
  auto audited = core::await_blocking((*store)->append_audit(authority::audit::database_copied(
      core::SystemClock().now(), database, authority::audit::operator_actor())));
  if (!audited) {
    return fail("the database was copied, but its audit log entry was not: " +
                audited.error().detail);
  }

  if (a.json) {
    std::cout << json::encode_database_copy(database, *report, took.count()) << "\n";
    return 0;
  }
  std::cout << "Copied " << database << " into PostgreSQL (schema version "
            << report->schema_version << ")\n\n";
  std::vector<std::vector<std::string>> rows{{"TABLE", "SQLITE", "POSTGRESQL"}};
  for (const auto& t : report->tables) {
    rows.push_back({t.table, std::to_string(t.source),
                    std::to_string(t.target) + (t.copied ? "" : " (not copied: a node's own)")});
  }
  print_table(rows);
  std::cout << "\nAudit log entries: " << report->audit_entries
            << " copied (the chain goes on from the same head), and one for the copy\n"
            << "Took " << std::fixed << std::setprecision(2) << took.count() << " s\n";
  return 0;
}

}  // namespace signet::server::commands
