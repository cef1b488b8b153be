#include "storage/sqlite_executor.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <filesystem>
#include <thread>

#include "core/thread_name.hpp"
#include "storage/sqlite_store.hpp"

namespace signet::storage::detail {
namespace {

namespace asio = boost::asio;

class ExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path =
        (std::filesystem::temp_directory_path() / ("signet-exec-" + random_id() + ".db")).string();
    exec = open();
  }
  void TearDown() override {
    exec.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
  }
  std::unique_ptr<SqliteExecutor> open(ExecutorOptions options = {}) {
    auto c = std::make_unique<Connection>(path);
    c->exec_script(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
        "CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, v TEXT NOT NULL);");
    return std::make_unique<SqliteExecutor>(path, std::move(c), options);
  }
  core::Result<bool> insert(Connection& c, int k) {
    return c.prepare("INSERT INTO t (k, v) VALUES (?1, 'x')").bind(1, int64_t{k}).exec() == 1;
  }
  int64_t count() {
    return core::await_blocking(exec->read([](Connection& c) -> core::Result<int64_t> {
             auto st = c.prepare("SELECT count(*) FROM t");
             st.step();
             return st.integer(0);
           }))
        .value();
  }

  // Writes row k; counts it in `acknowledged` once it is committed.
  void spawn_write(asio::io_context& io, int k, std::atomic<int>& acknowledged) {
    asio::co_spawn(
        io,
        [this, k, &acknowledged]() -> asio::awaitable<void> {
          auto r = co_await exec->write([this, k](Connection& c) { return insert(c, k); });
          if (r && *r) ++acknowledged;
        },
        asio::detached);
  }
  // Writes row 0, holding the writer until writes of rows 1..n are queued behind it.
  void hold_writer_then_queue(asio::io_context& io, int n, std::atomic<int>& acknowledged) {
    std::atomic<bool> holding{false};
    asio::co_spawn(
        io,
        [this, n, &holding, &acknowledged]() -> asio::awaitable<void> {
          auto r = co_await exec->write([this, n, &holding](Connection& c) {
            holding = true;
            while (exec->queued_writes() < static_cast<std::size_t>(n)) std::this_thread::yield();
            return insert(c, 0);
          });
          if (r) ++acknowledged;
        },
        asio::detached);
    while (!holding) std::this_thread::yield();
    for (int k = 1; k <= n; ++k) spawn_write(io, k, acknowledged);
  }

  std::string path;
  std::unique_ptr<SqliteExecutor> exec;
};

// Nothing runs on the caller's thread: the write runs on the writer thread, the read on
// a reader thread, and the awaiting coroutine resumes on its own (single) thread.
TEST_F(ExecutorTest, WorkRunsOffTheCallersThreadAndResumesOnIt) {
  asio::io_context io;
  std::thread::id caller, ran_write, ran_read, resumed_write, resumed_read;
  std::string writer_name, reader_name;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        caller = std::this_thread::get_id();
        auto w = co_await exec->write([&](Connection& c) {
          ran_write = std::this_thread::get_id();
          writer_name = core::this_thread_name();
          return insert(c, 1);
        });
        EXPECT_TRUE(w);
        resumed_write = std::this_thread::get_id();
        auto r = co_await exec->read([&](Connection&) -> core::Result<bool> {
          ran_read = std::this_thread::get_id();
          reader_name = core::this_thread_name();
          return true;
        });
        EXPECT_TRUE(r);
        resumed_read = std::this_thread::get_id();
      },
      asio::detached);
  io.run();
  EXPECT_NE(ran_write, caller);
  EXPECT_NE(ran_read, caller);
  EXPECT_NE(ran_write, std::thread::id{});
  EXPECT_EQ(resumed_write, caller);
  EXPECT_EQ(resumed_read, caller);
  // Named as `top -H` and perf show them.
  EXPECT_EQ(writer_name, "sqlite-writer");
  EXPECT_EQ(reader_name, "sqlite-reader");
}

// Writes that wait together share one transaction and one fsync, and every write that
// was acknowledged is there after reopening.
TEST_F(ExecutorTest, ConcurrentWritesShareOneCommit) {
  constexpr int kWriters = 200;
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread a([&] { io.run(); });
  std::thread b([&] { io.run(); });
  std::atomic<int> acknowledged{0};
  // The first write holds the writer until every other write is queued behind it.
  hold_writer_then_queue(io, kWriters, acknowledged);
  work.reset();
  a.join();
  b.join();
  EXPECT_EQ(acknowledged, kWriters + 1);
  const auto stats = exec->stats();
  EXPECT_EQ(stats.writes, static_cast<uint64_t>(kWriters + 1));
  EXPECT_EQ(stats.commits, 2u);  // the first write alone, then all the others at once

  exec.reset();
  exec = open();
  EXPECT_EQ(count(), kWriters + 1);
}

// Under concurrent writes that come often, a batch waits for the writes due within the
// commit delay: five writes 20 ms apart share one commit when the delay is a second.
TEST_F(ExecutorTest, WritesThatComeOftenWaitForEachOther) {
  constexpr int kFirst = 8;  // a batch this full never waits
  ExecutorOptions options;
  options.max_batch = kFirst;
  options.commit_delay = std::chrono::seconds(1);
  exec.reset();
  exec = open(options);
  asio::io_context io;
  auto work = asio::make_work_guard(io);
  std::thread runner([&] { io.run(); });
  std::atomic<int> acknowledged{0};
  // Concurrent writers: one holds the writer while a full batch queues behind it.
  hold_writer_then_queue(io, kFirst, acknowledged);
  while (acknowledged < kFirst + 1) std::this_thread::yield();
  const auto before = exec->stats();
  EXPECT_EQ(before.commits, 2u);
  EXPECT_EQ(before.gathered, 0u);
  // Then five writes, one every 20 ms.
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        asio::steady_timer pause(co_await asio::this_coro::executor);
        for (int k = 100; k < 105; ++k) {
          spawn_write(io, k, acknowledged);
          pause.expires_after(std::chrono::milliseconds(20));
          co_await pause.async_wait(asio::use_awaitable);
        }
      },
      asio::detached);
  work.reset();
  runner.join();
  EXPECT_EQ(acknowledged, kFirst + 6);
  const auto after = exec->stats();
  EXPECT_EQ(after.commits - before.commits, 1u);
  EXPECT_EQ(after.gathered, 1u);
  exec.reset();
  exec = open();
  EXPECT_EQ(count(), kFirst + 6);
}

// A lone writer that writes again once its last write is done is never held for
// company, however often it writes (else the delay here would stop the test).
TEST_F(ExecutorTest, ALoneWriterIsNeverHeld) {
  ExecutorOptions options;
  options.commit_delay = std::chrono::hours(1);
  exec.reset();
  exec = open(options);
  for (int k = 0; k < 50; ++k)
    ASSERT_TRUE(core::await_blocking(exec->write([&, k](Connection& c) { return insert(c, k); })));
  EXPECT_EQ(exec->stats().commits, 50u);
  EXPECT_EQ(exec->stats().gathered, 0u);
}

// A write that fails is undone alone; the rest of its batch commits.
TEST_F(ExecutorTest, AFailedWriteIsUndoneAloneInItsBatch) {
  asio::io_context io;
  std::vector<bool> ok(3);
  auto spawn = [&](int slot, auto fn) {
    asio::co_spawn(
        io,
        [&, slot, fn]() -> asio::awaitable<void> {
          auto r = co_await exec->write(fn);
          ok[slot] = r.ok();
        },
        asio::detached);
  };
  spawn(0, [&](Connection& c) { return insert(c, 1); });
  // Writes a row, then fails: the row must not stay.
  spawn(1, [&](Connection& c) -> core::Result<bool> {
    (void)insert(c, 2);
    return core::make_error(core::ProblemType::Conflict, "no");
  });
  // Throws a SQLite error (duplicate key of its own insert).
  spawn(2, [&](Connection& c) -> core::Result<bool> {
    (void)insert(c, 3);
    return insert(c, 3);
  });
  io.run();
  EXPECT_TRUE(ok[0]);
  EXPECT_FALSE(ok[1]);
  EXPECT_FALSE(ok[2]);
  EXPECT_EQ(count(), 1);
}

// The checkpointer copies the WAL into the database file as it grows, so that the WAL
// starts over instead of growing without end.
TEST_F(ExecutorTest, TheCheckpointerKeepsTheWalFromGrowing) {
  exec.reset();
  auto c = std::make_unique<Connection>(path);
  c->exec_script("PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;");
  ExecutorOptions options;
  options.checkpoint_after_pages = 20;
  exec = std::make_unique<SqliteExecutor>(path, std::move(c), options);
  const std::string blob(2000, 'x');
  for (int i = 0; i < 3000; ++i) {
    auto r = core::await_blocking(exec->write([&, i](Connection& db) -> core::Result<bool> {
      return db.prepare("INSERT INTO t (k, v) VALUES (?1, ?2)")
                 .bind(1, int64_t{i})
                 .bind(2, blob)
                 .exec() == 1;
    }));
    ASSERT_TRUE(r);
  }
  // 3000 rows of 2 kB are some 1500 pages or more; a WAL never checkpointed holds them all.
  EXPECT_LT(exec->stats().wal_pages, 500);
  EXPECT_GT(std::filesystem::file_size(path), 3u * 1024 * 1024);
}

}  // namespace
}  // namespace signet::storage::detail
