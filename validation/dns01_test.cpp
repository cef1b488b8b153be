#include "validation/dns01.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <map>

#include "tests/support/fake_resolver.hpp"

namespace signet::validation {
namespace {

using core::ProblemType;

ValidationOutcome run(std::shared_ptr<testing::FakeResolver> r, const std::string& host,
                      const std::string& keyauth) {
  Dns01Checker checker(r);
  ValidationRequest req{
      {core::IdentifierType::Dns, host}, core::ChallengeType::Dns01, "tok", keyauth, false, "", {}};
  asio::io_context io;
  Deadline deadline(std::chrono::seconds(5));
  auto fut = asio::co_spawn(io, checker.check(req, deadline), asio::use_future);
  io.run();
  return fut.get();
}

TEST(Dns01, ExpectedValueIsHashOfKeyAuthorization) {
  // base64url(SHA-256("abc")), a fixed vector.
  EXPECT_EQ(Dns01Checker::expected_txt("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST(Dns01, AnyMatchingRecordPasses) {
  auto r = std::make_shared<testing::FakeResolver>();
  r->txt["_acme-challenge.a.test"] = {"other", Dns01Checker::expected_txt("tok.thumb")};
  auto out = run(r, "a.test", "tok.thumb");
  EXPECT_TRUE(out.ok()) << out.problem->detail;
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].hostname, "a.test");
}

TEST(Dns01, WrongMissingAndFailingLookups) {
  auto r = std::make_shared<testing::FakeResolver>();
  r->failing.insert("_acme-challenge.servfail.test");
  r->txt["_acme-challenge.a.test"] = {"wrong\x01value"};
  auto wrong = run(r, "a.test", "tok.thumb");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.problem->type, ProblemType::Unauthorized);
  EXPECT_NE(wrong.problem->detail.find("wrong?value"), std::string::npos) << wrong.problem->detail;
  auto missing = run(r, "b.test", "tok.thumb");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.problem->detail.find("No TXT record"), std::string::npos);
  auto servfail = run(r, "servfail.test", "tok.thumb");
  ASSERT_FALSE(servfail.ok());
  EXPECT_EQ(servfail.problem->type, ProblemType::Dns);
}

}  // namespace
}  // namespace signet::validation
