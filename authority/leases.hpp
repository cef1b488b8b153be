#pragma once
// Leases on work in flight, so that several nodes share one database (storage::Lease).
// Every interval, this process moves the leases of its validations and issuances on,
// then takes over the work of nodes that stopped: their validations and issuances with
// no certificate recorded end invalid (serverInternal: the client retries), and their
// recorded certificates are signed again and stored. At start, it first takes over
// what earlier runs of this node left, whatever their leases say, so a single node
// restarting leaves nothing processing; work another live node holds is left alone.
#include <boost/asio/awaitable.hpp>

#include <atomic>
#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::authority {

class Authority;

struct LeaseConfig {
  std::string node;  // this node's name; the authority's run is "<node>/<run>"
  // How often leases move on and lapsed work is taken over; well under the lease.
  std::chrono::milliseconds interval = std::chrono::seconds(15);
};

class WorkLeases {
 public:
  WorkLeases(Authority& authority, storage::Store& store, const core::Clock& clock,
             LeaseConfig config)
      : authority_(authority), store_(store), clock_(clock), config_(std::move(config)) {}

  // At start: takes over the work of earlier runs of this node and of stopped nodes.
  // How many pieces of work ended or were resumed.
  boost::asio::awaitable<core::Result<int>> take_over_at_start();
  // One round: renews this run's leases, then takes over lapsed ones.
  boost::asio::awaitable<core::Result<int>> round();
  // Until stopped: round(), every interval (the first after one interval).
  boost::asio::awaitable<void> run();
  void stop() { stopping_ = true; }

 private:
  boost::asio::awaitable<core::Result<int>> take_over(const storage::Takeover& t);
  boost::asio::awaitable<void> round_and_log();

  Authority& authority_;
  storage::Store& store_;
  const core::Clock& clock_;
  LeaseConfig config_;
  std::atomic<bool> stopping_{false};
};

}  // namespace signet::authority
