#pragma once
// The validation authority: runs challenge checks and CAA on its own executor with a
// bounded queue and a cap on checks in flight, here and at every remote perspective.
// It reports outcomes; it never writes storage.
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <deque>
#include <map>
#include <memory>
#include <optional>

#include "validation/caa.hpp"
#include "validation/checker.hpp"
#include "validation/perspective.hpp"
#include "validation/resolver.hpp"

namespace signet::validation {

struct ValidationConfig {
  // Remote perspectives: how many may disagree (default: BR 3.2.2.9, see quorum.hpp),
  // and how long to wait for them after the primary finished.
  std::optional<std::size_t> max_remote_failures;
  std::chrono::milliseconds remote_timeout{15000};
  std::size_t max_in_flight = 64;  // checks running at once
  std::size_t max_pending = 4096;  // admitted (queued + running) before overload is reported
};

class ValidationAuthority;

// A place in the queue; releasing it (destruction) lets another validation in.
class Ticket {
 public:
  Ticket() = default;
  explicit Ticket(std::shared_ptr<std::atomic<std::size_t>> pending)
      : pending_(std::move(pending)) {}
  Ticket(Ticket&&) = default;
  Ticket& operator=(Ticket&&) = default;
  ~Ticket() {
    if (pending_) --*pending_;
  }

 private:
  std::shared_ptr<std::atomic<std::size_t>> pending_;
};

class ValidationAuthority {
 public:
  // executor: where every check runs (a strand or a single-threaded context: the
  // in-flight accounting relies on it being serial).
  ValidationAuthority(boost::asio::any_io_executor executor, ValidationConfig config,
                      std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers,
                      std::shared_ptr<Resolver> resolver,
                      std::vector<std::shared_ptr<RemotePerspective>> remotes = {});

  boost::asio::any_io_executor executor() const { return executor_; }

  // Reserves a place in the queue; nullopt when it is full (the caller answers with a
  // clear overload error and stores nothing). Thread-safe.
  std::optional<Ticket> admit();

  // Runs the check for req once a slot is free, then CAA for the identifier (CAA only
  // for req.caa_only), here and at every remote perspective at once; the outcome
  // follows the quorum rule. Must be awaited on executor(), by a caller that holds the
  // request's Ticket until this returns.
  boost::asio::awaitable<ValidationOutcome> validate(const ValidationRequest& req);

 private:
  boost::asio::awaitable<ValidationOutcome> primary(const ValidationRequest& req, Checker& checker);
  boost::asio::awaitable<ValidationOutcome> corroborated(const ValidationRequest& req,
                                                         Checker& checker);

  boost::asio::any_io_executor executor_;
  ValidationConfig config_;
  std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers_;
  std::shared_ptr<Resolver> resolver_;
  std::vector<std::shared_ptr<RemotePerspective>> remotes_;
  std::shared_ptr<std::atomic<std::size_t>> pending_;
  std::size_t running_ = 0;
  std::deque<std::shared_ptr<boost::asio::steady_timer>> waiting_;
};

}  // namespace signet::validation
