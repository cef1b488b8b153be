// The operator's JSON: parsed back, each field where the commands' users expect it.
#include "server/json/admin.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace signet::server::json {
namespace {

rapidjson::Document parse(const std::string& text) {
  rapidjson::Document d;
  d.Parse(text.c_str());
  EXPECT_FALSE(d.HasParseError()) << text;
  return d;
}

core::Certificate certificate() {
  core::Certificate c;
  c.serial = "0a1b";
  c.account_id = core::AccountId{"acct"};
  c.order_id = core::OrderId{"ord"};
  c.chain_pem =
      "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n"
      "-----BEGIN CERTIFICATE-----\nISSUER\n-----END CERTIFICATE-----\n";
  c.key_spki_sha256 = std::string("\x01\xfe", 2);
  c.identifiers = {{core::IdentifierType::Dns, "a.example"}};
  c.not_before = core::from_unix(1'700'000'000);
  c.not_after = core::from_unix(1'700'086'400);
  c.issued_at = c.not_before;
  c.profile = "tlsserver";
  return c;
}

TEST(AdminJson, CertificatesWithStatusAndRevocation) {
  auto c = certificate();
  const auto now = core::from_unix(1'700'000'100);
  auto d = parse(encode_admin_certificate(c, now, true));
  EXPECT_STREQ(d["serial"].GetString(), "0a1b");
  EXPECT_STREQ(d["status"].GetString(), "valid");
  EXPECT_TRUE(d["revoked_at"].IsNull());
  EXPECT_TRUE(d["revocation_reason"].IsNull());
  EXPECT_STREQ(d["key_sha256"].GetString(), "01fe");
  EXPECT_STREQ(d["identifiers"][0]["value"].GetString(), "a.example");
  EXPECT_STREQ(d["pem"].GetString(),
               "-----BEGIN CERTIFICATE-----\nLEAF\n-----END CERTIFICATE-----\n");

  c.revoked_at = now;
  c.revocation_reason = 1;
  auto listed = parse(encode_admin_certificates({{c}, true}, now));
  const auto& r = listed["certificates"][0];
  EXPECT_STREQ(r["status"].GetString(), "revoked");
  EXPECT_EQ(r["revocation_reason"].GetInt(), 1);
  EXPECT_STREQ(r["revocation_reason_name"].GetString(), "keyCompromise");
  EXPECT_STREQ(r["revoked_at"].GetString(), "2023-11-14T22:15:00Z");
  EXPECT_FALSE(r.HasMember("pem"));
  EXPECT_TRUE(listed["truncated"].GetBool());

  auto revoked = parse(encode_revoked({{c, false}}, now));
  EXPECT_FALSE(revoked["revoked"][0]["newly_revoked"].GetBool());
}

TEST(AdminJson, AccountsAndOrders) {
  core::Account a;
  a.id = core::AccountId{"acct"};
  a.contact = {"mailto:ops@example.com"};
  a.created_at = core::from_unix(1'700'000'000);
  const std::vector<std::string> serials{"0a1b"};
  auto one = parse(encode_admin_account(a, &serials));
  EXPECT_STREQ(one["status"].GetString(), "valid");
  EXPECT_TRUE(one["eab_kid"].IsNull());
  EXPECT_STREQ(one["valid_certificates"][0].GetString(), "0a1b");
  auto all = parse(encode_admin_accounts({{a}, false}));
  EXPECT_STREQ(all["accounts"][0]["contact"][0].GetString(), "mailto:ops@example.com");
  EXPECT_FALSE(all["truncated"].GetBool());

  core::Order o;
  o.id = core::OrderId{"ord"};
  o.account_id = a.id;
  o.status = core::OrderStatus::Invalid;
  o.error = core::make_error(core::ProblemType::ServerInternal, "lint");
  auto orders = parse(encode_admin_orders({{o}, false}));
  const auto& j = orders["orders"][0];
  EXPECT_STREQ(j["status"].GetString(), "invalid");
  EXPECT_STREQ(j["error"]["type"].GetString(), "urn:ietf:params:acme:error:serverInternal");
  EXPECT_TRUE(j["certificate"].IsNull());
}

}  // namespace
}  // namespace signet::server::json
