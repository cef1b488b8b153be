#include "storage/pg_executor.hpp"

#include "core/log.hpp"
#include "core/thread_name.hpp"

namespace signet::storage::detail {
namespace {

constexpr int kAttempts = 5;  // runs of a job that keeps meeting serialization failures

}  // namespace

PgExecutor::PgExecutor(PgOptions options) : options_(std::move(options)) {
  for (std::size_t i = 0; i < std::max<std::size_t>(1, options_.connections); ++i) {
    threads_.emplace_back([this] {
      core::name_this_thread("postgresql");
      loop();
    });
  }
}

PgExecutor::~PgExecutor() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
}

ExecutorStats PgExecutor::stats() const {
  ExecutorStats s;
  s.writes = writes_.load(std::memory_order_relaxed);
  s.reads = reads_.load(std::memory_order_relaxed);
  s.commits = commits_.load(std::memory_order_relaxed);
  s.queued_writes = queued_writes_.load(std::memory_order_relaxed);
  s.queued_reads = queued_reads_.load(std::memory_order_relaxed);
  return s;
}

void PgExecutor::enqueue(Kind kind, std::function<void(std::unique_ptr<PgConnection>&)> job) {
  (kind == Kind::Write ? queued_writes_ : queued_reads_).fetch_add(1, std::memory_order_relaxed);
  {
    std::lock_guard lock(mu_);
    jobs_.push_back({kind, std::move(job)});
  }
  cv_.notify_one();
}

void PgExecutor::loop() {
  std::unique_ptr<PgConnection> conn;  // this thread's; opened by the first job
  for (;;) {
    std::optional<Job> job;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return stop_ || !jobs_.empty(); });
      if (jobs_.empty()) return;
      job.emplace(std::move(jobs_.front()));
      jobs_.pop_front();
    }
    (job->kind == Kind::Write ? queued_writes_ : queued_reads_)
        .fetch_sub(1, std::memory_order_relaxed);
    job->run(conn);
  }
}

core::Error PgExecutor::unavailable_error(const std::string& why) {
  unavailable_.fetch_add(1, std::memory_order_relaxed);
  auto e = core::internal_error("database unavailable: " + why);
  e.retry_after = options_.retry_after;
  return e;
}

std::optional<core::Error> PgExecutor::run_transaction(
    std::unique_ptr<PgConnection>& c, Kind kind, const std::function<bool(PgConnection&)>& body) {
  for (int attempt = 1;; ++attempt) {
    if (!c || !c->ok()) {
      c.reset();
      try {
        c = std::make_unique<PgConnection>(options_.url, options_.statement_timeout);
      } catch (const PgError& e) {
        return unavailable_error(e.message);
      }
    }
    bool began = false;
    bool committing = false;
    try {
      c->exec_script(kind == Kind::Write ? "BEGIN"
                                         : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
      began = true;
      const bool commit = body(*c);
      committing = commit;
      c->exec_script(commit ? "COMMIT" : "ROLLBACK");
      if (kind == Kind::Write) {
        writes_.fetch_add(1, std::memory_order_relaxed);
        if (commit) commits_.fetch_add(1, std::memory_order_relaxed);
      } else {
        reads_.fetch_add(1, std::memory_order_relaxed);
      }
      return std::nullopt;
    } catch (const PgError& e) {
      if (e.broken) {
        c.reset();
        core::log_warn("database connection lost", {{"error", e.message}});
        // Lost before COMMIT: the server rolled the transaction back, and the job runs
        // again on a new connection (a server that restarted while this one was idle).
        // Lost during COMMIT: whether it took effect is unknown, so nothing is reported
        // stored, and the client's retry finds the state either way.
        if (!committing && attempt < kAttempts) continue;
        return unavailable_error(e.message);
      }
      if (began) {
        try {
          c->exec_script("ROLLBACK");
        } catch (const PgError&) {
          c.reset();
        }
      }
      if (is_retryable(e) && attempt < kAttempts) continue;
      return core::internal_error("database: " + e.message);
    }
  }
}

}  // namespace signet::storage::detail
