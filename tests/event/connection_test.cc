#include "event/connection.h"

#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace hitless::event {
namespace {

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

}  // namespace
}  // namespace hitless::event
