#include "validation/testing.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "core/async.hpp"
#include "tests/support/fake_resolver.hpp"
#include "validation/dns01.hpp"
#include "validation/validation_authority.hpp"

namespace signet::validation {
namespace {

using namespace std::chrono_literals;
using boost::asio::ip::make_address;

template <class T>
T await(boost::asio::awaitable<T> a) {
  return core::await_blocking(std::move(a));
}

TEST(TestDns, NormalizesAndChecksNames) {
  EXPECT_EQ(*TestDns::record_name("_ACME-Challenge.App.Example.TEST."),
            "_acme-challenge.app.example.test");
  for (const char* bad : {"", ".", "a..b", ".a", "a b", "a/b", "*.example.test", "é.test"})
    EXPECT_FALSE(TestDns::record_name(bad)) << bad;
  EXPECT_FALSE(TestDns::record_name(std::string(64, 'a') + ".test"));
  EXPECT_TRUE(TestDns::record_name(std::string(63, 'a') + ".test"));
  std::string long_name;
  for (int i = 0; i < 64; ++i) long_name += "abc.";
  EXPECT_FALSE(TestDns::record_name(long_name + "test"));
}

TEST(TestDns, AddsFindsAndRemovesRecords) {
  TestDns dns;
  ASSERT_TRUE(dns.add_txt("_acme-challenge.a.test.", "one"));
  ASSERT_TRUE(dns.add_txt("_ACME-challenge.A.test", "two"));
  ASSERT_TRUE(dns.add_txt("_acme-challenge.a.test", "one"));  // once only
  EXPECT_EQ(dns.txt("_acme-challenge.a.test"), (std::vector<std::string>{"one", "two"}));
  EXPECT_TRUE(dns.txt("_acme-challenge.b.test").empty());
  EXPECT_FALSE(dns.add_txt("_acme-challenge.a.test", ""));
  EXPECT_FALSE(dns.add_txt("bad name", "x"));

  EXPECT_EQ(dns.remove_txt("_acme-challenge.a.test", std::string("one")), 1u);
  EXPECT_EQ(dns.remove_txt("_acme-challenge.a.test", std::string("one")), 0u);
  EXPECT_EQ(dns.txt("_acme-challenge.a.test"), std::vector<std::string>{"two"});
  ASSERT_TRUE(dns.add_txt("_acme-challenge.a.test", "three"));
  EXPECT_EQ(dns.remove_txt("_acme-challenge.a.test", std::nullopt), 2u);  // all of the name's
  EXPECT_TRUE(dns.txt("_acme-challenge.a.test").empty());

  ASSERT_TRUE(dns.add_caa("Example.test", {false, "ISSUE", "ca.example"}));
  ASSERT_TRUE(dns.add_caa("example.test", {true, "issuewild", ";"}));
  auto caa = dns.caa("example.test");
  ASSERT_EQ(caa.size(), 2u);
  EXPECT_EQ(caa[0].tag, "issue");  // tags are kept lower case
  EXPECT_TRUE(caa[1].critical);
  EXPECT_FALSE(dns.add_caa("example.test", {false, "", "x"}));
  EXPECT_FALSE(dns.add_caa("example.test", {false, "issue-wild", "x"}));
  EXPECT_FALSE(dns.add_caa("example.test", {false, "sixteencharacter", "x"}));
  EXPECT_EQ(dns.remove_caa("example.test", std::string("Issue"), std::nullopt), 1u);
  EXPECT_EQ(dns.remove_caa("example.test", std::nullopt, std::nullopt), 1u);
  EXPECT_TRUE(dns.caa("example.test").empty());
}

TEST(TestDns, HoldsABoundedNumberOfRecords) {
  TestDns dns;
  for (std::size_t i = 0; i < kMaxTestRecords; ++i)
    ASSERT_TRUE(dns.add_txt("n" + std::to_string(i) + ".test", "v"));
  auto full = dns.add_caa("x.test", {false, "issue", "ca.example"});
  ASSERT_FALSE(full);
  EXPECT_EQ(full.error().type, core::ProblemType::RateLimited);
  EXPECT_TRUE(dns.add_txt("n0.test", "v"));  // already there: no room needed
  EXPECT_EQ(dns.remove_txt("n0.test", std::nullopt), 1u);
  EXPECT_TRUE(dns.add_caa("x.test", {false, "issue", "ca.example"}));
}

TEST(TestResolver, AnswersFromTheRecordsWithAnAddressAndAsksTheServersWithout) {
  auto dns = std::make_shared<TestDns>();
  auto servers = std::make_shared<testing::FakeResolver>();
  servers->default_ip = {make_address("192.0.2.7")};
  servers->txt["_acme-challenge.a.test"] = {"from the servers"};
  TestResolver r(dns, servers);

  // No address: the real resolver answers.
  EXPECT_EQ(*await(r.lookup_ip("a.test")), std::vector{make_address("192.0.2.7")});
  EXPECT_EQ(*await(r.lookup_txt("_acme-challenge.a.test")),
            std::vector<std::string>{"from the servers"});

  dns->set_address(make_address("127.0.0.1"));
  ASSERT_TRUE(dns->add_txt("_acme-challenge.a.test", "from the admin listener"));
  ASSERT_TRUE(dns->add_caa("a.test", {false, "issue", "ca.example"}));
  EXPECT_EQ(*await(r.lookup_ip("a.test")), std::vector{make_address("127.0.0.1")});
  EXPECT_EQ(*await(r.lookup_ip("anything.else.example")), std::vector{make_address("127.0.0.1")});
  EXPECT_EQ(*await(r.lookup_txt("_acme-challenge.a.test")),
            std::vector<std::string>{"from the admin listener"});
  EXPECT_TRUE(await(r.lookup_txt("_acme-challenge.b.test"))->empty());
  EXPECT_EQ(await(r.lookup_caa("a.test"))->size(), 1u);
  EXPECT_TRUE(await(r.lookup_caa("test"))->empty());
  EXPECT_TRUE(servers->caa_asked.empty());  // no CAA lookup went to the servers

  dns->set_address(make_address("::1"));
  EXPECT_EQ(*await(r.lookup_ip("a.test")), std::vector{make_address("::1")});
}

TEST(TestResolver, ServesDns01AndCaaToTheCheckers) {
  auto dns = std::make_shared<TestDns>();
  dns->set_address(make_address("127.0.0.1"));
  auto r = std::make_shared<TestResolver>(dns, std::make_shared<testing::FakeResolver>());
  Dns01Checker checker(r);
  ValidationRequest req{{core::IdentifierType::Dns, "app.example.test"},
                        core::ChallengeType::Dns01,
                        "tok",
                        "tok.thumb",
                        false,
                        "",
                        {}};
  const auto check = [&] {
    Deadline deadline(5s);
    return await(checker.check(req, deadline));
  };
  EXPECT_FALSE(check().ok());
  ASSERT_TRUE(
      dns->add_txt("_acme-challenge.app.example.test", Dns01Checker::expected_txt("tok.thumb")));
  auto ok = check();
  EXPECT_TRUE(ok.ok()) << ok.problem->detail;

  CaaRequest caa{{"ca.example"}, "", core::ChallengeType::Dns01, false, false};
  const core::Identifier id{core::IdentifierType::Dns, "app.example.test"};
  EXPECT_TRUE(await(check_caa(*r, id, caa)));
  ASSERT_TRUE(dns->add_caa("example.test", {false, "issue", "other.example"}));
  auto refused = await(check_caa(*r, id, caa));
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().type, core::ProblemType::Caa);
}

TEST(TestKnobs, DelaysStayInTheRangeAndFollowTheSeed) {
  TestKnobs a(std::make_shared<core::Random>(5)), b(std::make_shared<core::Random>(5));
  EXPECT_EQ(a.next_delay(), 0ms);  // none set
  a.set(false, 100ms, 300ms);
  b.set(false, 100ms, 300ms);
  bool varies = false;
  const auto first = a.next_delay();
  for (int i = 0; i < 200; ++i) {
    const auto d = a.next_delay();
    ASSERT_GE(d, 100ms);
    ASSERT_LE(d, 300ms);
    varies = varies || d != first;
  }
  EXPECT_TRUE(varies);
  EXPECT_EQ(b.next_delay(), first);
  a.set(true, 2s, 2s);
  EXPECT_EQ(a.next_delay(), 2s);
  EXPECT_TRUE(a.always_valid());
}

class FailingChecker : public Checker {
 public:
  boost::asio::awaitable<ValidationOutcome> check(const ValidationRequest&, Deadline&) override {
    ++calls;
    ValidationOutcome o;
    o.problem = core::make_error(core::ProblemType::Unauthorized, "wrong answer");
    co_return o;
  }
  int calls = 0;
};

TEST(TestKnobs, AlwaysValidPassesWithoutCheckingAndDelayWaits) {
  boost::asio::io_context io;
  auto checker = std::make_shared<FailingChecker>();
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->caa["x.test"] = {{false, "issue", "nobody.example"}};  // would refuse
  auto knobs = std::make_shared<TestKnobs>(std::make_shared<core::Random>(1));
  ValidationConfig cfg;
  cfg.testing = knobs;
  ValidationAuthority va(io.get_executor(), cfg, {{core::ChallengeType::Http01, checker}},
                         resolver);
  const ValidationRequest req{{core::IdentifierType::Dns, "x.test"},
                              core::ChallengeType::Http01,
                              "t",
                              "t.k",
                              false,
                              "",
                              {}};
  const auto validate = [&] {
    auto fut = boost::asio::co_spawn(io, va.validate(req), boost::asio::use_future);
    io.restart();
    io.run();
    return fut.get();
  };
  EXPECT_FALSE(validate().ok());  // off: the checker decides
  EXPECT_EQ(checker->calls, 1);

  knobs->set(true, 0ms, 0ms);
  auto pass = validate();
  EXPECT_TRUE(pass.ok());
  EXPECT_TRUE(pass.records.empty());  // nothing was contacted
  EXPECT_EQ(checker->calls, 1);
  EXPECT_TRUE(resolver->caa_asked.empty());

  knobs->set(false, 150ms, 150ms);
  const auto began = std::chrono::steady_clock::now();
  EXPECT_FALSE(validate().ok());
  EXPECT_GE(std::chrono::steady_clock::now() - began, 150ms);
  EXPECT_EQ(checker->calls, 2);
}

}  // namespace
}  // namespace signet::validation
