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

TEST(PeerLink, SlotOneRetriesQuicklyForASecondThenBacksOff) {
  testing::TempDir dir;
  event::FakeClock clock;
  event::EventLoop loop(clock);
  int accepted = 0, connected = 0;
  std::vector<event::UniqueFd> fds;
  auto runMs = [&](int ms, const std::function<bool()>& until) {
    int ran = 0;
    for (; ran < ms && !until(); ++ran) {
      clock.advanceMs(1);
      loop.runOnce(0);
    }
    return ran;
  };
  PeerLink one(loop, 1, dir.file("ckpt"), [&](event::UniqueFd fd) {
    ++connected;
    fds.push_back(std::move(fd));
  });
  ASSERT_TRUE(one.start().isOk());
  EXPECT_EQ(connected, 0) << "nobody listens yet";
  runMs(150, [] { return false; });
  auto zero = std::make_unique<PeerLink>(loop, 0, dir.file("ckpt"), [&](event::UniqueFd fd) {
    ++accepted;
    fds.push_back(std::move(fd));
  });
  ASSERT_TRUE(zero->start().isOk());
  // Within the first second a listener is found by the next 5 ms retry (accepted a turn later).
  EXPECT_LE(runMs(1000, [&] { return connected == 1 && accepted == 1; }), 6);
  EXPECT_EQ(connected, 1);
  EXPECT_EQ(accepted, 1);
  one.sessionEnded();  // a new quick window starts with the reconnection
  EXPECT_EQ(runMs(4, [] { return false; }), 4);
  EXPECT_EQ(connected, 1) << "not before 5 ms";
  EXPECT_LE(runMs(1000, [&] { return accepted == 2; }), 2);
  EXPECT_EQ(connected, 2);

  // Nobody listens for longer than the quick window: the retries back off (20, 40, 80, 160,
  // 320 ms after it), so a listener that appears at 1.5 s is found at the 1.62 s attempt.
  zero.reset();
  fds.clear();
  one.sessionEnded();
  runMs(1500, [] { return false; });
  zero = std::make_unique<PeerLink>(loop, 0, dir.file("ckpt"), [&](event::UniqueFd fd) {
    ++accepted;
    fds.push_back(std::move(fd));
  });
  ASSERT_TRUE(zero->start().isOk());
  const int waited = runMs(1000, [&] { return accepted == 3; });
  EXPECT_EQ(connected, 3);
  EXPECT_GT(waited, 50) << "backed off: not every 5 ms any more";
  EXPECT_LE(waited, 500) << "the back-off stays bounded at 500 ms";
}

}  // namespace
}  // namespace hitless::rpd
