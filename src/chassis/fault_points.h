// FaultPoints: named instants in the chassis manager where a test makes something fail exactly
// there — chassisd dies (SIGKILL), an rpd is killed, the state file is corrupted — so crash
// consistency is proven at each transition (before and after each persisted write, around each
// reload and switchover), not at random wall-clock instants. Armed only by `chassisd --fault`
// (tests and `make faults`); unarmed, a hit is a counter increment.
//
// Spec: POINT:N:ACTION — at the Nth hit of POINT (counted from chassisd start), do ACTION.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace hitless::chassis {

enum class FaultAction {
  kKillChassisd,  // SIGKILL of chassisd itself
  kKillActive,    // SIGKILL of the active rpd
  kKillStandby,   // SIGKILL of the standby rpd
  kKillBoth,      // SIGKILL of both rpds
  kCorruptState,  // garble the primary state file, then SIGKILL chassisd
  kCorruptBoth,   // garble both state file copies, then SIGKILL chassisd
  kKillFwdd,      // SIGKILL of the fwdd chassisd runs (install points)
};

struct FaultSpec {
  std::string point;
  int occurrence = 1;
  FaultAction action = FaultAction::kKillChassisd;
};

// Every point the chassis manager passes, in the order of one transition: the ISSU procedure's,
// then the install operations' (install-persist-after: the install record was written;
// switch-stopped / switch-started / switch-ready: the old fwdd stopped, the new one started,
// the new one ready). At an install point `corrupt` garbles the install record.
const std::vector<std::string_view>& faultPointNames();
const std::vector<std::string_view>& issuFaultPointNames();
const std::vector<std::string_view>& installFaultPointNames();
const std::vector<std::string_view>& faultActionNames();
bool isInstallFaultPoint(std::string_view point);
std::string_view faultActionName(FaultAction a);

Result<FaultSpec> parseFaultSpec(std::string_view text);

class FaultPoints {
 public:
  void arm(FaultSpec spec) { armed_ = std::move(spec); }
  // Counts a pass through `point`; the action if this pass is the armed one.
  std::optional<FaultAction> hit(std::string_view point);

 private:
  std::optional<FaultSpec> armed_;
  std::map<std::string, int, std::less<>> hits_;
};

}  // namespace hitless::chassis
