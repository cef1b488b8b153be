#include "validation/http01.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <thread>

#include "tests/support/fake_resolver.hpp"
#include "validation/validation_authority.hpp"

namespace signet::validation {
namespace {

namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using core::ProblemType;

// What an internal page holds; no part of it may reach a problem or a record.
constexpr const char* kSecret = "root:x:0:0:SECRET-internal";

// A small HTTP server on loopback whose answers depend on the path.
class TestServer {
 public:
  TestServer() : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    asio::co_spawn(io_, accept(), asio::detached);
    thread_ = std::thread([this] { io_.run(); });
  }
  ~TestServer() {
    io_.stop();
    thread_.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }

 private:
  asio::awaitable<void> accept() {
    for (;;) {
      auto sock = co_await acceptor_.async_accept(asio::use_awaitable);
      asio::co_spawn(io_, serve(std::move(sock)), asio::detached);
    }
  }
  asio::awaitable<void> serve(tcp::socket sock) {
    beast::flat_buffer buf;
    http::request<http::string_body> req;
    boost::system::error_code ec;
    co_await http::async_read(sock, buf, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    http::response<http::string_body> res{http::status::ok, 11};
    const std::string target(req.target());
    const std::string p = std::to_string(port());
    if (target == "/.well-known/acme-challenge/good") {
      res.body() = "good.thumb\r\n";
    } else if (target == "/.well-known/acme-challenge/wrong") {
      res.body() =
          "something\x01"
          "else";
    } else if (target == "/.well-known/acme-challenge/redirect") {
      res.result(http::status::found);
      res.set(http::field::location, "http://other.test:" + p + "/.well-known/acme-challenge/good");
    } else if (target == "/.well-known/acme-challenge/loop") {
      res.result(http::status::found);
      res.set(http::field::location, "/.well-known/acme-challenge/loop");
    } else if (target == "/.well-known/acme-challenge/badport") {
      res.result(http::status::found);
      res.set(http::field::location, "http://other.test:1/x");
    } else if (target == "/.well-known/acme-challenge/big") {
      res.body() = std::string(100000, 'x');
    } else if (target == "/.well-known/acme-challenge/ftp") {
      res.result(http::status::found);
      res.set(http::field::location, "ftp://files.test/x");
    } else if (target.starts_with("/.well-known/acme-challenge/leak")) {
      // The applicant's server sends the validation to an internal page.
      res.result(http::status::found);
      res.set(http::field::location, "/internal/" + target.substr(32));
    } else if (target == "/internal/") {
      res.body() = kSecret;
    } else if (target == "/internal/404") {
      res.result(http::status::not_found);
      res.body() = kSecret;
    } else if (target == "/internal/next") {
      res.result(http::status::found);
      res.set(http::field::location, "/internal/" + std::string(kSecret) + "?token=" + kSecret);
      res.body() = kSecret;
    } else if (target == "/internal/nx") {
      res.result(http::status::found);
      res.set(http::field::location, "http://nx.test:" + p + "/");
    } else if (target == "/internal/scheme") {
      res.result(http::status::found);
      res.set(http::field::location, "gopher://" + std::string(kSecret));
    } else if (target == "/internal/port") {
      res.result(http::status::found);
      res.set(http::field::location, "http://internal.test:1/" + std::string(kSecret));
    } else if (target == "/.well-known/acme-challenge/silent") {
      // Accepts and never answers.
      asio::steady_timer t(io_, std::chrono::minutes(1));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    } else {
      res.result(http::status::not_found);
      res.body() = "no such file";
    }
    res.prepare_payload();
    co_await http::async_write(sock, res, asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::thread thread_;
};

class Http01Test : public ::testing::Test {
 protected:
  ValidationOutcome run(const std::string& token, const std::string& keyauth,
                        bool allow_loopback = true, std::string host = "a.test",
                        uint16_t port = 0) {
    Http01Config cfg;
    cfg.port = port ? port : server.port();
    std::vector<Cidr> allow;
    if (allow_loopback) allow.push_back(*Cidr::parse("127.0.0.0/8"));
    auto resolver = testing::loopback_resolver();
    resolver->failing.insert("nx.test");
    auto checker = std::make_shared<Http01Checker>(cfg, resolver, AddressPolicy(allow));
    ValidationRequest req{{core::IdentifierType::Dns, host},
                          core::ChallengeType::Http01,
                          token,
                          keyauth,
                          false,
                          "",
                          {}};
    asio::io_context io;
    Deadline deadline(std::chrono::seconds(5));
    auto fut = asio::co_spawn(io, checker->check(req, deadline), asio::use_future);
    io.run();
    return fut.get();
  }
  TestServer server;
};

TEST_F(Http01Test, MatchingKeyAuthorizationPassesAndIsRecorded) {
  auto out = run("good", "good.thumb");
  EXPECT_TRUE(out.ok()) << out.problem->detail;
  ASSERT_EQ(out.records.size(), 1u);
  EXPECT_EQ(out.records[0].hostname, "a.test");
  EXPECT_EQ(out.records[0].address_used, "127.0.0.1");
  EXPECT_EQ(out.records[0].addresses_resolved, std::vector<std::string>{"127.0.0.1"});
}

TEST_F(Http01Test, MismatchIsUnauthorizedWithSanitizedExcerpt) {
  auto out = run("wrong", "wrong.thumb");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.problem->type, ProblemType::Unauthorized);
  EXPECT_NE(out.problem->detail.find("something?else"), std::string::npos) << out.problem->detail;
}

TEST_F(Http01Test, NotFoundIsUnauthorized) {
  auto out = run("missing", "x");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.problem->type, ProblemType::Unauthorized);
  EXPECT_NE(out.problem->detail.find("404"), std::string::npos);
}

TEST_F(Http01Test, FollowsRedirectsWithinLimits) {
  auto out = run("redirect", "good.thumb");
  EXPECT_TRUE(out.ok()) << out.problem->detail;
  ASSERT_EQ(out.records.size(), 2u);
  EXPECT_EQ(out.records[1].hostname, "other.test");

  auto loop = run("loop", "x");
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.problem->type, ProblemType::Unauthorized);
  EXPECT_EQ(loop.records.size(), 11u);

  auto port = run("badport", "x");
  ASSERT_FALSE(port.ok());
  EXPECT_NE(port.problem->detail.find("port 1"), std::string::npos);
}

TEST_F(Http01Test, OversizedBodyIsRefused) {
  auto out = run("big", "x");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.problem->type, ProblemType::Unauthorized);
}

TEST_F(Http01Test, DeniedAddressesAreNotContacted) {
  auto out = run("good", "good.thumb", /*allow_loopback=*/false);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.problem->type, ProblemType::Connection);
  EXPECT_NE(out.problem->detail.find("loopback"), std::string::npos);
}

TEST_F(Http01Test, DnsAndConnectionFailures) {
  auto nx = run("good", "x", true, "nx.test");
  ASSERT_FALSE(nx.ok());
  EXPECT_EQ(nx.problem->type, ProblemType::Dns);

  // A port nobody listens on: bind and close to find one.
  uint16_t closed_port;
  {
    asio::io_context io;
    tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    closed_port = a.local_endpoint().port();
  }
  auto refused = run("good", "x", true, "a.test", closed_port);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.problem->type, ProblemType::Connection);
  EXPECT_NE(refused.problem->detail.find("refused"), std::string::npos) << refused.problem->detail;
}

// The original URL's answer may be quoted (short and sanitized); nothing a response
// after a redirect holds, body or header, reaches the problem or the records.
TEST_F(Http01Test, RedirectedResponsesAreDescribedNeverEchoed) {
  const auto leaks = [](const ValidationOutcome& out) {
    std::string seen = out.problem ? out.problem->detail : "";
    for (const auto& r : out.records) seen += " " + r.url + " " + r.hostname + " " + r.port;
    for (const char* part : {"root", "SECRET", "0:0", "token"}) {
      if (seen.find(part) != std::string::npos) return seen;
    }
    return std::string();
  };
  const std::string p = std::to_string(server.port());

  auto body = run("leak", "leak.thumb");
  ASSERT_FALSE(body.ok());
  EXPECT_EQ(leaks(body), "");
  EXPECT_EQ(body.problem->detail, "The key authorization file from http://a.test:" + p +
                                      "/internal/ does not match this challenge: expected "
                                      "\"leak.thumb\", got a 26-byte body");

  auto not_found = run("leak404", "x");
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(leaks(not_found), "");
  EXPECT_NE(not_found.problem->detail.find("HTTP 404 with a 26-byte body"), std::string::npos)
      << not_found.problem->detail;

  // A second redirect's target came from a redirected response: it is not shown.
  auto next = run("leaknext", "x");
  ASSERT_FALSE(next.ok());
  EXPECT_EQ(leaks(next), "");
  ASSERT_EQ(next.records.size(), 3u);
  EXPECT_EQ(next.records[1].url, "http://a.test:" + p + "/internal/next");
  EXPECT_EQ(next.records[2].url, "");
  EXPECT_EQ(next.records[2].hostname, "");
  EXPECT_EQ(next.records[2].address_used, "127.0.0.1");
  EXPECT_EQ(next.problem->detail,
            "127.0.0.1: Invalid response from the target of redirect 2: HTTP 404 with a 12-byte "
            "body");

  // Not even its host: a failed lookup does not name it.
  auto nx = run("leaknx", "x");
  ASSERT_FALSE(nx.ok());
  EXPECT_EQ(nx.problem->type, ProblemType::Dns);
  EXPECT_EQ(nx.problem->detail, "DNS problem looking up the address of the target of redirect 2");

  auto scheme = run("leakscheme", "x");
  ASSERT_FALSE(scheme.ok());
  EXPECT_EQ(leaks(scheme), "");
  EXPECT_NE(scheme.problem->detail.find("redirect to a non-HTTP scheme"), std::string::npos);

  auto port = run("leakport", "x");
  ASSERT_FALSE(port.ok());
  EXPECT_EQ(leaks(port), "");
  EXPECT_NE(port.problem->detail.find("redirect to a port, which is not"), std::string::npos)
      << port.problem->detail;

  // The original URL's own redirect is the applicant's: it is quoted.
  auto ftp = run("ftp", "x");
  ASSERT_FALSE(ftp.ok());
  EXPECT_NE(ftp.problem->detail.find("\"ftp\""), std::string::npos) << ftp.problem->detail;
}

// Through a validation authority whose deadline is 1 s, with a resolver answering
// after `dns_delay`: the outcome and how long it took.
struct Timed {
  ValidationOutcome outcome;
  std::chrono::steady_clock::duration elapsed;
};

Timed validate_within_1s(uint16_t port, const std::string& token,
                         std::chrono::milliseconds dns_delay) {
  Http01Config cfg;
  cfg.port = port;
  auto resolver = testing::loopback_resolver();
  resolver->delay = dns_delay;
  auto checker = std::make_shared<Http01Checker>(
      cfg, resolver, AddressPolicy(std::vector<Cidr>{*Cidr::parse("127.0.0.0/8")}));
  asio::io_context io;
  ValidationConfig vcfg;
  vcfg.timeout = std::chrono::seconds(1);
  ValidationAuthority va(io.get_executor(), vcfg, {{core::ChallengeType::Http01, checker}},
                         resolver);
  ValidationRequest req{{core::IdentifierType::Dns, "a.test"},
                        core::ChallengeType::Http01,
                        token,
                        "x",
                        false,
                        "",
                        {}};
  const auto start = std::chrono::steady_clock::now();
  auto fut = asio::co_spawn(io, va.validate(req), asio::use_future);
  io.run();
  return {fut.get(), std::chrono::steady_clock::now() - start};
}

constexpr auto kWithMargin = std::chrono::seconds(2);  // the 1 s deadline and scheduling slack

// Ten redirects, each looked up in 300 ms, would take 3 s: the deadline ends them.
TEST_F(Http01Test, RedirectsAndTheirLookupsShareTheDeadline) {
  auto t = validate_within_1s(server.port(), "loop", std::chrono::milliseconds(300));
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_EQ(t.outcome.problem->detail.find("validation did not finish within 1 s ("), 0u)
      << t.outcome.problem->detail;
  EXPECT_LT(t.elapsed, kWithMargin);
}

// A server that accepts and never answers.
TEST_F(Http01Test, ASilentServerEndsAtTheDeadline) {
  auto t = validate_within_1s(server.port(), "silent", std::chrono::milliseconds(0));
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_EQ(t.outcome.problem->type, ProblemType::Connection);
  EXPECT_EQ(t.outcome.problem->detail,
            "validation did not finish within 1 s (fetching http://a.test:" +
                std::to_string(server.port()) +
                "/.well-known/acme-challenge/silent from 127.0.0.1)");
  EXPECT_LT(t.elapsed, kWithMargin);
}

TEST(SanitizeExcerpt, KeepsPrintableAndTruncates) {
  EXPECT_EQ(sanitize_excerpt("ab\ncd\"e", 64), "ab?cd?e");
  EXPECT_EQ(sanitize_excerpt(std::string(100, 'x'), 4), "xxxx...");
}

}  // namespace
}  // namespace signet::validation
