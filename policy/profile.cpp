#include "policy/profile.hpp"

#include <algorithm>

namespace signet::policy {

std::optional<ExtendedKeyUsage> extended_key_usage_from_name(std::string_view name) {
  if (name == "serverAuth") return ExtendedKeyUsage::ServerAuth;
  if (name == "clientAuth") return ExtendedKeyUsage::ClientAuth;
  return std::nullopt;
}

std::optional<KeyUsage> key_usage_from_name(std::string_view name) {
  if (name == "digitalSignature") return KeyUsage::DigitalSignature;
  if (name == "keyEncipherment") return KeyUsage::KeyEncipherment;
  return std::nullopt;
}

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
    const auto hours = std::chrono::duration_cast<std::chrono::hours>(p.max_validity).count();
    const std::string limit = hours % 24 == 0 ? std::to_string(hours / 24) + " days"
                                              : std::to_string(hours) + " hours";
    return malformed("the requested validity exceeds the maximum of " + limit + " of profile " +
                     p.name);
  }
  return v;
}

core::Status check_profile_user(const Profile& p, const ProfileUser& who) {
  if (!p.accounts.empty() && !p.accounts.contains(who.account_id)) {
    return core::make_error(core::ProblemType::InvalidProfile,
                            "Profile " + p.name + " is not offered to account " + who.account_id);
  }
  if (!p.eab_keys.empty() && (!who.eab_kid || !p.eab_keys.contains(*who.eab_kid))) {
    return core::make_error(core::ProblemType::InvalidProfile,
                            "Profile " + p.name +
                                " is offered only to accounts bound to certain external account "
                                "keys, and this account's is not one of them");
  }
  return {};
}

core::Status check_profile_identifiers(const Profile& p,
                                       const std::vector<core::Identifier>& identifiers) {
  std::vector<core::Subproblem> refused;
  for (const auto& id : identifiers) {
    if (p.identifier_types.contains(id.type)) continue;
    refused.push_back({core::ProblemType::RejectedIdentifier,
                       "Profile " + p.name + " does not certify " +
                           std::string(core::to_string(id.type)) + " identifiers",
                       id});
  }
  if (!refused.empty()) {
    core::Error e = core::make_error(
        core::ProblemType::RejectedIdentifier,
        refused.size() == 1 ? refused.front().detail
                            : "Profile " + p.name + " does not certify some of the identifiers");
    e.subproblems = std::move(refused);
    return e;
  }
  if (p.max_identifiers > 0 && identifiers.size() > p.max_identifiers) {
    return core::make_error(core::ProblemType::RejectedIdentifier,
                            "Profile " + p.name + " certifies at most " +
                                std::to_string(p.max_identifiers) + " identifiers per order, not " +
                                std::to_string(identifiers.size()));
  }
  return {};
}

core::Status check_profile_key(const Profile& p, EVP_PKEY* key) {
  if (p.key_types.empty()) return {};
  const auto type = key_type_of(key);
  if (type && p.key_types.contains(*type)) return {};
  return core::make_error(core::ProblemType::BadCsr,
                          "CSR key refused: profile " + p.name + " certifies " +
                              key_type_list(p.key_types) + " keys only");
}

core::Error unknown_profile(const std::string& name, const std::vector<std::string>& offered) {
  std::string list;
  for (const auto& n : offered) list += (list.empty() ? "" : ", ") + n;
  return core::make_error(core::ProblemType::InvalidProfile,
                          "Profile \"" + name + "\" is not offered; offered: " + list);
}

}  // namespace signet::policy
