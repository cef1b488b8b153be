#pragma once
// Anti-replay nonces (RFC 8555 §6.5): issued with every response, redeemed once.
// A nonce is base64url(this process's 8 random bytes || a 64-bit sequence number);
// the newest `capacity` sequence numbers are one bit each (set while outstanding), so
// memory stays the same however many nonces are issued, and an older nonce is
// forgotten. Thread-safe.
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace signet::server {

class NonceService {
 public:
  explicit NonceService(std::size_t capacity = 1u << 20);
  std::string issue();
  // True once for each nonce this service issued and still remembers.
  bool redeem(std::string_view nonce);

 private:
  std::size_t capacity_;
  std::string prefix_;  // 8 random bytes: nonces of another run or node never match
  std::mutex mu_;
  std::uint64_t next_ = 0;
  std::vector<std::uint64_t> outstanding_;  // a ring of capacity_ bits
};

}  // namespace signet::server
