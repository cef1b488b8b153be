// Signet's own TLS credentials: kept, renewed, and reported when newly signed.
#include <gtest/gtest.h>

#include "ca/certificate_authority.hpp"
#include "ca/test_support.hpp"
#include "core/files.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using core::Identifier;
using core::IdentifierType;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override { reopen(); }

  void reopen() {
    ca.reset();
    auto r = CertificateAuthority::open(dir.path(), clock);
    ASSERT_TRUE(r) << r.error().detail;
    ca = std::move(r).value();
  }

  // Credentials as a version before the infrastructure issuer kept them: signed by
  // the ACME issuer, chained to it.
  void keep_from_acme_issuer(const std::string& stem, const CertificateProfile& profile) {
    auto key = testing::make_key("p256");
    const auto now = clock.now();
    LeafRequest req{core::ossl::SharedPkey(EVP_PKEY_dup(key.get()), EVP_PKEY_free),
                    names,
                    {now - std::chrono::hours(1), now + std::chrono::hours(24 * 90)},
                    random_serial()};
    auto issued = build_and_sign(ca->acme_issuer(), profile, req);
    ASSERT_TRUE(issued) << issued.error().detail;
    const fs::path tls = dir.path() / "tls";
    fs::create_directories(tls);
    ASSERT_TRUE(core::write_file(tls / (stem + "-key.pem"), detail::key_to_pem(key.get()), 0600));
    ASSERT_TRUE(core::write_file(tls / (stem + ".pem"), issued->chain_pem, 0644));
  }

  std::string issuer_subject_of(const std::string& chain_pem) {
    auto chain = test::parse_pem_chain(chain_pem);
    if (chain.empty()) return {};
    char buf[512] = {};
    X509_NAME_oneline(X509_get_issuer_name(chain.front().get()), buf, sizeof buf);
    return buf;
  }

  core::FixedClock clock{std::chrono::system_clock::now()};
  test::TempDir dir;
  std::unique_ptr<CertificateAuthority> ca;
  const std::vector<Identifier> names{{IdentifierType::Dns, "ca.internal"}};
};

TEST_F(CredentialsTest, KeptCredentialsFromTheAcmeIssuerAreRenewedAtTheNextStart) {
  keep_from_acme_issuer("client", infrastructure_tls_client_profile());
  keep_from_acme_issuer("server", infrastructure_tls_server_profile());
  const std::string old_client = *core::read_file(dir.path() / "tls" / "client.pem");
  // The older version's directory had no infrastructure issuer either.
  ca.reset();
  fs::remove(dir.path() / "ca" / "infrastructure.pem");
  fs::remove(dir.path() / "ca" / "infrastructure-key.pem");
  reopen();

  const std::string infrastructure = test::subject(ca->infrastructure_issuer().certificate());
  for (const auto& [stem, purpose] : {std::pair{"client", X509_PURPOSE_SSL_CLIENT},
                                      std::pair{"server", X509_PURPOSE_SSL_SERVER}}) {
    auto creds = std::string(stem) == "client" ? ca->client_credentials(names)
                                               : ca->server_credentials(names);
    ASSERT_TRUE(creds) << creds.error().detail;
    ASSERT_TRUE(creds->newly_signed) << stem;
    EXPECT_EQ(creds->newly_signed->issuer, "infrastructure");
    EXPECT_EQ(issuer_subject_of(creds->chain_pem), infrastructure);
    const auto v = test::verify_chain(creds->chain_pem, ca->root_pem(), purpose);
    EXPECT_TRUE(v.ok) << v.error;
    ASSERT_EQ(v.subjects.size(), 3u);
    EXPECT_EQ(v.subjects[1], infrastructure);
    EXPECT_EQ(*core::read_file(dir.path() / "tls" / (std::string(stem) + ".pem")),
              creds->chain_pem);
  }
  EXPECT_NE(*core::read_file(dir.path() / "tls" / "client.pem"), old_client);
  // Renewed once, then kept.
  auto again = ca->client_credentials(names);
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->newly_signed);
}

TEST_F(CredentialsTest, NewlySignedIsSetExactlyWhenACertificateWasSigned) {
  auto first = ca->server_credentials(names);
  ASSERT_TRUE(first) << first.error().detail;
  ASSERT_TRUE(first->newly_signed);
  const SignedRecord& r = *first->newly_signed;
  auto leaf = test::parse_pem(first->chain_pem);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(r.der, detail::to_der(leaf.get()));
  EXPECT_EQ(r.serial, *certificate_serial(r.der));
  EXPECT_EQ(r.issuer, "infrastructure");
  EXPECT_EQ(r.profile, infrastructure_tls_server_profile().name);
  EXPECT_EQ(r.identifiers, names);
  EXPECT_EQ(r.key_spki_sha256,
            core::ossl::sha256(core::ossl::spki_der(X509_get0_pubkey(leaf.get()))));
  EXPECT_EQ(r.not_before, *detail::to_time_point(X509_get0_notBefore(leaf.get())));
  EXPECT_EQ(r.not_after, *detail::to_time_point(X509_get0_notAfter(leaf.get())));
  EXPECT_EQ(r.not_after - r.not_before,
            infrastructure_tls_server_profile().validity + std::chrono::hours(1));

  auto kept = ca->server_credentials(names);  // reused: nothing signed
  ASSERT_TRUE(kept);
  EXPECT_EQ(kept->chain_pem, first->chain_pem);
  EXPECT_FALSE(kept->newly_signed);

  reopen();  // kept across restarts too
  auto after_restart = ca->server_credentials(names);
  ASSERT_TRUE(after_restart);
  EXPECT_FALSE(after_restart->newly_signed);

  auto other_names = ca->server_credentials({{IdentifierType::Dns, "other.internal"}});
  ASSERT_TRUE(other_names);
  ASSERT_TRUE(other_names->newly_signed);
  EXPECT_NE(other_names->newly_signed->serial, r.serial);

  auto client = ca->client_credentials(names);
  ASSERT_TRUE(client && client->newly_signed);
  EXPECT_EQ(client->newly_signed->profile, infrastructure_tls_client_profile().name);

  for (int i = 0; i < 2; ++i) {  // never kept: signed every time
    auto agent = ca->issue_credentials(names, KeyPurpose::TlsServer);
    ASSERT_TRUE(agent && agent->newly_signed);
    EXPECT_EQ(agent->newly_signed->profile, infrastructure_tls_server_profile().name);
  }
}

TEST_F(CredentialsTest, RenewedWithinThirtyDaysOfExpiry) {
  auto first = ca->client_credentials(names);
  ASSERT_TRUE(first && first->newly_signed);
  clock.advance(std::chrono::hours(24 * 59));
  auto still = ca->client_credentials(names);
  ASSERT_TRUE(still);
  EXPECT_FALSE(still->newly_signed);
  clock.advance(std::chrono::hours(24 * 2));
  auto renewed = ca->client_credentials(names);
  ASSERT_TRUE(renewed);
  EXPECT_TRUE(renewed->newly_signed);
  EXPECT_NE(renewed->chain_pem, first->chain_pem);
}

TEST_F(CredentialsTest, KeptFilesThatDoNotFitAreReplaced) {
  auto first = ca->client_credentials(names);
  ASSERT_TRUE(first);
  const fs::path tls = dir.path() / "tls";

  // A key that is not the certificate's (as a crash between the two writes leaves).
  auto stray = testing::make_key("p256");
  ASSERT_TRUE(core::write_file(tls / "client-key.pem", detail::key_to_pem(stray.get()), 0600));
  auto after_key = ca->client_credentials(names);
  ASSERT_TRUE(after_key);
  EXPECT_TRUE(after_key->newly_signed);

  // A chain without the infrastructure issuer: agents could not build the path.
  auto leaf = test::parse_pem(after_key->chain_pem);
  ASSERT_TRUE(core::write_file(tls / "client.pem", detail::to_pem(leaf.get()), 0644));
  auto after_chain = ca->client_credentials(names);
  ASSERT_TRUE(after_chain);
  EXPECT_TRUE(after_chain->newly_signed);

  // A server certificate where the client one belongs.
  auto server = ca->server_credentials(names);
  ASSERT_TRUE(server);
  ASSERT_TRUE(core::write_file(tls / "client.pem", server->chain_pem, 0644));
  ASSERT_TRUE(core::write_file(tls / "client-key.pem", server->key_pem, 0600));
  auto after_usage = ca->client_credentials(names);
  ASSERT_TRUE(after_usage);
  EXPECT_TRUE(after_usage->newly_signed);
  EXPECT_EQ(after_usage->newly_signed->profile, infrastructure_tls_client_profile().name);
}

}  // namespace
}  // namespace signet::ca
