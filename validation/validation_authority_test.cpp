#include "validation/validation_authority.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

#include <thread>

#include "tests/support/fake_resolver.hpp"

namespace signet::validation {
namespace {

using core::ProblemType;
using namespace std::chrono_literals;

ValidationOutcome outcome(bool ok, const std::string& who) {
  ValidationOutcome o;
  o.records.push_back({"primary", "http://x/", "x.test", "80", {}, "192.0.2.1"});
  if (!ok) o.problem = core::make_error(ProblemType::Unauthorized, who + " saw the wrong answer");
  return o;
}

class FixedChecker : public Checker {
 public:
  explicit FixedChecker(bool ok) : ok_(ok) {}
  asio::awaitable<ValidationOutcome> check(const ValidationRequest&, Deadline&) override {
    co_return outcome(ok_, "primary");
  }

 private:
  bool ok_;
};

// Answers after `delay`, passing or failing; a long delay plays a dead agent.
class FakeRemote : public RemotePerspective {
 public:
  FakeRemote(std::string name, bool ok, std::chrono::milliseconds delay = 0ms)
      : name_(std::move(name)), ok_(ok), delay_(delay) {}
  const std::string& name() const override { return name_; }
  asio::awaitable<ValidationOutcome> validate(const ValidationRequest&) override {
    if (delay_ > 0ms) {
      asio::steady_timer t(co_await asio::this_coro::executor, delay_);
      co_await t.async_wait(asio::use_awaitable);
    }
    co_return outcome(ok_, name_);
  }

 private:
  std::string name_;
  bool ok_;
  std::chrono::milliseconds delay_;
};

const ValidationRequest kRequest{
    {core::IdentifierType::Dns, "x.test"}, core::ChallengeType::Http01, "t", "t.k", false, "", {}};

ValidationOutcome run(
    bool primary_ok, std::vector<std::shared_ptr<RemotePerspective>> remotes,
    std::chrono::milliseconds remote_timeout = 5000ms, const ValidationRequest& req = kRequest,
    std::shared_ptr<testing::FakeResolver> resolver = std::make_shared<testing::FakeResolver>()) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.remote_timeout = remote_timeout;
  ValidationAuthority va(
      io.get_executor(), cfg,
      {{core::ChallengeType::Http01, std::make_shared<FixedChecker>(primary_ok)}},
      std::move(resolver), std::move(remotes));
  auto fut = asio::co_spawn(io, va.validate(req), asio::use_future);
  // Run until the outcome is decided; late remotes may still be pending then.
  for (int i = 0; i < 1000 && fut.wait_for(0s) != std::future_status::ready; ++i)
    io.run_one_for(100ms);
  return fut.get();
}

std::vector<std::string> perspectives(const ValidationOutcome& o) {
  std::vector<std::string> out;
  for (const auto& r : o.records) out.push_back(r.perspective);
  return out;
}

// "name=verdict" for each perspective, the primary first.
std::vector<std::string> verdicts(const ValidationOutcome& o) {
  std::vector<std::string> out;
  for (const auto& p : o.perspectives)
    out.push_back(p.perspective + "=" + std::string(to_string(p.verdict)));
  return out;
}

TEST(ValidationAuthority, ChecksCaaForTheIssuerNamesInTheRequest) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->caa["x.test"] = {{false, "issue", "ca.example"}};
  ValidationRequest req = kRequest;
  EXPECT_FALSE(run(true, {}, 5000ms, req, resolver).ok());
  req.caa_identities = {"ca.example"};
  EXPECT_TRUE(run(true, {}, 5000ms, req, resolver).ok());
}

TEST(ValidationAuthority, CaaOnlySkipsTheChallenge) {
  auto resolver = std::make_shared<testing::FakeResolver>();
  resolver->caa["x.test"] = {{false, "issue", "other.example"}};
  ValidationRequest req = kRequest;
  req.caa_only = true;
  // The checker would fail; CAA alone decides, and refuses.
  auto o = run(false, {}, 5000ms, req, resolver);
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.problem->type, ProblemType::Caa);
  resolver->caa.clear();
  EXPECT_TRUE(run(false, {}, 5000ms, req, resolver).ok());
  // CAA alone needs no checker of the request's type.
  req.type = core::ChallengeType::TlsAlpn01;
  EXPECT_TRUE(run(false, {}, 5000ms, req, resolver).ok());
}

TEST(MultiPerspective, AllAgree) {
  auto o =
      run(true, {std::make_shared<FakeRemote>("eu", true), std::make_shared<FakeRemote>("us", true),
                 std::make_shared<FakeRemote>("ap", true)});
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(perspectives(o), (std::vector<std::string>{"primary", "eu", "us", "ap"}));
}

TEST(MultiPerspective, OneDisagreementIsTolerated) {
  auto o = run(true,
               {std::make_shared<FakeRemote>("eu", true), std::make_shared<FakeRemote>("us", false),
                std::make_shared<FakeRemote>("ap", true)});
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(perspectives(o), (std::vector<std::string>{"primary", "eu", "us", "ap"}));
  EXPECT_EQ(verdicts(o),
            (std::vector<std::string>{"primary=valid", "eu=valid", "us=invalid", "ap=valid"}));
  EXPECT_EQ(o.perspectives[2].problem->detail, "us saw the wrong answer");
}

TEST(MultiPerspective, TwoDisagreementsFailNamingTheAgent) {
  auto o = run(
      true, {std::make_shared<FakeRemote>("eu", false), std::make_shared<FakeRemote>("us", false),
             std::make_shared<FakeRemote>("ap", true)});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.problem->type, ProblemType::Unauthorized);
  EXPECT_EQ(o.problem->detail, "during corroboration from eu: eu saw the wrong answer");
}

TEST(MultiPerspective, PrimaryMustPass) {
  auto o = run(
      false, {std::make_shared<FakeRemote>("eu", true), std::make_shared<FakeRemote>("us", true)});
  ASSERT_FALSE(o.ok());
  EXPECT_EQ(o.problem->detail, "primary saw the wrong answer");
}

TEST(MultiPerspective, ASilentAgentCostsAtMostTheTimeout) {
  // Decided without waiting for the silent one: two of three agree.
  auto o = run(true,
               {std::make_shared<FakeRemote>("eu", true), std::make_shared<FakeRemote>("us", true),
                std::make_shared<FakeRemote>("dead", true, 60s)},
               60s);
  EXPECT_TRUE(o.ok());
  EXPECT_EQ(verdicts(o),
            (std::vector<std::string>{"primary=valid", "eu=valid", "us=valid", "dead=notAwaited"}));
  // One failed and one silent: at the timeout the silent one counts as failed.
  auto f = run(true,
               {std::make_shared<FakeRemote>("eu", false), std::make_shared<FakeRemote>("us", true),
                std::make_shared<FakeRemote>("dead", true, 60s)},
               200ms);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.problem->detail.find("during corroboration from eu"), std::string::npos)
      << f.problem->detail;
  EXPECT_EQ(verdicts(f),
            (std::vector<std::string>{"primary=valid", "eu=invalid", "us=valid", "dead=timedOut"}));
}

// Records what started validations report.
struct RecordingSink : ValidationSink {
  void outcome(const ValidationJob& job, ValidationOutcome o) override {
    outcomes.emplace_back(job.challenge.value, std::move(o));
    threads.push_back(std::this_thread::get_id());
  }
  void late_answer(const ValidationJob& job, core::PerspectiveResult r) override {
    late.emplace_back(job.challenge.value, std::move(r));
  }
  std::vector<std::pair<std::string, ValidationOutcome>> outcomes;
  std::vector<std::pair<std::string, core::PerspectiveResult>> late;
  std::vector<std::thread::id> threads;
};

TEST(MultiPerspective, AnAgentNotWaitedForIsHeardLaterThroughTheSink) {
  asio::io_context io;
  ValidationAuthority va(
      io.get_executor(), {}, {{core::ChallengeType::Http01, std::make_shared<FixedChecker>(true)}},
      std::make_shared<testing::FakeResolver>(),
      {std::make_shared<FakeRemote>("eu", true), std::make_shared<FakeRemote>("us", true),
       std::make_shared<FakeRemote>("slow", false, 200ms)});
  RecordingSink sink;
  va.start(*va.admit(), {{"authz"}, {"ch1"}, kRequest}, sink);
  for (int i = 0; i < 100 && sink.late.empty(); ++i) io.run_one_for(100ms);
  ASSERT_EQ(sink.outcomes.size(), 1u);
  EXPECT_EQ(sink.outcomes[0].first, "ch1");
  const auto& o = sink.outcomes[0].second;
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(verdicts(o),
            (std::vector<std::string>{"primary=valid", "eu=valid", "us=valid", "slow=notAwaited"}));
  ASSERT_EQ(sink.late.size(), 1u);
  EXPECT_EQ(sink.late[0].first, "ch1");
  const auto& heard = sink.late[0].second;
  EXPECT_EQ(heard.perspective, "slow");
  EXPECT_EQ(heard.verdict, core::PerspectiveVerdict::Invalid);
  EXPECT_EQ(heard.problem->detail, "slow saw the wrong answer");
}

// A caller on another executor hands the work over; the checks run on the validation
// executor's thread and the caller resumes on its own.
TEST(ValidationAuthority, ValidateRunsOnItsOwnExecutorAndResumesTheCaller) {
  asio::io_context va_io, caller_io;
  std::thread::id checked_on, resumed_on, caller;
  struct ThreadChecker : Checker {
    std::thread::id* seen;
    asio::awaitable<ValidationOutcome> check(const ValidationRequest&, Deadline&) override {
      *seen = std::this_thread::get_id();
      co_return ValidationOutcome{};
    }
  };
  auto checker = std::make_shared<ThreadChecker>();
  checker->seen = &checked_on;
  ValidationAuthority va(va_io.get_executor(), {}, {{core::ChallengeType::Http01, checker}},
                         std::make_shared<testing::FakeResolver>());
  auto work = asio::make_work_guard(va_io);
  std::thread va_thread([&] { va_io.run(); });
  const auto va_thread_id = va_thread.get_id();
  asio::co_spawn(
      caller_io,
      [&]() -> asio::awaitable<void> {
        caller = std::this_thread::get_id();
        auto o = co_await va.validate(kRequest);
        EXPECT_TRUE(o.ok());
        resumed_on = std::this_thread::get_id();
      },
      asio::detached);
  caller_io.run();
  work.reset();
  va_thread.join();
  EXPECT_EQ(checked_on, va_thread_id);
  EXPECT_NE(checked_on, caller);
  EXPECT_EQ(resumed_on, caller);
}

// Every place a started validation held is given back: the queue admits again.
TEST(ValidationAuthority, StartedValidationsGiveTheirPlaceBack) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.max_pending = 2;
  ValidationAuthority va(io.get_executor(), cfg,
                         {{core::ChallengeType::Http01, std::make_shared<FixedChecker>(true)}},
                         std::make_shared<testing::FakeResolver>());
  RecordingSink sink;
  for (int round = 0; round < 3; ++round) {
    auto a = va.admit();
    auto b = va.admit();
    ASSERT_TRUE(a && b) << "round " << round;
    EXPECT_FALSE(va.admit());  // full
    va.start(std::move(*a), {{"a"}, {"c1"}, kRequest}, sink);
    va.start(std::move(*b), {{"a"}, {"c2"}, kRequest}, sink);
    io.restart();
    io.run();
  }
  EXPECT_EQ(sink.outcomes.size(), 6u);
  EXPECT_TRUE(va.admit());
}

TEST(Ticket, MoveAssignmentGivesTheOldPlaceBack) {
  auto pending = std::make_shared<std::atomic<std::size_t>>(2);
  Ticket a(pending), b(pending);
  a = std::move(b);
  EXPECT_EQ(*pending, 1u);
  a.release();
  EXPECT_EQ(*pending, 0u);
}

// drain() waits for started validations to report, and gives up at its limit.
TEST(ValidationAuthority, DrainWaitsForStartedValidations) {
  asio::io_context io;
  ValidationAuthority va(io.get_executor(), {},
                         {{core::ChallengeType::Http01, std::make_shared<FixedChecker>(true)}},
                         std::make_shared<testing::FakeResolver>(),
                         {std::make_shared<FakeRemote>("slow", true, 300ms)});
  RecordingSink sink;
  va.start(*va.admit(), {{"a"}, {"c"}, kRequest}, sink);
  EXPECT_EQ(va.in_flight(), 1u);
  auto drained = asio::co_spawn(io, va.drain(10s), asio::use_future);
  io.run();
  EXPECT_TRUE(drained.get());
  EXPECT_EQ(va.in_flight(), 0u);
  EXPECT_EQ(sink.outcomes.size(), 1u);

  asio::io_context io2;
  ValidationAuthority hung(
      io2.get_executor(), {}, {{core::ChallengeType::Http01, std::make_shared<FixedChecker>(true)}},
      std::make_shared<testing::FakeResolver>(), {std::make_shared<FakeRemote>("dead", true, 60s)});
  RecordingSink sink2;
  hung.start(*hung.admit(), {{"a"}, {"c"}, kRequest}, sink2);
  auto gave_up = asio::co_spawn(io2, hung.drain(100ms), asio::use_future);
  for (int i = 0; i < 100 && gave_up.wait_for(0s) != std::future_status::ready; ++i)
    io2.run_one_for(100ms);
  EXPECT_FALSE(gave_up.get());
}

// Checks of the account "slow" hang until the gate opens; others pass at once. Counts
// how many of the slow account's checks run at the same time.
class GateChecker : public Checker {
 public:
  explicit GateChecker(asio::io_context& io) : gate_(io, asio::steady_timer::time_point::max()) {}
  asio::awaitable<ValidationOutcome> check(const ValidationRequest& req, Deadline&) override {
    if (req.account_uri == "slow") {
      max_slow = std::max(max_slow, ++slow_running);
      boost::system::error_code ec;
      co_await gate_.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      --slow_running;
    }
    co_return outcome(true, "primary");
  }
  void open() { gate_.cancel(); }
  std::size_t slow_running = 0;
  std::size_t max_slow = 0;

 private:
  asio::steady_timer gate_;
};

// One account's hanging validations take at most its own share of the slots; another
// account's validation, started after them, is not held back.
TEST(ValidationAuthority, OneAccountCannotTakeEverySlot) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.max_in_flight = 4;
  cfg.max_in_flight_per_account = 2;
  auto checker = std::make_shared<GateChecker>(io);
  ValidationAuthority va(io.get_executor(), cfg, {{core::ChallengeType::Http01, checker}},
                         std::make_shared<testing::FakeResolver>());
  RecordingSink sink;
  ValidationRequest slow = kRequest, other = kRequest;
  slow.account_uri = "slow";
  other.account_uri = "other";
  for (int i = 0; i < 10; ++i)
    va.start(*va.admit(), {{"a"}, {"slow" + std::to_string(i)}, slow}, sink);
  va.start(*va.admit(), {{"b"}, {"other"}, other}, sink);
  for (int i = 0; i < 100 && sink.outcomes.empty(); ++i) io.run_one_for(100ms);
  ASSERT_EQ(sink.outcomes.size(), 1u);
  EXPECT_EQ(sink.outcomes[0].first, "other");
  EXPECT_EQ(checker->slow_running, 2u);

  // Once the gate opens, the slow account's queue drains, never above its cap.
  checker->open();
  for (int i = 0; i < 1000 && sink.outcomes.size() < 11; ++i) {
    checker->open();
    io.run_one_for(100ms);
  }
  EXPECT_EQ(sink.outcomes.size(), 11u);
  EXPECT_EQ(checker->max_slow, 2u);
  EXPECT_EQ(va.in_flight(), 0u);
}

// A request may carry its account's own cap (an operator's override).
TEST(ValidationAuthority, ARequestCarriesItsAccountsCap) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.max_in_flight = 8;
  cfg.max_in_flight_per_account = 4;
  auto checker = std::make_shared<GateChecker>(io);
  ValidationAuthority va(io.get_executor(), cfg, {{core::ChallengeType::Http01, checker}},
                         std::make_shared<testing::FakeResolver>());
  RecordingSink sink;
  ValidationRequest slow = kRequest;
  slow.account_uri = "slow";
  slow.account_slots = 1;
  for (int i = 0; i < 3; ++i)
    va.start(*va.admit(), {{"a"}, {"slow" + std::to_string(i)}, slow}, sink);
  for (int i = 0; i < 20 && checker->slow_running == 0; ++i) io.run_one_for(10ms);
  io.poll();
  EXPECT_EQ(checker->slow_running, 1u);
  for (int i = 0; i < 1000 && sink.outcomes.size() < 3; ++i) {
    checker->open();
    io.run_one_for(100ms);
  }
  EXPECT_EQ(sink.outcomes.size(), 3u);
  EXPECT_EQ(checker->max_slow, 1u);
}

// Waiting accounts are served in turn: with one slot, two accounts' queued checks
// alternate instead of one account's whole queue running first.
TEST(ValidationAuthority, WaitingAccountsAreServedInTurn) {
  asio::io_context io;
  ValidationConfig cfg;
  cfg.max_in_flight = 1;
  // Every check yields once, so that all six are queued before the first one ends.
  struct YieldingChecker : Checker {
    asio::awaitable<ValidationOutcome> check(const ValidationRequest&, Deadline&) override {
      co_await asio::post(co_await asio::this_coro::executor, asio::use_awaitable);
      co_return outcome(true, "primary");
    }
  };
  ValidationAuthority va(io.get_executor(), cfg,
                         {{core::ChallengeType::Http01, std::make_shared<YieldingChecker>()}},
                         std::make_shared<testing::FakeResolver>());
  RecordingSink sink;
  ValidationRequest a = kRequest, b = kRequest;
  a.account_uri = "a";
  b.account_uri = "b";
  for (int i = 0; i < 3; ++i) va.start(*va.admit(), {{"x"}, {"a" + std::to_string(i)}, a}, sink);
  for (int i = 0; i < 3; ++i) va.start(*va.admit(), {{"x"}, {"b" + std::to_string(i)}, b}, sink);
  io.run();
  std::string order;
  for (const auto& [id, o] : sink.outcomes) order += id.substr(0, 1);
  // a0 runs first; then the accounts alternate as each check ends.
  EXPECT_EQ(order, "aababb");
}

TEST(MultiPerspective, OneRemoteAllowsNoFailure) {
  auto o = run(true, {std::make_shared<FakeRemote>("eu", false)});
  ASSERT_FALSE(o.ok());
}

}  // namespace
}  // namespace signet::validation
