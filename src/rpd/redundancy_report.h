// RedundancyReport: what `show redundancy` says about one RP (the control command
// show-redundancy, docs/control-protocol.md) — its RF state and history, the pair's mode, the
// switchovers it took part in, the checkpoint session's figures — and the timeline it needs
// (when the session came up, when the standby reached HOT, when this RP took over).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "checkpoint/channel.h"
#include "event/event_loop.h"
#include "redundancy/rf_fsm.h"

namespace hitless::rpd {

class RedundancyReport {
 public:
  RedundancyReport(const event::EventLoop& loop, uint8_t slot);

  // The timeline, as it happens.
  void sessionUp() { session_up_ns_ = now(); }
  void reachedHot() { hot_at_ns_ = now(); }
  void peerLost() { peer_lost_ns_ = now(); }
  void tookOver(redundancy::SwactReason reason);
  // CLOCK_MONOTONIC ns at which this RP last became ACTIVE by takeover (0: never).
  int64_t tookOverAtNs() const { return took_over_ns_; }

  // What the report is rendered from besides the timeline.
  struct Facts {
    const redundancy::RfFsm& fsm;
    std::string software_version, peer_software_version;
    size_t client_count = 0;
    int64_t heartbeat_interval_ms = 0;
    int heartbeat_threshold = 0;
    size_t routes = 0;
    std::string rib_digest;  // 32 bytes
    size_t config_items = 0;
    const checkpoint::CheckpointChannel* channel = nullptr;  // the session, if any
    nlohmann::json fib;
  };
  nlohmann::json render(const Facts& facts) const;

 private:
  struct Switchover {
    int index;
    int previous_active, current_active;
    std::string reason, time;
  };
  int64_t now() const { return loop_.clock().nowNs(); }

  const event::EventLoop& loop_;
  const uint8_t slot_;
  int64_t started_ns_;
  int64_t took_over_ns_ = 0;
  int64_t peer_lost_ns_ = 0;                   // when the last session ended
  int64_t session_up_ns_ = 0, hot_at_ns_ = 0;  // last session start; when it reached HOT
  std::string last_switchover_time_ = "never";
  std::vector<Switchover> switchovers_;
};

}  // namespace hitless::rpd
