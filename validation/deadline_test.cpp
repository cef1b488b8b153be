// One deadline per validation: a slow resolver cannot stretch the challenge check, CAA
// or the CAA-only recheck past it. Elapsed times are only bounded from above, with a
// generous margin; what proves the deadline is the problem the validation ends with.
#include "validation/deadline.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/use_future.hpp>

#include "tests/support/fake_resolver.hpp"
#include "validation/dns01.hpp"
#include "validation/validation_authority.hpp"

namespace signet::validation {
namespace {

using core::ProblemType;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr auto kDeadline = 1000ms;
constexpr auto kMargin = 1000ms;  // scheduling slack on a busy machine

// A name of `labels` labels ending in "test".
std::string deep_name(std::size_t labels) {
  std::string name = "test";
  for (std::size_t i = 1; i < labels; ++i) name = "l" + std::to_string(i) + "." + name;
  return name;
}

class Passing : public Checker {
 public:
  asio::awaitable<ValidationOutcome> check(const ValidationRequest& req, Deadline&) override {
    ValidationOutcome out;
    out.records.push_back({"primary", "", req.identifier.value, "", {}, ""});
    co_return out;
  }
};

struct Timed {
  ValidationOutcome outcome;
  Clock::duration elapsed;
};

// Validates `req` through a validation authority whose deadline is kDeadline.
Timed validate(std::shared_ptr<testing::FakeResolver> resolver, const ValidationRequest& req) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.timeout = kDeadline;
  ValidationAuthority va(io.get_executor(), cfg,
                         {{core::ChallengeType::Dns01, std::make_shared<Dns01Checker>(resolver)},
                          {core::ChallengeType::Http01, std::make_shared<Passing>()}},
                         resolver);
  const auto start = Clock::now();
  auto fut = asio::co_spawn(io, va.validate(req), asio::use_future);
  io.run();
  return {fut.get(), Clock::now() - start};
}

ValidationRequest request(const std::string& name, core::ChallengeType type) {
  return {{core::IdentifierType::Dns, name}, type, "tok", "tok.thumb", false, "", {}};
}

std::string detail(const ValidationOutcome& o) {
  return o.problem ? o.problem->detail : "(none)";
}

TEST(Deadline, DescribesItsDuration) {
  EXPECT_EQ(describe_duration(20000ms), "20 s");
  EXPECT_EQ(describe_duration(1500ms), "1.5 s");
  EXPECT_EQ(describe_duration(1250ms), "1.25 s");
  EXPECT_EQ(describe_duration(300ms), "300 ms");
  Deadline d(20000ms);
  d.doing(ProblemType::Dns, "looking up CAA for example.test");
  EXPECT_EQ(d.expired().type, ProblemType::Dns);
  EXPECT_EQ(d.expired().detail,
            "validation did not finish within 20 s (looking up CAA for example.test)");
}

// The case: a resolver answering in 1.5 s and a 32-label name, which once took
// 47 s. The TXT lookup alone outlasts the deadline: the validation ends there.
TEST(ValidationDeadline, ASlowResolverEndsTheValidationAtTheDeadline) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->delay = 1500ms;
  const std::string name = deep_name(32);
  const auto t = validate(resolver, request(name, core::ChallengeType::Dns01));
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_EQ(t.outcome.problem->type, ProblemType::Dns);
  EXPECT_EQ(detail(t.outcome),
            "validation did not finish within 1 s (looking up TXT for "
            "_acme-challenge." +
                name + ")");
  EXPECT_LT(t.elapsed, kDeadline + kMargin);
}

// With 300 ms per query the same name finishes well within the deadline, or (on a
// very busy machine) ends at it; never later. CAA refuses it: 32 labels are too deep.
TEST(ValidationDeadline, A32LabelNameFinishesWithinTheDeadline) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->delay = 300ms;
  const std::string name = deep_name(32);
  resolver->txt["_acme-challenge." + name] = {Dns01Checker::expected_txt("tok.thumb")};
  const auto t = validate(resolver, request(name, core::ChallengeType::Dns01));
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_LT(t.elapsed, kDeadline + kMargin);
  if (t.outcome.problem->type == ProblemType::Caa) {
    EXPECT_NE(detail(t.outcome).find("32 labels"), std::string::npos) << detail(t.outcome);
    EXPECT_TRUE(resolver->caa_asked.empty());
  } else {
    EXPECT_EQ(detail(t.outcome).find("validation did not finish within 1 s"), 0u);
  }
}

// The deepest name CAA looks up, 300 ms per query: the TXT lookup and the 16 CAA
// lookups (at once) fit in the deadline.
TEST(ValidationDeadline, SixteenCaaLookupsAtOnceFitTheDeadline) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->delay = 300ms;
  const std::string name = deep_name(kMaxCaaNames);
  resolver->txt["_acme-challenge." + name] = {Dns01Checker::expected_txt("tok.thumb")};
  const auto t = validate(resolver, request(name, core::ChallengeType::Dns01));
  EXPECT_LT(t.elapsed, kDeadline + kMargin);
  if (t.outcome.ok()) {
    EXPECT_EQ(resolver->caa_asked.size(), kMaxCaaNames);
    EXPECT_EQ(resolver->max_running, kMaxCaaNames);
  } else {
    EXPECT_EQ(detail(t.outcome).find("validation did not finish within 1 s"), 0u);
  }
}

// CAA is inside the deadline: a check that passed at once, then CAA lookups slower
// than the deadline. The check's records are kept.
TEST(ValidationDeadline, CaaIsInsideTheDeadline) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->delay = 1500ms;
  const auto t = validate(resolver, request("www.example.test", core::ChallengeType::Http01));
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_EQ(t.outcome.problem->type, ProblemType::Dns);
  EXPECT_EQ(detail(t.outcome),
            "validation did not finish within 1 s (looking up CAA for www.example.test and its "
            "parent domains)");
  ASSERT_EQ(t.outcome.records.size(), 1u);
  EXPECT_EQ(t.outcome.records[0].hostname, "www.example.test");
  EXPECT_LT(t.elapsed, kDeadline + kMargin);
}

// The finalize-time recheck (CAA only) has the same deadline.
TEST(ValidationDeadline, TheCaaRecheckHasTheSameDeadline) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->delay = 1500ms;
  auto req = request(deep_name(kMaxCaaNames), core::ChallengeType::Http01);
  req.caa_only = true;
  const auto t = validate(resolver, req);
  ASSERT_FALSE(t.outcome.ok());
  EXPECT_EQ(t.outcome.problem->type, ProblemType::Dns);
  EXPECT_EQ(detail(t.outcome).find("validation did not finish within 1 s (looking up CAA for "), 0u)
      << detail(t.outcome);
  EXPECT_LT(t.elapsed, kDeadline + kMargin);
}

}  // namespace
}  // namespace signet::validation
