// The DNS answer reader (validation/dns_answer.hpp) on raw responses, and the CAA rules
// (validation/caa.hpp) on the records it reads.
//
// The first byte picks the query type the response answers: A, AAAA, TXT or CAA (its value
// modulo 4); the rest is the response message as a resolver would send it.
#include <arpa/nameser.h>

#include <span>

#include "tests/fuzz/fuzz_check.hpp"
#include "validation/caa.hpp"
#include "validation/dns_answer.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace signet::validation;
  if (size == 0) return 0;
  static constexpr int kTypes[] = {ns_t_a, ns_t_aaaa, ns_t_txt, kDnsTypeCaa};
  const int type = kTypes[data[0] % 4];
  const DnsAnswer a = parse_dns_answer(type, std::span<const unsigned char>(data + 1, size - 1));
  if (a.status != 0) {
    FUZZ_CHECK(a.addresses.empty() && a.caa.empty());
    return 0;
  }
  for (const auto& ip : a.addresses) FUZZ_CHECK(ip.is_v4() == (type == ns_t_a));
  for (const auto& r : a.caa) {
    for (char c : r.tag) FUZZ_CHECK(c < 'A' || c > 'Z');
  }
  if (type == kDnsTypeCaa) {
    CaaRequest req;
    req.issuer_domains = {"ca.example", "signet.test"};
    req.account_uri = "https://ca.example/acme/acct/1";
    (void)caa_refusal(a.caa, req);
    req.wildcard = true;
    req.method = signet::core::ChallengeType::Dns01;
    (void)caa_refusal(a.caa, req);
  }
  return 0;
}
