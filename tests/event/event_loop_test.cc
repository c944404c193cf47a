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
  ASSERT_TRUE(loop.addFd(fds[0], EPOLLIN, [&](uint32_t) {
                    char c;
                    if (::read(fds[0], &c, 1) == 1) ++reads;
                  }).isOk());
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

}  // namespace
}  // namespace hitless::event
