#include "event/connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hitless::event {
namespace {

// A socketpair whose end sv[0] is non-blocking and takes only a few kilobytes at a time.
bool smallSendBufferPair(int sv[2]) {
  if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0 || !setNonBlocking(sv[0]).isOk()) return false;
  int small = 4096;
  return setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)) == 0;
}

// An owner that, like the checkpoint channel, handles at most one line per delivery and asks
// for the rest on a later loop turn. The peer's last words and its EOF arrive together.
TEST(ConnectionTest, EofIsReportedOnlyAfterTheOwnerReadEverythingBeforeIt) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(setNonBlocking(sv[0]).isOk());
  EventLoop loop;
  std::vector<std::string> lines;
  std::string closed_after;
  std::unique_ptr<Connection> conn;
  conn = std::make_unique<Connection>(
      loop, UniqueFd(sv[0]),
      Connection::Handlers{[&](std::string_view in) {
                             size_t nl = in.find('\n');
                             if (nl == std::string_view::npos) return;
                             lines.emplace_back(in.substr(0, nl));
                             conn->consume(nl + 1);
                             if (nl + 1 < in.size()) {
                               loop.addTimer(0, [&] { conn->redeliver(); });
                             }
                           },
                           [&](const std::string& reason) {
                             closed_after = std::to_string(lines.size()) + " " + reason;
                             loop.stop();
                           },
                           nullptr});
  std::string msg = "one\ntwo\nthree\nreset: goodbye\n";
  ASSERT_EQ(::write(sv[1], msg.data(), msg.size()), static_cast<ssize_t>(msg.size()));
  ::close(sv[1]);
  loop.run(5000);
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines.back(), "reset: goodbye");
  EXPECT_EQ(closed_after, "4 peer closed the connection");
}

TEST(ConnectionTest, APartialMessageBeforeEofDoesNotHoldTheCloseForever) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  ASSERT_TRUE(setNonBlocking(sv[0]).isOk());
  EventLoop loop;
  bool closed = false;
  Connection conn(loop, UniqueFd(sv[0]),
                  Connection::Handlers{[&](std::string_view) {},  // waits for a newline forever
                                       [&](const std::string&) {
                                         closed = true;
                                         loop.stop();
                                       },
                                       nullptr});
  ASSERT_EQ(::write(sv[1], "no newline", 10), 10);
  ::close(sv[1]);
  loop.run(5000);
  EXPECT_TRUE(closed);
}

// Small writes and large handed-over buffers, interleaved, through a socket that takes a few
// kilobytes at a time: the peer gets every byte once, in order.
TEST(ConnectionTest, WritesOfEveryKindArriveWholeAndInOrderThroughShortWrites) {
  int sv[2];
  ASSERT_TRUE(smallSendBufferPair(sv));
  EventLoop loop;
  Connection conn(loop, UniqueFd(sv[0]),
                  Connection::Handlers{[](std::string_view) {}, [](const std::string&) {}, {}});
  std::string expected, got;
  for (int i = 0; i < 300; ++i) {
    std::string piece(i % 3 == 0 ? 20000 + i : 10 + i % 50, static_cast<char>('a' + i % 26));
    piece += std::to_string(i);
    expected += piece;
    if (i % 2 == 0) {
      conn.sendOwned(std::move(piece));
    } else {
      conn.send(piece);
    }
  }
  ASSERT_GT(conn.pendingBytes(), 0u);
  std::string buf(1 << 16, '\0');
  for (int turns = 0; got.size() < expected.size() && turns < 100000; ++turns) {
    ssize_t n = ::recv(sv[1], buf.data(), buf.size(), MSG_DONTWAIT);
    if (n > 0) got.append(buf.data(), static_cast<size_t>(n));
    loop.runOnce(0);
  }
  EXPECT_EQ(got.size(), expected.size());
  EXPECT_TRUE(got == expected);
  EXPECT_EQ(conn.pendingBytes(), 0u);
  ::close(sv[1]);
}

}  // namespace
}  // namespace hitless::event

namespace hitless::event {
namespace {

// The owner stops producing above a high watermark and waits for onDrained. If the backlog
// then leaves through a later send() (not an EPOLLOUT event), onDrained must still come, or
// the producer waits forever.
TEST(ConnectionTest, DrainedFiresWhenASendFlushesTheBacklog) {
  int sv[2];
  ASSERT_TRUE(smallSendBufferPair(sv));
  EventLoop loop;
  int drained = 0;
  Connection conn(loop, UniqueFd(sv[0]),
                  Connection::Handlers{[](std::string_view) {}, [](const std::string&) {},
                                       [&] {
                                         ++drained;
                                         loop.stop();
                                       }});
  conn.setLowWatermark(0);
  conn.send(std::string(1 << 20, 'x'));  // far more than the socket takes
  ASSERT_GT(conn.pendingBytes(), 0u);
  // The reader empties the socket; the next send() flushes everything that waited.
  std::string sink(1 << 21, '\0');
  size_t got = 0;
  while (got < (1u << 20)) {
    ssize_t n = ::recv(sv[1], sink.data(), sink.size(), MSG_DONTWAIT);
    if (n > 0) {
      got += static_cast<size_t>(n);
      conn.send("y");  // each send flushes what the socket now has room for
    } else {
      loop.runOnce(1);
    }
  }
  while (::recv(sv[1], sink.data(), sink.size(), MSG_DONTWAIT) > 0) {
  }
  loop.run(2000);
  EXPECT_GE(drained, 1);
  ::close(sv[1]);
}

}  // namespace
}  // namespace hitless::event

namespace hitless::event {
namespace {

// A connected TCP pair on loopback: {ours, theirs}.
std::pair<UniqueFd, UniqueFd> tcpPair() {
  UniqueFd listener(::socket(AF_INET, SOCK_STREAM, 0));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (::bind(listener.get(), reinterpret_cast<sockaddr*>(&a), len) != 0 ||
      ::listen(listener.get(), 1) != 0 ||
      ::getsockname(listener.get(), reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    return {};
  }
  UniqueFd theirs(::socket(AF_INET, SOCK_STREAM, 0));
  if (::connect(theirs.get(), reinterpret_cast<sockaddr*>(&a), len) != 0) return {};
  UniqueFd ours(::accept(listener.get(), nullptr, nullptr));
  (void)setNonBlocking(ours.get());
  return {std::move(ours), std::move(theirs)};
}

// Peek mode: what the owner consumed stays in the kernel until it releases it, so a second
// holder of the socket (the standby RP) reads from the first unreleased byte. Input that arrives
// while earlier bytes wait unreleased is still delivered (the socket never stops being readable,
// so this is edge-triggered).
TEST(ConnectionTest, PeekModeKeepsInputInTheKernelUntilReleased) {
  auto [ours, theirs] = tcpPair();
  ASSERT_TRUE(ours.valid() && theirs.valid());
  UniqueFd second(::dup(ours.get()));
  EventLoop loop;
  std::string seen;
  Connection conn(loop, std::move(ours),
                  Connection::Handlers{[&](std::string_view in) {
                                         seen.append(in);
                                         conn.consume(in.size());
                                         if (seen.size() >= 10) loop.stop();
                                       },
                                       [](const std::string&) {}, nullptr});
  if (!conn.enablePeek()) GTEST_SKIP() << "this kernel cannot peek ahead on TCP (SO_PEEK_OFF)";
  ASSERT_EQ(::send(theirs.get(), "abcde", 5, 0), 5);
  for (int i = 0; i < 2000 && seen.size() < 5; ++i) loop.runOnce(1);
  ASSERT_EQ(seen, "abcde");
  ASSERT_EQ(::send(theirs.get(), "fghij", 5, 0), 5);
  loop.run(5000);
  ASSERT_EQ(seen, "abcdefghij") << "input after unreleased input must still be delivered";
  ASSERT_TRUE(conn.release(3).isOk());
  char buf[16] = {};
  ssize_t n = ::recv(second.get(), buf, sizeof(buf), MSG_DONTWAIT);
  ASSERT_EQ(n, 7);
  EXPECT_EQ(std::string(buf, 7), "defghij") << "released bytes left the kernel; the rest did not";
}

}  // namespace
}  // namespace hitless::event
