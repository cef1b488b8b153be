#include "core/base64url.hpp"

#include <gtest/gtest.h>

namespace signet::core {
namespace {

TEST(Base64Url, RoundTripsAllLengths) {
  std::string data;
  for (int i = 0; i < 40; ++i) {
    data += static_cast<char>(i * 37);
    auto enc = base64url_encode(data);
    EXPECT_EQ(enc.find('='), std::string::npos);
    auto dec = base64url_decode(enc);
    ASSERT_TRUE(dec.has_value()) << enc;
    EXPECT_EQ(*dec, data);
  }
}

TEST(Base64Url, KnownVectors) {
  EXPECT_EQ(base64url_encode("\xfb\xff"), "-_8");
  EXPECT_EQ(base64url_encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(base64url_encode("fo"), "Zm8");
}

TEST(Base64Url, RejectsNonCanonicalInput) {
  EXPECT_FALSE(base64url_decode("Zm8=").has_value());  // padding
  EXPECT_FALSE(base64url_decode("Zm+v").has_value());  // standard alphabet
  EXPECT_FALSE(base64url_decode("Zm 8").has_value());  // whitespace
  EXPECT_FALSE(base64url_decode("Z").has_value());     // impossible length
  EXPECT_FALSE(base64url_decode("Zm9").has_value());   // non-zero trailing bits
  EXPECT_TRUE(base64url_decode("").has_value());
}

}  // namespace
}  // namespace signet::core
