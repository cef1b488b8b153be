// Authorizations and challenges (RFC 8555 §7.5): lookup, deactivation, starting a
// validation, and recording what the validation authority reports.
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

#include "authority/authority.hpp"
#include "authority/state.hpp"
#include "core/log.hpp"

namespace signet::authority {

using core::ProblemType;

namespace {
core::Error not_found(const std::string& what) {
  return core::make_error(ProblemType::NotFound, what + " not found");
}

// RFC 8555 §8.1: keyAuthorization = token || '.' || base64url(Thumbprint(accountKey)).
std::string key_authorization(const std::string& token, const std::string& thumbprint) {
  return token + "." + thumbprint;
}
}  // namespace

Authority::Async<core::Authorization> Authority::authorization(const core::Account& a,
                                                               const core::AuthzId& id) {
  auto z = co_await s_.store.authz_by_id(id);
  if (!z) co_return std::move(z).error();
  if (!z->has_value() || (*z)->account_id != a.id) co_return not_found("Authorization");
  core::Authorization authz = std::move(**z);
  authz.status = effective_authz_status(authz.status, authz.expires, s_.clock.now());
  co_return authz;
}

Authority::Async<core::Authorization> Authority::deactivate_authorization(const core::Account& a,
                                                                          const core::AuthzId& id) {
  auto z = co_await authorization(a, id);
  if (!z) co_return z;
  if (z->status != core::AuthzStatus::Pending && z->status != core::AuthzStatus::Valid) {
    co_return core::make_error(
        ProblemType::Malformed,
        "An authorization that is " + std::string(to_string(z->status)) + " cannot be deactivated");
  }
  auto r = co_await s_.store.deactivate_authz(id);
  if (!r) co_return std::move(r).error();
  if (*r) metrics_.authorization("deactivated");
  co_return co_await authorization(a, id);
}

Authority::Async<core::Challenge> Authority::challenge(const core::Account& a,
                                                       const core::AuthzId& authz_id,
                                                       const core::ChallengeId& id) {
  auto z = co_await authorization(a, authz_id);
  if (!z) co_return std::move(z).error();
  for (const auto& c : z->challenges) {
    if (c.id == id) co_return c;
  }
  co_return not_found("Challenge");
}

Authority::Async<core::Challenge> Authority::respond_to_challenge(const core::Account& a,
                                                                  const core::AuthzId& authz_id,
                                                                  const core::ChallengeId& id) {
  const RulesPtr rules = this->rules();
  auto z = co_await authorization(a, authz_id);
  if (!z) co_return std::move(z).error();
  auto it = std::find_if(z->challenges.begin(), z->challenges.end(),
                         [&](const core::Challenge& c) { return c.id == id; });
  if (it == z->challenges.end()) co_return not_found("Challenge");
  core::Challenge ch = *it;
  if (z->status == core::AuthzStatus::Expired) {
    co_return core::make_error(ProblemType::Malformed, "The authorization has expired");
  }
  // RFC 8555 §7.5.1: a challenge already under way or finished is returned as it is.
  if (!can_start_challenge(z->status, ch.status)) co_return ch;

  auto ticket = s_.va.admit();
  if (!ticket) {
    core::Error busy = core::make_error(ProblemType::RateLimited,
                                        "Too many validations are in progress; retry shortly");
    busy.retry_after = std::chrono::seconds(5);
    co_return busy;
  }
  auto started = co_await s_.store.start_challenge(authz_id, id, lease());
  if (!started) co_return std::move(started).error();
  if (!*started) {
    // Another request started a challenge of this authorization first.
    co_return co_await challenge(a, authz_id, id);
  }
  validation::ValidationJob job{
      z->id,
      ch.id,
      {z->identifier, ch.type, ch.token, key_authorization(ch.token, a.jwk_thumbprint), z->wildcard,
       account_uri(a.id), rules->caa_identities}};
  job.request.account_slots = rules->limits_for(a.id).validations_in_flight_per_account;
  s_.va.start(std::move(*ticket), std::move(job), *this);
  ch.status = core::ChallengeStatus::Processing;
  co_return ch;
}

void Authority::outcome(const validation::ValidationJob& job, validation::ValidationOutcome o) {
  ++recording_;
  asio::co_spawn(s_.background, record_outcome(job, std::move(o)), asio::detached);
}

asio::awaitable<void> Authority::record_outcome(validation::ValidationJob job,
                                                validation::ValidationOutcome o) {
  const auto now = s_.clock.now();
  core::ChallengeOutcome result{job.challenge, job.authz, o.ok(),       now,
                                o.problem,     o.records, std::nullopt, o.perspectives};
  if (o.ok()) result.authz_expires = now + config_.valid_authz_lifetime;
  auto r = co_await s_.store.complete_challenge(result);
  if (r && *r) metrics_.authorization(o.ok() ? "valid" : "invalid");
  if (r && !o.ok() && job.request.account_uri.starts_with(config_.account_uri_prefix)) {
    // failed_validations_per_account_name: a bucket already full stays full.
    const core::AccountId account{
        job.request.account_uri.substr(config_.account_uri_prefix.size())};
    LimitCharges c;
    c.add("failed_validations_per_account_name", "",
          failed_validations_bucket(account, job.request.identifier),
          rules()->limits_for(account).failed_validations_per_account_name, 1);
    if (auto spent = co_await charge(c, false); !spent && spent.error().type != ProblemType::RateLimited)
      core::log_error("counting a failed validation: " + spent.error().detail);
  }
  if (!r) {
    core::log_error("recording validation of " + job.authz.value + ": " + r.error().detail);
  } else {
    core::log_info("validation " + std::string(to_string(job.request.type)) + " " +
                   job.request.identifier.value + ": " +
                   (o.ok() ? "valid" : "invalid (" + o.problem->detail + ")"));
  }
  --recording_;
}

void Authority::late_answer(const validation::ValidationJob& job, core::PerspectiveResult answer) {
  ++recording_;
  asio::co_spawn(s_.background, record_late_answer(job.challenge, std::move(answer)),
                 asio::detached);
}

asio::awaitable<void> Authority::record_late_answer(core::ChallengeId id,
                                                    core::PerspectiveResult answer) {
  auto r = co_await s_.store.record_late_perspective(id, answer);
  if (!r)
    core::log_error("recording a late answer from " + answer.perspective + ": " + r.error().detail);
  --recording_;
}

asio::awaitable<bool> Authority::drain(std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  if (!co_await s_.va.drain(limit)) co_return false;
  asio::steady_timer t(co_await asio::this_coro::executor);
  while (recording_ > 0) {
    if (std::chrono::steady_clock::now() >= deadline) co_return false;
    t.expires_after(std::chrono::milliseconds(10));
    co_await t.async_wait(asio::use_awaitable);
  }
  co_return true;
}

}  // namespace signet::authority
