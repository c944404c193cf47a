#include "bgp/bgp_config.h"

#include <algorithm>
#include <charconv>
#include <map>

namespace hitless::bgp {
namespace {

template <typename T>
Result<T> number(const std::string& key, const std::string& value, uint64_t max) {
  uint64_t v = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (ec != std::errc() || end != value.data() + value.size() || v > max) {
    return Status::invalidArgument(key + ": '" + value + "' is not a number in 0.." +
                                   std::to_string(max));
  }
  return static_cast<T>(v);
}

Result<bool> boolean(const std::string& key, const std::string& value) {
  if (value == "true" || value == "1" || value == "yes") return true;
  if (value == "false" || value == "0" || value == "no") return false;
  return Status::invalidArgument(key + ": '" + value + "' is not true or false");
}

Result<uint32_t> routerId(const std::string& key, const std::string& value) {
  auto a = net::IpAddress::parse(value);
  if (!a.isOk() || a->family != net::Family::kIpv4) {
    return Status::invalidArgument(key + ": '" + value + "' is not an IPv4 address");
  }
  return uint32_t{a->bytes[0]} << 24 | uint32_t{a->bytes[1]} << 16 | uint32_t{a->bytes[2]} << 8 |
         a->bytes[3];
}

}  // namespace

Result<BgpConfig> parseBgpConfig(const std::unordered_map<std::string, std::string>& items) {
  BgpConfig c;
  std::map<net::IpAddress, PeerConfig> peers;
  // Sorted, so the first error reported does not depend on hash order.
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : items) {
    if (k.rfind("bgp.", 0) == 0) sorted.emplace(k, v);
  }
  for (const auto& [key, value] : sorted) {
    if (key == "bgp.asn") {
      ASSIGN_OR_RETURN(c.asn, number<uint32_t>(key, value, 0xffffffffu));
      if (c.asn == 0) return Status::invalidArgument(key + ": AS 0 is reserved");
      c.enabled = true;
    } else if (key == "bgp.router-id") {
      ASSIGN_OR_RETURN(c.router_id, routerId(key, value));
    } else if (key == "bgp.port") {
      ASSIGN_OR_RETURN(c.port, number<uint16_t>(key, value, 65535));
    } else if (key == "bgp.graceful-restart-time") {
      ASSIGN_OR_RETURN(c.graceful_restart_time_s, number<uint16_t>(key, value, 4095));
    } else if (key.rfind("bgp.network.", 0) == 0) {
      auto p = net::IpPrefix::parse(key.substr(12));
      if (!p.isOk()) return p.status().withContext(key);
      c.networks.push_back(*p);
    } else if (key.rfind("bgp.neighbor.", 0) == 0) {
      std::string rest = key.substr(13);
      size_t dot = rest.rfind('.');
      if (dot == std::string::npos) return Status::invalidArgument(key + ": no neighbor attribute");
      auto addr = net::IpAddress::parse(rest.substr(0, dot));
      if (!addr.isOk()) return addr.status().withContext(key);
      PeerConfig& p = peers[*addr];
      p.address = *addr;
      std::string attr = rest.substr(dot + 1);
      if (attr == "remote-as") {
        ASSIGN_OR_RETURN(p.remote_as, number<uint32_t>(key, value, 0xffffffffu));
      } else if (attr == "passive") {
        ASSIGN_OR_RETURN(p.passive, boolean(key, value));
      } else if (attr == "port") {
        ASSIGN_OR_RETURN(p.port, number<uint16_t>(key, value, 65535));
      } else if (attr == "hold-time") {
        ASSIGN_OR_RETURN(p.hold_time_s, number<uint16_t>(key, value, 65535));
        if (p.hold_time_s == 1 || p.hold_time_s == 2) {
          return Status::invalidArgument(key + ": hold time must be 0 or at least 3 s");
        }
      } else if (attr == "connect-retry-ms") {
        ASSIGN_OR_RETURN(p.connect_retry_ms, number<int64_t>(key, value, 3600000));
        p.connect_retry_ms = std::max<int64_t>(p.connect_retry_ms, 10);
      } else if (attr == "update-source") {
        auto local = net::IpAddress::parse(value);
        if (!local.isOk() || local->family != addr->family) {
          return Status::invalidArgument(key + ": '" + value + "' is not an address of the " +
                                         "neighbor's family");
        }
        p.local_address = *local;
      } else if (attr == "description") {
        p.description = value;
      } else {
        return Status::invalidArgument(key + ": unknown neighbor attribute '" + attr + "'");
      }
    } else {
      return Status::invalidArgument(key + ": unknown BGP setting");
    }
  }
  for (auto& [addr, p] : peers) {
    if (p.remote_as == 0) {
      return Status::invalidArgument("bgp.neighbor." + addr.toString() + ": no remote-as");
    }
    c.peers.push_back(p);
  }
  std::sort(c.networks.begin(), c.networks.end());
  if (c.enabled && c.router_id == 0) {
    return Status::invalidArgument("bgp.router-id: required when bgp.asn is set");
  }
  if (!c.enabled && (!c.peers.empty() || !c.networks.empty())) {
    return Status::invalidArgument("bgp.asn: required when neighbors or networks are set");
  }
  return c;
}

}  // namespace hitless::bgp
