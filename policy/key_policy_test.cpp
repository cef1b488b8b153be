#include "policy/key_policy.hpp"

#include <gtest/gtest.h>

#include "tests/support/crypto.hpp"

namespace signet::policy {
namespace {

using testing::make_key;

TEST(KeyPolicy, AccountKeys) {
  for (const char* k : {"rsa2048", "p256", "p384", "p521", "ed25519"}) {
    auto key = make_key(k);
    EXPECT_TRUE(check_key(key.get(), KeyUse::Account)) << k;
  }
  for (const char* k : {"rsa1024", "secp256k1"}) {
    auto key = make_key(k);
    auto r = check_key(key.get(), KeyUse::Account);
    ASSERT_FALSE(r) << k;
    EXPECT_EQ(r.error().type, core::ProblemType::BadPublicKey);
  }
}

TEST(KeyPolicy, CertificateKeys) {
  for (const char* k : {"rsa2048", "rsa3072", "p256", "p384"}) {
    auto key = make_key(k);
    EXPECT_TRUE(check_key(key.get(), KeyUse::Certificate)) << k;
  }
  for (const char* k : {"rsa1024", "p521", "ed25519"}) {
    auto key = make_key(k);
    auto r = check_key(key.get(), KeyUse::Certificate);
    ASSERT_FALSE(r) << k;
    EXPECT_EQ(r.error().type, core::ProblemType::BadCsr);
  }
}

}  // namespace
}  // namespace signet::policy
