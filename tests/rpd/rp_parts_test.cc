// The route processor's small parts on their own: the epoch store (both forms, a torn file) and
// the peer link (slot 1 retries with a doubling back-off until slot 0 listens), on a fake clock.
#include <gtest/gtest.h>

#include "base/file_util.h"
#include "rpd/epoch_store.h"
#include "rpd/peer_link.h"
#include "util/temp_dir.h"

namespace hitless::rpd {
namespace {

TEST(EpochStore, KeepsTheHighestEpochInBothForms) {
  testing::TempDir dir;
  event::EventLoop loop;
  {
    EpochStore store(loop, dir.path());
    EXPECT_EQ(store.load(), 0u);
    store.persist(7);
    EXPECT_EQ(store.load(), 7u) << "the record is durable when persist returns";
    loop.runOnce(0);  // the text form follows on the next turn
  }
  EXPECT_EQ(*readFile(dir.file("epoch")), "7\n");
  ASSERT_TRUE(writeFileAtomic(dir.file("epoch"), "garbage").isOk());
  EpochStore reopened(loop, dir.path());
  EXPECT_EQ(reopened.load(), 7u) << "a torn text file does not lose the record's epoch";
  ASSERT_TRUE(writeFileAtomic(dir.file("epoch"), "9\n").isOk());
  EXPECT_EQ(reopened.load(), 9u) << "an older release may have written a higher one";
  EpochStore none(loop, "");
  none.persist(3);
  EXPECT_EQ(none.load(), 0u);
}

TEST(PeerLink, SlotOneRetriesWithBackoffUntilSlotZeroListens) {
  testing::TempDir dir;
  event::FakeClock clock;
  event::EventLoop loop(clock);
  int accepted = 0, connected = 0;
  std::vector<event::UniqueFd> fds;
  PeerLink one(loop, 1, dir.file("ckpt"), [&](event::UniqueFd fd) {
    ++connected;
    fds.push_back(std::move(fd));
  });
  ASSERT_TRUE(one.start().isOk());
  EXPECT_EQ(connected, 0) << "nobody listens yet";
  // Back-off: 20, 40, 80 ms ... — after 150 ms of fake time three more attempts were made.
  for (int ms = 0; ms < 150; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  PeerLink zero(loop, 0, dir.file("ckpt"), [&](event::UniqueFd fd) {
    ++accepted;
    fds.push_back(std::move(fd));
  });
  ASSERT_TRUE(zero.start().isOk());
  for (int ms = 0; ms < 1000 && (connected == 0 || accepted == 0); ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  EXPECT_EQ(connected, 1);
  EXPECT_EQ(accepted, 1);
  one.sessionEnded();  // slot 1 connects again after the back-off (reset by the success)
  for (int ms = 0; ms < 19; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  EXPECT_EQ(connected, 1) << "not before 20 ms";
  for (int ms = 0; ms < 10 && accepted < 2; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  EXPECT_EQ(connected, 2);
  EXPECT_EQ(accepted, 2);
}

}  // namespace
}  // namespace hitless::rpd
