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

RfEvent bulk(RfEvent::Kind kind, uint16_t client) {
  RfEvent e{kind};
  e.client = client;
  return e;
}

RfEvent negotiated(Compatibility level) {
  RfEvent e{RfEvent::kNegotiated};
  e.level = level;
  return e;
}

// Drives a standby through a complete, verified bulk sync.
void makeHot(RfFsm& fsm) {
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientConfigSync));
  fsm.handle(bulk(RfEvent::kBulkEnd, messages::kClientConfigSync));
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientRib));
  fsm.handle(bulk(RfEvent::kBulkEnd, messages::kClientRib));
  fsm.handle({RfEvent::kDigestVerified});
}

TEST(RfFsm, StandbyWalksTheIosStatesToHot) {
  RfFsm fsm(1, false, 0);
  EXPECT_EQ(fsm.state(), RfState::kInitialization);
  fsm.handle({RfEvent::kSessionUp});
  EXPECT_EQ(fsm.state(), RfState::kNegotiation);
  fsm.handle(negotiated(Compatibility::kCompatible));
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);
  EXPECT_EQ(fsm.mode(), Mode::kSso);
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientConfigSync));
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdConfig);
  fsm.handle(bulk(RfEvent::kBulkEnd, messages::kClientConfigSync));
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdFilesys);
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientRib));
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdBulk);
  fsm.handle(bulk(RfEvent::kBulkEnd, messages::kClientRib));
  EXPECT_EQ(fsm.state(), RfState::kStandbyColdBulk) << "no HOT before the digest check";
  fsm.handle({RfEvent::kDigestVerified});
  EXPECT_EQ(fsm.state(), RfState::kStandbyHot);
  EXPECT_EQ(rfStateName(fsm.state()), "STANDBY HOT");
}

TEST(RfFsm, DigestBeforeEveryBulkEndedDoesNotMakeHot) {
  RfFsm fsm(1, false, 0);
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientConfigSync));
  fsm.handle(bulk(RfEvent::kBulkEnd, messages::kClientConfigSync));
  fsm.handle({RfEvent::kDigestVerified});
  EXPECT_NE(fsm.state(), RfState::kStandbyHot);
}

TEST(RfFsm, IncompatiblePairRunsRprAndStaysCold) {
  RfFsm fsm(1, false, 0);
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kIncompatible));
  EXPECT_EQ(fsm.mode(), Mode::kRpr);
  fsm.handle(bulk(RfEvent::kBulkBegin, messages::kClientRib));
  fsm.handle({RfEvent::kDigestVerified});
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);

  RfFsm active(0, true, 0);
  active.handle({RfEvent::kSessionUp});
  active.handle(negotiated(Compatibility::kIncompatible));
  RfEvent peer{RfEvent::kPeerStatus};
  peer.peer_state = RfState::kStandbyCold;
  EXPECT_FALSE(has(active.handle(peer), RfAction::kStartBulk));
}

RfEvent peerIs(RfState s, uint64_t epoch = 0, uint8_t slot = 1) {
  RfEvent e{RfEvent::kPeerStatus};
  e.peer_state = s;
  e.epoch = epoch;
  e.peer_slot = slot;
  return e;
}

TEST(RfFsm, ActiveStartsBulkOnceThePeerSaysItIsStandby) {
  RfFsm fsm(0, true, 0);
  EXPECT_EQ(fsm.state(), RfState::kActive);
  fsm.handle({RfEvent::kSessionUp});
  EXPECT_FALSE(has(fsm.handle(negotiated(Compatibility::kBaseLevel)), RfAction::kStartBulk));
  EXPECT_EQ(fsm.mode(), Mode::kSsoBaseLevel);
  EXPECT_TRUE(has(fsm.handle(peerIs(RfState::kStandbyCold)), RfAction::kStartBulk));
  // Once per session, whatever the standby reports next.
  EXPECT_FALSE(has(fsm.handle(peerIs(RfState::kStandbyColdBulk)), RfAction::kStartBulk));
  fsm.handle({RfEvent::kSessionDown});
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(peerIs(RfState::kStandbyCold));  // status may arrive before our negotiation
  EXPECT_TRUE(has(fsm.handle(negotiated(Compatibility::kCompatible)), RfAction::kStartBulk));
}

TEST(RfFsm, AnActivePeerGetsNoBulk) {
  RfFsm fsm(0, true, 5);
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  EXPECT_FALSE(has(fsm.handle(peerIs(RfState::kActive, 3)), RfAction::kStartBulk));
}

TEST(RfFsm, HotStandbyTakesOverWarmWhenTheActiveDies) {
  RfFsm fsm(1, false, 4);
  makeHot(fsm);
  auto actions = fsm.handle({RfEvent::kSessionDown});
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
  cold.handle({RfEvent::kSessionUp});
  cold.handle(negotiated(Compatibility::kCompatible));
  cold.handle(bulk(RfEvent::kBulkBegin, messages::kClientRib));
  EXPECT_TRUE(has(cold.handle({RfEvent::kSessionDown}), RfAction::kTakeOverCold));

  RfFsm hot(1, false, 0);
  makeHot(hot);
  RfEvent reset{RfEvent::kSessionDown};
  reset.peer_alive = true;
  EXPECT_TRUE(hot.handle(reset).empty());
  EXPECT_EQ(hot.state(), RfState::kInitialization);
  EXPECT_EQ(hot.switchovers(), 0u);
}

TEST(RfFsm, DigestMismatchResyncs) {
  RfFsm fsm(1, false, 0);
  makeHot(fsm);
  EXPECT_TRUE(has(fsm.handle({RfEvent::kDigestMismatch}), RfAction::kResync));
  EXPECT_EQ(fsm.state(), RfState::kStandbyCold);
}

TEST(RfFsm, SplitBrainTheLowerEpochDemotes) {
  RfFsm fsm(0, true, 3);
  fsm.handle({RfEvent::kSessionUp});
  RfEvent peer{RfEvent::kPeerStatus};
  peer.peer_state = RfState::kActive;
  peer.peer_slot = 1;
  peer.epoch = 2;  // older: the peer must demote, not us
  EXPECT_TRUE(has(fsm.handle(peer), RfAction::kSendStatus));
  EXPECT_TRUE(fsm.isActive());
  peer.epoch = 4;
  auto actions = fsm.handle(peer);
  EXPECT_TRUE(has(actions, RfAction::kDemote));
  EXPECT_FALSE(fsm.isActive());
  EXPECT_EQ(fsm.epoch(), 4u);

  RfFsm tie(1, true, 7);  // same epoch: the higher slot gives way
  peer.epoch = 7;
  peer.peer_slot = 0;
  EXPECT_TRUE(has(tie.handle(peer), RfAction::kDemote));
}

TEST(RfFsm, ForceSwitchoverNeedsAHotPeer) {
  RfFsm fsm(0, true, 0);
  auto refused = fsm.handle({RfEvent::kSwitchoverCommand});
  EXPECT_TRUE(has(refused, RfAction::kRefuse));
  EXPECT_NE(fsm.refusal().find("peer is not STANDBY HOT"), std::string::npos);
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  RfEvent peer{RfEvent::kPeerStatus};
  peer.peer_state = RfState::kStandbyHot;
  fsm.handle(peer);
  EXPECT_TRUE(has(fsm.handle({RfEvent::kSwitchoverCommand}), RfAction::kHandOver));
  fsm.handle({RfEvent::kHandedOver});
  EXPECT_FALSE(fsm.isActive());

  RfFsm standby(1, false, 0);
  EXPECT_NE(standby.handle({RfEvent::kSwitchoverCommand}), std::vector<RfAction>{});
  EXPECT_EQ(standby.refusal(), "this RP is not active");
}

TEST(RfFsm, PlannedSwitchoverTakesTheAnnouncedEpoch) {
  RfFsm fsm(1, false, 2);
  makeHot(fsm);
  RfEvent ev{RfEvent::kSwitchoverReceived};
  ev.epoch = 3;
  ev.reason = SwactReason::kUserInitiated;
  EXPECT_TRUE(has(fsm.handle(ev), RfAction::kTakeOverWarm));
  EXPECT_EQ(fsm.epoch(), 3u);
  EXPECT_EQ(fsm.lastSwitchoverReason(), SwactReason::kUserInitiated);
}

// An active hands over to a standby that dies at that instant and comes back fresh: the RP that
// handed over still holds the whole state and takes activity back (warm) rather than waiting as
// a standby of a standby.
RfFsm handedOver() {
  RfFsm fsm(0, true, 4);
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  RfEvent hot{RfEvent::kPeerStatus};
  hot.peer_state = RfState::kStandbyHot;
  fsm.handle(hot);
  fsm.handle({RfEvent::kSwitchoverCommand});
  fsm.handle({RfEvent::kHandedOver});
  RfEvent down{RfEvent::kSessionDown};
  down.peer_alive = true;  // the handover itself closes the session
  fsm.handle(down);
  return fsm;
}

TEST(RfFsm, AHandoverToAPeerThatDiedIsTakenBack) {
  RfFsm fsm = handedOver();
  EXPECT_FALSE(fsm.isActive());
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  RfEvent fresh{RfEvent::kPeerStatus};
  fresh.peer_state = RfState::kStandbyCold;
  fresh.epoch = 0;
  auto actions = fsm.handle(fresh);
  EXPECT_TRUE(fsm.isActive());
  EXPECT_TRUE(has(actions, RfAction::kTakeOverWarm));
  EXPECT_TRUE(has(actions, RfAction::kStartBulk));  // the fresh peer becomes its standby
  EXPECT_GT(fsm.epoch(), 5u);                       // past the epoch it announced in the handover
}

TEST(RfFsm, AHandoverThatTookIsFollowedAsUsual) {
  RfFsm fsm = handedOver();
  fsm.handle({RfEvent::kSessionUp});
  fsm.handle(negotiated(Compatibility::kCompatible));
  RfEvent active{RfEvent::kPeerStatus};
  active.peer_state = RfState::kActive;
  active.epoch = 5;
  EXPECT_FALSE(has(fsm.handle(active), RfAction::kTakeOverWarm));
  EXPECT_FALSE(fsm.isActive());
  // Later the peer resets the session (it lives): this standby waits, never takes over.
  RfEvent down{RfEvent::kSessionDown};
  down.peer_alive = true;
  EXPECT_TRUE(fsm.handle(down).empty());
  EXPECT_FALSE(fsm.isActive());
}

TEST(RfFsm, AHandoverWhosePeerVanishesIsTakenBackWarm) {
  RfFsm fsm = handedOver();
  RfEvent gone{RfEvent::kSessionDown};
  gone.peer_alive = false;
  fsm.handle({RfEvent::kSessionUp});
  EXPECT_TRUE(has(fsm.handle(gone), RfAction::kTakeOverWarm));
  EXPECT_TRUE(fsm.isActive());
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
