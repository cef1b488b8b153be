#include "ca/certificate_authority.hpp"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <set>
#include <thread>

#include "ca/test_support.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using core::Identifier;
using core::IdentifierType;

class CaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("signet-ca-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    auto r = CertificateAuthority::open(dir, clock);
    ASSERT_TRUE(r) << r.error().detail;
    ca = std::move(r).value();
  }
  void TearDown() override { fs::remove_all(dir); }

  core::ossl::X509Ptr parse(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return core::ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  }

  core::SystemClock clock;
  fs::path dir;
  std::unique_ptr<CertificateAuthority> ca;
};

TEST_F(CaTest, HierarchyIsKeptAcrossRestartsWithPrivateKeys) {
  struct stat st {};
  ASSERT_EQ(::stat((dir / "ca" / "root-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir / "ca" / "intermediate-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string root = ca->root_pem();
  auto again = CertificateAuthority::open(dir, clock);
  ASSERT_TRUE(again);
  EXPECT_EQ((*again)->root_pem(), root);
}

TEST_F(CaTest, IssuesLeafWithProfileExtensionsOnly) {
  auto key = testing::make_key("p256");
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(std::move(key)),
                  {{IdentifierType::Dns, "a.example"}, {IdentifierType::Ip, "192.0.2.1"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto issued = ca->issue_leaf(test::acme_profile(), req);
  ASSERT_TRUE(issued) << issued.error().detail;
  auto cert = parse(issued->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_ca(cert.get()), 0);
  EXPECT_EQ(X509_check_host(cert.get(), "a.example", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_ip_asc(cert.get(), "192.0.2.1", 0), 1);
  EXPECT_EQ(X509_check_host(cert.get(), "b.example", 0, 0, nullptr), 0);
  EXPECT_EQ(*certificate_serial(issued->der), req.serial);
  EXPECT_NE(X509_get_ext_by_NID(cert.get(), NID_authority_key_identifier, -1), -1);
  EXPECT_NE(X509_get_ext_by_NID(cert.get(), NID_subject_key_identifier, -1), -1);
  EXPECT_NE(issued->chain_pem.find(ca->intermediate_pem()), std::string::npos);

  // The chain verifies against the root.
  core::ossl::Bio bio(BIO_new_mem_buf(ca->root_pem().data(), -1));
  core::ossl::X509Ptr root(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  core::ossl::Bio ibio(BIO_new_mem_buf(ca->intermediate_pem().data(), -1));
  core::ossl::X509Ptr inter(PEM_read_bio_X509(ibio.get(), nullptr, nullptr, nullptr));
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, root.get());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  sk_X509_push(untrusted, inter.get());
  X509_STORE_CTX* ctx = X509_STORE_CTX_new();
  X509_STORE_CTX_init(ctx, store, cert.get(), untrusted);
  EXPECT_EQ(X509_verify_cert(ctx), 1)
      << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx));
  X509_STORE_CTX_free(ctx);
  sk_X509_free(untrusted);
  X509_STORE_free(store);
}

TEST_F(CaTest, RefusesWeakKeysAtTheLastCheck) {
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(testing::make_key("rsa1024")),
                  {{IdentifierType::Dns, "a.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  EXPECT_FALSE(ca->issue_leaf(test::acme_profile(), req));
}

TEST_F(CaTest, ServerCredentialsAreReusedWhileValid) {
  std::vector<Identifier> names{{IdentifierType::Dns, "localhost"},
                                {IdentifierType::Ip, "127.0.0.1"}};
  auto a = ca->server_credentials(names);
  ASSERT_TRUE(a) << a.error().detail;
  auto b = ca->server_credentials(names);
  ASSERT_TRUE(b);
  EXPECT_EQ(a->chain_pem, b->chain_pem);
  auto c = ca->server_credentials({{IdentifierType::Dns, "other.example"}});
  ASSERT_TRUE(c);
  EXPECT_NE(a->chain_pem, c->chain_pem);
}

TEST_F(CaTest, ClientAndServerCredentialsCarryOnlyTheirOwnUsage) {
  std::vector<Identifier> names{{IdentifierType::Dns, "ca.internal"}};
  auto client = ca->client_credentials(names);
  auto server = ca->server_credentials(names);
  ASSERT_TRUE(client && server);
  EXPECT_NE(client->chain_pem, server->chain_pem);
  EXPECT_EQ(ca->client_credentials(names)->chain_pem, client->chain_pem);  // kept
  EXPECT_TRUE(fs::exists(dir / "tls" / "client-key.pem"));
  auto agent = ca->issue_credentials(names, KeyPurpose::TlsServer);
  ASSERT_TRUE(agent);
  EXPECT_NE(agent->chain_pem, server->chain_pem);  // fresh each time

  auto purpose_ok = [](const std::string& pem, int purpose) {
    BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
    core::ossl::X509Ptr cert(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
    return X509_check_purpose(cert.get(), purpose, 0) == 1;
  };
  EXPECT_TRUE(purpose_ok(client->chain_pem, X509_PURPOSE_SSL_CLIENT));
  EXPECT_FALSE(purpose_ok(client->chain_pem, X509_PURPOSE_SSL_SERVER));
  EXPECT_TRUE(purpose_ok(server->chain_pem, X509_PURPOSE_SSL_SERVER));
  EXPECT_FALSE(purpose_ok(server->chain_pem, X509_PURPOSE_SSL_CLIENT));
}

TEST_F(CaTest, PreparedThenSignedLeavesAreTheLeavesIssuedAtOnce) {
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(testing::make_key("p256")),
                  {{IdentifierType::Dns, "a.example"}, {IdentifierType::Dns, "b.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto tbs = ca->prepare_leaf(test::acme_profile(), req);
  ASSERT_TRUE(tbs) << tbs.error().detail;
  EXPECT_EQ(tbs->serial, req.serial);
  EXPECT_EQ(tbs->issuer, ca->acme_issuer().name());
  EXPECT_EQ(tbs->identifiers, req.identifiers);
  EXPECT_EQ(tbs->key_spki_sha256, core::ossl::sha256(core::ossl::spki_der(req.public_key.get())));
  auto two_step = ca->sign_leaf(std::move(tbs).value());
  auto one_step = ca->issue_leaf(test::acme_profile(), req);
  ASSERT_TRUE(two_step && one_step);

  auto tbs_der = [](X509* cert) {
    unsigned char* der = nullptr;
    const int len = i2d_re_X509_tbs(cert, &der);
    std::string out(reinterpret_cast<char*>(der), static_cast<std::size_t>(len > 0 ? len : 0));
    OPENSSL_free(der);
    return out;
  };
  auto a = parse(two_step->der);
  auto b = parse(one_step->der);
  ASSERT_TRUE(a && b);
  EXPECT_EQ(tbs_der(a.get()), tbs_der(b.get()));  // all but the (randomized) ECDSA signature
  EXPECT_EQ(two_step->not_before, one_step->not_before);
  EXPECT_EQ(two_step->not_after, one_step->not_after);
  EXPECT_EQ(two_step->chain_pem.substr(two_step->chain_pem.size() - ca->intermediate_pem().size()),
            ca->intermediate_pem());
}

TEST_F(CaTest, ClientProfilesAreSignedByTheAcmeIssuerNeverTheInfrastructureOne) {
  policy::Profile client;
  client.name = "tlsclient";
  client.extended_key_usages = {policy::ExtendedKeyUsage::ClientAuth};
  client.key_usages = {policy::KeyUsage::DigitalSignature};
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(testing::make_key("p256")),
                  {{IdentifierType::Dns, "device.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto issued = ca->issue_leaf(certificate_profile(client), req);
  ASSERT_TRUE(issued) << issued.error().detail;
  const auto v = test::verify_chain(issued->chain_pem, ca->root_pem(), X509_PURPOSE_SSL_CLIENT);
  EXPECT_TRUE(v.ok) << v.error;
  EXPECT_FALSE(
      test::verify_chain(issued->chain_pem, ca->root_pem(), X509_PURPOSE_SSL_SERVER).ok);
  auto cert = parse(issued->der);
  ASSERT_TRUE(cert);
  EXPECT_EQ(X509_check_issued(ca->acme_issuer().certificate(), cert.get()), X509_V_OK);
  EXPECT_NE(X509_check_issued(ca->infrastructure_issuer().certificate(), cert.get()), X509_V_OK);
}

TEST_F(CaTest, IssuesLeavesFromManyThreadsAtOnce) {
  constexpr int kThreads = 4, kEach = 10;
  auto key = core::ossl::share(testing::make_key("p256"));
  std::vector<std::vector<std::string>> chains(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const auto now = clock.now();
        LeafRequest req{key,
                        {{IdentifierType::Dns, "t" + std::to_string(t) + ".example"}},
                        {now, now + std::chrono::hours(24)},
                        random_serial()};
        auto issued = ca->issue_leaf(test::acme_profile(), req);
        if (issued) chains[static_cast<std::size_t>(t)].push_back(issued->chain_pem);
      }
    });
  }
  for (auto& th : threads) th.join();
  std::set<std::string> distinct;
  for (const auto& per_thread : chains) {
    EXPECT_EQ(per_thread.size(), static_cast<std::size_t>(kEach));
    for (const auto& chain : per_thread) {
      const auto v = test::verify_chain(chain, ca->root_pem(), X509_PURPOSE_SSL_SERVER);
      EXPECT_TRUE(v.ok) << v.error;
      distinct.insert(chain);
    }
  }
  EXPECT_EQ(distinct.size(), static_cast<std::size_t>(kThreads * kEach));
}

TEST(Serial, RandomSerialsAre128Bits) {
  auto a = random_serial();
  EXPECT_EQ(a.size(), 32u);
  EXPECT_NE(a, random_serial());
}

}  // namespace
}  // namespace signet::ca
