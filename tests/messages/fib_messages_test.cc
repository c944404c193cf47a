#include "messages/fib_messages.h"

#include <gtest/gtest.h>

#include "issu/negotiation.h"
#include "messages/fib_catalog.h"
#include "messages/wire_numbers.h"

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
  roundTrip(FibHello{1, 7, "1.1.0", 1000000, {}}, encodeFibHello, decodeFibHello);
  roundTrip(
      FibHello{1, 7, "1.1.0", 1000000, buildFibCatalog(FibEnd::kRpd, kRelease1_1)->messageSet()},
      encodeFibHello, decodeFibHello);
  roundTrip(FibHelloReply{false, "stale epoch", 9, 1000, 10, "", {}}, encodeFibHelloReply,
            decodeFibHelloReply);
  roundTrip(FibHelloReply{true, "", 9, 1000, 10, "1.1.0",
                          buildFibCatalog(FibEnd::kFwdd, kFwdd1_1)->messageSet()},
            encodeFibHelloReply, decodeFibHelloReply);
  roundTrip(FibCommit{42, true}, encodeFibCommit, decodeFibCommit);
  FibCommitReply r;
  r.sequence = 3;
  r.route_errors.push_back({*net::IpPrefix::parse("198.19.1.0/24"), "Network is unreachable"});
  r.written = 10;
  r.unchanged = 5;
  r.swept = 2;
  auto v1 = [](const FibCommitReply& m, std::string* out) { encodeFibCommitReply(m, 1, out); };
  roundTrip(r, v1, decodeFibCommitReply);
  r.apply_us = 777;
  auto v2 = [](const FibCommitReply& m, std::string* out) { encodeFibCommitReply(m, 2, out); };
  roundTrip(r, v2, decodeFibCommitReply);
}

// fwdd 1.1 writes commit reply v2 (with its time per batch); the transforms between v1 and v2
// agree with the encoders at each version, both ways.
TEST(FibMessagesTest, CommitReplyTransformsAgreeWithTheEncoders) {
  FibCommitReply r;
  r.sequence = 9;
  r.written = 3;
  r.apply_us = 4321;
  std::string at1, at2;
  encodeFibCommitReply(r, 1, &at1);
  encodeFibCommitReply(r, 2, &at2);
  EXPECT_EQ(*downgradeFibCommitReplyV2(at2), at1);
  auto up = upgradeFibCommitReplyV1(at1);
  ASSERT_TRUE(up.isOk());
  EXPECT_EQ(decodeFibCommitReply(*up)->apply_us, 0u) << "v1 never measured it";
  EXPECT_FALSE(upgradeFibCommitReplyV1("\x01").isOk());
}

// The FIB catalogs of every release of both ends: which pairs speak which versions.
TEST(FibCatalog, PairsNegotiateTheVersionsBothHave) {
  struct Case {
    Release rpd, fwdd;
    issu::MessageVersion commit_reply, route_update;
  };
  for (const Case& c : {Case{kRelease1_0, kFwdd1_0, 1, 1}, Case{kRelease1_0, kFwdd1_1, 1, 1},
                        Case{kRelease1_1, kFwdd1_0, 1, 2}, Case{kRelease1_1, kFwdd1_1, 2, 2},
                        Case{kRelease2_0, kFwdd1_0, 1, 2}, Case{kRelease2_0, kFwdd1_1, 2, 2}}) {
    auto rpd = buildFibCatalog(FibEnd::kRpd, c.rpd)->messageSet();
    auto fwdd = buildFibCatalog(FibEnd::kFwdd, c.fwdd)->messageSet();
    auto n = issu::negotiate(rpd, fwdd);
    SCOPED_TRACE("rpd " + c.rpd.toString() + " fwdd " + c.fwdd.toString());
    EXPECT_EQ(n.level, issu::Compatibility::kCompatible);
    EXPECT_EQ(n.versionFor(kClientFib, kMsgFibCommitReply), c.commit_reply);
    EXPECT_EQ(n.versionFor(kClientRib, kMsgRouteUpdate), c.route_update);
    EXPECT_EQ(issu::negotiate(fwdd, rpd).versionFor(kClientFib, kMsgFibCommitReply), c.commit_reply)
        << "symmetric";
  }
  // An rpd that sends no set talks to fwdd as every earlier fwdd did: all v1, routes either way.
  auto legacy = issu::negotiate(buildFibCatalog(FibEnd::kFwdd, kFwdd1_1)->messageSet(),
                                legacyFibMessageSet());
  EXPECT_EQ(legacy.versionFor(kClientFib, kMsgFibCommitReply), 1);
  EXPECT_FALSE(buildFibCatalog(FibEnd::kFwdd, Release{3, 0}).isOk());
}

TEST(FibMessagesTest, RequiredFieldsAndRangesAreChecked) {
  EXPECT_FALSE(decodeFibHello("").isOk());
  std::string bad;
  encodeFibHello(FibHello{5, 1, "", 0, {}}, &bad);
  auto r = decodeFibHello(bad);
  ASSERT_FALSE(r.isOk());
  EXPECT_NE(r.status().message().find("slot"), std::string::npos);
  EXPECT_FALSE(decodeFibCommit("").isOk());
}

}  // namespace
}  // namespace hitless::messages
