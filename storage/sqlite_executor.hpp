#pragma once
// Where SQLite runs, private to storage/: one writer thread with group commit, reader
// threads with connections of their own, and a checkpointer, so that no SQLite call
// runs on a network thread and concurrent writes share one transaction and one fsync.
//
// Group commit: the writer takes every write waiting (up to a batch limit), runs each
// inside its own SAVEPOINT of one IMMEDIATE transaction, commits once
// (synchronous=FULL: the commit is durable), and only then delivers the results. A
// write that returns an error (or throws) is rolled back to its savepoint alone, so a
// verb is all or nothing; a failed COMMIT fails every write of the batch. Nothing is
// acknowledged before its commit. When writes arrive often enough that two more are due
// within `commit_delay` (a running average of the gaps between them), and the last batch
// was not one write alone, the writer lets a batch wait up to that long after its first
// write for more company before it commits: at moderate concurrency most batches would
// otherwise hold one or two writes, each paying its own fsync. A batch that waited during
// the previous commit is not held again, and neither is a write that follows a quiet
// spell or a lone writer's writes one after another.
//
// Reads run each in a read transaction (one WAL snapshot) on a reader connection.
// WAL checkpoints run on their own thread and connection, off the request path. A
// checkpoint on another connection can copy the WAL but never catches a busy writer
// up, and the WAL only starts over when a write begins after a complete checkpoint;
// so once the WAL is four times the checkpoint threshold, the writer finishes the
// checkpoint itself between two batches (the frames left to copy are few by then).
// Thread-safe.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/async.hpp"
#include "core/metrics.hpp"
#include "core/result.hpp"
#include "storage/executor_stats.hpp"
#include "storage/sqlite_db.hpp"

namespace signet::storage::detail {

struct ExecutorOptions {
  std::size_t readers = 2;
  std::size_t max_batch = 512;        // writes in one transaction at most
  // Longest time a batch waits for more writes under load (see above); 0: never.
  std::chrono::microseconds commit_delay{3000};
  int checkpoint_after_pages = 2000;  // WAL pages that wake the checkpointer
  // Where commit latency and batch sizes are recorded (none given: a private registry).
  std::shared_ptr<core::metrics::Registry> metrics = nullptr;
};

class SqliteExecutor {
 public:
  using Error = SqliteError;  // what a failed statement throws

  // Opens the connections; `writer` has been set up (pragmas, migrations) already.
  SqliteExecutor(std::string path, std::unique_ptr<Connection> writer, ExecutorOptions options);
  // Finishes every job queued, then stops the threads.
  ~SqliteExecutor();
  SqliteExecutor(const SqliteExecutor&) = delete;
  SqliteExecutor& operator=(const SqliteExecutor&) = delete;

  // fn(Connection&) -> core::Result<T> runs on the writer inside the next group
  // commit; the caller resumes on its own executor once the batch is durable.
  template <class F>
  auto write(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Connection&>> {
    using R = std::invoke_result_t<F&, Connection&>;
    return core::resume_on_completion<R>(
        [this, fn = std::move(fn)](std::function<void(R)> deliver) mutable {
          enqueue_write(std::make_unique<TypedWrite<F, R>>(std::move(fn), std::move(deliver)));
        });
  }

  // fn(Connection&) -> core::Result<T> runs on a reader connection in one snapshot.
  template <class F>
  auto read(F fn) -> boost::asio::awaitable<std::invoke_result_t<F&, Connection&>> {
    using R = std::invoke_result_t<F&, Connection&>;
    return core::resume_on_completion<R>(
        [this, fn = std::move(fn)](std::function<void(R)> deliver) mutable {
          enqueue_read([fn = std::move(fn), deliver = std::move(deliver)](Connection& c) mutable {
            deliver(guarded<R>([&] { return fn(c); }));
          });
        });
  }

  ExecutorStats stats() const;
  // Writes waiting for the writer (for tests and metrics).
  std::size_t queued_writes();

 private:
  struct Write {
    virtual ~Write() = default;
    virtual bool run(Connection& c) = 0;            // inside the job's savepoint; false: undo it
    virtual void fail(const std::string& why) = 0;  // the batch did not commit
    virtual void deliver() = 0;                     // after the commit
  };
  template <class F, class R>
  struct TypedWrite final : Write {
    TypedWrite(F f, std::function<void(R)> d) : fn(std::move(f)), done(std::move(d)) {}
    bool run(Connection& c) override {
      result.emplace(fn(c));
      return result->ok();
    }
    void fail(const std::string& why) override {
      result.emplace(core::internal_error("database: " + why));
    }
    void deliver() override { done(std::move(*result)); }
    F fn;
    std::function<void(R)> done;
    std::optional<R> result;
  };

  // A SQLite failure as a value: the job's result type is a core::Result.
  template <class R, class G>
  static R guarded(G&& g) {
    try {
      return g();
    } catch (const SqliteError& e) {
      return core::internal_error("database: " + e.message);
    }
  }

  void enqueue_write(std::unique_ptr<Write> w);
  void enqueue_read(std::function<void(Connection&)> r);
  void writer_loop();
  void note_arrival(std::chrono::steady_clock::time_point now);  // under write_mu_
  bool should_gather(std::chrono::steady_clock::time_point now,
                     bool had_company) const;  // under write_mu_
  void reader_loop(std::size_t index);
  void checkpointer_loop();
  // Commits and delivers; true when other writes ran in the batch or came meanwhile.
  bool commit_batch(std::vector<std::unique_ptr<Write>>& batch);

  std::string path_;
  ExecutorOptions options_;
  std::unique_ptr<Connection> writer_conn_;
  std::vector<std::unique_ptr<Connection>> reader_conns_;
  std::unique_ptr<Connection> checkpoint_conn_;

  std::mutex write_mu_;
  std::condition_variable write_cv_;
  std::vector<std::unique_ptr<Write>> writes_;
  bool write_stop_ = false;
  bool gathering_ = false;  // the writer waits for company: enqueuers need not wake it
  std::chrono::steady_clock::time_point first_queued_;  // when writes_.front() came
  std::chrono::steady_clock::time_point last_arrival_;
  std::chrono::steady_clock::duration arrival_gap_;  // running average, capped

  std::mutex read_mu_;
  std::condition_variable read_cv_;
  std::deque<std::function<void(Connection&)>> reads_;
  bool read_stop_ = false;

  std::mutex checkpoint_mu_;
  std::condition_variable checkpoint_cv_;
  bool checkpoint_wanted_ = false;
  bool checkpoint_stop_ = false;

  std::atomic<std::uint64_t> writes_run_{0};
  std::atomic<std::uint64_t> commits_{0};
  std::atomic<std::uint64_t> gathered_commits_{0};
  std::atomic<std::uint64_t> reads_run_{0};
  std::atomic<int> wal_pages_{0};
  std::atomic<std::size_t> queued_writes_{0};
  std::atomic<std::size_t> queued_reads_{0};
  std::shared_ptr<core::metrics::Registry> metrics_;
  core::metrics::Histogram& commit_seconds_;
  core::metrics::Histogram& batch_writes_;
  core::metrics::Family<core::metrics::Counter>& commits_by_result_;

  std::thread writer_;
  std::vector<std::thread> readers_;
  std::thread checkpointer_;
};

}  // namespace signet::storage::detail
