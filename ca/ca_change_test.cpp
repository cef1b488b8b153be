// `signet ca import` and `signet ca rollover` on a data directory, and what the CA
// serves afterwards: the imported chain, alternate chains, name constraints.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ca/certificate_authority.hpp"
#include "ca/chains.hpp"
#include "ca/describe.hpp"
#include "ca/hierarchy.hpp"
#include "ca/import.hpp"
#include "ca/rollover.hpp"
#include "ca/test_support.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using core::IdentifierType;
using core::ossl::Pkey;
using core::ossl::X509Ptr;

std::string read(const fs::path& p) {
  auto r = core::read_file(p);
  return r ? *r : std::string();
}

std::unique_ptr<CertificateAuthority> open_ca(const fs::path& dir, const core::Clock& clock) {
  auto ca = CertificateAuthority::open(dir, clock);
  EXPECT_TRUE(ca) << ca.error().detail;
  return ca ? std::move(ca).value() : nullptr;
}

std::string issue(const CertificateAuthority& ca, const core::Clock& clock, const char* name) {
  const auto now = clock.now();
  LeafRequest req{core::ossl::share(testing::make_key("p256")),
                  {{IdentifierType::Dns, name}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto issued = ca.issue_leaf(test::acme_profile(), req);
  EXPECT_TRUE(issued) << issued.error().detail;
  return issued ? issued->chain_pem : std::string();
}

// A CA certificate signed by issuer_key (self-signed when issuer is null), with extra
// extensions as OpenSSL configuration text.
X509Ptr make_ca(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key,
                bool leaves_only, const std::vector<std::pair<int, const char*>>& extra = {}) {
  const auto now = std::chrono::system_clock::now();
  auto cert = build_ca_tbs(key, cn, issuer, now - std::chrono::hours(1),
                           now + std::chrono::hours(24 * 365), nullptr, leaves_only);
  EXPECT_TRUE(cert);
  for (const auto& [nid, value] : extra) {
    EXPECT_TRUE(detail::add_ext(cert->get(), issuer ? issuer : cert->get(), nid, value)) << value;
  }
  auto signer = KeySigner::create(Pkey(EVP_PKEY_dup(issuer_key)));
  EXPECT_TRUE(signer && signer->sign(cert->get()));
  return std::move(cert).value();
}

class CaChangeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca = open_ca(dir.path(), clock);
    ASSERT_TRUE(ca);
    first_root = ca->root_pem();
  }

  // An external root and an intermediate under it (permitted DNS:example.test), in
  // files beside the data directory.
  void external(bool constrained = true) {
    fs::create_directories(ext.path());
    root_key.reset(EVP_EC_gen("P-256"));
    int_key.reset(EVP_EC_gen("P-256"));
    ext_root = make_ca(root_key.get(), "External Root", nullptr, root_key.get(), false);
    std::vector<std::pair<int, const char*>> nc;
    if (constrained) nc.emplace_back(NID_name_constraints, "critical,permitted;DNS:example.test");
    ext_int =
        make_ca(int_key.get(), "External Issuing CA", ext_root.get(), root_key.get(), true, nc);
    ASSERT_TRUE(core::write_file(ext.path() / "root.pem", detail::to_pem(ext_root.get()), 0644));
    ASSERT_TRUE(core::write_file(ext.path() / "int.pem", detail::to_pem(ext_int.get()), 0644));
    ASSERT_TRUE(
        core::write_file(ext.path() / "int-key.pem", detail::key_to_pem(int_key.get()), 0600));
  }

  core::SystemClock clock;
  test::TempDir dir;
  test::TempDir ext{"-external"};
  std::unique_ptr<CertificateAuthority> ca;
  std::string first_root;
  Pkey root_key, int_key;
  X509Ptr ext_root, ext_int;
};

TEST_F(CaChangeTest, RolloverWithRootOffersBothChains) {
  const std::string before = issue(*ca, clock, "before.example");
  auto done = rollover_ca(dir.path(), true, clock);
  ASSERT_TRUE(done) << done.error().detail;
  ASSERT_TRUE(done->cross_of);
  EXPECT_TRUE(fs::exists(done->archive / "root-key.pem"));
  EXPECT_TRUE(fs::exists(done->archive / "intermediate-key.pem"));

  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  auto roots = test::parse_pem_chain(ca->root_pem());
  ASSERT_EQ(roots.size(), 2u);
  const std::string old_root = detail::to_pem(roots[1].get());
  const std::string new_root = detail::to_pem(roots[0].get());
  EXPECT_EQ(old_root, first_root);
  EXPECT_EQ(test::subject(roots[0].get()), done->root_subject);

  const std::string chain = issue(*ca, clock, "after.example");
  auto v = test::verify_chain(chain, new_root, X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
  EXPECT_FALSE(test::verify_chain(chain, old_root, X509_PURPOSE_SSL_SERVER).ok);
  const auto alternates = ca->alternate_chains(chain);
  ASSERT_EQ(alternates.size(), 1u);
  EXPECT_EQ(alternates[0].substr(0, 100), chain.substr(0, 100));  // the same leaf
  auto alt = test::verify_chain(alternates[0], old_root, X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(alt.ok) << alt.error;
  ASSERT_EQ(alt.subjects.size(), 4u);  // leaf, intermediate, cross certificate, old root
  // Certificates issued before keep their one chain, to the old root.
  EXPECT_TRUE(ca->alternate_chains(before).empty());
  EXPECT_TRUE(test::verify_chain(before, old_root, X509_PURPOSE_SSL_SERVER).ok);
  // Signet's own TLS stays under the old root.
  auto creds = ca->server_credentials({{IdentifierType::Dns, "ca.internal"}});
  ASSERT_TRUE(creds);
  EXPECT_TRUE(test::verify_chain(creds->chain_pem, old_root, X509_PURPOSE_SSL_SERVER).ok);
}

TEST_F(CaChangeTest, RolloverWithoutRootNamesANewIntermediateUnderTheSameRoot) {
  const std::string old_subject = test::subject(ca->acme_issuer().certificate());
  auto done = rollover_ca(dir.path(), false, clock);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_FALSE(done->cross_of);
  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->root_pem(), first_root);
  EXPECT_NE(test::subject(ca->acme_issuer().certificate()), old_subject);
  const std::string chain = issue(*ca, clock, "after.example");
  EXPECT_TRUE(test::verify_chain(chain, first_root, X509_PURPOSE_SSL_SERVER).ok);
  EXPECT_TRUE(ca->alternate_chains(chain).empty());
}

TEST_F(CaChangeTest, PreviousIssuersAreLoadedWhileTheirKeyIsThereAndTheyAreValid) {
  EXPECT_TRUE(ca->previous_issuers().empty());
  X509Ptr first(X509_dup(ca->acme_issuer().certificate()));
  const std::string before = issue(*ca, clock, "before.example");
  const std::string leaf = detail::to_der(test::parse_pem_chain(before).at(0).get());
  auto rolled = rollover_ca(dir.path(), false, clock);
  ASSERT_TRUE(rolled) << rolled.error().detail;
  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->previous_issuers().size(), 1u);
  const auto& prev = ca->previous_issuers()[0];
  EXPECT_EQ(prev.id, issuer_id(first.get()));
  EXPECT_EQ(prev.id.size(), 16u);
  EXPECT_NE(prev.id, issuer_id(ca->acme_issuer().certificate()));
  EXPECT_EQ(X509_cmp(prev.issuer->certificate(), first.get()), 0);
  EXPECT_EQ(X509_cmp(prev.ocsp->certificate(), first.get()), 0);  // signs as itself
  EXPECT_EQ(prev.file, rolled->archive / "intermediate.pem");
  EXPECT_TRUE(issued_by(leaf, prev.issuer->certificate()));
  EXPECT_FALSE(issued_by(leaf, ca->acme_issuer().certificate()));
  EXPECT_FALSE(issued_by("not a certificate", prev.issuer->certificate()));

  // An import: the issuer it replaces joins the previous ones, oldest first.
  X509Ptr second(X509_dup(ca->acme_issuer().certificate()));
  external(false);
  auto imported = import_ca(
      dir.path(),
      {ext.path() / "int.pem", (ext.path() / "int-key.pem").string(), ext.path() / "root.pem"},
      clock);
  ASSERT_TRUE(imported) << imported.error().detail;
  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->previous_issuers().size(), 2u);
  EXPECT_EQ(ca->previous_issuers()[1].id, issuer_id(second.get()));
  const auto described = describe_previous_issuers(dir.path(), clock.now());
  ASSERT_EQ(described.size(), 2u);
  EXPECT_EQ(described[0].role, "previous acme");
  EXPECT_EQ(described[0].file, (rolled->archive / "intermediate.pem").string());

  // Not once expired; not without its key; not with a key of another.
  EXPECT_TRUE(previous_issuer_files(dir.path(), ca->acme_issuer().certificate(),
                                    clock.now() + std::chrono::hours(24 * 365 * 6))
                  .empty());
  fs::remove(rolled->archive / "intermediate-key.pem");
  ASSERT_TRUE(core::write_file(imported->archive / "intermediate-key.pem",
                               detail::key_to_pem(Pkey(EVP_EC_gen("P-256")).get()), 0600));
  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  EXPECT_TRUE(ca->previous_issuers().empty());
  ASSERT_EQ(ca->previous_issuers_skipped().size(), 1u);
  EXPECT_NE(ca->previous_issuers_skipped()[0].find("does not match"), std::string::npos);
  EXPECT_EQ(describe_previous_issuers(dir.path(), clock.now()).size(), 1u);  // files only
}

TEST_F(CaChangeTest, ImportServesTheImportedChainAndItsNameConstraints) {
  external();
  auto done = import_ca(
      dir.path(),
      {ext.path() / "int.pem", (ext.path() / "int-key.pem").string(), ext.path() / "root.pem"},
      clock);
  ASSERT_TRUE(done) << done.error().detail;
  struct stat st {};
  ASSERT_EQ(::stat((dir.path() / "ca" / "intermediate-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ca = open_ca(dir.path(), clock);
  ASSERT_TRUE(ca);
  auto roots = test::parse_pem_chain(ca->root_pem());
  ASSERT_EQ(roots.size(), 2u);
  EXPECT_EQ(X509_cmp(roots[0].get(), ext_root.get()), 0);
  const std::string chain = issue(*ca, clock, "www.example.test");
  auto v = test::verify_chain(chain, read(ext.path() / "root.pem"), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
  EXPECT_EQ(test::parse_pem_chain(chain).size(), 2u);  // leaf and the imported intermediate
  const auto& nc = ca->name_constraints();
  ASSERT_EQ(nc.sets.size(), 1u);
  EXPECT_EQ(nc.sets[0].permitted_dns, std::vector<std::string>{"example.test"});
  EXPECT_TRUE(nc.refusal({IdentifierType::Dns, "www.example.org"}));
  EXPECT_FALSE(nc.refusal({IdentifierType::Dns, "www.example.test"}));
  // No root key here for the imported root: a rollover is refused.
  auto refused = rollover_ca(dir.path(), false, clock);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("signet ca import"), std::string::npos);
}

TEST_F(CaChangeTest, ImportRefusesWhatCannotIssueAndChangesNothing) {
  external(false);
  const std::string intermediate = read(dir.path() / "ca" / "intermediate.pem");
  Pkey other(EVP_EC_gen("P-256"));
  ASSERT_TRUE(
      core::write_file(ext.path() / "other-key.pem", detail::key_to_pem(other.get()), 0600));
  const auto attempt = [&](const fs::path& cert, const std::string& key, const fs::path& chain) {
    auto r = import_ca(dir.path(), {cert, key, chain}, clock);
    EXPECT_FALSE(r);
    EXPECT_EQ(read(dir.path() / "root.pem"), first_root);
    EXPECT_EQ(read(dir.path() / "ca" / "intermediate.pem"), intermediate);
    EXPECT_FALSE(fs::exists(dir.path() / "ca" / "archive"));
    return r ? std::string() : r.error().detail;
  };
  EXPECT_NE(attempt(ext.path() / "int.pem", (ext.path() / "other-key.pem").string(),
                    ext.path() / "root.pem")
                .find("does not match"),
            std::string::npos);
  EXPECT_NE(
      attempt(ext.path() / "int.pem", "pkcs11:token=ca", ext.path() / "root.pem").find("PKCS#11"),
      std::string::npos);
  // A chain that does not lead to the intermediate's issuer.
  Pkey stray_key(EVP_EC_gen("P-256"));
  auto stray = make_ca(stray_key.get(), "Stray Root", nullptr, stray_key.get(), false);
  ASSERT_TRUE(core::write_file(ext.path() / "stray.pem", detail::to_pem(stray.get()), 0644));
  EXPECT_NE(attempt(ext.path() / "int.pem", (ext.path() / "int-key.pem").string(),
                    ext.path() / "stray.pem")
                .find("does not verify"),
            std::string::npos);
  // Not allowed to sign: no keyCertSign; an extended key usage without serverAuth.
  Pkey k(EVP_EC_gen("P-256"));
  ASSERT_TRUE(core::write_file(ext.path() / "k.pem", detail::key_to_pem(k.get()), 0600));
  const auto now = std::chrono::system_clock::now();
  for (const char* eku : std::initializer_list<const char*>{"clientAuth", nullptr}) {
    auto tbs = build_ca_tbs(k.get(), "Odd CA", ext_root.get(), now - std::chrono::hours(1),
                            now + std::chrono::hours(24), eku ? eku : "serverAuth", true);
    ASSERT_TRUE(tbs);
    if (eku == nullptr) {
      X509_EXTENSION_free(
          X509_delete_ext(tbs->get(), X509_get_ext_by_NID(tbs->get(), NID_key_usage, -1)));
      detail::add_ext(tbs->get(), ext_root.get(), NID_key_usage, "critical,digitalSignature");
    }
    auto signer = KeySigner::create(Pkey(EVP_PKEY_dup(root_key.get())));
    ASSERT_TRUE(signer && signer->sign(tbs->get()));
    ASSERT_TRUE(core::write_file(ext.path() / "odd.pem", detail::to_pem(tbs->get()), 0644));
    const std::string why =
        attempt(ext.path() / "odd.pem", (ext.path() / "k.pem").string(), ext.path() / "root.pem");
    EXPECT_NE(why.find(eku ? "serverAuth" : "keyCertSign"), std::string::npos) << why;
  }
}

}  // namespace
}  // namespace signet::ca
