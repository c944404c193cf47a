// ChangeResult: what an operator's change request (routes, configuration) learns — applied on
// this RP, and whether a standby in sync acknowledged it.
#pragma once

#include <cstddef>
#include <functional>

#include "base/status.h"

namespace hitless::rpd {

struct ChangeResult {
  Status status;
  size_t changes = 0;
  bool synced = false;  // acknowledged by a standby (false: no standby in sync to wait for)
};
using ChangeDone = std::function<void(ChangeResult)>;

}  // namespace hitless::rpd
