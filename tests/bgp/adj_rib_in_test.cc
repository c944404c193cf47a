#include "bgp/adj_rib_in.h"

#include <algorithm>

#include <gtest/gtest.h>

namespace hitless::bgp {
namespace {

net::IpPrefix prefix(uint32_t n) {
  return *net::IpPrefix::make(net::IpAddress::v4(0x64400000u + n), 32);
}

UpdateMessage announce(uint32_t first, uint32_t count, uint32_t med) {
  UpdateMessage u;
  for (uint32_t i = 0; i < count; ++i) u.nlri.push_back(prefix(first + i));
  u.classic_nlri = u.nlri.size();
  u.attrs.as_path = {65002};
  u.attrs.next_hop = net::IpAddress::v4(0xC6120202u);
  u.attrs.med = med;
  return u;
}

// Entries share one attribute set per UPDATE, counted: re-announcing, withdrawing, sweeping
// and clearing must leave every remaining prefix with the attributes it was last given.
TEST(AdjRibIn, PrefixesKeepTheirLatestAttributesAsSetsAreSharedAndReleased) {
  AdjRibIn rib;
  std::vector<net::IpPrefix> dirty;
  rib.apply(announce(0, 100, 1), 65001, &dirty);
  rib.apply(announce(50, 100, 2), 65001, &dirty);  // half of the first set moves to the second
  EXPECT_EQ(rib.size(), 150u);
  EXPECT_EQ(dirty.size(), 200u);
  EXPECT_EQ(rib.find(prefix(10))->med, 1u);
  EXPECT_EQ(rib.find(prefix(60))->med, 2u);
  EXPECT_EQ(rib.find(prefix(149))->med, 2u);

  UpdateMessage withdraw;
  for (uint32_t i = 0; i < 50; ++i) withdraw.withdrawn.push_back(prefix(i));  // the rest of set 1
  rib.apply(withdraw, 65001, &dirty);
  EXPECT_EQ(rib.size(), 100u);
  EXPECT_EQ(rib.find(prefix(10)), nullptr);
  rib.apply(announce(200, 10, 3), 65001, &dirty);  // may reuse the freed set's id
  EXPECT_EQ(rib.find(prefix(205))->med, 3u);
  EXPECT_EQ(rib.find(prefix(60))->med, 2u);

  // Graceful restart: all stale, part re-announced, the rest swept.
  rib.markAllStale();
  EXPECT_EQ(rib.staleCount(), 110u);
  rib.apply(announce(100, 20, 4), 65001, &dirty);
  EXPECT_EQ(rib.staleCount(), 90u);
  dirty.clear();
  EXPECT_EQ(rib.sweepStale(std::nullopt, &dirty), 90u);
  EXPECT_EQ(rib.size(), 20u);
  EXPECT_EQ(rib.find(prefix(110))->med, 4u);
  EXPECT_EQ(rib.find(prefix(60)), nullptr);

  // A path through our own AS is a withdrawal.
  UpdateMessage loop = announce(100, 5, 5);
  loop.attrs.as_path = {65002, 65001};
  rib.apply(loop, 65001, &dirty);
  EXPECT_EQ(rib.size(), 15u);

  rib.clear(&dirty);
  EXPECT_TRUE(rib.empty());
  rib.apply(announce(0, 3, 6), 65001, &dirty);
  EXPECT_EQ(rib.find(prefix(2))->med, 6u);
}

// A table read a slice at a time (a withdrawn session's, drained over loop turns): every prefix
// it holds comes out once, free positions are skipped, and the last slice ends at positions().
TEST(AdjRibIn, PrefixesFromReadsEveryHeldPrefixOnceInSlices) {
  AdjRibIn rib;
  std::vector<net::IpPrefix> dirty;
  rib.apply(announce(0, 10, 1), 65001, &dirty);
  UpdateMessage w;
  w.withdrawn = {prefix(3), prefix(7)};
  rib.apply(w, 65001, &dirty);
  ASSERT_EQ(rib.size(), 8u);

  std::vector<net::IpPrefix> out;
  size_t at = 0;
  int slices = 0;
  while (at < rib.positions()) {
    size_t before = out.size();
    at = rib.prefixesFrom(at, 3, &out);
    EXPECT_LE(out.size() - before, 3u);
    ++slices;
  }
  EXPECT_EQ(slices, 3);
  std::sort(out.begin(), out.end());
  std::vector<net::IpPrefix> want;
  for (uint32_t n : {0, 1, 2, 4, 5, 6, 8, 9}) want.push_back(prefix(n));
  EXPECT_EQ(out, want);
}

}  // namespace
}  // namespace hitless::bgp
