#include "policy/key_policy.hpp"

#include <gtest/gtest.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/openssl.hpp"
#include "policy/rsa_modulus.hpp"
#include "tests/support/crypto.hpp"

namespace signet::policy {
namespace {

using core::ossl::Bignum;
using testing::make_key;
using BnCtx = std::unique_ptr<BN_CTX, core::ossl::Deleter<BN_CTX_free>>;

const KeyPolicy kDefault{KeyPolicyConfig{}};

std::string detail(const core::Status& st) {
  return st ? std::string() : st.error().detail;
}

Bignum bn(unsigned long w) {
  Bignum b(BN_new());
  BN_set_word(b.get(), w);
  return b;
}

// 2^bits + 1: an odd number of bits + 1 bits, for checks that only look at the size.
Bignum power_of_two_plus_one(int bits) {
  Bignum b(BN_new());
  BN_set_bit(b.get(), bits);
  BN_add_word(b.get(), 1);
  return b;
}

// An RSA public key with any modulus and exponent (nothing checks them on import).
core::ossl::Pkey rsa_public(const BIGNUM* n, const BIGNUM* e) {
  std::unique_ptr<OSSL_PARAM_BLD, core::ossl::Deleter<OSSL_PARAM_BLD_free>> bld(
      OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, n);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, e);
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(bld.get());
  core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr));
  EVP_PKEY* key = nullptr;
  EVP_PKEY_fromdata_init(ctx.get());
  EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params);
  OSSL_PARAM_free(params);
  return core::ossl::Pkey(key);
}

core::ossl::Pkey rsa_public(const BIGNUM* n) {
  return rsa_public(n, bn(65537).get());
}

Bignum modulus(EVP_PKEY* key) {
  BIGNUM* n = nullptr;
  EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n);
  return Bignum(n);
}

Bignum product(const BIGNUM* a, const BIGNUM* b) {
  BnCtx ctx(BN_CTX_new());
  Bignum r(BN_new());
  BN_mul(r.get(), a, b, ctx.get());
  return r;
}

// The first prime of start, start + step, start + 2*step, ...
Bignum first_prime(const BIGNUM* start, const BIGNUM* step) {
  BnCtx ctx(BN_CTX_new());
  Bignum p(BN_dup(start));
  while (BN_check_prime(p.get(), ctx.get(), nullptr) != 1) BN_add(p.get(), p.get(), step);
  return p;
}

// The smallest prime above n.
Bignum next_prime(const BIGNUM* n) {
  Bignum start(BN_dup(n));
  BN_add_word(start.get(), BN_is_odd(start.get()) ? 2 : 1);
  return first_prime(start.get(), bn(2).get());
}

// A 2048-bit modulus built the way Infineon's library built them: each prime is
// k*M + (65537^a mod M), M the product of the first 126 primes (the primorial for
// 2048-bit keys). Fixed a and a fixed start for k keep it deterministic.
Bignum roca_modulus() {
  BnCtx ctx(BN_CTX_new());
  Bignum m = bn(1);
  int count = 0;
  for (unsigned c = 2; count < 126; ++c) {
    bool prime = true;
    for (unsigned d = 2; d * d <= c; ++d) prime = prime && c % d != 0;
    if (!prime) continue;
    BN_mul_word(m.get(), c);
    ++count;
  }
  // k starts where k*M is 3/4 of 2^1024, so that p*q has 2048 bits.
  Bignum target(BN_new()), k(BN_new());
  BN_set_bit(target.get(), 1022);
  BN_mul_word(target.get(), 3);
  BN_div(k.get(), nullptr, target.get(), m.get(), ctx.get());
  auto prime_from = [&](unsigned long a) {
    Bignum g(BN_new()), start(BN_new());
    BN_mod_exp(g.get(), bn(65537).get(), bn(a).get(), m.get(), ctx.get());
    BN_mul(start.get(), k.get(), m.get(), ctx.get());
    BN_add(start.get(), start.get(), g.get());
    return first_prime(start.get(), m.get());
  };
  Bignum p = prime_from(4099), q = prime_from(8191);
  return product(p.get(), q.get());
}

TEST(KeyPolicy, NamesRoundTrip) {
  for (KeyType t : {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::Rsa4096, KeyType::P256,
                    KeyType::P384, KeyType::P521, KeyType::Ed25519}) {
    EXPECT_EQ(key_type_from_name(key_type_name(t)), t);
  }
  EXPECT_EQ(key_type_name(KeyType::P256), "p256");
  EXPECT_FALSE(key_type_from_name("rsa1024"));
  EXPECT_FALSE(key_type_from_name("P256"));
}

TEST(KeyPolicy, DefaultListsForAccountsAndCertificates) {
  for (const char* k : {"rsa2048", "p256", "p384", "p521", "ed25519"}) {
    auto key = make_key(k);
    EXPECT_TRUE(kDefault.check(key.get(), KeyUse::Account)) << k;
    const bool for_certificates = std::string_view(k) != "p521" && std::string_view(k) != "ed25519";
    auto st = kDefault.check(key.get(), KeyUse::Certificate);
    EXPECT_EQ(bool(st), for_certificates) << k << ": " << detail(st);
    if (!st) {
      EXPECT_EQ(st.error().type, core::ProblemType::BadCsr);
    }
  }
  // Sizes alone: moduli that need not be real keys.
  for (int bits : {3072, 4096}) {
    auto key = rsa_public(power_of_two_plus_one(bits - 1).get());
    EXPECT_TRUE(kDefault.check_type(key.get(), KeyUse::Account)) << bits;
    EXPECT_TRUE(kDefault.check_type(key.get(), KeyUse::Certificate)) << bits;
  }
  auto k1 = make_key("secp256k1");
  auto st = kDefault.check(k1.get(), KeyUse::Account);
  ASSERT_FALSE(st);
  EXPECT_EQ(st.error().type, core::ProblemType::BadPublicKey);
  EXPECT_EQ(st.error().detail,
            "Account key refused: EC keys on secp256k1 are not accepted; accepted: rsa2048, "
            "rsa3072, rsa4096, p256, p384, p521, ed25519");
  auto ed = make_key("ed25519");
  EXPECT_EQ(detail(kDefault.check(ed.get(), KeyUse::Certificate)),
            "CSR key refused: Ed25519 keys are not accepted; accepted: rsa2048, rsa3072, "
            "rsa4096, p256, p384");
}

TEST(KeyPolicy, ConfiguredLists) {
  KeyPolicyConfig c;
  c.account = {KeyType::P256};
  c.certificate = {KeyType::Rsa2048, KeyType::Rsa3072, KeyType::P256};
  const KeyPolicy policy(c);
  auto p256 = make_key("p256");
  auto p384 = make_key("p384");
  auto ed = make_key("ed25519");
  EXPECT_TRUE(policy.check(p256.get(), KeyUse::Account));
  EXPECT_TRUE(policy.check(p256.get(), KeyUse::Certificate));
  EXPECT_EQ(detail(policy.check(p384.get(), KeyUse::Account)),
            "Account key refused: EC P-384 keys are not accepted; accepted: p256");
  EXPECT_EQ(detail(policy.check(p384.get(), KeyUse::Certificate)),
            "CSR key refused: EC P-384 keys are not accepted; accepted: rsa2048, rsa3072, p256");
  EXPECT_FALSE(policy.check(ed.get(), KeyUse::Account));
  auto rsa4096 = rsa_public(power_of_two_plus_one(4095).get());
  EXPECT_EQ(detail(policy.check_type(rsa4096.get(), KeyUse::Certificate)),
            "CSR key refused: RSA 4096-bit keys are not accepted; accepted: rsa2048, rsa3072, "
            "p256");
}

TEST(KeyPolicy, RsaSizesOutsideTheListAreRefusedWithTheList) {
  auto k1024 = make_key("rsa1024");
  EXPECT_EQ(detail(kDefault.check(k1024.get(), KeyUse::Certificate)),
            "CSR key refused: RSA 1024-bit keys are not accepted; accepted: rsa2048, rsa3072, "
            "rsa4096, p256, p384");
  auto k2304 = rsa_public(power_of_two_plus_one(2303).get());
  EXPECT_EQ(detail(kDefault.check_type(k2304.get(), KeyUse::Account)),
            "Account key refused: RSA 2304-bit keys are not accepted; accepted: rsa2048, "
            "rsa3072, rsa4096, p256, p384, p521, ed25519");
}

TEST(KeyPolicy, CheckTypeLooksAtNothingButTypeAndSize) {
  // An even 1024-bit "modulus": refused for its size, its arithmetic never examined.
  Bignum n(BN_new());
  BN_set_bit(n.get(), 1023);
  auto key = rsa_public(n.get());
  const std::string d = detail(kDefault.check_type(key.get(), KeyUse::Account));
  EXPECT_NE(d.find("RSA 1024-bit keys are not accepted"), std::string::npos) << d;
  // The same shape at 2048 bits passes check_type and is refused by check.
  Bignum n2(BN_new());
  BN_set_bit(n2.get(), 2047);
  auto key2 = rsa_public(n2.get());
  EXPECT_TRUE(kDefault.check_type(key2.get(), KeyUse::Account));
  EXPECT_EQ(detail(kDefault.check(key2.get(), KeyUse::Account)),
            "Account key refused: the RSA modulus is divisible by 2");
}

TEST(KeyPolicy, ExponentMustBe65537) {
  auto good = make_key("rsa2048");
  auto n = modulus(good.get());
  auto e3 = rsa_public(n.get(), bn(3).get());
  const auto st = kDefault.check_type(e3.get(), KeyUse::Certificate);
  EXPECT_EQ(detail(st), "CSR key refused: the RSA public exponent must be 65537, not 3");
  EXPECT_FALSE(kDefault.check(e3.get(), KeyUse::Account));
  EXPECT_TRUE(kDefault.check(good.get(), KeyUse::Account));
}

// The point at infinity is no public key, though OpenSSL builds a key from its encoding.
TEST(KeyPolicy, ThePointAtInfinityIsRefused) {
  for (const char* group : {"prime256v1", "secp384r1"}) {
    unsigned char infinity[] = {0x00};
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, const_cast<char*>(group), 0),
        OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, infinity, sizeof infinity),
        OSSL_PARAM_construct_end()};
    core::ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, "EC", nullptr));
    EVP_PKEY* key = nullptr;
    ASSERT_EQ(EVP_PKEY_fromdata_init(ctx.get()), 1);
    ASSERT_EQ(EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params), 1) << group;
    const core::ossl::Pkey owned(key);
    EXPECT_TRUE(kDefault.check_type(key, KeyUse::Certificate));
    EXPECT_EQ(detail(kDefault.check(key, KeyUse::Certificate)),
              "CSR key refused: the EC point is not on its curve or is the point at infinity");
    EXPECT_FALSE(kDefault.check(key, KeyUse::Account));
  }
  auto p256 = make_key("p256");
  EXPECT_TRUE(kDefault.check(p256.get(), KeyUse::Certificate));
}

TEST(KeyPolicy, ModulusWithASmallFactor) {
  // 3 * (2^2046 + 1): 2048 bits.
  auto n = product(bn(3).get(), power_of_two_plus_one(2046).get());
  ASSERT_EQ(BN_num_bits(n.get()), 2048);
  auto key = rsa_public(n.get());
  EXPECT_EQ(detail(kDefault.check(key.get(), KeyUse::Certificate)),
            "CSR key refused: the RSA modulus is divisible by 3");
  EXPECT_EQ(small_prime_factor(product(bn(997).get(), power_of_two_plus_one(2000).get()).get()),
            997u);
  EXPECT_EQ(small_prime_factor(bn(1009 * 1013).get()), std::nullopt);
}

TEST(KeyPolicy, RocaFingerprint) {
  auto n = roca_modulus();
  ASSERT_EQ(BN_num_bits(n.get()), 2048);
  EXPECT_TRUE(has_roca_fingerprint(n.get()));
  auto key = rsa_public(n.get());
  EXPECT_EQ(detail(kDefault.check(key.get(), KeyUse::Certificate)),
            "CSR key refused: the RSA modulus has the ROCA fingerprint (Infineon, CVE-2017-15361)");
  EXPECT_EQ(kDefault.check(key.get(), KeyUse::Account).error().type,
            core::ProblemType::BadPublicKey);
  // An ordinary key has no such structure.
  auto ordinary = make_key("rsa2048");
  EXPECT_FALSE(has_roca_fingerprint(modulus(ordinary.get()).get()));
  EXPECT_TRUE(kDefault.check(ordinary.get(), KeyUse::Certificate));
}

TEST(KeyPolicy, FermatFactorableModulus) {
  // p near 2^1023 + 2^1022; q the next prime after p + 2^20.
  Bignum start(BN_new());
  BN_set_bit(start.get(), 1023);
  BN_set_bit(start.get(), 1022);
  auto p = next_prime(start.get());
  Bignum far(BN_dup(p.get()));
  BN_add(far.get(), far.get(), power_of_two_plus_one(20).get());
  auto q = next_prime(far.get());
  auto n = product(p.get(), q.get());
  ASSERT_EQ(BN_num_bits(n.get()), 2048);
  auto key = rsa_public(n.get());
  EXPECT_EQ(detail(kDefault.check(key.get(), KeyUse::Account)),
            "Account key refused: the RSA modulus has primes close enough for Fermat "
            "factorisation");
  // With the test off, the same key is an ordinary valid one.
  KeyPolicyConfig off;
  off.fermat_rounds = 0;
  EXPECT_TRUE(KeyPolicy(off).check(key.get(), KeyUse::Account));
  // A perfect square is the extreme case.
  EXPECT_TRUE(fermat_factorable(product(p.get(), p.get()).get(), 1));
  auto ordinary = make_key("rsa2048");
  EXPECT_FALSE(fermat_factorable(modulus(ordinary.get()).get(), 100));
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

// The same key, set to encode as a compressed point or with explicit curve parameters.
core::ossl::Pkey reencoded(EVP_PKEY* key, const char* param, const char* value) {
  core::ossl::Pkey dup(EVP_PKEY_dup(key));
  EXPECT_EQ(EVP_PKEY_set_utf8_string_param(dup.get(), param, value), 1);
  return dup;
}

TEST(KeyPolicy, BlockedKeysAreRefusedInAnyEncoding) {
  auto blocked = make_key("p256");
  auto other = make_key("p256");
  KeyPolicyConfig c;
  c.blocked_spki_sha256 = {hex(*canonical_spki_sha256(blocked.get()))};
  const KeyPolicy policy(c);
  EXPECT_EQ(detail(policy.check(blocked.get(), KeyUse::Certificate)),
            "CSR key refused: this key is blocked");
  auto compressed =
      reencoded(blocked.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed");
  EXPECT_FALSE(policy.check(compressed.get(), KeyUse::Certificate));
  EXPECT_FALSE(policy.check(blocked.get(), KeyUse::Account));
  // check_type is the cheap part only.
  EXPECT_TRUE(policy.check_type(blocked.get(), KeyUse::Account));
  EXPECT_TRUE(policy.check(other.get(), KeyUse::Certificate));
}

class BlockedKeysFile : public ::testing::Test {
 protected:
  std::filesystem::path write(const std::string& text) {
    const auto p = std::filesystem::path(::testing::TempDir()) /
                   ("blocked-" + std::to_string(::getpid()) + "-" +
                    ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::ofstream(p, std::ios::binary) << text;
    files_.push_back(p);
    return p;
  }
  void TearDown() override {
    for (const auto& f : files_) std::filesystem::remove(f);
  }
  std::vector<std::filesystem::path> files_;
};

const std::string kHashA(64, 'a');
const std::string kHashB = "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789ABCDEF";

TEST_F(BlockedKeysFile, ReadsHashesCommentsAndBlankLines) {
  auto r = load_blocked_keys(write("# keys from the 2008 Debian weak-key list\n\n" + kHashA +
                                   "\r\n  " + kHashB + "  # a note\n#\n"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(*r, (std::set<std::string>{
                    kHashA, "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"}));
  auto empty = load_blocked_keys(write(""));
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_F(BlockedKeysFile, ErrorsNameTheLine) {
  auto short_hash = load_blocked_keys(write(kHashA + "\n# fine\nabc123\n"));
  ASSERT_FALSE(short_hash);
  EXPECT_NE(short_hash.error().detail.find("line 3"), std::string::npos)
      << short_hash.error().detail;
  EXPECT_NE(short_hash.error().detail.find("abc123"), std::string::npos);
  auto not_hex = load_blocked_keys(write(std::string(63, 'a') + "g\n"));
  ASSERT_FALSE(not_hex);
  EXPECT_NE(not_hex.error().detail.find("line 1"), std::string::npos);
  auto missing = load_blocked_keys(std::filesystem::path(::testing::TempDir()) / "no-such-file");
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("no-such-file"), std::string::npos);
}

TEST(CanonicalSpki, IsWhatOpenSslWritesForAKeyByDefault) {
  for (const char* k : {"rsa2048", "p256", "p384", "p521", "ed25519"}) {
    auto key = make_key(k);
    auto der = canonical_spki_der(key.get());
    ASSERT_TRUE(der) << k;
    EXPECT_EQ(*der, core::ossl::spki_der(key.get())) << k;
    EXPECT_EQ(*canonical_spki_sha256(key.get()), core::ossl::sha256(*der)) << k;
  }
}

TEST(CanonicalSpki, IgnoresHowTheKeyWouldEncodeItself) {
  for (const char* k : {"p256", "p384", "p521"}) {
    auto key = make_key(k);
    const std::string expected = core::ossl::spki_der(key.get());
    auto compressed =
        reencoded(key.get(), OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT, "compressed");
    auto explicit_params = reencoded(key.get(), OSSL_PKEY_PARAM_EC_ENCODING, "explicit");
    EXPECT_NE(core::ossl::spki_der(compressed.get()), expected) << k;
    EXPECT_NE(core::ossl::spki_der(explicit_params.get()), expected) << k;
    EXPECT_EQ(*canonical_spki_der(compressed.get()), expected) << k;
    EXPECT_EQ(*canonical_spki_der(explicit_params.get()), expected) << k;
  }
  auto k1 = make_key("secp256k1");
  EXPECT_FALSE(canonical_spki_der(k1.get()));
}

}  // namespace
}  // namespace signet::policy
