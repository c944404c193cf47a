// `show bgp summary` and `show bgp neighbors`: what the speaker reports about its sessions
// (docs/bgp.md), kept apart from what it does with them.
#include <nlohmann/json.hpp>

#include "bgp/bgp_speaker.h"

namespace hitless::bgp {
namespace {

std::string routerIdText(uint32_t id) { return net::IpAddress::v4(id).toString(); }

}  // namespace

std::string BgpSpeaker::nsrBlocker(const BgpSession& s) const {
  if (s.state() != SessionState::kEstablished) return "the session is not established";
  std::string host = host_.nsrBlocker(s.peer().address, s.sessionId());
  if (!host.empty()) return host;
  if (!s.peeksInput()) {
    return "this kernel cannot keep input in its queue until the standby holds it (SO_PEEK_OFF "
           "on TCP, Linux 6.10): a crash with input in flight restarts the session gracefully";
  }
  return "";
}

size_t BgpSpeaker::adjRibInSize() const {
  size_t n = 0;
  for (const auto& p : peers_) n += p->adj_in.size();
  return n;
}

nlohmann::json BgpSpeaker::summary() const {
  nlohmann::json j;
  j["router_id"] = routerIdText(config_.router_id);
  j["local_as"] = config_.asn;
  j["restarting"] = restarting_;
  j["restart_stale"] = restart_stale_.size();
  nlohmann::json peers = nlohmann::json::array();
  int64_t now = loop_.clock().nowNs();
  for (const auto& p : peers_) {
    const BgpSession& s = *p->session;
    const SessionCounters& c = s.counters();
    peers.push_back({
        {"neighbor", s.peer().address.toString()},
        {"remote_as", s.peer().remote_as},
        {"state", sessionStateName(s.state())},
        {"messages_received", c.messages_in},
        {"messages_sent", c.messages_out},
        {"updates_received", c.updates_in},
        {"updates_sent", c.updates_out},
        {"prefixes_received", p->adj_in.size()},
        {"prefixes_stale", p->adj_in.staleCount()},
        {"prefixes_sent", p->prefixes_sent},
        {"flaps", p->flaps},
        {"up_for_s", s.establishedSinceNs() ? (now - s.establishedSinceNs()) / 1000000000 : 0},
        {"nsr_ready", nsrBlocker(s).empty()},
    });
  }
  j["neighbors"] = std::move(peers);
  return j;
}

nlohmann::json BgpSpeaker::neighbors() const {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& p : peers_) {
    const BgpSession& s = *p->session;
    const SessionCounters& c = s.counters();
    nlohmann::json n = {
        {"neighbor", s.peer().address.toString()},
        {"remote_as", s.peer().remote_as},
        {"local_as", config_.asn},
        {"link", s.isEbgp() ? "external" : "internal"},
        {"description", s.peer().description},
        {"state", sessionStateName(s.state())},
        {"remote_router_id", routerIdText(s.peerOpen().bgp_id)},
        {"local_address", s.localAddress().toString()},
        {"hold_time_s", s.negotiatedHoldTime()},
        {"configured_hold_time_s", s.peer().hold_time_s},
        {"passive", s.peer().passive},
        {"last_error", s.lastError()},
        {"last_down_reason", p->last_down_reason},
        {"flaps", p->flaps},
        {"counters",
         {{"messages_in", c.messages_in},
          {"messages_out", c.messages_out},
          {"updates_in", c.updates_in},
          {"updates_out", c.updates_out},
          {"keepalives_in", c.keepalives_in},
          {"keepalives_out", c.keepalives_out},
          {"notifications_in", c.notifications_in},
          {"notifications_out", c.notifications_out},
          {"treat_as_withdraw", c.treat_as_withdraw},
          {"established_transitions", c.established_transitions},
          {"input_pauses", c.input_pauses},
          {"input_paused_ms", c.input_paused_ns / 1000000}}},
    };
    std::string blocker = nsrBlocker(s);
    n["nsr"] = {{"protected", blocker.empty()}, {"reason", blocker}};
    nlohmann::json caps = nlohmann::json::array();
    if (s.state() == SessionState::kEstablished) {
      for (AfiSafi a : {kIpv4Unicast, kIpv6Unicast}) {
        if (s.negotiated(a)) caps.push_back(a == kIpv4Unicast ? "ipv4-unicast" : "ipv6-unicast");
      }
      if (s.peerOpen().caps.route_refresh) caps.push_back("route-refresh");
      if (s.codecOptions().four_octet_as) caps.push_back("4-octet-as");
      if (const auto& gr = s.peerOpen().caps.graceful_restart) {
        caps.push_back("graceful-restart(" + std::to_string(gr->restart_time_s) + "s)");
      }
    }
    n["capabilities"] = std::move(caps);
    out.push_back(std::move(n));
  }
  return out;
}

}  // namespace hitless::bgp
