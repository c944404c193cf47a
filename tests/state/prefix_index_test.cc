#include "state/prefix_index.h"

#include <gtest/gtest.h>

#include <map>
#include <random>

namespace hitless::state {
namespace {

net::IpPrefix prefixOf(uint32_t n, bool v6) {
  net::IpAddress a;
  if (v6) {
    a.family = net::Family::kIpv6;
    a.bytes[0] = 0x20;
    a.bytes[1] = 0x01;
    a.bytes[12] = static_cast<uint8_t>(n >> 24);
    a.bytes[13] = static_cast<uint8_t>(n >> 16);
    a.bytes[14] = static_cast<uint8_t>(n >> 8);
    a.bytes[15] = static_cast<uint8_t>(n);
    return *net::IpPrefix::make(a, 128);
  }
  return *net::IpPrefix::make(net::IpAddress::v4(0xC6120000u + n), 32);
}

// Random inserts and erases against std::map as the model; a fixed seed replays a failure.
TEST(PrefixIndex, AgreesWithAModelUnderRandomChurn) {
  std::mt19937 rng(20261125);
  PrefixIndex index;
  std::map<net::IpPrefix, uint32_t> model;
  for (int step = 0; step < 200000; ++step) {
    net::IpPrefix p = prefixOf(rng() % 5000, rng() % 4 == 0);
    bool present = model.count(p) > 0;
    ASSERT_EQ(index.find(p), present ? model[p] : PrefixIndex::kNone) << step;
    if (!present && rng() % 3 != 0) {
      index.insert(p, static_cast<uint32_t>(step));
      model[p] = static_cast<uint32_t>(step);
    } else if (present) {
      ASSERT_EQ(index.erase(p), model[p]);
      model.erase(p);
    } else {
      ASSERT_EQ(index.erase(p), PrefixIndex::kNone);
    }
    ASSERT_EQ(index.size(), model.size());
  }
  for (const auto& [p, v] : model) EXPECT_EQ(index.find(p), v);
}

TEST(PrefixIndex, ReserveAndClear) {
  PrefixIndex index;
  index.reserve(1000);
  for (uint32_t i = 0; i < 1000; ++i) index.insert(prefixOf(i, false), i);
  EXPECT_EQ(index.size(), 1000u);
  EXPECT_EQ(index.find(prefixOf(999, false)), 999u);
  // Same address, different length: a different key.
  EXPECT_EQ(index.find(*net::IpPrefix::make(net::IpAddress::v4(0xC6120000u), 31)),
            PrefixIndex::kNone);
  index.clear();
  EXPECT_EQ(index.size(), 0u);
  EXPECT_EQ(index.find(prefixOf(1, false)), PrefixIndex::kNone);
}

}  // namespace
}  // namespace hitless::state
