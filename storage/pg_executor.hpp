#pragma once
// Where PostgreSQL runs, private to storage/: a pool of connections, each on a thread
// of its own, so that no libpq call runs on a network thread. A write runs in one
// transaction (READ COMMITTED; what must see every committed write takes a lock
// first, storage/pg_statements.hpp) and is reported only once COMMIT has returned; a
// read runs in one REPEATABLE READ snapshot. A job that fails on a serialization
// failure or deadlock runs again.
//
// A connection that breaks (the server restarted, the network failed) is dropped and
// opened again for the next job. The job that saw it fail, and every job while the
// server cannot be reached, gets serverInternal with a Retry-After hint: nothing it
// wrote is reported as stored, and the client may retry. Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/async.hpp"
#include "core/result.hpp"
#include "storage/executor_stats.hpp"
#include "storage/pg_db.hpp"

namespace signet::storage::detail {

struct PgOptions {
  std::string url;
  std::size_t connections = 8;
  std::chrono::milliseconds statement_timeout{10'000};
  // What a client is told to wait when the database cannot be reached.
  std::chrono::seconds retry_after{5};
};

class PgExecutor {
 public:
  using Error = PgError;  // what a failed statement throws

  explicit PgExecutor(PgOptions options);
  // Finishes every job queued, then closes the connections.
  ~PgExecutor();
  PgExecutor(const PgExecutor&) = delete;
  PgExecutor& operator=(const PgExecutor&) = delete;

  // fn(PgConnection&) -> core::Result<T> runs inside a transaction, committed unless
  // fn returned an error; the caller resumes on its own executor after the COMMIT.
  template <class F>
  auto write(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, PgConnection&>> {
    return submit(std::move(fn), Kind::Write);
  }
  // fn(PgConnection&) -> core::Result<T> runs in one read-only snapshot.
  template <class F>
  auto read(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, PgConnection&>> {
    return submit(std::move(fn), Kind::Read);
  }

  // Jobs that failed because the database could not be reached (for tests and logs).
  std::uint64_t unavailable() const { return unavailable_.load(); }
  ExecutorStats stats() const;

 private:
  enum class Kind { Read, Write };

  template <class F>
  auto submit(F fn, Kind kind) -> boost::asio::awaitable<std::invoke_result_t<F&, PgConnection&>> {
    using R = std::invoke_result_t<F&, PgConnection&>;
    return core::resume_on_completion<R>(
        [this, kind, fn = std::move(fn)](std::function<void(R)> deliver) mutable {
          enqueue(kind, [this, kind, fn = std::move(fn),
                         deliver = std::move(deliver)](std::unique_ptr<PgConnection>& c) mutable {
            std::optional<R> result;
            const auto failure = run_transaction(c, kind, [&](PgConnection& conn) {
              result.emplace(fn(conn));
              return result->ok();
            });
            deliver(failure ? R(*failure) : std::move(*result));
          });
        });
  }

  // Runs body in a transaction on c (connecting it first if need be), again after a
  // serialization failure; body returns whether to commit. An error when the
  // transaction failed; nullopt when body ran to its end (committed or rolled back).
  std::optional<core::Error> run_transaction(std::unique_ptr<PgConnection>& c, Kind kind,
                                             const std::function<bool(PgConnection&)>& body);
  core::Error unavailable_error(const std::string& why);
  void enqueue(Kind kind, std::function<void(std::unique_ptr<PgConnection>&)> job);
  void loop();

  PgOptions options_;
  std::mutex mu_;
  std::condition_variable cv_;
  struct Job {
    Kind kind;
    std::function<void(std::unique_ptr<PgConnection>&)> run;
  };
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::atomic<std::uint64_t> unavailable_{0};
  std::atomic<std::uint64_t> writes_{0}, commits_{0}, reads_{0};
  std::atomic<std::size_t> queued_writes_{0}, queued_reads_{0};
  std::vector<std::thread> threads_;
};

}  // namespace signet::storage::detail
