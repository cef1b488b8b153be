// Describing a data directory's issuers from their certificate files.
#include "ca/describe.hpp"

#include <gtest/gtest.h>

#include "ca/certificate_authority.hpp"
#include "ca/test_support.hpp"
#include "core/openssl.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;

TEST(DescribeIssuers, RootAcmeAndInfrastructureIssuers) {
  test::TempDir dir;
  core::SystemClock clock;
  {
    auto ca = CertificateAuthority::open(dir.path(), clock);
    ASSERT_TRUE(ca) << ca.error().detail;
  }
  auto issuers = describe_issuers(dir.path());
  ASSERT_TRUE(issuers) << issuers.error().detail;
  ASSERT_EQ(issuers->size(), 3u);
  const auto& root = (*issuers)[0];
  const auto& acme = (*issuers)[1];
  EXPECT_EQ(root.role, "root");
  EXPECT_EQ(root.key_type, "ECDSA P-384");
  EXPECT_EQ(root.subject, root.issuer);
  EXPECT_NE(root.subject.find("CN=Signet Root CA"), std::string::npos) << root.subject;
  EXPECT_EQ(acme.role, "acme");
  EXPECT_EQ(acme.key_type, "ECDSA P-256");
  EXPECT_EQ(acme.issuer, root.subject);
  EXPECT_EQ((*issuers)[2].role, "infrastructure");
  EXPECT_LT(acme.not_before, acme.not_after);
  EXPECT_EQ(acme.sha256_fingerprint.size(), 64u);
  EXPECT_EQ(acme.subject_key_id.size(), 40u);
  EXPECT_FALSE(acme.serial.empty());
  EXPECT_NE(root.pem.find("BEGIN CERTIFICATE"), std::string::npos);
  // Where the ACME issuer's key is: only its description says.
  EXPECT_EQ(acme.key_storage, "file");
  EXPECT_EQ(acme.key_location, "ca/intermediate-key.pem");
  EXPECT_EQ(root.key_storage, "");
  const std::string uri = "pkcs11:token=signet;object=intermediate";
  auto in_token = describe_issuers(dir.path(), uri);
  ASSERT_TRUE(in_token) << in_token.error().detail;
  EXPECT_EQ((*in_token)[1].key_storage, "pkcs11");
  EXPECT_EQ((*in_token)[1].key_location, uri);
  fs::rename(dir.path() / "ca" / "intermediate-key.pem", dir.path() / "elsewhere.pem");
  EXPECT_EQ((*describe_issuers(dir.path()))[1].key_storage, "unknown");
  EXPECT_EQ((*describe_issuers(dir.path()))[1].key_location, "");

  // A directory made before the infrastructure issuer existed: two issuers.
  fs::remove(dir.path() / "ca" / "infrastructure.pem");
  EXPECT_EQ(describe_issuers(dir.path())->size(), 2u);
  // No hierarchy at all: an error naming what is missing, and nothing created.
  fs::remove(dir.path() / "root.pem");
  auto none = describe_issuers(dir.path());
  ASSERT_FALSE(none);
  EXPECT_NE(none.error().detail.find("root.pem"), std::string::npos);
  EXPECT_FALSE(fs::exists(dir.path() / "root.pem"));
}

}  // namespace
}  // namespace signet::ca
