#include "storage/sqlite_backup.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>   // renameat2, RENAME_NOREPLACE
#include <stdlib.h>  // mkostemp
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "storage/sqlite_db.hpp"
#include "storage/statements.hpp"

namespace signet::storage {
namespace {

namespace fs = std::filesystem;
using detail::Connection;
using detail::SqliteError;

// Times a copy that could not get its lock (SQLITE_BUSY once the busy timeout ran out, or
// SQLITE_LOCKED) is tried again before the backup gives up.
constexpr int kLockRetries = 5;

core::Error io_error(const std::string& what, int err) {
  return core::internal_error(what + ": " + std::strerror(err));
}

// The copy under construction: an empty file (mode 0600, as mkstemp makes it) beside the
// destination, so that the final rename stays on one file system. Removed, with whatever
// SQLite made beside it, unless it was put in place.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (placed_) return;
    for (const char* suffix : {"", "-journal", "-wal", "-shm"}) ::unlink((path_ + suffix).c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;

  const std::string& path() const { return path_; }
  void placed() { placed_ = true; }

 private:
  std::string path_;
  bool placed_ = false;
};

core::Result<std::unique_ptr<TempFile>> temp_beside(const fs::path& destination) {
  const fs::path dir = destination.has_parent_path() ? destination.parent_path() : fs::path(".");
  std::string name = (dir / ("." + destination.filename().string() + ".XXXXXX")).string();
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return io_error("cannot create a file in " + dir.string(), errno);
  ::close(fd);
  return std::make_unique<TempFile>(std::move(name));
}

// The destination names a file that may be written: not a directory, not the database
// or one of the files SQLite keeps beside it, and (without overwrite) not there yet.
core::Status check_destination(const fs::path& source, const fs::path& destination,
                               bool overwrite) {
  const std::string dest = destination.string();
  const auto name = destination.filename();
  if (name.empty() || name == "." || name == "..") {
    return core::make_error(core::ProblemType::Malformed, dest + " names a directory, not a file");
  }
  std::error_code ec;
  const std::string src = fs::weakly_canonical(source, ec).string();
  const fs::path target = fs::weakly_canonical(destination, ec);
  if (target == fs::path(src) || fs::equivalent(source, destination, ec)) {
    return core::make_error(core::ProblemType::Malformed,
                            dest + " is the database itself: write the backup elsewhere");
  }
  for (const char* suffix : {"-wal", "-shm", "-journal"}) {
    if (target == fs::path(src + suffix)) {
      return core::make_error(
          core::ProblemType::Malformed,
          dest + " is the database's " + suffix + " file: write the backup elsewhere");
    }
  }
  const auto status = fs::status(destination, ec);
  if (fs::is_directory(status)) {
    return core::make_error(core::ProblemType::Malformed, dest + " is a directory");
  }
  if (fs::exists(status) && !overwrite) {
    return core::make_error(core::ProblemType::Conflict, dest + " exists: not replaced");
  }
  return {};
}

// Copies every page of `from` into `to` in one step. In WAL mode a step reads in one
// read transaction: the copy is the database as of that snapshot, and the writer (the
// server's, in another process) goes on committing to the WAL meanwhile without waiting;
// only the WAL's restart waits until the copy ends, so it grows for as long as the copy
// takes. Copying a few pages per step instead would let the writer in between steps, but
// SQLite restarts a backup whenever another connection writes between two steps: under a
// steady stream of commits such a backup may never finish.
void copy(Connection& from, Connection& to) {
  sqlite3_backup* b = sqlite3_backup_init(to.handle(), "main", from.handle(), "main");
  if (b == nullptr) throw SqliteError{sqlite3_errcode(to.handle()), sqlite3_errmsg(to.handle())};
  int rc = SQLITE_OK;
  for (int attempt = 0;; ++attempt) {
    rc = sqlite3_backup_step(b, -1);
    if ((rc != SQLITE_BUSY && rc != SQLITE_LOCKED) || attempt == kLockRetries) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) throw SqliteError{rc, sqlite3_errstr(rc)};
}

std::int64_t count(Connection& c, const char* sql) {
  auto st = c.prepare(sql);
  st.step();
  return st.integer(0);
}

// Checks the copy and reads what it holds, then makes it a plain rollback-journal file.
// The conversion comes after the first read: only then has the connection seen that the
// copied header says WAL.
BackupReport check_copy(Connection& c) {
  {
    auto check = c.prepare(sql::kIntegrityCheck);
    std::string problems;
    for (int n = 0; check.step() && n < 5; ++n) {
      const std::string row = check.text(0);
      if (row == "ok") break;
      problems += (problems.empty() ? "" : "; ") + row;
    }
    if (!problems.empty()) {
      throw SqliteError{SQLITE_CORRUPT, "the copy fails its integrity check: " + problems};
    }
  }
  BackupReport r;
  r.schema_version = c.user_version();
  if (r.schema_version == 0) throw SqliteError{SQLITE_NOTADB, "not a Signet database (no schema)"};
  r.accounts = count(c, sql::kCountAccounts);
  r.orders = count(c, sql::kCountOrders);
  r.certificates = count(c, sql::kCountCertificates);
  auto mode = c.prepare(sql::kRollbackJournal);
  if (!mode.step() || mode.text(0) != "delete") {
    throw SqliteError{SQLITE_ERROR, "the copy could not leave WAL mode"};
  }
  return r;
}

core::Status sync(const std::string& path, bool directory) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | (directory ? O_DIRECTORY : 0));
  if (fd < 0) return io_error("cannot open " + path, errno);
  const int rc = ::fsync(fd);
  const int err = errno;
  ::close(fd);
  if (rc != 0) return io_error("cannot sync " + path, err);
  return {};
}

core::Error exists(const std::string& destination) {
  return core::make_error(core::ProblemType::Conflict, destination + " exists: not replaced");
}

// Renames the finished copy to the destination. Without overwrite, atomically only if
// the name is free: a file that appeared there since the first look is not replaced.
core::Status place(const std::string& temp, const std::string& destination, bool overwrite) {
  if (overwrite) {
    if (::rename(temp.c_str(), destination.c_str()) != 0)
      return io_error("cannot rename " + temp + " to " + destination, errno);
    return {};
  }
  if (::renameat2(AT_FDCWD, temp.c_str(), AT_FDCWD, destination.c_str(), RENAME_NOREPLACE) == 0)
    return {};
  if (errno == EEXIST) return exists(destination);
  if (errno != EINVAL && errno != ENOSYS)
    return io_error("cannot rename " + temp + " to " + destination, errno);
  // A file system without RENAME_NOREPLACE: a hard link is refused the same way.
  if (::link(temp.c_str(), destination.c_str()) != 0) {
    if (errno == EEXIST) return exists(destination);
    return io_error("cannot link " + temp + " to " + destination, errno);
  }
  ::unlink(temp.c_str());
  return {};
}

}  // namespace

core::Result<BackupReport> backup_database(const std::string& source,
                                           const std::string& destination,
                                           const BackupOptions& options) {
  std::error_code ec;
  if (!fs::is_regular_file(source, ec)) {
    return core::make_error(core::ProblemType::NotFound, "no database at " + source);
  }
  if (auto st = check_destination(source, destination, options.overwrite); !st) {
    return std::move(st).error();
  }
  auto temp = temp_beside(destination);
  if (!temp) return std::move(temp).error();
  const std::string& temp_path = (*temp)->path();

  BackupReport report;
  try {
    // The source is opened without SQLITE_OPEN_CREATE: a path that vanished is an error,
    // not a new empty database.
    Connection from(source, SQLITE_OPEN_READWRITE);
    Connection to(temp_path, SQLITE_OPEN_READWRITE);
    copy(from, to);
    report = check_copy(to);
  } catch (const SqliteError& e) {
    return core::internal_error("backing up " + source + ": " + e.message);
  }
  // Both connections are closed: the copy is one file, synced before it takes its name,
  // and its directory synced after, so that a crash leaves either no backup or all of it.
  if (auto st = sync(temp_path, false); !st) return std::move(st).error();
  report.bytes = fs::file_size(temp_path, ec);
  if (ec) return core::internal_error("cannot read the size of " + temp_path + ": " + ec.message());
  if (auto st = place(temp_path, destination, options.overwrite); !st) {
    return std::move(st).error();
  }
  (*temp)->placed();
  const fs::path dest(destination);
  if (auto st = sync(dest.has_parent_path() ? dest.parent_path().string() : ".", true); !st) {
    return std::move(st).error();
  }
  return report;
}

}  // namespace signet::storage
