#include "server/testing.hpp"

#include <gtest/gtest.h>

#include "ca/builder.hpp"
#include "server/routes.hpp"

namespace signet::server {
namespace {

std::shared_ptr<TestMode> mode(std::uint64_t seed = 1,
                               std::shared_ptr<core::metrics::Registry> metrics = nullptr) {
  return std::make_shared<TestMode>(std::make_shared<core::Random>(seed), std::move(metrics));
}

config::Testing knobs() {
  config::Testing t;
  t.enabled = true;
  return t;
}

// The share of `n` valid nonces, from clients taking turns, that `m` refuses; and
// whether any client was refused twice in a row.
std::pair<double, bool> refusals(TestMode& m, int n, int clients = 3) {
  int refused = 0;
  bool twice = false;
  std::vector<bool> last(static_cast<std::size_t>(clients), false);
  for (int i = 0; i < n; ++i) {
    const auto c = static_cast<std::size_t>(i % clients);
    const bool r = m.refuse_nonce("https://ca.example/acme/acct/" + std::to_string(c));
    refused += r ? 1 : 0;
    twice = twice || (r && last[c]);
    last[c] = r;
  }
  return {static_cast<double>(refused) / n, twice};
}

TEST(TestModeNonces, OddsGiveTheShareAndSpareARetryUpToHalf) {
  EXPECT_EQ(nonce_refusal_odds(0, false).numerator, 0u);
  EXPECT_EQ(nonce_refusal_odds(20, false).numerator, 20u);
  EXPECT_EQ(nonce_refusal_odds(20, false).denominator, 80u);
  EXPECT_EQ(nonce_refusal_odds(20, true).numerator, 0u);
  EXPECT_EQ(nonce_refusal_odds(50, false).numerator, 50u);  // always: 50/50
  EXPECT_EQ(nonce_refusal_odds(50, false).denominator, 50u);
  EXPECT_EQ(nonce_refusal_odds(50, true).numerator, 0u);
  EXPECT_EQ(nonce_refusal_odds(80, false).numerator, 1u);
  EXPECT_EQ(nonce_refusal_odds(80, false).denominator, 1u);
  EXPECT_EQ(nonce_refusal_odds(80, true).numerator, 60u);
  EXPECT_EQ(nonce_refusal_odds(80, true).denominator, 80u);
  EXPECT_EQ(nonce_refusal_odds(100, true).numerator, 100u);
}

TEST(TestModeNonces, RefusesTheConfiguredShare) {
  auto metrics = std::make_shared<core::metrics::Registry>();
  auto m = mode(7, metrics);
  EXPECT_EQ(refusals(*m, 1000).first, 0.0);  // off by default

  for (unsigned percent : {10u, 30u, 50u}) {
    auto t = knobs();
    t.nonce_reject_percent = percent;
    ASSERT_TRUE(m->apply(t));
    auto [share, twice] = refusals(*m, 30000);
    EXPECT_NEAR(share, percent / 100.0, 0.015) << percent;
    EXPECT_FALSE(twice) << percent;  // a client that retries once always gets through
  }
  for (unsigned percent : {75u, 100u}) {
    auto t = knobs();
    t.nonce_reject_percent = percent;
    ASSERT_TRUE(m->apply(t));
    EXPECT_NEAR(refusals(*m, 30000).first, percent / 100.0, 0.015) << percent;
  }
  const std::string text = metrics->render();
  EXPECT_NE(text.find("signet_testing_nonces_total{outcome=\"refused\"}"), std::string::npos)
      << text;
  EXPECT_NE(text.find("signet_testing_nonces_total{outcome=\"accepted\"}"), std::string::npos);
}

TEST(TestModeNonces, TheSeedDecides) {
  auto a = mode(99), b = mode(99), c = mode(100);
  auto t = knobs();
  t.nonce_reject_percent = 25;
  ASSERT_TRUE(a->apply(t) && b->apply(t) && c->apply(t));
  bool differs = false;
  for (int i = 0; i < 200; ++i) {
    const bool x = a->refuse_nonce("k");
    EXPECT_EQ(x, b->refuse_nonce("k"));
    differs = differs || x != c->refuse_nonce("k");
  }
  EXPECT_TRUE(differs);
}

TEST(TestModeInject, MatchesTheNamedResourceOnly) {
  auto metrics = std::make_shared<core::metrics::Registry>();
  auto m = mode(3, metrics);
  auto t = knobs();
  t.inject = {{"finalize", "rateLimited", 429, 100, std::chrono::seconds(1)},
              {"newOrder", "serverInternal", 503, 0, std::nullopt},
              {"newOrder", "badNonce", 0, 100, std::nullopt}};
  ASSERT_TRUE(m->apply(t));
  for (auto r : {Route::Directory, Route::NewNonce, Route::Order, Route::Challenge, Route::Crl})
    EXPECT_FALSE(m->inject(r)) << resource_name(r);
  auto f = m->inject(Route::Finalize);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->problem.type, core::ProblemType::RateLimited);
  EXPECT_EQ(f->status, 429);
  EXPECT_EQ(f->problem.retry_after, std::chrono::seconds(1));
  EXPECT_NE(f->problem.detail.find("[testing] inject"), std::string::npos);
  // The 0% rule never fires; the next one for the resource does, with its type's status.
  for (int i = 0; i < 50; ++i) {
    auto o = m->inject(Route::NewOrder);
    ASSERT_TRUE(o);
    EXPECT_EQ(o->problem.type, core::ProblemType::BadNonce);
    EXPECT_EQ(o->status, 400);
    EXPECT_FALSE(o->problem.retry_after);
  }
  EXPECT_NE(metrics->render().find("signet_testing_injected_problems_total{resource=\"newOrder\","
                                   "problem=\"badNonce\"} 50"),
            std::string::npos)
      << metrics->render();

  t.inject = {{"order", "serverInternal", 0, 30, std::nullopt}};
  ASSERT_TRUE(m->apply(t));
  int hits = 0;
  for (int i = 0; i < 20000; ++i) hits += m->inject(Route::Order) ? 1 : 0;
  EXPECT_NEAR(hits / 20000.0, 0.30, 0.015);
  EXPECT_FALSE(m->inject(Route::Finalize));  // the rules were replaced
}

TEST(TestModeInject, DirectoryOnlyWhenNamed) {
  auto m = mode();
  auto t = knobs();
  t.inject = {{"directory", "serverInternal", 503, 100, std::chrono::seconds(5)}};
  ASSERT_TRUE(m->apply(t));
  auto d = m->inject(Route::Directory);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->status, 503);
}

TEST(TestModeInject, UnknownResourcesAreRefusedNamingTheKnownOnes) {
  auto r = compile_injections({{"new-order", "rateLimited", 429, 10, std::chrono::seconds(1)}});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().detail.find("\"new-order\" is not an ACME resource"), std::string::npos);
  EXPECT_NE(r.error().detail.find("newOrder"), std::string::npos) << r.error().detail;
  EXPECT_NE(r.error().detail.find("finalize"), std::string::npos) << r.error().detail;
  EXPECT_FALSE(compile_injections({{"crl", "malformed", 0, 10, std::nullopt}}));
}

TEST(TestModeApply, AllOrNothing) {
  auto m = mode();
  auto good = knobs();
  good.always_valid = true;
  good.resolve_all_to = "127.0.0.1";
  good.validation_delay = "1s-2s";
  ASSERT_TRUE(m->apply(good));
  EXPECT_TRUE(m->validation()->always_valid());
  EXPECT_EQ(m->dns()->address()->to_string(), "127.0.0.1");
  const auto d = m->validation()->next_delay();
  EXPECT_GE(d, std::chrono::seconds(1));
  EXPECT_LE(d, std::chrono::seconds(2));

  for (auto change : std::vector<std::function<void(config::Testing&)>>{
           [](config::Testing& t) { t.resolve_all_to = "nowhere"; },
           [](config::Testing& t) { t.validation_delay = "5s-1s"; },
           [](config::Testing& t) { t.nonce_reject_percent = 101; },
           [](config::Testing& t) {
             t.inject = {{"nothing", "malformed", 0, 1, std::nullopt}};
           },
           [](config::Testing& t) {
             t.inject = {{"order", "rateLimited", 0, 1, std::nullopt}};
           }}) {
    auto bad = good;
    bad.always_valid = false;
    bad.resolve_all_to = "";
    change(bad);
    EXPECT_FALSE(m->apply(bad));
    EXPECT_TRUE(m->validation()->always_valid());  // nothing changed
    EXPECT_TRUE(m->dns()->address());
  }
  EXPECT_EQ(m->knobs().validation_delay, "1s-2s");
  EXPECT_FALSE(m->describe().empty());

  auto off = knobs();
  ASSERT_TRUE(m->apply(off));
  EXPECT_FALSE(m->dns()->address());  // validation asks the DNS servers again
  EXPECT_EQ(m->validation()->next_delay(), std::chrono::milliseconds(0));
  EXPECT_TRUE(m->describe().empty());
}

TEST(TestModeRules, ReuseFollowsTheKnob) {
  authority::Rules r{policy::IdentifierPolicy(policy::IdentifierPolicyConfig{}),
                     policy::KeyPolicy(policy::KeyPolicyConfig{}),
                     {},
                     {},
                     false,
                     {}};
  policy::Profile server, shortlived;
  shortlived.name = "shortlived";
  shortlived.authorization_reuse = std::chrono::hours(7);
  r.profiles.emplace("tlsserver", authority::ProfileRules{server, ca::certificate_profile(server)});
  r.profiles.emplace("shortlived",
                     authority::ProfileRules{shortlived, ca::certificate_profile(shortlived)});
  auto configured = std::make_shared<const authority::Rules>(std::move(r));

  auto m = mode();
  std::vector<authority::RulesPtr> installed;
  m->use_rules(configured, [&](authority::RulesPtr p) { installed.push_back(std::move(p)); });
  ASSERT_EQ(installed.size(), 1u);
  EXPECT_EQ(installed[0], configured);  // reuse on: the configuration's own

  auto t = knobs();
  t.reuse_authorizations = false;
  ASSERT_TRUE(m->apply(t));
  ASSERT_EQ(installed.size(), 2u);
  for (const auto& [name, p] : installed[1]->profiles)
    EXPECT_EQ(p.policy.authorization_reuse, std::chrono::seconds(0)) << name;
  // The configured rules are untouched, and come back when reuse is on again.
  EXPECT_EQ(configured->profile("shortlived")->policy.authorization_reuse, std::chrono::hours(7));
  ASSERT_TRUE(m->apply(t));  // unchanged: nothing installed
  EXPECT_EQ(installed.size(), 2u);
  t.reuse_authorizations = true;
  ASSERT_TRUE(m->apply(t));
  ASSERT_EQ(installed.size(), 3u);
  EXPECT_EQ(installed[2], configured);
}

}  // namespace
}  // namespace signet::server
