#pragma once
// Accounts by id, so that authenticating a request costs no database read. The
// authority drops an entry whenever it changes the account (contact, key,
// deactivation). A record read before such a change is not cached after it: put()
// takes the generation seen before the read and refuses it if anything was dropped
// since. Bounded: when full it starts over. Thread-safe.
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>

#include "core/records.hpp"

namespace signet::authority {

class AccountCache {
 public:
  explicit AccountCache(std::size_t capacity = 100'000) : capacity_(capacity) {}

  std::optional<core::Account> get(const core::AccountId& id) const {
    std::lock_guard lock(mu_);
    auto it = accounts_.find(id.value);
    if (it == accounts_.end()) return std::nullopt;
    return it->second;
  }
  // Call before reading an account from storage; pass the value to put().
  std::uint64_t generation() const {
    std::lock_guard lock(mu_);
    return generation_;
  }
  void put(const core::Account& a, std::uint64_t read_at) {
    std::lock_guard lock(mu_);
    if (read_at != generation_) return;  // changed while it was read: maybe stale
    if (accounts_.size() >= capacity_) accounts_.clear();
    accounts_.insert_or_assign(a.id.value, a);
  }
  void erase(const core::AccountId& id) {
    std::lock_guard lock(mu_);
    accounts_.erase(id.value);
    ++generation_;
  }

 private:
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::uint64_t generation_ = 0;
  std::unordered_map<std::string, core::Account> accounts_;
};

}  // namespace signet::authority
