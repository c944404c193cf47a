#include "state/slot_table.h"

#include <gtest/gtest.h>

#include <string>

namespace hitless::state {
namespace {

TEST(SlotTable, PositionsAreDenseStableAndReused) {
  SlotTable<std::string> t;
  const size_t n = SlotTable<std::string>::kChunk * 2 + 10;  // three chunks
  std::vector<const std::string*> where;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(t.add(std::to_string(i)), i);
    where.push_back(&t[i]);
  }
  // Growing never moved what was stored.
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(&t[i], where[i]);
    ASSERT_EQ(t[i], std::to_string(i));
  }
  t.remove(7);
  t.remove(n - 1);
  EXPECT_EQ(t[7], "");
  EXPECT_EQ(t.add("again"), n - 1);  // the last freed position first
  EXPECT_EQ(t.add("and again"), 7u);
  EXPECT_EQ(t.add("new"), n);
  EXPECT_EQ(t.positions(), n + 1);
  size_t visited = 0;
  t.forEachPosition([&](const std::string&) { ++visited; });
  EXPECT_EQ(visited, n + 1);
  t.clear();
  EXPECT_EQ(t.positions(), 0u);
  EXPECT_EQ(t.add("first"), 0u);
}

}  // namespace
}  // namespace hitless::state
