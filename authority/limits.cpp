// Rate limits: each limit is a bucket in storage, checked and spent in one write with
// the others a request touches; a refusal is `rateLimited` with a Retry-After and a
// detail that names the limit and when it frees.
#include "authority/authority.hpp"
#include "policy/public_suffix.hpp"

namespace signet::authority {

namespace {

// "45 s", "12 min", "3 h 5 min": when a limit frees, for people.
std::string human(std::chrono::seconds s) {
  const auto n = s.count();
  if (n < 120) return std::to_string(n) + " s";
  if (n < 7200) return std::to_string((n + 59) / 60) + " min";
  const auto h = n / 3600, m = (n % 3600 + 59) / 60;
  return std::to_string(h) + " h" + (m ? " " + std::to_string(m) + " min" : "");
}

}  // namespace

void Authority::LimitCharges::add(const char* limit, std::string subject, std::string bucket,
                                  const policy::Rate& rate, std::uint64_t cost) {
  if (!rate.enabled()) return;
  spends.push_back({std::move(bucket), rate, cost});
  about.push_back({limit, std::move(subject)});
}

asio::awaitable<core::Status> Authority::charge(const LimitCharges& c, bool refusing) {
  if (c.spends.empty()) co_return core::Status{};
  auto denied = co_await s_.store.spend_limits(c.spends, s_.clock.now());
  if (!denied) co_return std::move(denied).error();
  if (!denied->has_value()) co_return core::Status{};
  const auto& d = **denied;
  const auto& [limit, subject] = c.about.at(d.index);
  if (refusing) metrics_.rate_limited(limit);
  const auto wait = std::max<std::chrono::seconds>(
      std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(d.retry_after));
  core::Error e = core::make_error(core::ProblemType::RateLimited,
                                   "Rate limit " + std::string(limit) + " (" +
                                       policy::to_string(c.spends.at(d.index).rate) +
                                       ") reached for " + subject + "; it frees in " + human(wait));
  e.retry_after = wait;
  co_return e;
}

asio::awaitable<core::Status> Authority::check_pending_authorizations(const core::Account& a,
                                                                      std::size_t adding,
                                                                      const Limits& limits,
                                                                      core::TimePoint now) {
  const std::size_t cap = limits.pending_authorizations_per_account;
  if (cap == 0 || adding == 0) co_return core::Status{};
  auto pending = co_await s_.store.count_pending_authorizations(a.id, now);
  if (!pending) co_return std::move(pending).error();
  if (*pending + adding <= cap) co_return core::Status{};
  metrics_.rate_limited("pending_authorizations_per_account");
  core::Error e = core::make_error(
      core::ProblemType::RateLimited,
      "Rate limit pending_authorizations_per_account (" + std::to_string(cap) +
          ") reached: account " + a.id.value + " has " + std::to_string(*pending) +
          " pending authorizations; it frees as they are validated, deactivated or expire");
  e.retry_after = std::chrono::seconds(60);
  co_return e;
}

std::string Authority::failed_validations_bucket(const core::AccountId& a,
                                                 const core::Identifier& id) {
  return "failed_validations:" + a.value + ":" + id.value;
}

std::vector<std::string> Authority::registered_domains(const std::vector<core::Identifier>& ids) {
  std::vector<std::string> out;
  for (const auto& id : ids) {
    if (id.type != core::IdentifierType::Dns) continue;
    auto d = policy::registered_domain(id.base_name());
    if (std::find(out.begin(), out.end(), d) == out.end()) out.push_back(std::move(d));
  }
  return out;
}

asio::awaitable<core::Status> Authority::add_certificate_charges(
    LimitCharges& c, const Limits& limits, const std::vector<core::Identifier>& ids,
    std::uint64_t cost) {
  if (!limits.certificates_per_domain.enabled()) co_return core::Status{};
  // Renewals of the same set of names are exempt.
  auto renewal = co_await s_.store.issued_for_identifiers(ids);
  if (!renewal) co_return std::move(renewal).error();
  if (*renewal) co_return core::Status{};
  for (const auto& d : registered_domains(ids)) {
    c.add("certificates_per_domain", "the registered domain " + d, "certificates:" + d,
          limits.certificates_per_domain, cost);
  }
  co_return core::Status{};
}

}  // namespace signet::authority
