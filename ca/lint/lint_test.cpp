// Each rule fires on a certificate built to break it, and on nothing the builder makes.
#include "ca/lint/lint.hpp"

#include <gtest/gtest.h>
#include <openssl/x509v3.h>

#include <functional>

#include "ca/builder.hpp"
#include "ca/test_support.hpp"
#include "ca/x509.hpp"
#include "tests/support/crypto.hpp"

namespace signet::ca::lint {
namespace {

using core::IdentifierType;

class LintTest : public ::testing::Test {
 protected:
  // A certificate as the builder makes it under the default profile, unsigned.
  core::ossl::X509Ptr good(const std::string& key_kind = "p256",
                           std::vector<core::Identifier> names = {
                               {IdentifierType::Dns, "a.example"},
                               {IdentifierType::Ip, "192.0.2.1"}}) {
    LeafRequest req{core::ossl::share(testing::make_key(key_kind)),
                    std::move(names),
                    {now, now + std::chrono::hours(24)},
                    random_serial()};
    auto tbs = build_tbs(issuer, test::acme_profile(), req);
    EXPECT_TRUE(tbs) << tbs.error().detail;
    return std::move(tbs->x509);
  }

  // The certificates here carry their key decoded (no copied SubjectPublicKeyInfo).
  Leaf leaf(X509* cert) { return {cert, issuer.certificate(), X509_get0_pubkey(cert)}; }

  LeafExpectations want() const {
    LeafExpectations w;
    w.extended_key_usages = {Eku::ServerAuth};
    w.max_validity = std::chrono::hours(24 * 100);
    w.key_encipherment_for_rsa = true;
    return w;
  }

  // The findings after `change` is applied to a good certificate.
  std::vector<std::string> findings_after(const std::function<void(X509*)>& change,
                                          const LeafExpectations& w) {
    auto cert = good();
    change(cert.get());
    std::vector<std::string> out;
    for (const auto& f : lint_leaf(leaf(cert.get()), w))
      out.emplace_back(f.rule);
    return out;
  }
  std::vector<std::string> findings_after(const std::function<void(X509*)>& change) {
    return findings_after(change, want());
  }

  static void replace_ext(X509* cert, int nid, const char* value, X509* issuer = nullptr) {
    const int at = X509_get_ext_by_NID(cert, nid, -1);
    if (at >= 0) X509_EXTENSION_free(X509_delete_ext(cert, at));
    if (value != nullptr) {
      ASSERT_TRUE(detail::add_ext(cert, issuer, nid, value));
    }
  }

  const core::TimePoint now = core::from_unix(1'750'000'000);
  test::FakeIssuer issuer{"acme", "Test ACME CA"};
};

using Findings = std::vector<std::string>;

TEST_F(LintTest, WhatTheBuilderMakesIsClean) {
  for (const char* kind : {"p256", "p384", "rsa2048", "ed25519"}) {
    auto cert = good(kind);
    EXPECT_TRUE(lint_leaf(leaf(cert.get()), want()).empty()) << kind;
  }
  EXPECT_EQ(leaf_rules().size(), 12u);
}

TEST_F(LintTest, Version) {
  EXPECT_EQ(findings_after([](X509* c) { X509_set_version(c, X509_VERSION_1); }),
            Findings{"e_version_not_3"});
}

TEST_F(LintTest, SerialNumber) {
  auto set = [](const std::string& hex) {
    return [hex](X509* c) { ASSERT_TRUE(detail::set_serial(c, *detail::unhex(hex))); };
  };
  EXPECT_EQ(findings_after(set("0000")), Findings{"e_serial_not_positive"});
  EXPECT_EQ(findings_after(set("01020304")), Findings{"e_serial_low_entropy"});
  EXPECT_EQ(findings_after(set(std::string(42, '7'))), Findings{"e_serial_too_long"});
  // 20 octets with the top bit set take 21 in DER.
  EXPECT_EQ(findings_after(set(std::string(40, 'f'))), Findings{"e_serial_too_long"});
  EXPECT_TRUE(findings_after(set(std::string(40, '7'))).empty());
}

TEST_F(LintTest, IssuerName) {
  EXPECT_EQ(findings_after([](X509* c) {
              X509_NAME_add_entry_by_txt(X509_get_issuer_name(c), "O", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>("Other"), -1, -1,
                                         0);
            }),
            Findings{"e_issuer_name_mismatch"});
}

TEST_F(LintTest, Validity) {
  const auto t = core::to_unix(now);
  EXPECT_EQ(findings_after([t](X509* c) { detail::set_validity(c, t, t); }),
            Findings{"e_validity_not_positive"});
  EXPECT_EQ(findings_after([t](X509* c) { detail::set_validity(c, t, t + 101LL * 86400); }),
            Findings{"e_validity_exceeds_profile"});
  EXPECT_TRUE(findings_after([t](X509* c) { detail::set_validity(c, t, t + 100LL * 86400); }).empty());
}

TEST_F(LintTest, SubjectAltName) {
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_subject_alt_name, nullptr); }),
            (Findings{"e_san_missing", "e_cn_not_in_san"}));
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_subject_alt_name, "DNS:a.example,DNS:Bad_Name.example");
            }),
            Findings{"e_san_dns_malformed"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_subject_alt_name, "DNS:a.example,email:x@a.example");
            }),
            Findings{"e_san_unexpected_type"});
  for (const char* bad : {"DNS:a.example,DNS:a..example", "DNS:a.example,DNS:a.example.",
                          "DNS:a.example,DNS:-a.example", "DNS:a.example,DNS:*.*.example"}) {
    EXPECT_EQ(findings_after([bad](X509* c) { replace_ext(c, NID_subject_alt_name, bad); }),
              Findings{"e_san_dns_malformed"})
        << bad;
  }
  EXPECT_TRUE(findings_after([](X509* c) {
                replace_ext(c, NID_subject_alt_name, "DNS:a.example,DNS:*.b.example,IP:2001:db8::1");
              }).empty());
  // Without a subject, the SAN must be critical.
  EXPECT_EQ(findings_after([](X509* c) {
              X509_NAME* empty = X509_NAME_new();
              X509_set_subject_name(c, empty);
              X509_NAME_free(empty);
            }),
            Findings{"e_san_not_critical_without_subject"});
}

TEST_F(LintTest, CommonNameAmongTheSans) {
  EXPECT_EQ(findings_after([](X509* c) {
              X509_NAME* n = X509_NAME_new();
              X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                                         reinterpret_cast<const unsigned char*>("b.example"), -1,
                                         -1, 0);
              X509_set_subject_name(c, n);
              X509_NAME_free(n);
            }),
            Findings{"e_cn_not_in_san"});
  // An IP address as CN is compared in its text form.
  for (const char* addr : {"192.0.2.1", "2001:db8::1"}) {
    auto ip = good("p256", {{IdentifierType::Ip, addr}});
    EXPECT_TRUE(lint_leaf(leaf(ip.get()), want()).empty()) << addr;
  }
}

TEST_F(LintTest, BasicConstraints) {
  EXPECT_EQ(findings_after(
                [](X509* c) { replace_ext(c, NID_basic_constraints, "critical,CA:TRUE"); }),
            Findings{"e_leaf_ca_true"});
}

TEST_F(LintTest, KeyUsage) {
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_key_usage, nullptr); }),
            Findings{"e_key_usage_missing"});
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_key_usage, "digitalSignature"); }),
            Findings{"e_key_usage_not_critical"});
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_key_usage, "critical,keyAgreement"); }),
            (Findings{"e_key_usage_no_digital_signature", "e_key_usage_not_for_leaf"}));
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_key_usage, "critical,digitalSignature,keyEncipherment");
            }),
            Findings{"e_key_usage_key_encipherment_not_rsa"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_key_usage, "critical,digitalSignature,keyCertSign");
            }),
            Findings{"e_key_usage_not_for_leaf"});
  // keyEncipherment on an RSA key is allowed only when the profile has it.
  auto rsa = good("rsa2048");
  LeafExpectations signing_only = want();
  signing_only.key_encipherment_for_rsa = false;
  std::vector<std::string> got;
  for (const auto& f : lint_leaf(leaf(rsa.get()), signing_only))
    got.emplace_back(f.rule);
  EXPECT_EQ(got, Findings{"e_key_usage_not_in_profile"});
}

TEST_F(LintTest, ExtendedKeyUsage) {
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_ext_key_usage, nullptr); }),
            Findings{"e_eku_missing"});
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_ext_key_usage, "clientAuth"); }),
            Findings{"e_eku_not_profile"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_ext_key_usage, "serverAuth,anyExtendedKeyUsage");
            }),
            Findings{"e_eku_unexpected"});
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_ext_key_usage, "serverAuth,codeSigning"); }),
            Findings{"e_eku_unexpected"});
  LeafExpectations both = want();
  both.extended_key_usages = {Eku::ServerAuth, Eku::ClientAuth};
  EXPECT_EQ(findings_after([](X509*) {}, both), Findings{"e_eku_not_profile"});
}

TEST_F(LintTest, KeyIdentifiers) {
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_subject_key_identifier, nullptr); }),
            Findings{"e_subject_key_identifier_missing"});
  EXPECT_EQ(findings_after([](X509* c) { replace_ext(c, NID_authority_key_identifier, nullptr); }),
            Findings{"e_authority_key_identifier_missing"});
  // The key identifier of another issuer.
  test::FakeIssuer other{"acme", "Other CA"};
  EXPECT_EQ(findings_after([&](X509* c) {
              replace_ext(c, NID_authority_key_identifier, "keyid:always", other.certificate());
            }),
            Findings{"e_authority_key_identifier_mismatch"});
}

TEST_F(LintTest, PublicKey) {
  EXPECT_EQ(findings_after([](X509* c) {
              auto weak = testing::make_key("rsa1024");
              X509_set_pubkey(c, weak.get());
            }),
            Findings{"e_public_key_weak"});
  EXPECT_EQ(findings_after([](X509* c) {
              auto key = testing::make_key("secp256k1");
              X509_set_pubkey(c, key.get());
            }),
            Findings{"e_public_key_curve"});
  // The key the builder holds is not the one in the certificate.
  auto cert = good("p256");
  auto rsa = testing::make_key("rsa2048");
  std::vector<std::string> got;
  for (const auto& f : lint_leaf({cert.get(), issuer.certificate(), rsa.get()}, want()))
    got.emplace_back(f.rule);
  EXPECT_EQ(got, Findings{"e_public_key_algorithm_mismatch"});
}

TEST_F(LintTest, RevocationPointers) {
  EXPECT_TRUE(findings_after([](X509* c) {
                replace_ext(c, NID_crl_distribution_points, "URI:http://ca.example/crl/acme/1.crl");
                replace_ext(c, NID_info_access,
                            "OCSP;URI:http://ca.example/ocsp,caIssuers;URI:http://ca.example/ca/acme.crt");
              }).empty());
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_info_access, "caIssuers;URI:https://ca.example/ca/acme.crt");
            }),
            Findings{"e_revocation_pointer_not_http"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_info_access, "1.3.6.1.5.5.7.48.5;URI:http://ca.example/repo");
            }),
            Findings{"e_authority_info_access_method"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_crl_distribution_points, "URI:https://ca.example/crl/acme/1.crl");
            }),
            Findings{"e_revocation_pointer_not_http"});
  EXPECT_EQ(findings_after([](X509* c) {
              replace_ext(c, NID_info_access, "OCSP;URI:ldap://ca.example/ocsp");
            }),
            Findings{"e_revocation_pointer_not_http"});
  LeafExpectations none = want();
  none.revocation_pointers = false;
  EXPECT_EQ(findings_after(
                [](X509* c) {
                  replace_ext(c, NID_crl_distribution_points, "URI:http://ca.example/crl/acme/1.crl");
                },
                none),
            Findings{"e_revocation_pointers_not_in_profile"});
  // The issuer's certificate URL is no revocation pointer.
  EXPECT_TRUE(findings_after(
                  [](X509* c) {
                    replace_ext(c, NID_info_access, "caIssuers;URI:http://ca.example/ca/acme.crt");
                  },
                  none)
                  .empty());
}

// The builder refuses what the lint finds: a profile whose validity exceeds its own
// maximum cannot produce a certificate.
TEST_F(LintTest, TheBuilderStopsOnAFinding) {
  CertificateProfile p = test::acme_profile();
  p.max_validity = std::chrono::hours(12);
  LeafRequest req{core::ossl::share(testing::make_key("p256")),
                  {{IdentifierType::Dns, "a.example"}},
                  {now, now + std::chrono::hours(24)},
                  random_serial()};
  auto tbs = build_tbs(issuer, p, req);
  ASSERT_FALSE(tbs);
  EXPECT_EQ(tbs.error().type, core::ProblemType::ServerInternal);
  EXPECT_NE(tbs.error().detail.find("[e_validity_exceeds_profile]"), std::string::npos)
      << tbs.error().detail;
}

}  // namespace
}  // namespace signet::ca::lint
