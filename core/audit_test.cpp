#include "core/audit.hpp"

#include <gtest/gtest.h>

namespace signet::core::audit {
namespace {

Entry entry(std::string action, std::string serial) {
  Entry e;
  e.at = from_unix(1'800'000'000);
  e.action = std::move(action);
  e.actor = "operator:root";
  e.with("serial", std::move(serial)).with("reason", "keyCompromise \"quoted\"\n");
  return e;
}

std::vector<Record> three() {
  std::vector<Record> out;
  std::string prev = kGenesis;
  for (int i = 1; i <= 3; ++i) {
    out.push_back(chain(i, entry("certificate.revoke", "0" + std::to_string(i)), prev));
    prev = out.back().hash;
  }
  return out;
}

TEST(Audit, CanonicalText) {
  const auto r = chain(1, entry("certificate.revoke", "0a"), kGenesis);
  EXPECT_EQ(r.text,
            "{\"seq\":1,\"time\":\"2027-01-15T08:00:00Z\",\"action\":\"certificate.revoke\","
            "\"actor\":\"operator:root\",\"details\":{\"serial\":\"0a\",\"reason\":"
            "\"keyCompromise \\\"quoted\\\"\\n\"},\"prev\":\"" +
                kGenesis + "\"}");
  EXPECT_EQ(r.hash, hash_of(r.text));
  EXPECT_EQ(r.hash.size(), 64u);
}

TEST(Audit, ExportLineRoundTrips) {
  for (const auto& r : three()) {
    const auto line = export_line(r);
    EXPECT_EQ(line.find('\n'), std::string::npos);
    auto back = parse_export_line(line);
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(back->seq, r.seq);
    EXPECT_EQ(back->text, r.text);
    EXPECT_EQ(back->hash, r.hash);
  }
  EXPECT_FALSE(parse_export_line("{\"seq\":1}").ok());
  EXPECT_FALSE(parse_export_line("not json").ok());
}

TEST(Audit, IntactChainVerifies) {
  Verifier v;
  for (const auto& r : three()) EXPECT_TRUE(v.feed(r));
  EXPECT_TRUE(v.ok());
  EXPECT_EQ(v.count(), 3);
  EXPECT_EQ(v.head_seq(), 3);
  EXPECT_EQ(v.head_hash(), three().back().hash);
}

TEST(Audit, EditedTextIsDetected) {
  auto rs = three();
  rs[1].text.replace(rs[1].text.find("02"), 2, "03");
  Verifier v;
  EXPECT_TRUE(v.feed(rs[0]));
  EXPECT_FALSE(v.feed(rs[1]));
  ASSERT_TRUE(v.broken());
  EXPECT_NE(v.broken()->find("entry 2: its text does not match its hash"), std::string::npos);
  EXPECT_FALSE(v.feed(rs[2]));
  EXPECT_EQ(v.count(), 1);
}

TEST(Audit, EditedTextWithHashRecomputedBreaksTheNextLink) {
  auto rs = three();
  rs[1].text.replace(rs[1].text.find("02"), 2, "03");
  rs[1].hash = hash_of(rs[1].text);
  Verifier v;
  for (const auto& r : rs) v.feed(r);
  ASSERT_TRUE(v.broken());
  EXPECT_NE(v.broken()->find("entry 3: it does not follow"), std::string::npos);
}

TEST(Audit, DeletionAndReorderingAreDetected) {
  {
    auto rs = three();
    rs.erase(rs.begin() + 1);
    Verifier v;
    for (const auto& r : rs) v.feed(r);
    ASSERT_TRUE(v.broken());
    EXPECT_NE(v.broken()->find("found entry 3 instead"), std::string::npos);
  }
  {
    // Texts swapped between two numbered rows.
    auto rs = three();
    std::swap(rs[0].text, rs[1].text);
    std::swap(rs[0].hash, rs[1].hash);
    Verifier v;
    for (const auto& r : rs) v.feed(r);
    ASSERT_TRUE(v.broken());
    EXPECT_NE(v.broken()->find("entry 1: its text is entry 2's"), std::string::npos);
  }
  {
    // Renumbered after a deletion: the link to the deleted entry is missing.
    auto rs = three();
    rs.erase(rs.begin());
    Verifier v;
    Record first = rs[0];
    first.seq = 1;
    v.feed(first);
    ASSERT_TRUE(v.broken());
  }
}

TEST(Audit, TextThatIsNotAnEntryIsRefused) {
  Verifier v;
  Record r{1, "{\"seq\":1}", hash_of("{\"seq\":1}")};
  EXPECT_FALSE(v.feed(r));
  EXPECT_NE(v.broken()->find("not an audit entry"), std::string::npos);
}

}  // namespace
}  // namespace signet::core::audit
