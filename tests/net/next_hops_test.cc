#include "net/next_hops.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace hitless::net {
namespace {

NextHop hop(uint32_t n) { return NextHop{IpAddress::v4(0xC6120100u + n), n, n + 1}; }

std::vector<NextHop> asVector(const NextHops& h) { return {h.begin(), h.end()}; }

// Every size from 0 to 5 (inline, then heap, then heap regrown) behaves as a std::vector would
// across copies, moves and assignments in both directions.
TEST(NextHops, BehavesLikeAVectorAcrossInlineAndHeapStorage) {
  for (uint32_t n = 0; n <= 5; ++n) {
    NextHops h;
    std::vector<NextHop> want;
    for (uint32_t i = 0; i < n; ++i) {
      h.push_back(hop(i));
      want.push_back(hop(i));
    }
    ASSERT_EQ(h.size(), n);
    ASSERT_EQ(h.empty(), n == 0);
    ASSERT_EQ(asVector(h), want);
    if (n > 0) {
      EXPECT_EQ(h.back(), want.back());
    }

    NextHops copy = h;
    EXPECT_EQ(copy, h);
    copy.push_back(hop(99));  // the copy owns its storage
    EXPECT_EQ(asVector(h), want);

    NextHops moved = std::move(copy);
    EXPECT_EQ(moved.size(), n + 1);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract

    for (uint32_t m = 0; m <= 3; ++m) {  // assign over every other shape
      NextHops target;
      for (uint32_t i = 0; i < m; ++i) target.push_back(hop(50 + i));
      target = h;
      EXPECT_EQ(asVector(target), want) << n << " over " << m;
      NextHops other;
      for (uint32_t i = 0; i < m; ++i) other.push_back(hop(70 + i));
      NextHops source = other;
      target = std::move(source);
      EXPECT_EQ(target, other) << m << " moved over " << n;
    }
  }
}

TEST(NextHops, InitializerListsIndexingAndEquality) {
  NextHops h = {hop(1), hop(2), hop(3)};
  EXPECT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1], hop(2));
  h[1].weight = 7;
  EXPECT_EQ(h[1].weight, 7u);
  h = {hop(4)};
  EXPECT_EQ(asVector(h), std::vector<NextHop>{hop(4)});
  EXPECT_NE(h, (NextHops{hop(4), hop(5)}));
  EXPECT_NE(h, NextHops{});
  h.emplace_back().ifindex = 9;
  EXPECT_EQ(h.size(), 2u);
  EXPECT_EQ(h.back().ifindex, 9u);
  h.clear();
  EXPECT_TRUE(h.empty());
  EXPECT_EQ(h, NextHops{});
}

}  // namespace
}  // namespace hitless::net
