#include "storage/sqlite_executor.hpp"

#include <chrono>

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace signet::storage::detail {
namespace {

// Prepared once per connection (the cache is keyed by these pointers).
constexpr const char* kBegin = "BEGIN IMMEDIATE";
constexpr const char* kBeginRead = "BEGIN DEFERRED";
constexpr const char* kCommit = "COMMIT";
constexpr const char* kRollback = "ROLLBACK";
constexpr const char* kSavepoint = "SAVEPOINT job";
constexpr const char* kRelease = "RELEASE job";
constexpr const char* kRollbackTo = "ROLLBACK TO job";

void run(Connection& c, const char* sql) {
  c.prepare(sql).exec();
}

// Counts the WAL's pages after each commit of the writer (sqlite3_wal_hook).
int on_wal_commit(void* pages, sqlite3*, const char*, int n) {
  static_cast<std::atomic<int>*>(pages)->store(n, std::memory_order_relaxed);
  return SQLITE_OK;
}

}  // namespace

SqliteExecutor::SqliteExecutor(std::string path, std::unique_ptr<Connection> writer,
                               ExecutorOptions options)
    : path_(std::move(path)),
      options_(options),
      writer_conn_(std::move(writer)),
      metrics_(core::metrics::or_private(options.metrics)),
      commit_seconds_(metrics_
                          ->histogram("signet_db_commit_duration_seconds",
                                      "Time of one group commit, BEGIN to COMMIT (one fsync).",
                                      {},
                                      {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                       0.5, 1})
                          .with()),
      batch_writes_(metrics_
                        ->histogram("signet_db_commit_batch_writes",
                                    "Writes committed together in one group commit.", {},
                                    core::metrics::power_of_two_buckets(options.max_batch))
                        .with()),
      commits_by_result_(metrics_->counter("signet_db_commits_total",
                                           "Group commits by result (ok, failed).", {"result"})) {
  arrival_gap_ = 4 * options_.commit_delay;  // as after a quiet spell
  // Checkpoints are the checkpointer's job, not a side effect of some commit.
  // A WAL that grew under a burst is cut back to 64 MiB once it starts over.
  writer_conn_->exec_script("PRAGMA wal_autocheckpoint = 0; PRAGMA journal_size_limit = 67108864");
  sqlite3_wal_hook(writer_conn_->handle(), on_wal_commit, &wal_pages_);
  for (std::size_t i = 0; i < options_.readers; ++i) {
    auto c = std::make_unique<Connection>(path_);
    c->exec_script("PRAGMA query_only = 1; PRAGMA foreign_keys = ON;");
    reader_conns_.push_back(std::move(c));
  }
  checkpoint_conn_ = std::make_unique<Connection>(path_);
  // A connection opens the WAL lazily; until it has read the database, a checkpoint
  // through it does nothing.
  checkpoint_conn_->exec_script("SELECT count(*) FROM sqlite_master");
  writer_ = std::thread([this] {
    core::name_this_thread("sqlite-writer");
    writer_loop();
  });
  for (std::size_t i = 0; i < options_.readers; ++i) {
    readers_.emplace_back([this, i] {
      core::name_this_thread("sqlite-reader");
      reader_loop(i);
    });
  }
  checkpointer_ = std::thread([this] {
    core::name_this_thread("sqlite-ckpt");
    checkpointer_loop();
  });
}

SqliteExecutor::~SqliteExecutor() {
  {
    std::lock_guard lock(read_mu_);
    read_stop_ = true;
  }
  read_cv_.notify_all();
  for (auto& t : readers_) t.join();
  {
    std::lock_guard lock(write_mu_);
    write_stop_ = true;
  }
  write_cv_.notify_all();
  writer_.join();
  {
    std::lock_guard lock(checkpoint_mu_);
    checkpoint_stop_ = true;
  }
  checkpoint_cv_.notify_all();
  checkpointer_.join();
  // A last checkpoint leaves the database file complete on a clean stop.
  try {
    sqlite3_wal_checkpoint_v2(writer_conn_->handle(), nullptr, SQLITE_CHECKPOINT_TRUNCATE, nullptr,
                              nullptr);
  } catch (...) {
  }
}

ExecutorStats SqliteExecutor::stats() const {
  ExecutorStats s;
  s.writes = writes_run_.load(std::memory_order_relaxed);
  s.commits = commits_.load(std::memory_order_relaxed);
  s.gathered = gathered_commits_.load(std::memory_order_relaxed);
  s.reads = reads_run_.load(std::memory_order_relaxed);
  s.wal_pages = wal_pages_.load(std::memory_order_relaxed);
  s.queued_writes = queued_writes_.load(std::memory_order_relaxed);
  s.queued_reads = queued_reads_.load(std::memory_order_relaxed);
  return s;
}

std::size_t SqliteExecutor::queued_writes() {
  std::lock_guard lock(write_mu_);
  return writes_.size();
}

void SqliteExecutor::enqueue_write(std::unique_ptr<Write> w) {
  bool wake = false;
  {
    std::lock_guard lock(write_mu_);
    const auto now = std::chrono::steady_clock::now();
    if (writes_.empty()) first_queued_ = now;
    note_arrival(now);
    writes_.push_back(std::move(w));
    queued_writes_.store(writes_.size(), std::memory_order_relaxed);
    wake = !gathering_ || writes_.size() >= options_.max_batch;
  }
  if (wake) write_cv_.notify_one();
}

void SqliteExecutor::note_arrival(std::chrono::steady_clock::time_point now) {
  // A quiet spell counts as four delays at most, which is enough to end the gathering.
  const auto cap = std::chrono::steady_clock::duration(4 * options_.commit_delay);
  const auto gap = std::min<std::chrono::steady_clock::duration>(now - last_arrival_, cap);
  arrival_gap_ += (gap - arrival_gap_) / 4;
  last_arrival_ = now;
}

bool SqliteExecutor::should_gather(std::chrono::steady_clock::time_point now,
                                   bool had_company) const {
  // Worth a wait when at least two more writes are due within it, from more than one
  // writer: one that writes again only once its last write is done (a bulk command, the
  // housekeeping) would only wait for itself.
  return options_.commit_delay.count() > 0 && had_company && !write_stop_ &&
         writes_.size() < options_.max_batch && 2 * arrival_gap_ < options_.commit_delay &&
         now < first_queued_ + options_.commit_delay;
}

void SqliteExecutor::enqueue_read(std::function<void(Connection&)> r) {
  {
    std::lock_guard lock(read_mu_);
    reads_.push_back(std::move(r));
    queued_reads_.store(reads_.size(), std::memory_order_relaxed);
  }
  read_cv_.notify_one();
}

void SqliteExecutor::writer_loop() {
  std::vector<std::unique_ptr<Write>> batch;
  bool had_company = false;  // the last batch was not one write alone in the queue
  for (;;) {
    {
      std::unique_lock lock(write_mu_);
      write_cv_.wait(lock, [this] { return write_stop_ || !writes_.empty(); });
      if (writes_.empty()) return;  // stopping, and every write is done
      if (should_gather(std::chrono::steady_clock::now(), had_company)) {
        gathering_ = true;
        write_cv_.wait_until(lock, first_queued_ + options_.commit_delay, [this] {
          return write_stop_ || writes_.size() >= options_.max_batch;
        });
        gathering_ = false;
        gathered_commits_.fetch_add(1, std::memory_order_relaxed);
      }
      if (writes_.size() <= options_.max_batch) {
        batch.swap(writes_);
      } else {
        const auto end = writes_.begin() + static_cast<std::ptrdiff_t>(options_.max_batch);
        batch.assign(std::make_move_iterator(writes_.begin()), std::make_move_iterator(end));
        writes_.erase(writes_.begin(), end);
      }
      queued_writes_.store(writes_.size(), std::memory_order_relaxed);
    }
    had_company = commit_batch(batch);
    batch.clear();
    const int pages = wal_pages_.load(std::memory_order_relaxed);
    if (pages >= 4 * options_.checkpoint_after_pages) {
      // See the header: the next write transaction then starts the WAL over.
      sqlite3_wal_checkpoint_v2(writer_conn_->handle(), nullptr, SQLITE_CHECKPOINT_PASSIVE, nullptr,
                                nullptr);
    } else if (pages >= options_.checkpoint_after_pages) {
      {
        std::lock_guard lock(checkpoint_mu_);
        checkpoint_wanted_ = true;
      }
      checkpoint_cv_.notify_one();
    }
  }
}

bool SqliteExecutor::commit_batch(std::vector<std::unique_ptr<Write>>& batch) {
  Connection& c = *writer_conn_;
  const auto began = std::chrono::steady_clock::now();
  batch_writes_.observe(static_cast<double>(batch.size()));
  try {
    run(c, kBegin);
  } catch (const SqliteError& e) {
    commits_by_result_.with({"failed"}).inc();
    for (auto& w : batch) w->fail(e.message);
    for (auto& w : batch) w->deliver();
    return false;
  }
  for (auto& w : batch) {
    try {
      run(c, kSavepoint);
      // A write that fails is undone alone; the others in the batch stand.
      try {
        if (!w->run(c)) run(c, kRollbackTo);
      } catch (const SqliteError& e) {
        run(c, kRollbackTo);
        w->fail(e.message);
      }
      run(c, kRelease);
    } catch (const SqliteError& e) {
      w->fail(e.message);
    }
  }
  try {
    run(c, kCommit);
    commits_.fetch_add(1, std::memory_order_relaxed);
    commits_by_result_.with({"ok"}).inc();
    commit_seconds_.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
  } catch (const SqliteError& e) {
    commits_by_result_.with({"failed"}).inc();
    core::log_error("database commit failed, " + std::to_string(batch.size()) +
                    " writes not done: " + e.message);
    try {
      run(c, kRollback);
    } catch (const SqliteError&) {
      // Already rolled back by SQLite.
    }
    for (auto& w : batch) w->fail("commit failed: " + e.message);
  }
  writes_run_.fetch_add(batch.size(), std::memory_order_relaxed);
  // Before the results go out, so that a caller's next write is not counted as company.
  bool company = batch.size() > 1;
  if (!company) {
    std::lock_guard lock(write_mu_);
    company = !writes_.empty();
  }
  for (auto& w : batch) w->deliver();
  return company;
}

void SqliteExecutor::reader_loop(std::size_t index) {
  Connection& c = *reader_conns_[index];
  for (;;) {
    std::function<void(Connection&)> job;
    {
      std::unique_lock lock(read_mu_);
      read_cv_.wait(lock, [this] { return read_stop_ || !reads_.empty(); });
      if (reads_.empty()) return;
      job = std::move(reads_.front());
      reads_.pop_front();
      queued_reads_.store(reads_.size(), std::memory_order_relaxed);
    }
    reads_run_.fetch_add(1, std::memory_order_relaxed);
    // One snapshot for the whole job (a record is read with several statements).
    bool open = false;
    try {
      run(c, kBeginRead);
      open = true;
    } catch (const SqliteError&) {
      // The job reports the failure itself when its statements fail.
    }
    job(c);
    if (open) {
      try {
        run(c, kCommit);
      } catch (const SqliteError&) {
        try {
          run(c, kRollback);
        } catch (const SqliteError&) {
        }
      }
    }
  }
}

void SqliteExecutor::checkpointer_loop() {
  for (;;) {
    {
      std::unique_lock lock(checkpoint_mu_);
      checkpoint_cv_.wait(lock, [this] { return checkpoint_stop_ || checkpoint_wanted_; });
      if (checkpoint_stop_) return;
      checkpoint_wanted_ = false;
    }
    // PASSIVE: never waits for readers or the writer; what it cannot copy now waits
    // for the next round.
    int log = 0, done = 0;
    const int rc = sqlite3_wal_checkpoint_v2(checkpoint_conn_->handle(), nullptr,
                                             SQLITE_CHECKPOINT_PASSIVE, &log, &done);
    if (rc != SQLITE_OK && rc != SQLITE_BUSY)
      core::log_warn(std::string("WAL checkpoint: ") + sqlite3_errstr(rc));
  }
}

}  // namespace signet::storage::detail
