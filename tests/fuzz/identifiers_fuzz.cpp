// IdentifierPolicy::check_order (policy/identifiers.hpp) on the identifiers of a newOrder.
//
// Each line of the input is one identifier: "ip:VALUE" is an IP identifier, any other line
// a DNS one. The list is judged by the default policy and by a configured one (allowed
// and denied domains, IP ranges, every challenge type, so wildcards pass). What a policy
// accepts is canonical: judged again, it comes back unchanged.
#include <string>
#include <vector>

#include "policy/identifiers.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using namespace signet;

policy::IdentifierPolicy configured() {
  policy::IdentifierPolicyConfig c;
  c.allowed_domains = {"example.com", "Corp.Example.", "xn--bcher-kva.example"};
  c.denied_domains = {"secret.example.com"};
  c.reserved_names.push_back("internal.example.com");
  c.allowed_ip_ranges = {*policy::parse_ip_range("10.0.0.0/8"),
                         *policy::parse_ip_range("2001:db8::/32")};
  c.enabled_challenges = {core::ChallengeType::Http01, core::ChallengeType::Dns01,
                          core::ChallengeType::TlsAlpn01};
  c.max_identifiers_per_order = 10;
  FUZZ_CHECK(policy::validate_config(c).ok());
  return policy::IdentifierPolicy(std::move(c));
}

void judge(const policy::IdentifierPolicy& p, const std::vector<core::Identifier>& ids) {
  auto r = p.check_order(ids);
  if (!r) {
    FUZZ_CHECK(!r.error().detail.empty());
    return;
  }
  FUZZ_CHECK(!r->empty() && r->size() <= ids.size());
  for (const auto& id : *r) {
    auto again = p.normalize(id);
    FUZZ_CHECK(again.ok() && *again == id);
    FUZZ_CHECK(!p.challenge_types(id).empty());
  }
  auto twice = p.check_order(*r);
  FUZZ_CHECK(twice.ok() && *twice == *r);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const policy::IdentifierPolicy by_default{policy::IdentifierPolicyConfig{}};
  static const policy::IdentifierPolicy narrow = configured();
  std::vector<core::Identifier> ids;
  for (std::string_view rest = fuzz::as_text(data, size); !rest.empty();) {
    std::string_view line = fuzz::take_until(rest, '\n');
    if (line.starts_with("ip:")) {
      ids.push_back({core::IdentifierType::Ip, std::string(line.substr(3))});
    } else {
      ids.push_back({core::IdentifierType::Dns, std::string(line)});
    }
  }
  judge(by_default, ids);
  judge(narrow, ids);
  return 0;
}
