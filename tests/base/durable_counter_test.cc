#include "base/durable_counter.h"

#include <fcntl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "util/temp_dir.h"

namespace hitless {
namespace {

TEST(DurableCounterTest, StartsAtZeroAndKeepsTheLastStore) {
  testing::TempDir dir;
  std::string path = dir.file("c");
  {
    auto c = DurableCounter::open(path);
    ASSERT_TRUE(c.isOk()) << c.status().message();
    EXPECT_EQ((*c)->value(), 0u);
    for (uint64_t v : {5u, 6u, 9u}) ASSERT_TRUE((*c)->store(v).isOk());
  }
  auto again = DurableCounter::open(path);
  ASSERT_TRUE(again.isOk());
  EXPECT_EQ((*again)->value(), 9u);
}

TEST(DurableCounterTest, ATornStoreLeavesThePreviousValue) {
  testing::TempDir dir;
  std::string path = dir.file("c");
  {
    auto c = DurableCounter::open(path);
    ASSERT_TRUE(c.isOk());
    ASSERT_TRUE((*c)->store(41).isOk());
    ASSERT_TRUE((*c)->store(42).isOk());
  }
  // Corrupt the slot of the last store (sequence 2 lives in slot 0) as a torn write would.
  int fd = ::open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::pwrite(fd, "garbage", 7, 10), 7);
  ::close(fd);
  auto c = DurableCounter::open(path);
  ASSERT_TRUE(c.isOk());
  EXPECT_EQ((*c)->value(), 41u);
  // And the next store goes on from there.
  ASSERT_TRUE((*c)->store(43).isOk());
  auto d = DurableCounter::open(path);
  ASSERT_TRUE(d.isOk());
  EXPECT_EQ((*d)->value(), 43u);
}

TEST(DurableCounterTest, AnUnwritableDirectoryIsAClearError) {
  auto c = DurableCounter::open("/nonexistent-dir/c");
  ASSERT_FALSE(c.isOk());
  EXPECT_NE(c.status().message().find("/nonexistent-dir/c"), std::string::npos);
}

}  // namespace
}  // namespace hitless
