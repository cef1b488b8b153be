#pragma once
// The test CA mode (`signet serve --testing`, [testing]): the knobs as the running
// server applies them. The request path asks it which valid nonces to refuse and which
// requests get an injected problem; validation reads its TestDns and TestKnobs; the
// authority gets the configuration's rules with reuse_authorizations over them. The
// admin listener's /testing/ endpoints change it at run time. Built only when testing
// is enabled. Thread-safe.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "authority/rules.hpp"
#include "config/config.hpp"
#include "core/error.hpp"
#include "core/metrics.hpp"
#include "core/random.hpp"
#include "core/result.hpp"
#include "server/urls.hpp"
#include "validation/testing.hpp"

namespace signet::server {

// A [testing] inject rule against the route table.
struct InjectionRule {
  Route route = Route::NotFound;
  std::string resource;
  core::Error problem;  // with its Retry-After
  int status = 0;       // the HTTP status it is sent with
  unsigned percent = 0;
};
// Errors name the unknown resource and list the known ones.
core::Result<std::vector<InjectionRule>> compile_injections(
    const std::vector<config::InjectRule>& rules);

// The odds of refusing one client's valid nonce, so that `percent` of all valid nonces
// are refused while no client is refused twice in a row up to 50%: a client that
// retries once after badNonce (certbot does exactly that) always gets through then.
// Below 50%, p/(100-p) of the nonces that follow an accepted one; none right after a
// refusal. Above 50%, every nonce after an accepted one, and (2p-100)/p of those
// right after a refusal (runs of refusals are then unavoidable). In both cases the
// refused share is p/100 over a long run.
struct Odds {
  std::uint64_t numerator = 0;
  std::uint64_t denominator = 1;
};
Odds nonce_refusal_odds(unsigned percent, bool refused_before);

// The knobs that are on, one line each (for the startup banner and config check).
std::vector<std::string> describe_knobs(const config::Testing& knobs);

// A problem to send instead of the handler's answer, and its HTTP status.
struct Injected {
  core::Error problem;
  int status = 0;
};

class TestMode {
 public:
  // random: the source of every decision (seed it to repeat a run); metrics: where
  // refused nonces and injected problems are counted.
  TestMode(std::shared_ptr<core::Random> random,
           std::shared_ptr<core::metrics::Registry> metrics = nullptr);

  // Checks every knob (config::validate_testing, the inject rules' resources) and
  // applies them all, or none when one is wrong (the error says which).
  core::Status apply(const config::Testing& knobs);
  // The knobs in force (enabled is true).
  config::Testing knobs() const;
  // The knobs that are on, one line each, for the startup banner.
  std::vector<std::string> describe() const;

  // What validation uses: the records and address of resolve_all_to, and the
  // always_valid and validation_delay knobs.
  const std::shared_ptr<validation::TestDns>& dns() const { return dns_; }
  const std::shared_ptr<validation::TestKnobs>& validation() const { return validation_; }

  // The rules the configuration gives (at start and on every reload) and where rules
  // go (the authority's set_rules): `install` gets them now, and again whenever
  // reuse_authorizations changes, with authorization reuse off for every profile
  // while it is false.
  void use_rules(authority::RulesPtr configured, std::function<void(authority::RulesPtr)> install);

  // Whether to refuse a valid nonce from this client (an account URL or a JWK
  // thumbprint), as nonce_reject_percent says; counted.
  bool refuse_nonce(std::string_view client);
  // The problem injected into this request to `route`, if a rule fires; counted.
  std::optional<Injected> inject(Route route);

 private:
  void push_rules();  // with mu_ held

  std::shared_ptr<core::Random> random_;
  std::shared_ptr<core::metrics::Registry> metrics_;
  core::metrics::Family<core::metrics::Counter>& nonces_;
  core::metrics::Family<core::metrics::Counter>& injected_;
  std::shared_ptr<validation::TestDns> dns_;
  std::shared_ptr<validation::TestKnobs> validation_;

  mutable std::mutex mu_;
  config::Testing knobs_;
  std::vector<InjectionRule> injections_;
  std::function<void(authority::RulesPtr)> install_rules_;
  authority::RulesPtr configured_rules_;
  // Clients whose latest valid nonce was refused (bounded: forgotten when full).
  std::set<std::string, std::less<>> refused_last_;
};

}  // namespace signet::server
