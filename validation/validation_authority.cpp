#include "validation/validation_authority.hpp"

#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace signet::validation {
namespace asio = boost::asio;

ValidationAuthority::ValidationAuthority(
    asio::any_io_executor executor, ValidationConfig config,
    std::map<core::ChallengeType, std::shared_ptr<Checker>> checkers,
    std::shared_ptr<Resolver> resolver)
    : executor_(std::move(executor)),
      config_(std::move(config)),
      checkers_(std::move(checkers)),
      resolver_(std::move(resolver)),
      pending_(std::make_shared<std::atomic<std::size_t>>(0)) {}

std::optional<Ticket> ValidationAuthority::admit() {
  std::size_t cur = pending_->load();
  do {
    if (cur >= config_.max_pending) return std::nullopt;
  } while (!pending_->compare_exchange_weak(cur, cur + 1));
  return Ticket(pending_);
}

asio::awaitable<ValidationOutcome> ValidationAuthority::validate(const ValidationRequest& req) {
  auto it = checkers_.find(req.type);
  if (it == checkers_.end()) {
    ValidationOutcome out;
    out.problem =
        core::make_error(core::ProblemType::Malformed, std::string("challenge type ") +
                                                           std::string(to_string(req.type)) +
                                                           " is not offered by this server");
    co_return out;
  }
  // Wait for a slot: at most max_in_flight checks run at once. A waiter is woken by
  // moving its timer's expiry to the past, which also works before it starts waiting.
  if (running_ >= config_.max_in_flight) {
    auto timer =
        std::make_shared<asio::steady_timer>(executor_, asio::steady_timer::time_point::max());
    waiting_.push_back(timer);
    boost::system::error_code ec;
    co_await timer->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  } else {
    ++running_;
  }
  // The slot passes to the next waiter, or is freed, however the check ends.
  struct Slot {
    ValidationAuthority& va;
    ~Slot() {
      if (!va.waiting_.empty()) {
        va.waiting_.front()->expires_at(asio::steady_timer::time_point::min());
        va.waiting_.pop_front();
      } else {
        --va.running_;
      }
    }
  } slot{*this};
  ValidationOutcome out = co_await it->second->check(req);
  if (out.ok()) {
    // CAA after the challenge passed, as part of the same validation (RFC 8659 §3).
    auto caa = co_await recheck_caa(req.identifier, req.wildcard, req.account_uri, req.type);
    if (!caa) out.problem = std::move(caa).error();
  }
  co_return out;
}

asio::awaitable<core::Status> ValidationAuthority::recheck_caa(const core::Identifier& id,
                                                               bool wildcard,
                                                               const std::string& account_uri,
                                                               core::ChallengeType method) {
  const CaaRequest request{config_.caa_identities, account_uri, method, wildcard};
  co_return co_await check_caa(*resolver_, id, request);
}

}  // namespace signet::validation
