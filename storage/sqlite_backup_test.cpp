#include "storage/sqlite_backup.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "storage/sqlite_db.hpp"
#include "storage/sqlite_store.hpp"
#include "storage/statements.hpp"

namespace signet::storage {
namespace {

namespace fs = std::filesystem;
using detail::Connection;

// Accounts made before the backup; each carries a JWK of about a kilobyte, so that the
// database spans a few megabytes and copying it takes a while.
constexpr int kPreloaded = 4000;
// At most this many accounts are written while the backup runs.
constexpr int kConcurrentMax = 20000;

std::string account_id(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "a%07d", i);
  return buf;
}

void insert_account(Connection& c, int i) {
  const std::string id = account_id(i);
  c.prepare(sql::kInsertAccount)
      .bind(1, id)
      .bind(2, std::string(1000, 'k'))
      .bind(3, "thumb-" + id)
      .bind_blob(4, "spki-" + id)
      .bind(5, "mailto:" + id + "@example.test")
      .bind(6, int64_t{1})
      .bind(7, int64_t{1'800'000'000})
      .bind_null(8)
      .exec();
}

std::vector<std::string> lines(Connection& c, const char* sql) {
  std::vector<std::string> out;
  auto st = c.prepare(sql);
  while (st.step()) out.push_back(st.text(0));
  return out;
}

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class BackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("signet-backup-" + random_id());
    fs::create_directories(dir / "data");
    fs::create_directories(dir / "out");
    source = (dir / "data" / "signet.db").string();
    // The schema, as the server makes it.
    ASSERT_TRUE(SqliteStore::open(source));
  }
  void TearDown() override { fs::remove_all(dir); }

  // The files in out/, by name.
  std::set<std::string> out_files() const {
    std::set<std::string> names;
    for (const auto& e : fs::directory_iterator(dir / "out"))
      names.insert(e.path().filename().string());
    return names;
  }
  std::string out(const std::string& name) const { return (dir / "out" / name).string(); }

  fs::path dir;
  std::string source;
};

// The server's writer goes on committing, one account per transaction on a connection of
// its own (as in another process), while the backup copies. The copy is the database at
// one moment: every account committed before the backup began, then a gapless run of
// those committed during it, and the writer never failed.
TEST_F(BackupTest, CopiesOneSnapshotWhileAnotherConnectionWrites) {
  {
    Connection c(source);
    c.exec_script("PRAGMA journal_mode = WAL");
    detail::Transaction tx(c);
    for (int i = 0; i < kPreloaded; ++i) insert_account(c, i);
    tx.commit();
  }
  std::atomic<int> committed{kPreloaded};
  std::atomic<bool> stop{false}, failed{false};
  std::string writer_error;  // read after join
  std::thread writer([&] {
    try {
      Connection c(source);
      for (int i = kPreloaded; i < kPreloaded + kConcurrentMax && !stop; ++i) {
        insert_account(c, i);
        committed = i + 1;
      }
    } catch (const detail::SqliteError& e) {
      writer_error = e.message;
      failed = true;
    }
  });
  // The writer is under way before the backup starts (bounded: it makes at most
  // kConcurrentMax writes, and the wait ends when it has).
  while (committed == kPreloaded && !failed) std::this_thread::yield();
  const int before = committed;
  auto report = backup_database(source, out("backup.db"));
  const int after_backup = committed;
  stop = true;
  writer.join();
  ASSERT_TRUE(report) << report.error().detail;
  EXPECT_EQ(writer_error, "");

  Connection copy(out("backup.db"), SQLITE_OPEN_READONLY);
  EXPECT_EQ(lines(copy, sql::kIntegrityCheck), std::vector<std::string>{"ok"});
  const auto ids = lines(copy, "SELECT id FROM accounts ORDER BY id");
  const int n = static_cast<int>(ids.size());
  EXPECT_GE(n, before);
  EXPECT_LE(n, after_backup);
  for (int i = 0; i < n; ++i) {
    if (ids[static_cast<std::size_t>(i)] != account_id(i)) {
      ADD_FAILURE() << "the copy is not one snapshot: " << ids[static_cast<std::size_t>(i)]
                    << " where " << account_id(i) << " was committed first";
      break;
    }
  }
  EXPECT_EQ(report->accounts, n);
  EXPECT_EQ(report->orders, 0);
  EXPECT_EQ(report->certificates, 0);
  EXPECT_EQ(report->schema_version, copy.user_version());
  EXPECT_EQ(report->schema_version, static_cast<int>(std::size(sql::kMigrations)));
  EXPECT_EQ(report->bytes, fs::file_size(out("backup.db")));
  EXPECT_EQ(lines(copy, "PRAGMA journal_mode"), std::vector<std::string>{"delete"});
  // One plain file, readable by its owner only; nothing else left beside it.
  EXPECT_EQ(out_files(), std::set<std::string>{"backup.db"});
  struct stat st {};
  ASSERT_EQ(::stat(out("backup.db").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  // The source is whole and has every write.
  Connection src(source, SQLITE_OPEN_READONLY);
  EXPECT_EQ(lines(src, "SELECT count(*) FROM accounts"),
            std::vector<std::string>{std::to_string(committed.load())});
}

TEST_F(BackupTest, RefusesAnExistingDestinationUnlessToldToReplaceIt) {
  {
    std::ofstream f(out("backup.db"));
    f << "an older backup";
  }
  auto refused = backup_database(source, out("backup.db"));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, core::ProblemType::Conflict);
  EXPECT_NE(refused.error().detail.find("exists"), std::string::npos) << refused.error().detail;
  EXPECT_EQ(read_all(out("backup.db")), "an older backup");
  EXPECT_EQ(out_files(), std::set<std::string>{"backup.db"});

  auto replaced = backup_database(source, out("backup.db"), {.overwrite = true});
  ASSERT_TRUE(replaced) << replaced.error().detail;
  Connection copy(out("backup.db"), SQLITE_OPEN_READONLY);
  EXPECT_EQ(lines(copy, sql::kIntegrityCheck), std::vector<std::string>{"ok"});
  EXPECT_EQ(out_files(), std::set<std::string>{"backup.db"});
}

TEST_F(BackupTest, NeverReplacesTheDatabaseItselfOrADirectory) {
  for (const std::string& dest : {source, source + "-wal", (dir / "out").string()}) {
    auto r = backup_database(source, dest, {.overwrite = true});
    ASSERT_FALSE(r) << dest;
    EXPECT_EQ(r.error().type, core::ProblemType::Malformed) << r.error().detail;
  }
  // Through another spelling of the same path.
  auto r = backup_database(source, (dir / "out" / ".." / "data" / "signet.db").string(),
                           {.overwrite = true});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("the database itself"), std::string::npos) << r.error().detail;
  Connection src(source, SQLITE_OPEN_READONLY);
  EXPECT_EQ(lines(src, sql::kIntegrityCheck), std::vector<std::string>{"ok"});
  EXPECT_TRUE(out_files().empty());
}

// Where nothing can be written (the process runs as root in CI, so a directory's mode
// would not stop it: a missing directory, and a "directory" that is a file).
TEST_F(BackupTest, AnUnwritableDestinationIsAnErrorAndLeavesNothing) {
  {
    std::ofstream f(out("plain-file"));
    f << "x";
  }
  for (const std::string& dest : {out("missing/backup.db"), out("plain-file/backup.db")}) {
    auto r = backup_database(source, dest);
    ASSERT_FALSE(r) << dest;
    EXPECT_EQ(r.error().type, core::ProblemType::ServerInternal) << r.error().detail;
    EXPECT_NE(r.error().detail.find("cannot create"), std::string::npos) << r.error().detail;
  }
  EXPECT_EQ(out_files(), std::set<std::string>{"plain-file"});
}

TEST_F(BackupTest, AMissingSourceIsNotFound) {
  auto r = backup_database((dir / "nowhere" / "signet.db").string(), out("backup.db"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::NotFound);
  EXPECT_TRUE(out_files().empty());
  EXPECT_FALSE(fs::exists(dir / "nowhere"));
}

// Failures after the temporary file was made: a source that is no database, one without
// Signet's schema, and a copy that fails its integrity check. None leaves a file behind.
TEST_F(BackupTest, AFailedCopyLeavesNoFile) {
  const std::string text = (dir / "data" / "notes.txt").string();
  {
    std::ofstream f(text);
    f << std::string(8192, 'x');
  }
  const std::string foreign = (dir / "data" / "foreign.db");
  {
    Connection c(foreign);
    c.exec_script("CREATE TABLE t (k INTEGER PRIMARY KEY)");
  }
  // An index whose entries no longer match their rows.
  const std::string corrupt = (dir / "data" / "corrupt.db");
  {
    Connection c(corrupt);
    c.exec_script("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT UNIQUE); PRAGMA user_version = 1");
    for (int i = 0; i < 10; ++i) {
      c.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)")
          .bind(1, int64_t{i})
          .bind(2, std::string("v0000") + std::to_string(i))
          .exec();
    }
  }
  int64_t root = 0;
  {
    Connection c(corrupt, SQLITE_OPEN_READONLY);
    auto st = c.prepare("SELECT rootpage FROM sqlite_master WHERE type = 'index'");
    ASSERT_TRUE(st.step());
    root = st.integer(0);
  }
  {
    std::string bytes = read_all(corrupt);
    const std::size_t page = static_cast<std::size_t>(root - 1) * 4096;
    const auto at = bytes.find("v00005", page);
    ASSERT_TRUE(at != std::string::npos && at < page + 4096);
    bytes.replace(at, 6, "v00050");
    std::ofstream(corrupt, std::ios::binary | std::ios::trunc) << bytes;
  }

  for (const auto& [from, why] :
       {std::pair{text, "not a database"}, std::pair{foreign, "not a Signet database"},
        std::pair{corrupt, "integrity check"}}) {
    auto r = backup_database(from, out("backup.db"));
    ASSERT_FALSE(r) << from;
    EXPECT_EQ(r.error().type, core::ProblemType::ServerInternal);
    EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
    EXPECT_TRUE(out_files().empty()) << from;
  }
}

}  // namespace
}  // namespace signet::storage
