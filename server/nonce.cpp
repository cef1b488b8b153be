#include "server/nonce.hpp"

#include <openssl/rand.h>

#include "core/base64url.hpp"

namespace signet::server {

std::string NonceService::issue() {
  unsigned char buf[16];
  RAND_bytes(buf, sizeof buf);
  std::string n =
      core::base64url_encode(std::string_view(reinterpret_cast<char*>(buf), sizeof buf));
  std::lock_guard lock(mu_);
  live_.insert(n);
  order_.push_back(n);
  while (order_.size() > capacity_) {
    live_.erase(order_.front());
    order_.pop_front();
  }
  return n;
}

bool NonceService::redeem(std::string_view nonce) {
  std::lock_guard lock(mu_);
  // order_ keeps the redeemed entry until it ages out; live_ decides.
  return live_.erase(std::string(nonce)) == 1;
}

}  // namespace signet::server
