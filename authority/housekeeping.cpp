#include "authority/housekeeping.hpp"

#include <boost/asio/use_awaitable.hpp>

#include "core/log.hpp"
#include "core/periodic.hpp"

namespace signet::authority {

namespace asio = boost::asio;

asio::awaitable<core::Result<storage::PurgeCounts>> Housekeeping::purge() {
  storage::PurgeCounts total;
  // Redeemed nonces are remembered only until they would have expired anyway.
  auto nonces = co_await store_.purge_redeemed_nonces(clock_.now());
  if (!nonces) co_return std::move(nonces).error();
  total.nonces = *nonces;
  if (config_.purge_after.count() == 0) co_return total;
  const auto before = clock_.now() - config_.purge_after;
  for (std::size_t i = 0; i < config_.max_batches && !stopping_; ++i) {
    auto n = co_await store_.purge_expired(before, config_.batch);
    if (!n) co_return std::move(n).error();
    total.orders += n->orders;
    total.authorizations += n->authorizations;
    if (n->orders < config_.batch && n->authorizations < config_.batch) break;
  }
  co_return total;
}

asio::awaitable<void> Housekeeping::purge_and_log() {
  auto n = co_await purge();
  if (!n) {
    core::log_error("housekeeping: " + n.error().detail);
  } else if (n->orders > 0 || n->authorizations > 0 || n->nonces > 0) {
    core::log_info("housekeeping: expired records deleted",
                   {{"orders", static_cast<std::int64_t>(n->orders)},
                    {"authorizations", static_cast<std::int64_t>(n->authorizations)},
                    {"nonces", static_cast<std::int64_t>(n->nonces)}});
  }
}

asio::awaitable<void> Housekeeping::run() {
  return core::every(config_.interval, stopping_, core::FirstRound::AtOnce,
                     [this] { return purge_and_log(); });
}

}  // namespace signet::authority
