// Handover: no client quiesces while one is not ready for a handover (BGP withdrawing a table a
// slice per turn through the RIB that quiescing closes); once all are, they quiesce and the
// switchover is committed.
#include "rpd/handover.h"

#include <gtest/gtest.h>

#include <memory>
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

// The handover of an RP whose clients are the RIB and BGP, on a fake clock; the standby is
// connected and in step throughout.
class HandoverTest : public ::testing::Test {
 protected:
  HandoverTest() {
    clients_.add(rib_);
    clients_.add(bgp_);
  }
  // Starts a handover that gives up after `timeout_ms`.
  void start(int64_t timeout_ms) {
    handover_ = std::make_unique<Handover>(
        loop_, clients_, timeout_ms,
        Handover::Hooks{[] { return true; }, [] { return true; }, [this] { ++commits_; }});
    handover_->await([this](Status s) { outcome_ = s; });
    handover_->run();
  }
  // Serves the loop for `ms` milliseconds of fake time, or until the handover ended.
  void runFor(int ms) {
    for (int i = 0; i < ms && !outcome_; ++i) {
      clock_.advanceMs(1);
      loop_.runOnce(0);
    }
  }

  event::FakeClock clock_;
  event::EventLoop loop_{clock_};
  ClientUnderHandover rib_{2028}, bgp_{2029};
  checkpoint::ClientRegistry clients_;
  std::unique_ptr<Handover> handover_;
  std::optional<Status> outcome_;
  int commits_ = 0;
};

TEST_F(HandoverTest, NoClientQuiescesUntilEveryClientIsReady) {
  bgp_.ready = false;  // still withdrawing
  start(/*timeout_ms=*/5000);
  runFor(100);
  EXPECT_EQ(rib_.quiesced, 0) << "the RIB closed while BGP still had slices to apply";
  EXPECT_EQ(bgp_.quiesced, 0);
  EXPECT_FALSE(outcome_.has_value());

  bgp_.ready = true;
  runFor(10);
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_TRUE(outcome_->isOk()) << outcome_->message();
  EXPECT_EQ(commits_, 1);
  EXPECT_EQ(rib_.quiesced, 1);
  EXPECT_EQ(bgp_.quiesced, 1);
}

TEST_F(HandoverTest, AClientNeverReadyEndsInTheTimeoutAndTheActiveCarriesOn) {
  bgp_.ready = false;
  start(/*timeout_ms=*/50);
  runFor(100);
  ASSERT_TRUE(outcome_.has_value());
  EXPECT_FALSE(outcome_->isOk());
  EXPECT_EQ(commits_, 0);
  EXPECT_EQ(rib_.quiesced + bgp_.quiesced, 0);
}

}  // namespace
}  // namespace hitless::rpd
