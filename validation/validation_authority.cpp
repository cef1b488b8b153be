#include "validation/validation_authority.hpp"

#include "validation/quorum.hpp"
#include "validation/testing.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace signet::validation {
namespace asio = boost::asio;

namespace {

// The method label: the challenge type, or "caa" for a CAA-only recheck.
std::string_view method_of(const ValidationRequest& req) {
  return req.caa_only ? std::string_view("caa") : to_string(req.type);
}

double seconds_since(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

struct ValidationAuthority::Metrics {
  explicit Metrics(std::shared_ptr<core::metrics::Registry> r)
      : registry(core::metrics::or_private(std::move(r))),
        by_perspective(registry->counter(
            "signet_validations_total",
            "Validations at each vantage point (primary, or a remote perspective's name), by "
            "method and outcome (valid, invalid).",
            {"method", "perspective", "outcome"})),
        latency(registry->histogram(
            "signet_validation_duration_seconds",
            "Time of one validation at one vantage point, from its slot to its outcome.",
            {"method", "perspective"}, {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30})),
        decisions(registry->counter(
            "signet_validation_decisions_total",
            "Validation outcomes after corroboration, by method, outcome and problem type.",
            {"method", "outcome", "problem"})),
        caa(registry->counter("signet_caa_checks_total",
                              "CAA checks by result (permitted, refused, lookup_failed).",
                              {"result"})),
        rejected(registry
                     ->counter("signet_queue_rejections_total",
                               "Work refused at once because its queue was full, by queue.",
                               {"queue"})
                     .with({"validation"})) {}

  void perspective(const ValidationRequest& req, std::string_view name, bool ok,
                   std::chrono::steady_clock::time_point began) {
    const auto method = method_of(req);
    by_perspective.with({method, name, ok ? "valid" : "invalid"}).inc();
    latency.with({method, name}).observe(seconds_since(began));
  }

  std::shared_ptr<core::metrics::Registry> registry;
  core::metrics::Family<core::metrics::Counter>& by_perspective;
  core::metrics::Family<core::metrics::Histogram>& latency;
  core::metrics::Family<core::metrics::Counter>& decisions;
  core::metrics::Family<core::metrics::Counter>& caa;
  core::metrics::Counter& rejected;
};

ValidationAuthority::ValidationAuthority(
    asio::any_io_executor executor, ValidationConfig config,
    std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers,
    std::shared_ptr<Resolver> resolver, std::vector<std::shared_ptr<RemotePerspective>> remotes,
    std::shared_ptr<core::metrics::Registry> metrics)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      checkers_(std::move(checkers)),
      resolver_(std::move(resolver)),
      remotes_(std::move(remotes)),
      pending_(std::make_shared<std::atomic<std::size_t>>(0)),
      started_(std::make_shared<std::atomic<std::size_t>>(0)),
      slots_(std::make_shared<Slots>(config_.max_in_flight, config_.max_in_flight_per_account)),
      metrics_(std::make_shared<Metrics>(std::move(metrics))) {}

// Checks running in all and per account; the checks waiting for a slot per account,
// and the accounts with waiting checks in the order they are served (round robin). A
// waiter is woken by moving its timer's expiry to the past, which also works before
// it starts waiting; the slot is counted for it when it is woken.
struct ValidationAuthority::Slots {
  struct Account {
    std::size_t running = 0;
    std::size_t cap = 0;  // as its latest request said; 0: no cap of its own
    std::deque<std::shared_ptr<asio::steady_timer>> waiting;
  };
  std::size_t max_in_flight;
  std::size_t default_cap;
  std::size_t running = 0;
  std::map<std::string, Account> accounts;
  std::deque<std::string> turns;
  bool closed = false;  // the authority is gone: checks ending now free nothing

  Slots(std::size_t total, std::size_t per_account)
      : max_in_flight(total), default_cap(per_account) {}

  bool may_run(const Account& a) const {
    return running < max_in_flight && (a.cap == 0 || a.running < a.cap);
  }

  // nullptr: the slot is taken; else the timer to wait on.
  std::shared_ptr<asio::steady_timer> take(const std::string& account,
                                           std::optional<std::size_t> cap,
                                           const asio::any_io_executor& ex) {
    Account& a = accounts[account];
    a.cap = cap.value_or(default_cap);
    if (a.waiting.empty() && may_run(a)) {
      ++running;
      ++a.running;
      return nullptr;
    }
    auto timer = std::make_shared<asio::steady_timer>(ex, asio::steady_timer::time_point::max());
    if (a.waiting.empty()) turns.push_back(account);
    a.waiting.push_back(timer);
    return timer;
  }

  void give_back(const std::string& account) {
    if (closed) return;
    --running;
    if (auto it = accounts.find(account); it != accounts.end()) {
      --it->second.running;
      if (it->second.running == 0 && it->second.waiting.empty()) accounts.erase(it);
    }
    // Free slots go to the waiting accounts in turn, skipping those at their own cap.
    for (std::size_t skipped = 0; skipped < turns.size() && running < max_in_flight;) {
      const std::string next = turns.front();
      turns.pop_front();
      Account& a = accounts[next];
      if (!may_run(a)) {
        turns.push_back(next);
        ++skipped;
        continue;
      }
      a.waiting.front()->expires_at(asio::steady_timer::time_point::min());
      a.waiting.pop_front();
      ++running;
      ++a.running;
      if (!a.waiting.empty()) turns.push_back(next);
      skipped = 0;
    }
  }
};

ValidationAuthority::~ValidationAuthority() {
  slots_->closed = true;
}

std::optional<Ticket> ValidationAuthority::admit() {
  std::size_t cur = pending_->load();
  do {
    if (cur >= config_.max_pending) {
      metrics_->rejected.inc();
      return std::nullopt;
    }
  } while (!pending_->compare_exchange_weak(cur, cur + 1));
  return Ticket(pending_);
}

void ValidationAuthority::start(Ticket ticket, ValidationJob job, ValidationSink& sink) {
  ++*started_;
  asio::co_spawn(executor_, run_job(std::move(ticket), std::move(job), sink), asio::detached);
}

asio::awaitable<void> ValidationAuthority::run_job(Ticket ticket, ValidationJob job,
                                                   ValidationSink& sink) {
  LateSink late = [&sink, job](core::PerspectiveResult r) { sink.late_answer(job, std::move(r)); };
  ValidationOutcome out;
  try {
    out = co_await run(job.request, std::move(late));
  } catch (const std::exception& e) {
    out.problem = core::internal_error(std::string("validation failed: ") + e.what());
  }
  sink.outcome(job, std::move(out));
  ticket.release();  // the queue place is free once the outcome is handed over
  --*started_;
}

asio::awaitable<ValidationOutcome> ValidationAuthority::validate(const ValidationRequest& req) {
  co_return co_await asio::co_spawn(executor_, run(req, nullptr), asio::use_awaitable);
}

asio::awaitable<bool> ValidationAuthority::drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (*started_ > 0) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    t.expires_after(std::chrono::milliseconds(20));
    co_await t.async_wait(asio::use_awaitable);
  }
  co_return true;
}

asio::awaitable<ValidationOutcome> ValidationAuthority::run(ValidationRequest req, LateSink late) {
  auto it = checkers_.find(req.type);
  // CAA alone runs no checker (a recheck, or a name validated outside ACME): any will do.
  if (it == checkers_.end() && req.caa_only) it = checkers_.begin();
  if (it == checkers_.end()) {
    ValidationOutcome out;
    out.problem =
        core::make_error(core::ProblemType::Malformed, std::string("challenge type ") +
                                                           std::string(to_string(req.type)) +
                                                           " is not offered by this server");
    co_return out;
  }
  if (config_.testing) {
    // The test mode: a wait first (without a slot: waiting checks hold none), then,
    // with always_valid, a pass that contacts nothing (no CAA either).
    if (!req.caa_only) {
      if (const auto delay = config_.testing->next_delay(); delay.count() > 0) {
        asio::steady_timer wait(executor_, delay);
        boost::system::error_code ec;
        co_await wait.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
    }
    if (config_.testing->always_valid()) {
      ValidationOutcome out;
      metrics_->decisions.with({method_of(req), "valid", ""}).inc();
      co_return out;
    }
  }
  // Wait for a slot; it passes on, or is freed, however the check ends.
  if (auto timer = slots_->take(req.account_uri, req.account_slots, executor_)) {
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  struct Slot {
    std::shared_ptr<Slots> slots;
    std::string account;
    ~Slot() { slots->give_back(account); }
  } slot{slots_, req.account_uri};
  ValidationOutcome out;
  if (remotes_.empty()) {
    out = co_await primary(req, *it->second);
  } else {
    out = co_await corroborated(req, *it->second, std::move(late));
  }
  metrics_->decisions
      .with({method_of(req), out.ok() ? "valid" : "invalid",
             out.ok() ? std::string_view() : core::problem_type_name(out.problem->type)})
      .inc();
  co_return out;
}

asio::awaitable<ValidationOutcome> ValidationAuthority::primary(const ValidationRequest& req,
                                                                Checker& checker) {
  using namespace asio::experimental::awaitable_operators;
  // One deadline for the whole validation. When it passes first, the check (or CAA) is
  // cancelled: every DNS lookup, connection and read in it ends at once.
  Deadline deadline(config_.timeout);
  asio::steady_timer timer(co_await asio::this_coro::executor, deadline.at());
  const auto began = std::chrono::steady_clock::now();
  ValidationOutcome out;
  const auto first = co_await (check_then_caa(req, checker, deadline, out) ||
                               timer.async_wait(asio::use_awaitable));
  if (first.index() == 1) out.problem = deadline.expired();
  metrics_->perspective(req, "primary", out.ok(), began);
  co_return out;
}

asio::awaitable<void> ValidationAuthority::check_then_caa(const ValidationRequest& req,
                                                          Checker& checker, Deadline& deadline,
                                                          ValidationOutcome& out) {
  if (!req.caa_only) {
    deadline.doing(core::ProblemType::Connection,
                   "checking the " + std::string(to_string(req.type)) + " challenge");
    out = co_await checker.check(req, deadline);
  }
  if (!out.ok()) co_return;
  // CAA after the challenge passed, as part of the same validation (RFC 8659 §3).
  deadline.doing(core::ProblemType::Dns,
                 "looking up CAA for " + req.identifier.base_name() + " and its parent domains");
  const CaaRequest caa_req{req.caa_identities, req.account_uri, req.type, req.wildcard,
                           req.out_of_band};
  auto caa = co_await check_caa(*resolver_, req.identifier, caa_req);
  metrics_->caa
      .with({caa ? "permitted"
                 : caa.error().type == core::ProblemType::Caa ? "refused" : "lookup_failed"})
      .inc();
  if (!caa) out.problem = std::move(caa).error();
}

namespace {
// What the remote tasks report into; lives on the VA executor, so it needs no lock.
struct Corroboration {
  Corroboration(const asio::any_io_executor& ex, std::size_t n)
      : wake(ex), results(n), not_awaited(n, false) {}
  asio::steady_timer wake;
  std::vector<std::optional<ValidationOutcome>> results;
  // Once decided: the remotes not waited for, and where their answers go.
  std::vector<bool> not_awaited;
};
}  // namespace

asio::awaitable<ValidationOutcome> ValidationAuthority::corroborated(const ValidationRequest& req,
                                                                     Checker& checker,
                                                                     LateSink late) {
  auto shared = std::make_shared<Corroboration>(executor_, remotes_.size());
  for (std::size_t i = 0; i < remotes_.size(); ++i) {
    // Each remote answers into `shared`, which outlives this call if it answers late.
    asio::co_spawn(
        executor_,
        [shared, remote = remotes_[i], req, i, late,
         metrics = metrics_]() -> asio::awaitable<void> {
          const auto began = std::chrono::steady_clock::now();
          ValidationOutcome o = co_await remote->validate(req);
          metrics->perspective(req, remote->name(), o.ok(), began);
          if (shared->not_awaited[i] && late) {
            using core::PerspectiveVerdict;
            late({remote->name(), o.ok() ? PerspectiveVerdict::Valid : PerspectiveVerdict::Invalid,
                  o.problem});
          }
          shared->results[i] = std::move(o);
          shared->wake.cancel();
        },
        asio::detached);
  }
  ValidationOutcome out = co_await primary(req, checker);
  const auto deadline = std::chrono::steady_clock::now() + config_.remote_timeout;
  const std::size_t allowed =
      config_.max_remote_failures.value_or(max_remote_failures(remotes_.size()));
  for (;;) {
    const bool timed_out = std::chrono::steady_clock::now() >= deadline;
    QuorumState q{true, out.ok(), remotes_.size(), 0, 0};
    for (const auto& r : shared->results) {
      if (r && r->ok()) {
        ++q.remote_ok;
      } else if (r || timed_out) {
        ++q.remote_failed;  // a remote still silent at the deadline counts as failed
      }
    }
    const Verdict verdict = decide(q, allowed);
    if (verdict != Verdict::Undecided) {
      using core::PerspectiveVerdict;
      out.perspectives.push_back(
          {"primary", out.ok() ? PerspectiveVerdict::Valid : PerspectiveVerdict::Invalid,
           out.problem});
      std::optional<core::Error> remote_problem;  // the first remote failure, to report
      for (std::size_t i = 0; i < remotes_.size(); ++i) {
        const auto& name = remotes_[i]->name();
        const auto& r = shared->results[i];
        core::PerspectiveResult result{name, PerspectiveVerdict::NotAwaited, std::nullopt};
        if (r) {
          for (auto rec : r->records) {
            rec.perspective = name;
            out.records.push_back(std::move(rec));
          }
          result.verdict = r->ok() ? PerspectiveVerdict::Valid : PerspectiveVerdict::Invalid;
          result.problem = r->problem;
        } else if (timed_out) {
          result.verdict = PerspectiveVerdict::TimedOut;
          result.problem = core::make_error(
              core::ProblemType::Connection,
              "no answer within " + std::to_string(config_.remote_timeout.count()) + " ms");
        } else {
          shared->not_awaited[i] = true;
        }
        if (!remote_problem && result.problem) {
          remote_problem = *result.problem;
          remote_problem->detail =
              "during corroboration from " + name + ": " + result.problem->detail;
        }
        out.perspectives.push_back(std::move(result));
      }
      if (verdict == Verdict::Fail && out.ok()) out.problem = std::move(remote_problem);
      co_return out;
    }
    shared->wake.expires_at(deadline);
    boost::system::error_code ec;
    co_await shared->wake.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace signet::validation
