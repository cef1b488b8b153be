#pragma once
// Accounts by id, so that authenticating a request costs no database read. The
// authority drops an entry whenever it changes the account (contact, key,
// deactivation). A record read before such a change is not cached after it: put()
// takes the generation seen before the read and refuses it if anything was dropped
// since. A change made by another process on the same database (`signet account
// deactivate`, another node) is seen once the entry ages out: entries are served for
// max_age after they were read. Bounded: when full it starts over. Thread-safe.
#include <chrono>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/clock.hpp"
#include "core/records.hpp"

namespace signet::authority {

class AccountCache {
 public:
  explicit AccountCache(std::size_t capacity = 100'000,
                        core::Seconds max_age = std::chrono::seconds(30))
      : capacity_(capacity), max_age_(max_age) {}

  std::optional<core::Account> get(const core::AccountId& id, core::TimePoint now) const {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id.value);
    if (it == accounts_.end() || now - it->second.read_at >= max_age_ || now < it->second.read_at)
      return std::nullopt;
    return it->second.account;
  }
  // Call before reading an account from storage; pass the value to put().
  std::uint64_t generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }
  // `now`: when the record was read.
  void put(const core::Account& a, std::uint64_t read_at_generation, core::TimePoint now) {
    std::lock_guard lock(mu_);
    if (read_at_generation != generation_) return;  // changed while it was read: maybe stale
    if (accounts_.size() >= capacity_) accounts_.clear();
    accounts_.insert_or_assign(a.id.value, Entry{a, now});
  }
  void erase(const core::AccountId& id) {
    std::lock_guard lock(mu_);
    accounts_.erase(id.value);
    ++generation_;
  }

 private:
  struct Entry {
    core::Account account;
    core::TimePoint read_at;
  };
  mutable std::mutex mu_;
  std::size_t capacity_;
  core::Seconds max_age_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, Entry> accounts_;
};

}  // namespace signet::authority
