#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "server/vantage/agent.hpp"
#include "server/vantage/client.hpp"
#include "tests/support/fake_resolver.hpp"

namespace signet::server::vantage {
namespace {

namespace asio = boost::asio;
namespace bh = boost::beast::http;

TEST(AgentUrl, Parses) {
  auto u = parse_agent_url("https://vantage.internal:14100");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_EQ(u->host, "vantage.internal");
  EXPECT_EQ(u->port, 14100);
  EXPECT_EQ(u->path, "");
  u = parse_agent_url("https://[2001:db8::7]/agents/eu/");
  ASSERT_TRUE(u) << u.error().detail;
  EXPECT_EQ(u->host, "2001:db8::7");
  EXPECT_EQ(u->port, 443);
  EXPECT_EQ(u->path, "/agents/eu");
  for (const char* bad :
       {"http://x:1", "https://", "https://:14100", "https://x:0", "https://x:70000",
        "https://x:", "https://x:1a", "https://[::1", "https://[::1]x", "https://x/p?q=1"}) {
    EXPECT_FALSE(parse_agent_url(bad)) << bad;
  }
}

// Passes every http-01 check.
class PassingChecker : public validation::Checker {
 public:
  asio::awaitable<validation::ValidationOutcome> check(const validation::ValidationRequest&,
                                                       validation::Deadline&) override {
    co_return validation::ValidationOutcome{};
  }
};

class AgentTest : public ::testing::Test {
 protected:
  http::Response call(bh::verb method, const std::string& target, const std::string& type,
                      const std::string& body) {
    validation::ValidationAuthority va(
        io.get_executor(), {}, {{core::ChallengeType::Http01, std::make_shared<PassingChecker>()}},
        resolver);
    Agent agent(va);
    const http::Request req{method, target, type, body, "127.0.0.1"};
    auto fut = asio::co_spawn(io, agent.handle(req), asio::use_future);
    io.run();
    io.restart();
    return fut.get();
  }

  asio::io_context io;
  std::shared_ptr<testing::FakeResolver> resolver = std::make_shared<testing::FakeResolver>();
};

const std::string kRequest =
    R"({"identifier":{"type":"dns","value":"a.test"},"challenge":"http-01","token":"t",)"
    R"("keyAuthorization":"t.k","wildcard":false,"accountUri":"https://ca.test/acct/1",)"
    R"("caaIdentities":["ca.test"],"caaOnly":false})";

TEST_F(AgentTest, ValidatesAndAnswersWithTheOutcome) {
  auto res = call(bh::verb::post, "/v1/validate", "application/json", kRequest);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_EQ(res.body(), R"({"status":"valid","validationRecord":[]})");
  // CAA is checked for the issuer names in the request.
  resolver->caa["a.test"] = {{false, "issue", "other.test"}};
  res = call(bh::verb::post, "/v1/validate", "application/json", kRequest);
  EXPECT_EQ(res.result_int(), 200);
  EXPECT_NE(res.body().find(R"("status":"invalid")"), std::string::npos) << res.body();
  EXPECT_NE(res.body().find("urn:ietf:params:acme:error:caa"), std::string::npos) << res.body();
}

TEST_F(AgentTest, RefusesWhatIsNotAValidationRequest) {
  EXPECT_EQ(call(bh::verb::post, "/v1/other", "application/json", kRequest).result_int(), 404);
  auto get = call(bh::verb::get, "/v1/validate", "", "");
  EXPECT_EQ(get.result_int(), 405);
  EXPECT_EQ(get[bh::field::allow], "POST");
  EXPECT_EQ(call(bh::verb::post, "/v1/validate", "text/plain", kRequest).result_int(), 415);
  auto bad = call(bh::verb::post, "/v1/validate", "application/json", "{}");
  EXPECT_EQ(bad.result_int(), 400);
  EXPECT_EQ(bad[bh::field::content_type], "application/problem+json");
  EXPECT_NE(bad.body().find("malformed"), std::string::npos);
}

}  // namespace
}  // namespace signet::server::vantage
