// RibClient between an active and a standby in one process (SyncPair): a change reaches the
// standby before it is reported synced, it is refused where it must be, a bulk of thousands of
// routes (with changes during it) leaves both replicas equal with matching digests — also
// between releases of different route versions — and a transaction that cannot be decoded whole
// changes nothing.
#include "rpd/rib_client.h"

#include <gtest/gtest.h>

#include "checkpoint/client_registry.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "rpd/config_client.h"
#include "rpd/sync_pair.h"

namespace hitless::rpd {
namespace {

using testing::nativeRouteVersion;
using testing::SyncPair;

net::Route route(uint32_t n, uint32_t weight = 1, uint32_t metric = 0) {
  net::Route r;
  r.prefix = *net::IpPrefix::make(net::IpAddress::v4(0xc6120000u + (n << 8)), 24);  // 198.18/15
  r.nexthops = {{*net::IpAddress::parse("198.18.255.1"), 0, weight}};
  r.protocol = 186;
  r.metric = metric;
  return r;
}

state::RibDelta adds(uint32_t first, uint32_t count, uint32_t weight = 1, uint32_t metric = 0) {
  state::RibDelta d;
  for (uint32_t i = first; i < first + count; ++i) d.upsert(route(i, weight, metric));
  return d;
}

const checkpoint::Role kActive{true, 1, "ACTIVE"};

issu::MessageVersion routeVersionIn(const issu::MessageCatalog& catalog) {
  return catalog.nativeVersion(messages::kClientRib, messages::kMsgRouteUpdate);
}

class RibClientTest : public ::testing::Test {
 protected:
  explicit RibClientTest(messages::Release active = messages::kRelease1_1,
                         messages::Release standby = messages::kRelease1_1)
      : pair_(active, standby),
        active_catalog_(*messages::buildCatalog(active)),
        standby_catalog_(*messages::buildCatalog(standby)) {}

  void SetUp() override {
    pair_.addActive(active_);
    pair_.addStandby(standby_);
    active_.onRole(kActive);
    ASSERT_TRUE(pair_.connect());
  }
  ChangeResult apply(state::RibDelta delta, checkpoint::Transaction txn = {}) {
    std::optional<ChangeResult> result;
    active_.apply(
        std::move(delta), [&](ChangeResult r) { result = r; }, std::move(txn));
    EXPECT_TRUE(pair_.runUntil([&] { return result.has_value(); }));
    return result.value_or(ChangeResult{Status::internal("no answer"), 0, false});
  }

  SyncPair pair_;
  issu::MessageCatalog active_catalog_, standby_catalog_;
  event::EventLoop& loop_ = pair_.loop();
  CrashPoint no_crash_;
  RibClient active_{loop_, pair_.link(), routeVersionIn(active_catalog_), {}, no_crash_};
  RibClient standby_{loop_, pair_.link(), routeVersionIn(standby_catalog_), {}, no_crash_};
};

TEST_F(RibClientTest, AChangeReachesTheStandbyBeforeItIsReportedSynced) {
  ChangeResult r = apply(adds(0, 100));
  ASSERT_TRUE(r.status.isOk()) << r.status.message();
  EXPECT_EQ(r.changes, 100u);
  EXPECT_TRUE(r.synced);
  state::RibDelta d = adds(0, 10, 1, 7);  // replace ten, withdraw five
  for (uint32_t i = 50; i < 55; ++i) d.withdraw(route(i).prefix);
  EXPECT_TRUE(apply(std::move(d)).synced);
  EXPECT_EQ(standby_.rib().size(), 95u);
  EXPECT_EQ(standby_.rib().sorted(), active_.rib().sorted());
  EXPECT_EQ(standby_.digest()->digest, active_.digest()->digest);
}

TEST_F(RibClientTest, ChangesAreRefusedOffTheActiveAndDuringAHandover) {
  active_.onRole({false, 1, "STANDBY HOT"});
  EXPECT_EQ(apply(adds(0, 1)).status.message(),
            "this RP is STANDBY HOT; send changes to the active RP");
  active_.onRole(kActive);
  EXPECT_TRUE(active_.quiesceForHandover());
  EXPECT_EQ(apply(adds(0, 1)).status.message(),
            "a switchover is in progress; retry on the new active");
  active_.onHandoverAborted();
  EXPECT_TRUE(apply(adds(0, 1)).status.isOk());
  EXPECT_EQ(active_.rib().size(), 1u);
}

// Other clients' messages in the same transaction are applied with the routes, atomically.
TEST_F(RibClientTest, AChangeTravelsInOneTransactionWithWhatCausedIt) {
  ConfigClient active_config(pair_.link(), ""), standby_config(pair_.link(), "");
  pair_.addStandby(standby_config);
  checkpoint::Transaction txn = pair_.link().transaction();
  ConfigClient::add(txn, {"cause", "test", false});
  EXPECT_TRUE(apply(adds(0, 3), std::move(txn)).synced);
  EXPECT_EQ(standby_.rib().size(), 3u);
  ASSERT_NE(standby_config.store().get("cause"), nullptr);
}

// A new standby: the table goes over in bulk (one transaction per loop turn here) while changes
// keep coming, behind and ahead of the walk; both replicas end equal and the digests agree.
TEST(RibClientBulkTest, BulkWithChangesDuringItLeavesBothReplicasEqual) {
  SyncPair pair;
  auto catalog = *messages::buildCatalog(messages::kRelease1_1);
  CrashPoint no_crash;
  RibClient active(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                   no_crash);
  RibClient standby(pair.loop(), pair.link(), nativeRouteVersion(messages::kRelease1_1), {},
                    no_crash);
  pair.addActive(active);
  pair.addStandby(standby);
  active.onRole(kActive);
  active.apply(adds(0, 10000), [](ChangeResult) {});  // no standby yet: here only
  ASSERT_TRUE(pair.connect());
  int changes_during_bulk = 0;
  pair.loop().addTimer(0, [&] {
    state::RibDelta d = adds(9990, 20, 1, 5);
    for (uint32_t i = 0; i < 100; ++i) d.withdraw(route(i).prefix);
    active.apply(std::move(d), [&](ChangeResult r) { changes_during_bulk += r.synced; });
  });
  ASSERT_TRUE(pair.bulkSync(/*batch=*/512, /*budget_ns=*/0));
  EXPECT_EQ(changes_during_bulk, 1);
  EXPECT_EQ(pair.bulk_events, (std::vector<std::string>{"begin 2028", "end 2028"}));
  EXPECT_EQ(standby.rib().size(), 9910u);
  EXPECT_EQ(standby.rib().sorted(), active.rib().sorted());
  ASSERT_TRUE(pair.last_digests.has_value());
  EXPECT_TRUE(pair.last_digests->match) << pair.last_digests->mismatch;
}

TEST_F(RibClientTest, ATransactionThatCannotBeDecodedWholeChangesNothing) {
  checkpoint::ClientRegistry registry;
  registry.add(standby_);
  std::string good;
  messages::encodeRouteUpdate(route(1), 2, &good);
  ASSERT_TRUE(registry.stage(messages::kClientRib, messages::kMsgRouteUpdate, good, 2).isOk());
  EXPECT_FALSE(registry.stage(messages::kClientRib, messages::kMsgRouteUpdate, "\x01", 2).isOk());
  registry.discardStaged();
  EXPECT_EQ(standby_.rib().size(), 0u);
  EXPECT_EQ(registry.stage(messages::kClientRib, 77, "", 1).code(), StatusCode::kNotFound);
}

class RibClientAcrossReleasesTest : public RibClientTest {
 protected:
  RibClientAcrossReleasesTest() : RibClientTest(messages::kRelease1_1, messages::kRelease1_0) {}
};

// A 1.1 active (route update v2: weights) with a 1.0 standby (v1): the standby holds what v1
// can say, and both fingerprint at v1, so their digests agree.
TEST_F(RibClientAcrossReleasesTest, ReplicasOfDifferentReleasesAgreeAtTheNegotiatedVersion) {
  EXPECT_TRUE(apply(adds(0, 50, /*weight=*/3)).synced);
  ASSERT_EQ(standby_.rib().size(), 50u);
  EXPECT_EQ(standby_.rib().find(route(7).prefix)->nexthops[0].weight, 1u);
  EXPECT_EQ(active_.rib().find(route(7).prefix)->nexthops[0].weight, 3u);
  EXPECT_EQ(active_.rib().digestVersion(), 1);
  EXPECT_EQ(standby_.digest()->digest, active_.digest()->digest);
}

// When the 1.0 standby goes (the reload that commits an ISSU), the 1.1 active fingerprints its
// table at its own version again, over several loop turns, so the 1.1 standby that follows
// finds the digest ready. A standby does not.
TEST_F(RibClientAcrossReleasesTest, TheActiveAloneMovesItsDigestBackToItsOwnVersion) {
  EXPECT_TRUE(apply(adds(0, 3 * 4096 + 5, /*weight=*/3)).synced);
  ASSERT_EQ(active_.rib().digestVersion(), 1);
  standby_.onSessionEnd();
  EXPECT_EQ(standby_.rib().digestVersion(), 1);
  active_.onSessionEnd();
  EXPECT_TRUE(active_.rib().digestChanging()) << "a piece per turn, not the whole table at once";
  ASSERT_TRUE(pair_.runUntil([&] { return !active_.rib().digestChanging(); }));
  EXPECT_EQ(active_.rib().digestVersion(), 2);
  state::Rib fresh(2);
  for (const auto& r : active_.rib().sorted()) fresh.upsert(r);
  EXPECT_EQ(active_.rib().digest().bytes(), fresh.digest().bytes());
}

}  // namespace
}  // namespace hitless::rpd
