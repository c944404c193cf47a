#include "net/ip.h"

#include <gtest/gtest.h>

namespace hitless::net {
namespace {

TEST(IpPrefix, ParsesAndPrintsBothFamilies) {
  auto p4 = IpPrefix::parse("198.18.0.0/15");
  ASSERT_TRUE(p4.isOk());
  EXPECT_EQ(p4->address.family, Family::kIpv4);
  EXPECT_EQ(p4->toString(), "198.18.0.0/15");
  auto p6 = IpPrefix::parse("2001:db8::/32");
  ASSERT_TRUE(p6.isOk());
  EXPECT_EQ(p6->toString(), "2001:db8::/32");
}

TEST(IpPrefix, RejectsHostBitsBadLengthsAndGarbage) {
  for (const char* bad : {"198.18.0.1/24", "198.18.0.0/33", "2001:db8::/129", "198.18.0.0",
                          "198.18.0.0/", "198.18.0.0/a", "nonsense/8", "198.18.0.0/0008"}) {
    EXPECT_FALSE(IpPrefix::parse(bad).isOk()) << bad;
  }
  EXPECT_TRUE(IpPrefix::parse("0.0.0.0/0").isOk());
}

TEST(IpAddress, FromBytesChecksLength) {
  EXPECT_TRUE(IpAddress::fromBytes(std::string(4, '\x01')).isOk());
  EXPECT_TRUE(IpAddress::fromBytes(std::string(16, '\x01')).isOk());
  EXPECT_FALSE(IpAddress::fromBytes(std::string(5, '\x01')).isOk());
  EXPECT_EQ(IpAddress::v4(0xC6120001).toString(), "198.18.0.1");
}

}  // namespace
}  // namespace hitless::net
