#include "chassis/issu_fsm.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hitless::chassis {
namespace {

// A simulated chassis: carries out the FSM's actions the way chassisd will, so the tests walk
// the procedure end to end with a fake clock.
struct Sim {
  SystemView sys;
  int64_t now_ms = 1'000'000;
  int persists = 0;
  std::vector<IssuAction> log;
  // A release Incompatible with every other: a pair with it on one side only runs RPR (its
  // standby stays cold, ready as it is).
  std::string major_release;

  // The standby came up (synced, or cold in RPR) beside the active.
  void standbyUp() {
    const bool rpr = sys.image[0] != sys.image[1] &&
                     (sys.image[0] == major_release || sys.image[1] == major_release);
    sys.standby_hot = !rpr;
    sys.standby_rpr = rpr;
  }

  Sim() {
    sys.active_slot = 0;
    sys.standby_hot = true;
    sys.image[0] = sys.image[1] = "1.0.0";
  }
  // The procedure ended, with slot 0 active and both RPs on `image`.
  void expectDoneOn(const IssuFsm& fsm, const char* image) {
    EXPECT_EQ(fsm.record().state, IssuState::kInit);
    EXPECT_EQ(sys.active_slot, 0);
    EXPECT_EQ(sys.image[0], image);
    EXPECT_EQ(sys.image[1], image);
  }
  // Clock ticks, one second apart, until the procedure stops moving; returns the (state, step)
  // it passed through after each tick that changed something.
  std::vector<std::string> tickUntilSettled(IssuFsm& fsm) {
    std::vector<std::string> seen;
    for (int i = 0; i < 10; ++i) {
      now_ms += 1000;
      IssuResult r = fsm.onTick(sys, now_ms);
      if (r.actions.empty()) break;
      run(fsm, r);
      seen.push_back(std::string(issuStateName(fsm.record().state)) + "/" +
                     fsm.record().toJson()["step"].get<std::string>());
    }
    return seen;
  }
  // Init -> loadversion -> runversion, with the given rollback timer (seconds; <0: default).
  void toRunVersion(IssuFsm& fsm, int64_t timer_s = -1) {
    if (timer_s >= 0) run(fsm, fsm.setRollbackTimer(timer_s));
    run(fsm, fsm.loadVersion("1.1.0", sys, now_ms));
    run(fsm, fsm.runVersion(sys, now_ms));
  }

  // Applies the actions and reports the RP events they cause, as real RPs would. A result that
  // changes the record must persist it before any reload or switchover; a recovery result
  // (`resumed`) only redoes what the persisted record already says.
  void run(IssuFsm& fsm, IssuResult r, bool resumed = false) {
    bool persisted_before_effect = true;
    bool saw_persist = false;
    for (const auto& a : r.actions) {
      log.push_back(a);
      if (a.kind == IssuAction::kPersist) {
        ++persists;
        saw_persist = true;
      }
      if ((a.kind == IssuAction::kReloadSlot || a.kind == IssuAction::kSwitchover) &&
          !saw_persist) {
        persisted_before_effect = false;
      }
    }
    if (!resumed) {
      EXPECT_TRUE(persisted_before_effect) << "an action took effect before the record was written";
    }
    for (const auto& a : r.actions) {
      if (a.kind == IssuAction::kReloadSlot) {
        sys.image[a.slot] = a.image;
        standbyUp();
        run(fsm, fsm.onStandbyReady(a.slot, a.image, sys));
      } else if (a.kind == IssuAction::kSwitchover) {
        sys.active_slot = 1 - sys.active_slot;
        sys.standby_hot = sys.standby_rpr = false;  // the old active resyncs as standby
        run(fsm, fsm.onSwitchoverDone(sys));
        standbyUp();
        run(fsm, fsm.onStandbyReady(1 - sys.active_slot, sys.image[1 - sys.active_slot], sys));
      }
    }
  }
};

TEST(IssuFsm, FullProcedureEndsInInitOnTheNewImage) {
  IssuFsm fsm;
  Sim sim;
  auto lv = fsm.loadVersion("1.1.0", sim.sys, sim.now_ms);
  EXPECT_EQ(lv.message, "%issu loadversion executed successfully, Standby is being reloaded");
  sim.run(fsm, lv);
  EXPECT_EQ(fsm.record().state, IssuState::kLoadVersion);
  EXPECT_EQ(fsm.record().step, IssuStep::kStandbyHot);
  EXPECT_EQ(sim.sys.image[1], "1.1.0");
  EXPECT_EQ(fsm.record().boot[1], "1.1.0");

  auto rv = fsm.runVersion(sim.sys, sim.now_ms);
  EXPECT_EQ(rv.message, "Initiating active RP failover");
  sim.run(fsm, rv);
  EXPECT_EQ(fsm.record().state, IssuState::kRunVersion);
  EXPECT_EQ(fsm.record().step, IssuStep::kRunning);
  EXPECT_EQ(sim.sys.active_slot, 1);
  EXPECT_EQ(fsm.rollbackRemainingSeconds(sim.now_ms), kDefaultRollbackSeconds);

  sim.run(fsm, fsm.acceptVersion());
  EXPECT_EQ(fsm.rollbackRemainingSeconds(sim.now_ms), std::nullopt);
  EXPECT_EQ(fsm.record().timer, RollbackTimerState::kCanceledByAccept);

  sim.run(fsm, fsm.commitVersion(sim.sys));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(fsm.record().original_image, "1.1.0");
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
  EXPECT_EQ(sim.sys.image[1], "1.1.0");
  EXPECT_EQ(fsm.record().boot[0], "1.1.0");
  EXPECT_EQ(fsm.record().last_operation, "commitversion");
}

TEST(IssuFsm, CommitWithoutAcceptAcceptsToo) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm);
  sim.run(fsm, fsm.commitVersion(sim.sys));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
}

TEST(IssuFsm, EveryCommandOutOfOrderIsRefusedAndChangesNothing) {
  IssuFsm fsm;
  Sim sim;
  struct Case {
    std::function<IssuResult()> cmd;
    std::string expect;
  };
  std::vector<Case> init_cases = {
      {[&] { return fsm.runVersion(sim.sys, sim.now_ms); },
       "% ISSU state is [ init ]; runversion is valid only in [ load version ]"},
      {[&] { return fsm.acceptVersion(); },
       "% ISSU state is [ init ]; acceptversion is valid only in [ run version ]"},
      {[&] { return fsm.commitVersion(sim.sys); },
       "% ISSU state is [ init ]; commitversion is valid only in [ run version ]"},
      {[&] { return fsm.abortVersion(sim.sys); }, "% No ISSU operation is in progress"},
      {[&] { return fsm.loadVersion("1.0.0", sim.sys, 0); }, "% 1.0.0 is the running image"},
      {[&] { return fsm.setRollbackTimer(7201); },
       "% Rollback timer must be 0-7200 seconds (0 disables it)"},
  };
  for (auto& c : init_cases) {
    IssuRecord before = fsm.record();
    auto r = c.cmd();
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.message, c.expect);
    EXPECT_TRUE(r.actions.empty());
    EXPECT_EQ(fsm.record(), before);
  }
  sim.sys.standby_hot = false;
  EXPECT_EQ(fsm.loadVersion("1.1.0", sim.sys, 0).message,
            "% Standby is not STANDBY HOT: loadversion needs a redundant system in SSO");
  sim.sys.standby_hot = true;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  EXPECT_EQ(fsm.setRollbackTimer(60).message,
            "% ISSU state should be [ init ] to set the rollback timer");
  EXPECT_EQ(fsm.loadVersion("1.2.0", sim.sys, 0).message,
            "% ISSU state is [ load version ]; loadversion is valid only in [ init ]");
}

TEST(IssuFsm, RollbackTimerIsSetOnlyInInit) {
  IssuFsm fsm;
  auto r = fsm.setRollbackTimer(3600);
  EXPECT_TRUE(r.accepted);
  EXPECT_EQ(r.message, "% Rollback timer value set to [ 3600 ] seconds");
  EXPECT_EQ(r.actions.front().kind, IssuAction::kPersist);
  EXPECT_EQ(fsm.record().rollback_timer_s, 3600);
}

TEST(IssuFsm, AbortAfterLoadVersionReloadsTheStandbyWithTheOriginal) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  auto r = fsm.abortVersion(sim.sys);
  EXPECT_NE(r.message.find("Standby is being reloaded with 1.0.0"), std::string::npos);
  sim.run(fsm, r);
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.image[0], "1.0.0");
  EXPECT_EQ(sim.sys.image[1], "1.0.0");
  EXPECT_EQ(sim.sys.active_slot, 0);
}

TEST(IssuFsm, AbortAfterRunOrAcceptSwitchesBackThenReloads) {
  for (bool accept : {false, true}) {
    IssuFsm fsm;
    Sim sim;
    sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
    sim.run(fsm, fsm.runVersion(sim.sys, sim.now_ms));
    if (accept) sim.run(fsm, fsm.acceptVersion());
    sim.run(fsm, fsm.abortVersion(sim.sys));
    SCOPED_TRACE(accept ? "after acceptversion" : "after runversion");
    sim.expectDoneOn(fsm, "1.0.0");
  }
}

TEST(IssuFsm, AbortIsRefusedOnceCommitStarted) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm);
  // Committed but not carried out: the old active is still reloading with the new image.
  EXPECT_TRUE(fsm.commitVersion(sim.sys).accepted);
  EXPECT_EQ(fsm.record().state, IssuState::kCommitVersion);
  EXPECT_EQ(fsm.abortVersion(sim.sys).message, "% abortversion is not allowed after commitversion");
}

TEST(IssuFsm, TimerExpiryWithAHotStandbyRollsBack) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm, 60);
  sim.now_ms += 59'000;
  EXPECT_TRUE(fsm.onTick(sim.sys, sim.now_ms).actions.empty());
  EXPECT_EQ(fsm.rollbackRemainingSeconds(sim.now_ms), 1);
  sim.now_ms += 1'000;
  sim.run(fsm, fsm.onTick(sim.sys, sim.now_ms));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(fsm.record().abort_reason, "rollback timer expired");
  EXPECT_EQ(sim.sys.image[sim.sys.active_slot], "1.0.0");
}

TEST(IssuFsm, ColdStandbyExtendsTheTimerFifteenTimesThenAborts) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm, 10);
  sim.sys.standby_hot = false;
  sim.now_ms += 10'000;
  for (int i = 1; i <= kMaxRollbackExtensions; ++i) {
    auto r = fsm.onTick(sim.sys, sim.now_ms);
    ASSERT_EQ(fsm.record().extensions, i);
    ASSERT_EQ(r.actions.back().kind, IssuAction::kWarn);
    EXPECT_NE(r.actions.back().text.find("(" + std::to_string(i) + " of 15)"), std::string::npos);
    EXPECT_TRUE(fsm.onTick(sim.sys, sim.now_ms + 59'000).actions.empty());
    sim.now_ms += 60'000;
  }
  auto last = fsm.onTick(sim.sys, sim.now_ms);
  EXPECT_EQ(fsm.record().state, IssuState::kSystemReset);
  EXPECT_EQ(fsm.record().abort_reason, "rollback timer expired");
  EXPECT_EQ(last.actions[1].kind, IssuAction::kWarn);  // aborting with a cold standby
}

TEST(IssuFsm, StandbyBecomingHotDuringTheExtensionAborts) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm, 10);
  sim.sys.standby_hot = false;
  sim.now_ms += 10'000;
  fsm.onTick(sim.sys, sim.now_ms);
  ASSERT_EQ(fsm.record().extensions, 1);
  sim.sys.standby_hot = true;
  sim.run(fsm, fsm.onTick(sim.sys, sim.now_ms + 1'000));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_NE(fsm.record().abort_reason.find("during the extension"), std::string::npos);
}

TEST(IssuFsm, ZeroDisablesTheRollbackTimer) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm, 0);
  EXPECT_EQ(fsm.record().timer, RollbackTimerState::kInactive);
  EXPECT_TRUE(fsm.onTick(sim.sys, sim.now_ms + 86'400'000).actions.empty());
  EXPECT_EQ(fsm.record().state, IssuState::kRunVersion);
}

// Crash the chassis manager right after the record of each command is persisted (the reload or
// switchover it enables never ran), restart from a JSON copy of the record, recover: the
// procedure always ends in Init with both RPs on one version.
TEST(IssuFsm, RecoveryAfterACrashAtEachCommandEndsOnOneVersion) {
  for (int crash_at = 1; crash_at <= 3; ++crash_at) {
    for (bool abort_instead : {false, true}) {
      IssuFsm fsm;
      Sim sim;
      std::vector<std::function<IssuResult()>> steps = {
          [&] { return fsm.loadVersion("1.1.0", sim.sys, sim.now_ms); },
          [&] { return fsm.runVersion(sim.sys, sim.now_ms); },
          [&] { return abort_instead ? fsm.abortVersion(sim.sys) : fsm.commitVersion(sim.sys); },
      };
      int persisted = 0;
      bool crashed = false;
      for (auto& step : steps) {
        IssuResult r = step();
        if (persisted + 1 == crash_at && !r.actions.empty()) {
          // The record is on disk; nothing after it happened. Restart from a JSON copy.
          auto back = IssuRecord::fromJson(nlohmann::json::parse(fsm.record().toJson().dump()));
          ASSERT_TRUE(back.isOk());
          IssuFsm restarted(*back);
          sim.run(restarted, restarted.recover(sim.sys), /*resumed=*/true);
          fsm = restarted;
          crashed = true;
          break;
        }
        persisted += r.actions.empty() ? 0 : 1;
        sim.run(fsm, r);
      }
      if (!crashed) continue;
      // Finish whatever the operator would do next.
      if (fsm.record().state == IssuState::kLoadVersion) sim.run(fsm, fsm.abortVersion(sim.sys));
      if (fsm.record().state == IssuState::kRunVersion) sim.run(fsm, fsm.commitVersion(sim.sys));
      EXPECT_EQ(fsm.record().state, IssuState::kInit) << crash_at << " " << abort_instead;
      EXPECT_EQ(sim.sys.image[0], sim.sys.image[1]) << crash_at << " " << abort_instead;
      EXPECT_EQ(sim.sys.image[sim.sys.active_slot], fsm.record().original_image);
    }
  }
}

// Both copies of the state file lost mid-procedure: the rebuilt record keeps what the active runs
// and the standby is reloaded to match — one version, no switchover.
TEST(IssuFsm, ALostRecordIsRebuiltFromTheActiveAndTheStandbyMatched) {
  Sim sim;
  sim.sys.active_slot = 1;
  sim.sys.image[1] = "1.1.0";
  IssuFsm fsm(IssuFsm::rebuild(sim.sys));
  EXPECT_EQ(fsm.record().boot[0], "1.1.0");
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  auto r = fsm.recover(sim.sys);
  ASSERT_EQ(r.actions.size(), 1u);
  EXPECT_EQ(r.actions[0].kind, IssuAction::kReloadSlot);
  EXPECT_EQ(r.actions[0].slot, 0);
  EXPECT_EQ(r.actions[0].image, "1.1.0");
  sim.run(fsm, r, true);
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
  EXPECT_TRUE(fsm.recover(sim.sys).actions.empty());
}

TEST(IssuRecord, JsonRoundTripAndTornFilesAreRefused) {
  IssuRecord r;
  r.state = IssuState::kRunVersion;
  r.step = IssuStep::kRunning;
  r.original_image = "1.0.0";
  r.target_image = "1.1.0";
  r.boot[0] = "1.0.0";
  r.boot[1] = "1.1.0";
  r.timer = RollbackTimerState::kRunning;
  r.rollback_deadline_ms = 123456789;
  r.extensions = 3;
  r.last_operation = "runversion";
  r.changeversion = ChangeVersionMode::kQuick;
  r.changeversion_deadline_ms = 987654321;
  r.switchover_deadline_ms = 123123123;
  auto back = IssuRecord::fromJson(nlohmann::json::parse(r.toJson().dump()));
  ASSERT_TRUE(back.isOk()) << back.status().toString();
  EXPECT_EQ(*back, r);
  auto j = r.toJson();
  j.erase("step");
  EXPECT_EQ(IssuRecord::fromJson(j).status().code(), StatusCode::kCorruption);
  j = r.toJson();
  j["state"] = "Warp Speed";
  EXPECT_FALSE(IssuRecord::fromJson(j).isOk());
  j = r.toJson();
  j["extensions"] = 99;
  EXPECT_FALSE(IssuRecord::fromJson(j).isOk());
  EXPECT_FALSE(IssuRecord::fromJson(nlohmann::json::array()).isOk());
  j = r.toJson();
  j["changeversion"] = "reckless";
  EXPECT_FALSE(IssuRecord::fromJson(j).isOk());
  // A record from before changeversion existed reads as no changeversion.
  j = r.toJson();
  j.erase("changeversion");
  j.erase("changeversion_deadline_ms");
  ASSERT_TRUE(IssuRecord::fromJson(j).isOk());
  EXPECT_EQ(IssuRecord::fromJson(j)->changeversion, ChangeVersionMode::kNone);
}

// The active (original image) dies after loadversion: the standby on the new image takes over.
// Automatic recovery returns the system to where it started: the failed RP comes back on the
// original image, the system switches back to it, the other RP reloads with the original image.
TEST(IssuFsm, ActiveFailureDuringLoadVersionRollsBackToTheOriginalImage) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  ASSERT_EQ(fsm.record().step, IssuStep::kStandbyHot);

  sim.sys.active_slot = 1;  // slot 0 died; slot 1 (1.1.0) took over
  sim.sys.standby_hot = false;
  auto r = fsm.onSwitchoverDone(sim.sys);
  EXPECT_NE(r.message.find("UNPLANNED_SWITCHOVER"), std::string::npos) << r.message;
  sim.run(fsm, r);
  EXPECT_EQ(fsm.record().state, IssuState::kSystemReset);
  EXPECT_EQ(fsm.record().step, IssuStep::kPeerSyncing);
  EXPECT_EQ(fsm.record().boot[0], "1.0.0");
  EXPECT_EQ(fsm.record().boot[1], "1.0.0") << "every restart from now on is on the original image";
  EXPECT_EQ(fsm.record().abort_reason, "unplanned switchover during Load Version");

  // The failed slot restarts (chassisd's crash restart, from its boot variable) and gets hot.
  sim.sys.image[0] = fsm.record().boot[0];
  sim.sys.standby_hot = true;
  sim.run(fsm, fsm.onStandbyReady(0, sim.sys.image[0], sim.sys));
  sim.expectDoneOn(fsm, "1.0.0");
}

// After runversion the new active (1.1.0) dies: the RP still on the original image takes over,
// and the failed one is reloaded with the original image.
TEST(IssuFsm, NewActiveFailureDuringRunVersionRollsBack) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm);
  ASSERT_EQ(fsm.record().state, IssuState::kRunVersion);
  ASSERT_EQ(sim.sys.active_slot, 1);

  sim.sys.active_slot = 0;  // slot 1 (1.1.0) died
  sim.sys.standby_hot = false;
  sim.run(fsm, fsm.onSwitchoverDone(sim.sys));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(fsm.record().timer, RollbackTimerState::kInactive);
  EXPECT_EQ(fsm.record().abort_reason, "unplanned switchover during Run Version");
  EXPECT_EQ(sim.sys.image[1], "1.0.0");
  EXPECT_EQ(fsm.record().boot[1], "1.0.0");
}

// The chassis manager also reports roles it merely rediscovered (after its own restart): a
// switchover report that matches where the procedure put the active is not a failure.
TEST(IssuFsm, ARediscoveredActiveInItsPlannedPlaceIsNotAFailure) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  EXPECT_TRUE(fsm.onSwitchoverDone(sim.sys).actions.empty());  // slot 0 active: as planned
  EXPECT_EQ(fsm.record().state, IssuState::kLoadVersion);
  sim.run(fsm, fsm.runVersion(sim.sys, sim.now_ms));
  ASSERT_EQ(sim.sys.active_slot, 1);
  EXPECT_TRUE(fsm.onSwitchoverDone(sim.sys).actions.empty());  // slot 1 active: as planned
  EXPECT_EQ(fsm.record().state, IssuState::kRunVersion);
}

// A chassis-manager restart while the recovery waits for the original RP: it resumes.
TEST(IssuFsm, RecoveryWaitingForTheOriginalRpResumesAfterARestart) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  sim.sys.active_slot = 1;
  sim.sys.standby_hot = false;
  sim.run(fsm, fsm.onSwitchoverDone(sim.sys));
  IssuFsm restarted(fsm.record());
  EXPECT_TRUE(restarted.recover(sim.sys).actions.empty()) << "nothing to do until it is hot";
  sim.sys.image[0] = "1.0.0";
  sim.sys.standby_hot = true;
  sim.run(restarted, restarted.recover(sim.sys), /*resumed=*/true);
  EXPECT_EQ(restarted.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.active_slot, 0);
}

// The switchover runversion asked never happened (the active took activity back from a standby
// that died during the handover): after the timeout the procedure aborts instead of waiting.
TEST(IssuFsm, ARunVersionWhoseSwitchoverNeverHappensAborts) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.loadVersion("1.1.0", sim.sys, sim.now_ms));
  auto rv = fsm.runVersion(sim.sys, sim.now_ms);  // not run: the switchover is lost
  ASSERT_TRUE(rv.accepted);
  EXPECT_TRUE(fsm.onTick(sim.sys, sim.now_ms + kSwitchoverTimeoutMs - 1).actions.empty());
  sim.run(fsm, fsm.onTick(sim.sys, sim.now_ms + kSwitchoverTimeoutMs));
  EXPECT_EQ(fsm.record().abort_reason, "runversion: the switchover did not happen within 20 s");
  sim.expectDoneOn(fsm, "1.0.0");
}

// Commit Version with a stale view: the old active's reload was refused because it had just
// taken over from the new active, which died. The procedure still ends with both RPs on the
// target: wait for the restarted RP (on the target) to be hot, switch over to it, reload the
// other.
TEST(IssuFsm, CommitConvergesAfterTheNewActiveDiesDuringIt) {
  IssuFsm fsm;
  Sim sim;
  sim.toRunVersion(fsm);
  auto commit = fsm.commitVersion(sim.sys);  // reload(0) refused: slot 0 is active now
  ASSERT_TRUE(commit.accepted);
  sim.sys.active_slot = 0;     // slot 0 (1.0.0) took over
  sim.sys.image[1] = "1.1.0";  // slot 1 restarts on its boot image
  sim.sys.standby_hot = false;
  auto r = fsm.onSwitchoverDone(sim.sys);
  EXPECT_EQ(fsm.record().step, IssuStep::kPeerSyncing);
  sim.run(fsm, r, true);
  sim.sys.standby_hot = true;
  sim.run(fsm, fsm.onStandbyReady(1, "1.1.0", sim.sys), true);  // switch over, reload slot 0
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
  EXPECT_EQ(sim.sys.image[1], "1.1.0");
  EXPECT_EQ(fsm.record().boot[0], "1.1.0");
}

// changeversion: loadversion, then runversion and commitversion on their own as each step's
// precondition (a hot standby) is met; the old active resyncs on the old image in between.
TEST(IssuFsm, ChangeVersionRunsTheFourStepsByItself) {
  IssuFsm fsm;
  Sim sim;
  auto cv = fsm.changeVersion("1.1.0", ChangeVersionMode::kFull, sim.sys, sim.now_ms);
  EXPECT_EQ(cv.message,
            "%issu changeversion: loadversion executed, Standby is being reloaded with 1.1.0");
  sim.run(fsm, cv);
  EXPECT_EQ(fsm.record().step, IssuStep::kStandbyHot);
  EXPECT_EQ(sim.tickUntilSettled(fsm),
            (std::vector<std::string>{"Run Version/running", "Init/idle"}));
  EXPECT_EQ(sim.sys.active_slot, 1);
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
  EXPECT_EQ(sim.sys.image[1], "1.1.0");
  EXPECT_EQ(fsm.record().boot[0], "1.1.0");
  EXPECT_EQ(fsm.record().last_operation, "changeversion");
  EXPECT_EQ(fsm.record().changeversion, ChangeVersionMode::kNone);
  EXPECT_TRUE(fsm.record().abort_reason.empty());
}

// quick: the old active reloads with the new image straight after the switchover (no resync on
// the old image, so Run Version is never seen running).
TEST(IssuFsm, ChangeVersionQuickMergesRunAndCommit) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.changeVersion("1.1.0", ChangeVersionMode::kQuick, sim.sys, sim.now_ms));
  EXPECT_EQ(sim.tickUntilSettled(fsm), (std::vector<std::string>{"Init/idle"}));
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
  EXPECT_EQ(sim.sys.image[1], "1.1.0");
  int reloads_of_old_active = 0;
  for (const auto& a : sim.log) {
    if (a.kind == IssuAction::kReloadSlot && a.slot == 0) ++reloads_of_old_active;
  }
  EXPECT_EQ(reloads_of_old_active, 1);
}

// The standby never becomes hot on the new image: changeversion stops with a reason and goes
// back to the original image, instead of waiting for ever.
TEST(IssuFsm, ChangeVersionStopsAtTheFirstFailure) {
  IssuFsm fsm;
  Sim sim;
  auto cv = fsm.changeVersion("1.1.0", ChangeVersionMode::kFull, sim.sys, sim.now_ms);
  ASSERT_TRUE(cv.accepted);  // not run: the reloaded standby never becomes hot
  sim.sys.image[1] = "1.1.0";
  sim.sys.standby_hot = false;
  EXPECT_TRUE(fsm.onTick(sim.sys, sim.now_ms + kChangeVersionLoadTimeoutMs - 1).actions.empty());
  auto stop = fsm.onTick(sim.sys, sim.now_ms + kChangeVersionLoadTimeoutMs);
  EXPECT_EQ(fsm.record().abort_reason,
            "changeversion: the standby did not reach STANDBY HOT on 1.1.0 within 600 s");
  sim.run(fsm, stop);
  sim.expectDoneOn(fsm, "1.0.0");
}

TEST(IssuFsm, AbortStopsAChangeVersion) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.changeVersion("1.1.0", ChangeVersionMode::kFull, sim.sys, sim.now_ms));
  sim.run(fsm, fsm.abortVersion(sim.sys));
  EXPECT_TRUE(sim.tickUntilSettled(fsm).empty());
  sim.expectDoneOn(fsm, "1.0.0");
  EXPECT_EQ(fsm.changeVersion("1.1.0", ChangeVersionMode::kQuick, sim.sys, sim.now_ms).accepted,
            true);
  EXPECT_FALSE(fsm.changeVersion("1.1.0", ChangeVersionMode::kQuick, sim.sys, sim.now_ms).accepted);
}

// chassisd crashed with a quick changeversion's switchover under way: recovery sees the new
// image active and carries on with the merged commit.
TEST(IssuFsm, RecoveryResumesAQuickChangeVersionAfterTheSwitchover) {
  IssuFsm fsm;
  Sim sim;
  sim.run(fsm, fsm.changeVersion("1.1.0", ChangeVersionMode::kQuick, sim.sys, sim.now_ms));
  fsm.onTick(sim.sys, sim.now_ms);  // runversion recorded; the switchover happens, then a crash
  ASSERT_EQ(fsm.record().step, IssuStep::kSwitchingOver);
  IssuFsm restarted(fsm.record());
  sim.sys.active_slot = 1;
  sim.run(restarted, restarted.recover(sim.sys), true);
  EXPECT_EQ(restarted.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.image[0], "1.1.0");
}

// A major release (Incompatible with 1.0): the standby never becomes hot, it is ready cold in
// RPR; runversion and an abort switch over cold, and commitversion ends in SSO on the new image.
TEST(IssuFsm, AnIncompatibleReleaseRunsThroughRprAndCommitsToSso) {
  IssuFsm fsm;
  Sim sim;
  sim.major_release = "2.0.0";
  auto lv = fsm.loadVersion("2.0.0", sim.sys, sim.now_ms);
  sim.run(fsm, lv);
  EXPECT_EQ(fsm.record().step, IssuStep::kStandbyHot);
  EXPECT_TRUE(sim.sys.standby_rpr);
  EXPECT_FALSE(sim.sys.standby_hot);

  auto rv = fsm.runVersion(sim.sys, sim.now_ms);
  EXPECT_NE(rv.message.find("cold switchover (RPR)"), std::string::npos) << rv.message;
  sim.run(fsm, rv);
  EXPECT_EQ(fsm.record().state, IssuState::kRunVersion);
  EXPECT_EQ(fsm.record().step, IssuStep::kRunning);  // the old active is an RPR standby
  EXPECT_EQ(sim.sys.active_slot, 1);
  EXPECT_TRUE(sim.sys.standby_rpr);

  sim.run(fsm, fsm.commitVersion(sim.sys));
  EXPECT_EQ(fsm.record().state, IssuState::kInit);
  EXPECT_EQ(sim.sys.image[0], "2.0.0");
  EXPECT_EQ(sim.sys.image[1], "2.0.0");
  EXPECT_TRUE(sim.sys.standby_hot);
}

TEST(IssuFsm, AbortOfAnIncompatibleReleaseSwitchesBackColdAndWarnsSo) {
  IssuFsm fsm;
  Sim sim;
  sim.major_release = "2.0.0";
  sim.run(fsm, fsm.loadVersion("2.0.0", sim.sys, sim.now_ms));
  sim.run(fsm, fsm.runVersion(sim.sys, sim.now_ms));
  auto abort = fsm.abortVersion(sim.sys);
  ASSERT_TRUE(abort.accepted);
  bool warned = false;
  for (const auto& a : abort.actions) {
    warned = warned ||
             (a.kind == IssuAction::kWarn &&
              a.text.find("runs RPR; switching back is a cold switchover") != std::string::npos);
  }
  EXPECT_TRUE(warned);
  sim.run(fsm, abort);
  sim.expectDoneOn(fsm, "1.0.0");
  EXPECT_TRUE(sim.sys.standby_hot);
}

TEST(IssuFsm, ChangeVersionAndTheRollbackTimerTreatAnRprStandbyAsReady) {
  {
    IssuFsm fsm;
    Sim sim;
    sim.major_release = "2.0.0";
    sim.run(fsm, fsm.changeVersion("2.0.0", ChangeVersionMode::kFull, sim.sys, sim.now_ms));
    sim.tickUntilSettled(fsm);
    EXPECT_EQ(fsm.record().state, IssuState::kInit);
    EXPECT_EQ(sim.sys.image[0], "2.0.0");
    EXPECT_EQ(sim.sys.image[1], "2.0.0");
  }
  {
    IssuFsm fsm;
    Sim sim;
    sim.major_release = "2.0.0";
    sim.run(fsm, fsm.setRollbackTimer(60));
    sim.run(fsm, fsm.loadVersion("2.0.0", sim.sys, sim.now_ms));
    sim.run(fsm, fsm.runVersion(sim.sys, sim.now_ms));
    sim.now_ms += 61 * 1000;
    auto r = fsm.onTick(sim.sys, sim.now_ms);
    EXPECT_EQ(fsm.record().abort_reason, "rollback timer expired");  // not extended: it is ready
    sim.run(fsm, r);
    sim.expectDoneOn(fsm, "1.0.0");
  }
}

}  // namespace
}  // namespace hitless::chassis
