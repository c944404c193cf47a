// Fixed sample messages shared by the message tests and the golden files.
#pragma once

#include "messages/rib_messages.h"
#include "messages/session_messages.h"

namespace hitless::messages::testing {

inline net::Route sampleRouteV1() {
  net::Route r;
  r.prefix = *net::IpPrefix::parse("198.18.10.0/24");
  r.nexthops = {{*net::IpAddress::parse("198.18.1.2"), 3, 1}};
  r.protocol = 186;
  r.metric = 20;
  r.distance = 20;
  return r;
}

// Uses what v2 adds: an unequal-cost next hop and a route tag.
inline net::Route sampleRouteV2() {
  net::Route r = sampleRouteV1();
  r.nexthops.push_back({*net::IpAddress::parse("198.18.1.3"), 4, 3});
  r.tag = 77;
  return r;
}

inline net::Route sampleRouteIpv6() {
  net::Route r;
  r.prefix = *net::IpPrefix::parse("2001:db8:10::/48");
  r.nexthops = {{*net::IpAddress::parse("2001:db8::2"), 0, 1}, {net::IpAddress{}, 7, 1}};
  r.protocol = 186;
  r.metric = 0;
  r.distance = 200;
  return r;
}

}  // namespace hitless::messages::testing
