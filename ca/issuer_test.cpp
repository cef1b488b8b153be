#include "ca/issuer.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "ca/test_support.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using core::ossl::X509Ptr;
using CrlPtr = std::unique_ptr<X509_CRL, core::ossl::Deleter<X509_CRL_free>>;

// An unsigned certificate for subject_key that names `issuer_name` as its issuer.
X509Ptr unsigned_cert(EVP_PKEY* subject_key, X509_NAME* issuer_name, const std::string& cn) {
  X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 7);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), issuer_name ? issuer_name : X509_get_subject_name(cert.get()));
  detail::set_validity(cert.get(), 1'700'000'000, 1'800'000'000);
  X509_set_pubkey(cert.get(), subject_key);
  return cert;
}

class IssuerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() /
          ("signet-issuer-" + std::to_string(::getpid()) + "-" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir);
    fs::create_directories(dir);
  }
  void TearDown() override { fs::remove_all(dir); }

  // A self-signed CA of the given key kind written as <stem>.pem and <stem>-key.pem.
  void write_ca(const std::string& stem, const std::string& kind) {
    auto key = testing::make_key(kind);
    auto cert = unsigned_cert(key.get(), nullptr, "Test CA " + stem);
    const std::string key_pem = detail::key_to_pem(key.get());
    auto signer = KeySigner::create(std::move(key));
    ASSERT_TRUE(signer);
    ASSERT_TRUE(signer->sign(cert.get()));
    ASSERT_TRUE(core::write_file(dir / (stem + "-key.pem"), key_pem, 0600));
    ASSERT_TRUE(core::write_file(dir / (stem + ".pem"), detail::to_pem(cert.get()), 0644));
  }

  std::unique_ptr<FileIssuer> open(const std::string& stem, const std::string& name = "test") {
    auto issuer = FileIssuer::open(name, dir / (stem + ".pem"), dir / (stem + "-key.pem"));
    EXPECT_TRUE(issuer) << issuer.error().detail;
    return issuer ? std::move(issuer).value() : nullptr;
  }

  fs::path dir;
};

TEST_F(IssuerTest, OpensOnceAndServesItsCertificateAsItsChain) {
  write_ca("a", "p256");
  auto issuer = FileIssuer::open("acme", dir / "a.pem", dir / "a-key.pem", "ABOVE\n");
  ASSERT_TRUE(issuer) << issuer.error().detail;
  EXPECT_EQ((*issuer)->name(), "acme");
  EXPECT_EQ(test::subject((*issuer)->certificate()), "/CN=Test CA a");
  EXPECT_EQ((*issuer)->chain_pem(), *core::read_file(dir / "a.pem") + "ABOVE\n");
  // The key is read at open and not again.
  fs::remove(dir / "a-key.pem");
  auto key = testing::make_key("p256");
  auto tbs = unsigned_cert(key.get(), X509_get_subject_name((*issuer)->certificate()), "leaf");
  EXPECT_TRUE((*issuer)->sign(tbs.get()));
}

TEST_F(IssuerTest, RefusesAKeyThatIsNotItsCertificates) {
  write_ca("a", "p256");
  write_ca("b", "p256");
  auto issuer = FileIssuer::open("acme", dir / "a.pem", dir / "b-key.pem");
  EXPECT_FALSE(issuer);
}

TEST_F(IssuerTest, SignsCertificatesNamingItWithTheDigestOfItsKey) {
  for (const auto& [kind, digest] :
       {std::pair{"p256", NID_ecdsa_with_SHA256}, std::pair{"p384", NID_ecdsa_with_SHA384},
        std::pair{"rsa2048", NID_sha256WithRSAEncryption}}) {
    write_ca(kind, kind);
    auto issuer = open(kind);
    ASSERT_TRUE(issuer);
    auto key = testing::make_key("p256");
    auto tbs = unsigned_cert(key.get(), X509_get_subject_name(issuer->certificate()), "leaf");
    ASSERT_TRUE(issuer->sign(tbs.get()));
    EXPECT_EQ(X509_verify(tbs.get(), X509_get0_pubkey(issuer->certificate())), 1) << kind;
    EXPECT_EQ(X509_get_signature_nid(tbs.get()), digest) << kind;
  }
}

TEST_F(IssuerTest, RefusesToSignWhatNamesAnotherIssuer) {
  write_ca("a", "p256");
  write_ca("b", "p256");
  auto a = open("a");
  auto b = open("b");
  ASSERT_TRUE(a && b);
  auto key = testing::make_key("p256");
  auto tbs = unsigned_cert(key.get(), X509_get_subject_name(b->certificate()), "leaf");
  EXPECT_FALSE(a->sign(tbs.get()));
  CrlPtr crl(X509_CRL_new());
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(b->certificate()));
  EXPECT_FALSE(a->sign(crl.get()));
}

TEST_F(IssuerTest, SignsCrlsWithTheSameKey) {
  write_ca("a", "p384");
  auto issuer = open("a");
  ASSERT_TRUE(issuer);
  CrlPtr crl(X509_CRL_new());
  X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2);
  X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer->certificate()));
  ASN1_TIME* now = ASN1_TIME_set(nullptr, 1'700'000'000);
  X509_CRL_set1_lastUpdate(crl.get(), now);
  ASN1_TIME_free(now);
  ASSERT_TRUE(issuer->sign(crl.get()));
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer->certificate())), 1);
}

TEST_F(IssuerTest, SignsFromManyThreadsAtOnce) {
  write_ca("a", "p256");
  auto issuer = open("a");
  ASSERT_TRUE(issuer);
  auto key = testing::make_key("p256");
  constexpr int kThreads = 4, kEach = 50;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        auto tbs = unsigned_cert(key.get(), X509_get_subject_name(issuer->certificate()),
                                 "leaf " + std::to_string(t) + "." + std::to_string(i));
        if (issuer->sign(tbs.get()) &&
            X509_verify(tbs.get(), X509_get0_pubkey(issuer->certificate())) == 1) {
          ++good;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(good.load(), kThreads * kEach);
}

}  // namespace
}  // namespace signet::ca
