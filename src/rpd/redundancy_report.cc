#include "rpd/redundancy_report.h"

#include "base/file_util.h"
#include "control/control_server.h"

namespace hitless::rpd {
namespace {

nlohmann::json stateJson(redundancy::RfState s) {
  return {{"number", static_cast<int>(s)}, {"name", redundancy::rfStateName(s)}};
}

}  // namespace

RedundancyReport::RedundancyReport(const event::EventLoop& loop, uint8_t slot)
    : loop_(loop), slot_(slot), started_ns_(loop.clock().nowNs()) {}

void RedundancyReport::tookOver(redundancy::SwactReason reason) {
  took_over_ns_ = now();
  last_switchover_time_ = event::wallClockString();
  switchovers_.push_back({static_cast<int>(switchovers_.size() + 1), slot_ == 0 ? 2 : 1, slot_ + 1,
                          std::string(redundancy::swactReasonName(reason)), last_switchover_time_});
}

nlohmann::json RedundancyReport::render(const Facts& f) const {
  using nlohmann::json;
  const redundancy::RfFsm& fsm = f.fsm;
  json history = json::array();
  for (const auto& t : fsm.history()) {
    history.push_back({{"from", stateJson(t.from)}, {"to", stateJson(t.to)}, {"why", t.why}});
  }
  json swacts = json::array();
  for (const auto& s : switchovers_) {
    swacts.push_back({{"index", s.index},
                      {"previous_active", s.previous_active},
                      {"current_active", s.current_active},
                      {"reason", s.reason},
                      {"time", s.time}});
  }
  const bool duplex = fsm.communicationsUp();
  json j = {
      {"ok", true},
      {"slot", slot_},
      {"unit", slot_ == 0 ? "Primary" : "Secondary"},
      {"unit_id", slot_ + 1},
      {"software_version", f.software_version},
      {"peer_software_version", duplex ? json(f.peer_software_version) : json(nullptr)},
      {"my_state", stateJson(fsm.state())},
      {"peer_state", stateJson(fsm.peerState())},
      {"mode", duplex ? "Duplex" : "Simplex"},
      {"redundancy_mode_operational", redundancy::modeName(fsm.mode())},
      {"redundancy_mode_configured", "Stateful Switchover"},
      {"communications", duplex ? "Up" : "Down"},
      {"epoch", fsm.epoch()},
      {"client_count", f.client_count},
      {"keep_alive_ms", f.heartbeat_interval_ms},
      {"keep_alive_threshold", f.heartbeat_threshold},
      {"uptime_s", (now() - started_ns_) / 1000000000},
      {"switchovers", fsm.switchovers()},
      {"standby_failures", fsm.standbyFailures()},
      {"last_switchover_reason", redundancy::swactReasonName(fsm.lastSwitchoverReason())},
      {"last_switchover_time", last_switchover_time_},
      {"took_over_monotonic_ns", took_over_ns_},
      {"peer_lost_monotonic_ns", peer_lost_ns_},
      // CLOCK_MONOTONIC, comparable across processes: when this rpd came up, its checkpoint
      // session last came up and it last reached STANDBY HOT (0: not yet) — the phases of an
      // ISSU step as the demo's breakdown measures them.
      {"started_monotonic_ns", started_ns_},
      {"session_up_monotonic_ns", session_up_ns_},
      {"hot_monotonic_ns", hot_at_ns_},
      {"session_to_hot_ms",
       hot_at_ns_ > session_up_ns_ ? json((hot_at_ns_ - session_up_ns_) / 1e6) : json(nullptr)},
      {"rib", {{"routes", f.routes}, {"digest", toHex(f.rib_digest)}}},
      {"config_items", f.config_items},
      {"history", std::move(history)},
      {"switchover_history", std::move(swacts)},
  };
  if (f.channel != nullptr && f.channel->negotiated()) {
    const auto& st = f.channel->stats();
    j["negotiation"] = issu::toJson(f.channel->negotiation());
    j["checkpoint"] = {{"transactions_sent", st.transactions_sent},
                       {"transactions_acked", st.transactions_acked},
                       {"transactions_applied", st.transactions_applied},
                       {"unacked", f.channel->unackedTransactions()},
                       {"lag_ms", f.channel->oldestUnackedAgeNs() / 1e6},
                       {"bytes_sent", st.bytes_sent},
                       {"bytes_received", st.bytes_received},
                       {"transforms", st.transforms}};
  }
  j["fib"] = f.fib;
  j["event_loop"] = control::loopStatsJson(loop_.stats());
  return j;
}

}  // namespace hitless::rpd
