#include "policy/profile.hpp"

namespace signet::policy {

core::Result<Validity> resolve_validity(const Profile& p, std::optional<core::TimePoint> not_before,
                                        std::optional<core::TimePoint> not_after,
                                        core::TimePoint now) {
  using core::ProblemType;
  auto malformed = [](std::string d) {
    return core::make_error(ProblemType::Malformed, std::move(d));
  };
  Validity v;
  v.not_before = not_before ? *not_before : now - p.backdate;
  if (not_before && *not_before > now + p.max_not_before_ahead) {
    return malformed("notBefore is too far in the future");
  }
  if (not_before && *not_before < now - p.backdate) {
    return malformed("notBefore is in the past");
  }
  v.not_after = not_after ? *not_after : v.not_before + p.default_validity;
  if (v.not_after <= v.not_before) return malformed("notAfter must be later than notBefore");
  if (v.not_after <= now) return malformed("notAfter is in the past");
  if (v.not_after - v.not_before > p.max_validity) {
    return malformed("the requested validity exceeds the maximum of " +
                     std::to_string(p.max_validity.count() / 86400) + " days");
  }
  return v;
}

}  // namespace signet::policy
