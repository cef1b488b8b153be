#include "authority/leases.hpp"

#include "authority/authority.hpp"
#include "core/log.hpp"
#include "core/periodic.hpp"

namespace signet::authority {

namespace asio = boost::asio;

asio::awaitable<core::Result<int>> WorkLeases::take_over(const storage::Takeover& t) {
  auto ended = co_await store_.recover_interrupted(t);
  if (!ended) co_return std::move(ended).error();
  if (*ended > 0) {
    core::log_warn("ended " + std::to_string(*ended) +
                   " challenges/orders interrupted by a node that stopped (or this node's "
                   "previous run)");
  }
  auto resumed = co_await authority_.resume_interrupted_issuances(t);
  if (!resumed) co_return std::move(resumed).error();
  co_return *ended + *resumed;
}

// (A named Takeover: g++ 12 destroys a temporary in a co_await expression twice.)
asio::awaitable<core::Result<int>> WorkLeases::take_over_at_start() {
  const storage::Takeover t{authority_.run(), clock_.now(), config_.node + "/"};
  co_return co_await take_over(t);
}

asio::awaitable<core::Result<int>> WorkLeases::round() {
  const auto lease = authority_.lease();
  if (auto renewed = co_await store_.renew_leases(lease.owner, lease.until); !renewed)
    co_return std::move(renewed).error();
  const storage::Takeover t{authority_.run(), clock_.now(), {}};
  co_return co_await take_over(t);
}

asio::awaitable<void> WorkLeases::round_and_log() {
  if (auto n = co_await round(); !n) core::log_error("leases: " + n.error().detail);
}

asio::awaitable<void> WorkLeases::run() {
  return core::every(config_.interval, stopping_, core::FirstRound::AfterInterval,
                     [this] { return round_and_log(); });
}

}  // namespace signet::authority
