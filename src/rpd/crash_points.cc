#include "rpd/crash_points.h"

#include <signal.h>

#include "base/log.h"

namespace hitless::rpd {

const std::vector<CrashPointSpec>& crashPoints() {
  static const std::vector<CrashPointSpec> kPoints = {
      {"standby-mid-bulk", "the standby has applied half of the announced RIB bulk"},
      {"standby-before-ack", "a HOT standby applied a transaction but has not acknowledged it"},
      {"active-mid-bulk", "the active has queued half of the RIB bulk"},
      {"active-after-apply", "the active applied a change locally, before checkpointing it"},
  };
  return kPoints;
}

void CrashPoint::at(const char* point) const {
  if (armed_ != point) return;
  logEvent("RF", Severity::kWarning, "CRASH_POINT", std::string("crashing at ") + point);
  ::raise(SIGKILL);
}

}  // namespace hitless::rpd
