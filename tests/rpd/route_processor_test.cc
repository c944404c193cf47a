// Two RouteProcessors in this process, each on its own event loop, both on one fake clock: the
// RF state machine's whole life — bulk to STANDBY HOT, planned switchover and back, an active
// that dies, an active that hangs (detected by missed heartbeats as the test moves the clock,
// not by waiting), a replica that diverged — deterministically and without root.
#include "rpd/route_processor.h"

#include <gtest/gtest.h>

#include "messages/release.h"
#include "util/temp_dir.h"

namespace hitless::rpd {
namespace {

using redundancy::RfState;

class RouteProcessorTest : public ::testing::Test {
 protected:
  std::unique_ptr<RouteProcessor> make(uint8_t slot, bool active) {
    RouteProcessorOptions o;
    o.slot = slot;
    o.start_active = active;
    o.state_dir = dir_.file("rp" + std::to_string(slot));
    std::filesystem::create_directories(o.state_dir);
    o.checkpoint_socket = dir_.file("ckpt");
    o.bulk_batch = 100;
    auto rp = std::make_unique<RouteProcessor>(*loops_[slot], catalog_, "1.1.0", o);
    EXPECT_TRUE(rp->start().isOk());
    return rp;
  }

  // Moves the fake clock 1 ms at a time, serving the loops of the running slots, until `done`;
  // false after `max_ms` of fake time.
  bool pump(const std::function<bool()>& done, int64_t max_ms = 5000,
            std::vector<int> slots = {0, 1}) {
    for (int64_t t = 0; t < max_ms; ++t) {
      if (done()) return true;
      clock_.advanceMs(1);
      for (int s : slots) loops_[s]->runOnce(0);
    }
    return done();
  }
  bool reaches(int slot, RfState state, int64_t max_ms = 5000) {
    return pump([&] { return rp_[slot] && rp_[slot]->rf().state() == state; }, max_ms);
  }

  ChangeResult apply(int slot, uint32_t first, uint32_t count, uint32_t metric) {
    state::RibDelta d;
    for (uint32_t i = first; i < first + count; ++i) {
      net::Route r;
      r.prefix = *net::IpPrefix::make(net::IpAddress::v4(0xc6120000u + (i << 8)), 24);
      r.nexthops = {{*net::IpAddress::parse("198.18.255.1"), 0, 1}};
      r.metric = metric;
      d.upsert(std::move(r));
    }
    std::optional<ChangeResult> result;
    rp_[slot]->applyRibChanges(std::move(d), [&](ChangeResult r) { result = r; });
    EXPECT_TRUE(pump([&] { return result.has_value(); }));
    return result.value_or(ChangeResult{Status::internal("no answer"), 0, false});
  }

  // Slot 0 active with `routes` routes, slot 1 its STANDBY HOT.
  void hotPair(uint32_t routes) {
    rp_[0] = make(0, true);
    ASSERT_TRUE(apply(0, 0, routes, 1).status.isOk());
    rp_[1] = make(1, false);
    ASSERT_TRUE(reaches(1, RfState::kStandbyHot));
    ASSERT_TRUE(pump([&] { return rp_[0]->rf().peerState() == RfState::kStandbyHot; }));
  }

  testing::TempDir dir_;
  event::FakeClock clock_;
  std::unique_ptr<event::EventLoop> loops_[2] = {std::make_unique<event::EventLoop>(clock_),
                                                 std::make_unique<event::EventLoop>(clock_)};
  issu::MessageCatalog catalog_ = *messages::buildCatalog(messages::kRelease1_1);
  std::unique_ptr<RouteProcessor> rp_[2];
};

TEST_F(RouteProcessorTest, PlannedSwitchoversBothWaysKeepEveryRoute) {
  hotPair(1000);
  EXPECT_TRUE(apply(0, 1000, 10, 2).synced) << "a change on a hot pair is acknowledged";
  const auto before = rp_[0]->rib().sorted();
  EXPECT_EQ(rp_[1]->rib().sorted(), before);
  for (int from : {0, 1}) {
    const int to = 1 - from;
    std::optional<Status> done;
    rp_[from]->forceSwitchover([&](Status s) { done = s; });
    ASSERT_TRUE(pump([&] { return done.has_value(); }));
    ASSERT_TRUE(done->isOk()) << done->message();
    ASSERT_TRUE(reaches(to, RfState::kActive));
    ASSERT_TRUE(reaches(from, RfState::kStandbyHot)) << "the old active syncs from the new one";
    EXPECT_EQ(rp_[to]->rib().sorted(), before);
    EXPECT_EQ(rp_[from]->rib().sorted(), before);
    EXPECT_EQ(rp_[to]->rf().lastSwitchoverReason(), redundancy::SwactReason::kUserInitiated);
  }
  EXPECT_EQ(rp_[0]->rf().epoch(), 2u);
}

TEST_F(RouteProcessorTest, ASwitchoverToAStandbyNotHotIsRefused) {
  rp_[0] = make(0, true);
  std::optional<Status> done;
  rp_[0]->forceSwitchover([&](Status s) { done = s; });
  ASSERT_TRUE(done.has_value());
  EXPECT_EQ(done->message(), "peer is not STANDBY HOT (peer state = 1 -DISABLED)");
  EXPECT_TRUE(rp_[0]->rf().isActive());
}

TEST_F(RouteProcessorTest, AHotStandbyTakesOverWarmWhenTheActiveDies) {
  hotPair(500);
  const auto before = rp_[0]->rib().sorted();
  rp_[0].reset();  // its socket closes without a session reset: the peer died
  ASSERT_TRUE(reaches(1, RfState::kActive));
  EXPECT_EQ(rp_[1]->rib().sorted(), before);
  EXPECT_EQ(rp_[1]->rf().lastSwitchoverReason(), redundancy::SwactReason::kActiveUnitFailed);
  EXPECT_EQ(rp_[1]->status()["last_switchover_reason"], "active unit failed");
}

// The active stops running (its loop is not served: SIGSTOP) while the clock moves. The standby
// declares it hung after heartbeat_threshold intervals and takes over with its state.
TEST_F(RouteProcessorTest, AHungActiveIsDetectedByMissedHeartbeatsOnTheClock) {
  hotPair(200);
  const int64_t t0 = clock_.nowMs();
  ASSERT_TRUE(pump([&] { return rp_[1]->rf().isActive(); }, 5000, /*slots=*/{1}));
  const int64_t took = clock_.nowMs() - t0;
  EXPECT_GE(took, 500) << "5 missed heartbeats of 100 ms";
  EXPECT_LE(took, 700);
  EXPECT_EQ(rp_[1]->rib().size(), 200u);
}

// A standby that silently lost a route is caught by the periodic digest and synced again.
TEST_F(RouteProcessorTest, ADivergedStandbyIsCaughtByTheDigestAndResynced) {
  hotPair(300);
  EXPECT_FALSE(rp_[1]->divergeForTest().empty());
  EXPECT_EQ(rp_[1]->rib().size(), 299u);
  ASSERT_TRUE(pump([&] { return rp_[1]->rf().state() != RfState::kStandbyHot; }, 11000))
      << "the digest every 10 s finds the difference";
  ASSERT_TRUE(reaches(1, RfState::kStandbyHot));
  EXPECT_EQ(rp_[1]->rib().sorted(), rp_[0]->rib().sorted());
}

}  // namespace
}  // namespace hitless::rpd
