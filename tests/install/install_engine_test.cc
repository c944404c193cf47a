// InstallEngine on a fake clock: every command's outcome, the one-at-a-time rule, failure and
// abort going back step by step, the auto-abort timer, the revert at startup, rollback points,
// and the record's JSON round trip at every moment of an operation.
#include "install/install_engine.h"

#include <gtest/gtest.h>

namespace hitless::install {
namespace {

using Kind = Effect::Kind;

class InstallEngineTest : public ::testing::Test {
 protected:
  InstallEngineTest() : engine_(InstallRecord{}, {"fwdd", "gnoid"}) {
    EXPECT_TRUE(engine_
                    .add({{"fwdd-1.0", {"fwdd", "1.0.0"}},
                          {"fwdd-1.1", {"fwdd", "1.1.0"}},
                          {"gnoid-1.0", {"gnoid", "1.0.0"}},
                          {"gnoid-1.1", {"gnoid", "1.1.0"}},
                          {"rpd-2.0", {"rpd", "2.0.0"}}},
                         now_)
                    .isOk());
    engine_.bootstrap("fwdd", "fwdd-1.0", now_);
    engine_.bootstrap("gnoid", "gnoid-1.0", now_);
    engine_.takeEffects();
  }

  // The kSwitch effects asked for since the last call, as "component package".
  std::vector<std::string> switches() {
    std::vector<std::string> out;
    for (const auto& e : engine_.takeEffects()) {
      if (e.kind == Kind::kSwitch) out.push_back(e.component + " " + e.package);
    }
    return out;
  }
  // Completes every switch asked for, successfully, until the operation ends.
  void completeSwitches() {
    for (int guard = 0; guard < 10 && engine_.runningId(); ++guard) {
      for (const auto& s : switches()) {
        engine_.switchDone(Status::ok(), s.substr(s.find(' ') + 1), now_);
      }
    }
    ASSERT_FALSE(engine_.runningId());
  }
  const Operation& op(uint64_t id) { return *engine_.record().find(id); }

  int64_t now_ = 1'700'000'000'000;
  InstallEngine engine_;
};

TEST_F(InstallEngineTest, ActivateRestartsTheComponentAndStaysUncommitted) {
  auto opened = engine_.activate({"fwdd-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk()) << opened.status().message();
  ASSERT_EQ(opened->notes.size(), 1u);
  EXPECT_NE(opened->notes[0].find("reverted when chassisd restarts"), std::string::npos);
  auto effects = engine_.takeEffects();
  ASSERT_EQ(effects.size(), 2u);
  EXPECT_EQ(effects[0].kind, Kind::kPersist);  // the step is recorded before it happens
  EXPECT_EQ(effects[1].kind, Kind::kSwitch);
  EXPECT_EQ(effects[1].package, "fwdd-1.1");
  EXPECT_EQ(engine_.runningId(), opened->id);

  engine_.switchDone(Status::ok(), "fwdd-1.1", now_ + 700);
  EXPECT_FALSE(engine_.runningId());
  EXPECT_EQ(op(opened->id).state, OperationState::kSucceeded);
  EXPECT_EQ(engine_.record().active.at("fwdd"), "fwdd-1.1");
  EXPECT_EQ(engine_.record().committed.at("fwdd"), "fwdd-1.0");
}

TEST_F(InstallEngineTest, ImpactReportNamesWhatChanges) {
  auto impact = engine_.impact({"fwdd-1.1", "gnoid-1.1"});
  ASSERT_TRUE(impact.isOk());
  ASSERT_EQ(impact->size(), 2u);
  EXPECT_EQ((*impact)[0].from_package, "fwdd-1.0");
  EXPECT_EQ((*impact)[0].from_version, "1.0.0");
  EXPECT_EQ((*impact)[1].info.component, "gnoid");
  EXPECT_TRUE(engine_.takeEffects().empty());  // --test changes nothing

  EXPECT_EQ(engine_.impact({"fwdd-1.0"}).status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(engine_.impact({"fwdd-9"}).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(engine_.impact({"fwdd-1.1", "fwdd-1.0"}).status().code(), StatusCode::kInvalidArgument);
  auto rpd = engine_.impact({"rpd-2.0"});
  EXPECT_EQ(rpd.status().code(), StatusCode::kUnimplemented);
  EXPECT_NE(rpd.status().message().find("fwdd, gnoid"), std::string::npos);
}

TEST_F(InstallEngineTest, SwitchesRunInOrderOneAtATime) {
  auto opened = engine_.activate({"gnoid-1.1", "fwdd-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.1"});
  engine_.switchDone(Status::ok(), "fwdd-1.1", now_);
  EXPECT_EQ(switches(), std::vector<std::string>{"gnoid gnoid-1.1"});
  engine_.switchDone(Status::ok(), "gnoid-1.1", now_);
  EXPECT_TRUE(switches().empty());
  EXPECT_EQ(op(opened->id).state, OperationState::kSucceeded);
}

TEST_F(InstallEngineTest, SecondOperationIsRefusedWithTheRunningId) {
  auto first = engine_.activate({"fwdd-1.1"}, 0, now_);
  ASSERT_TRUE(first.isOk());
  const std::string id = std::to_string(first->id);
  for (auto refused :
       {engine_.activate({"gnoid-1.1"}, 0, now_).status(), engine_.commit(now_).status(),
        engine_.rollback(std::nullopt, now_).status(), engine_.remove({}, now_).status(),
        engine_.add({{"x", {"fwdd", "1.2.0"}}}, now_).status()}) {
    EXPECT_EQ(refused.code(), StatusCode::kFailedPrecondition);
    EXPECT_NE(refused.message().find("operation " + id), std::string::npos) << refused.message();
  }
}

TEST_F(InstallEngineTest, FailedStepGoesBackAndEndsFailed) {
  auto opened = engine_.activate({"fwdd-1.1", "gnoid-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.1"});
  engine_.switchDone(Status::ok(), "fwdd-1.1", now_);
  EXPECT_EQ(switches(), std::vector<std::string>{"gnoid gnoid-1.1"});
  engine_.switchDone(Status::internal("did not answer in 20 s"), "gnoid-1.0", now_);
  // gnoid still runs 1.0; fwdd goes back.
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
  engine_.switchDone(Status::ok(), "fwdd-1.0", now_);
  const Operation& o = op(opened->id);
  EXPECT_EQ(o.state, OperationState::kFailed);
  EXPECT_EQ(o.error, "did not answer in 20 s");
  EXPECT_EQ(engine_.record().active, engine_.record().committed);
}

TEST_F(InstallEngineTest, AbortTurnsBackAfterTheStepInFlight) {
  auto opened = engine_.activate({"fwdd-1.1", "gnoid-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  switches();
  auto aborted = engine_.abort(now_);
  ASSERT_TRUE(aborted.isOk());
  EXPECT_EQ(aborted->id, opened->id);
  EXPECT_EQ(engine_.abort(now_).status().code(), StatusCode::kFailedPrecondition);
  engine_.switchDone(Status::ok(), "fwdd-1.1", now_);
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});  // gnoid never touched
  engine_.switchDone(Status::ok(), "fwdd-1.0", now_);
  EXPECT_EQ(op(opened->id).state, OperationState::kAborted);
  EXPECT_EQ(engine_.record().active.at("fwdd"), "fwdd-1.0");
}

TEST_F(InstallEngineTest, AbortWithoutRunningOperationRevertsTheUncommitted) {
  EXPECT_EQ(engine_.abort(now_).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 0, now_).isOk());
  completeSwitches();
  auto aborted = engine_.abort(now_);
  ASSERT_TRUE(aborted.isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
  engine_.switchDone(Status::ok(), "fwdd-1.0", now_);
  EXPECT_EQ(op(aborted->id).state, OperationState::kSucceeded);
}

TEST_F(InstallEngineTest, CommitMakesTheActiveSetSurvive) {
  EXPECT_EQ(engine_.commit(now_).status().code(), StatusCode::kFailedPrecondition);
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 0, now_).isOk());
  completeSwitches();
  auto committed = engine_.commit(now_);
  ASSERT_TRUE(committed.isOk());
  EXPECT_EQ(engine_.record().committed.at("fwdd"), "fwdd-1.1");
  engine_.takeEffects();
  engine_.startup({{"fwdd", "fwdd-1.1"}, {"gnoid", "gnoid-1.0"}}, now_);
  EXPECT_TRUE(switches().empty());  // nothing uncommitted to revert
}

TEST_F(InstallEngineTest, StartupRevertsTheUncommittedAndEndsACutOffOperation) {
  auto opened = engine_.activate({"fwdd-1.1", "gnoid-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  switches();
  engine_.switchDone(Status::ok(), "fwdd-1.1", now_);
  switches();
  // chassisd dies while gnoid restarts; the record on disk is what the engine holds.
  InstallEngine restarted(engine_.record(), {"fwdd", "gnoid"});
  restarted.startup({{"fwdd", "fwdd-1.1"}, {"gnoid", "gnoid-1.0"}}, now_ + 5000);
  EXPECT_EQ(restarted.record().find(opened->id)->state, OperationState::kAborted);
  auto revert = restarted.runningId();
  ASSERT_TRUE(revert);
  EXPECT_EQ(restarted.record().find(*revert)->kind, "revert");
  EXPECT_EQ(restarted.record().find(*revert)->trigger, "chassisd-start");
  std::vector<std::string> asked;
  for (const auto& e : restarted.takeEffects()) {
    if (e.kind == Kind::kSwitch) asked.push_back(e.component + " " + e.package);
  }
  EXPECT_EQ(asked, std::vector<std::string>{"fwdd fwdd-1.0"});
}

// An abort of an activation that had ended: chassisd dies while fwdd goes back, and its restart
// starts the committed fwdd. The abort is done, and says so: a record calling it cut off would
// claim fwdd-1.1 runs.
TEST_F(InstallEngineTest, StartupThatReachesACutOffOperationsTargetEndsItDone) {
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 0, now_).isOk());
  completeSwitches();
  auto aborted = engine_.abort(now_);
  ASSERT_TRUE(aborted.isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
  InstallEngine restarted(engine_.record(), {"fwdd", "gnoid"});
  restarted.startup({{"fwdd", "fwdd-1.0"}, {"gnoid", "gnoid-1.0"}}, now_ + 5000);
  const Operation& o = *restarted.record().find(aborted->id);
  EXPECT_EQ(o.state, OperationState::kSucceeded);
  EXPECT_EQ(o.target.at("fwdd"), "fwdd-1.0");
  EXPECT_FALSE(restarted.runningId());  // nothing left to revert
  EXPECT_EQ(restarted.record().active, restarted.record().committed);

  // The same abort, but the restart adopted fwdd-1.1 still running: cut off, then reverted.
  InstallEngine adopted(engine_.record(), {"fwdd", "gnoid"});
  adopted.startup({{"fwdd", "fwdd-1.1"}, {"gnoid", "gnoid-1.0"}}, now_ + 5000);
  EXPECT_EQ(adopted.record().find(aborted->id)->state, OperationState::kAborted);
  ASSERT_TRUE(adopted.runningId());
  EXPECT_EQ(adopted.record().find(*adopted.runningId())->kind, "revert");
}

// An abort whose second step failed was going back (fwdd to 1.1) when chassisd died; the
// restart starts the committed packages, the abort's target: done, whichever way it was going.
TEST_F(InstallEngineTest, StartupEndsAnOperationGoingBackByWhereItLeftThings) {
  ASSERT_TRUE(engine_.activate({"fwdd-1.1", "gnoid-1.1"}, 0, now_).isOk());
  completeSwitches();
  auto aborted = engine_.abort(now_);
  ASSERT_TRUE(aborted.isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
  engine_.switchDone(Status::ok(), "fwdd-1.0", now_);
  EXPECT_EQ(switches(), std::vector<std::string>{"gnoid gnoid-1.0"});
  engine_.switchDone(Status::internal("gnoid-1.0 did not answer"), "gnoid-1.1", now_);
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.1"});  // going back
  ASSERT_TRUE(op(aborted->id).reverting);
  InstallEngine restarted(engine_.record(), {"fwdd", "gnoid"});
  restarted.startup({{"fwdd", "fwdd-1.0"}, {"gnoid", "gnoid-1.0"}}, now_ + 5000);
  EXPECT_EQ(restarted.record().find(aborted->id)->state, OperationState::kSucceeded);
  EXPECT_FALSE(restarted.runningId());
}

TEST_F(InstallEngineTest, AutoAbortTimerRevertsByItself) {
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 60'000, now_).isOk());
  completeSwitches();
  engine_.tick(now_ + 59'999);
  EXPECT_FALSE(engine_.runningId());
  engine_.tick(now_ + 60'000);
  ASSERT_TRUE(engine_.runningId());
  EXPECT_EQ(op(*engine_.runningId()).trigger, "auto-abort");
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
}

TEST_F(InstallEngineTest, CommitStopsTheAutoAbortTimer) {
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 60'000, now_).isOk());
  completeSwitches();
  ASSERT_TRUE(engine_.commit(now_).isOk());
  engine_.tick(now_ + 120'000);
  EXPECT_FALSE(engine_.runningId());
  EXPECT_EQ(engine_.record().auto_abort_at_ms, 0);
}

TEST_F(InstallEngineTest, ActivateWithCommitCommitsOnlyOnceItSucceeded) {
  auto opened = engine_.activate({"fwdd-1.1"}, 0, now_, /*commit=*/true);
  ASSERT_TRUE(opened.isOk());
  EXPECT_TRUE(opened->notes.empty());  // nothing temporary about it
  EXPECT_EQ(engine_.record().committed.at("fwdd"), "fwdd-1.0");
  completeSwitches();
  EXPECT_EQ(engine_.record().committed.at("fwdd"), "fwdd-1.1");
  // A failed one commits nothing.
  ASSERT_TRUE(engine_.activate({"gnoid-1.1"}, 0, now_, /*commit=*/true).isOk());
  switches();
  engine_.switchDone(Status::internal("not ready"), "gnoid-1.0", now_);
  EXPECT_EQ(engine_.record().committed.at("gnoid"), "gnoid-1.0");
  EXPECT_EQ(engine_.record().active, engine_.record().committed);
}

// chassisd replaces itself: the switch is seen done when the new chassisd starts on the package.
class SelfSwitchTest : public ::testing::Test {
 protected:
  SelfSwitchTest() : engine_(InstallRecord{}, {"fwdd", "chassisd"}) {
    EXPECT_TRUE(
        engine_
            .add({{"fwdd-1.0", {"fwdd", "1.0.0"}}, {"chassisd-1.1", {"chassisd", "1.1.0"}}}, now_)
            .isOk());
    engine_.bootstrap("fwdd", "fwdd-1.0", now_);
    // chassisd runs from its installed binary: no package.
    engine_.startup({{"fwdd", "fwdd-1.0"}, {"chassisd", ""}}, now_);
    engine_.takeEffects();
  }
  // The engine a re-exec'd chassisd builds from the record on disk.
  InstallEngine restarted(const PackageSet& running) {
    InstallEngine next(engine_.record(), {"fwdd", "chassisd"});
    next.startup(running, now_ + 1000);
    return next;
  }
  std::vector<std::string> switches(InstallEngine& e) {
    std::vector<std::string> out;
    for (const auto& x : e.takeEffects()) {
      if (x.kind == Kind::kSwitch) out.push_back(x.component + " " + x.package);
    }
    return out;
  }

  int64_t now_ = 1'700'000'000'000;
  InstallEngine engine_;
};

TEST_F(SelfSwitchTest, TheNewChassisdFinishesTheActivation) {
  EXPECT_EQ(engine_.record().active.count("chassisd"), 0u);
  auto opened = engine_.activate({"chassisd-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  EXPECT_EQ(switches(engine_), std::vector<std::string>{"chassisd chassisd-1.1"});
  // exec: this engine is gone; the new chassisd runs the package and starts from the record.
  InstallEngine next = restarted({{"fwdd", "fwdd-1.0"}, {"chassisd", "chassisd-1.1"}});
  const Operation* op = next.record().find(opened->id);
  EXPECT_EQ(op->state, OperationState::kSucceeded);
  EXPECT_EQ(next.record().active.at("chassisd"), "chassisd-1.1");
  EXPECT_FALSE(next.runningId());  // no revert: this start was the activation itself
  EXPECT_TRUE(switches(next).empty());
}

TEST_F(SelfSwitchTest, AChassisdThatCameBackOnTheOldBinaryEndsTheActivationAndStaysThere) {
  auto opened = engine_.activate({"chassisd-1.1"}, 0, now_);
  ASSERT_TRUE(opened.isOk());
  switches(engine_);
  // The exec failed and systemd started the installed binary again.
  InstallEngine next = restarted({{"fwdd", "fwdd-1.0"}, {"chassisd", ""}});
  EXPECT_EQ(next.record().find(opened->id)->state, OperationState::kAborted);
  EXPECT_EQ(next.record().active.count("chassisd"), 0u);
  EXPECT_FALSE(next.runningId());  // nothing uncommitted left to revert
}

TEST_F(SelfSwitchTest, RollbackToCommittedGoesBackToTheInstalledBinary) {
  ASSERT_TRUE(engine_.activate({"chassisd-1.1"}, 0, now_).isOk());
  switches(engine_);
  InstallEngine next = restarted({{"fwdd", "fwdd-1.0"}, {"chassisd", "chassisd-1.1"}});
  ASSERT_TRUE(next.rollback(std::nullopt, now_).isOk());
  EXPECT_EQ(switches(next), std::vector<std::string>{"chassisd "});  // "": installed binary
  InstallEngine back(next.record(), {"fwdd", "chassisd"});
  back.startup({{"fwdd", "fwdd-1.0"}, {"chassisd", ""}}, now_ + 2000);
  EXPECT_EQ(back.record().active.count("chassisd"), 0u);
  EXPECT_FALSE(back.runningId());
  EXPECT_EQ(back.record().operations.back().state, OperationState::kSucceeded);
}

TEST_F(SelfSwitchTest, UncommittedChassisdIsRevertedWhenItRestartsOnThePackage) {
  ASSERT_TRUE(engine_.activate({"chassisd-1.1"}, 0, now_).isOk());
  switches(engine_);
  InstallEngine next = restarted({{"fwdd", "fwdd-1.0"}, {"chassisd", "chassisd-1.1"}});
  // Later it crashes and comes back on the package (a supervisor re-ran the same command line).
  InstallEngine again(next.record(), {"fwdd", "chassisd"});
  again.startup({{"fwdd", "fwdd-1.0"}, {"chassisd", "chassisd-1.1"}}, now_ + 5000);
  ASSERT_TRUE(again.runningId());
  EXPECT_EQ(again.record().find(*again.runningId())->kind, "revert");
  EXPECT_EQ(switches(again), std::vector<std::string>{"chassisd "});
}

TEST_F(InstallEngineTest, FollowRecordsWhatChangedOutsideInstallButNotDuringAnOperation) {
  engine_.follow("rpd", "rpd-2.0", now_);
  EXPECT_EQ(engine_.record().active.at("rpd"), "rpd-2.0");
  EXPECT_EQ(engine_.record().committed.at("rpd"), "rpd-2.0");
  EXPECT_EQ(engine_.record().operations.back().kind, "follow");
  const size_t ops = engine_.record().operations.size();
  engine_.follow("rpd", "rpd-2.0", now_);  // nothing new: no operation
  EXPECT_EQ(engine_.record().operations.size(), ops);
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 0, now_).isOk());
  engine_.follow("rpd", "rpd-3.0", now_);  // an operation runs: not now
  EXPECT_EQ(engine_.record().active.at("rpd"), "rpd-2.0");
}

TEST_F(InstallEngineTest, DeactivateReturnsToTheCommittedPackage) {
  auto committed = engine_.deactivate({"fwdd-1.0"}, now_);
  EXPECT_EQ(committed.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(committed.status().message().find("committed"), std::string::npos);
  EXPECT_FALSE(engine_.deactivate({"fwdd-1.1"}, now_).isOk());  // not active
  ASSERT_TRUE(engine_.activate({"fwdd-1.1"}, 0, now_).isOk());
  completeSwitches();
  ASSERT_TRUE(engine_.deactivate({"fwdd-1.1"}, now_).isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"fwdd fwdd-1.0"});
}

TEST_F(InstallEngineTest, RollbackToAPointAndToCommitted) {
  auto first = engine_.activate({"fwdd-1.1"}, 0, now_);
  ASSERT_TRUE(first.isOk());
  completeSwitches();
  ASSERT_TRUE(engine_.commit(now_).isOk());
  ASSERT_TRUE(engine_.activate({"gnoid-1.1"}, 0, now_).isOk());
  completeSwitches();

  EXPECT_EQ(engine_.rollback(uint64_t{999}, now_).status().code(), StatusCode::kNotFound);
  // The set operation `first` left: fwdd 1.1 and gnoid 1.0.
  ASSERT_TRUE(engine_.rollback(first->id, now_).isOk());
  EXPECT_EQ(switches(), std::vector<std::string>{"gnoid gnoid-1.0"});
  engine_.switchDone(Status::ok(), "gnoid-1.0", now_);
  EXPECT_EQ(engine_.rollback(std::nullopt, now_).status().code(),
            StatusCode::kFailedPrecondition);  // already at committed
}

TEST_F(InstallEngineTest, RemoveRefusesWhatRunsAndWarnsOfLostRollbackPoints) {
  auto first = engine_.activate({"fwdd-1.1"}, 0, now_);
  ASSERT_TRUE(first.isOk());
  completeSwitches();
  ASSERT_TRUE(engine_.rollback(std::nullopt, now_).isOk());
  completeSwitches();
  EXPECT_EQ(engine_.remove({"fwdd-1.0"}, now_).status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(engine_.remove({"nope"}, now_).status().code(), StatusCode::kNotFound);
  engine_.takeEffects();
  auto removed = engine_.remove({"fwdd-1.1"}, now_);
  ASSERT_TRUE(removed.isOk());
  ASSERT_EQ(removed->notes.size(), 1u);
  EXPECT_NE(removed->notes[0].find("rollback point " + std::to_string(first->id)),
            std::string::npos);
  auto effects = engine_.takeEffects();
  ASSERT_FALSE(effects.empty());
  EXPECT_EQ(effects[0].kind, Kind::kDeletePackages);
  EXPECT_EQ(effects[0].packages, std::vector<std::string>{"fwdd-1.1"});
  EXPECT_EQ(engine_.rollback(first->id, now_).status().code(), StatusCode::kFailedPrecondition);

  auto inactive = engine_.remove({}, now_);  // gnoid-1.1 and rpd-2.0
  ASSERT_TRUE(inactive.isOk());
  EXPECT_EQ(engine_.record().packages.size(), 2u);
  EXPECT_EQ(engine_.remove({}, now_).status().code(), StatusCode::kFailedPrecondition);
}

TEST_F(InstallEngineTest, RecordRoundTripsAtEveryMoment) {
  auto check = [&] {
    auto back = InstallRecord::fromJson(nlohmann::json::parse(engine_.record().toJson().dump()));
    ASSERT_TRUE(back.isOk()) << back.status().message();
    EXPECT_EQ(*back, engine_.record());
  };
  check();
  ASSERT_TRUE(engine_.activate({"fwdd-1.1", "gnoid-1.1"}, 60'000, now_).isOk());
  check();
  switches();
  ASSERT_TRUE(engine_.abort(now_).isOk());
  check();
  engine_.switchDone(Status::ok(), "fwdd-1.1", now_);  // the step that was in flight
  check();
  completeSwitches();
  check();
}

TEST(InstallRecordTest, RefusesGarbage) {
  EXPECT_FALSE(InstallRecord::fromJson(nlohmann::json::array()).isOk());
  EXPECT_FALSE(InstallRecord::fromJson({{"format", 1}}).isOk());
  EXPECT_EQ(InstallRecord::fromJson({{"format", 9}}).status().code(), StatusCode::kUnimplemented);
  auto j = InstallRecord{}.toJson();
  j["operations"] = {{{"id", 1}}};
  EXPECT_FALSE(InstallRecord::fromJson(j).isOk());
}

}  // namespace
}  // namespace hitless::install
