#pragma once
// Housekeeping: the database does not grow without bound. Orders and authorizations
// that expired long ago without producing a certificate are deleted in small batches
// (each its own short transaction, so requests are never held up for long), every
// `interval`. Certificates, the orders that produced them and accounts stay. Nonces
// redeemed through the database (shared nonces) are forgotten once expired.
#include <boost/asio/awaitable.hpp>

#include <atomic>

#include "core/clock.hpp"
#include "storage/store.hpp"

namespace signet::authority {

struct HousekeepingConfig {
  core::Seconds purge_after = std::chrono::hours(24 * 30);  // 0: never
  std::chrono::milliseconds interval = std::chrono::hours(1);
  std::size_t batch = 500;
  std::size_t max_batches = 200;  // per round; the rest waits for the next one
};

class Housekeeping {
 public:
  Housekeeping(storage::Store& store, const core::Clock& clock, HousekeepingConfig config)
      : store_(store), clock_(clock), config_(config) {}

  // One round: batches until one comes back short. What it deleted.
  boost::asio::awaitable<core::Result<storage::PurgeCounts>> purge();
  // Until stopped: purge() at once, then every interval.
  boost::asio::awaitable<void> run();
  void stop() { stopping_ = true; }

 private:
  boost::asio::awaitable<void> purge_and_log();

  storage::Store& store_;
  const core::Clock& clock_;
  HousekeepingConfig config_;
  std::atomic<bool> stopping_{false};
};

}  // namespace signet::authority
