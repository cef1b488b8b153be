// The hierarchy on disk and what chains through which issuer.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ca/certificate_authority.hpp"
#include "ca/test_support.hpp"
#include "core/files.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using core::Identifier;
using core::IdentifierType;

std::unique_ptr<CertificateAuthority> open_ca(const fs::path& dir, const core::Clock& clock) {
  auto ca = CertificateAuthority::open(dir, clock);
  EXPECT_TRUE(ca) << ca.error().detail;
  return ca ? std::move(ca).value() : nullptr;
}

std::string common_name(X509* cert) {
  char cn[256] = {};
  X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, cn, sizeof cn);
  return cn;
}

std::string read(const fs::path& p) {
  auto r = core::read_file(p);
  return r ? *r : std::string();
}

class HierarchyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = open_ca(dir.path(), clock);
    ASSERT_TRUE(ca);
  }

  std::string acme_subject() const { return test::subject(ca->acme_issuer().certificate()); }
  std::string infrastructure_subject() const {
    return test::subject(ca->infrastructure_issuer().certificate());
  }

  core::SystemClock clock;
  test::TempDir dir;
  std::unique_ptr<CertificateAuthority> ca;
  const std::vector<Identifier> names{{IdentifierType::Dns, "ca.internal"},
                                      {IdentifierType::Ip, "127.0.0.1"}};
};

TEST_F(HierarchyTest, FirstStartMakesARootAndTwoIssuersUnderIt) {
  for (const char* key : {"root-key.pem", "intermediate-key.pem", "infrastructure-key.pem"}) {
    struct stat st {};
    ASSERT_EQ(::stat((dir.path() / "ca" / key).c_str(), &st), 0) << key;
    EXPECT_EQ(st.st_mode & 0777, 0600u) << key;
  }
  EXPECT_TRUE(fs::exists(dir.path() / "ca" / "infrastructure.pem"));
  EXPECT_EQ(ca->acme_issuer().name(), "acme");
  EXPECT_EQ(ca->infrastructure_issuer().name(), "infrastructure");
  EXPECT_NE(acme_subject(), infrastructure_subject());
  EXPECT_EQ(ca->intermediate_pem(), ca->acme_issuer().chain_pem());
  EXPECT_EQ(ca->infrastructure_issuer().chain_pem(),
            read(dir.path() / "ca" / "infrastructure.pem"));

  // Both intermediates chain to the root; each is limited to TLS usages.
  auto acme = ca->acme_issuer().certificate();
  auto infrastructure = ca->infrastructure_issuer().certificate();
  EXPECT_TRUE(test::verify_chain(ca->acme_issuer().chain_pem(), ca->root_pem(), 0).ok);
  EXPECT_TRUE(test::verify_chain(ca->infrastructure_issuer().chain_pem(), ca->root_pem(), 0).ok);
  EXPECT_EQ(X509_get_extended_key_usage(acme),
            static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(X509_get_extended_key_usage(infrastructure),
            static_cast<uint32_t>(XKU_SSL_SERVER | XKU_SSL_CLIENT));
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(infrastructure)), 256);

  // One installation tag in every name.
  auto root = test::parse_pem(ca->root_pem());
  const std::string tag = common_name(root.get()).substr(std::string("Signet Root CA ").size());
  EXPECT_EQ(tag.size(), 8u);
  EXPECT_EQ(common_name(infrastructure), "Signet Infrastructure CA " + tag);
  EXPECT_EQ(common_name(acme), "Signet Intermediate CA " + tag);
}

TEST_F(HierarchyTest, InfrastructureCredentialsChainThroughTheInfrastructureIssuer) {
  auto server = ca->server_credentials(names);
  auto client = ca->client_credentials(names);
  auto agent = ca->issue_credentials(names, KeyPurpose::TlsServer);
  ASSERT_TRUE(server && client && agent);
  for (const auto& [creds, purpose] :
       {std::pair{&*server, X509_PURPOSE_SSL_SERVER}, std::pair{&*client, X509_PURPOSE_SSL_CLIENT},
        std::pair{&*agent, X509_PURPOSE_SSL_SERVER}}) {
    // As a vantage agent checks Signet's client certificate: the root alone trusted,
    // the rest from what the peer sends.
    const auto v = test::verify_chain(creds->chain_pem, ca->root_pem(), purpose);
    EXPECT_TRUE(v.ok) << v.error;
    ASSERT_EQ(v.subjects.size(), 3u);
    EXPECT_EQ(v.subjects[1], infrastructure_subject());
    EXPECT_NE(creds->chain_pem.find(ca->infrastructure_issuer().chain_pem()), std::string::npos);
    EXPECT_EQ(creds->chain_pem.find(ca->intermediate_pem()), std::string::npos);
  }
}

TEST_F(HierarchyTest, AcmeLeavesChainThroughTheAcmeIssuer) {
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(testing::make_key("p256")),
                  {{IdentifierType::Dns, "a.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto issued = ca->issue_leaf(test::acme_profile(), req);
  ASSERT_TRUE(issued) << issued.error().detail;
  const auto v = test::verify_chain(issued->chain_pem, ca->root_pem(), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
  ASSERT_EQ(v.subjects.size(), 3u);
  EXPECT_EQ(v.subjects[1], acme_subject());
  auto leaf = test::parse_der(issued->der);
  EXPECT_NE(X509_check_issued(ca->infrastructure_issuer().certificate(), leaf.get()), X509_V_OK);
  // Offered the infrastructure issuer as its chain, it does not verify.
  const auto wrong = test::verify_chain(
      detail::to_pem(leaf.get()) + ca->infrastructure_issuer().chain_pem(), ca->root_pem(), 0);
  EXPECT_FALSE(wrong.ok);
}

TEST_F(HierarchyTest, ADirectoryFromBeforeTheInfrastructureIssuerGetsOne) {
  const fs::path d = dir.path();
  const std::string root = read(d / "root.pem"), root_key = read(d / "ca" / "root-key.pem"),
                    inter = read(d / "ca" / "intermediate.pem"),
                    inter_key = read(d / "ca" / "intermediate-key.pem");
  ca.reset();
  fs::remove(d / "ca" / "infrastructure.pem");
  fs::remove(d / "ca" / "infrastructure-key.pem");

  ca = open_ca(d, clock);
  ASSERT_TRUE(ca);
  EXPECT_EQ(read(d / "root.pem"), root);
  EXPECT_EQ(read(d / "ca" / "root-key.pem"), root_key);
  EXPECT_EQ(read(d / "ca" / "intermediate.pem"), inter);
  EXPECT_EQ(read(d / "ca" / "intermediate-key.pem"), inter_key);
  EXPECT_EQ(ca->root_pem(), root);
  EXPECT_EQ(ca->intermediate_pem(), inter);
  struct stat st {};
  ASSERT_EQ(::stat((d / "ca" / "infrastructure-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_TRUE(test::verify_chain(ca->infrastructure_issuer().chain_pem(), root, 0).ok);
  auto root_cert = test::parse_pem(root);
  const std::string tag =
      common_name(root_cert.get()).substr(std::string("Signet Root CA ").size());
  EXPECT_EQ(common_name(ca->infrastructure_issuer().certificate()),
            "Signet Infrastructure CA " + tag);

  // Made once, then kept.
  const std::string infrastructure = ca->infrastructure_issuer().chain_pem();
  ca = open_ca(d, clock);
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->infrastructure_issuer().chain_pem(), infrastructure);
}

TEST_F(HierarchyTest, RefusesAnIntermediateTheRootDidNotSign) {
  test::TempDir other("-other");
  ASSERT_TRUE(open_ca(other.path(), clock));
  ca.reset();
  for (const char* f : {"infrastructure.pem", "infrastructure-key.pem"}) {
    fs::copy_file(other.path() / "ca" / f, dir.path() / "ca" / f,
                  fs::copy_options::overwrite_existing);
  }
  EXPECT_FALSE(CertificateAuthority::open(dir.path(), clock));
}

TEST_F(HierarchyTest, RefusesAKeyThatIsNotTheIssuers) {
  ca.reset();
  fs::copy_file(dir.path() / "ca" / "intermediate-key.pem",
                dir.path() / "ca" / "infrastructure-key.pem", fs::copy_options::overwrite_existing);
  EXPECT_FALSE(CertificateAuthority::open(dir.path(), clock));
}

}  // namespace
}  // namespace signet::ca
