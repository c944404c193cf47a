// Redundancy Facility (RF) states and switchover reasons with the IOS numbers and names, as
// `show redundancy states` prints them ("13 -ACTIVE", "8 -STANDBY HOT").
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace hitless::redundancy {

enum class RfState : uint8_t {
  kDisabled = 1,
  kInitialization = 2,
  kNegotiation = 3,
  kStandbyCold = 4,
  kStandbyColdConfig = 5,
  kStandbyColdFilesys = 6,
  kStandbyColdBulk = 7,
  kStandbyHot = 8,
  kActiveFast = 9,
  kActiveDrain = 10,
  kActivePreconfig = 11,
  kActivePostconfig = 12,
  kActive = 13,
  kActiveExtraload = 14,
  kActiveHandback = 15,
};

std::string_view rfStateName(RfState s);  // "STANDBY HOT"
std::optional<RfState> rfStateFromNumber(int n);
inline bool isActiveState(RfState s) { return s >= RfState::kActiveFast; }
inline bool isStandbyState(RfState s) {
  return s >= RfState::kStandbyCold && s <= RfState::kStandbyHot;
}

// CISCO-RF-MIB RFSwactReasonType.
enum class SwactReason : uint8_t {
  kUnsupported = 1,
  kNone = 2,
  kNotKnown = 3,
  kUserInitiated = 4,
  kUserForced = 5,
  kActiveUnitFailed = 6,
  kActiveUnitRemoved = 7,
};

std::string_view swactReasonName(SwactReason r);  // "active unit failed"

}  // namespace hitless::redundancy
