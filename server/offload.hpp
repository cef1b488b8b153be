#pragma once
// Runs blocking work (SQLite, signing) on a thread pool and resumes the awaiting
// coroutine on its own executor. Nothing blocking runs on an I/O thread.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <type_traits>

namespace signet::server {

class BlockingPool {
 public:
  explicit BlockingPool(std::size_t threads) : pool_(threads) {}
  ~BlockingPool() { join(); }
  void join() { pool_.join(); }

  // co_await pool.run([&] { return store.x(); }) — fn runs on the pool; the caller
  // resumes on its own executor. fn must not throw.
  template <class F>
  boost::asio::awaitable<std::invoke_result_t<F&>> run(F fn) {
    auto home = co_await boost::asio::this_coro::executor;
    co_await boost::asio::post(pool_.get_executor(), boost::asio::use_awaitable);
    auto result = fn();
    co_await boost::asio::post(home, boost::asio::use_awaitable);
    co_return result;
  }

 private:
  boost::asio::thread_pool pool_;
};

}  // namespace signet::server
