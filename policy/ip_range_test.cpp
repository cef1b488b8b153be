#include "policy/ip_range.hpp"

#include <gtest/gtest.h>

namespace signet::policy {
namespace {

TEST(IpRange, ParsesCidrsAndBareAddresses) {
  auto v4 = parse_ip_range("10.0.0.0/8");
  ASSERT_TRUE(v4);
  EXPECT_EQ(v4->family, IpRange::Family::V4);
  EXPECT_EQ(v4->prefix, 8u);
  EXPECT_EQ(v4->to_string(), "10.0.0.0/8");
  auto host = parse_ip_range("192.0.2.1");
  ASSERT_TRUE(host);
  EXPECT_EQ(host->to_string(), "192.0.2.1/32");
  auto v6 = parse_ip_range("2001:DB8::/32");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->to_string(), "2001:db8::/32");
  auto all6 = parse_ip_range("::/0");
  ASSERT_TRUE(all6);
  EXPECT_EQ(*all6, IpRange::all_v6());
  EXPECT_EQ(*parse_ip_range("0.0.0.0/0"), IpRange::all_v4());
}

TEST(IpRange, RefusesBadRangesSayingWhy) {
  auto host_bits = parse_ip_range("10.0.0.1/8");
  ASSERT_FALSE(host_bits);
  EXPECT_EQ(host_bits.error().detail,
            "\"10.0.0.1/8\" is not an IP range: bits are set below the prefix length (did you "
            "mean 10.0.0.0/8?)");
  auto long_prefix = parse_ip_range("10.0.0.0/33");
  ASSERT_FALSE(long_prefix);
  EXPECT_EQ(long_prefix.error().detail,
            "\"10.0.0.0/33\" is not an IP range: the prefix length must be a number from 0 to 32");
  EXPECT_FALSE(parse_ip_range("::/129"));
  EXPECT_FALSE(parse_ip_range("10.0.0.0/"));
  EXPECT_FALSE(parse_ip_range("10.0.0.0/8x"));
  EXPECT_FALSE(parse_ip_range("10.0.0.0/-1"));
  auto name = parse_ip_range("example.com/8");
  ASSERT_FALSE(name);
  EXPECT_EQ(name.error().detail,
            "\"example.com/8\" is not an IP range: not an IPv4 or IPv6 address");
  EXPECT_FALSE(parse_ip_range(""));
}

TEST(IpRange, Contains) {
  const auto ten = *parse_ip_range("10.0.0.0/8");
  EXPECT_TRUE(ten.contains("10.1.2.3"));
  EXPECT_FALSE(ten.contains("11.0.0.0"));
  EXPECT_FALSE(ten.contains("2001:db8::1"));
  EXPECT_TRUE(ten.contains("::ffff:10.0.0.1"));  // IPv4-mapped: judged as IPv4
  EXPECT_FALSE(ten.contains("not an address"));
  const auto doc = *parse_ip_range("2001:db8::/33");
  EXPECT_TRUE(doc.contains("2001:db8::1"));
  EXPECT_TRUE(doc.contains("2001:db8:7fff::1"));
  EXPECT_FALSE(doc.contains("2001:db8:8000::1"));
  EXPECT_FALSE(doc.contains("10.0.0.1"));
  EXPECT_TRUE(IpRange::all_v4().contains("203.0.113.9"));
  EXPECT_FALSE(IpRange::all_v6().contains("203.0.113.9"));
  EXPECT_FALSE(IpRange::all_v6().contains("::ffff:203.0.113.9"));
  EXPECT_TRUE(IpRange::all_v6().contains("::1"));
}

}  // namespace
}  // namespace signet::policy
