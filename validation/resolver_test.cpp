#include "validation/resolver.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_future.hpp>

namespace signet::validation {
namespace {

using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;

// A DNS server that never answers: c-ares alone would wait its timeout for each try.
// A cancelled lookup (a validation's deadline) returns at once all the same.
TEST(CaresResolver, ACancelledLookupReturnsAtOnce) {
  asio::io_context io;
  asio::ip::udp::socket silent(io, {asio::ip::make_address("127.0.0.1"), 0});
  ResolverConfig cfg;
  cfg.servers = {"127.0.0.1:" + std::to_string(silent.local_endpoint().port())};
  cfg.timeout_per_try = 5000ms;
  cfg.tries = 2;
  auto created = CaresResolver::create(io.get_executor(), cfg);
  ASSERT_TRUE(created);
  std::shared_ptr<CaresResolver> resolver = *created;

  const auto start = std::chrono::steady_clock::now();
  auto fut = asio::co_spawn(
      io,
      [&]() -> asio::awaitable<std::size_t> {
        asio::steady_timer deadline(co_await asio::this_coro::executor, 200ms);
        auto first = co_await (resolver->lookup_caa("example.test") ||
                               deadline.async_wait(asio::use_awaitable));
        auto also = co_await (resolver->lookup_ip("example.test") ||
                              deadline.async_wait(asio::use_awaitable));
        co_return first.index() + also.index();
      },
      asio::use_future);
  while (fut.wait_for(0s) != std::future_status::ready) io.run_one_for(100ms);
  EXPECT_EQ(fut.get(), 2u);  // the deadline came first both times
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);
  resolver.reset();  // the channel goes with the queries still open in it
  io.poll();
}

}  // namespace
}  // namespace signet::validation
