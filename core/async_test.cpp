#include "core/async.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <thread>

namespace signet::core {
namespace {

namespace asio = boost::asio;

// The blocking call runs on a pool thread, never on the awaiting coroutine's thread,
// and the coroutine resumes on its own executor afterwards.
TEST(WorkerPool, RunsOffTheCallerAndResumesOnTheCallersExecutor) {
  WorkerPool pool(2);
  asio::io_context io;
  std::thread::id caller, worker, resumed;
  std::string worker_name;
  int value = 0;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        caller = std::this_thread::get_id();
        value = co_await pool.run([&] {
          worker = std::this_thread::get_id();
          worker_name = this_thread_name();
          return 42;
        });
        resumed = std::this_thread::get_id();
      },
      asio::detached);
  io.run();  // this thread is the io_context's only thread
  EXPECT_EQ(value, 42);
  EXPECT_NE(worker, std::thread::id{});
  EXPECT_NE(worker, caller);
  EXPECT_EQ(resumed, caller);
  EXPECT_EQ(worker_name, "signet-worker");  // as `top -H` shows it
}

// While the pool works, the caller's thread keeps serving other coroutines.
TEST(WorkerPool, TheCallersThreadIsFreeWhileThePoolWorks) {
  WorkerPool pool(1);
  asio::io_context io;
  std::atomic<bool> release{false};
  bool other_ran_meanwhile = false;
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        co_await pool.run([&] {
          while (!release.load()) std::this_thread::yield();
          return 0;
        });
      },
      asio::detached);
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        other_ran_meanwhile = true;
        release = true;
        co_return;
      },
      asio::detached);
  io.run();
  EXPECT_TRUE(other_ran_meanwhile);
}

TEST(AwaitBlocking, ReturnsTheValue) {
  WorkerPool pool(1);
  EXPECT_EQ(await_blocking(pool.run([] { return 7; })), 7);
}

}  // namespace
}  // namespace signet::core
