#include "policy/identifiers.hpp"

#include <arpa/inet.h>
#include <idn2.h>

#include <algorithm>
#include <memory>
#include <string>

#include "core/ascii.hpp"
#include "policy/public_suffix.hpp"

namespace signet::policy {
namespace {

using core::Error;
using core::Identifier;
using core::IdentifierType;
using core::ProblemType;

core::Error bad(ProblemType t, const Identifier& id, std::string why) {
  return core::make_error(t, "Invalid identifier \"" + id.value + "\": " + std::move(why));
}

bool is_ldh(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

struct Idn2Free {
  void operator()(char* p) const { idn2_free(p); }
};
using Idn2String = std::unique_ptr<char, Idn2Free>;

// RFC 5890 §2.3.2.1: an A-label is "xn--" and the Punycode of a valid U-label, and the
// two convert into each other exactly. libidn2 decodes the label; IDNA2008 lookup of the
// U-label (RFC 5891 §5, without the TR46 mapping, which would let through what IDNA2008
// refuses) must give back the same A-label. A label that decodes to plain ASCII fails
// the round trip too.
std::string a_label_error(std::string_view label) {
  const std::string z(label);
  char* out = nullptr;
  int rc = idn2_to_unicode_8z8z(z.c_str(), &out, 0);
  const Idn2String u_label(out);
  if (rc != IDN2_OK) return std::string("label is not a valid A-label (") + idn2_strerror(rc) + ")";
  uint8_t* back = nullptr;
  rc = idn2_lookup_u8(reinterpret_cast<const uint8_t*>(u_label.get()), &back, IDN2_NO_TR46);
  const Idn2String a_label(reinterpret_cast<char*>(back));
  if (rc != IDN2_OK) return std::string("label is not a valid A-label (") + idn2_strerror(rc) + ")";
  if (z != a_label.get()) {
    return "label is not a valid A-label (it does not convert back to itself)";
  }
  return {};
}

// One DNS label: LDH, 1-63 octets, no leading/trailing hyphen, and "??--" only as a
// valid A-label.
std::string check_label(std::string_view label) {
  if (label.empty()) return "empty label";
  if (label.size() > 63) return "label longer than 63 octets";
  for (char c : label) {
    if (!is_ldh(c)) return "label contains a character outside letters, digits and hyphen";
  }
  if (label.front() == '-' || label.back() == '-') return "label begins or ends with a hyphen";
  if (label.size() >= 4 && label.substr(2, 2) == "--") {
    if (!label.starts_with("xn--")) return "label has hyphens in the third and fourth positions";
    return a_label_error(label);
  }
  return {};
}

// The syntax of a lower-case name without any "*." prefix; empty if it is valid.
std::string name_error(std::string_view name) {
  if (name.empty()) return "empty name";
  for (char c : name) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return "non-ASCII name; internationalized names must be sent as A-labels (xn--)";
    }
  }
  if (name.size() > 253) return "name longer than 253 octets";
  if (name.find('*') != std::string_view::npos) {
    return "a wildcard is allowed only as the whole leftmost label (\"*.\")";
  }
  std::string_view last;
  for (std::string_view rest = name;;) {
    const auto dot = rest.find('.');
    last = rest.substr(0, dot);
    if (auto why = check_label(last); !why.empty()) return why;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return "the last label is all-numeric; IP addresses must use the \"ip\" type";
  }
  return {};
}

core::Result<Identifier> normalize_dns(const Identifier& in) {
  if (in.value.empty()) return bad(ProblemType::Malformed, in, "empty name");
  std::string name = core::ascii_lower(in.value);
  if (name.back() == '.') return bad(ProblemType::Malformed, in, "name ends with a dot");
  if (name.size() > 253) return bad(ProblemType::Malformed, in, "name longer than 253 octets");
  std::string_view base = name;
  if (base.starts_with("*.")) base.remove_prefix(2);
  if (auto why = name_error(base); !why.empty()) return bad(ProblemType::Malformed, in, why);
  return Identifier{IdentifierType::Dns, std::move(name)};
}

core::Result<Identifier> normalize_ip(const Identifier& in) {
  char buf[INET6_ADDRSTRLEN] = {};
  unsigned char addr[16];
  if (in.value.find(':') == std::string::npos) {
    if (inet_pton(AF_INET, in.value.c_str(), addr) != 1) {
      return bad(ProblemType::Malformed, in, "not an IPv4 or IPv6 address");
    }
    inet_ntop(AF_INET, addr, buf, sizeof buf);
  } else {
    if (inet_pton(AF_INET6, in.value.c_str(), addr) != 1) {
      return bad(ProblemType::Malformed, in, "not an IPv4 or IPv6 address");
    }
    inet_ntop(AF_INET6, addr, buf, sizeof buf);
  }
  // RFC 8738 §3: the textual form of RFC 1123 §2.1 / RFC 5952 §4.
  if (in.value != buf) {
    return bad(ProblemType::Malformed, in,
               std::string("IP address is not in canonical form (expected \"") + buf + "\")");
  }
  return Identifier{IdentifierType::Ip, buf};
}

// Whether `name` is `domain` or lies under it, on a label boundary.
bool at_or_under(std::string_view name, std::string_view domain) {
  if (!name.ends_with(domain)) return false;
  return name.size() == domain.size() || name[name.size() - domain.size() - 1] == '.';
}

// The name without its leftmost label ("" for a single label).
std::string_view parent(std::string_view name) {
  const auto dot = name.find('.');
  return dot == std::string_view::npos ? std::string_view{} : name.substr(dot + 1);
}

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

}  // namespace

core::Status validate_config(IdentifierPolicyConfig& config) {
  const std::pair<const char*, std::vector<std::string>*> lists[] = {
      {"allowed_domains", &config.allowed_domains},
      {"denied_domains", &config.denied_domains},
      {"reserved_names", &config.reserved_names},
  };
  for (const auto& [key, list] : lists) {
    for (auto& entry : *list) {
      std::string name = core::ascii_lower(entry);
      if (!name.empty() && name.back() == '.') name.pop_back();
      std::string why = name.find('*') != std::string::npos
                            ? "a wildcard is not allowed here; list the domain itself"
                            : name_error(name);
      if (!why.empty()) {
        return core::make_error(ProblemType::Malformed, std::string(key) + ": \"" + entry +
                                                            "\" is not a valid DNS name: " + why);
      }
      entry = std::move(name);
    }
  }
  return {};
}

std::optional<std::string> IdentifierPolicy::refusal(std::string_view name) const {
  const bool wildcard = name.starts_with("*.");
  // A wildcard is judged by its base: every name it covers lies under the base.
  const std::string_view base = wildcard ? name.substr(2) : name;
  if (wildcard && !config_.allow_wildcards) return "this CA does not issue wildcard certificates";

  for (const auto& r : config_.reserved_names) {
    if (base == r && !wildcard) return "a reserved name";
    if (at_or_under(base, r)) return "under the reserved name " + r;
    if (wildcard && parent(r) == base) return "the wildcard would cover the reserved name " + r;
  }
  if (is_public_suffix(base)) {
    if (wildcard) return "a wildcard directly under the public suffix " + std::string(base);
    return "a public suffix";
  }
  if (base.find('.') == std::string_view::npos) {
    return wildcard ? "wildcard needs at least two labels below it"
                    : "single-label names are not allowed";
  }
  for (const auto& d : config_.denied_domains) {
    if (base == d && !wildcard) return "a denied domain";
    if (at_or_under(base, d)) return "under denied domain " + d;
    // *.corp.example would be valid for secret.corp.example.
    if (wildcard && parent(d) == base) return "the wildcard would cover denied domain " + d;
  }
  if (!config_.allowed_domains.empty() &&
      std::none_of(config_.allowed_domains.begin(), config_.allowed_domains.end(),
                   [&](const std::string& a) { return at_or_under(base, a); })) {
    return "not under an allowed domain (allowed: " + join(config_.allowed_domains) + ")";
  }
  return std::nullopt;
}

core::Result<Identifier> IdentifierPolicy::normalize(const Identifier& id) const {
  if (id.type == IdentifierType::Ip) {
    const auto& ranges = config_.allowed_ip_ranges;
    if (ranges.empty()) {
      return bad(ProblemType::RejectedIdentifier, id, "this CA does not issue for IP addresses");
    }
    auto r = normalize_ip(id);
    if (!r) return r;
    if (std::none_of(ranges.begin(), ranges.end(),
                     [&](const IpRange& range) { return range.contains(r->value); })) {
      std::vector<std::string> allowed;
      for (const auto& range : ranges) allowed.push_back(range.to_string());
      return bad(ProblemType::RejectedIdentifier, id,
                 "IP address outside the allowed ranges (allowed: " + join(allowed) + ")");
    }
    if (auto why = config_.issuer_constraints.refusal(*r)) {
      return bad(ProblemType::RejectedIdentifier, id, *why);
    }
    return r;
  }
  auto r = normalize_dns(id);
  if (!r) return r;
  if (auto why = refusal(r->value)) return bad(ProblemType::RejectedIdentifier, id, *why);
  if (auto why = config_.issuer_constraints.refusal(*r)) {
    return bad(ProblemType::RejectedIdentifier, id, *why);
  }
  if (challenge_types(*r).empty()) {
    return bad(ProblemType::RejectedIdentifier, id,
               r->is_wildcard() ? "wildcard names need dns-01, which this CA does not offer"
                                : "no challenge type is available for this name");
  }
  return r;
}

core::Result<std::vector<Identifier>> IdentifierPolicy::check_order(
    const std::vector<Identifier>& ids) const {
  if (ids.empty()) {
    return core::make_error(ProblemType::Malformed, "An order needs at least one identifier");
  }
  if (ids.size() > config_.max_identifiers_per_order) {
    return core::make_error(ProblemType::RejectedIdentifier,
                            "An order may have at most " +
                                std::to_string(config_.max_identifiers_per_order) +
                                " identifiers; this one has " + std::to_string(ids.size()));
  }
  std::vector<Identifier> out;
  std::vector<core::Subproblem> subproblems;
  for (const auto& id : ids) {
    auto r = normalize(id);
    if (!r) {
      subproblems.push_back({r.error().type, r.error().detail, id});
      continue;
    }
    if (std::find(out.begin(), out.end(), *r) == out.end()) out.push_back(std::move(r).value());
  }
  if (!subproblems.empty()) {
    const auto first = subproblems.front().type;
    const bool same = std::all_of(subproblems.begin(), subproblems.end(),
                                  [&](const core::Subproblem& s) { return s.type == first; });
    core::Error e;
    e.type = same ? first : ProblemType::Compound;
    e.detail = subproblems.size() == 1 ? subproblems.front().detail
                                       : std::to_string(subproblems.size()) +
                                             " identifiers were refused; see subproblems";
    e.subproblems = std::move(subproblems);
    return e;
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<core::ChallengeType> IdentifierPolicy::challenge_types(const Identifier& id) const {
  using core::ChallengeType;
  std::vector<ChallengeType> wanted;
  if (id.type == IdentifierType::Ip) {
    wanted = {ChallengeType::Http01, ChallengeType::TlsAlpn01};
  } else if (id.is_wildcard()) {
    wanted = {ChallengeType::Dns01};
  } else {
    wanted = {ChallengeType::Http01, ChallengeType::Dns01, ChallengeType::TlsAlpn01};
  }
  std::vector<ChallengeType> out;
  for (auto t : wanted) {
    if (config_.enabled_challenges.contains(t)) out.push_back(t);
  }
  return out;
}

}  // namespace signet::policy
