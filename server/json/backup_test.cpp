#include "server/json/backup.hpp"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

namespace signet::server::json {
namespace {

TEST(BackupJson, EveryFieldWithItsType) {
  storage::BackupReport r;
  r.bytes = 5'000'000'000;  // beyond 32 bits
  r.schema_version = 9;
  r.accounts = 3;
  r.orders = 40;
  r.certificates = 25;
  const std::string text =
      encode_backup("/var/lib/signet/signet.db", "/backups/a \"b\".db", r, 1.25);
  rapidjson::Document d;
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_STREQ(d["database"].GetString(), "/var/lib/signet/signet.db");
  EXPECT_STREQ(d["file"].GetString(), "/backups/a \"b\".db");
  EXPECT_EQ(d["bytes"].GetUint64(), 5'000'000'000u);
  EXPECT_EQ(d["schema_version"].GetInt(), 9);
  EXPECT_EQ(d["accounts"].GetInt64(), 3);
  EXPECT_EQ(d["orders"].GetInt64(), 40);
  EXPECT_EQ(d["certificates"].GetInt64(), 25);
  EXPECT_DOUBLE_EQ(d["seconds"].GetDouble(), 1.25);
  EXPECT_EQ(d.MemberCount(), 8u);
}

TEST(DatabaseCopyJson, EveryTableWithItsCounts) {
  storage::CopyReport r;
  r.schema_version = 12;
  r.tables = {{"accounts", true, 3, 3}, {"nonce_key", false, 1, 0}};
  r.audit_entries = 5'000'000'000;
  const std::string text = encode_database_copy("/var/lib/signet/signet.db", r, 0.5);
  rapidjson::Document d;
  d.Parse(text.c_str());
  ASSERT_FALSE(d.HasParseError()) << text;
  EXPECT_STREQ(d["database"].GetString(), "/var/lib/signet/signet.db");
  EXPECT_EQ(d["schema_version"].GetInt(), 12);
  ASSERT_EQ(d["tables"].MemberCount(), 2u);
  EXPECT_TRUE(d["tables"]["accounts"]["copied"].GetBool());
  EXPECT_EQ(d["tables"]["accounts"]["source"].GetInt64(), 3);
  EXPECT_EQ(d["tables"]["accounts"]["target"].GetInt64(), 3);
  EXPECT_FALSE(d["tables"]["nonce_key"]["copied"].GetBool());
  EXPECT_EQ(d["tables"]["nonce_key"]["source"].GetInt64(), 1);
  EXPECT_EQ(d["tables"]["nonce_key"]["target"].GetInt64(), 0);
  EXPECT_EQ(d["audit_entries"].GetInt64(), 5'000'000'000);
  EXPECT_DOUBLE_EQ(d["seconds"].GetDouble(), 0.5);
  EXPECT_EQ(d.MemberCount(), 5u);
}

}  // namespace
}  // namespace signet::server::json
