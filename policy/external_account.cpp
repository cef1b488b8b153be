#include "policy/external_account.hpp"

#include <algorithm>

#include "policy/identifiers.hpp"

namespace signet::policy {

using core::ProblemType;

namespace {

bool at_or_under(std::string_view name, std::string_view domain) {
  if (!name.ends_with(domain)) return false;
  return name.size() == domain.size() || name[name.size() - domain.size() - 1] == '.';
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::string days(core::Seconds s) {
  const auto d = s.count() / 86400;
  return std::to_string(d) + (d == 1 ? " day" : " days");
}

}  // namespace

bool covered_by(const std::vector<std::string>& domains, const core::Identifier& id) {
  if (id.type != core::IdentifierType::Dns) return false;
  const std::string base = id.base_name();
  return std::any_of(domains.begin(), domains.end(),
                     [&](const std::string& d) { return at_or_under(base, d); });
}

core::Status check_key_names(const core::EabKey& key, const std::vector<core::Identifier>& ids) {
  if (key.allowed_domains.empty()) return {};
  std::vector<core::Subproblem> subproblems;
  for (const auto& id : ids) {
    if (covered_by(key.allowed_domains, id)) continue;
    subproblems.push_back({ProblemType::RejectedIdentifier,
                           "not under a domain the external account key " + key.kid +
                               " allows (allowed: " + join(key.allowed_domains) + ")",
                           id});
  }
  if (subproblems.empty()) return {};
  core::Error e;
  e.type = ProblemType::RejectedIdentifier;
  e.detail = subproblems.size() == 1 ? subproblems.front().detail
                                     : std::to_string(subproblems.size()) +
                                           " identifiers were refused; see subproblems";
  e.subproblems = std::move(subproblems);
  return e;
}

core::Status check_key_profile(const core::EabKey& key, const std::string& profile) {
  if (key.profiles.empty() ||
      std::find(key.profiles.begin(), key.profiles.end(), profile) != key.profiles.end()) {
    return {};
  }
  return core::make_error(ProblemType::InvalidProfile,
                          "The external account key " + key.kid + " does not allow the profile \"" +
                              profile + "\" (allowed: " + join(key.profiles) + ")");
}

core::Status check_key_validity(const core::EabKey& key, const Validity& v) {
  if (!key.max_validity || v.not_after - v.not_before <= *key.max_validity) return {};
  return core::make_error(ProblemType::Malformed,
                          "The requested validity exceeds the " + days(*key.max_validity) +
                              " the external account key " + key.kid + " allows");
}

Validity cap_key_validity(const core::EabKey& key, Validity v) {
  if (key.max_validity) v.not_after = std::min(v.not_after, v.not_before + *key.max_validity);
  return v;
}

bool key_prevalidates(const core::EabKey& key, const core::Identifier& id) {
  return covered_by(key.prevalidated_domains, id);
}

core::Status normalize_key_domains(const char* list, std::vector<std::string>& domains) {
  IdentifierPolicyConfig c;
  c.allowed_domains = std::move(domains);
  auto st = validate_config(c);
  domains = std::move(c.allowed_domains);
  if (!st) {
    // validate_config names its own list; say which of ours.
    std::string detail = st.error().detail;
    if (detail.starts_with("allowed_domains")) detail = list + detail.substr(15);
    return core::make_error(ProblemType::Malformed, detail);
  }
  std::sort(domains.begin(), domains.end());
  domains.erase(std::unique(domains.begin(), domains.end()), domains.end());
  return {};
}

}  // namespace signet::policy
