// InstallEngine: the `hitless install` operations as a pure state machine over an InstallRecord
// (IOS XR's install add / activate / deactivate / commit / rollback / remove and IOS-XE's abort
// and auto-abort timer). It decides; chassisd carries out the effects it asks for (persist the
// record, run a package as its component, delete package directories) and reports back. Time is
// passed in, so tests run it on a fake clock.
//
// One operation at a time: while a switch runs, every other command is refused with its id;
// only `abort` acts on it. A switch restarts one component at a time (fwdd, gnoid, chassisd,
// then rpd); if a step fails, or the operator aborts, the components already switched go back
// to the packages they ran before, and the operation ends failed or aborted.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "install/install_record.h"

namespace hitless::install {

struct Effect {
  enum class Kind {
    kPersist,         // write the record (before a step starts, and when an operation ends)
    kSwitch,          // run `package` as `component`; answer with switchDone()
    kDeletePackages,  // remove `packages` from the image store
  };
  Kind kind;
  std::string component;
  std::string package;
  std::vector<std::string> packages;
};

// What activating one package touches (the impact report).
struct Impact {
  std::string package;
  PackageInfo info;
  std::string from_package;  // what the component runs now ("" if nothing)
  std::string from_version;
};

// An operation opened by a command: its id and lines for the operator (warnings, reminders).
struct Opened {
  uint64_t id = 0;
  std::vector<std::string> notes;
};

struct RollbackPoint {
  uint64_t id = 0;
  std::string kind;  // of the operation that left this set
  PackageSet set;
  std::vector<std::string> missing;  // removed packages: the point is unreachable
};

class InstallEngine {
 public:
  // `switchable`: the components this chassis can restart into a package.
  InstallEngine(InstallRecord record, std::set<std::string> switchable);

  const InstallRecord& record() const { return r_; }
  std::optional<uint64_t> runningId() const;

  // `package` (already added) becomes active and committed for `component` if nothing is
  // committed for it yet: the first start of a chassis.
  void bootstrap(const std::string& component, const std::string& package, int64_t now);
  // `component` runs `package`, changed outside install (rpd by `hitless issu`, which commits
  // on its own): both sets follow, logged as a "follow" operation. Nothing while one runs.
  void follow(const std::string& component, const std::string& package, int64_t now);
  // chassisd started and `running` is what runs ("" for a component on its installed binary).
  // If the running operation's step was chassisd replacing itself with the package it now runs,
  // the operation goes on; any other operation the restart cut off is ended, and an uncommitted
  // activation is reverted (a revert operation starts).
  void startup(const PackageSet& running, int64_t now);

  Result<Opened> add(const std::vector<std::pair<std::string, PackageInfo>>& packages, int64_t now,
                     const std::string& trigger = "operator");
  // The impact report of activating `packages`, or why they cannot be activated.
  Result<std::vector<Impact>> impact(const std::vector<std::string>& packages) const;
  // `auto_abort_ms` > 0: revert by itself unless committed within that time. `commit`: commit
  // as soon as it succeeded (gNOI Activate).
  Result<Opened> activate(const std::vector<std::string>& packages, int64_t auto_abort_ms,
                          int64_t now, bool commit = false);
  Result<Opened> deactivate(const std::vector<std::string>& packages, int64_t now);
  Result<Opened> commit(int64_t now);
  // To the committed set (no point), or to the set operation `point` left.
  Result<Opened> rollback(std::optional<uint64_t> point, int64_t now);
  // `packages` empty: every inactive package.
  Result<Opened> remove(const std::vector<std::string>& packages, int64_t now);
  // The running operation goes back to where it started; with none running, an uncommitted
  // activation is reverted to the committed set.
  Result<Opened> abort(int64_t now);

  // The kSwitch effect ended; `running_package` is what the component runs now either way.
  void switchDone(const Status& result, const std::string& running_package, int64_t now);
  // Fires the auto-abort timer when due.
  void tick(int64_t now);

  std::vector<Effect> takeEffects();
  std::vector<RollbackPoint> rollbackPoints() const;

 private:
  Status refuseWhileRunning() const;
  Operation& open(std::string kind, std::vector<std::string> args, std::string trigger,
                  int64_t now);
  void note(Operation& op, std::string text, int64_t now);
  void finish(Operation& op, OperationState state, int64_t now);
  Result<Opened> startSwitch(std::string kind, std::vector<std::string> args, PackageSet target,
                             std::string trigger, int64_t now, bool commit = false);
  // Starts the next step of the running switch, or ends it.
  void step(int64_t now);
  void persist() { effects_.push_back({Effect::Kind::kPersist, {}, {}, {}}); }

  InstallRecord r_;
  std::set<std::string> switchable_;
  std::vector<Effect> effects_;
};

// The component that runs this engine: its switch is a re-exec, seen done at its next start.
inline constexpr char kSelfComponent[] = "chassisd";

// The order components restart in: forwarding first, the RPs last.
std::vector<std::string> switchOrder(const PackageSet& target);

}  // namespace hitless::install
