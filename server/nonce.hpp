#pragma once
// Anti-replay nonces (RFC 8555 §6.5): issued with every response, redeemed once.
//
// LocalNonces serve one node: a nonce is base64url(this process's 8 random bytes || a
// 64-bit sequence number); the newest `capacity` sequence numbers are one bit each (set
// while outstanding), so memory stays the same however many nonces are issued, and an
// older nonce is forgotten. Redeeming costs no I/O.
//
// SharedNonces serve several nodes on one database: a nonce is base64url(8 random
// bytes || issue time in ms || HMAC-SHA256 of both under a key every node reads from
// the database, first 16 bytes). Any node checks the MAC and the age itself, so forged,
// foreign and expired nonces cost nothing; a genuine one is redeemed by inserting it
// into the database's record of redeemed nonces, which refuses it on replay at every
// node. Each redemption is one database write.
//
// Both are thread-safe.
#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/result.hpp"
#include "storage/store.hpp"

namespace signet::server {

class Nonces {
 public:
  virtual ~Nonces() = default;
  virtual std::string issue() = 0;
  // True once for each nonce issued (by this node, or by any node for SharedNonces)
  // and still remembered; an error when the record of redeemed nonces is unreachable.
  virtual boost::asio::awaitable<core::Result<bool>> redeem(std::string_view nonce) = 0;
};

class LocalNonces final : public Nonces {
 public:
  explicit LocalNonces(std::size_t capacity = 1u << 20);
  std::string issue() override;
  boost::asio::awaitable<core::Result<bool>> redeem(std::string_view nonce) override;
  // What redeem() decides, without suspending.
  bool redeem_now(std::string_view nonce);

 private:
  std::size_t capacity_;
  std::string prefix_;  // 8 random bytes: nonces of another run or node never match
  std::mutex mu_;
  std::uint64_t next_ = 0;
  std::vector<std::uint64_t> outstanding_;  // a ring of capacity_ bits
};

class SharedNonces final : public Nonces {
 public:
  // key: the database's nonce key (Store::nonce_key); a nonce is accepted for
  // `lifetime` after it was issued.
  static core::Result<std::unique_ptr<SharedNonces>> create(storage::Store& store,
                                                            const core::Clock& clock,
                                                            const std::string& key,
                                                            core::Seconds lifetime);
  ~SharedNonces() override;
  std::string issue() override;
  boost::asio::awaitable<core::Result<bool>> redeem(std::string_view nonce) override;

 private:
  struct Mac;
  SharedNonces(storage::Store& store, const core::Clock& clock, std::unique_ptr<Mac> mac,
               core::Seconds lifetime);
  // The MAC of a nonce's first 16 bytes, as its last 16.
  std::string mac(std::string_view body) const;

  storage::Store& store_;
  const core::Clock& clock_;
  std::unique_ptr<Mac> mac_;
  core::Seconds lifetime_;
};

}  // namespace signet::server
