#include "validation/dns_answer.hpp"

#include <ares.h>
#include <arpa/nameser.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace signet::validation {
namespace {

using Bytes = std::vector<unsigned char>;

Bytes name(const std::string& dotted) {
  Bytes out;
  for (std::size_t start = 0; start < dotted.size();) {
    auto dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    out.push_back(static_cast<unsigned char>(dot - start));
    out.insert(out.end(), dotted.begin() + static_cast<long>(start),
               dotted.begin() + static_cast<long>(dot));
    start = dot + 1;
  }
  out.push_back(0);
  return out;
}

void u16(Bytes& b, unsigned v) {
  b.push_back(static_cast<unsigned char>(v >> 8));
  b.push_back(static_cast<unsigned char>(v));
}

struct Rr {
  Bytes owner;  // empty: a pointer to the question's name
  unsigned type;
  Bytes rdata;
};

// A response to one query of qtype for qname, with these answers.
Bytes response(const std::string& qname, unsigned qtype, const std::vector<Rr>& answers) {
  Bytes m;
  for (unsigned v : {0x1234u, 0x8180u, 1u, static_cast<unsigned>(answers.size()), 0u, 0u}) {
    u16(m, v);
  }
  const Bytes q = name(qname);
  m.insert(m.end(), q.begin(), q.end());
  u16(m, qtype);
  u16(m, ns_c_in);
  for (const auto& rr : answers) {
    if (rr.owner.empty()) {
      m.push_back(0xc0);
      m.push_back(12);
    } else {
      m.insert(m.end(), rr.owner.begin(), rr.owner.end());
    }
    u16(m, rr.type);
    u16(m, ns_c_in);
    u16(m, 0);
    u16(m, 300);
    u16(m, static_cast<unsigned>(rr.rdata.size()));
    m.insert(m.end(), rr.rdata.begin(), rr.rdata.end());
  }
  return m;
}

Bytes text(const std::string& s) {
  Bytes out{static_cast<unsigned char>(s.size())};
  out.insert(out.end(), s.begin(), s.end());
  return out;
}

Bytes caa(unsigned char flags, const std::string& tag, const std::string& value) {
  Bytes out{flags, static_cast<unsigned char>(tag.size())};
  out.insert(out.end(), tag.begin(), tag.end());
  out.insert(out.end(), value.begin(), value.end());
  return out;
}

TEST(DnsAnswer, AddressesFollowTheCnameChain) {
  const auto m = response("www.example.com", ns_t_a,
                          {{{}, ns_t_cname, name("b.example.net")},
                           {name("b.example.net"), ns_t_a, {192, 0, 2, 7}},
                           {name("other.example"), ns_t_a, {192, 0, 2, 8}}});
  const auto a = parse_dns_answer(ns_t_a, m);
  EXPECT_EQ(a.status, ARES_SUCCESS);
  ASSERT_EQ(a.addresses.size(), 1u);
  EXPECT_EQ(a.addresses[0].to_string(), "192.0.2.7");

  Bytes v6(16, 0);
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[15] = 1;
  const auto aaaa =
      parse_dns_answer(ns_t_aaaa, response("h.example", ns_t_aaaa, {{{}, ns_t_aaaa, v6}}));
  ASSERT_EQ(aaaa.addresses.size(), 1u);
  EXPECT_EQ(aaaa.addresses[0].to_string(), "2001::1");
}

TEST(DnsAnswer, TxtRecordsJoinTheirStrings) {
  Bytes split = text("abc");
  const Bytes def = text("def");
  split.insert(split.end(), def.begin(), def.end());
  const auto a =
      parse_dns_answer(ns_t_txt, response("_acme-challenge.example", ns_t_txt,
                                          {{{}, ns_t_txt, split}, {{}, ns_t_txt, text("second")}}));
  EXPECT_EQ(a.status, ARES_SUCCESS);
  EXPECT_EQ(a.texts, (std::vector<std::string>{"abcdef", "second"}));
}

TEST(DnsAnswer, CaaTagsAreLowerCasedAndCriticalIsTheTopBit) {
  const auto a = parse_dns_answer(
      kDnsTypeCaa, response("example.com", kDnsTypeCaa,
                            {{{}, kDnsTypeCaa, caa(0, "ISSUE", "ca.example; x=y")},
                             {{}, kDnsTypeCaa, caa(128, "tbs", "v")},
                             {{}, kDnsTypeCaa, caa(1, "iodef", "mailto:a@example.com")}}));
  EXPECT_EQ(a.status, ARES_SUCCESS);
  ASSERT_EQ(a.caa.size(), 3u);
  EXPECT_EQ(a.caa[0].tag, "issue");
  EXPECT_EQ(a.caa[0].value, "ca.example; x=y");
  EXPECT_FALSE(a.caa[0].critical);
  EXPECT_TRUE(a.caa[1].critical);
  EXPECT_FALSE(a.caa[2].critical);  // a flag other than issuer-critical
}

TEST(DnsAnswer, MalformedResponsesAreRefused) {
  auto m = response("example.com", ns_t_txt, {{{}, ns_t_txt, text("abcdef")}});
  m.resize(m.size() - 3);
  const auto cut = parse_dns_answer(ns_t_txt, m);
  EXPECT_NE(cut.status, ARES_SUCCESS);
  EXPECT_TRUE(cut.texts.empty());
  EXPECT_NE(parse_dns_answer(ns_t_a, Bytes{}).status, ARES_SUCCESS);
  // A type the resolver never asks for reads as nothing.
  const auto other = parse_dns_answer(ns_t_mx, m);
  EXPECT_EQ(other.status, ARES_SUCCESS);
  EXPECT_TRUE(other.addresses.empty() && other.texts.empty() && other.caa.empty());
}

}  // namespace
}  // namespace signet::validation
