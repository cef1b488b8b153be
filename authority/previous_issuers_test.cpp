// Revocation status of certificates issued by a previous ACME issuer: issued under A,
// the CA rolled over to B and opened again, then revoked; A's CRLs list it, signed by A,
// and OCSP answers revoked, signed by A; B's certificates are not affected.
#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <sqlite3.h>

#include "authority/crls.hpp"
#include "authority/ocsp.hpp"
#include "authority/test_fixture.hpp"
#include "ca/rollover.hpp"

namespace signet::authority {
namespace {

using core::IdentifierType;
using core::ossl::X509Ptr;
using namespace std::chrono_literals;

X509Ptr parse(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
}

core::ossl::X509Crl parse_crl(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return core::ossl::X509Crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
}

// The URL a certificate's CRL distribution point names.
std::string crl_url(const std::string& der) {
  auto x = parse(der);
  core::ossl::CrlDistPoints dps(static_cast<CRL_DIST_POINTS*>(
      X509_get_ext_d2i(x.get(), NID_crl_distribution_points, nullptr, nullptr)));
  if (!dps) return {};
  const GENERAL_NAME* uri =
      sk_GENERAL_NAME_value(sk_DIST_POINT_value(dps.get(), 0)->distpoint->name.fullname, 0);
  return reinterpret_cast<const char*>(ASN1_STRING_get0_data(uri->d.uniformResourceIdentifier));
}

// The serials a CRL lists, as Signet spells them.
std::vector<std::string> listed(const core::ossl::X509Crl& crl) {
  std::vector<std::string> out;
  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    core::ossl::Bignum bn(ASN1_INTEGER_to_BN(
        X509_REVOKED_get0_serialNumber(sk_X509_REVOKED_value(revoked, i)), nullptr));
    unsigned char bytes[16] = {};
    BN_bn2binpad(bn.get(), bytes, 16);
    std::string hex;
    for (unsigned char b : bytes) {
      static constexpr char kDigits[] = "0123456789abcdef";
      hex += kDigits[b >> 4];
      hex += kDigits[b & 15];
    }
    out.push_back(hex);
  }
  return out;
}

// What an OCSP answer says, and whether it verifies up to root (at `at`), its signer
// being the certificate's issuer or delegated by it (OCSP_basic_verify).
struct Said {
  int status = -1;
  bool verified = false;
  X509Ptr signer;
};

Said read(const std::string& der, X509* cert, X509* issuer, X509* root, core::TimePoint at) {
  Said s;
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  core::ossl::OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
  if (!resp) return s;
  core::ossl::OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
  if (!basic) return s;
  int reason = 0;
  ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
  s.status = OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), &reason, &revoked_at,
                                     &this_update, &next_update);
  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic.get());
  if (sk_X509_num(certs) > 0) s.signer.reset(X509_dup(sk_X509_value(certs, 0)));
  std::unique_ptr<X509_STORE, decltype(&X509_STORE_free)> store(X509_STORE_new(), &X509_STORE_free);
  X509_STORE_add_cert(store.get(), root);
  X509_VERIFY_PARAM_set_time(X509_STORE_get0_param(store.get()),
                             static_cast<time_t>(core::to_unix(at)));
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  sk_X509_push(untrusted, issuer);
  s.verified = OCSP_basic_verify(basic.get(), untrusted, store.get(), 0) == 1;
  sk_X509_free(untrusted);
  // The answer is about this certificate of this issuer.
  OCSP_CERTID* id = OCSP_cert_to_id(EVP_sha1(), cert, issuer);
  s.verified = s.verified && OCSP_resp_find(basic.get(), id, -1) == 0;
  OCSP_CERTID_free(id);
  return s;
}

std::string request_for(X509* cert, X509* issuer) {
  core::ossl::OcspRequest req(OCSP_REQUEST_new());
  OCSP_request_add0_id(req.get(), OCSP_cert_to_id(EVP_sha1(), cert, issuer));
  return core::ossl::der_of(req.get(), i2d_OCSP_REQUEST);
}

class PreviousIssuerTest : public fixture::AuthorityTest {
 protected:
  static constexpr const char* kBase = "http://ca.example:14080";

  // What a server runs over a CA: CRLs, OCSP and the authority.
  struct Server {
    Server(PreviousIssuerTest& t, ca::CertificateAuthority& ca)
        : crls(*t.store, ca, t.cpu, t.clock, CrlConfig{4, 24h, 60min, 2s, kBase}),
          ocsp(*t.store, ca, t.cpu, t.clock, OcspConfig{24h, 60s, 1000, 16, kBase}),
          authority({*t.store, ca, t.va, t.clock, t.cpu, t.io.get_executor(), &crls, &ocsp},
                    config(), rules()) {
      crls.on_revocations([this](const auto& entries) { ocsp.revoked(entries); });
    }
    CrlPublisher crls;
    OcspService ocsp;
    Authority authority;
  };

  std::unique_ptr<Server> start(ca::CertificateAuthority& with) {
    auto s = std::make_unique<Server>(*this, with);
    EXPECT_TRUE(run(s->crls.publish_all()));
    EXPECT_TRUE(run(s->ocsp.start()));
    return s;
  }

  core::Certificate issue(Server& s, const core::Account& a, const std::string& name) {
    auto o = order(a, {name});
    validate_all(a, o);
    auto key = testing::make_key("p256");
    auto done = run(
        s.authority.finalize(a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, name}})));
    EXPECT_TRUE(done) << done.error().detail;
    return run(s.authority.certificate(a, *done->certificate_serial)).value();
  }

  // Rolls the CA over to a new ACME issuer under the same root and opens it again, as a
  // restarted server does.
  std::unique_ptr<ca::CertificateAuthority> roll_over() {
    auto done = ca::rollover_ca(dir, false, clock);
    EXPECT_TRUE(done) << done.error().detail;
    auto reopened = ca::CertificateAuthority::open(dir, clock);
    EXPECT_TRUE(reopened) << reopened.error().detail;
    return std::move(reopened).value();
  }

  X509* root() {
    if (!root_) {
      const std::string& pem = ca->root_pem();
      core::ossl::Bio bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
      root_.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    }
    return root_.get();
  }
  X509Ptr root_;
};

TEST_F(PreviousIssuerTest, RevokedAfterRolloverInThePreviousIssuersCrlAndOcsp) {
  const std::string id_a = ca::issuer_id(ca->acme_issuer().certificate());
  X509Ptr issuer_a(X509_dup(ca->acme_issuer().certificate()));
  auto a = account();
  core::Certificate old_cert;
  {
    auto before = start(*ca);
    old_cert = issue(*before, a, "good-old.example");
  }
  // The URL names the issuer.
  const std::string old_url = crl_url(old_cert.der);
  ASSERT_TRUE(old_url.starts_with(std::string(kBase) + "/crl/" + id_a + "/")) << old_url;

  auto rolled = roll_over();
  ASSERT_TRUE(rolled);
  const std::string id_b = ca::issuer_id(rolled->acme_issuer().certificate());
  ASSERT_NE(id_a, id_b);
  ASSERT_EQ(rolled->previous_issuers().size(), 1u);
  EXPECT_EQ(rolled->previous_issuers()[0].id, id_a);
  auto after = start(*rolled);
  EXPECT_EQ(after->crls.issuers(), (std::vector<std::string>{id_b, id_a}));
  auto new_cert = issue(*after, a, "good-new.example");
  EXPECT_TRUE(crl_url(new_cert.der).starts_with(std::string(kBase) + "/crl/" + id_b + "/"));

  auto old_x = parse(old_cert.der);
  auto new_x = parse(new_cert.der);
  X509* issuer_b = rolled->acme_issuer().certificate();
  const auto now = clock.now();
  // Good for both, each from its own issuer.
  auto said = read(run(after->ocsp.answer(request_for(old_x.get(), issuer_a.get()))).der,
                   old_x.get(), issuer_a.get(), root(), now);
  EXPECT_EQ(said.status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_TRUE(said.verified);

  // Revoked through ACME, by the account, on the server of the new issuer.
  RevocationRequester who{a, std::nullopt};
  ASSERT_TRUE(run(after->authority.revoke(who, {old_cert.der, 1})));
  EXPECT_EQ(run(after->crls.refresh()), 1u);  // A's shard only

  const std::size_t shard = after->crls.shard_of(old_cert.serial);
  EXPECT_EQ(old_url, after->crls.url(id_a, shard));
  auto served = after->authority.current_crl(id_a, std::to_string(shard));
  ASSERT_TRUE(served);
  auto crl = parse_crl((*served)->der);
  ASSERT_TRUE(crl);
  EXPECT_EQ(listed(crl), std::vector<std::string>{old_cert.serial});
  // Signed by A, in A's name.
  EXPECT_EQ(X509_NAME_cmp(X509_CRL_get_issuer(crl.get()), X509_get_subject_name(issuer_a.get())),
            0);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer_a.get())), 1);
  // B's CRLs list nothing.
  for (std::size_t s = 0; s < 4; ++s) {
    auto b = parse_crl(after->crls.current(id_b, s)->der);
    EXPECT_TRUE(listed(b).empty()) << s;
    EXPECT_EQ(X509_CRL_verify(b.get(), X509_get0_pubkey(issuer_b)), 1);
  }

  said = read(run(after->ocsp.answer(request_for(old_x.get(), issuer_a.get()))).der, old_x.get(),
              issuer_a.get(), root(), now);
  EXPECT_EQ(said.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_TRUE(said.verified);
  ASSERT_TRUE(said.signer);
  EXPECT_EQ(X509_cmp(said.signer.get(), issuer_a.get()), 0);  // A itself

  said = read(run(after->ocsp.answer(request_for(new_x.get(), issuer_b))).der, new_x.get(),
              issuer_b, root(), now);
  EXPECT_EQ(said.status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_TRUE(said.verified);
  // A's serial asked about as B's: not B's certificate.
  said = read(run(after->ocsp.answer(request_for(old_x.get(), issuer_b))).der, old_x.get(),
              issuer_b, root(), now);
  EXPECT_EQ(said.status, V_OCSP_CERTSTATUS_UNKNOWN);
}

TEST_F(PreviousIssuerTest, RevokedByAnotherProcessReachesThePreviousIssuersCrl) {
  const std::string id_a = ca::issuer_id(ca->acme_issuer().certificate());
  auto a = account();
  core::Certificate old_cert;
  {
    auto before = start(*ca);
    old_cert = issue(*before, a, "good-old.example");
  }
  auto rolled = roll_over();
  ASSERT_TRUE(rolled);
  auto after = start(*rolled);
  // As `signet cert revoke` does: the database only.
  auto revoked = run(store->revoke_certificate(old_cert.serial, 4, clock.now(), {}));
  ASSERT_TRUE(revoked && *revoked);
  EXPECT_EQ(run(after->crls.refresh()), 1u);
  const std::size_t shard = after->crls.shard_of(old_cert.serial);
  EXPECT_EQ(listed(parse_crl(after->crls.current(id_a, shard)->der)),
            std::vector<std::string>{old_cert.serial});
}

TEST_F(PreviousIssuerTest, CertificatesRecordedWithoutIssuerKeepTheirUrl) {
  auto a = account();
  core::Certificate old_cert;
  {
    auto before = start(*ca);
    old_cert = issue(*before, a, "good-old.example");
  }
  X509Ptr issuer_a(X509_dup(ca->acme_issuer().certificate()));
  // As a version that recorded no issuer left it: its CRL named /crl/acme/<shard>.crl.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "signet.db").string().c_str(), &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "UPDATE certificates SET issuer_id = NULL", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto rolled = roll_over();
  ASSERT_TRUE(rolled);
  auto after = start(*rolled);
  const std::string id_b = ca::issuer_id(rolled->acme_issuer().certificate());
  const std::string id_a = ca::issuer_id(issuer_a.get());
  EXPECT_EQ(after->crls.issuers(), (std::vector<std::string>{id_b, id_a, "acme"}));
  RevocationRequester who{a, std::nullopt};
  ASSERT_TRUE(run(after->authority.revoke(who, {old_cert.der, 1})));
  EXPECT_EQ(run(after->crls.refresh()), 1u);
  const std::size_t shard = after->crls.shard_of(old_cert.serial);
  auto served = after->authority.current_crl("acme", std::to_string(shard));
  ASSERT_TRUE(served);
  auto crl = parse_crl((*served)->der);
  EXPECT_EQ(listed(crl), std::vector<std::string>{old_cert.serial});
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer_a.get())), 1);
  EXPECT_EQ(after->crls.url("acme", shard),
            std::string(kBase) + "/crl/acme/" + std::to_string(shard) + ".crl");
  // Not in A's own CRLs: those list what names them.
  EXPECT_TRUE(listed(parse_crl(after->crls.current(id_a, shard)->der)).empty());
}

}  // namespace
}  // namespace signet::authority
