#pragma once
// A resolver for tests: answers from maps the test fills in, each after `delay` (a
// slow DNS server). Lookups end at once when cancelled, as the real one's do. Not
// thread-safe; use it from one executor.
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "validation/resolver.hpp"

namespace signet::testing {

class FakeResolver : public validation::Resolver {
 public:
  using Address = boost::asio::ip::address;

  std::vector<Address> default_ip;  // for names not in `ip`
  std::map<std::string, std::vector<Address>> ip;
  std::map<std::string, std::vector<std::string>> txt;
  std::map<std::string, std::vector<validation::CaaRecord>> caa;
  std::set<std::string> failing;       // every lookup of these is a dns problem
  std::vector<std::string> caa_asked;  // CAA names looked up, in the order they started
  std::chrono::milliseconds delay{0};  // before every answer
  std::size_t running = 0;             // lookups in progress now
  std::size_t max_running = 0;         // the most at once so far

  boost::asio::awaitable<core::Result<std::vector<Address>>> lookup_ip(
      const std::string& name) override {
    co_await wait();
    if (failing.contains(name)) co_return fail("A/AAAA", name);
    auto it = ip.find(name);
    co_return it == ip.end() ? default_ip : it->second;
  }
  boost::asio::awaitable<core::Result<std::vector<std::string>>> lookup_txt(
      const std::string& name) override {
    co_await wait();
    if (failing.contains(name)) co_return fail("TXT", name);
    auto it = txt.find(name);
    co_return it == txt.end() ? std::vector<std::string>{} : it->second;
  }
  boost::asio::awaitable<core::Result<std::vector<validation::CaaRecord>>> lookup_caa(
      const std::string& name) override {
    caa_asked.push_back(name);
    co_await wait();
    if (failing.contains(name)) co_return fail("CAA", name);
    auto it = caa.find(name);
    co_return it == caa.end() ? std::vector<validation::CaaRecord>{} : it->second;
  }

 private:
  // Waits `delay`; throws operation_aborted when cancelled.
  boost::asio::awaitable<void> wait() {
    if (delay <= std::chrono::milliseconds(0)) co_return;
    struct Running {
      FakeResolver& owner;
      explicit Running(FakeResolver& o) : owner(o) {
        owner.max_running = std::max(owner.max_running, ++owner.running);
      }
      ~Running() { --owner.running; }
    } running_now(*this);
    boost::asio::steady_timer t(co_await boost::asio::this_coro::executor, delay);
    co_await t.async_wait(boost::asio::use_awaitable);
  }

  static core::Error fail(const char* type, const std::string& name) {
    return core::make_error(
        core::ProblemType::Dns,
        std::string("DNS problem: SERVFAIL looking up ") + type + " for " + name);
  }
};

// A resolver that sends every name to 127.0.0.1.
inline std::shared_ptr<FakeResolver> loopback_resolver() {
  auto r = std::make_shared<FakeResolver>();
  r->default_ip = {boost::asio::ip::make_address("127.0.0.1")};
  return r;
}

}  // namespace signet::testing
