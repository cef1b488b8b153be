#include "authority/crls.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using core::IdentifierType;
using namespace std::chrono_literals;

class CrlPublisherTest : public fixture::AuthorityTest {
 protected:
  core::ossl::X509Crl parse_crl(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return core::ossl::X509Crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  }
  // The serials a shard's current CRL lists.
  std::vector<std::string> listed(std::size_t shard) {
    auto crl = crls.current(shard);
    EXPECT_TRUE(crl);
    std::vector<std::string> out;
    if (!crl) return out;
    auto x = parse_crl(crl->der);
    STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(x.get());
    for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
      core::ossl::Bignum bn(
          ASN1_INTEGER_to_BN(X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)),
                             nullptr));
      char* hex = BN_bn2hex(bn.get());
      std::string s(hex);
      OPENSSL_free(hex);
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out.push_back(s);
    }
    return out;
  }
  // A certificate issued through the authority that publishes CRLs.
  core::Certificate issue(const core::Account& a, const std::string& name) {
    auto o = order(a, {name});
    validate_all(a, o);
    auto key = testing::make_key("p256");
    auto done = run(with_crls.finalize(a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, name}})));
    EXPECT_TRUE(done) << done.error().detail;
    return run(with_crls.certificate(a, *done->certificate_serial)).value();
  }

  CrlPublisher crls{*store, *ca, cpu, clock, CrlConfig{4, 24h, 60min, 2s, "http://ca.example:14080"}};
  Authority with_crls{{*store, *ca, va, clock, cpu, io.get_executor(), &crls}, config(), rules()};
};

TEST_F(CrlPublisherTest, ShardsAndUrls) {
  // The ACME issuer's CRLs are named by its key.
  const std::string id = ca::issuer_id(ca->acme_issuer().certificate());
  EXPECT_EQ(crls.url(3), "http://ca.example:14080/crl/" + id + "/3.crl");
  EXPECT_EQ(crls.url("acme", 3), "http://ca.example:14080/crl/acme/3.crl");
  EXPECT_EQ(crls.issuers(), std::vector<std::string>{id});
  EXPECT_EQ(crls.shard_of("00ff"), 255u % 4);
  EXPECT_EQ(crls.shard_of("0102"), 2u);
  EXPECT_EQ(crls.current(0), nullptr);  // nothing signed yet
}

TEST_F(CrlPublisherTest, RevocationsAppearInTheirShardAndLeaveAtExpiry) {
  ASSERT_TRUE(run(crls.publish_all()));
  for (std::size_t s = 0; s < 4; ++s) EXPECT_TRUE(listed(s).empty()) << s;
  const auto first = crls.current(0)->number;

  auto a = account();
  auto cert = issue(a, "good.example");
  const std::size_t shard = crls.shard_of(cert.serial);
  // The certificate names its shard's CRL.
  const auto* der = reinterpret_cast<const unsigned char*>(cert.der.data());
  core::ossl::X509Ptr x(d2i_X509(nullptr, &der, static_cast<long>(cert.der.size())));
  core::ossl::CrlDistPoints dps(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(x.get(), NID_crl_distribution_points, nullptr, nullptr)));
  ASSERT_TRUE(dps);
  const GENERAL_NAME* uri =
      sk_GENERAL_NAME_value(sk_DIST_POINT_value(dps.get(), 0)->distpoint->name.fullname, 0);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(
                            ASN1_STRING_get0_data(uri->d.uniformResourceIdentifier))),
            crls.url(shard));

  RevocationRequester who{a, std::nullopt};
  ASSERT_TRUE(run(with_crls.revoke(who, {cert.der, 1})));
  EXPECT_EQ(run(crls.refresh()), 1u);  // that shard's only
  EXPECT_EQ(run(crls.refresh()), 0u);
  EXPECT_EQ(listed(shard), std::vector<std::string>{cert.serial});
  EXPECT_GT(crls.current(shard)->number, first);
  for (std::size_t s = 0; s < 4; ++s) {
    if (s != shard) {
      EXPECT_TRUE(listed(s).empty()) << s;
    }
  }
  // Served through the authority, by issuer and shard.
  const std::string id = ca::issuer_id(ca->acme_issuer().certificate());
  auto served = with_crls.current_crl(id, std::to_string(shard));
  ASSERT_TRUE(served);
  EXPECT_EQ((*served)->der, crls.current(shard)->der);
  EXPECT_FALSE(with_crls.current_crl("other", "0"));
  EXPECT_FALSE(with_crls.current_crl("acme", "0"));  // no certificate names it here
  EXPECT_FALSE(with_crls.current_crl(id, "4"));
  EXPECT_FALSE(authority.current_crl(id, "0"));  // an authority without CRLs

  // After it expires, the next CRL leaves it out.
  clock.advance(std::chrono::hours(24 * 91));
  EXPECT_EQ(run(crls.refresh()), 4u);  // all of them are old by now
  EXPECT_TRUE(listed(shard).empty());
}

}  // namespace
}  // namespace signet::authority
