#pragma once
// Work repeated every interval until stopped, on the caller's executor: the CRL
// publisher's database watch, the OCSP responder's refresh, housekeeping, the audit
// stream.
#include <boost/asio/awaitable.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <atomic>
#include <chrono>

namespace signet::core {

enum class FirstRound { AtOnce, AfterInterval };

// Until `stopping` is set: co_await round() (a callable returning an awaitable, whose
// value is dropped), then wait `interval`; with AfterInterval, the wait comes first.
// `stopping` is looked at before each round, so a stop takes effect within an interval.
template <class Round>
boost::asio::awaitable<void> every(std::chrono::steady_clock::duration interval,
                                   const std::atomic<bool>& stopping, FirstRound first,
                                   Round round) {
  namespace asio = boost::asio;
  asio::steady_timer timer(co_await asio::this_coro::executor);
  bool wait = first == FirstRound::AfterInterval;
  while (!stopping) {
    if (wait) {
      timer.expires_after(interval);
      boost::system::error_code ec;
      co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      if (stopping) break;
    }
    wait = true;
    co_await round();
  }
}

}  // namespace signet::core
