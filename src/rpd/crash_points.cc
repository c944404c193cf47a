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
      // BGP NSR across a crash (docs/bgp.md); each fires only while the session is protected.
      {"bgp-input-before-checkpoint", "BGP input peeked and applied, not yet checkpointed"},
      {"bgp-input-checkpointed", "BGP input checkpointed, not yet acknowledged"},
      {"bgp-input-before-release", "BGP input acknowledged, still in the kernel's queue"},
      {"bgp-input-mid-release", "half of acknowledged BGP input taken out of the kernel's queue"},
      {"bgp-output-checkpointed", "BGP output (a KEEPALIVE, say) checkpointed, not acknowledged"},
      {"bgp-output-before-write", "BGP output acknowledged, not yet written"},
      {"bgp-output-mid-write", "half of a BGP message written to the socket"},
      {"bgp-output-short-write",
       "the kernel took part of acknowledged BGP output or none (a short write or EAGAIN: the "
       "peer's window closed, our send buffer full); the rest waits in this process"},
  };
  return kPoints;
}

void CrashPoint::at(const char* point) const {
  if (armed_ != point) return;
  logEvent("RF", Severity::kWarning, "CRASH_POINT", std::string("crashing at ") + point);
  ::raise(SIGKILL);
}

}  // namespace hitless::rpd
