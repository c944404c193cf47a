#include "event/event_loop.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hitless::event {
namespace {

// Work that yields by rescheduling itself with a 0 ms timer ("the rest on the next turn") must
// let sockets be served in between: otherwise one long job starves the heartbeats.
TEST(EventLoopTest, ATimerThatReschedulesItselfYieldsToSocketsEveryTurn) {
  EventLoop loop;
  int fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
  int reads = 0;
  ASSERT_TRUE(loop.addFd(fds[0], EPOLLIN,
                         [&](uint32_t) {
                           char c;
                           if (::read(fds[0], &c, 1) == 1) ++reads;
                         })
                  .isOk());
  int slices = 0;
  std::function<void()> slice = [&] {
    ++slices;
    if (slices < 1000) loop.addTimer(0, slice);
  };
  loop.addTimer(0, slice);
  for (int turn = 1; turn <= 3; ++turn) {
    ASSERT_EQ(::write(fds[1], "x", 1), 1);
    loop.runOnce(100);
    EXPECT_EQ(slices, turn) << "one slice per turn";
    EXPECT_EQ(reads, turn) << "the socket is served every turn";
  }
  EXPECT_EQ(loop.stats().turns, 3u);
  loop.removeFd(fds[0]);
  ::close(fds[0]);
  ::close(fds[1]);
}

// With a fake clock the loop runs on the test's time: a timer fires when the clock is advanced
// past it, never by waiting, and a repeating timer fires once per interval the clock passes.
TEST(EventLoopTest, TimersFollowAnInjectedClock) {
  FakeClock clock;
  EventLoop loop(clock);
  int once = 0, repeats = 0;
  loop.addTimer(90'000, [&] { ++once; });
  loop.addTimer(
      1'000, [&] { ++repeats; }, true);
  loop.runOnce(0);
  EXPECT_EQ(once, 0);
  EXPECT_EQ(repeats, 0);
  clock.advanceMs(999);
  loop.runOnce(0);
  EXPECT_EQ(repeats, 0) << "not due until 1000 ms of fake time";
  clock.advanceMs(1);
  loop.runOnce(0);
  EXPECT_EQ(repeats, 1);
  for (int s = 0; s < 89; ++s) {
    clock.advanceMs(1000);
    loop.runOnce(0);
  }
  EXPECT_EQ(repeats, 90);
  EXPECT_EQ(once, 1) << "a 90 s timer fired after 90 s of fake time, in no real time";
  // A wait asked for is bounded by the caller, not by a timer due in fake time.
  loop.addTimer(5, [] {});
  const int64_t t0 = SteadyClock::instance().nowNs();
  loop.runOnce(0);
  EXPECT_LT(SteadyClock::instance().nowNs() - t0, 1'000'000'000);
}

// A turn is timed by the loop's clock: a callback that advances the fake clock by 25 ms makes a
// 25 ms turn. The window restarts on resetWindow(); the lifetime figures keep counting.
TEST(EventLoopTest, LongTurnsAreCountedForTheLifetimeAndTheWindow) {
  FakeClock clock;
  EventLoop loop(clock);
  auto turnOf = [&](int64_t ms) {
    loop.addTimer(0, [&clock, ms] { clock.advanceMs(ms); });
    loop.runOnce(0);
  };
  turnOf(25);
  turnOf(5);
  EXPECT_EQ(loop.stats().turns_over_20ms, 1u);
  EXPECT_EQ(loop.stats().turns_over_1ms, 2u);
  EXPECT_EQ(loop.stats().longest_turn_ns, 25'000'000);
  EXPECT_EQ(loop.windowStats().longest_turn_ns, 25'000'000);

  loop.resetWindow();
  EXPECT_EQ(loop.windowStats().turns, 0u);
  turnOf(15);
  EXPECT_EQ(loop.windowStats().longest_turn_ns, 15'000'000);
  EXPECT_EQ(loop.windowStats().turns_over_20ms, 0u);
  EXPECT_EQ(loop.windowStats().turns_over_10ms, 1u);
  EXPECT_EQ(loop.stats().longest_turn_ns, 25'000'000) << "the lifetime figures are not reset";
  EXPECT_EQ(loop.stats().turns, 3u);
}

}  // namespace
}  // namespace hitless::event
