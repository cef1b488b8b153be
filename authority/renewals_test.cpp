#include "authority/renewals.hpp"

#include <gtest/gtest.h>

namespace signet::authority {
namespace {

using namespace std::chrono_literals;

const std::string kRfcKeyId =
    "\x69\x88\x5B\x6B\x87\x46\x40\x41\xE1\xB3\x7B\x84\x7B\xA0\xAE\x2C\xDE\x01\xC8\xD4";

// RFC 9773 §4.1's example: a serial with its top bit set keeps its leading zero.
TEST(CertId, ParsesAndEncodesTheRfcExample) {
  auto id = parse_cert_id("aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  ASSERT_TRUE(id) << id.error().detail;
  EXPECT_EQ(id->key_id, kRfcKeyId);
  EXPECT_EQ(id->serial, "00000000000000000000000087654321");  // as Signet spells serials
  EXPECT_EQ(encode_cert_id(kRfcKeyId, id->serial), "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
  EXPECT_EQ(encode_cert_id(kRfcKeyId, "87654321"), "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE");
}

TEST(CertId, SerialsAreEncodedAsMinimalPositiveDerIntegers) {
  // Top bit clear: no leading zero. Top bit set: one.
  EXPECT_EQ(encode_cert_id("k", "7f000000000000000000000000000000"), "aw.fwAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(encode_cert_id("k", "80000000000000000000000000000000"), "aw.AIAAAAAAAAAAAAAAAAAAAAA");
  for (const char* serial :
       {"7f000000000000000000000000000000", "80000000000000000000000000000000",
        "0123456789abcdef0123456789abcdef", "ffffffffffffffffffffffffffffffff"}) {
    auto back = parse_cert_id(encode_cert_id(kRfcKeyId, serial));
    ASSERT_TRUE(back) << serial;
    EXPECT_EQ(back->serial, serial);
  }
  // 20 octets is the most RFC 5280 allows (21 with the sign octet); such serials are
  // kept whole.
  auto longest = parse_cert_id("aw.AQAAAAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(longest);
  EXPECT_EQ(longest->serial, "0100000000000000000000000000000000000000");
  auto signed_longest = parse_cert_id("aw.AIAAAAAAAAAAAAAAAAAAAAAAAAAA");
  ASSERT_TRUE(signed_longest);
  EXPECT_EQ(signed_longest->serial, "8000000000000000000000000000000000000000");
}

TEST(CertId, RefusesWhatIsNotOne) {
  for (const char* bad : {
           "",                                      // empty
           "aYhba4dGQEHhs3uEe6CuLN4ByNQAIdlQyE",    // no dot
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE.",  // two dots
           "a.b.c",
           ".AIdlQyE",                      // empty key identifier
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.",  // empty serial
           ".",
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ=.AIdlQyE",  // padding
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE=",
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQy==",
           "aYhba4dGQEHhs3uEe6CuLN4B+NQ.AIdlQyE",  // base64, not base64url
           "aYhba4dGQEHhs3uEe6CuLN4B/NQ.AIdlQyE",
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdl QyE",  // whitespace
           "aYhba4dGQEHhs3uEe6CuLN4ByNQ.A",         // not a whole octet
           "aYhba4dGQEHhs3uEe6CuLN4ByNR.AIdlQyE",   // trailing bits not zero
           "aw.AAE",                                // leading zero not needed
           "aw.gA",                                 // negative
           "aw.AA",                                 // zero
           "aw.AQAAAAAAAAAAAAAAAAAAAAAAAAAA",       // 21 octets
           "aw.AQAAAAAAAAAAAAAAAAAAAAAAAAAAAA",     // 22 octets
       }) {
    auto id = parse_cert_id(bad);
    ASSERT_FALSE(id) << bad;
    EXPECT_EQ(id.error().type, core::ProblemType::Malformed) << bad;
    EXPECT_NE(id.error().detail.find("certID"), std::string::npos);
  }
}

core::Certificate valid_for(core::TimePoint from, std::chrono::seconds lifetime) {
  core::Certificate c;
  c.not_before = from;
  c.not_after = from + lifetime;
  return c;
}

const core::TimePoint kIssued = core::from_unix(1'900'000'000);

TEST(SuggestedWindow, SitsInTheLastThirdScaledToTheLifetime) {
  const auto c = valid_for(kIssued, 24h * 90);
  const auto w = suggested_window(c, kIssued + 24h);
  EXPECT_EQ(w.start, kIssued + 24h * 60);
  EXPECT_EQ(w.end, kIssued + 24h * 63);
  // The same whenever asked.
  EXPECT_EQ(suggested_window(c, kIssued + 24h * 62), w);

  // A short-lived certificate: 6 days, a window of 4.8 hours after day 4.
  const auto s = suggested_window(valid_for(kIssued, 24h * 6), kIssued);
  EXPECT_EQ(s.start, kIssued + 24h * 4);
  EXPECT_EQ(s.end, kIssued + 24h * 4 + 288min);
  // Always inside the validity, after two thirds of it.
  for (auto lifetime : {std::chrono::seconds(3600), std::chrono::seconds(86400 * 7),
                        std::chrono::seconds(86400 * 398)}) {
    const auto x = suggested_window(valid_for(kIssued, lifetime), kIssued);
    EXPECT_GE(x.start - kIssued, lifetime * 2 / 3);
    EXPECT_LT(x.start, x.end);
    EXPECT_LT(x.end, kIssued + lifetime);
  }
}

TEST(SuggestedWindow, MovesIntoThePastWhenRevokedOrMarked) {
  auto c = valid_for(kIssued, 24h * 90);
  const auto revoked = kIssued + 24h * 10;
  c.revoked_at = revoked;
  const auto w = suggested_window(c, revoked + 5h);
  EXPECT_EQ(w.start, revoked - 1h);
  EXPECT_EQ(w.end, revoked);

  auto m = valid_for(kIssued, 24h * 90);
  const auto marked = kIssued + 24h * 20;
  m.renew_early_at = marked;
  EXPECT_EQ(suggested_window(m, marked + 1min), (RenewalWindow{marked - 1h, marked}));
  // Both: the earlier counts. A mark ahead of this clock is taken as now.
  m.revoked_at = marked + 1h;
  EXPECT_EQ(suggested_window(m, marked + 2h), (RenewalWindow{marked - 1h, marked}));
  EXPECT_EQ(suggested_window(m, marked - 1min), (RenewalWindow{marked - 61min, marked - 1min}));
}

}  // namespace
}  // namespace signet::authority
