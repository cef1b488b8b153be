#pragma once
// The validation authority: runs challenge checks and CAA on its own executor with a
// bounded queue and a cap on checks in flight, here and at every remote perspective.
// It reports outcomes to a sink; it never writes storage. Callers on any executor
// hand work to it; it hops onto its own executor itself.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>

#include "core/ids.hpp"
#include "core/metrics.hpp"
#include "validation/caa.hpp"
#include "validation/checker.hpp"
#include "validation/deadline.hpp"
#include "validation/perspective.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

class TestKnobs;

struct ValidationConfig {
  // The whole of one validation at this vantage point, counted from when it gets a
  // slot: the challenge check (DNS lookups, connections, redirects), then CAA; the
  // same for a CAA-only recheck. A validation still running then is cancelled and ends
  // with a `dns` or `connection` problem saying what it was doing.
  std::chrono::milliseconds timeout{20000};
  // Remote perspectives: how many may disagree (default: BR 3.2.2.9, see quorum.hpp),
  // and how long to wait for them after the primary finished.
  std::optional<std::size_t> max_remote_failures;
  std::chrono::milliseconds remote_timeout{15000};
  std::size_t max_in_flight = 64;  // checks running at once
  std::size_t max_pending = 4096;  // admitted (queued + running) before overload is reported
  // Checks of one account running at once (0: no cap of its own), unless a request
  // says otherwise (ValidationRequest::account_slots). Waiting checks get free slots
  // account by account in turn, so one account's slow validations never hold back
  // another's.
  std::size_t max_in_flight_per_account = 16;
  // The test mode's always_valid and validation_delay (testing.hpp); null: off.
  std::shared_ptr<TestKnobs> testing;
};

class ValidationAuthority;

// A validation started with start(): which challenge it is for, and what to check.
struct ValidationJob {
  core::AuthzId authz;
  core::ChallengeId challenge;
  ValidationRequest request;
};

// Where started validations report. Called on the validation executor; an
// implementation must not block (it hands the outcome to its own work).
class ValidationSink {
 public:
  virtual ~ValidationSink() = default;
  // The outcome of a job, once decided.
  virtual void outcome(const ValidationJob& job, ValidationOutcome outcome) = 0;
  // A remote perspective's answer that came after its job's outcome was decided (its
  // verdict then was NotAwaited).
  virtual void late_answer(const ValidationJob& job, core::PerspectiveResult answer) = 0;
};

// A place in the queue; releasing it (destruction) lets another validation in.
class Ticket {
 public:
  Ticket() = default;
  explicit Ticket(std::shared_ptr<std::atomic<std::size_t>> pending)
      : pending_(std::move(pending)) {}
  Ticket(Ticket&&) noexcept = default;
  Ticket& operator=(Ticket&& other) noexcept {
    if (this != &other) {
      release();
      pending_ = std::move(other.pending_);
    }
    return *this;
  }
  ~Ticket() { release(); }
  // Gives the place back now (at most once).
  void release() {
    if (pending_) {
      --*pending_;
      pending_.reset();
    }
  }

 private:
  std::shared_ptr<std::atomic<std::size_t>> pending_;
  std::shared_ptr<std::atomic<std::size_t>> started_;
};

class ValidationAuthority {
 public:
  // executor: where every check runs (a strand or a single-threaded context: the
  // in-flight accounting relies on it being serial). metrics: where outcomes,
  // latencies, CAA results and refusals are counted (none: a private registry).
  ValidationAuthority(boost::asio::any_io_executor executor, ValidationConfig config,
                      std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers,
                      std::shared_ptr<Resolver> resolver,
                      std::vector<std::shared_ptr<RemotePerspective>> remotes = {},
                      std::shared_ptr<core::metrics::Registry> metrics = nullptr);

  // Reserves a place in the queue; nullopt when it is full (the caller answers with a
  // clear overload error and stores nothing). Thread-safe.
  std::optional<Ticket> admit();

  // Starts a validation on the validation executor and returns at once; the outcome,
  // and any late answers, go to sink (which must outlive the job: see drain()). The
  // ticket is held until the outcome is delivered. Thread-safe.
  void start(Ticket ticket, ValidationJob job, ValidationSink& sink);

  // Runs the check for req once a slot is free, then CAA for the identifier (CAA only
  // for req.caa_only), both within config.timeout, here and at every remote
  // perspective at once; the outcome follows the quorum rule. Awaited from any executor: the work
  // runs on the validation executor and the caller resumes on its own. Late answers are dropped.
  // The caller holds the request's Ticket until this returns.
  boost::asio::awaitable<ValidationOutcome> validate(const ValidationRequest& req);

  // Waits until every started validation has reported, or `limit` has passed (then
  // returns false). For shutdown: stop admitting first.
  boost::asio::awaitable<bool> drain(std::chrono::milliseconds limit);

  // Validations started and not yet reported (thread-safe).
  std::size_t in_flight() const { return *started_; }
  // Places taken in the queue: validations waiting for a slot or running (thread-safe).
  std::size_t pending() const { return *pending_; }

  ~ValidationAuthority();

 private:
  using LateSink = std::function<void(core::PerspectiveResult)>;
  boost::asio::awaitable<void> run_job(Ticket ticket, ValidationJob job, ValidationSink& sink);
  boost::asio::awaitable<ValidationOutcome> run(ValidationRequest req, LateSink late);
  boost::asio::awaitable<ValidationOutcome> primary(const ValidationRequest& req, Checker& checker);
  boost::asio::awaitable<void> check_then_caa(const ValidationRequest& req, Checker& checker,
                                              Deadline& deadline, ValidationOutcome& out);
  boost::asio::awaitable<ValidationOutcome> corroborated(const ValidationRequest& req,
                                                         Checker& checker, LateSink late);

  boost::asio::any_io_executor executor_;
  ValidationConfig config_;
  std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers_;
  std::shared_ptr<Resolver> resolver_;
  std::vector<std::shared_ptr<RemotePerspective>> remotes_;
  std::shared_ptr<std::atomic<std::size_t>> pending_;
  std::shared_ptr<std::atomic<std::size_t>> started_;
  // Slots (validation_authority.cpp), on the validation executor. Shared with the
  // checks holding them, which may outlive this object at shutdown.
  struct Slots;
  std::shared_ptr<Slots> slots_;
  // Metric handles (validation_authority.cpp); shared with remote answers that may
  // come after this object is gone.
  struct Metrics;
  std::shared_ptr<Metrics> metrics_;
};

}  // namespace signet::validation
