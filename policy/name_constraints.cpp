#include "policy/name_constraints.hpp"

#include <algorithm>

namespace signet::policy {
namespace {

// RFC 5280 §4.2.1.10: a DNS name satisfies "example.com" when it is that name with zero
// or more labels added on the left. A leading dot (a common extension, honoured by
// OpenSSL) asks for at least one added label.
bool within(std::string_view name, std::string_view subtree) {
  if (subtree.empty()) return true;  // an empty dNSName constraint covers every name
  if (subtree.starts_with('.')) return name.size() > subtree.size() && name.ends_with(subtree);
  if (!name.ends_with(subtree)) return false;
  return name.size() == subtree.size() || name[name.size() - subtree.size() - 1] == '.';
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

std::optional<std::string> dns_refusal(const NameSubtrees& s, std::string_view name) {
  const bool wildcard = name.starts_with("*.");
  // A wildcard stands for names one label below its base: judged by that base with a
  // label added, and refused when an excluded subtree lies under it.
  const std::string_view base = wildcard ? name.substr(2) : name;
  const std::string probe = wildcard ? "x." + std::string(base) : std::string(base);
  for (const auto& e : s.excluded_dns) {
    if (within(probe, e)) return "inside the excluded subtree " + e + " of " + s.certificate;
    // "*.example.com" covers "secret.example.com", which "secret.example.com" excludes.
    const auto dot = e.find('.');
    if (wildcard && !e.starts_with('.') && dot != std::string::npos &&
        std::string_view(e).substr(dot + 1) == base) {
      return "the wildcard would cover the excluded subtree " + e + " of " + s.certificate;
    }
  }
  if (!s.permitted_dns.empty() &&
      std::none_of(s.permitted_dns.begin(), s.permitted_dns.end(),
                   [&](const std::string& p) { return within(probe, p); })) {
    return "outside the permitted subtrees of " + s.certificate + " (" + joined(s.permitted_dns) +
           ")";
  }
  return std::nullopt;
}

std::optional<std::string> ip_refusal(const NameSubtrees& s, const std::string& address) {
  for (const auto& e : s.excluded_ip) {
    if (e.contains(address)) {
      return "inside the excluded range " + e.to_string() + " of " + s.certificate;
    }
  }
  if (s.permitted_ip.empty()) return std::nullopt;
  if (std::none_of(s.permitted_ip.begin(), s.permitted_ip.end(),
                   [&](const IpRange& p) { return p.contains(address); })) {
    std::vector<std::string> ranges;
    for (const auto& p : s.permitted_ip) ranges.push_back(p.to_string());
    return "outside the permitted ranges of " + s.certificate + " (" + joined(ranges) + ")";
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> NameConstraints::refusal(const core::Identifier& id) const {
  for (const auto& s : sets) {
    auto why =
        id.type == core::IdentifierType::Ip ? ip_refusal(s, id.value) : dns_refusal(s, id.value);
    if (why) return "the issuing CA's name constraints: " + *why;
  }
  return std::nullopt;
}

}  // namespace signet::policy
