// Fixed sample messages shared by the message tests and the golden files.
#pragma once

#include "messages/bgp_messages.h"
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

// A BGP OPEN without capabilities (RFC 4271 §4.2): AS `asn`, hold time 90, identifier `id`.
inline std::string bgpOpenBytes(uint16_t asn, uint32_t id) {
  std::string m(16, '\xff');
  auto put = [&](uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) m.push_back(static_cast<char>(v >> (8 * i)));
  };
  put(29, 2);  // length
  put(1, 1);   // OPEN
  put(4, 1);   // version
  put(asn, 2);
  put(90, 2);
  put(id, 4);
  put(0, 1);  // no optional parameters
  return m;
}

inline std::string bgpKeepaliveBytes() {
  std::string m(16, '\xff');
  m += std::string("\x00\x13\x04", 3);
  return m;
}

// A session handed over mid-stream: both OPENs, offsets, and a partial message pending.
inline BgpSessionCheckpoint sampleBgpSession() {
  BgpSessionCheckpoint s;
  s.peer = *net::IpAddress::parse("198.18.2.2");
  s.established = true;
  s.local_open = bgpOpenBytes(65001, 0xc6120201);
  s.peer_open = bgpOpenBytes(65002, 0xc6120202);
  s.session_id = 0x0123456789abcdefULL;
  s.rx_offset = 1234;
  s.tx_offset = 567;
  s.handover = true;
  s.pending_input = std::string(3, '\xff');
  return s;
}

}  // namespace hitless::messages::testing
