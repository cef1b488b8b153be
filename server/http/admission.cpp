#include "server/http/admission.hpp"

#include <algorithm>
#include <cerrno>

namespace signet::server::http {

Admission decide(const AdmissionLimits& limits, std::size_t total, std::size_t held,
                 std::size_t addresses) {
  if (total >= limits.max_connections) return Admission::OverCap;
  if (limits.max_per_address == 0) return Admission::Admitted;
  if (held >= limits.max_per_address) return Admission::OverAddressCap;
  // The last tenth is kept for addresses below the average; held >= total / addresses,
  // without the division.
  const std::size_t reserve_from = limits.max_connections - limits.max_connections / 10;
  if (total >= reserve_from && held > 0 && held * addresses >= total) {
    return Admission::OverFairShare;
  }
  return Admission::Admitted;
}

std::string_view describe(Admission a) {
  switch (a) {
    case Admission::Admitted:
      return "admitted";
    case Admission::OverCap:
      return "max_connections reached";
    case Admission::OverAddressCap:
      return "max_connections_per_address reached";
    case Admission::OverFairShare:
      return "over 90% of max_connections and the address holds more than the average";
  }
  return "refused";
}

Admission ConnectionTable::admit(const boost::asio::ip::address& addr) {
  std::lock_guard lock(mutex_);
  if (limits_.max_per_address == 0) {
    const Admission a = decide(limits_, total_, 0, 0);
    if (a == Admission::Admitted) ++total_;
    return a;
  }
  const auto it = held_.find(addr);
  const std::size_t held = it == held_.end() ? 0 : it->second;
  const Admission a = decide(limits_, total_, held, held_.size());
  if (a != Admission::Admitted) return a;
  ++total_;
  if (it == held_.end()) {
    held_.emplace(addr, 1);
  } else {
    ++it->second;
  }
  return a;
}

void ConnectionTable::release(const boost::asio::ip::address& addr) {
  std::lock_guard lock(mutex_);
  if (total_ > 0) --total_;
  if (limits_.max_per_address == 0) return;
  const auto it = held_.find(addr);
  if (it == held_.end()) return;
  if (--it->second == 0) held_.erase(it);  // the map holds only addresses with connections
}

std::size_t ConnectionTable::total() const {
  std::lock_guard lock(mutex_);
  return total_;
}

std::size_t ConnectionTable::held_by(const boost::asio::ip::address& addr) const {
  std::lock_guard lock(mutex_);
  const auto it = held_.find(addr);
  return it == held_.end() ? 0 : it->second;
}

std::size_t ConnectionTable::addresses() const {
  std::lock_guard lock(mutex_);
  return held_.size();
}

bool is_resource_exhaustion(const boost::system::error_code& ec) {
  if (ec.category() != boost::system::system_category()) return false;
  switch (ec.value()) {
    case EMFILE:
    case ENFILE:
    case ENOBUFS:
    case ENOMEM:
      return true;
    default:
      return false;
  }
}

std::chrono::milliseconds AcceptBackoff::next() {
  next_ = active() ? std::min(next_ * 2, kMax) : kFirst;
  return next_;
}

bool AcceptBackoff::reset() {
  const bool was = active();
  next_ = std::chrono::milliseconds(0);
  return was;
}

}  // namespace signet::server::http
