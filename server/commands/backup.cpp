// `signet backup`: an online copy of a data directory's database, beside a running server
// that goes on writing it. The copy is the database alone: the CA's files change rarely and
// are backed up apart (README, "Backups and restore").
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
#include "storage/sqlite_backup.hpp"

namespace signet::server::commands {

int backup(const AdminArgs& a) {
  namespace fs = std::filesystem;
  Overrides o;
  o.config_file = a.config_file;
  o.data_dir = a.data_dir;
  o.database = a.database;
  auto cfg = load_config(o);
  if (!cfg) return fail(cfg.error().detail);
  if (cfg->storage_backend == "postgresql") {
    return fail(
        "signet backup copies Signet's SQLite database; back a PostgreSQL database up with "
        "PostgreSQL's own tools (pg_dump, or base backups with WAL archiving)");
  }
  auto dir = data_dir_of(a.config_file, a.data_dir);
  if (!dir) return fail(dir.error().detail);
  auto db = database_file(*dir);
  if (!db) return fail(db.error().detail);
  std::error_code ec;
  const std::string database = fs::absolute(*db, ec).string();
  const std::string file = fs::absolute(*a.out, ec).string();

  const auto started = std::chrono::steady_clock::now();
  auto report = storage::backup_database(database, file, {.overwrite = a.force});
  const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
  if (!report) {
    const auto& e = report.error();
    if (e.type == core::ProblemType::Conflict) return fail(e.detail + " (--force replaces it)");
    if (e.type == core::ProblemType::Malformed) return usage("signet backup: --out " + e.detail);
    return fail(e.detail);
  }
  // The operator's action, in the audit log of the database copied (the copy was taken
  // before, and does not hold it).
  auto store = open_database(a);
  if (!store) return fail("the backup " + file + " was written, but " + store.error().detail);
  auto audited = core::await_blocking((*store)->append_audit(authority::audit::backup_made(
      core::SystemClock().now(), file, authority::audit::operator_actor())));
  if (!audited) {
    return fail("the backup " + file + " was written, but its audit log entry was not: " +
                audited.error().detail);
  }

  if (a.json) {
    std::cout << json::encode_backup(database, file, *report, took.count()) << "\n";
    return 0;
  }
  std::cout << "Backed up " << database << " to " << file << "\n"
            << "  Size:            " << report->bytes << " bytes\n"
            << "  Schema version:  " << report->schema_version << "\n"
            << "  Accounts:        " << report->accounts << "\n"
            << "  Orders:          " << report->orders << "\n"
            << "  Certificates:    " << report->certificates << "\n"
            << "  Took:            " << std::fixed << std::setprecision(2) << took.count()
            << " s\n";
  return 0;
}

}  // namespace signet::server::commands
