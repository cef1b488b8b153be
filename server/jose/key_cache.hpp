#pragma once
// Account keys parsed once: requests signed with "kid" look the stored JWK up here
// instead of parsing it again. An account's key changes only by keyChange, which
// stores a new JWK (a new entry here); the old entry is never matched again.
// Bounded: when full it starts over. Thread-safe.
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "server/jose/jwk.hpp"

namespace signet::server::jose {

class KeyCache {
 public:
  explicit KeyCache(std::size_t capacity = 100'000) : capacity_(capacity) {}

  core::Result<std::shared_ptr<const Jwk>> get(const std::string& jwk_json) {
    {
      std::lock_guard lock(mu_);
      if (auto it = keys_.find(jwk_json); it != keys_.end()) return it->second;
    }
    auto parsed = parse_jwk_json(jwk_json);
    if (!parsed) return std::move(parsed).error();
    auto key = std::make_shared<const Jwk>(std::move(parsed).value());
    std::lock_guard lock(mu_);
    if (keys_.size() >= capacity_) keys_.clear();
    keys_.emplace(jwk_json, key);
    return key;
  }

 private:
  std::mutex mu_;
  std::size_t capacity_;
  std::unordered_map<std::string, std::shared_ptr<const Jwk>> keys_;
};

}  // namespace signet::server::jose
