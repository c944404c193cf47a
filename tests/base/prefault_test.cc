#include "base/prefault.h"

#include <gtest/gtest.h>

#include "base/zeroed_array.h"

namespace hitless {
namespace {

// Prefaulting is a hint: whatever the worker does, memory keeps what the program wrote, and a
// range freed before the worker reaches it is harmless.
TEST(Prefault, NeverChangesContents) {
  ZeroedArray<uint64_t> a((size_t{8} << 20) / sizeof(uint64_t));  // 8 MB: a mapping
  for (size_t i = 0; i < a.size(); i += 4096) a[i] = i + 1;
  prefault::inBackground(a.data(), a.size() * sizeof(uint64_t));
  for (size_t i = 1; i < a.size(); i += 4096) a[i] = i;  // writes race the worker
  prefault::waitIdle();
  for (size_t i = 0; i < a.size(); i += 4096) {
    ASSERT_EQ(a[i], i + 1);
    ASSERT_EQ(a[i + 1], i + 1);  // i + 1 < size: size is a multiple of 4096
  }
  {
    ZeroedArray<uint64_t> gone((size_t{4} << 20) / sizeof(uint64_t));
    prefault::inBackground(gone.data(), gone.size() * sizeof(uint64_t));
  }  // unmapped, perhaps before the worker got to it
  prefault::waitIdle();
}

TEST(ZeroedArray, StartsZeroAndCopiesDeeply) {
  for (size_t n : {size_t{10}, size_t{1} << 20}) {  // heap and mapping
    ZeroedArray<uint32_t> a(n);
    for (size_t i = 0; i < n; i += 997) ASSERT_EQ(a[i], 0u);
    a[n - 1] = 42;
    ZeroedArray<uint32_t> b = a;
    b[n - 1] = 7;
    EXPECT_EQ(a[n - 1], 42u);
    EXPECT_EQ(b[n - 1], 7u);
  }
}

}  // namespace
}  // namespace hitless
