#pragma once
// What the authority's tests share: an Authority over a real SQLite store and CA in a
// directory of their own, a fake http-01 checker and a fake resolver, a pinned clock.
#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>
#include <filesystem>

#include "authority/authority.hpp"
#include "storage/sqlite_store.hpp"
#include "tests/support/crypto.hpp"
#include "tests/support/fake_resolver.hpp"

namespace signet::authority::fixture {

using core::IdentifierType;
using core::OrderStatus;
using core::ProblemType;
using namespace std::chrono_literals;

// Passes http-01 for names starting with "good", fails the rest.
class FakeChecker : public validation::Checker {
 public:
  asio::awaitable<validation::ValidationOutcome> check(const validation::ValidationRequest& req,
                                                       validation::Deadline&) override {
    validation::ValidationOutcome out;
    out.records.push_back(
        {"primary", "http://" + req.identifier.value + "/", req.identifier.value, "80", {}, ""});
    if (!req.identifier.value.starts_with("good")) {
      out.problem = core::make_error(ProblemType::Unauthorized, "fake: wrong key authorization");
    }
    co_return out;
  }
};

inline std::shared_ptr<testing::FakeResolver> caa_denying_resolver() {
  auto r = std::make_shared<testing::FakeResolver>();
  r->caa["caa-denied.example"] = {{false, "issue", "other-ca.example"}};
  return r;
}

class AuthorityTest : public ::testing::Test {
 protected:
  AuthorityTest()
      : clock(core::from_unix(1'900'000'000)),
        dir(std::filesystem::temp_directory_path() /
            ("signet-authority-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name())),
        store(open_store(dir)),
        ca(std::move(ca::CertificateAuthority::open(dir, clock)).value()),
        va(io.get_executor(), {}, {{core::ChallengeType::Http01, std::make_shared<FakeChecker>()}},
           caa_denying_resolver()),
        cpu(1),
        authority({*store, *ca, va, clock, cpu, io.get_executor()}, config(), rules()) {}
  static std::unique_ptr<storage::SqliteStore> open_store(const std::filesystem::path& dir) {
    std::filesystem::create_directories(dir);
    return std::move(storage::SqliteStore::open((dir / "signet.db").string())).value();
  }
  // The embedded default's rules, with these limits (all off unless given).
  static RulesPtr rules(Limits limits = {},
                        policy::IdentifierPolicyConfig names = policy::IdentifierPolicyConfig{}) {
    Rules r{policy::IdentifierPolicy(std::move(names)),
            policy::KeyPolicy(policy::KeyPolicyConfig{}),
            limits,
            {},
            false,
            {}};
    for (const auto& p : profiles())
      r.profiles.emplace(p.name, ProfileRules{p, ca::certificate_profile(p)});
    r.default_profile = "tlsserver";
    return std::make_shared<const Rules>(std::move(r));
  }
  // tlsserver (the default), shortlived and tlsclient, as the embedded default has them.
  static std::vector<policy::Profile> profiles() {
    policy::Profile server;
    policy::Profile shortlived;
    shortlived.name = "shortlived";
    shortlived.default_validity = shortlived.max_validity = std::chrono::hours(160);
    shortlived.authorization_reuse = std::chrono::hours(7);
    shortlived.revocation_pointers = false;
    policy::Profile client;
    client.name = "tlsclient";
    client.extended_key_usages = {policy::ExtendedKeyUsage::ClientAuth};
    client.key_usages = {policy::KeyUsage::DigitalSignature};
    return {server, shortlived, client};
  }
  static Config config() {
    Config c;
    c.account_uri_prefix = "https://ca.example/acme/acct/";
    return c;
  }
  ~AuthorityTest() override { std::filesystem::remove_all(dir); }

  template <class T>
  T run(asio::awaitable<T> a) {
    std::optional<T> out;
    auto body = [&]() -> asio::awaitable<void> {
      auto v = co_await std::move(a);
      out.emplace(std::move(v));
    };
    auto fut = asio::co_spawn(io, body(), asio::use_future);
    io.restart();
    io.run();
    fut.get();
    return std::move(*out);
  }

  core::Account account() {
    auto key = testing::make_key("p256");
    NewAccountRequest p;
    p.terms_of_service_agreed = true;
    auto r = run(authority.new_account(testing::public_key(key.get()), p));
    EXPECT_TRUE(r) << r.error().detail;
    return r->account;
  }

  core::Order order(const core::Account& a, std::vector<std::string> names) {
    NewOrderRequest p;
    for (auto& n : names) p.identifiers.push_back({IdentifierType::Dns, n});
    auto r = run(authority.new_order(a, p));
    EXPECT_TRUE(r) << r.error().detail;
    return r.value();
  }

  // Responds to every pending challenge of the order and lets validation finish.
  void validate_all(const core::Account& a, const core::Order& o) {
    for (const auto& ref : o.authorizations) {
      auto z = run(authority.authorization(a, ref.id));
      ASSERT_TRUE(z);
      if (z->status != core::AuthzStatus::Pending) continue;
      auto ch = run(authority.respond_to_challenge(a, ref.id, z->challenges.at(0).id));
      ASSERT_TRUE(ch) << ch.error().detail;
      EXPECT_EQ(ch->status, core::ChallengeStatus::Processing);
    }
    io.restart();
    io.run();  // the validations started above, and the recording of their outcomes
  }

  // A certificate of a's for names (each starting with "good"), issued now.
  core::Certificate issued(const core::Account& a, std::vector<std::string> names) {
    auto o = order(a, names);
    validate_all(a, o);
    std::vector<core::Identifier> ids;
    for (auto& n : names) ids.push_back({IdentifierType::Dns, n});
    auto key = testing::make_key("p256");
    auto done = run(authority.finalize(a, o.id, testing::make_csr(key.get(), ids)));
    EXPECT_TRUE(done) << done.error().detail;
    auto cert = run(authority.certificate(a, *done->certificate_serial));
    EXPECT_TRUE(cert) << cert.error().detail;
    return cert.value();
  }

  core::FixedClock clock;
  std::filesystem::path dir;
  asio::io_context io;
  std::unique_ptr<storage::SqliteStore> store;
  std::unique_ptr<ca::CertificateAuthority> ca;
  validation::ValidationAuthority va;
  core::WorkerPool cpu;
  Authority authority;
};

}  // namespace signet::authority::fixture
