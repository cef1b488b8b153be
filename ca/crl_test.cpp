#include "ca/crl.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <functional>

#include "ca/lint/lint.hpp"
#include "ca/test_support.hpp"
#include "ca/x509.hpp"

namespace signet::ca {
namespace {

using namespace std::chrono_literals;
using Findings = std::vector<std::string>;

class CrlTest : public ::testing::Test {
 protected:
  CrlRequest request() const {
    CrlRequest r;
    r.distribution_point = "http://ca.example:14080/crl/acme/3.crl";
    r.number = 42;
    r.this_update = now;
    r.next_update = now + 24h;
    r.entries = {{"0a1b2c3d4e5f60718293a4b5c6d7e8f9", now - 1h, 1},
                 {"7f00000000000000000000000000000001", now - 2h, 0}};
    return r;
  }

  core::ossl::X509Crl parse(const std::string& der) const {
    const auto* p = reinterpret_cast<const unsigned char*>(der.data());
    return core::ossl::X509Crl(d2i_X509_CRL(nullptr, &p, static_cast<long>(der.size())));
  }

  Findings findings_after(const std::function<void(X509_CRL*)>& change,
                          CrlRequest r = CrlRequest{}) {
    if (r.distribution_point.empty()) r = request();
    auto crl = build_tbs_crl(issuer, r);
    EXPECT_TRUE(crl) << crl.error().detail;
    change(crl->get());
    Findings out;
    for (const auto& f : lint::lint_crl({crl->get(), issuer.certificate(), request().distribution_point}))
      out.emplace_back(f.rule);
    return out;
  }

  const core::TimePoint now = core::from_unix(1'750'000'000);
  test::FakeIssuer issuer{"acme", "Test ACME CA"};
};

TEST_F(CrlTest, CarriesWhatRelyingPartiesCheck) {
  auto der = build_crl(issuer, request());
  ASSERT_TRUE(der) << der.error().detail;
  auto crl = parse(*der);
  ASSERT_TRUE(crl);
  EXPECT_EQ(X509_CRL_verify(crl.get(), X509_get0_pubkey(issuer.certificate())), 1);
  EXPECT_EQ(X509_CRL_get_version(crl.get()), X509_CRL_VERSION_2);
  EXPECT_EQ(*detail::to_time_point(X509_CRL_get0_lastUpdate(crl.get())), now);
  EXPECT_EQ(*detail::to_time_point(X509_CRL_get0_nextUpdate(crl.get())), now + 24h);
  core::ossl::Asn1Integer number(
      static_cast<ASN1_INTEGER*>(X509_CRL_get_ext_d2i(crl.get(), NID_crl_number, nullptr, nullptr)));
  ASSERT_TRUE(number);
  EXPECT_EQ(ASN1_INTEGER_get(number.get()), 42);

  STACK_OF(X509_REVOKED)* revoked = X509_CRL_get_REVOKED(crl.get());
  ASSERT_EQ(sk_X509_REVOKED_num(revoked), 2);
  int with_reason = 0;
  for (int i = 0; i < sk_X509_REVOKED_num(revoked); ++i) {
    X509_REVOKED* r = sk_X509_REVOKED_value(revoked, i);
    core::ossl::Asn1Enumerated reason(static_cast<ASN1_ENUMERATED*>(
        X509_REVOKED_get_ext_d2i(r, NID_crl_reason, nullptr, nullptr)));
    if (reason) {
      ++with_reason;
      EXPECT_EQ(ASN1_ENUMERATED_get(reason.get()), 1);  // keyCompromise
      EXPECT_EQ(*detail::to_time_point(X509_REVOKED_get0_revocationDate(r)), now - 1h);
    }
  }
  EXPECT_EQ(with_reason, 1);  // unspecified is left out
  EXPECT_TRUE(lint::lint_crl({crl.get(), issuer.certificate(), request().distribution_point}).empty());
}

TEST_F(CrlTest, AnEmptyShardIsACrlToo) {
  CrlRequest r = request();
  r.entries.clear();
  auto der = build_crl(issuer, r);
  ASSERT_TRUE(der) << der.error().detail;
  EXPECT_EQ(X509_CRL_get_REVOKED(parse(*der).get()), nullptr);  // no revokedCertificates
}

TEST_F(CrlTest, EachRuleFires) {
  EXPECT_EQ(findings_after([](X509_CRL* c) { X509_CRL_set_version(c, 0); }),
            Findings{"e_crl_version_not_2"});
  EXPECT_EQ(findings_after([](X509_CRL* c) {
              X509_NAME* n = X509_NAME_new();
              X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>("Other"), -1, -1, 0);
              X509_CRL_set_issuer_name(c, n);
              X509_NAME_free(n);
            }),
            Findings{"e_crl_issuer_name_mismatch"});
  CrlRequest backwards = request();
  backwards.next_update = now - 1h;
  backwards.entries.clear();
  EXPECT_EQ(findings_after([](X509_CRL*) {}, backwards), Findings{"e_crl_next_update_not_later"});
  CrlRequest long_lived = request();
  long_lived.next_update = now + 11 * 24h;
  EXPECT_EQ(findings_after([](X509_CRL*) {}, long_lived), Findings{"e_crl_validity_too_long"});
  auto drop = [](int nid) {
    return [nid](X509_CRL* c) {
      X509_EXTENSION_free(X509_CRL_delete_ext(c, X509_CRL_get_ext_by_NID(c, nid, -1)));
    };
  };
  EXPECT_EQ(findings_after(drop(NID_crl_number)), Findings{"e_crl_number_missing"});
  EXPECT_EQ(findings_after(drop(NID_authority_key_identifier)),
            Findings{"e_crl_authority_key_identifier_missing"});
  EXPECT_EQ(findings_after(drop(NID_issuing_distribution_point)), Findings{"e_crl_idp_missing"});
  CrlRequest elsewhere = request();
  elsewhere.distribution_point = "http://ca.example:14080/crl/acme/4.crl";
  EXPECT_EQ(findings_after([](X509_CRL*) {}, elsewhere), Findings{"e_crl_idp_url_mismatch"});
  CrlRequest twice = request();
  twice.entries.push_back(twice.entries.front());
  EXPECT_EQ(findings_after([](X509_CRL*) {}, twice), Findings{"e_crl_entry_duplicate"});
  CrlRequest future = request();
  future.entries.front().revoked_at = now + 1h;
  EXPECT_EQ(findings_after([](X509_CRL*) {}, future), Findings{"e_crl_entry_date_after_this_update"});
  CrlRequest unused = request();
  unused.entries.front().reason = 7;
  EXPECT_EQ(findings_after([](X509_CRL*) {}, unused), Findings{"e_crl_entry_reason"});
  CrlRequest huge = request();
  huge.entries.front().serial = std::string(42, '7');
  EXPECT_EQ(findings_after([](X509_CRL*) {}, huge), Findings{"e_crl_entry_serial"});
  CrlRequest big_number = request();
  big_number.number = ~0ULL;
  EXPECT_TRUE(findings_after([](X509_CRL*) {}, big_number).empty());  // 9 octets: fine
  EXPECT_EQ(lint::crl_rules().size(), 7u);
}

TEST_F(CrlTest, AFindingStopsTheSigning) {
  CrlRequest r = request();
  r.entries.front().reason = 7;
  auto der = build_crl(issuer, r);
  ASSERT_FALSE(der);
  EXPECT_NE(der.error().detail.find("[e_crl_entry_reason]"), std::string::npos) << der.error().detail;
}

}  // namespace
}  // namespace signet::ca
