#pragma once
// Accounts by id, so that authenticating a request costs no database read. The
// authority drops an entry whenever it changes the account (contact, key,
// deactivation). Bounded: when full it starts over. Thread-safe.
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
  void put(const core::Account& a) {
    std::lock_guard lock(mu_);
    if (accounts_.size() >= capacity_) accounts_.clear();
    accounts_.insert_or_assign(a.id.value, a);
  }
  void erase(const core::AccountId& id) {
    std::lock_guard lock(mu_);
    accounts_.erase(id.value);
  }

 private:
  mutable std::mutex mu_;
  std::size_t capacity_;
  std::unordered_map<std::string, core::Account> accounts_;
};

}  // namespace signet::authority
