#include "server/nonce.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "core/base64url.hpp"

namespace signet::server {

namespace {

constexpr std::size_t kBody = 16;     // random bytes, then issue time
constexpr std::size_t kMacSize = 16;  // truncated HMAC-SHA256
// Nodes' clocks may differ a little: a nonce "issued" this far ahead is still taken.
constexpr std::chrono::seconds kClockSkew{5};

void put_u64(std::string& out, std::uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

// --- one node ---------------------------------------------------------------------------------

LocalNonces::LocalNonces(std::size_t capacity)
    : capacity_(capacity == 0 ? 1 : capacity),
      prefix_(8, '\0'),
      outstanding_((capacity_ + 63) / 64, 0) {
  RAND_bytes(reinterpret_cast<unsigned char*>(prefix_.data()), 8);
}

std::string LocalNonces::issue() {
  std::uint64_t seq = 0;
  {
    std::lock_guard lock(mu_);
    seq = next_++;
    // The slot held the nonce capacity_ sequence numbers ago, now forgotten.
    const std::size_t slot = seq % capacity_;
    outstanding_[slot / 64] |= std::uint64_t{1} << (slot % 64);
  }
  std::string raw = prefix_;
  put_u64(raw, seq);
  return core::base64url_encode(raw);
}

bool LocalNonces::redeem_now(std::string_view nonce) {
  const auto raw = core::base64url_decode(nonce);
  if (!raw || raw->size() != 16 || raw->compare(0, 8, prefix_) != 0) return false;
  const std::uint64_t seq = get_u64(std::string_view(*raw).substr(8));
  std::lock_guard lock(mu_);
  if (seq >= next_ || next_ - seq > capacity_) return false;  // not issued, or forgotten
  const std::size_t slot = seq % capacity_;
  const std::uint64_t bit = std::uint64_t{1} << (slot % 64);
  if ((outstanding_[slot / 64] & bit) == 0) return false;  // redeemed already
  outstanding_[slot / 64] &= ~bit;
  return true;
}

boost::asio::awaitable<core::Result<bool>> LocalNonces::redeem(std::string_view nonce) {
  co_return redeem_now(nonce);
}

// --- every node on one database ----------------------------------------------------------------

// An HMAC context keyed once; each MAC works on a copy of it, so any thread may use it.
struct SharedNonces::Mac {
  EVP_MAC* mac = nullptr;
  EVP_MAC_CTX* keyed = nullptr;
  ~Mac() {
    EVP_MAC_CTX_free(keyed);
    EVP_MAC_free(mac);
  }
};

core::Result<std::unique_ptr<SharedNonces>> SharedNonces::create(storage::Store& store,
                                                                 const core::Clock& clock,
                                                                 const std::string& key,
                                                                 core::Seconds lifetime) {
  if (key.size() < 32) return core::internal_error("the nonce key is shorter than 32 bytes");
  auto m = std::make_unique<Mac>();
  m->mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  if (m->mac != nullptr) m->keyed = EVP_MAC_CTX_new(m->mac);
  if (m->keyed == nullptr) return core::internal_error("HMAC is not available");
  char digest[] = "SHA256";
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0), OSSL_PARAM_END};
  if (EVP_MAC_init(m->keyed, reinterpret_cast<const unsigned char*>(key.data()), key.size(),
                   params) != 1) {
    return core::internal_error("cannot key HMAC-SHA256 for nonces");
  }
  return std::unique_ptr<SharedNonces>(new SharedNonces(store, clock, std::move(m), lifetime));
}

SharedNonces::SharedNonces(storage::Store& store, const core::Clock& clock,
                           std::unique_ptr<Mac> mac, core::Seconds lifetime)
    : store_(store), clock_(clock), mac_(std::move(mac)), lifetime_(lifetime) {}

SharedNonces::~SharedNonces() = default;

std::string SharedNonces::mac(std::string_view body) const {
  unsigned char out[EVP_MAX_MD_SIZE];
  std::size_t n = 0;
  EVP_MAC_CTX* ctx = EVP_MAC_CTX_dup(mac_->keyed);
  const bool ok = ctx != nullptr &&
                  EVP_MAC_update(ctx, reinterpret_cast<const unsigned char*>(body.data()),
                                 body.size()) == 1 &&
                  EVP_MAC_final(ctx, out, &n, sizeof out) == 1 && n >= kMacSize;
  EVP_MAC_CTX_free(ctx);
  if (!ok) return {};  // refused by redeem(), and so is every nonce issued meanwhile
  return std::string(reinterpret_cast<const char*>(out), kMacSize);
}

std::string SharedNonces::issue() {
  std::string raw(8, '\0');
  RAND_bytes(reinterpret_cast<unsigned char*>(raw.data()), 8);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      clock_.now().time_since_epoch());
  put_u64(raw, static_cast<std::uint64_t>(ms.count()));
  raw += mac(raw);
  return core::base64url_encode(raw);
}

boost::asio::awaitable<core::Result<bool>> SharedNonces::redeem(std::string_view nonce) {
  const auto raw = core::base64url_decode(nonce);
  if (!raw || raw->size() != kBody + kMacSize) co_return false;
  const std::string_view body = std::string_view(*raw).substr(0, kBody);
  const std::string expected = mac(body);
  if (expected.size() != kMacSize ||
      CRYPTO_memcmp(expected.data(), raw->data() + kBody, kMacSize) != 0) {
    co_return false;
  }
  const core::TimePoint issued{std::chrono::milliseconds(get_u64(body.substr(8)))};
  const core::TimePoint now = clock_.now();
  if (issued > now + kClockSkew || now - issued > lifetime_) co_return false;
  co_return co_await store_.redeem_nonce(std::string(nonce), issued + lifetime_);
}

}  // namespace signet::server
