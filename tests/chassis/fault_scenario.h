// FaultScenario: one run of the ISSU procedure on a real chassis with one fault injected at a
// named point (chassisd --fault, src/chassis/fault_points.h), driven by an operator that keeps
// following its plan through the fault (restarting a killed chassisd, re-issuing a command that
// was lost), and the invariants checked at the end:
//   - the procedure settled in Init within the time bound, the standby STANDBY HOT;
//   - both RPs run one image, the one both boot variables name: the target if the procedure
//     was meant to upgrade and nothing aborted it, else the original (either, when both copies
//     of the state file were destroyed);
//   - the active and the standby hold every route fed before the procedure — except when the
//     fault killed the last RP holding them (both rpds, or the active while the standby held no
//     copy, e.g. during its reload): protocols and config refill the RIB then, outside this rig,
//     and the two RPs must only agree;
//   - `show issu state --json` tells that truth; exactly two rpd processes run.
// The install paths have their own invariants (runInstallScenario in fault_scenario.cc): the
// operation ended; fwdd runs what the install record calls active, holds every route of the
// active RP (all that were fed, unless both rpds were killed) with it as writer, and the kernel
// has them all; the record obeys the engine's contract (a
// switch that succeeded left its target, one that failed or was aborted left its start); with
// no fault hit, fwdd-1.1.0 (activate) or fwdd-1.0.0 (abort) runs; after a chassisd restart the
// committed fwdd-1.0.0 runs; one fwdd, one chassisd and two rpd processes. The chassisd path:
// the running chassisd's binary is the package the record calls active (its re-exec or the
// revert of it at a restart is over), and nothing committed changed.
// A scenario derives from a seed alone, so a failing seed replays the same run.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "chassis/chassis_rig.h"

namespace hitless::testing {

enum class OperatorPath {
  kUpgrade,             // loadversion, runversion, commitversion
  kChangeVersion,       // changeversion
  kChangeVersionQuick,  // changeversion quick
  kAbortAfterLoad,      // loadversion, abortversion
  kAbortAfterRun,       // loadversion, runversion, abortversion
  // hitless install of fwdd on a chassis in a netns testbed (chassisd runs fwdd-1.0.0):
  kInstallActivate,    // install add fwdd-1.1.0, install activate fwdd-1.1.0
  kInstallAbort,       // install add, install activate --no-wait, install abort
  kInstallChassisd,    // install add chassisd-1.1.0, install activate it: chassisd re-execs
  kInstallAbortEnded,  // install add, install activate, install abort once the activation ended
};

bool isInstallPath(OperatorPath p);

struct FaultScenario {
  OperatorPath path = OperatorPath::kUpgrade;
  std::string fault;  // POINT:N:ACTION, or "" for a run without a fault

  std::string name() const;  // "upgrade/persist-after:3:chassisd"
  friend void PrintTo(const FaultScenario& s, std::ostream* os) { *os << s.name(); }
  static FaultScenario fromSeed(uint64_t seed);
};

struct FaultOutcome {
  bool fault_hit = false;               // the fault point was reached and the fault done
  std::string ended_on;                 // the image both RPs run at the end
  std::vector<std::string> violations;  // empty: every invariant held
  double seconds = 0;
  std::string transcript;  // commands the operator issued, with their answers
};

FaultOutcome runFaultScenario(const ImageStore& images, const FaultScenario& scenario,
                              int timeout_ms = 90000);

}  // namespace hitless::testing
