// Route: one RIB entry as plain data. The RIB, the checkpoint stream, the FIB agent and tests all
// exchange these values and deltas of them (STYLE.md #8).
#pragma once

#include <cstdint>
#include <vector>

#include "net/ip.h"

namespace hitless::net {

struct NextHop {
  IpAddress gateway;     // Family::kNone for a directly connected (interface-only) next hop
  uint32_t ifindex = 0;  // 0 = let the kernel resolve the gateway
  uint32_t weight = 1;   // relative share for unequal-cost multipath, >= 1

  auto operator<=>(const NextHop&) const = default;
};

struct Route {
  IpPrefix prefix;
  std::vector<NextHop> nexthops;
  uint8_t protocol = 0;  // rtnetlink protocol of the source (e.g. 186 = BGP)
  uint32_t metric = 0;
  uint8_t distance = 0;  // administrative distance
  uint32_t tag = 0;      // route tag (RIB route message v2 and later)

  bool operator==(const Route&) const = default;
};

}  // namespace hitless::net
