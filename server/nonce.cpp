#include "server/nonce.hpp"

#include <openssl/rand.h>

#include "core/base64url.hpp"

namespace signet::server {

NonceService::NonceService(std::size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity),
      prefix_(8, '\0'),
      outstanding_((capacity_ + 63) / 64, 0) {
  RAND_bytes(reinterpret_cast<unsigned char*>(prefix_.data()), 8);
}

std::string NonceService::issue() {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = next_++;
    // The slot held the nonce capacity_ sequence numbers ago, now forgotten.
    const std::size_t slot = seq % capacity_;
    outstanding_[slot / 64] |= std::uint64_t{1} << (slot % 64);
  }
  std::string raw = prefix_;
  for (int shift = 56; shift >= 0; shift -= 8) raw.push_back(static_cast<char>(seq >> shift));
  return core::base64url_encode(raw);
}

bool NonceService::redeem(std::string_view nonce) {
  const auto raw = core::base64url_decode(nonce);
  if (!raw || raw->size() != 16 || raw->compare(0, 8, prefix_) != 0) return false;
  std::uint64_t seq = 0;
  for (std::size_t i = 8; i < 16; ++i) seq = (seq << 8) | static_cast<unsigned char>((*raw)[i]);
  std::lock_guard lock(mu_);
  if (seq >= next_ || next_ - seq > capacity_) return false;  // not issued, or forgotten
  const std::size_t slot = seq % capacity_;
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if ((outstanding_[slot / 64] & bit) == 0) return false;  // redeemed already
  outstanding_[slot / 64] &= ~bit;
  return true;
}

}  // namespace signet::server
