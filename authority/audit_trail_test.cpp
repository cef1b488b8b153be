#include "authority/audit_trail.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "authority/audit.hpp"
#include "authority/inventory.hpp"
#include "authority/test_fixture.hpp"
#include "core/ascii.hpp"

namespace signet::authority {
namespace {

class AuditTrailTest : public fixture::AuthorityTest {
 protected:
  std::vector<std::string> texts() {
    std::vector<std::string> out;
    const auto records = run(store->audit_records(0, 1000));
    for (const auto& r : records.value()) out.push_back(r.text);
    return out;
  }
  std::filesystem::path file = dir / "audit.jsonl";
};

bool has(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST_F(AuditTrailTest, IssuanceAndRevocationAreRecordedWithWhoAndWhat) {
  const auto a = account();
  const auto cert = issued(a, {"good.example"});
  RevocationRequester who;
  who.account = a;
  ASSERT_TRUE(run(authority.revoke(who, {cert.der, 1})));
  const auto t = texts();
  ASSERT_EQ(t.size(), 4u);
  EXPECT_TRUE(has(t[0], "\"action\":\"account.create\""));
  EXPECT_TRUE(has(t[0], "\"account\":\"" + a.id.value + "\""));
  EXPECT_TRUE(has(t[1], "\"action\":\"order.finalize\",\"actor\":\"account:" + a.id.value));
  EXPECT_TRUE(has(t[1], "\"serial\":\"" + cert.serial + "\""));
  EXPECT_TRUE(has(t[2], "\"action\":\"certificate.issue\",\"actor\":\"account:" + a.id.value));
  EXPECT_TRUE(has(t[2], "\"names\":\"good.example\""));
  EXPECT_TRUE(has(t[2], "\"profile\":\"" + cert.profile + "\""));
  EXPECT_TRUE(has(t[2], "\"key_sha256\":\"" + core::hex_lower(cert.key_spki_sha256) + "\""));
  EXPECT_TRUE(has(t[3], "\"action\":\"certificate.revoke\",\"actor\":\"account:" + a.id.value));
  EXPECT_TRUE(has(t[3], "\"reason_name\":\"keyCompromise\""));
  auto v = run(verify_audit_log(*store));
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->broken);
  EXPECT_EQ(v->entries, 4);
  EXPECT_EQ(v->head_seq, 4);
}

TEST_F(AuditTrailTest, TheOperatorsDeactivationNamesTheOperator) {
  const auto a = account();
  Inventory inventory(*store, clock);
  ASSERT_TRUE(*run(inventory.deactivate_account(a.id, audit::operator_actor())));
  const auto t = texts();
  ASSERT_EQ(t.size(), 2u);
  EXPECT_TRUE(has(t[1], "\"action\":\"account.deactivate\",\"actor\":\"operator:"));
}

TEST_F(AuditTrailTest, ExportedLinesVerifyAndAnEditedLineIsFound) {
  const auto a = account();
  issued(a, {"good.example"});
  std::vector<std::string> lines;
  auto last = run(export_audit_log(*store, 0, [&](const std::string& l) { lines.push_back(l); }));
  ASSERT_TRUE(last);
  EXPECT_EQ(*last, 3);
  ASSERT_EQ(lines.size(), 3u);
  {
    std::ofstream out(file);
    for (const auto& l : lines) out << l << "\n";
  }
  auto v = verify_audit_file(file.string());
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->broken);
  EXPECT_EQ(v->entries, 3);
  // One line edited: the name in the issuance entry.
  {
    std::ofstream out(file);
    for (auto l : lines) {
      if (const auto at = l.find("good.example"); at != std::string::npos)
        l.replace(at, 4, "evil");
      out << l << "\n";
    }
  }
  v = verify_audit_file(file.string());
  ASSERT_TRUE(v);
  ASSERT_TRUE(v->broken);
  EXPECT_EQ(v->entries, 1);
  // Only what comes after an entry.
  std::vector<std::string> tail;
  ASSERT_TRUE(run(export_audit_log(*store, 2, [&](const std::string& l) { tail.push_back(l); })));
  EXPECT_EQ(tail, std::vector<std::string>{lines[2]});
}

TEST_F(AuditTrailTest, TheStreamCopiesNewEntriesAndResumesWhereTheFileEnds) {
  account();
  AuditStream stream(*store, cpu, file.string(), std::chrono::seconds(1));
  ASSERT_TRUE(stream.open());
  EXPECT_EQ(run(stream.copy_new()).value(), 1);
  EXPECT_EQ(run(stream.copy_new()).value(), 0);
  account();
  EXPECT_EQ(run(stream.copy_new()).value(), 1);
  // A new stream on the same file (a restart) goes on from its last line.
  account();
  AuditStream again(*store, cpu, file.string(), std::chrono::seconds(1));
  ASSERT_TRUE(again.open());
  EXPECT_EQ(run(again.copy_new()).value(), 1);
  auto v = verify_audit_file(file.string());
  ASSERT_TRUE(v);
  EXPECT_FALSE(v->broken);
  EXPECT_EQ(v->entries, 3);
  // A file that does not end with an entry is refused rather than added to.
  { std::ofstream(file, std::ios::app) << "{\"seq\":4,\"trunc"; }
  AuditStream broken(*store, cpu, file.string(), std::chrono::seconds(1));
  EXPECT_FALSE(broken.open());
}

}  // namespace
}  // namespace signet::authority
