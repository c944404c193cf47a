#include "redundancy/rf_fsm.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "messages/wire_numbers.h"

namespace hitless::redundancy {
namespace {

using issu::Compatibility;

bool has(const std::vector<RfAction>& actions, RfAction a) {
  return std::find(actions.begin(), actions.end(), a) != actions.end();
}

rf::Negotiated negotiated(Compatibility level) { return {level}; }
rf::PeerStatus peerIs(RfState s, uint64_t epoch = 0, uint8_t slot = 1) { return {s, epoch, slot}; }

// Drives a standby through a complete, verified bulk sync.
void makeHot(RfFsm& fsm) {
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(rf::BulkBegan{messages::kClientConfigSync});
  fsm.handle(rf::BulkEnded{messages::kClientConfigSync});
  fsm.handle(rf::BulkBegan{messages::kClientRib});
  fsm.handle(rf::BulkEnded{messages::kClientRib});
  fsm.handle(rf::DigestVerified{});
}

TEST(RfFsm, StandbyWalksTheIosStatesToHot) {
  RfFsm fsm(1, false, 0);
  EXPECT_EQ(fsm.state(), RfState::kInitialization);
  fsm.handle(rf::SessionUp{});
  EXPECT_EQ(fsm.state(), RfState::kNegotiation);
  fsm.handle(negotiated(Compatibility::kCompatible));
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);
  EXPECT_EQ(fsm.mode(), Mode::kSso);
  fsm.handle(rf::BulkBegan{messages::kClientConfigSync});
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdConfig);
  fsm.handle(rf::BulkEnded{messages::kClientConfigSync});
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdFilesys);
  fsm.handle(rf::BulkBegan{messages::kClientRib});
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdBulk);
  fsm.handle(rf::BulkEnded{messages::kClientRib});
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdBulk) << "no HOT before the digest check";
  fsm.handle(rf::DigestVerified{});
  EXPECT_EQ(fsm.state(), RfState::kStandbyHot);
  EXPECT_EQ(rfStateName(fsm.state()), "STANDBY HOT");
}

TEST(RfFsm, DigestBeforeEveryBulkEndedDoesNotMakeHot) {
  RfFsm fsm(1, false, 0);
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(rf::BulkBegan{messages::kClientConfigSync});
  fsm.handle(rf::BulkEnded{messages::kClientConfigSync});
  fsm.handle(rf::DigestVerified{});
  EXPECT_NE(fsm.state(), RfState::kStandbyHot);
}

TEST(RfFsm, IncompatiblePairRunsRprAndStaysCold) {
  RfFsm fsm(1, false, 0);
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kIncompatible));
  EXPECT_EQ(fsm.mode(), Mode::kRpr);
  fsm.handle(rf::BulkBegan{messages::kClientRib});
  fsm.handle(rf::DigestVerified{});
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);

  RfFsm active(0, true, 0);
  active.handle(rf::SessionUp{});
  active.handle(negotiated(Compatibility::kIncompatible));
  EXPECT_FALSE(has(active.handle(peerIs(RfState::kStandbyCold)), RfAction::kStartBulk));
}

TEST(RfFsm, ActiveStartsBulkOnceThePeerSaysItIsStandby) {
  RfFsm fsm(0, true, 0);
  EXPECT_EQ(fsm.state(), RfState::kActive);
  fsm.handle(rf::SessionUp{});
  EXPECT_FALSE(has(fsm.handle(negotiated(Compatibility::kBaseLevel)), RfAction::kStartBulk));
  EXPECT_EQ(fsm.mode(), Mode::kSsoBaseLevel);
  EXPECT_TRUE(has(fsm.handle(peerIs(RfState::kStandbyCold)), RfAction::kStartBulk));
  // Once per session, whatever the standby reports next.
  EXPECT_FALSE(has(fsm.handle(peerIs(RfState::kStandbyColdBulk)), RfAction::kStartBulk));
  fsm.handle(rf::SessionDown{});
  fsm.handle(rf::SessionUp{});
  fsm.handle(peerIs(RfState::kStandbyCold));  // status may arrive before our negotiation
  EXPECT_TRUE(has(fsm.handle(negotiated(Compatibility::kCompatible)), RfAction::kStartBulk));
}

TEST(RfFsm, AnActivePeerGetsNoBulk) {
  RfFsm fsm(0, true, 5);
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  EXPECT_FALSE(has(fsm.handle(peerIs(RfState::kActive, 3)), RfAction::kStartBulk));
}

TEST(RfFsm, HotStandbyTakesOverWarmWhenTheActiveDies) {
  RfFsm fsm(1, false, 4);
  makeHot(fsm);
  auto actions = fsm.handle(rf::SessionDown{});
  EXPECT_TRUE(has(actions, RfAction::kTakeOverWarm));
  EXPECT_TRUE(has(actions, RfAction::kPersistEpoch));
  // The epoch is persisted before anything acts on the new activity.
  EXPECT_LT(std::find(actions.begin(), actions.end(), RfAction::kPersistEpoch),
            std::find(actions.begin(), actions.end(), RfAction::kTakeOverWarm));
  EXPECT_EQ(fsm.state(), RfState::kActive);
  EXPECT_EQ(fsm.epoch(), 5u);
  EXPECT_EQ(fsm.switchovers(), 1u);
  EXPECT_EQ(fsm.lastSwitchoverReason(), SwactReason::kActiveUnitFailed);
  // It went through the IOS active states in order.
  std::vector<RfState> seen;
  for (const auto& t : fsm.history()) seen.push_back(t.to);
  std::vector<RfState> tail(seen.end() - 5, seen.end());
  EXPECT_EQ(tail, (std::vector<RfState>{RfState::kActiveFast, RfState::kActiveDrain,
                                        RfState::kActivePreconfig, RfState::kActivePostconfig,
                                        RfState::kActive}));
}

TEST(RfFsm, ColdStandbyTakesOverColdAndAResetNeverTriggersTakeover) {
  RfFsm cold(1, false, 0);
  cold.handle(rf::SessionUp{});
  cold.handle(negotiated(Compatibility::kCompatible));
  cold.handle(rf::BulkBegan{messages::kClientRib});
  EXPECT_TRUE(has(cold.handle(rf::SessionDown{}), RfAction::kTakeOverCold));

  RfFsm hot(1, false, 0);
  makeHot(hot);
  EXPECT_TRUE(hot.handle(rf::SessionDown{.peer_alive = true}).empty());
  EXPECT_EQ(hot.state(), RfState::kInitialization);
  EXPECT_EQ(hot.switchovers(), 0u);
}

TEST(RfFsm, DigestMismatchResyncs) {
  RfFsm fsm(1, false, 0);
  makeHot(fsm);
  EXPECT_TRUE(has(fsm.handle(rf::DigestMismatch{}), RfAction::kResync));
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);
}

TEST(RfFsm, SplitBrainTheLowerEpochDemotes) {
  RfFsm fsm(0, true, 3);
  fsm.handle(rf::SessionUp{});
  rf::PeerStatus peer{.state = RfState::kActive, .epoch = 2, .slot = 1};  // older: it demotes
  EXPECT_TRUE(has(fsm.handle(peer), RfAction::kSendStatus));
  EXPECT_TRUE(fsm.isActive());
  peer.epoch = 4;
  auto actions = fsm.handle(peer);
  EXPECT_TRUE(has(actions, RfAction::kDemote));
  EXPECT_FALSE(fsm.isActive());
  EXPECT_EQ(fsm.epoch(), 4u);

  RfFsm tie(1, true, 7);  // same epoch: the higher slot gives way
  peer.epoch = 7;
  peer.slot = 0;
  EXPECT_TRUE(has(tie.handle(peer), RfAction::kDemote));
}

TEST(RfFsm, ForceSwitchoverNeedsAHotPeer) {
  RfFsm fsm(0, true, 0);
  auto refused = fsm.handle(rf::SwitchoverCommand{});
  EXPECT_TRUE(has(refused, RfAction::kRefuse));
  EXPECT_NE(fsm.refusal().find("peer is not STANDBY HOT"), std::string::npos);
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(peerIs(RfState::kStandbyHot));
  EXPECT_TRUE(has(fsm.handle(rf::SwitchoverCommand{}), RfAction::kHandOver));
  fsm.handle(rf::HandedOver{});
  EXPECT_FALSE(fsm.isActive());

  RfFsm standby(1, false, 0);
  EXPECT_NE(standby.handle(rf::SwitchoverCommand{}), std::vector<RfAction>{});
  EXPECT_EQ(standby.refusal(), "this RP is not active");
}

// An Incompatible pair runs RPR: the standby stays cold, a force-switchover hands over at once
// (nothing to drain) and the standby takes over cold, from its configuration.
TEST(RfFsm, InRprTheSwitchoverIsCold) {
  RfFsm active(0, true, 5);
  active.handle(rf::SessionUp{});
  active.handle(negotiated(Compatibility::kIncompatible));
  EXPECT_EQ(active.mode(), Mode::kRpr);
  EXPECT_FALSE(has(active.handle(peerIs(RfState::kStandbyCold)), RfAction::kStartBulk));
  auto actions = active.handle(rf::SwitchoverCommand{});
  EXPECT_TRUE(has(actions, RfAction::kHandOverCold));
  EXPECT_FALSE(has(actions, RfAction::kHandOver));
  active.handle(rf::HandedOver{});
  EXPECT_FALSE(active.isActive());

  RfFsm standby(1, false, 5);
  standby.handle(rf::SessionUp{});
  standby.handle(negotiated(Compatibility::kIncompatible));
  EXPECT_EQ(standby.state(), RfState::kStandbyCold);
  auto taken = standby.handle(rf::SwitchoverReceived{6, SwactReason::kUserInitiated});
  EXPECT_TRUE(has(taken, RfAction::kTakeOverCold));
  EXPECT_EQ(standby.state(), RfState::kActive);
  EXPECT_EQ(standby.epoch(), 6u);

  // A compatible pair whose standby is still cold is refused, as before.
  RfFsm sso(0, true, 0);
  sso.handle(rf::SessionUp{});
  sso.handle(negotiated(Compatibility::kCompatible));
  sso.handle(peerIs(RfState::kStandbyCold));
  EXPECT_TRUE(has(sso.handle(rf::SwitchoverCommand{}), RfAction::kRefuse));
}

TEST(RfFsm, PlannedSwitchoverTakesTheAnnouncedEpoch) {
  RfFsm fsm(1, false, 2);
  makeHot(fsm);
  EXPECT_TRUE(has(fsm.handle(rf::SwitchoverReceived{3, SwactReason::kUserInitiated}),
                  RfAction::kTakeOverWarm));
  EXPECT_EQ(fsm.epoch(), 3u);
  EXPECT_EQ(fsm.lastSwitchoverReason(), SwactReason::kUserInitiated);
}

// An active hands over to a standby that dies at that instant and comes back fresh: the RP that
// handed over still holds the whole state and takes activity back (warm) rather than waiting as
// a standby of a standby.
RfFsm handedOver() {
  RfFsm fsm(0, true, 4);
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(peerIs(RfState::kStandbyHot));
  fsm.handle(rf::SwitchoverCommand{});
  fsm.handle(rf::HandedOver{});
  fsm.handle(rf::SessionDown{.peer_alive = true});  // the handover itself closes the session
  return fsm;
}

TEST(RfFsm, AHandoverToAPeerThatDiedIsTakenBack) {
  RfFsm fsm = handedOver();
  EXPECT_FALSE(fsm.isActive());
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  auto actions = fsm.handle(peerIs(RfState::kStandbyCold, 0));
  EXPECT_TRUE(fsm.isActive());
  EXPECT_TRUE(has(actions, RfAction::kTakeOverWarm));
  EXPECT_TRUE(has(actions, RfAction::kStartBulk));  // the fresh peer becomes its standby
  EXPECT_GT(fsm.epoch(), 5u);                       // past the epoch it announced in the handover
}

TEST(RfFsm, AHandoverThatTookIsFollowedAsUsual) {
  RfFsm fsm = handedOver();
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  EXPECT_FALSE(has(fsm.handle(peerIs(RfState::kActive, 5)), RfAction::kTakeOverWarm));
  EXPECT_FALSE(fsm.isActive());
  // Later the peer resets the session (it lives): this standby waits, never takes over.
  EXPECT_TRUE(fsm.handle(rf::SessionDown{.peer_alive = true}).empty());
  EXPECT_FALSE(fsm.isActive());
}

TEST(RfFsm, AHandoverWhosePeerVanishesIsTakenBackWarm) {
  RfFsm fsm = handedOver();
  fsm.handle(rf::SessionUp{});
  EXPECT_TRUE(has(fsm.handle(rf::SessionDown{.peer_alive = false}), RfAction::kTakeOverWarm));
  EXPECT_TRUE(fsm.isActive());
}

// HOT needs the bulk of every client the RP declared, not just two, and each counts once.
TEST(RfFsm, HotWaitsForTheBulkOfEveryDeclaredClient) {
  RfFsm fsm(1, false, 0, {messages::kClientConfigSync, messages::kClientRib, 4242});
  fsm.handle(rf::SessionUp{});
  fsm.handle(negotiated(Compatibility::kCompatible));
  for (uint16_t c : {messages::kClientConfigSync, messages::kClientRib}) {
    fsm.handle(rf::BulkBegan{c});
    fsm.handle(rf::BulkEnded{c});
  }
  fsm.handle(rf::BulkEnded{messages::kClientRib});  // a repeat does not stand in for 4242
  fsm.handle(rf::DigestVerified{});
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdBulk);
  fsm.handle(rf::BulkBegan{4242});
  fsm.handle(rf::BulkEnded{4242});
  fsm.handle(rf::DigestVerified{});
  EXPECT_EQ(fsm.state(), RfState::kStandbyHot);
}

TEST(RfState, NumbersAndNamesFollowIos) {
  EXPECT_EQ(rfStateName(*rfStateFromNumber(13)), "ACTIVE");
  EXPECT_EQ(rfStateName(*rfStateFromNumber(8)), "STANDBY HOT");
  EXPECT_EQ(rfStateName(*rfStateFromNumber(1)), "DISABLED");
  EXPECT_EQ(rfStateName(*rfStateFromNumber(7)), "STANDBY COLD-BULK");
  EXPECT_FALSE(rfStateFromNumber(0).has_value());
  EXPECT_FALSE(rfStateFromNumber(16).has_value());
  EXPECT_EQ(swactReasonName(SwactReason::kActiveUnitFailed), "active unit failed");
}

}  // namespace
}  // namespace hitless::redundancy
