#include "redundancy/rf_state.h"

namespace hitless::redundancy {

std::string_view rfStateName(RfState s) {
  switch (s) {
    case RfState::kDisabled:
      return "DISABLED";
    case RfState::kInitialization:
      return "INITIALIZATION";
    case RfState::kNegotiation:
      return "NEGOTIATION";
    case RfState::kStandbyCold:
      return "STANDBY COLD";
    case RfState::kStandbyColdConfig:
      return "STANDBY COLD-CONFIG";
    case RfState::kStandbyColdFilesys:
      return "STANDBY COLD-FILESYS";
    case RfState::kStandbyColdBulk:
      return "STANDBY COLD-BULK";
    case RfState::kStandbyHot:
      return "STANDBY HOT";
    case RfState::kActiveFast:
      return "ACTIVE FAST";
    case RfState::kActiveDrain:
      return "ACTIVE DRAIN";
    case RfState::kActivePreconfig:
      return "ACTIVE PRECONFIG";
    case RfState::kActivePostconfig:
      return "ACTIVE POSTCONFIG";
    case RfState::kActive:
      return "ACTIVE";
    case RfState::kActiveExtraload:
      return "ACTIVE EXTRALOAD";
    case RfState::kActiveHandback:
      return "ACTIVE HANDBACK";
  }
  return "UNKNOWN";
}

std::optional<RfState> rfStateFromNumber(int n) {
  if (n < 1 || n > 15) return std::nullopt;
  return static_cast<RfState>(n);
}

std::string_view swactReasonName(SwactReason r) {
  switch (r) {
    case SwactReason::kUnsupported:
      return "unsupported";
    case SwactReason::kNone:
      return "none";
    case SwactReason::kNotKnown:
      return "not known";
    case SwactReason::kUserInitiated:
      return "user initiated";
    case SwactReason::kUserForced:
      return "user forced";
    case SwactReason::kActiveUnitFailed:
      return "active unit failed";
    case SwactReason::kActiveUnitRemoved:
      return "active unit removed";
  }
  return "not known";
}

}  // namespace hitless::redundancy
