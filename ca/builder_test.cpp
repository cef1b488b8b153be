#include "ca/builder.hpp"

#include <gtest/gtest.h>

#include "ca/test_support.hpp"
#include "policy/csr.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

using core::Identifier;
using core::IdentifierType;

class BuilderTest : public ::testing::Test {
 protected:
  LeafRequest request(const std::string& key_kind = "p256") {
    return LeafRequest{core::ossl::share(testing::make_key(key_kind)),
                       {{IdentifierType::Dns, "a.example"}, {IdentifierType::Ip, "192.0.2.1"}},
                       {now, now + std::chrono::hours(24)},
                       random_serial()};
  }

  // The DER of everything a signature covers.
  static std::string tbs_der(X509* cert) {
    unsigned char* der = nullptr;
    const int len = i2d_re_X509_tbs(cert, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len > 0 ? len : 0));
    OPENSSL_free(der);
    return out;
  }

  static std::string common_name(X509* cert) {
    char cn[256] = {};
    const int n =
        X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
    return n > 0 ? std::string(cn, static_cast<std::size_t>(n)) : std::string();
  }

  const core::TimePoint now = core::from_unix(1'750'000'000);
  test::FakeIssuer issuer{"acme", "Test ACME CA"};
};

TEST_F(BuilderTest, AcmeLeavesAreTlsServerCertificatesOnly) {
  auto issued = build_and_sign(issuer, test::acme_profile(), request());
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = test::parse_der(issued->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_get_extended_key_usage(cert.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_key_usage(cert.get()), static_cast<uint32_t>(KU_DIGITAL_SIGNATURE));
  EXPECT_EQ(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_NE(X509_check_purpose(cert.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_EQ(common_name(cert.get()), "a.example");
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.1", 0), 1);
  EXPECT_NE(X509_get_ext_by_NID(cert.get(), NID_subject_key_identifier, -1), -1);
  EXPECT_EQ(X509_check_issued(issuer.certificate(), cert.get()), X509_V_OK);
  EXPECT_EQ(issued->chain_pem, detail::to_pem(cert.get()) + issuer.chain_pem());
  const int bc = X509_get_ext_by_NID(cert.get(), NID_basic_constraints, -1);
  ASSERT_NE(bc, -1);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), bc)), 1);
}

TEST_F(BuilderTest, RsaKeysAlsoGetKeyEncipherment) {
  auto issued = build_and_sign(issuer, test::acme_profile(), request("rsa2048"));
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = test::parse_der(issued->der);
  EXPECT_EQ(X509_get_key_usage(cert.get()),
            static_cast<uint32_t>(KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
}

TEST_F(BuilderTest, InfrastructureProfilesCarryOneUsageEach) {
  auto server = build_and_sign(issuer, infrastructure_tls_server_profile(), request());
  auto client = build_and_sign(issuer, infrastructure_tls_client_profile(), request());
  ASSERT_TRUE(server && client);
  auto s = test::parse_der(server->der);
  auto c = test::parse_der(client->der);
  EXPECT_EQ(X509_get_extended_key_usage(s.get()), static_cast<uint32_t>(XKU_SSL_SERVER));
  EXPECT_EQ(X509_get_extended_key_usage(c.get()), static_cast<uint32_t>(XKU_SSL_CLIENT));
  EXPECT_EQ(X509_check_purpose(c.get(), X509_PURPOSE_SSL_CLIENT, 0), 1);
  EXPECT_NE(X509_check_purpose(c.get(), X509_PURPOSE_SSL_SERVER, 0), 1);
  EXPECT_EQ(infrastructure_tls_server_profile().validity, std::chrono::hours(24 * 90));
  EXPECT_NE(infrastructure_tls_server_profile().name, infrastructure_tls_client_profile().name);
  EXPECT_NE(test::acme_profile().name, infrastructure_tls_server_profile().name);
}

TEST_F(BuilderTest, TheUnsignedCertificateCarriesWhatIsRecorded) {
  auto req = request();
  req.serial = "00AB" + req.serial.substr(4);
  auto tbs = build_tbs(issuer, test::acme_profile(), req);
  ASSERT_TRUE(tbs) << tbs.error().detail;
  EXPECT_EQ(tbs->issuer, "acme");
  EXPECT_EQ(tbs->profile, test::acme_profile().name);
  EXPECT_EQ(tbs->serial, "00ab" + req.serial.substr(4));
  EXPECT_EQ(tbs->identifiers, req.identifiers);
  EXPECT_EQ(tbs->key_spki_sha256, core::ossl::sha256(core::ossl::spki_der(req.public_key.get())));
  EXPECT_EQ(tbs->not_before, now);
  EXPECT_EQ(tbs->not_after, now + std::chrono::hours(24));
  // Nothing signed yet.
  EXPECT_NE(X509_verify(tbs->x509.get(), X509_get0_pubkey(issuer.certificate())), 1);

  const SignedRecord before = describe(*tbs);
  EXPECT_TRUE(before.der.empty());
  auto issued = sign_tbs(issuer, std::move(tbs).value());
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = test::parse_der(issued->der);
  EXPECT_EQ(X509_verify(cert.get(), X509_get0_pubkey(issuer.certificate())), 1);
  EXPECT_EQ(issued->not_before, before.not_before);
  EXPECT_EQ(issued->not_after, before.not_after);
}

TEST_F(BuilderTest, TwoStepsMakeTheSameCertificateAsOne) {
  const auto req = request();
  auto one = build_and_sign(issuer, test::acme_profile(), req);
  auto tbs = build_tbs(issuer, test::acme_profile(), req);
  ASSERT_TRUE(one && tbs);
  auto two = sign_tbs(issuer, std::move(tbs).value());
  ASSERT_TRUE(two);
  auto a = test::parse_der(one->der);
  auto b = test::parse_der(two->der);
  EXPECT_EQ(tbs_der(a.get()), tbs_der(b.get()));  // ECDSA signatures differ; nothing else
  EXPECT_EQ(one->not_before, two->not_before);
  EXPECT_EQ(one->not_after, two->not_after);
}

// A key copied from a CSR's SubjectPublicKeyInfo makes the same certificate as the
// key itself, for each key type a CSR may carry.
TEST_F(BuilderTest, AKeyCopiedFromTheCsrMakesTheSameCertificate) {
  for (const char* kind : {"p256", "p384", "rsa2048"}) {
    auto from_key = request(kind);
    auto csr_der = testing::make_csr(from_key.public_key.get(), from_key.identifiers);
    auto csr = policy::parse_csr(csr_der, policy::KeyPolicy(policy::KeyPolicyConfig{}));
    ASSERT_TRUE(csr) << kind;
    auto from_csr = from_key;
    from_csr.spki = csr->spki;
    auto a = build_tbs(issuer, test::acme_profile(), from_key);
    auto b = build_tbs(issuer, test::acme_profile(), from_csr);
    ASSERT_TRUE(a && b) << kind;
    EXPECT_EQ(tbs_der(a->x509.get()), tbs_der(b->x509.get())) << kind;
    EXPECT_EQ(b->key_spki_sha256, csr->spki_sha256) << kind;
    auto issued = sign_tbs(issuer, std::move(b).value());
    ASSERT_TRUE(issued) << kind;
    auto cert = test::parse_der(issued->der);
    EXPECT_EQ(EVP_PKEY_eq(X509_get0_pubkey(cert.get()), from_key.public_key.get()), 1) << kind;
  }
}

TEST_F(BuilderTest, OnlyTheIssuerItWasBuiltForSignsIt) {
  test::FakeIssuer other("infrastructure", "Test Infrastructure CA");
  auto tbs = build_tbs(issuer, test::acme_profile(), request());
  ASSERT_TRUE(tbs);
  EXPECT_FALSE(sign_tbs(other, std::move(tbs).value()));
  // Even under the same name, an issuer with another certificate refuses it.
  test::FakeIssuer impostor("acme", "Another ACME CA");
  auto again = build_tbs(issuer, test::acme_profile(), request());
  ASSERT_TRUE(again);
  EXPECT_FALSE(sign_tbs(impostor, std::move(again).value()));
}

TEST_F(BuilderTest, RefusesRequestsItCannotCertify) {
  const auto& profile = test::acme_profile();
  auto weak = request("rsa1024");
  EXPECT_FALSE(build_tbs(issuer, profile, weak));
  auto nameless = request();
  nameless.identifiers.clear();
  EXPECT_FALSE(build_tbs(issuer, profile, nameless));
  for (const std::string& bad : {std::string(), std::string("xyz1"), std::string("abc"),
                                 std::string("0000"), std::string(42, 'a')}) {
    auto r = request();
    r.serial = bad;
    EXPECT_FALSE(build_tbs(issuer, profile, r)) << bad;
  }
  auto backwards = request();
  std::swap(backwards.validity.not_before, backwards.validity.not_after);
  EXPECT_FALSE(build_tbs(issuer, profile, backwards));
}

TEST_F(BuilderTest, CommonNameOnlyWhenItFitsAndTheProfileWantsIt) {
  auto req = request();
  req.identifiers.front().value = std::string(60, 'a') + ".example";  // 68 > 64
  auto long_name = build_and_sign(issuer, test::acme_profile(), req);
  ASSERT_TRUE(long_name);
  auto cert = test::parse_der(long_name->der);
  EXPECT_EQ(common_name(cert.get()), "");
  // With an empty subject, subjectAltName is critical (RFC 5280 §4.2.1.6).
  const int san = X509_get_ext_by_NID(cert.get(), NID_subject_alt_name, -1);
  EXPECT_EQ(X509_EXTENSION_get_critical(X509_get_ext(cert.get(), san)), 1);

  CertificateProfile no_cn = test::acme_profile();
  no_cn.common_name_from_first_name = false;
  auto without = build_and_sign(issuer, no_cn, request());
  ASSERT_TRUE(without);
  EXPECT_EQ(common_name(test::parse_der(without->der).get()), "");
}

TEST(Serial, RandomSerialsAre32LowerCaseHexDigits) {
  const auto a = random_serial();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(a, random_serial());
}

}  // namespace
}  // namespace signet::ca
