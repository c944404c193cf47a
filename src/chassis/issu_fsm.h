// IssuFsm: the ISSU procedure of one chassis as a plain state machine (STYLE.md #11) —
// loadversion -> runversion -> (acceptversion) -> commitversion, abortversion, and the rollback
// timer — fed operator commands, RP events and clock ticks, returning the actions the chassis
// manager must carry out. It does no I/O and reads no clock.
//
// Crash consistency: every change of the persisted IssuRecord comes with a kPersist action that
// is listed *before* the action it enables (reload, switchover), so the chassis manager writes
// the record (tmp + fsync + rename) before anything takes effect. recover() turns a record read
// back after a crash into the actions that finish the step in progress or roll it back, so a
// crash at any point resumes or rolls back — never leaves half a procedure.
//
// States follow the IOS ISSU states (RFIssuStateRev1): Init, Load Version, Run Version,
// Commit Version, and System Reset while an abort is rolling back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/status.h"

namespace hitless::chassis {

enum class IssuState { kInit, kLoadVersion, kRunVersion, kCommitVersion, kSystemReset };
std::string_view issuStateName(IssuState s);  // "Init", "Load Version", ...
// The refusal of an operation in the wrong state, in the IOS wording:
// "% ISSU state is [ run version ]; loadversion is valid only in [ init ]".
std::string wrongStateMessage(IssuState s, std::string_view operation, std::string_view valid_in);

// Where a state's work stands; persisted so recovery knows what to redo.
enum class IssuStep {
  kIdle,
  kStandbyReloading,  // a slot is reloading with a new boot image
  kStandbyHot,        // that slot is ready: STANDBY HOT, or STANDBY COLD in RPR
  kSwitchingOver,     // a planned switchover is under way
  kPeerSyncing,       // switched over; the old active resyncs as standby on its old image
  kRunning,           // both RPs up in SSO, new image active
};

enum class RollbackTimerState { kInactive, kRunning, kCanceledByAccept };

// `issu changeversion IMAGE [quick]`: the FSM runs the four steps by itself. kQuick merges
// runversion and commitversion: the old active reloads with the new image right after the
// switchover instead of first resyncing on the old one.
enum class ChangeVersionMode { kNone, kFull, kQuick };

inline constexpr int64_t kDefaultRollbackSeconds = 45 * 60;
inline constexpr int64_t kMaxRollbackSeconds = 7200;
inline constexpr int kMaxRollbackExtensions = 15;
// changeversion gives up (aborts) when the standby is not STANDBY HOT on the new image this long
// after it started reloading.
inline constexpr int64_t kChangeVersionLoadTimeoutMs = 10 * 60 * 1000;
// runversion aborts when the switchover it asked has not happened this long after (the standby
// it handed over to died at that instant and the active took activity back, for example).
inline constexpr int64_t kSwitchoverTimeoutMs = 20 * 1000;

// The persisted ISSU state (docs/state-file.md). Plain data.
struct IssuRecord {
  IssuState state = IssuState::kInit;
  IssuStep step = IssuStep::kIdle;
  std::string original_image;    // the image the chassis ran at Init
  std::string target_image;      // the image being installed ("" in Init)
  int original_active_slot = 0;  // active at loadversion
  int reloading_slot = -1;       // the slot a reload was asked of
  std::string boot[2];           // boot variable per slot: the image it boots
  int64_t rollback_timer_s = kDefaultRollbackSeconds;
  RollbackTimerState timer = RollbackTimerState::kInactive;
  int64_t rollback_deadline_ms = 0;  // wall clock
  int extensions = 0;
  std::string
      last_operation;  // loadversion, runversion, acceptversion, commitversion, abortversion
  std::string abort_reason;
  ChangeVersionMode changeversion = ChangeVersionMode::kNone;
  int64_t changeversion_deadline_ms = 0;  // wall clock; see kChangeVersionLoadTimeoutMs
  int64_t switchover_deadline_ms = 0;     // wall clock; see kSwitchoverTimeoutMs

  nlohmann::json toJson() const;
  static Result<IssuRecord> fromJson(const nlohmann::json& j);
  bool operator==(const IssuRecord&) const = default;
};

// What the chassis manager knows about the RPs right now.
struct SystemView {
  int active_slot = 0;
  bool standby_hot = false;  // the peer of the active is STANDBY HOT
  // ... or STANDBY COLD in RPR: the pair is Incompatible (a major release), so it never becomes
  // hot; it is ready as it is, and a switchover to it is cold (NSF, BGP graceful restart).
  bool standby_rpr = false;
  std::string image[2];  // the image each slot runs
};

struct IssuAction {
  enum Kind {
    kPersist,     // write record() before the next action
    kReloadSlot,  // restart `slot` from `image`
    kSwitchover,  // planned switchover to the standby
    kWarn,        // operator-visible log line `text`
  };
  Kind kind;
  int slot = -1;
  std::string image;
  std::string text;
};

struct IssuResult {
  bool accepted = true;
  std::string message;  // the one-line answer an operator sees
  std::vector<IssuAction> actions;
};

class IssuFsm {
 public:
  explicit IssuFsm(IssuRecord record = {}) : r_(std::move(record)) {}

  const IssuRecord& record() const { return r_; }

  IssuResult loadVersion(const std::string& image, const SystemView& sys, int64_t now_ms);
  IssuResult runVersion(const SystemView& sys, int64_t now_ms);
  // runversion, then commitversion by itself once the old active is hot again (gNOI Activate
  // on the active RP: gNOI has no accept step). Abort and the rollback timer work as usual.
  IssuResult runVersionAndCommit(const SystemView& sys, int64_t now_ms);
  IssuResult acceptVersion();
  IssuResult commitVersion(const SystemView& sys);
  IssuResult abortVersion(const SystemView& sys, const std::string& reason = "operator");
  IssuResult setRollbackTimer(int64_t seconds);
  // loadversion, then (driven by onTick) runversion once the standby is hot and commitversion
  // once the peer is hot again (kQuick: right after the switchover). Stops at the first failure
  // with an abort whose reason says which step failed.
  IssuResult changeVersion(const std::string& image, ChangeVersionMode mode, const SystemView& sys,
                           int64_t now_ms);

  // RP events. The standby `slot` is ready (SystemView: hot, or cold in RPR).
  IssuResult onStandbyReady(int slot, const std::string& image, const SystemView& sys);
  // A switchover the procedure did not ask for (the active failed during Load Version or Run
  // Version) starts an automatic abort back to the original image.
  IssuResult onSwitchoverDone(const SystemView& sys);
  // Clock: each concern of passing time in turn (tickSteps in the .cc) — a changeversion moving
  // on, Commit Version / System Reset converging, the switchover deadline, a reload asked again,
  // the rollback timer (expiry aborts; extends by 1 min while the standby is not hot). The first
  // that acts decides the tick.
  IssuResult onTick(const SystemView& sys, int64_t now_ms);

  // After a restart of the chassis manager: the actions that finish or roll back the step the
  // persisted record was in.
  IssuResult recover(const SystemView& sys);

  // A record for a chassis whose ISSU state was lost: Init, both slots booting what the active
  // runs (recover() then reloads a standby that runs something else).
  static IssuRecord rebuild(const SystemView& sys);

  // The slot the procedure means to be active now: the new image's once runversion switched
  // over, the original one otherwise.
  int expectedActiveSlot() const;

  // Seconds left before automatic rollback, if the timer runs.
  std::optional<int64_t> rollbackRemainingSeconds(int64_t now_ms) const;

 private:
  IssuResult refuse(std::string message) const;
  IssuResult persistAnd(std::string message, std::vector<IssuAction> then);
  IssuResult finishToInit(std::string message);
  IssuResult recoverFromFailedActive(const SystemView& sys);
  IssuResult startCommit(const char* operation);
  // Commit Version and System Reset: the next step towards every RP on the goal image.
  IssuResult converge(const SystemView& sys);
  // The steps of onTick: each acts (a result) or has nothing to do at this time (nullopt).
  using TickStep = std::optional<IssuResult> (IssuFsm::*)(const SystemView&, int64_t now_ms);
  std::optional<IssuResult> tickChangeVersion(const SystemView& sys, int64_t now_ms);
  std::optional<IssuResult> tickConverge(const SystemView& sys, int64_t now_ms);
  std::optional<IssuResult> tickSwitchoverDeadline(const SystemView& sys, int64_t now_ms);
  std::optional<IssuResult> tickReloadNotCarriedOut(const SystemView& sys, int64_t now_ms);
  std::optional<IssuResult> tickRollbackTimer(const SystemView& sys, int64_t now_ms);

  IssuRecord r_;
};

}  // namespace hitless::chassis
