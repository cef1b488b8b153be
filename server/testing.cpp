#include "server/testing.hpp"

#include <boost/asio/ip/address.hpp>

#include "server/problem.hpp"
#include "server/routes.hpp"

namespace signet::server {

namespace {

core::Error malformed(std::string detail) {
  return core::make_error(core::ProblemType::Malformed, std::move(detail));
}

// The most clients remembered as refused last; beyond it they are forgotten at once.
constexpr std::size_t kMaxRefusedClients = 65536;

// The configuration's rules with authorization reuse off for every profile.
authority::RulesPtr without_reuse(const authority::RulesPtr& rules) {
  auto copy = std::make_shared<authority::Rules>(*rules);
  for (auto& [name, p] : copy->profiles) p.policy.authorization_reuse = std::chrono::seconds(0);
  return copy;
}

}  // namespace

core::Result<std::vector<InjectionRule>> compile_injections(
    const std::vector<config::InjectRule>& rules) {
  std::vector<InjectionRule> out;
  for (const auto& r : rules) {
    const auto route = route_of_resource(r.resource);
    if (!route) {
      return malformed("[testing] inject: \"" + r.resource +
                       "\" is not an ACME resource of this server (known: " + resource_names() +
                       ")");
    }
    // Checked by config::validate_testing.
    const auto type =
        core::problem_type_from_name(r.problem).value_or(core::ProblemType::Malformed);
    core::Error e = core::make_error(
        type, "Injected by the test CA ([testing] inject): " + r.resource + " answers " +
                  r.problem + " to " + std::to_string(r.percent) + "% of its requests");
    if (r.retry_after && r.retry_after->count() > 0) e.retry_after = *r.retry_after;
    out.push_back({*route, r.resource, std::move(e), r.status != 0 ? r.status : http_status(type),
                   r.percent});
  }
  return out;
}

Odds nonce_refusal_odds(unsigned percent, bool refused_before) {
  const std::uint64_t p = std::min(percent, 100u);
  if (p <= 50) return refused_before ? Odds{0, 1} : Odds{p, 100 - p};
  return refused_before ? Odds{2 * p - 100, p} : Odds{1, 1};
}

TestMode::TestMode(std::shared_ptr<core::Random> random,
                   std::shared_ptr<core::metrics::Registry> metrics)
    : random_(std::move(random)),
      metrics_(core::metrics::or_private(std::move(metrics))),
      nonces_(metrics_->counter(
          "signet_testing_nonces_total",
          "Test mode: valid anti-replay nonces, by outcome (accepted, or refused with badNonce "
          "by nonce_reject_percent).",
          {"outcome"})),
      injected_(metrics_->counter(
          "signet_testing_injected_problems_total",
          "Test mode: problems sent in place of an answer by [testing] inject, by resource and "
          "problem type.",
          {"resource", "problem"})),
      dns_(std::make_shared<validation::TestDns>()),
      validation_(std::make_shared<validation::TestKnobs>(random_)) {
  knobs_.enabled = true;
  // Both outcomes from the start, so that a share can be computed at any time.
  nonces_.with({"accepted"});
  nonces_.with({"refused"});
}

core::Status TestMode::apply(const config::Testing& knobs) {
  if (auto st = config::validate_testing(knobs); !st) return st;
  auto injections = compile_injections(knobs.inject);
  if (!injections) return std::move(injections).error();
  std::optional<boost::asio::ip::address> address;
  if (!knobs.resolve_all_to.empty()) {
    boost::system::error_code ec;
    address = boost::asio::ip::make_address(knobs.resolve_all_to, ec);
    if (ec) return malformed("[testing] resolve_all_to is not an IP address");
  }
  config::DelayRange delay;
  if (!knobs.validation_delay.empty()) delay = *config::parse_delay_range(knobs.validation_delay);

  std::lock_guard lock(mu_);
  const bool reuse_changed = knobs.reuse_authorizations != knobs_.reuse_authorizations;
  knobs_ = knobs;
  knobs_.enabled = true;
  knobs_.knobs_set.clear();
  injections_ = std::move(injections).value();
  dns_->set_address(address);
  validation_->set(knobs.always_valid, delay.min, delay.max);
  if (reuse_changed) push_rules();
  return {};
}

config::Testing TestMode::knobs() const {
  std::lock_guard lock(mu_);
  return knobs_;
}

std::vector<std::string> TestMode::describe() const {
  return describe_knobs(knobs());
}

std::vector<std::string> describe_knobs(const config::Testing& k) {
  std::vector<std::string> out;
  if (!k.resolve_all_to.empty()) {
    out.push_back("resolve_all_to " + k.resolve_all_to +
                  ": validation resolves every name to it and sees the TXT and CAA records set "
                  "through /testing/txt and /testing/caa; no DNS server is asked");
  }
  if (k.always_valid)
    out.push_back("always_valid: challenges pass without contacting anything; no CAA check");
  if (k.nonce_reject_percent > 0) {
    out.push_back("nonce_reject_percent " + std::to_string(k.nonce_reject_percent) +
                  ": that share of valid nonces is refused with badNonce");
  }
  if (!k.validation_delay.empty())
    out.push_back("validation_delay " + k.validation_delay +
                  ": a random wait before each validation");
  if (!k.reuse_authorizations)
    out.push_back("reuse_authorizations false: every order gets new authorizations");
  for (const auto& r : k.inject) {
    out.push_back("inject: " + std::to_string(r.percent) + "% of " + r.resource + " requests get " +
                  r.problem +
                  (r.retry_after ? " (Retry-After " + std::to_string(r.retry_after->count()) + ")"
                                 : std::string()));
  }
  return out;
}

void TestMode::use_rules(authority::RulesPtr configured,
                         std::function<void(authority::RulesPtr)> install) {
  std::lock_guard lock(mu_);
  configured_rules_ = std::move(configured);
  install_rules_ = std::move(install);
  push_rules();
}

void TestMode::push_rules() {
  if (!install_rules_ || !configured_rules_) return;
  install_rules_(knobs_.reuse_authorizations ? configured_rules_
                                             : without_reuse(configured_rules_));
}

bool TestMode::refuse_nonce(std::string_view client) {
  bool refuse = false;
  {
    std::lock_guard lock(mu_);
    const auto it = refused_last_.find(client);
    const bool before = it != refused_last_.end();
    const Odds odds = nonce_refusal_odds(knobs_.nonce_reject_percent, before);
    refuse = random_->chance(odds.numerator, odds.denominator);
    if (refuse && !before) {
      if (refused_last_.size() >= kMaxRefusedClients) refused_last_.clear();
      refused_last_.emplace(client);
    } else if (!refuse && before) {
      refused_last_.erase(it);
    }
  }
  nonces_.with({refuse ? "refused" : "accepted"}).inc();
  return refuse;
}

std::optional<Injected> TestMode::inject(Route route) {
  std::optional<Injected> out;
  {
    std::lock_guard lock(mu_);
    for (const auto& r : injections_) {
      if (r.route != route || !random_->chance(r.percent, 100)) continue;
      out = Injected{r.problem, r.status};
      break;
    }
  }
  if (out) {
    injected_.with({resource_name(route), core::problem_type_name(out->problem.type)}).inc();
  }
  return out;
}

}  // namespace signet::server
