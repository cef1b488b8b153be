#include "policy/csr.hpp"

#include <gtest/gtest.h>

#include "tests/support/crypto.hpp"

namespace signet::policy {
namespace {

using core::Identifier;
using core::IdentifierType;
using testing::make_csr;
using testing::make_key;

const Identifier kA{IdentifierType::Dns, "a.example"};
const Identifier kB{IdentifierType::Dns, "b.example"};
const Identifier kIp{IdentifierType::Ip, "192.0.2.7"};

TEST(Csr, ParsesNamesAndCommonName) {
  auto key = make_key("p256");
  auto r = parse_csr(make_csr(key.get(), {kA, kIp}, "B.example"));
  ASSERT_TRUE(r) << r.error().detail;
  EXPECT_EQ(r->common_name, "b.example");
  EXPECT_EQ(r->names, (std::vector<Identifier>{kA, kIp, kB}));
  EXPECT_TRUE(check_csr_against_order(*r, {kA, kB, kIp}));
}

TEST(Csr, NamesMustMatchOrderExactly) {
  auto key = make_key("p256");
  auto r = parse_csr(make_csr(key.get(), {kA, kB}));
  ASSERT_TRUE(r);
  auto extra = check_csr_against_order(*r, {kA});
  ASSERT_FALSE(extra);
  EXPECT_NE(extra.error().detail.find("b.example"), std::string::npos);
  EXPECT_FALSE(check_csr_against_order(*r, {kA, kB, kIp}));
}

TEST(Csr, RejectsBadSignatureGarbageAndWeakKeys) {
  auto key = make_key("p256");
  auto der = make_csr(key.get(), {kA});
  der[der.size() - 5] ^= 0x55;  // inside the signature
  auto r = parse_csr(der);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().type, core::ProblemType::BadCsr);
  EXPECT_FALSE(parse_csr("not a csr"));
  auto weak = make_key("rsa1024");
  EXPECT_FALSE(parse_csr(make_csr(weak.get(), {kA})));
  EXPECT_FALSE(parse_csr(make_csr(key.get(), {})));  // no names at all
}

}  // namespace
}  // namespace signet::policy
