#include "policy/identifiers.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <string>

#include "core/ascii.hpp"

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

// RFC 3492 parameters.
constexpr uint32_t kBase = 36, kTmin = 1, kTmax = 26, kSkew = 38, kDamp = 700, kInitialBias = 72,
                   kInitialN = 128;

uint32_t adapt(uint32_t delta, uint32_t numpoints, bool first) {
  delta = first ? delta / kDamp : delta / 2;
  delta += delta / numpoints;
  uint32_t k = 0;
  while (delta > ((kBase - kTmin) * kTmax) / 2) {
    delta /= kBase - kTmin;
    k += kBase;
  }
  return k + (((kBase - kTmin + 1) * delta) / (delta + kSkew));
}

int digit_value(char c) {
  if (c >= '0' && c <= '9') return c - '0' + 26;
  if (c >= 'a' && c <= 'z') return c - 'a';
  return -1;  // labels are lower-cased before this is called
}

// One DNS label: LDH, 1-63 octets, no leading/trailing hyphen, and "??--" only as a
// valid A-label ("xn--" followed by Punycode that decodes to non-ASCII text).
std::string check_label(std::string_view label) {
  if (label.empty()) return "empty label";
  if (label.size() > 63) return "label longer than 63 octets";
  for (char c : label) {
    if (!is_ldh(c)) return "label contains a character outside letters, digits and hyphen";
  }
  if (label.front() == '-' || label.back() == '-') return "label begins or ends with a hyphen";
  if (label.size() >= 4 && label.substr(2, 2) == "--") {
    if (!label.starts_with("xn--")) return "label has hyphens in the third and fourth positions";
    std::u32string decoded;
    if (!punycode_decode(label.substr(4), decoded)) return "label is not a valid A-label";
    const bool any_non_ascii =
        std::any_of(decoded.begin(), decoded.end(), [](char32_t c) { return c >= 0x80; });
    if (!any_non_ascii) return "A-label decodes to plain ASCII";
  }
  return {};
}

core::Result<Identifier> normalize_dns(const Identifier& in, bool allow_wildcards) {
  if (in.value.empty()) return bad(ProblemType::Malformed, in, "empty name");
  for (char c : in.value) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      return bad(ProblemType::Malformed, in,
                 "non-ASCII name; internationalized names must be sent as A-labels (xn--)");
    }
  }
  std::string name = core::ascii_lower(in.value);
  if (name.back() == '.') return bad(ProblemType::Malformed, in, "name ends with a dot");
  if (name.size() > 253) return bad(ProblemType::Malformed, in, "name longer than 253 octets");

  std::string_view rest = name;
  bool wildcard = false;
  if (rest.starts_with("*.")) {
    wildcard = true;
    rest.remove_prefix(2);
  }
  if (rest.find('*') != std::string_view::npos) {
    return bad(ProblemType::Malformed, in,
               "a wildcard is allowed only as the whole leftmost label (\"*.\")");
  }
  if (wildcard && !allow_wildcards) {
    return bad(ProblemType::RejectedIdentifier, in, "this CA does not issue wildcard certificates");
  }
  std::size_t labels = 0;
  std::string_view last;
  while (true) {
    const auto dot = rest.find('.');
    const auto label = rest.substr(0, dot);
    if (auto why = check_label(label); !why.empty()) return bad(ProblemType::Malformed, in, why);
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    rest.remove_prefix(dot + 1);
  }
  if (labels < 2) {
    return bad(ProblemType::RejectedIdentifier, in,
               wildcard ? "wildcard needs at least two labels below it"
                        : "single-label names are not allowed");
  }
  if (std::all_of(last.begin(), last.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return bad(ProblemType::Malformed, in,
               "the last label is all-numeric; IP addresses must use the \"ip\" type");
  }
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

}  // namespace

bool punycode_decode(std::string_view input, std::u32string& output) {
  output.clear();
  uint32_t n = kInitialN, i = 0, bias = kInitialBias;
  std::size_t b = input.rfind('-');
  if (b == std::string_view::npos) b = 0;
  for (std::size_t j = 0; j < b; ++j) {
    if (static_cast<unsigned char>(input[j]) >= 0x80) return false;
    output.push_back(static_cast<char32_t>(input[j]));
  }
  std::size_t in = b > 0 ? b + 1 : 0;
  while (in < input.size()) {
    const uint32_t oldi = i;
    uint32_t w = 1;
    for (uint32_t k = kBase;; k += kBase) {
      if (in >= input.size()) return false;
      const int digit = digit_value(input[in++]);
      if (digit < 0) return false;
      if (static_cast<uint32_t>(digit) > (UINT32_MAX - i) / w) return false;
      i += static_cast<uint32_t>(digit) * w;
      const uint32_t t = k <= bias ? kTmin : (k >= bias + kTmax ? kTmax : k - bias);
      if (static_cast<uint32_t>(digit) < t) break;
      if (w > UINT32_MAX / (kBase - t)) return false;
      w *= kBase - t;
    }
    const auto len = static_cast<uint32_t>(output.size() + 1);
    bias = adapt(i - oldi, len, oldi == 0);
    if (i / len > UINT32_MAX - n) return false;
    n += i / len;
    i %= len;
    if (n > 0x10FFFF || (n >= 0xD800 && n <= 0xDFFF)) return false;
    output.insert(output.begin() + i, static_cast<char32_t>(n));
    ++i;
  }
  return true;
}

core::Result<Identifier> IdentifierPolicy::normalize(const Identifier& id) const {
  if (id.type == IdentifierType::Ip) {
    if (!config_.allow_ip_identifiers) {
      return core::make_error(ProblemType::UnsupportedIdentifier,
                              "This CA does not issue certificates for IP addresses");
    }
    return normalize_ip(id);
  }
  auto r = normalize_dns(id, config_.allow_wildcards);
  if (!r) return r;
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
