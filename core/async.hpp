#pragma once
// Running blocking work off the network threads and resuming where we came from.
//
// resume_on_completion(): the building block. It hands `job` a callback to call, on
// whatever thread finishes the work, with the result; the awaiting coroutine then
// resumes on its own executor, never on the worker's thread.
//
// WorkerPool: a fixed pool for CPU-bound or blocking calls (signing, CSR parsing,
// key generation). `co_await pool.run(fn)` runs fn on a pool thread and resumes the
// caller on its own executor. Thread-safe.
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "core/thread_name.hpp"

namespace signet::core {

namespace asio = boost::asio;

// Calls submit(deliver) where deliver is a std::function<void(R)> that may be called
// from any thread, exactly once; the awaiting coroutine resumes on its own executor
// with the delivered value.
template <class R, class Submit>
asio::awaitable<R> resume_on_completion(Submit submit) {
  return asio::async_initiate<decltype(asio::use_awaitable), void(R)>(
      [submit = std::move(submit)](auto handler) mutable {
        auto work = asio::make_work_guard(asio::get_associated_executor(handler));
        // The handler is move-only; std::function needs a copyable callable.
        auto state = std::make_shared<std::pair<decltype(handler), decltype(work)>>(
            std::move(handler), std::move(work));
        submit(std::function<void(R)>([state](R result) mutable {
          auto ex = state->second.get_executor();
          asio::post(ex, [state, result = std::move(result)]() mutable {
            std::move(state->first)(std::move(result));
          });
          // The work guard is released only once post() has returned, so that the
          // awaiting side's context cannot finish (and be destroyed) while post() is
          // still waking its threads.
          state->second.reset();
        }));
      },
      asio::use_awaitable);
}

class WorkerPool {
 public:
  explicit WorkerPool(std::size_t threads) : pool_(threads) {}
  ~WorkerPool() { join(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  // Waits for queued work and stops the threads.
  void join() { pool_.join(); }

  // fn runs on a pool thread; the caller resumes on its own executor. fn must not
  // throw.
  template <class F>
  asio::awaitable<std::invoke_result_t<F&>> run(F fn) {
    using R = std::invoke_result_t<F&>;
    return resume_on_completion<R>([this,
                                    fn = std::move(fn)](std::function<void(R)> deliver) mutable {
      queued_.fetch_add(1, std::memory_order_relaxed);
      asio::post(pool_, [fn = std::move(fn), deliver = std::move(deliver), q = &queued_]() mutable {
        name_pool_thread();
        q->fetch_sub(1, std::memory_order_relaxed);
        deliver(fn());
      });
    });
  }

  // Jobs waiting for a pool thread (for metrics).
  std::size_t queued() const { return queued_.load(std::memory_order_relaxed); }

 private:
  // asio::thread_pool starts its threads itself: each is named by its first job.
  static void name_pool_thread() {
    thread_local bool named = false;
    if (!named) name_this_thread("signet-worker");
    named = true;
  }

  std::atomic<std::size_t> queued_{0};
  asio::thread_pool pool_;
};

// Runs an awaitable to completion on a private io_context and returns its value:
// for start-up, command-line tools and tests, never for a network thread.
template <class T>
T await_blocking(asio::awaitable<T> a) {
  asio::io_context io;
  std::optional<T> out;
  asio::co_spawn(
      io, [&]() -> asio::awaitable<void> { out.emplace(co_await std::move(a)); }, asio::detached);
  io.run();
  return std::move(*out);
}

}  // namespace signet::core
