// Handover: no client quiesces while one is not ready for a handover (BGP withdrawing a table a
// slice per turn through the RIB that quiescing closes); once all are, they quiesce and the
// switchover is committed.
#include "rpd/handover.h"

#include <gtest/gtest.h>

#include <optional>

#include "checkpoint/client_registry.h"
#include "event/clock.h"
#include "event/event_loop.h"

namespace hitless::rpd {
namespace {

class ClientUnderHandover : public checkpoint::CheckpointClient {
 public:
  explicit ClientUnderHandover(uint16_t id) : id_(id) {}
  uint16_t id() const override { return id_; }
  Status stage(uint16_t, wire::ByteView, issu::MessageVersion) override { return Status::ok(); }
  Status applyStaged(size_t) override { return Status::ok(); }
  void discardStaged() override {}
  bool readyForHandover() const override { return ready; }
  bool quiesceForHandover() override {
    ++quiesced;
    return true;
  }
  bool ready = true;
  int quiesced = 0;

 private:
  uint16_t id_;
};

TEST(HandoverTest, NoClientQuiescesUntilEveryClientIsReady) {
  event::FakeClock clock;
  event::EventLoop loop(clock);
  ClientUnderHandover rib(2028), bgp(2029);
  checkpoint::ClientRegistry clients;
  clients.add(rib);
  clients.add(bgp);
  int commits = 0;
  Handover handover(loop, clients, /*timeout_ms=*/5000,
                    {[] { return true; }, [] { return true; }, [&] { ++commits; }});
  std::optional<Status> outcome;
  handover.await([&](Status s) { outcome = s; });

  bgp.ready = false;  // still withdrawing
  handover.run();
  for (int ms = 0; ms < 100; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  EXPECT_EQ(rib.quiesced, 0) << "the RIB closed while BGP still had slices to apply";
  EXPECT_EQ(bgp.quiesced, 0);
  EXPECT_FALSE(outcome.has_value());

  bgp.ready = true;
  for (int ms = 0; ms < 10 && !outcome; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  ASSERT_TRUE(outcome.has_value());
  EXPECT_TRUE(outcome->isOk()) << outcome->message();
  EXPECT_EQ(commits, 1);
  EXPECT_EQ(rib.quiesced, 1);
  EXPECT_EQ(bgp.quiesced, 1);
}

TEST(HandoverTest, AClientNeverReadyEndsInTheTimeoutAndTheActiveCarriesOn) {
  event::FakeClock clock;
  event::EventLoop loop(clock);
  ClientUnderHandover bgp(2029);
  bgp.ready = false;
  checkpoint::ClientRegistry clients;
  clients.add(bgp);
  int commits = 0;
  Handover handover(loop, clients, /*timeout_ms=*/50,
                    {[] { return true; }, [] { return true; }, [&] { ++commits; }});
  std::optional<Status> outcome;
  handover.await([&](Status s) { outcome = s; });
  handover.run();
  for (int ms = 0; ms < 100 && !outcome; ++ms) {
    clock.advanceMs(1);
    loop.runOnce(0);
  }
  ASSERT_TRUE(outcome.has_value());
  EXPECT_FALSE(outcome->isOk());
  EXPECT_EQ(commits, 0);
  EXPECT_EQ(bgp.quiesced, 0);
}

}  // namespace
}  // namespace hitless::rpd
