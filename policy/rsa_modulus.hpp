#pragma once
// Tests of an RSA modulus that expose a weak key from its public half alone.
// Pure functions; thread-safe.
#include <openssl/bn.h>

#include <optional>

namespace signet::policy {

// The smallest prime below 1000 that divides n, if any.
std::optional<unsigned> small_prime_factor(const BIGNUM* n);

// True when n has the structure of the moduli Infineon's RSA library generated (ROCA,
// CVE-2017-15361): each prime is k*M + (65537^a mod M) for a primorial M, so n mod r lies
// in the subgroup 65537 generates modulo each small prime r dividing M. Tested on the
// odd primes up to 167, which divide M for every key size.
bool has_roca_fingerprint(const BIGNUM* n);

// True when Fermat's method, started at ceil(sqrt(n)), factors n within `rounds` steps:
// its two primes are close together. A perfect square counts as factored.
bool fermat_factorable(const BIGNUM* n, int rounds);

}  // namespace signet::policy
