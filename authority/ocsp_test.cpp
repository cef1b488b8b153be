#include "authority/ocsp.hpp"

#include <gtest/gtest.h>
#include <openssl/ocsp.h>

#include "authority/audit.hpp"
#include "authority/test_fixture.hpp"

namespace signet::authority {
namespace {

using core::IdentifierType;
using namespace std::chrono_literals;

// What one answer says.
struct Said {
  int response_status = -1;
  int status = -1;  // V_OCSP_CERTSTATUS_*
  int reason = -1;
  std::string this_update;
  std::string responder_serial;
};

class OcspServiceTest : public fixture::AuthorityTest {
 protected:
  static core::ossl::X509Ptr parse(const std::string& der) {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return core::ossl::X509Ptr(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
  }

  // A DER OCSPRequest for cert as `issuer` issued it, its CertID hashed with md.
  static std::string request_for(X509* cert, X509* issuer, const EVP_MD* md = EVP_sha1()) {
    core::ossl::OcspRequest req(OCSP_REQUEST_new());
    OCSP_CERTID* id = OCSP_cert_to_id(md, cert, issuer);
    EXPECT_NE(id, nullptr);
    OCSP_request_add0_id(req.get(), id);
    return core::ossl::der_of(req.get(), i2d_OCSP_REQUEST);
  }
  std::string request_for(const core::Certificate& c) {
    auto x = parse(c.der);
    return request_for(x.get(), ca->acme_issuer().certificate());
  }

  static Said read(const std::string& der) {
    Said s;
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    core::ossl::OcspResponse resp(d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(der.size())));
    if (!resp) return s;
    s.response_status = OCSP_response_status(resp.get());
    core::ossl::OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
    if (!basic) return s;
    ASN1_GENERALIZEDTIME *revoked_at = nullptr, *this_update = nullptr, *next_update = nullptr;
    s.status = OCSP_single_get0_status(OCSP_resp_get0(basic.get(), 0), &s.reason, &revoked_at,
                                       &this_update, &next_update);
    s.this_update = reinterpret_cast<const char*>(ASN1_STRING_get0_data(this_update));
    const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic.get());
    if (sk_X509_num(certs) == 1) {
      core::ossl::Bignum bn(
          ASN1_INTEGER_to_BN(X509_get0_serialNumber(sk_X509_value(certs, 0)), nullptr));
      char* hex = BN_bn2hex(bn.get());
      s.responder_serial = hex;
      OPENSSL_free(hex);
    }
    return s;
  }

  Said ask(const std::string& request_der) { return read(run(ocsp.answer(request_der)).der); }

  core::Certificate issue(const core::Account& a, const std::string& name) {
    auto o = order(a, {name});
    validate_all(a, o);
    auto key = testing::make_key("p256");
    auto done = run(
        with_ocsp.finalize(a, o.id, testing::make_csr(key.get(), {{IdentifierType::Dns, name}})));
    EXPECT_TRUE(done) << done.error().detail;
    return run(with_ocsp.certificate(a, *done->certificate_serial)).value();
  }

  void SetUp() override { ASSERT_TRUE(run(ocsp.start())); }

  OcspService ocsp{*store, *ca, cpu, clock,
                   OcspConfig{24h, 60s, 1000, 16, "http://ca.example:14080"}};
  Authority with_ocsp{
      {*store, *ca, va, clock, cpu, io.get_executor(), nullptr, &ocsp}, config(), rules()};
};

TEST_F(OcspServiceTest, GoodThenRevokedAtOnceWithTheReason) {
  auto a = account();
  auto cert = issue(a, "good.example");
  // The certificate names the responder.
  auto x = parse(cert.der);
  core::ossl::AuthorityInfoAccess aia(static_cast<AUTHORITY_INFO_ACCESS*>(
      X509_get_ext_d2i(x.get(), NID_info_access, nullptr, nullptr)));
  ASSERT_TRUE(aia);
  EXPECT_EQ(OBJ_obj2nid(sk_ACCESS_DESCRIPTION_value(aia.get(), 0)->method), NID_ad_OCSP);

  const auto req = request_for(cert);
  const auto first = run(ocsp.answer(req));
  ASSERT_TRUE(first.successful);
  EXPECT_EQ(first.next_update - first.this_update, 24h);
  EXPECT_EQ(read(first.der).status, V_OCSP_CERTSTATUS_GOOD);
  // Cached: the very same bytes.
  clock.advance(5s);
  EXPECT_EQ(run(ocsp.answer(req)).der, first.der);

  RevocationRequester who{a, std::nullopt};
  ASSERT_TRUE(run(with_ocsp.revoke(who, {cert.der, 4})));
  const Said revoked = ask(req);
  EXPECT_EQ(revoked.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(revoked.reason, 4);  // superseded
}

TEST_F(OcspServiceTest, RevocationsByOtherProcessesReplaceCachedAnswers) {
  auto a = account();
  auto cert = issue(a, "good-other-process.example");
  const auto req = request_for(cert);
  EXPECT_EQ(ask(req).status, V_OCSP_CERTSTATUS_GOOD);
  // Revoked in the database alone, as `signet cert revoke` does beside the server: the
  // cached answer stays until the revocation watch reports it.
  const auto revoked =
      audit::certificate_revoked(clock.now(), cert.serial, 1, "keyCompromise", "operator:test");
  ASSERT_TRUE(run(store->revoke_certificate(cert.serial, 1, clock.now(), revoked)).value());
  EXPECT_EQ(ask(req).status, V_OCSP_CERTSTATUS_GOOD);
  ocsp.revoked({{cert.serial, clock.now(), 1}});
  const Said said = ask(req);
  EXPECT_EQ(said.status, V_OCSP_CERTSTATUS_REVOKED);
  EXPECT_EQ(said.reason, 1);
}

TEST_F(OcspServiceTest, UnknownForOtherIssuersAndUnusedSerials) {
  // A CertID naming another issuer, the same CA's infrastructure issuer included: this
  // responder speaks for the ACME issuer only.
  const Said root_issued =
      ask(request_for(ca->acme_issuer().certificate(), ca->infrastructure_issuer().certificate()));
  EXPECT_EQ(root_issued.response_status, OCSP_RESPONSE_STATUS_SUCCESSFUL);
  EXPECT_EQ(root_issued.status, V_OCSP_CERTSTATUS_UNKNOWN);

  // A serial the ACME issuer never used: unknown, and asked again a little later it is
  // looked up again (it may be a certificate being issued right now).
  auto a = account();
  auto cert = issue(a, "good-serial.example");
  auto x = parse(cert.der);
  ASN1_INTEGER_set_int64(X509_get_serialNumber(x.get()), 12345);
  const auto unused = request_for(x.get(), ca->acme_issuer().certificate());
  const Said first = ask(unused);
  EXPECT_EQ(first.status, V_OCSP_CERTSTATUS_UNKNOWN);
  clock.advance(31s);
  const Said later = ask(unused);
  EXPECT_EQ(later.status, V_OCSP_CERTSTATUS_UNKNOWN);
  EXPECT_NE(later.this_update, first.this_update);
}

TEST_F(OcspServiceTest, MalformedAndUnauthorized) {
  EXPECT_EQ(ask("not DER").response_status, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  EXPECT_EQ(ask("").response_status, OCSP_RESPONSE_STATUS_MALFORMEDREQUEST);
  auto a = account();
  auto cert = issue(a, "good-md5.example");
  auto x = parse(cert.der);
  EXPECT_EQ(ask(request_for(x.get(), ca->acme_issuer().certificate(), EVP_md5())).response_status,
            OCSP_RESPONSE_STATUS_UNAUTHORIZED);
  // SHA-256 CertIDs are answered, as SHA-1 ones are.
  EXPECT_EQ(ask(request_for(x.get(), ca->acme_issuer().certificate(), EVP_sha256())).status,
            V_OCSP_CERTSTATUS_GOOD);
}

TEST_F(OcspServiceTest, AnswersAskedForAreSignedAgainAtHalfTheirValidityOthersDropped) {
  auto a = account();
  auto asked = issue(a, "good-asked.example");
  auto idle = issue(a, "good-idle.example");
  const auto asked_req = request_for(asked);
  const Said first = ask(asked_req);
  ask(request_for(idle));
  EXPECT_EQ(ocsp.cached(), 2u);
  EXPECT_EQ(run(ocsp.refresh()), 0u);  // not due yet

  clock.advance(11h);
  ask(asked_req);  // served from the cache, and marked as asked for
  clock.advance(2h);
  EXPECT_EQ(run(ocsp.refresh()), 1u);
  EXPECT_EQ(ocsp.cached(), 1u);
  const auto again = run(ocsp.answer(asked_req));
  EXPECT_EQ(again.this_update, clock.now());
  EXPECT_NE(read(again.der).this_update, first.this_update);
}

TEST_F(OcspServiceTest, TheResponderCertificateIsRenewedWithAThirdOfItsLifeLeft) {
  auto a = account();
  auto cert = issue(a, "good-renewal.example");
  const auto req = request_for(cert);
  const std::string before = ask(req).responder_serial;
  clock.advance(std::chrono::hours(24 * 19));
  run(ocsp.refresh());
  EXPECT_EQ(ask(req).responder_serial, before);
  clock.advance(std::chrono::hours(24 * 2));
  run(ocsp.refresh());
  const Said after = ask(req);
  EXPECT_EQ(after.status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_NE(after.responder_serial, before);
}

// [ocsp] signed_by = "issuer": the ACME issuer signs its answers with its own key, and
// no delegated responder is made or renewed.
class OcspSignedByTheIssuerTest : public OcspServiceTest {
 protected:
  void SetUp() override { ASSERT_TRUE(run(by_issuer.start())); }

  OcspService by_issuer{
      *store, *ca, cpu, clock,
      OcspConfig{24h, 60s, 1000, 16, "http://ca.example:14080", OcspSignedBy::Issuer}};
};

TEST_F(OcspSignedByTheIssuerTest, TheIssuerSignsAndNoResponderIsMade) {
  auto a = account();
  auto cert = issue(a, "good-issuer-signed.example");
  const auto req = request_for(cert);
  const auto answer = run(by_issuer.answer(req));
  ASSERT_TRUE(answer.successful);
  const auto* p = reinterpret_cast<const unsigned char*>(answer.der.data());
  core::ossl::OcspResponse resp(
      d2i_OCSP_RESPONSE(nullptr, &p, static_cast<long>(answer.der.size())));
  ASSERT_TRUE(resp);
  core::ossl::OcspBasicResp basic(OCSP_response_get1_basic(resp.get()));
  ASSERT_TRUE(basic);
  X509* issuer = ca->acme_issuer().certificate();
  // Its responderID names the issuer, whose key verifies the signature.
  STACK_OF(X509)* only_issuer = sk_X509_new_null();
  sk_X509_push(only_issuer, issuer);
  EXPECT_EQ(OCSP_basic_verify(basic.get(), only_issuer, nullptr, OCSP_NOVERIFY | OCSP_NOINTERN), 1);
  sk_X509_free(only_issuer);
  const STACK_OF(X509)* certs = OCSP_resp_get0_certs(basic.get());
  ASSERT_EQ(sk_X509_num(certs), 1);
  EXPECT_EQ(X509_cmp(sk_X509_value(certs, 0), issuer), 0);
  EXPECT_EQ(read(answer.der).status, V_OCSP_CERTSTATUS_GOOD);
  EXPECT_FALSE(std::filesystem::exists(dir / "ca" / "ocsp-responder-key.pem"));
  // Nothing to renew, however long the issuer lasts.
  clock.advance(std::chrono::hours(24 * 400));
  run(by_issuer.refresh());
  EXPECT_FALSE(std::filesystem::exists(dir / "ca" / "ocsp-responder-key.pem"));
}

}  // namespace
}  // namespace signet::authority
