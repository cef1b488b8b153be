#include "policy/rsa_modulus.hpp"

#include <array>
#include <cstddef>
#include <memory>

#include "core/openssl.hpp"

namespace signet::policy {
namespace {

using core::ossl::Bignum;
using BnCtx = std::unique_ptr<BN_CTX, core::ossl::Deleter<BN_CTX_free>>;

constexpr unsigned kSmallPrimeBound = 1000;
constexpr std::size_t kSmallPrimeCount = 168;  // primes below 1000

constexpr auto kSmallPrimes = [] {
  std::array<bool, kSmallPrimeBound> composite{};
  std::array<unsigned, kSmallPrimeCount> out{};
  std::size_t count = 0;
  for (unsigned i = 2; i < kSmallPrimeBound; ++i) {
    if (composite[i]) continue;
    out[count++] = i;
    for (unsigned j = i * i; j < kSmallPrimeBound; j += i) composite[j] = true;
  }
  return out;
}();
static_assert(kSmallPrimes.back() == 997);

// The odd primes up to 167 (the first 39 primes but 2) and, for each r, which residues
// modulo r are powers of 65537.
constexpr std::size_t kRocaPrimes = 38;
constexpr unsigned kLargestRocaPrime = 167;
struct Subgroup {
  unsigned prime = 0;
  std::array<bool, kLargestRocaPrime> member{};
};
constexpr auto kRocaSubgroups = [] {
  std::array<Subgroup, kRocaPrimes> out{};
  for (std::size_t i = 0; i < kRocaPrimes; ++i) {
    const unsigned r = kSmallPrimes[i + 1];
    out[i].prime = r;
    const unsigned g = 65537 % r;
    unsigned x = 1;
    do {
      out[i].member[x] = true;
      x = x * g % r;
    } while (x != 1);
  }
  return out;
}();
static_assert(kRocaSubgroups.back().prime == kLargestRocaPrime);

// Which residues modulo 64 are squares: a cheap filter before a square root.
constexpr auto kSquaresMod64 = [] {
  std::array<bool, 64> out{};
  for (unsigned i = 0; i < 64; ++i) out[i * i % 64] = true;
  return out;
}();

// r = floor(sqrt(x)), by Newton's method from a start above the root.
bool isqrt(BIGNUM* r, const BIGNUM* x, BN_CTX* ctx) {
  if (BN_is_zero(x)) {
    BN_zero(r);
    return true;
  }
  Bignum next(BN_new()), quotient(BN_new());
  if (!next || !quotient) return false;
  BN_zero(r);
  if (BN_set_bit(r, (BN_num_bits(x) + 1) / 2) != 1) return false;
  for (;;) {
    if (BN_div(quotient.get(), nullptr, x, r, ctx) != 1 ||
        BN_add(next.get(), r, quotient.get()) != 1 || BN_rshift1(next.get(), next.get()) != 1) {
      return false;
    }
    if (BN_cmp(next.get(), r) >= 0) return true;
    if (BN_copy(r, next.get()) == nullptr) return false;
  }
}

bool is_square(const BIGNUM* x, BN_CTX* ctx) {
  const BN_ULONG low = BN_mod_word(x, 64);
  if (low == static_cast<BN_ULONG>(-1) || !kSquaresMod64[low]) return false;
  Bignum root(BN_new()), square(BN_new());
  return root && square && isqrt(root.get(), x, ctx) &&
         BN_sqr(square.get(), root.get(), ctx) == 1 && BN_cmp(square.get(), x) == 0;
}

}  // namespace

std::optional<unsigned> small_prime_factor(const BIGNUM* n) {
  for (unsigned p : kSmallPrimes) {
    if (BN_mod_word(n, p) == 0 && !BN_is_word(n, p)) return p;
  }
  return std::nullopt;
}

bool has_roca_fingerprint(const BIGNUM* n) {
  for (const auto& s : kRocaSubgroups) {
    const BN_ULONG rem = BN_mod_word(n, s.prime);
    if (rem >= s.prime || !s.member[rem]) return false;
  }
  return true;
}

bool fermat_factorable(const BIGNUM* n, int rounds) {
  if (rounds <= 0 || BN_is_negative(n) || BN_is_zero(n)) return false;
  BnCtx ctx(BN_CTX_new());
  Bignum a(BN_new()), b2(BN_new());
  if (!ctx || !a || !b2 || !isqrt(a.get(), n, ctx.get())) return false;
  // a = ceil(sqrt(n)); b2 = a^2 - n, which is a square b^2 when n = (a - b)(a + b).
  if (BN_sqr(b2.get(), a.get(), ctx.get()) != 1) return false;
  if (BN_cmp(b2.get(), n) < 0) {
    if (BN_add_word(a.get(), 1) != 1 || BN_sqr(b2.get(), a.get(), ctx.get()) != 1) return false;
  }
  if (BN_sub(b2.get(), b2.get(), n) != 1) return false;
  for (int i = 0; i < rounds; ++i) {
    if (is_square(b2.get(), ctx.get())) return true;
    // (a + 1)^2 - n = b2 + 2a + 1.
    if (BN_add(b2.get(), b2.get(), a.get()) != 1 || BN_add(b2.get(), b2.get(), a.get()) != 1 ||
        BN_add_word(b2.get(), 1) != 1 || BN_add_word(a.get(), 1) != 1) {
      return false;
    }
  }
  return false;
}

}  // namespace signet::policy
