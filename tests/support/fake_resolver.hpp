#pragma once
// A resolver for tests: answers from maps the test fills in. Not thread-safe; use it
// from one executor.
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
  std::vector<std::string> caa_asked;  // CAA names looked up, in order

  boost::asio::awaitable<core::Result<std::vector<Address>>> lookup_ip(
      const std::string& name) override {
    if (failing.contains(name)) co_return fail("A/AAAA", name);
    auto it = ip.find(name);
    co_return it == ip.end() ? default_ip : it->second;
  }
  boost::asio::awaitable<core::Result<std::vector<std::string>>> lookup_txt(
      const std::string& name) override {
    if (failing.contains(name)) co_return fail("TXT", name);
    auto it = txt.find(name);
    co_return it == txt.end() ? std::vector<std::string>{} : it->second;
  }
  boost::asio::awaitable<core::Result<std::vector<validation::CaaRecord>>> lookup_caa(
      const std::string& name) override {
    caa_asked.push_back(name);
    if (failing.contains(name)) co_return fail("CAA", name);
    auto it = caa.find(name);
    co_return it == caa.end() ? std::vector<validation::CaaRecord>{} : it->second;
  }

 private:
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
