#pragma once
// What the listener decides when it accepts a connection: whether the connection is
// admitted (the global cap, the per-address cap and the fair share of the last tenth).
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

}  // namespace signet::server::http
