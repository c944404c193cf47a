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
    // Mostly small, some up to a tail buffer's size, a few past it (queued as they are).
    size_t len = std::uniform_int_distribution<size_t>(1, OutputQueue::kMaxTailBytes / 4)(rng);
    if (rng() % 50 == 0) len += OutputQueue::kMaxTailBytes;
    if (rng() % 3 != 0) len %= OutputQueue::kFirstTailBytes;
    std::string bytes(len + 1, next);
    next = next == 'z' ? 'a' : static_cast<char>(next + 1);
    expected += bytes;
    if (rng() % 2 == 0) {
      q.append(bytes);
    } else {
      q.appendOwned(std::move(bytes));
    }
    if (rng() % 2 == 0) {
      written += writeSome(q, 1 + rng() % 8, rng() % OutputQueue::kMaxTailBytes);
    }
    ASSERT_EQ(q.size(), expected.size() - written.size());
  }
  while (!q.empty()) written += writeSome(q, 8, OutputQueue::kMaxTailBytes);
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

// Small writes are copied into tail buffers that double while the backlog lasts: 1000 of them
// take 4 + 8 + 16 KB, not 1000 buffers; once the queue empties they start small again.
TEST(OutputQueueTest, SmallWritesShareFewBuffers) {
  OutputQueue q;
  for (int i = 0; i < 1000; ++i) q.append("0123456789");
  for (int i = 0; i < 100; ++i) q.appendOwned(std::string(40, 'h'));
  EXPECT_EQ(q.size(), 14000u);
  EXPECT_EQ(q.buffers(), 3u);
  // Partly written: the rest starts where the write stopped.
  q.advance(9995);
  struct iovec iov[4];
  ASSERT_GE(q.gather(iov, 4), 1u);
  EXPECT_EQ(std::string(static_cast<const char*>(iov[0].iov_base), 6), "56789h");
  EXPECT_EQ(q.size(), 4005u);
  q.advance(4005);
  EXPECT_EQ(q.buffers(), 0u);
  for (int i = 0; i < 500; ++i) q.append("0123456789");
  EXPECT_EQ(q.buffers(), 2u) << "4 KB, then 8 KB: the sizes start again";
  // A long backlog ends in 1 MB buffers: 40 MB of 1 KB writes take a few dozen of them.
  for (int i = 0; i < 40 * 1024; ++i) q.append(std::string(1024, 'b'));
  EXPECT_LE(q.buffers(), 50u);
}

// A written 1 MB buffer serves again, rather than mapping fresh memory for the next one.
TEST(OutputQueueTest, AWrittenFullSizeBufferIsReused) {
  OutputQueue q;
  const std::string kb(1024, 'k');
  while (q.size() < 4 * OutputQueue::kMaxTailBytes) q.append(kb);
  struct iovec iov[64];
  size_t n = q.gather(iov, 64);
  size_t before = 0, i = 0;
  while (i < n && iov[i].iov_len != OutputQueue::kMaxTailBytes) before += iov[i++].iov_len;
  ASSERT_LT(i, n) << "no full 1 MB buffer";
  const void* full = iov[i].iov_base;
  q.advance(before + OutputQueue::kMaxTailBytes);  // written up to the end of that buffer
  const size_t buffers = q.buffers();
  while (q.buffers() == buffers) q.append(kb);  // until the tail is full and another begins
  n = q.gather(iov, 64);
  EXPECT_EQ(iov[n - 1].iov_base, full);
}

}  // namespace
}  // namespace hitless::event
