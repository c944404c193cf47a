#include "messages/fib_messages.h"

#include <gtest/gtest.h>

namespace hitless::messages {
namespace {

template <typename T, typename Enc, typename Dec>
void roundTrip(const T& m, Enc enc, Dec dec) {
  std::string bytes;
  enc(m, &bytes);
  auto back = dec(bytes);
  ASSERT_TRUE(back.isOk()) << back.status().message();
  EXPECT_EQ(*back, m);
  std::string again;
  enc(*back, &again);
  EXPECT_EQ(again, bytes);
  // Every truncation is an error or a different value, never a crash.
  for (size_t n = 0; n < bytes.size(); ++n) {
    auto t = dec(std::string_view(bytes).substr(0, n));
    if (t.isOk()) {
      EXPECT_NE(*t, m) << "truncated to " << n;
    }
  }
}

TEST(FibMessagesTest, RoundTrips) {
  roundTrip(FibHello{1, 7, "1.1.0", 1000000}, encodeFibHello, decodeFibHello);
  roundTrip(FibHelloReply{false, "stale epoch", 9, 1000, 10}, encodeFibHelloReply,
            decodeFibHelloReply);
  roundTrip(FibCommit{42, true}, encodeFibCommit, decodeFibCommit);
  FibCommitReply r;
  r.sequence = 3;
  r.route_errors.push_back({*net::IpPrefix::parse("198.19.1.0/24"), "Network is unreachable"});
  r.written = 10;
  r.unchanged = 5;
  r.swept = 2;
  roundTrip(r, encodeFibCommitReply, decodeFibCommitReply);
}

TEST(FibMessagesTest, RequiredFieldsAndRangesAreChecked) {
  EXPECT_FALSE(decodeFibHello("").isOk());
  std::string bad;
  encodeFibHello(FibHello{5, 1, ""}, &bad);
  auto r = decodeFibHello(bad);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("slot"), std::string::npos);
  EXPECT_FALSE(decodeFibCommit("").isOk());
}

}  // namespace
}  // namespace hitless::messages
