#include "chassis/issu_fsm.h"

#include <nlohmann/json.hpp>

namespace hitless::chassis {
namespace {

constexpr const char* kStateNames[] = {"Init", "Load Version", "Run Version", "Commit Version",
                                       "System Reset"};
constexpr const char* kStepNames[] = {"idle",           "standby-reloading", "standby-hot",
                                      "switching-over", "peer-syncing",      "running"};
constexpr const char* kTimerNames[] = {"inactive", "running", "canceled-by-accept"};
constexpr const char* kChangeVersionNames[] = {"none", "full", "quick"};

template <typename E, size_t N>
std::optional<E> byName(const char* const (&names)[N], const std::string& s) {
  for (size_t i = 0; i < N; ++i) {
    if (s == names[i]) return static_cast<E>(i);
  }
  return std::nullopt;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

IssuAction persist() { return {IssuAction::kPersist, -1, "", ""}; }
IssuAction switchover() { return {IssuAction::kSwitchover, -1, "", ""}; }
IssuAction reload(int slot, const std::string& image) {
  return {IssuAction::kReloadSlot, slot, image, ""};
}
IssuAction warn(std::string text) { return {IssuAction::kWarn, -1, "", std::move(text)}; }

// The standby can take over: hot, or (an Incompatible pair) cold in RPR.
bool standbyReady(const SystemView& sys) { return sys.standby_hot || sys.standby_rpr; }

}  // namespace

std::string_view issuStateName(IssuState s) { return kStateNames[static_cast<int>(s)]; }

std::string wrongStateMessage(IssuState s, std::string_view operation, std::string_view valid_in) {
  return "% ISSU state is [ " + lower(issuStateName(s)) + " ]; " + std::string(operation) +
         " is valid only in [ " + std::string(valid_in) + " ]";
}

nlohmann::json IssuRecord::toJson() const {
  return {{"format", 1},
          {"state", kStateNames[static_cast<int>(state)]},
          {"step", kStepNames[static_cast<int>(step)]},
          {"original_image", original_image},
          {"target_image", target_image},
          {"original_active_slot", original_active_slot},
          {"reloading_slot", reloading_slot},
          {"boot", {boot[0], boot[1]}},
          {"rollback_timer_s", rollback_timer_s},
          {"timer", kTimerNames[static_cast<int>(timer)]},
          {"rollback_deadline_ms", rollback_deadline_ms},
          {"extensions", extensions},
          {"last_operation", last_operation},
          {"abort_reason", abort_reason},
          {"changeversion", kChangeVersionNames[static_cast<int>(changeversion)]},
          {"changeversion_deadline_ms", changeversion_deadline_ms},
          {"switchover_deadline_ms", switchover_deadline_ms}};
}

Result<IssuRecord> IssuRecord::fromJson(const nlohmann::json& j) {
  // A torn or foreign file must be refused, not half-read: the caller then keeps the old record.
  try {
    if (!j.is_object() || j.value("format", 0) != 1) {
      return Status::corruption("ISSU state file: unknown format");
    }
    IssuRecord r;
    auto state = byName<IssuState>(kStateNames, j.at("state").get<std::string>());
    auto step = byName<IssuStep>(kStepNames, j.at("step").get<std::string>());
    auto timer = byName<RollbackTimerState>(kTimerNames, j.at("timer").get<std::string>());
    if (!state || !step || !timer) return Status::corruption("ISSU state file: unknown value");
    r.state = *state;
    r.step = *step;
    r.timer = *timer;
    r.original_image = j.at("original_image").get<std::string>();
    r.target_image = j.at("target_image").get<std::string>();
    r.original_active_slot = j.at("original_active_slot").get<int>();
    r.reloading_slot = j.at("reloading_slot").get<int>();
    r.boot[0] = j.at("boot").at(0).get<std::string>();
    r.boot[1] = j.at("boot").at(1).get<std::string>();
    r.rollback_timer_s = j.at("rollback_timer_s").get<int64_t>();
    r.rollback_deadline_ms = j.at("rollback_deadline_ms").get<int64_t>();
    r.extensions = j.at("extensions").get<int>();
    r.last_operation = j.at("last_operation").get<std::string>();
    r.abort_reason = j.at("abort_reason").get<std::string>();
    // Absent in records written before changeversion existed.
    auto change = byName<ChangeVersionMode>(kChangeVersionNames,
                                            j.value("changeversion", std::string("none")));
    if (!change) return Status::corruption("ISSU state file: unknown changeversion mode");
    r.changeversion = *change;
    r.changeversion_deadline_ms = j.value("changeversion_deadline_ms", int64_t{0});
    r.switchover_deadline_ms = j.value("switchover_deadline_ms", int64_t{0});
    if (r.original_active_slot < 0 || r.original_active_slot > 1 || r.reloading_slot < -1 ||
        r.reloading_slot > 1 || r.rollback_timer_s < 0 ||
        r.rollback_timer_s > kMaxRollbackSeconds || r.extensions < 0 ||
        r.extensions > kMaxRollbackExtensions) {
      return Status::corruption("ISSU state file: value out of range");
    }
    return r;
  } catch (const nlohmann::json::exception& e) {
    return Status::corruption(std::string("ISSU state file: ") + e.what());
  }
}

IssuResult IssuFsm::refuse(std::string message) const { return {false, std::move(message), {}}; }

IssuResult IssuFsm::persistAnd(std::string message, std::vector<IssuAction> then) {
  then.insert(then.begin(), persist());
  return {true, std::move(message), std::move(then)};
}

IssuResult IssuFsm::finishToInit(std::string message) {
  r_.state = IssuState::kInit;
  r_.step = IssuStep::kIdle;
  r_.target_image.clear();
  r_.reloading_slot = -1;
  r_.timer = RollbackTimerState::kInactive;
  r_.extensions = 0;
  r_.changeversion = ChangeVersionMode::kNone;
  return persistAnd(std::move(message), {});
}

IssuResult IssuFsm::loadVersion(const std::string& image, const SystemView& sys, int64_t) {
  if (r_.state != IssuState::kInit) {
    return refuse(wrongStateMessage(r_.state, "loadversion", "init"));
  }
  if (image.empty()) return refuse("% loadversion needs an image");
  if (!sys.standby_hot) {
    return refuse("% Standby is not STANDBY HOT: loadversion needs a redundant system in SSO");
  }
  const int active = sys.active_slot, standby = 1 - active;
  if (image == sys.image[active]) return refuse("% " + image + " is the running image");
  r_.original_image = sys.image[active];
  r_.target_image = image;
  r_.original_active_slot = active;
  r_.reloading_slot = standby;
  r_.boot[active] = r_.original_image;
  r_.boot[standby] = image;
  r_.state = IssuState::kLoadVersion;
  r_.step = IssuStep::kStandbyReloading;
  r_.timer = RollbackTimerState::kInactive;
  r_.extensions = 0;
  r_.last_operation = "loadversion";
  r_.abort_reason.clear();
  r_.changeversion = ChangeVersionMode::kNone;
  return persistAnd("%issu loadversion executed successfully, Standby is being reloaded",
                    {reload(standby, image)});
}

IssuResult IssuFsm::runVersion(const SystemView& sys, int64_t now_ms) {
  if (r_.state != IssuState::kLoadVersion) {
    return refuse(wrongStateMessage(r_.state, "runversion", "load version"));
  }
  if (r_.step != IssuStep::kStandbyHot || !standbyReady(sys)) {
    return refuse("% Standby is not STANDBY HOT on " + r_.target_image + " yet");
  }
  r_.state = IssuState::kRunVersion;
  r_.step = IssuStep::kSwitchingOver;
  r_.switchover_deadline_ms = now_ms + kSwitchoverTimeoutMs;
  r_.last_operation = "runversion";
  r_.extensions = 0;
  if (r_.rollback_timer_s > 0) {
    r_.timer = RollbackTimerState::kRunning;
    r_.rollback_deadline_ms = now_ms + r_.rollback_timer_s * 1000;
  } else {
    r_.timer = RollbackTimerState::kInactive;
  }
  if (!sys.standby_hot) {
    return persistAnd(
        "Initiating cold switchover (RPR): the new active starts from its configuration; "
        "forwarding continues and BGP restarts gracefully",
        {switchover()});
  }
  return persistAnd("Initiating active RP failover", {switchover()});
}

IssuResult IssuFsm::runVersionAndCommit(const SystemView& sys, int64_t now_ms) {
  IssuResult r = runVersion(sys, now_ms);
  if (r.accepted) r_.changeversion = ChangeVersionMode::kFull;
  return r;
}

IssuResult IssuFsm::acceptVersion() {
  if (r_.state != IssuState::kRunVersion) {
    return refuse(wrongStateMessage(r_.state, "acceptversion", "run version"));
  }
  r_.timer = RollbackTimerState::kCanceledByAccept;
  r_.last_operation = "acceptversion";
  return persistAnd("% Rollback timer stopped by acceptversion", {});
}

IssuResult IssuFsm::commitVersion(const SystemView& sys) {
  if (r_.state != IssuState::kRunVersion) {
    return refuse(wrongStateMessage(r_.state, "commitversion", "run version"));
  }
  if (r_.step != IssuStep::kRunning || !standbyReady(sys)) {
    return refuse("% Standby is not STANDBY HOT yet; commitversion waits for it");
  }
  return startCommit("commitversion");
}

IssuResult IssuFsm::startCommit(const char* operation) {
  // Without a prior acceptversion, commitversion accepts too (as in IOS).
  r_.timer = RollbackTimerState::kCanceledByAccept;
  r_.state = IssuState::kCommitVersion;
  r_.step = IssuStep::kStandbyReloading;
  r_.reloading_slot = r_.original_active_slot;
  r_.boot[0] = r_.boot[1] = r_.target_image;
  r_.last_operation = operation;
  return persistAnd(
      "Building configuration...\n[OK]\n%issu commitversion: the standby is "
      "being reloaded with " +
          r_.target_image,
      {reload(r_.original_active_slot, r_.target_image)});
}

IssuResult IssuFsm::abortVersion(const SystemView& sys, const std::string& reason) {
  switch (r_.state) {
    case IssuState::kInit:
      return refuse("% No ISSU operation is in progress");
    case IssuState::kCommitVersion:
      return refuse("% abortversion is not allowed after commitversion");
    case IssuState::kSystemReset:
      return refuse("% abortversion is already in progress");
    default:
      break;
  }
  const int original = r_.original_active_slot, other = 1 - original;
  r_.state = IssuState::kSystemReset;
  r_.timer = RollbackTimerState::kInactive;
  r_.changeversion = ChangeVersionMode::kNone;
  r_.last_operation = "abortversion";
  r_.abort_reason = reason;
  r_.boot[0] = r_.boot[1] = r_.original_image;
  std::vector<IssuAction> then;
  if (sys.standby_rpr && sys.active_slot != original) {
    then.push_back(
        warn("%ISSU-4-ABORT_COLD: the standby runs RPR; switching back is a cold switchover "
             "(forwarding continues, BGP restarts gracefully)"));
  } else if (!sys.standby_hot) {
    then.push_back(
        warn("%ISSU-4-ABORT_COLD: the standby is not STANDBY HOT; the abort may "
             "disrupt forwarding"));
  }
  if (sys.active_slot != original) {
    // The new image is active: switch back to the RP still on the original image first.
    r_.step = IssuStep::kSwitchingOver;
    then.push_back(switchover());
    return persistAnd("%issu abortversion: switching back to slot " + std::to_string(original) +
                          " on " + r_.original_image,
                      std::move(then));
  }
  r_.step = IssuStep::kStandbyReloading;
  r_.reloading_slot = other;
  then.push_back(reload(other, r_.original_image));
  return persistAnd("%issu abortversion executed successfully, Standby is being reloaded with " +
                        r_.original_image,
                    std::move(then));
}

IssuResult IssuFsm::setRollbackTimer(int64_t seconds) {
  if (r_.state != IssuState::kInit) {
    return refuse("% ISSU state should be [ init ] to set the rollback timer");
  }
  if (seconds < 0 || seconds > kMaxRollbackSeconds) {
    return refuse("% Rollback timer must be 0-7200 seconds (0 disables it)");
  }
  r_.rollback_timer_s = seconds;
  return persistAnd("% Rollback timer value set to [ " + std::to_string(seconds) + " ] seconds",
                    {});
}

IssuResult IssuFsm::changeVersion(const std::string& image, ChangeVersionMode mode,
                                  const SystemView& sys, int64_t now_ms) {
  if (r_.state != IssuState::kInit) {
    return refuse(wrongStateMessage(r_.state, "changeversion", "init"));
  }
  IssuResult r = loadVersion(image, sys, now_ms);
  if (!r.accepted || mode == ChangeVersionMode::kNone) return r;
  r_.changeversion = mode;
  r_.changeversion_deadline_ms = now_ms + kChangeVersionLoadTimeoutMs;
  r_.last_operation = "changeversion";
  r.message = std::string("%issu changeversion") +
              (mode == ChangeVersionMode::kQuick ? " quick" : "") +
              ": loadversion executed, Standby is being reloaded with " + image;
  return r;
}

std::optional<IssuResult> IssuFsm::tickChangeVersion(const SystemView& sys, int64_t now_ms) {
  if (r_.changeversion == ChangeVersionMode::kNone) return std::nullopt;
  std::optional<IssuResult> next;
  if (r_.state == IssuState::kLoadVersion && r_.step == IssuStep::kStandbyReloading &&
      now_ms >= r_.changeversion_deadline_ms) {
    next = abortVersion(sys, "changeversion: the standby did not reach STANDBY HOT on " +
                                 r_.target_image + " within " +
                                 std::to_string(kChangeVersionLoadTimeoutMs / 1000) + " s");
  } else if (r_.state == IssuState::kLoadVersion && r_.step == IssuStep::kStandbyHot &&
             standbyReady(sys)) {
    next = runVersion(sys, now_ms);
    r_.last_operation = "changeversion";
  } else if (r_.state == IssuState::kRunVersion && r_.step == IssuStep::kRunning &&
             standbyReady(sys)) {
    next = startCommit("changeversion");
  }
  // A step that did nothing (a runversion refused for now) leaves the tick to the other steps.
  if (next && next->actions.empty()) return std::nullopt;
  return next;
}

std::optional<IssuResult> IssuFsm::tickConverge(const SystemView& sys, int64_t) {
  if (r_.state != IssuState::kCommitVersion && r_.state != IssuState::kSystemReset) {
    return std::nullopt;
  }
  return converge(sys);
}

std::optional<IssuResult> IssuFsm::tickSwitchoverDeadline(const SystemView& sys, int64_t now_ms) {
  if (r_.state != IssuState::kRunVersion || r_.step != IssuStep::kSwitchingOver ||
      sys.active_slot != r_.original_active_slot || now_ms < r_.switchover_deadline_ms) {
    return std::nullopt;
  }
  return abortVersion(sys, "runversion: the switchover did not happen within " +
                               std::to_string(kSwitchoverTimeoutMs / 1000) + " s");
}

std::optional<IssuResult> IssuFsm::tickReloadNotCarriedOut(const SystemView& sys, int64_t) {
  // A reload the chassis manager did not carry out (it refuses to reload a standby whose active
  // does not answer) shows as the slot still on its old image: ask again.
  const int reloading = r_.reloading_slot;
  if (r_.state == IssuState::kLoadVersion && r_.step == IssuStep::kStandbyReloading &&
      reloading >= 0 && sys.active_slot != reloading && sys.image[reloading] != r_.target_image) {
    return IssuResult{true, "", {reload(reloading, r_.target_image)}};
  }
  return std::nullopt;
}

std::optional<IssuResult> IssuFsm::tickRollbackTimer(const SystemView& sys, int64_t now_ms) {
  if (r_.state != IssuState::kRunVersion || r_.timer != RollbackTimerState::kRunning) {
    return std::nullopt;
  }
  if (r_.extensions > 0 && standbyReady(sys)) {
    return abortVersion(sys, "rollback timer expired (standby became hot during the extension)");
  }
  if (now_ms < r_.rollback_deadline_ms) return std::nullopt;
  if (standbyReady(sys) || r_.extensions >= kMaxRollbackExtensions) {
    return abortVersion(sys, "rollback timer expired");
  }
  ++r_.extensions;
  r_.rollback_deadline_ms += 60 * 1000;
  return persistAnd(
      "", {warn("%ISSU-4-ROLLBACK_TIMER_EXTENDED: the standby is not STANDBY HOT; "
                "rollback timer extended by 1 minute (" +
                std::to_string(r_.extensions) + " of " + std::to_string(kMaxRollbackExtensions) +
                "), acceptversion or abortversion required")});
}

IssuResult IssuFsm::onStandbyReady(int slot, const std::string& image, const SystemView& sys) {
  const bool reloaded = slot == r_.reloading_slot && r_.step == IssuStep::kStandbyReloading;
  const std::string ready = "Standby slot " + std::to_string(slot) +
                            (sys.standby_hot ? " is STANDBY HOT on " + image
                                             : " is STANDBY COLD on " + image +
                                                   " (RPR: the pair is Incompatible, nothing is "
                                                   "synced; a switchover to it is cold)");
  if (r_.state == IssuState::kLoadVersion && reloaded && image == r_.target_image) {
    r_.step = IssuStep::kStandbyHot;
    r_.reloading_slot = -1;
    return persistAnd(ready, {});
  }
  if (r_.state == IssuState::kRunVersion && r_.step == IssuStep::kPeerSyncing &&
      slot == r_.original_active_slot && image == r_.original_image) {
    r_.step = IssuStep::kRunning;
    return persistAnd(ready, {});
  }
  if (r_.state == IssuState::kCommitVersion || r_.state == IssuState::kSystemReset) {
    return converge(sys);
  }
  return {true, "", {}};
}

IssuResult IssuFsm::converge(const SystemView& sys) {
  // Commit Version and System Reset have one goal — every RP on one image — however the RPs got
  // where they are (a planned step, an RP that failed, a view that was stale): each call takes
  // the next step towards it and remembers in `step` what it asked, so it asks only once.
  const bool commit = r_.state == IssuState::kCommitVersion;
  const std::string& goal = commit ? r_.target_image : r_.original_image;
  const int active = sys.active_slot, standby = 1 - active;
  const std::string s = std::to_string(standby);
  if (sys.image[active] == goal && sys.image[standby] == goal) {
    if (!sys.standby_hot) return {true, "", {}};  // the standby on the goal is still syncing
    if (commit) {
      r_.original_image = r_.target_image;
      r_.original_active_slot = active;
      return finishToInit("%issu commitversion executed successfully");
    }
    return finishToInit("%issu abortversion completed: both RPs run " + r_.original_image);
  }
  if (sys.image[standby] != goal) {
    // (A reload asked before shows as the goal image at once: this one was not carried out.)
    r_.step = IssuStep::kStandbyReloading;
    r_.reloading_slot = standby;
    return persistAnd("Reloading standby slot " + s + " with " + goal, {reload(standby, goal)});
  }
  // The standby runs the goal, the active does not: switch over once the standby is ready (an
  // RPR standby takes over cold).
  if (!standbyReady(sys)) {
    if (r_.step == IssuStep::kPeerSyncing) return {true, "", {}};
    r_.step = IssuStep::kPeerSyncing;
    r_.reloading_slot = -1;
    return persistAnd("Waiting for slot " + s + " to be STANDBY HOT on " + goal, {});
  }
  if (r_.step == IssuStep::kSwitchingOver) return {true, "", {}};  // asked already
  r_.step = IssuStep::kSwitchingOver;
  return persistAnd("Slot " + s + (sys.standby_hot ? " is STANDBY HOT" : " is STANDBY COLD (RPR)") +
                        " on " + goal + "; switching over to it",
                    {switchover()});
}

IssuResult IssuFsm::onSwitchoverDone(const SystemView& sys) {
  if (r_.state == IssuState::kRunVersion && r_.step == IssuStep::kSwitchingOver &&
      sys.active_slot != r_.original_active_slot) {
    if (r_.changeversion == ChangeVersionMode::kQuick) {
      // Quick: no resync of the old active on the old image; it reloads with the new one now.
      return startCommit("changeversion");
    }
    r_.step = IssuStep::kPeerSyncing;
    return persistAnd(
        "Slot " + std::to_string(sys.active_slot) + " is ACTIVE on " + r_.target_image, {});
  }
  if (r_.state == IssuState::kCommitVersion || r_.state == IssuState::kSystemReset) {
    return converge(sys);
  }
  // Unplanned: the active is not where the procedure put it — in Load Version the original slot
  // should be active, in Run Version (switchover done) the other one. Judged from where the
  // active is, not from the call: the chassis manager also reports roles it merely rediscovered.
  const bool active_original = sys.active_slot == r_.original_active_slot;
  const bool unplanned = (r_.state == IssuState::kLoadVersion && !active_original) ||
                         (r_.state == IssuState::kRunVersion &&
                          r_.step != IssuStep::kSwitchingOver && active_original);
  if (unplanned) return recoverFromFailedActive(sys);
  return {true, "", {}};
}

IssuResult IssuFsm::recoverFromFailedActive(const SystemView& sys) {
  // A switchover nobody asked for: the active RP failed mid-procedure. As in IOS, a failure
  // during the procedure returns the system to its original state (an abort).
  const std::string during(issuStateName(r_.state));
  r_.state = IssuState::kSystemReset;
  r_.step = IssuStep::kIdle;
  r_.timer = RollbackTimerState::kInactive;
  r_.changeversion = ChangeVersionMode::kNone;
  r_.last_operation = "abortversion";
  r_.abort_reason = "unplanned switchover during " + during;
  r_.boot[0] = r_.boot[1] = r_.original_image;
  const std::string head = "%ISSU-3-UNPLANNED_SWITCHOVER: during " + during + " slot " +
                           std::to_string(sys.active_slot) +
                           " took over (the active failed or was switched over). Aborting: ";
  // If the RP on the new image took over, the failed one restarts on the original image (its
  // boot variable) and the system switches back to it once it is hot; if the RP on the original
  // image took over, the failed one is reloaded with the original image.
  IssuResult r = converge(sys);
  if (r.actions.empty()) return persistAnd(head + "waiting for the RPs", {});
  r.message = head + r.message;
  return r;
}

IssuResult IssuFsm::onTick(const SystemView& sys, int64_t now_ms) {
  static constexpr TickStep kTickSteps[] = {
      &IssuFsm::tickChangeVersion,      &IssuFsm::tickConverge,
      &IssuFsm::tickSwitchoverDeadline, &IssuFsm::tickReloadNotCarriedOut,
      &IssuFsm::tickRollbackTimer,
  };
  for (TickStep step : kTickSteps) {
    if (auto r = (this->*step)(sys, now_ms)) return *std::move(r);
  }
  return {true, "", {}};
}

IssuResult IssuFsm::recover(const SystemView& sys) {
  const int slot = r_.reloading_slot;
  const bool reload_done = slot >= 0 && standbyReady(sys) && sys.active_slot != slot;
  switch (r_.state) {
    case IssuState::kInit: {
      const int standby = 1 - sys.active_slot;
      if (!r_.boot[standby].empty() && !sys.image[standby].empty() &&
          sys.image[standby] != r_.boot[standby]) {
        return {true,
                "reloading standby slot " + std::to_string(standby) + " with its boot image " +
                    r_.boot[standby],
                {reload(standby, r_.boot[standby])}};
      }
      return {true, "", {}};
    }
    case IssuState::kLoadVersion:
      if (r_.step != IssuStep::kStandbyReloading) return {true, "", {}};
      if (reload_done && sys.image[slot] == r_.target_image) {
        return onStandbyReady(slot, r_.target_image, sys);
      }
      return {true, "resuming loadversion", {reload(slot, r_.target_image)}};
    case IssuState::kRunVersion:
      if (r_.step != IssuStep::kSwitchingOver) return {true, "", {}};
      if (sys.active_slot != r_.original_active_slot) return onSwitchoverDone(sys);
      if (standbyReady(sys)) return {true, "resuming runversion", {switchover()}};
      return abortVersion(sys, "recovery: runversion interrupted and the standby is not hot");
    case IssuState::kCommitVersion:
    case IssuState::kSystemReset:
      // A switchover asked before the restart may never have happened: ask again.
      if (r_.step == IssuStep::kSwitchingOver) r_.step = IssuStep::kIdle;
      return converge(sys);
  }
  return {true, "", {}};
}

int IssuFsm::expectedActiveSlot() const {
  const bool switched =
      (r_.state == IssuState::kRunVersion && r_.step != IssuStep::kSwitchingOver) ||
      r_.state == IssuState::kCommitVersion ||
      (r_.state == IssuState::kSystemReset && r_.step == IssuStep::kPeerSyncing);
  return switched ? 1 - r_.original_active_slot : r_.original_active_slot;
}

IssuRecord IssuFsm::rebuild(const SystemView& sys) {
  IssuRecord r;
  r.original_image = r.boot[0] = r.boot[1] = sys.image[sys.active_slot];
  r.original_active_slot = sys.active_slot;
  r.abort_reason = "ISSU state file lost; rebuilt from the running RPs";
  return r;
}

std::optional<int64_t> IssuFsm::rollbackRemainingSeconds(int64_t now_ms) const {
  if (r_.timer != RollbackTimerState::kRunning) return std::nullopt;
  return std::max<int64_t>(0, (r_.rollback_deadline_ms - now_ms + 999) / 1000);
}

}  // namespace hitless::chassis
