#pragma once
// Anti-replay nonces (RFC 8555 §6.5): issued with every response, redeemed once.
// Thread-safe. Bounded: the oldest outstanding nonces are forgotten first.
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_set>

namespace signet::server {

class NonceService {
 public:
  explicit NonceService(std::size_t capacity = 100000) : capacity_(capacity) {}
  std::string issue();
  // True once for each nonce this service issued and still remembers.
  bool redeem(std::string_view nonce);

 private:
  std::size_t capacity_;
  std::mutex mu_;
  std::unordered_set<std::string> live_;
  std::deque<std::string> order_;
};

}  // namespace signet::server
