#include "ca/ocsp.hpp"

#include <gtest/gtest.h>
#include <openssl/ocsp.h>
#include <sys/stat.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <functional>
#include <thread>

#include "ca/certificate_authority.hpp"
#include "ca/lint/lint.hpp"
#include "ca/ocsp_responder.hpp"
#include "ca/test_support.hpp"
#include "ca/x509.hpp"
#include "core/files.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using Findings = std::vector<std::string>;
using core::IdentifierType;

template <class T>
T* extension(X509* cert, int nid, int* critical = nullptr) {
  return static_cast<T*>(X509_get_ext_d2i(cert, nid, critical, nullptr));
}

class OcspTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto r = CertificateAuthority::open(tmp.path(), clock);
    ASSERT_TRUE(r) << r.error().detail;
    ca = std::move(r).value();
    auto responder = ca->ocsp_responder();
    ASSERT_TRUE(responder) << responder.error().detail;
    signer = responder->signer;
    first = std::move(responder).value();
  }

  X509* acme() const { return ca->acme_issuer().certificate(); }

  // A leaf from the ACME issuer, DER.
  std::string issue_leaf() {
    const auto now = clock.now();
    LeafRequest req{core::ossl::share(testing::make_key("p256")),
                    {{IdentifierType::Dns, "a.example"}},
                    {now - 1h, now + 24h},
                    random_serial()};
    auto issued = ca->issue_leaf(test::acme_profile(), req);
    EXPECT_TRUE(issued) << issued.error().detail;
    return issued->der;
  }

  // A DER request as OpenSSL's own client makes it.
  static std::string openssl_request(X509* leaf, X509* issuer, const EVP_MD* md,
                                     bool nonce = true) {
    core::ossl::OcspRequest req(OCSP_REQUEST_new());
    OCSP_request_add0_id(req.get(), OCSP_cert_to_id(md, leaf, issuer));
    if (nonce) OCSP_request_add1_nonce(req.get(), nullptr, -1);
    return core::ossl::der_of(req.get(), i2d_OCSP_REQUEST);
  }

  OcspSingleResponse single(const OcspCertId& id, OcspCertStatus status) const {
    OcspSingleResponse r;
    r.cert_id = id;
    r.status = status;
    r.this_update = clock.now() - 1h;
    r.next_update = clock.now() + 3 * 24h;
    return r;
  }

  struct Checked {
    bool verified = false;
    int status = -1, reason = -1;
    std::optional<core::TimePoint> revoked_at, this_update, next_update;
  };

  // Verifies a DER response the way a relying party does (the root trusted, the ACME
  // issuer untrusted) and reads what it says about cid.
  Checked check(const std::string& der, OCSP_CERTID* cid, unsigned long flags = 0) {
    Checked out;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    core::ossl::OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    EXPECT_TRUE(resp);
    if (!resp) return out;
    EXPECT_EQ(OCSP_response_status(resp.get()), OCSP_RESPONSE_STATUS_SUCCESSFUL);
    core::ossl::OcspBasicResp bs(OCSP_response_get1_basic(resp.get()));
    EXPECT_TRUE(bs);
    if (!bs) return out;
    auto root = test::parse_pem(ca->root_pem());
    test::Store store(X509_STORE_new());
    X509_STORE_add_cert(store.get(), root.get());
    STACK_OF(X509)* untrusted = sk_X509_new_null();
    sk_X509_push(untrusted, acme());
    out.verified = OCSP_basic_verify(bs.get(), untrusted, store.get(), flags) == 1;
    sk_X509_free(untrusted);
    ERR_clear_error();
    ASN1_GENERALIZEDTIME *rev = nullptr, *thisupd = nullptr, *nextupd = nullptr;
    if (OCSP_resp_find_status(bs.get(), cid, &out.status, &out.reason, &rev, &thisupd, &nextupd) !=
        1) {
      out.status = -1;
      return out;
    }
    EXPECT_EQ(OCSP_check_validity(thisupd, nextupd, 300, -1), 1);
    if (rev) out.revoked_at = detail::to_time_point(rev);
    out.this_update = detail::to_time_point(thisupd);
    out.next_update = detail::to_time_point(nextupd);
    // RFC 6960 §4.2.2.3 byKey, and the responder certificate in certs.
    const ASN1_OCTET_STRING* key_id = nullptr;
    const X509_NAME* name = nullptr;
    EXPECT_EQ(OCSP_resp_get0_id(bs.get(), &key_id, &name), 1);
    EXPECT_NE(key_id, nullptr);
    EXPECT_EQ(name, nullptr);
    const STACK_OF(X509)* certs = OCSP_resp_get0_certs(bs.get());
    EXPECT_EQ(sk_X509_num(certs), 1);
    if (sk_X509_num(certs) == 1) {
      EXPECT_EQ(X509_cmp(sk_X509_value(certs, 0), signer->certificate()), 0);
    }
    return out;
  }

  core::FixedClock clock{core::from_unix(core::to_unix(std::chrono::system_clock::now()))};
  test::TempDir tmp;
  std::unique_ptr<CertificateAuthority> ca;
  std::shared_ptr<const OcspSigner> signer;
  OcspResponder first;
};

// --- the responder certificate ---------------------------------------------------------

TEST_F(OcspTest, ResponderCertificateIsADelegatedResponder) {
  X509* cert = signer->certificate();
  ASSERT_TRUE(first.newly_signed);
  EXPECT_EQ(first.newly_signed->der, detail::to_der(cert));
  EXPECT_EQ(first.newly_signed->issuer, "acme");
  EXPECT_EQ(first.newly_signed->profile, "ocsp-responder");
  EXPECT_TRUE(first.newly_signed->identifiers.empty());
  EXPECT_EQ(first.newly_signed->serial.size(), 32u);
  EXPECT_EQ(*certificate_serial(first.newly_signed->der), first.newly_signed->serial);
  EXPECT_EQ(first.newly_signed->not_after - first.newly_signed->not_before, 30 * 24h);
  EXPECT_EQ(first.newly_signed->not_before, clock.now() - 1h);

  EXPECT_EQ(X509_verify(cert, X509_get0_pubkey(acme())), 1);
  EXPECT_EQ(X509_NAME_cmp(X509_get_issuer_name(cert), X509_get_subject_name(acme())), 0);
  EXPECT_EQ(test::subject(cert).rfind("/O=Signet/CN=Signet OCSP Responder ", 0), 0u)
      << test::subject(cert);

  core::ossl::ExtendedKeyUsage eku(extension<EXTENDED_KEY_USAGE>(cert, NID_ext_key_usage));
  ASSERT_TRUE(eku);
  ASSERT_EQ(sk_ASN1_OBJECT_num(eku.get()), 1);
  EXPECT_EQ(OBJ_obj2nid(sk_ASN1_OBJECT_value(eku.get(), 0)), NID_OCSP_sign);
  int critical = -1;
  core::ossl::Asn1BitString ku(extension<ASN1_BIT_STRING>(cert, NID_key_usage, &critical));
  ASSERT_TRUE(ku);
  EXPECT_EQ(critical, 1);
  EXPECT_EQ(ASN1_BIT_STRING_get_bit(ku.get(), 0), 1);
  for (int bit = 1; bit <= 8; ++bit) EXPECT_EQ(ASN1_BIT_STRING_get_bit(ku.get(), bit), 0);
  EXPECT_GE(X509_get_ext_by_NID(cert, NID_id_pkix_OCSP_noCheck, -1), 0);
  core::ossl::BasicConstraints bc(
      extension<BASIC_CONSTRAINTS>(cert, NID_basic_constraints, &critical));
  ASSERT_TRUE(bc);
  EXPECT_EQ(bc->ca, 0);
  EXPECT_EQ(critical, 1);
  EXPECT_LT(X509_get_ext_by_NID(cert, NID_subject_alt_name, -1), 0);
  EXPECT_GE(X509_get_ext_by_NID(cert, NID_subject_key_identifier, -1), 0);
  EXPECT_GE(X509_get_ext_by_NID(cert, NID_authority_key_identifier, -1), 0);
  EXPECT_EQ(EVP_PKEY_get_base_id(X509_get0_pubkey(cert)), EVP_PKEY_EC);
  EXPECT_EQ(EVP_PKEY_get_bits(X509_get0_pubkey(cert)), 256);

  // Chains to the root for OCSP signing, the way a relying party checks it.
  const auto chain = test::verify_chain(detail::to_pem(cert) + ca->intermediate_pem(),
                                        ca->root_pem(), X509_PURPOSE_OCSP_HELPER);
  EXPECT_TRUE(chain.ok) << chain.error;

  struct stat st {};
  ASSERT_EQ(::stat((tmp.path() / "ca" / "ocsp-responder-key.pem").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((tmp.path() / "ca" / "ocsp-responder.pem").c_str(), &st), 0);
}

TEST_F(OcspTest, ResponderIsKeptThenRenewed) {
  const std::string der = detail::to_der(signer->certificate());
  auto again = ca->ocsp_responder();
  ASSERT_TRUE(again) << again.error().detail;
  EXPECT_FALSE(again->newly_signed);
  EXPECT_EQ(detail::to_der(again->signer->certificate()), der);

  // Kept until a third of its 30 days is left...
  clock.advance(19 * 24h);
  again = ca->ocsp_responder();
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->newly_signed);
  // ...then renewed, with a new key.
  clock.advance(2 * 24h);
  auto renewed = ca->ocsp_responder();
  ASSERT_TRUE(renewed) << renewed.error().detail;
  ASSERT_TRUE(renewed->newly_signed);
  EXPECT_NE(renewed->newly_signed->der, der);
  EXPECT_NE(X509_cmp(renewed->signer->certificate(), signer->certificate()), 0);
  EXPECT_NE(renewed->newly_signed->key_spki_sha256, first.newly_signed->key_spki_sha256);
  EXPECT_EQ(renewed->newly_signed->not_before, clock.now() - 1h);

  // Missing: renewed.
  fs::remove(tmp.path() / "ca" / "ocsp-responder.pem");
  auto recreated = ca->ocsp_responder();
  ASSERT_TRUE(recreated);
  EXPECT_TRUE(recreated->newly_signed);

  // Issued by another issuer (or a key that does not match): renewed.
  test::FakeIssuer other("acme", "Other CA");
  auto foreign = kept_ocsp_responder(tmp.path() / "ca", other, clock);
  ASSERT_TRUE(foreign) << foreign.error().detail;
  EXPECT_FALSE(kept_ocsp_responder(tmp.path() / "ca", other, clock)->newly_signed);
  auto replaced = ca->ocsp_responder();
  ASSERT_TRUE(replaced);
  ASSERT_TRUE(replaced->newly_signed);
  EXPECT_EQ(X509_verify(replaced->signer->certificate(), X509_get0_pubkey(acme())), 1);
  auto key = core::read_file(tmp.path() / "ca" / "ocsp-responder-key.pem");
  ASSERT_TRUE(key);
  ASSERT_TRUE(core::write_file(tmp.path() / "ca" / "ocsp-responder-key.pem",
                               detail::key_to_pem(testing::make_key("p256").get()), 0600));
  auto rekeyed = ca->ocsp_responder();
  ASSERT_TRUE(rekeyed);
  EXPECT_TRUE(rekeyed->newly_signed);
}

TEST_F(OcspTest, ResponderNeverOutlivesItsIssuer) {
  test::FakeIssuer issuer("acme", "Short CA");  // valid until 2'000'000'000
  core::FixedClock late(core::from_unix(2'000'000'000 - 20 * 86400));
  test::TempDir dir("-short");
  auto r = kept_ocsp_responder(dir.path(), issuer, late);
  ASSERT_TRUE(r) << r.error().detail;
  ASSERT_TRUE(r->newly_signed);
  EXPECT_EQ(r->newly_signed->not_after, core::from_unix(2'000'000'000));
}

// --- requests and CertIDs --------------------------------------------------------------

TEST_F(OcspTest, RequestFromOpenSslParsesAndMatches) {
  const std::string der = issue_leaf();
  auto leaf = test::parse_der(der);
  for (const EVP_MD* md : {EVP_sha1(), EVP_sha256()}) {
    auto req = parse_ocsp_request(openssl_request(leaf.get(), acme(), md));
    ASSERT_TRUE(req) << req.error().detail;
    EXPECT_EQ(req->cert_id.hash_nid, EVP_MD_get_type(md));
    EXPECT_EQ(req->cert_id.serial, *certificate_serial(der));
    EXPECT_TRUE(req->has_nonce);
    EXPECT_TRUE(names_issuer(req->cert_id, acme()));
    EXPECT_FALSE(names_issuer(req->cert_id, ca->infrastructure_issuer().certificate()));
    // The same CertID as one made ahead of any request.
    auto ahead = ocsp_cert_id(acme(), *certificate_serial(der), EVP_MD_get_type(md));
    ASSERT_TRUE(ahead) << ahead.error().detail;
    EXPECT_EQ(ahead->der, req->cert_id.der);
    EXPECT_EQ(ahead->issuer_key_hash, req->cert_id.issuer_key_hash);
  }
  auto plain = parse_ocsp_request(openssl_request(leaf.get(), acme(), EVP_sha1(), false));
  ASSERT_TRUE(plain);
  EXPECT_FALSE(plain->has_nonce);
}

TEST_F(OcspTest, ACertIdOfAnotherIssuerDoesNotMatch) {
  test::FakeIssuer other("acme", "Other CA");
  auto id = ocsp_cert_id(other.certificate(), random_serial(), NID_sha1);
  ASSERT_TRUE(id);
  EXPECT_FALSE(names_issuer(*id, acme()));
  EXPECT_TRUE(names_issuer(*id, other.certificate()));
  // Same name, other key: the key hash tells them apart.
  auto ours = ocsp_cert_id(acme(), random_serial(), NID_sha256);
  ASSERT_TRUE(ours);
  OcspCertId forged = *ours;
  forged.issuer_key_hash = std::string(32, 'x');
  EXPECT_FALSE(names_issuer(forged, acme()));
  // A hash Signet does not compute names no issuer.
  forged = *ours;
  forged.hash_nid = NID_md5;
  EXPECT_FALSE(names_issuer(forged, acme()));
}

TEST_F(OcspTest, MalformedRequestsAreRefused) {
  auto leaf = test::parse_der(issue_leaf());
  const std::string good = openssl_request(leaf.get(), acme(), EVP_sha1());
  core::ossl::OcspRequest two(OCSP_REQUEST_new());
  OCSP_request_add0_id(two.get(), OCSP_cert_to_id(EVP_sha1(), leaf.get(), acme()));
  OCSP_request_add0_id(two.get(), OCSP_cert_to_id(EVP_sha256(), leaf.get(), acme()));
  core::ossl::OcspRequest none(OCSP_REQUEST_new());
  for (const std::string& bad :
       {std::string(), std::string("garbage"), good.substr(0, good.size() - 3), good + '\0',
        core::ossl::der_of(two.get(), i2d_OCSP_REQUEST),
        core::ossl::der_of(none.get(), i2d_OCSP_REQUEST)}) {
    auto r = parse_ocsp_request(bad);
    ASSERT_FALSE(r) << bad.size();
    EXPECT_EQ(r.error().type, core::ProblemType::Malformed);
  }
  EXPECT_EQ(ERR_peek_error(), 0u);  // nothing left on the thread's error queue
}

// --- responses -------------------------------------------------------------------------

TEST_F(OcspTest, GoodRevokedAndUnknownVerify) {
  const std::string der = issue_leaf();
  auto leaf = test::parse_der(der);
  for (const EVP_MD* md : {EVP_sha1(), EVP_sha256()}) {
    auto req = parse_ocsp_request(openssl_request(leaf.get(), acme(), md));
    ASSERT_TRUE(req);
    core::ossl::OcspCertId cid(OCSP_cert_to_id(md, leaf.get(), acme()));

    auto good =
        build_ocsp_response(*signer, single(req->cert_id, OcspCertStatus::Good), clock.now());
    ASSERT_TRUE(good) << good.error().detail;
    auto c = check(*good, cid.get());
    EXPECT_TRUE(c.verified);
    EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_GOOD);
    EXPECT_EQ(c.this_update, clock.now() - 1h);
    EXPECT_EQ(c.next_update, clock.now() + 3 * 24h);

    auto revoked_single = single(req->cert_id, OcspCertStatus::Revoked);
    revoked_single.revoked_at = clock.now() - 2h;
    revoked_single.reason = 1;  // keyCompromise
    auto revoked = build_ocsp_response(*signer, revoked_single, clock.now());
    ASSERT_TRUE(revoked) << revoked.error().detail;
    c = check(*revoked, cid.get());
    EXPECT_TRUE(c.verified);
    EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_REVOKED);
    EXPECT_EQ(c.reason, 1);
    EXPECT_EQ(c.revoked_at, clock.now() - 2h);

    revoked_single.reason = 0;  // unspecified: no revocationReason
    revoked = build_ocsp_response(*signer, revoked_single, clock.now());
    ASSERT_TRUE(revoked);
    c = check(*revoked, cid.get());
    EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_REVOKED);
    EXPECT_EQ(c.reason, OCSP_REVOKED_STATUS_NOSTATUS);

    auto unknown =
        build_ocsp_response(*signer, single(req->cert_id, OcspCertStatus::Unknown), clock.now());
    ASSERT_TRUE(unknown);
    c = check(*unknown, cid.get());
    EXPECT_TRUE(c.verified);
    EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_UNKNOWN);
  }
}

// For another CA's certificate the responder can answer unknown (RFC 6960 §2.2), signed
// by its key and chaining to Signet's root; but a delegated responder speaks only for the
// CA that issued it (RFC 6960 §4.2.2.2), so a client that checks that, as OpenSSL does,
// does not take the answer as authoritative.
TEST_F(OcspTest, AnotherIssuersCertificateIsUnknown) {
  test::FakeIssuer other("acme", "Other CA");
  auto id = ocsp_cert_id(other.certificate(), random_serial(), NID_sha1);
  ASSERT_TRUE(id);
  auto der = build_ocsp_response(*signer, single(*id, OcspCertStatus::Unknown), clock.now());
  ASSERT_TRUE(der) << der.error().detail;
  const auto* p = reinterpret_cast<const unsigned char*>(id->der.data());
  core::ossl::OcspCertId cid(d2i_OCSP_CERTID(nullptr, &p, static_cast<long>(id->der.size())));
  auto c = check(*der, cid.get());
  EXPECT_FALSE(c.verified);  // OCSP_R_ROOT_CA_NOT_TRUSTED: not this responder's CA
  EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_UNKNOWN);
  c = check(*der, cid.get(), OCSP_NOCHECKS);  // signature and chain alone
  EXPECT_TRUE(c.verified);
  EXPECT_EQ(c.status, V_OCSP_CERTSTATUS_UNKNOWN);
}

TEST_F(OcspTest, FailureResponsesCarryTheirStatusOnly) {
  for (auto [status, code] :
       {std::pair{OcspFailure::MalformedRequest, 1}, std::pair{OcspFailure::InternalError, 2},
        std::pair{OcspFailure::TryLater, 3}, std::pair{OcspFailure::Unauthorized, 6}}) {
    const std::string der = ocsp_failure_response(status);
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    core::ossl::OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    ASSERT_TRUE(resp);
    EXPECT_EQ(OCSP_response_status(resp.get()), code);
    EXPECT_EQ(OCSP_response_get1_basic(resp.get()), nullptr);
    ERR_clear_error();
  }
  EXPECT_EQ(ocsp_failure_response(OcspFailure::MalformedRequest),
            std::string("\x30\x03\x0a\x01\x01", 5));
}

TEST_F(OcspTest, OneSignerServesManyThreads) {
  auto id = ocsp_cert_id(acme(), random_serial(), NID_sha1);
  ASSERT_TRUE(id);
  const auto r = single(*id, OcspCertStatus::Good);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 20; ++i) ok += build_ocsp_response(*signer, r, clock.now()).ok() ? 1 : 0;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 80);
}

// --- the lint ---------------------------------------------------------------------------

TEST_F(OcspTest, EachResponderRuleFires) {
  auto findings_after = [&](const std::function<void(X509*)>& change, X509* issuer = nullptr) {
    core::ossl::X509Ptr cert(X509_dup(signer->certificate()));
    change(cert.get());
    Findings out;
    for (const auto& f : lint::lint_ocsp_responder(
             {cert.get(), issuer ? issuer : acme(), X509_get0_pubkey(cert.get())},
             kOcspResponderValidity))
      out.emplace_back(f.rule);
    return out;
  };
  auto replace = [](int nid, const char* value) {
    return [nid, value](X509* c) {
      const int at = X509_get_ext_by_NID(c, nid, -1);
      if (at >= 0) X509_EXTENSION_free(X509_delete_ext(c, at));
      if (value != nullptr) {
        ASSERT_TRUE(detail::add_ext(c, nullptr, nid, value));
      }
    };
  };
  EXPECT_TRUE(findings_after([](X509*) {}).empty());
  EXPECT_EQ(findings_after(replace(NID_ext_key_usage, nullptr)),
            Findings{"e_ocsp_responder_eku_missing"});
  EXPECT_EQ(findings_after(replace(NID_ext_key_usage, "OCSPSigning,serverAuth")),
            Findings{"e_ocsp_responder_eku_unexpected"});
  EXPECT_EQ(findings_after(replace(NID_ext_key_usage, "clientAuth")),
            (Findings{"e_ocsp_responder_eku_unexpected", "e_ocsp_responder_eku_missing"}));
  EXPECT_EQ(findings_after(replace(NID_id_pkix_OCSP_noCheck, nullptr)),
            Findings{"e_ocsp_responder_nocheck_missing"});
  EXPECT_EQ(findings_after(replace(NID_id_pkix_OCSP_noCheck, "critical,ignored")),
            Findings{"e_ocsp_responder_nocheck_critical"});
  EXPECT_EQ(findings_after(replace(NID_key_usage, nullptr)),
            Findings{"e_ocsp_responder_key_usage_missing"});
  EXPECT_EQ(findings_after(replace(NID_key_usage, "digitalSignature")),
            Findings{"e_ocsp_responder_key_usage_not_critical"});
  EXPECT_EQ(findings_after(replace(NID_key_usage, "critical,digitalSignature,keyEncipherment")),
            Findings{"e_ocsp_responder_key_usage"});
  EXPECT_EQ(findings_after(replace(NID_key_usage, "critical,nonRepudiation")),
            Findings{"e_ocsp_responder_key_usage"});
  EXPECT_EQ(findings_after(replace(NID_subject_alt_name, "DNS:ocsp.example")),
            Findings{"e_ocsp_responder_san_present"});
  EXPECT_EQ(findings_after(replace(NID_crl_distribution_points, "URI:http://ca.example/1.crl")),
            Findings{"e_ocsp_responder_crldp_present"});
  // The certificate rules it shares with leaves.
  EXPECT_EQ(findings_after(replace(NID_basic_constraints, "critical,CA:TRUE")),
            Findings{"e_leaf_ca_true"});
  EXPECT_EQ(findings_after([](X509* c) { detail::set_serial(c, *detail::unhex("01020304")); }),
            Findings{"e_serial_low_entropy"});
  EXPECT_EQ(findings_after([](X509* c) { detail::set_serial(c, std::string(21, '\x11')); }),
            Findings{"e_serial_too_long"});
  const auto t = core::to_unix(clock.now());
  EXPECT_EQ(findings_after([t](X509* c) { detail::set_validity(c, t, t + 31LL * 86400); }),
            Findings{"e_validity_exceeds_profile"});
  EXPECT_EQ(findings_after(replace(NID_authority_key_identifier, nullptr)),
            Findings{"e_authority_key_identifier_missing"});
  EXPECT_EQ(findings_after([](X509*) {}, ca->infrastructure_issuer().certificate()),
            (Findings{"e_issuer_name_mismatch", "e_authority_key_identifier_mismatch"}));
  EXPECT_EQ(lint::ocsp_responder_rules().size(), 11u);
}

TEST_F(OcspTest, EachResponseRuleFires) {
  auto id = ocsp_cert_id(acme(), random_serial(), NID_sha1);
  ASSERT_TRUE(id);
  const auto now = clock.now();
  auto findings = [&](const OcspSingleResponse& r, core::TimePoint at,
                      const std::function<void(OCSP_BASICRESP*)>& change = {}) {
    auto bs = build_tbs_ocsp_response(r);
    EXPECT_TRUE(bs) << bs.error().detail;
    if (change) change(bs->get());
    Findings out;
    for (const auto& f : lint::lint_ocsp_response({bs->get(), signer->certificate(), at}))
      out.emplace_back(f.rule);
    return out;
  };
  const auto good = single(*id, OcspCertStatus::Good);
  EXPECT_TRUE(findings(good, now).empty());

  auto future = good;
  future.this_update = now + 1h;
  EXPECT_EQ(findings(future, now), Findings{"e_ocsp_this_update_in_future"});
  auto backwards = good;
  backwards.next_update = good.this_update;
  EXPECT_EQ(findings(backwards, now), Findings{"e_ocsp_next_update_not_later"});
  auto long_lived = good;
  long_lived.next_update = good.this_update + 10 * 24h + 1s;
  EXPECT_EQ(findings(long_lived, now), Findings{"e_ocsp_validity_too_long"});
  auto revoked = single(*id, OcspCertStatus::Revoked);
  revoked.revoked_at = revoked.this_update + 1s;
  revoked.reason = 1;
  EXPECT_EQ(findings(revoked, now), Findings{"e_ocsp_revoked_after_this_update"});
  revoked.revoked_at = revoked.this_update;
  revoked.reason = 7;
  EXPECT_EQ(findings(revoked, now), Findings{"e_ocsp_reason"});
  // Two single responses, the second without nextUpdate.
  const auto* p = reinterpret_cast<const unsigned char*>(id->der.data());
  core::ossl::OcspCertId cid(d2i_OCSP_CERTID(nullptr, &p, static_cast<long>(id->der.size())));
  core::ossl::Asn1Time at(ASN1_GENERALIZEDTIME_set(nullptr, core::to_unix(good.this_update)));
  EXPECT_EQ(findings(good, now,
                     [&](OCSP_BASICRESP* bs) {
                       OCSP_basic_add1_status(bs, cid.get(), V_OCSP_CERTSTATUS_GOOD, 0, nullptr,
                                              at.get(), nullptr);
                     }),
            (Findings{"e_ocsp_response_count", "e_ocsp_next_update_missing"}));
  // The responder's certificate: valid now, and until nextUpdate.
  EXPECT_EQ(findings(good, now + 31 * 24h), Findings{"e_ocsp_responder_not_valid"});
  auto late = good;
  late.this_update = now + 25 * 24h;
  late.next_update = now + 32 * 24h;
  EXPECT_EQ(findings(late, now + 25 * 24h), Findings{"e_ocsp_response_outlives_responder"});
  EXPECT_EQ(lint::ocsp_response_rules().size(), 4u);

  // A finding stops the signing.
  auto refused = build_ocsp_response(*signer, long_lived, now);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().detail.find("[e_ocsp_validity_too_long]"), std::string::npos);
}

// --- the openssl command line, when there is one ------------------------------------------

std::string run(const std::string& command) {
  std::string out;
  if (FILE* f = ::popen((command + " 2>&1").c_str(), "r")) {
    char buf[512];
    while (std::fgets(buf, sizeof buf, f) != nullptr) out += buf;
    ::pclose(f);
  }
  return out;
}

TEST_F(OcspTest, OpensslOcspAcceptsTheResponses) {
  const fs::path openssl = "/usr/bin/openssl";
  if (!fs::exists(openssl)) GTEST_SKIP() << "no " << openssl;
  const fs::path d = tmp.path() / "cli";
  fs::create_directories(d);
  auto write = [&](const std::string& name, const std::string& data) {
    std::ofstream(d / name, std::ios::binary) << data;
    return (d / name).string();
  };
  auto leaf = test::parse_der(issue_leaf());
  test::FakeIssuer other("acme", "Other CA");
  const std::string root = write("root.pem", ca->root_pem());
  const std::string issuer = write("issuer.pem", detail::to_pem(acme()));
  const std::string cert = write("leaf.pem", detail::to_pem(leaf.get()));
  const std::string other_issuer = write("other.pem", detail::to_pem(other.certificate()));
  auto ask = [&](const std::string& req_der, OcspCertStatus status, const std::string& iss) {
    auto req = parse_ocsp_request(req_der);
    EXPECT_TRUE(req) << req.error().detail;
    auto s = single(req->cert_id, status);
    if (status == OcspCertStatus::Revoked) {
      s.revoked_at = clock.now() - 2h;
      s.reason = 1;
    }
    auto der = build_ocsp_response(*signer, s, clock.now());
    EXPECT_TRUE(der) << der.error().detail;
    const std::string resp = write("resp.der", *der);
    return run(openssl.string() + " ocsp -respin " + resp + " -issuer " + iss + " -cert " + cert +
               " -CAfile " + root);
  };
  const std::string req = openssl_request(leaf.get(), acme(), EVP_sha1());
  auto out = ask(req, OcspCertStatus::Good, issuer);
  EXPECT_NE(out.find("Response verify OK"), std::string::npos) << out;
  EXPECT_NE(out.find("leaf.pem: good"), std::string::npos) << out;
  out = ask(req, OcspCertStatus::Revoked, issuer);
  EXPECT_NE(out.find("Response verify OK"), std::string::npos) << out;
  EXPECT_NE(out.find("leaf.pem: revoked"), std::string::npos) << out;
  EXPECT_NE(out.find("Reason: keyCompromise"), std::string::npos) << out;
  // The same certificate asked about as if another CA had issued it. Answered unknown:
  // the status is printed, but the response does not verify (RFC 6960 §4.2.2.2: this
  // responder does not speak for that CA).
  out = ask(openssl_request(leaf.get(), other.certificate(), EVP_sha1()), OcspCertStatus::Unknown,
            other_issuer);
  EXPECT_NE(out.find("Response Verify Failure"), std::string::npos) << out;
  EXPECT_NE(out.find("leaf.pem: unknown"), std::string::npos) << out;
  // Answered unauthorized (RFC 6960 §2.3): an error, and no status at all.
  const std::string refused =
      write("refused.der", ocsp_failure_response(OcspFailure::Unauthorized));
  out = run(openssl.string() + " ocsp -respin " + refused + " -issuer " + other_issuer + " -cert " +
            cert + " -CAfile " + root);
  EXPECT_NE(out.find("Responder Error: unauthorized (6)"), std::string::npos) << out;
  EXPECT_EQ(out.find("leaf.pem:"), std::string::npos) << out;
}

}  // namespace
}  // namespace signet::ca
