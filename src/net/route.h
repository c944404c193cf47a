// Route: one RIB entry as plain data. The RIB, the checkpoint stream, the FIB agent and tests all
// exchange these values and deltas of them (STYLE.md #8).
#pragma once

#include <cstdint>

#include "net/ip.h"
#include "net/next_hops.h"

namespace hitless::net {

// Members are ordered for size (72 bytes, not 80): tables hold millions of these.
struct Route {
  NextHops nexthops;
  IpPrefix prefix;
  uint8_t protocol = 0;  // rtnetlink protocol of the source (e.g. 186 = BGP)
  uint8_t distance = 0;  // administrative distance
  uint32_t metric = 0;
  uint32_t tag = 0;  // route tag (RIB route message v2 and later)

  bool operator==(const Route&) const = default;
};

}  // namespace hitless::net
