#include "event/output_queue.h"

#include <random>
#include <string>

#include <gtest/gtest.h>

namespace hitless::event {
namespace {

// Takes up to `budget` bytes out of the queue the way a short write would.
std::string writeSome(OutputQueue& q, size_t max_iov, size_t budget) {
  struct iovec iov[8];
  size_t n = q.gather(iov, std::min<size_t>(max_iov, 8));
  std::string out;
  for (size_t i = 0; i < n && out.size() < budget; ++i) {
    size_t take = std::min(iov[i].iov_len, budget - out.size());
    out.append(static_cast<const char*>(iov[i].iov_base), take);
  }
  q.advance(out.size());
  return out;
}

TEST(OutputQueueTest, BytesLeaveInTheOrderTheyCameAcrossShortWrites) {
  std::mt19937 rng(7);
  OutputQueue q;
  std::string expected, written;
  char next = 'a';
  for (int round = 0; round < 600; ++round) {
    // Sizes on both sides of the coalescing and tail limits.
    size_t len = std::uniform_int_distribution<size_t>(1, 3 * OutputQueue::kTailBytes)(rng);
    if (rng() % 3 != 0) len %= 2 * OutputQueue::kCoalesceBytes;
    std::string bytes(len + 1, next);
    next = next == 'z' ? 'a' : static_cast<char>(next + 1);
    expected += bytes;
    if (rng() % 2 == 0) {
      q.append(bytes);
    } else {
      q.appendOwned(std::move(bytes));
    }
    if (rng() % 2 == 0) {
      written += writeSome(q, 1 + rng() % 8, rng() % (4 * OutputQueue::kTailBytes));
    }
    ASSERT_EQ(q.size(), expected.size() - written.size());
  }
  while (!q.empty()) written += writeSome(q, 8, OutputQueue::kTailBytes);
  EXPECT_EQ(written, expected);
  struct iovec iov[1];
  EXPECT_EQ(q.gather(iov, 1), 0u);
}

TEST(OutputQueueTest, ALargeBufferIsQueuedAsItIsNotCopied) {
  OutputQueue q;
  q.append("head");
  std::string big(1 << 20, 'x');
  const char* where = big.data();
  q.appendOwned(std::move(big));
  struct iovec iov[4];
  ASSERT_EQ(q.gather(iov, 4), 2u);
  EXPECT_EQ(iov[1].iov_base, where);
  EXPECT_EQ(iov[1].iov_len, size_t{1} << 20);
  // A small write after it goes into a new buffer: the large one is full, and growing it would
  // copy the megabyte.
  q.append("tail");
  ASSERT_EQ(q.gather(iov, 4), 3u);
  EXPECT_EQ(iov[1].iov_base, where);
  EXPECT_EQ(std::string(static_cast<const char*>(iov[2].iov_base), iov[2].iov_len), "tail");
}

TEST(OutputQueueTest, SmallWritesShareOneBuffer) {
  OutputQueue q;
  for (int i = 0; i < 1000; ++i) q.append("0123456789");
  for (int i = 0; i < 100; ++i) q.appendOwned(std::string(40, 'h'));
  struct iovec iov[4];
  ASSERT_EQ(q.gather(iov, 4), 1u);
  EXPECT_EQ(iov[0].iov_len, 14000u);
  // Partly written: the rest starts where the write stopped.
  q.advance(9995);
  ASSERT_EQ(q.gather(iov, 4), 1u);
  EXPECT_EQ(std::string(static_cast<const char*>(iov[0].iov_base), 6), "56789h");
  EXPECT_EQ(q.size(), 4005u);
}

}  // namespace
}  // namespace hitless::event
