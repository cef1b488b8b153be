#include "ca/pkcs11.hpp"

#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <openssl/x509.h>

#include <atomic>
#include <cstdlib>
#include <thread>

#include "ca/certificate_authority.hpp"
#include "ca/crl.hpp"
#include "ca/import.hpp"
#include "ca/previous.hpp"
#include "ca/rollover.hpp"
#include "ca/test_support.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// --- RFC 7512 URIs ---

TEST(Pkcs11Uri, TokenAndObject) {
  auto u = Pkcs11Uri::parse("pkcs11:token=signet;object=intermediate");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_EQ(u->token, "signet");
  EXPECT_EQ(u->object, "intermediate");
  EXPECT_FALSE(u->id);
  EXPECT_FALSE(u->serial);
}

TEST(Pkcs11Uri, PercentDecodedValuesAndType) {
  auto u = Pkcs11Uri::parse(
      "pkcs11:token=My%20CA;serial=0123abcd;manufacturer=SoftHSM%20project;model=SoftHSM%20v2;"
      "id=%01%A2%ff;type=private");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_EQ(u->token, "My CA");
  EXPECT_EQ(u->serial, "0123abcd");
  EXPECT_EQ(u->manufacturer, "SoftHSM project");
  EXPECT_EQ(u->model, "SoftHSM v2");
  EXPECT_EQ(u->id, std::string("\x01\xa2\xff", 3));
  EXPECT_FALSE(u->object);
}

TEST(Pkcs11Uri, RefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"token=signet;object=k", "does not start with \"pkcs11:\""},
      {"pkcs11:token=signet;object=k?pin-value=1234", "a PIN never goes in the key URI"},
      {"pkcs11:token=signet;object=k?pin-source=file:/tmp/pin", "a PIN never goes in the key URI"},
      {"pkcs11:token=signet;object=k?module-path=/usr/lib/x.so", "[ca] pkcs11_module"},
      {"pkcs11:token=signet;object=k?foo=bar", "unsupported query attribute \"foo\""},
      {"pkcs11:token=signet;object=k;slot-id=3", "unsupported attribute \"slot-id\""},
      {"pkcs11:token=signet;object=k;type=cert", "type must be private"},
      {"pkcs11:token=signet;token=other;object=k", "token given twice"},
      {"pkcs11:token=signet;object=a%2", "bad percent-encoding in object"},
      {"pkcs11:token=signet;object", "has no value"},
      {"pkcs11:object=k", "names no token"},
      {"pkcs11:token=signet", "names no key"},
  };
  for (const auto& [uri, why] : cases) {
    auto u = Pkcs11Uri::parse(uri);
    ASSERT_FALSE(u) << uri;
    EXPECT_NE(u.error().detail.find(why), std::string::npos) << uri << ": " << u.error().detail;
  }
}

// --- A throwaway SoftHSM2 token ---

constexpr const char* kPin = "1234";

std::optional<fs::path> softhsm_module() {
  for (const char* p :
       {"/usr/lib/softhsm/libsofthsm2.so", "/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"}) {
    if (fs::exists(p)) return fs::path(p);
  }
  return std::nullopt;
}

// A SoftHSM2 token labelled "signet" (user PIN 1234) in a directory of its own. SoftHSM
// reads SOFTHSM2_CONF when the module is initialised, so the token store is this
// test's alone. Skips when SoftHSM2 is not installed.
class SoftHsmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto module = softhsm_module();
    if (!module || std::system("command -v softhsm2-util >/dev/null 2>&1") != 0) {
      GTEST_SKIP() << "SoftHSM2 is not installed (Debian package softhsm2)";
    }
    module_ = *module;
    fs::create_directories(dir_.path() / "tokens");
    const fs::path conf = dir_.path() / "softhsm2.conf";
    ASSERT_TRUE(core::write_file(conf,
                                 "directories.tokendir = " + (dir_.path() / "tokens").string() +
                                     "\nobjectstore.backend = file\nlog.level = ERROR\n",
                                 0600));
    ::setenv("SOFTHSM2_CONF", conf.c_str(), 1);
    const std::string init = "softhsm2-util --init-token --free --label signet --pin " +
                             std::string(kPin) + " --so-pin 5678 >/dev/null";
    ASSERT_EQ(std::system(init.c_str()), 0);
  }

  Pkcs11KeySpec spec(const std::string& uri = "pkcs11:token=signet;object=intermediate",
                     const std::string& pin = kPin) const {
    return {uri, module_, pin};
  }

  // A logged-in token holding a fresh key for spec's URI.
  std::shared_ptr<const Pkcs11Key> token_with_key() const {
    auto key = Pkcs11Key::login(spec());
    EXPECT_TRUE(key) << key.error().detail;
    if (!key) return nullptr;
    auto pub = (*key)->generate_ec_p256();
    EXPECT_TRUE(pub) << pub.error().detail;
    return std::move(key).value();
  }

  // The CA in data(), its ACME issuer's key on the token.
  std::unique_ptr<CertificateAuthority> open_ca(std::shared_ptr<const Pkcs11Key> token) const {
    auto ca = CertificateAuthority::open(data(), clock_, std::move(token));
    EXPECT_TRUE(ca) << ca.error().detail;
    return ca ? std::move(ca).value() : nullptr;
  }
  fs::path data() const { return dir_.path() / "data"; }

  // A leaf from ca, with the chain it is served with.
  std::string issue_chain(const CertificateAuthority& ca, const char* name) const {
    const auto now = clock_.now();
    LeafRequest req{core::ossl::share(core::ossl::Pkey(EVP_EC_gen("P-256"))),
                    {{core::IdentifierType::Dns, name}},
                    {now, now + std::chrono::hours(24)},
                    random_serial()};
    auto issued = ca.issue_leaf(test::acme_profile(), req);
    EXPECT_TRUE(issued) << issued.error().detail;
    return issued ? issued->chain_pem : std::string();
  }

  core::SystemClock clock_;
  TempDir dir_{"-hsm"};
  fs::path module_;
};

TEST_F(SoftHsmTest, GeneratedKeyStaysInTheTokenAndSigns) {
  auto key = Pkcs11Key::login(spec());
  ASSERT_TRUE(key) << key.error().detail;
  auto pub = (*key)->generate_ec_p256();
  ASSERT_TRUE(pub) << pub.error().detail;
  EXPECT_EQ(EVP_PKEY_get_base_id(pub->get()), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(pub->get()), 256);

  auto priv = (*key)->private_key();
  ASSERT_TRUE(priv) << priv.error().detail;
  // OpenSSL holds no private scalar, only a handle to the token's key: encoded, the
  // privateKey OCTET STRING (RFC 5915 §3) is 32 zero bytes.
  const std::string der = core::ossl::der_of(priv->get(), i2d_PrivateKey);
  EXPECT_NE(der.find(std::string("\x04\x20", 2) + std::string(32, '\0')), std::string::npos);
  EXPECT_EQ(core::ossl::spki_der(priv->get()), core::ossl::spki_der(pub->get()));

  // A certificate signed in the token verifies under the public key it returned.
  auto signer = KeySigner::create(std::move(priv).value());
  ASSERT_TRUE(signer) << signer.error().detail;
  core::ossl::X509Ptr cert(X509_new());
  X509_set_version(cert.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), 1);
  X509_NAME_add_entry_by_txt(X509_get_subject_name(cert.get()), "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>("token"), -1, -1, 0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(cert.get()));
  detail::set_validity(cert.get(), 1'700'000'000, 1'800'000'000);
  X509_set_pubkey(cert.get(), pub->get());
  ASSERT_TRUE(signer->sign(cert.get()));
  EXPECT_EQ(X509_verify(cert.get(), pub->get()), 1);
  EXPECT_TRUE(signer->matches(cert.get()));
}

TEST_F(SoftHsmTest, KeygenRefusesANameInUse) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  auto again = token->generate_ec_p256();
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().detail.find("already holds a private key named by object=intermediate"),
            std::string::npos)
      << again.error().detail;
}

TEST_F(SoftHsmTest, KeyFoundById) {
  auto key = Pkcs11Key::login(spec("pkcs11:token=signet;object=byid;id=%42%43"));
  ASSERT_TRUE(key) << key.error().detail;
  ASSERT_TRUE((*key)->generate_ec_p256());
  auto by_id = Pkcs11Key::login(spec("pkcs11:token=signet;id=%42%43"));
  ASSERT_TRUE(by_id) << by_id.error().detail;
  EXPECT_TRUE((*by_id)->private_key());
  auto other_id = Pkcs11Key::login(spec("pkcs11:token=signet;id=%42%44"));
  ASSERT_TRUE(other_id) << other_id.error().detail;
  EXPECT_FALSE((*other_id)->private_key());
}

TEST_F(SoftHsmTest, ErrorsNameWhatIsWrong) {
  auto wrong_pin = Pkcs11Key::login(spec("pkcs11:token=signet;object=intermediate", "0000"));
  ASSERT_FALSE(wrong_pin);
  EXPECT_NE(wrong_pin.error().detail.find("wrong PIN"), std::string::npos)
      << wrong_pin.error().detail;

  auto no_token = Pkcs11Key::login(spec("pkcs11:token=elsewhere;object=intermediate"));
  ASSERT_FALSE(no_token);
  EXPECT_NE(no_token.error().detail.find("no token \"elsewhere\""), std::string::npos)
      << no_token.error().detail;

  auto no_module = Pkcs11Key::login({"pkcs11:token=signet;object=x", "/nonexistent/p11.so", kPin});
  ASSERT_FALSE(no_module);
  EXPECT_NE(no_module.error().detail.find("/nonexistent/p11.so does not exist"), std::string::npos)
      << no_module.error().detail;

  auto key = Pkcs11Key::login(spec());
  ASSERT_TRUE(key) << key.error().detail;
  auto missing = (*key)->private_key();
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().detail.find("no private key \"intermediate\" on token \"signet\""),
            std::string::npos)
      << missing.error().detail;
}

// The hierarchy with the ACME issuer's key in the token: certificates, CRLs and the
// OCSP responder's certificate are signed there; no key file for it exists.
TEST_F(SoftHsmTest, HierarchyIssuesThroughTheToken) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  auto ca = open_ca(token);
  ASSERT_TRUE(ca);
  EXPECT_TRUE(fs::exists(data() / "ca" / "intermediate.pem"));
  EXPECT_FALSE(fs::exists(data() / "ca" / "intermediate-key.pem"));
  EXPECT_TRUE(fs::exists(data() / "ca" / "infrastructure-key.pem"));
  auto pub = token->public_key();
  ASSERT_TRUE(pub);
  EXPECT_EQ(core::ossl::spki_der(X509_get0_pubkey(ca->acme_issuer().certificate())),
            core::ossl::spki_der(pub->get()));

  const auto now = clock_.now();
  LeafRequest req{core::ossl::share(core::ossl::Pkey(EVP_EC_gen("P-256"))),
                  {{core::IdentifierType::Dns, "hsm.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto issued = ca->issue_leaf(test::acme_profile(), req);
  ASSERT_TRUE(issued) << issued.error().detail;
  auto leaf = test::parse_der(issued->der);
  ASSERT_TRUE(leaf);
  EXPECT_EQ(X509_verify(leaf.get(), pub->get()), 1);
  auto verified = test::verify_chain(detail::to_pem(leaf.get()) + ca->intermediate_pem(),
                                     ca->root_pem(), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(verified.ok) << verified.error;

  auto responder = ca->ocsp_responder();
  ASSERT_TRUE(responder) << responder.error().detail;
  ASSERT_TRUE(responder->newly_signed);
  auto responder_cert = test::parse_der(responder->newly_signed->der);
  EXPECT_EQ(X509_verify(responder_cert.get(), pub->get()), 1);
  // Or the issuer answers for itself: the token's key signs the response.
  auto itself = ca->issuer_ocsp_responder();
  ASSERT_TRUE(itself) << itself.error().detail;
  EXPECT_FALSE(itself->newly_signed);
  EXPECT_EQ(X509_cmp(itself->signer->certificate(), ca->acme_issuer().certificate()), 0);
  core::ossl::OcspBasicResp bs(OCSP_BASICRESP_new());
  ASSERT_TRUE(itself->signer->sign(bs.get()));
  STACK_OF(X509)* only_issuer = sk_X509_new_null();
  sk_X509_push(only_issuer, ca->acme_issuer().certificate());
  EXPECT_EQ(OCSP_basic_verify(bs.get(), only_issuer, nullptr, OCSP_NOVERIFY | OCSP_NOINTERN), 1);
  sk_X509_free(only_issuer);

  // Opened again (as on the next start): the certificate made for the token is kept.
  const std::string cert_pem = *core::read_file(data() / "ca" / "intermediate.pem");
  ca.reset();
  EXPECT_TRUE(open_ca(token));
  EXPECT_EQ(*core::read_file(data() / "ca" / "intermediate.pem"), cert_pem);
}

// A directory whose ACME issuer has a file key, opened with a token key: the mismatch
// is named, nothing is replaced.
TEST_F(SoftHsmTest, TokenKeyMustMatchTheCertificate) {
  ASSERT_TRUE(open_ca(nullptr));  // file keys
  auto token = token_with_key();
  ASSERT_TRUE(token);
  auto ca = CertificateAuthority::open(data(), clock_, token);
  ASSERT_FALSE(ca);
  EXPECT_NE(ca.error().detail.find("the key on token \"signet\" does not match"), std::string::npos)
      << ca.error().detail;
}

// --- `signet ca rollover --pkcs11`, and changes to a CA whose key is in the token ---

// Rolled over from file keys to a key made in the token: the root signs the new
// issuer's certificate, no key file is left for it, and the CA issues through the token.
TEST_F(SoftHsmTest, RolloverMakesTheNewIssuerKeyInTheToken) {
  auto ca = open_ca(nullptr);
  ASSERT_TRUE(ca);
  const std::string root = ca->root_pem();
  const std::string old_cert = *core::read_file(data() / "ca" / "intermediate.pem");
  ca.reset();
  auto token = Pkcs11Key::login(spec("pkcs11:token=signet;object=issuer-2"));
  ASSERT_TRUE(token) << token.error().detail;
  auto done = rollover_ca(data(), false, clock_, token->get());
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_FALSE(fs::exists(data() / "ca" / "intermediate-key.pem"));
  EXPECT_TRUE(fs::exists(done->archive / "intermediate-key.pem"));
  EXPECT_EQ(*core::read_file(done->archive / "intermediate.pem"), old_cert);

  std::shared_ptr<const Pkcs11Key> key = std::move(token).value();
  auto pub = key->public_key();
  ASSERT_TRUE(pub) << pub.error().detail;
  ca = open_ca(key);
  ASSERT_TRUE(ca);
  EXPECT_EQ(core::ossl::spki_der(X509_get0_pubkey(ca->acme_issuer().certificate())),
            core::ossl::spki_der(pub->get()));
  EXPECT_EQ(ca->root_pem(), root);
  auto v = test::verify_chain(issue_chain(*ca, "after.example"), root, X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
  // Without the token the new issuer cannot sign: the next start names what is missing.
  ca.reset();
  auto without = CertificateAuthority::open(data(), clock_);
  ASSERT_FALSE(without);
  EXPECT_NE(without.error().detail.find("[ca] key"), std::string::npos) << without.error().detail;
}

// A URI whose key exists already (here: the current issuer's) is refused, changing
// nothing; so is a CA without its root's key, before the token is touched.
TEST_F(SoftHsmTest, RolloverRefusesAKeyNameInUse) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  ASSERT_TRUE(open_ca(token));
  const std::string cert = *core::read_file(data() / "ca" / "intermediate.pem");
  auto refused = rollover_ca(data(), true, clock_, token.get());
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("already holds a private key named by object=intermediate"),
            std::string::npos)
      << refused.error().detail;
  EXPECT_EQ(*core::read_file(data() / "ca" / "intermediate.pem"), cert);
  EXPECT_FALSE(fs::exists(data() / "ca" / "archive"));
  EXPECT_EQ(test::parse_pem_chain(*core::read_file(data() / "root.pem")).size(), 1u);

  fs::rename(data() / "ca" / "root-key.pem", dir_.path() / "root-key.pem");
  auto fresh = Pkcs11Key::login(spec("pkcs11:token=signet;object=unused"));
  ASSERT_TRUE(fresh) << fresh.error().detail;
  ASSERT_FALSE(rollover_ca(data(), false, clock_, fresh->get()));
  EXPECT_FALSE((*fresh)->private_key());  // no key was made
}

// From a token key to a new root and a new token key: both chains verify, each to its
// root, and the token's old key stays usable for what it signed.
TEST_F(SoftHsmTest, RolloverWithRootFromTokenToToken) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  auto ca = open_ca(token);
  ASSERT_TRUE(ca);
  const std::string old_root = ca->root_pem();
  ca.reset();
  auto next = Pkcs11Key::login(spec("pkcs11:token=signet;object=issuer-2"));
  ASSERT_TRUE(next) << next.error().detail;
  auto done = rollover_ca(data(), true, clock_, next->get());
  ASSERT_TRUE(done) << done.error().detail;
  ASSERT_TRUE(done->cross_of);
  EXPECT_FALSE(fs::exists(data() / "ca" / "intermediate-key.pem"));
  EXPECT_FALSE(fs::exists(done->archive / "intermediate-key.pem"));  // there was none

  ca = open_ca(std::move(next).value());
  ASSERT_TRUE(ca);
  auto roots = test::parse_pem_chain(ca->root_pem());
  ASSERT_EQ(roots.size(), 2u);
  EXPECT_EQ(detail::to_pem(roots[1].get()), old_root);
  const std::string chain = issue_chain(*ca, "after.example");
  auto v = test::verify_chain(chain, detail::to_pem(roots[0].get()), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
  const auto alternates = ca->alternate_chains(chain);
  ASSERT_EQ(alternates.size(), 1u);
  auto alt = test::verify_chain(alternates[0], old_root, X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(alt.ok) << alt.error;
}

// The current issuer's key is in the token and the new one is a file: the token is not
// needed, and the CA opens with file keys afterwards.
TEST_F(SoftHsmTest, RolloverFromTheTokenToAFileKey) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  ASSERT_TRUE(open_ca(token));
  auto done = rollover_ca(data(), false, clock_);
  ASSERT_TRUE(done) << done.error().detail;
  EXPECT_TRUE(fs::exists(data() / "ca" / "intermediate-key.pem"));
  auto ca = open_ca(nullptr);
  ASSERT_TRUE(ca);
  auto v =
      test::verify_chain(issue_chain(*ca, "file.example"), ca->root_pem(), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
}

// The issuer a rollover replaced had its key in the token: named by its URI in the
// archive (as `signet ca rollover --config` writes it), it is loaded through the
// server's login to the token and signs its CRLs and OCSP answers with its own key.
TEST_F(SoftHsmTest, PreviousIssuerInTheTokenSignsThroughTheServersLogin) {
  const std::string first = "pkcs11:token=signet;object=intermediate";
  auto token = token_with_key();
  ASSERT_TRUE(token);
  ASSERT_TRUE(open_ca(token));
  core::ossl::X509Ptr old_cert(
      detail::x509_from_pem(*core::read_file(data() / "ca" / "intermediate.pem")).value());
  token.reset();
  auto next = Pkcs11Key::login(spec("pkcs11:token=signet;object=issuer-2"));
  ASSERT_TRUE(next) << next.error().detail;
  auto done = rollover_ca(data(), false, clock_, next->get());
  ASSERT_TRUE(done) << done.error().detail;
  std::shared_ptr<const Pkcs11Key> server_key = std::move(next).value();
  // Without the URI in the archive, the previous issuer is not found.
  auto ca = open_ca(server_key);
  ASSERT_TRUE(ca);
  EXPECT_TRUE(ca->previous_issuers().empty());
  EXPECT_FALSE(write_archived_key_uri(done->archive, first + "?pin-value=1234"));

  ASSERT_TRUE(write_archived_key_uri(done->archive, first));
  EXPECT_EQ(*core::read_file(done->archive / "intermediate-key.uri"), first + "\n");
  ca = open_ca(server_key);
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->previous_issuers().size(), 1u);
  EXPECT_TRUE(ca->previous_issuers_skipped().empty());
  const auto& prev = ca->previous_issuers()[0];
  EXPECT_EQ(prev.id, issuer_id(old_cert.get()));
  EXPECT_EQ(X509_cmp(prev.issuer->certificate(), old_cert.get()), 0);
  EXPECT_EQ(prev.file, done->archive / "intermediate.pem");

  // Its CRL verifies under the old issuer's public key, not the new one's.
  const auto now = clock_.now();
  CrlRequest req;
  req.distribution_point = "http://example.test/crl/" + prev.id + "/0.crl";
  req.number = 1;
  req.this_update = now;
  req.next_update = now + std::chrono::hours(24);
  req.entries = {{"0badc0de", now, 1}};
  auto crl_der = build_crl(*prev.issuer, req);
  ASSERT_TRUE(crl_der) << crl_der.error().detail;
  const auto* p = reinterpret_cast<const unsigned char*>(crl_der->data());
  core::ossl::X509Crl crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(crl_der->size())));
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(old_cert.get())), 1);
  EXPECT_NE(X509_CRL_verify(crl.get(), X509_get0_pubkey(ca->acme_issuer().certificate())), 1);
  // Its OCSP answers are signed by it too.
  EXPECT_EQ(X509_cmp(prev.ocsp->certificate(), old_cert.get()), 0);
  core::ossl::OcspBasicResp bs(OCSP_BASICRESP_new());
  ASSERT_TRUE(prev.ocsp->sign(bs.get()));
  EXPECT_EQ(OCSP_basic_verify(bs.get(), nullptr, nullptr, OCSP_NOVERIFY), 1);
  // The current issuer signs through the same login alongside.
  auto v = test::verify_chain(issue_chain(*ca, "after.example"), ca->root_pem(),
                              X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;

  // A URI naming another key (the current issuer's): skipped, saying why.
  ASSERT_TRUE(write_archived_key_uri(done->archive, "pkcs11:token=signet;object=issuer-2"));
  ca = open_ca(server_key);
  ASSERT_TRUE(ca);
  EXPECT_TRUE(ca->previous_issuers().empty());
  ASSERT_EQ(ca->previous_issuers_skipped().size(), 1u);
  EXPECT_NE(ca->previous_issuers_skipped()[0].find("does not match"), std::string::npos)
      << ca->previous_issuers_skipped()[0];
  // One on another token: skipped.
  ASSERT_TRUE(write_archived_key_uri(done->archive, "pkcs11:token=other;object=intermediate"));
  ca = open_ca(server_key);
  ASSERT_TRUE(ca);
  ASSERT_EQ(ca->previous_issuers_skipped().size(), 1u);
  EXPECT_NE(ca->previous_issuers_skipped()[0].find("names another token"), std::string::npos)
      << ca->previous_issuers_skipped()[0];
}

// From a token issuer to a file one: a server with no token configured skips the
// previous issuer whose key is in the token, saying why.
TEST_F(SoftHsmTest, PreviousIssuerInTheTokenIsSkippedWithoutAToken) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  ASSERT_TRUE(open_ca(token));
  token.reset();
  auto done = rollover_ca(data(), false, clock_);
  ASSERT_TRUE(done) << done.error().detail;
  ASSERT_TRUE(write_archived_key_uri(done->archive, "pkcs11:token=signet;object=intermediate"));
  EXPECT_EQ(previous_issuer_files(data(), nullptr, clock_.now()).size(), 1u);
  auto ca = open_ca(nullptr);
  ASSERT_TRUE(ca);
  EXPECT_TRUE(ca->previous_issuers().empty());
  ASSERT_EQ(ca->previous_issuers_skipped().size(), 1u);
  const std::string& why = ca->previous_issuers_skipped()[0];
  EXPECT_NE(why.find("pkcs11:token=signet;object=intermediate"), std::string::npos) << why;
  EXPECT_NE(why.find("no token configured ([ca] key"), std::string::npos) << why;
}

// An import into a data directory whose issuer's key is in the token: the token is not
// needed to open what is there.
TEST_F(SoftHsmTest, ImportOverATokenIssuer) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  ASSERT_TRUE(open_ca(token));
  // Another CA's intermediate, its key a file, and its root as the chain.
  const fs::path other = dir_.path() / "other";
  ASSERT_TRUE(CertificateAuthority::open(other, clock_));
  auto done = import_ca(data(),
                        {other / "ca" / "intermediate.pem",
                         (other / "ca" / "intermediate-key.pem").string(), other / "root.pem"},
                        clock_);
  ASSERT_TRUE(done) << done.error().detail;
  auto ca = open_ca(nullptr);
  ASSERT_TRUE(ca);
  auto v = test::verify_chain(issue_chain(*ca, "imported.example"),
                              *core::read_file(other / "root.pem"), X509_PURPOSE_SSL_SERVER);
  EXPECT_TRUE(v.ok) << v.error;
}

// Signatures from many threads at once, as the CPU pool makes them.
TEST_F(SoftHsmTest, ConcurrentSigning) {
  auto token = token_with_key();
  ASSERT_TRUE(token);
  auto ca = open_ca(token);
  ASSERT_TRUE(ca);
  const Issuer& issuer = ca->acme_issuer();
  EVP_PKEY* issuer_key = X509_get0_pubkey(issuer.certificate());

  constexpr int kThreads = 8, kEach = 25;
  std::atomic<int> good{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        core::ossl::X509Crl crl(X509_CRL_new());
        X509_CRL_set_version(crl.get(), X509_CRL_VERSION_2);
        X509_CRL_set_issuer_name(crl.get(), X509_get_subject_name(issuer.certificate()));
        core::ossl::Asn1Time now(ASN1_TIME_set(nullptr, 1'700'000'000 + t * 1000 + i));
        X509_CRL_set1_lastUpdate(crl.get(), now.get());
        if (issuer.sign(crl.get()) && X509_CRL_verify(crl.get(), issuer_key) == 1) ++good;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(good.load(), kThreads * kEach);
}

}  // namespace
}  // namespace signet::ca
