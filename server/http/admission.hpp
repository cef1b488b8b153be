#pragma once
// What the listener decides when it accepts a connection: whether the connection is
// admitted (the global cap, the per-address cap and the fair share of the last tenth),
// and how long to wait before accepting again when the process is out of descriptors
// or memory.
//
// The rule, for a connection from an address that holds `held` of the `total` open
// connections, `addresses` distinct addresses holding at least one:
//
//   total >= max_connections                                  refused (cap)
//   max_per_address == 0                                      admitted (no per-address rule)
//   held >= max_per_address                                   refused (address cap)
//   total >= max_connections - max_connections / 10
//     and held > 0 and held >= total / addresses              refused (fair share)
//   otherwise                                                 admitted
//
// So once the listener is 90% full, only an address holding fewer connections than the
// average address is let in: one address alone can never take the last tenth, and a new
// address is admitted for as long as there is room at all.
#include <boost/asio/ip/address.hpp>
#include <boost/system/error_code.hpp>

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string_view>
#include <unordered_map>

namespace signet::server::http {

enum class Admission { Admitted, OverCap, OverAddressCap, OverFairShare };

struct AdmissionLimits {
  std::size_t max_connections = 1024;
  std::size_t max_per_address = 64;  // 0: no per-address rule, fair share included
};

// The rule above. Pure.
Admission decide(const AdmissionLimits& limits, std::size_t total, std::size_t held,
                 std::size_t addresses);

// Why a connection was refused, for the log.
std::string_view describe(Admission a);

// The open connections, counted per source address. Thread-safe: admit and release may
// be called from any thread.
class ConnectionTable {
 public:
  explicit ConnectionTable(AdmissionLimits limits) : limits_(limits) {}

  // Decides on a connection from addr and, when it is admitted, counts it: each
  // Admitted must be matched by one release(addr).
  Admission admit(const boost::asio::ip::address& addr);
  void release(const boost::asio::ip::address& addr);

  std::size_t total() const;
  std::size_t held_by(const boost::asio::ip::address& addr) const;
  std::size_t addresses() const;

 private:
  const AdmissionLimits limits_;
  mutable std::mutex mutex_;
  std::size_t total_ = 0;
  // Only addresses holding at least one connection; empty when max_per_address is 0.
  std::unordered_map<boost::asio::ip::address, std::size_t> held_;
};

// accept() failed for want of descriptors or memory (EMFILE, ENFILE, ENOBUFS, ENOMEM):
// retrying at once cannot succeed and would spin.
bool is_resource_exhaustion(const boost::system::error_code& ec);

// The waits between accepts while resources are exhausted: 50 ms, doubling, at most 1 s;
// back to 50 ms after reset(). Not thread-safe (one accept loop owns it).
class AcceptBackoff {
 public:
  static constexpr std::chrono::milliseconds kFirst{50};
  static constexpr std::chrono::milliseconds kMax{1000};

  // True from the first next() until reset(): an episode, logged once.
  bool active() const { return next_.count() > 0; }
  // The wait before the next accept.
  std::chrono::milliseconds next();
  // accept succeeded: the episode, if any, is over. True if there was one.
  bool reset();

 private:
  std::chrono::milliseconds next_{0};
};

}  // namespace signet::server::http
