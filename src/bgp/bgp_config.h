// BgpConfig: the BGP part of the running configuration, read from the config client's
// `path = value` items (docs/bgp.md lists every key):
//
//   bgp.asn = 65001                          local AS (4-octet)
//   bgp.router-id = 198.18.2.1               BGP identifier
//   bgp.port = 179                           where to listen (0: do not listen)
//   bgp.graceful-restart-time = 120          seconds, advertised in the GR capability
//   bgp.neighbor.ADDR.remote-as = 65002      one neighbor per address
//   bgp.neighbor.ADDR.passive = true         wait for the peer to connect
//   bgp.neighbor.ADDR.update-source = ADDR   source address of our connection
//   bgp.neighbor.ADDR.port / .hold-time / .connect-retry-ms / .description
//   bgp.network.PREFIX = 1                   export PREFIX to every neighbor (next hop self)
//
// A configuration without bgp.asn has BGP off.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "bgp/bgp_session.h"

namespace hitless::bgp {

struct BgpConfig {
  bool enabled = false;
  uint32_t asn = 0;
  uint32_t router_id = 0;
  uint16_t port = 179;
  uint16_t graceful_restart_time_s = 120;
  std::vector<PeerConfig> peers;        // sorted by address
  std::vector<net::IpPrefix> networks;  // sorted
  bool operator==(const BgpConfig&) const = default;
};

// Every bgp.* key is checked; the first bad one is the error (with its key).
Result<BgpConfig> parseBgpConfig(const std::unordered_map<std::string, std::string>& items);

}  // namespace hitless::bgp
