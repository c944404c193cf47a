// BulkSender with a client that resyncs in pieces (as BGP sends a new standby its Adj-RIBs-In):
// the pieces go one per step, after the counted bulk, and the bulk's last transaction — the
// digests that make the standby STANDBY HOT — only after the last piece.
#include "checkpoint/bulk_sender.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "messages/wire_numbers.h"
#include "rpd/rib_client.h"
#include "rpd/sync_pair.h"

namespace hitless::rpd {
namespace {

using testing::nativeRouteVersion;
using testing::SyncPair;

// `count` host routes, their next hop's weight cycling through 1..`weights` (v2 carries weights,
// v1 not).
state::RibDelta hostRoutes(uint32_t count, uint32_t weights) {
  state::RibDelta d;
  for (uint32_t i = 0; i < count; ++i) {
    net::Route r;
    r.prefix = *net::IpPrefix::make(net::IpAddress::v4(0x64400000u + i), 32);
    r.nexthops = {{*net::IpAddress::parse("198.18.2.2"), 0, 1 + i % weights}};
    d.upsert(std::move(r));
  }
  return d;
}

// Sends `pieces` messages of the config client's id, one per continueResync(); on the standby,
// records for each piece whether the bulk's digests had already arrived.
class PiecewiseResync : public checkpoint::CheckpointClient {
 public:
  PiecewiseResync(SyncPair& pair, int pieces) : pair_(pair), pieces_(pieces) {}
  uint16_t id() const override { return messages::kClientConfigSync; }

  void resyncStandby() override {
    ++resyncs;
    next_ = 0;
  }
  bool continueResync() override {
    ++calls;
    if (next_ == pieces_) return true;
    checkpoint::Transaction txn = pair_.link().transaction();
    const std::string text = "piece " + std::to_string(next_++);
    txn.add(messages::kClientConfigSync, messages::kMsgConfigItem,
            [&](issu::MessageVersion, std::string* out) { *out = text; });
    pair_.link().send(std::move(txn), [](bool) {});
    return next_ == pieces_;
  }

  Status stage(uint16_t, wire::ByteView native, issu::MessageVersion) override {
    staged_.emplace_back(reinterpret_cast<const char*>(native.data()), native.size());
    return Status::ok();
  }
  Status applyStaged(size_t count) override {
    for (size_t i = 0; i < count; ++i) {
      arrived.push_back(staged_[i]);
      after_digests.push_back(pair_.last_digests.has_value());
    }
    staged_.erase(staged_.begin(), staged_.begin() + static_cast<ptrdiff_t>(count));
    return Status::ok();
  }
  void discardStaged() override { staged_.clear(); }

  int resyncs = 0, calls = 0;
  std::vector<std::string> arrived;
  std::vector<bool> after_digests;

 private:
  SyncPair& pair_;
  int pieces_;
  int next_ = 0;
  std::vector<std::string> staged_;
};

TEST(BulkSenderTest, TheDigestsThatMakeTheStandbyHotFollowTheLastResyncPiece) {
  SyncPair pair;
  CrashPoint no_crash;
  RibClient active_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                       no_crash);
  RibClient standby_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                        no_crash);
  PiecewiseResync active_bgp(pair, 5), standby_bgp(pair, 5);
  pair.addActive(active_rib);
  pair.addActive(active_bgp);
  pair.addStandby(standby_rib);
  pair.addStandby(standby_bgp);
  active_rib.onRole({true, 1, "ACTIVE"});
  active_rib.apply(hostRoutes(3000, 1), [](ChangeResult) {});  // no standby yet: here only
  ASSERT_TRUE(pair.connect());

  // One step per loop turn (budget 0): the pieces cannot all go in the turn that starts them.
  ASSERT_TRUE(pair.bulkSync(/*batch=*/512, /*budget_ns=*/0));
  EXPECT_EQ(active_bgp.resyncs, 1);
  EXPECT_EQ(active_bgp.calls, 5);
  EXPECT_EQ(standby_bgp.arrived,
            (std::vector<std::string>{"piece 0", "piece 1", "piece 2", "piece 3", "piece 4"}));
  for (size_t i = 0; i < standby_bgp.after_digests.size(); ++i) {
    EXPECT_FALSE(standby_bgp.after_digests[i]) << "piece " << i << " came after the digests";
  }
  EXPECT_EQ(pair.bulk_events, (std::vector<std::string>{"begin 2028", "end 2028"}));
  ASSERT_TRUE(pair.last_digests.has_value());
  EXPECT_TRUE(pair.last_digests->match) << pair.last_digests->mismatch;
  EXPECT_EQ(standby_rib.rib().size(), 3000u);
}

// A client whose digest is recomputed (a new version negotiated) over `pieces` calls of
// continueDigest; until then its digest is not the standby's.
class SlowDigest : public checkpoint::CheckpointClient {
 public:
  explicit SlowDigest(int pieces) : pieces_(pieces) {}
  uint16_t id() const override { return messages::kClientConfigSync; }
  bool continueDigest() override { return ++calls >= pieces_; }
  std::optional<messages::StateDigest> digest() const override {
    return messages::StateDigest{id(), std::string(32, calls >= pieces_ ? 'r' : 'o'), 0, 0};
  }
  Status stage(uint16_t, wire::ByteView, issu::MessageVersion) override { return Status::ok(); }
  Status applyStaged(size_t) override { return Status::ok(); }
  void discardStaged() override {}
  int calls = 0;

 private:
  int pieces_;
};

TEST(BulkSenderTest, TheDigestsWaitForADigestBeingRecomputed) {
  SyncPair pair;
  CrashPoint no_crash;
  RibClient active_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                       no_crash);
  RibClient standby_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                        no_crash);
  SlowDigest active_slow(40), standby_slow(0);
  pair.addActive(active_rib);
  pair.addActive(active_slow);
  pair.addStandby(standby_rib);
  pair.addStandby(standby_slow);
  active_rib.onRole({true, 1, "ACTIVE"});
  ASSERT_TRUE(pair.connect());
  // A bulk of a few steps: the digests go after the 40th piece, not with the last entries.
  ASSERT_TRUE(pair.bulkSync(/*batch=*/512, /*budget_ns=*/0));
  EXPECT_GE(active_slow.calls, 40);
  ASSERT_TRUE(pair.last_digests.has_value());
  EXPECT_TRUE(pair.last_digests->match) << pair.last_digests->mismatch;
}

// The active's RIB is fingerprinted again at the version a new standby negotiates, in pieces:
// a 1.1 active alone fingerprints at v2 (weights count), and with a 1.0 standby the pair
// exchanges routes at v1.
TEST(BulkSenderTest, ARibDigestAtANewVersionIsReadyForTheBulksDigests) {
  SyncPair pair(messages::kRelease1_1, messages::kRelease1_0);
  CrashPoint no_crash;
  RibClient active_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                       no_crash);
  RibClient standby_rib(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_0), {},
                        no_crash);
  pair.addActive(active_rib);
  pair.addStandby(standby_rib);
  active_rib.onRole({true, 1, "ACTIVE"});
  active_rib.apply(hostRoutes(20000, 3), [](ChangeResult) {});
  const issu::MessageVersion before = active_rib.rib().digestVersion();
  ASSERT_TRUE(pair.connect());
  ASSERT_TRUE(pair.bulkSync(/*batch=*/2048, /*budget_ns=*/0));
  EXPECT_NE(active_rib.rib().digestVersion(), before) << "the pair negotiated another version";
  EXPECT_EQ(active_rib.rib().digestVersion(), standby_rib.rib().digestVersion());
  EXPECT_FALSE(active_rib.rib().digestChanging());
  ASSERT_TRUE(pair.last_digests.has_value());
  EXPECT_TRUE(pair.last_digests->match) << pair.last_digests->mismatch;
  EXPECT_EQ(active_rib.digest()->digest, standby_rib.digest()->digest);
}

}  // namespace
}  // namespace hitless::rpd
