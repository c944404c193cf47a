// LossAnalyzer: turns the probes a receiver saw into the loss meter's report — sent, received,
// lost, duplicated, reordered, the longest gap in arrivals and the longest run of lost probes
// (with when they happened), and a loss time series in fixed bins for plotting.
//
// Online and bounded: one bit per sequence number plus one counter pair per bin. A probe that is
// missing when a later one arrives is counted lost in the bin its send time interpolates to; if
// it turns up later (reordered) it is taken back out.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "loss/loss_packet.h"

namespace hitless::loss {

struct Bin {
  uint64_t received = 0;
  int64_t lost = 0;
};

class LossAnalyzer {
 public:
  explicit LossAnalyzer(uint64_t bin_ns = 10'000'000) : bin_ns_(bin_ns) {}

  // One data probe, received at `received_ns` (CLOCK_MONOTONIC).
  void onProbe(const Probe& p, uint64_t received_ns);
  // The sender's end marker: how many probes it sent.
  void onEnd(uint64_t sent, uint64_t end_ns) {
    end_seen_ = true;
    sent_ = sent;
    end_ns_ = end_ns;
  }
  bool endSeen() const { return end_seen_; }
  uint64_t received() const { return received_; }

  // The report (see docs/loss-meter.md for the fields).
  nlohmann::json report(bool with_series) const;

 private:
  void addLost(uint64_t from_seq, uint64_t to_seq, uint64_t from_ns, uint64_t to_ns);
  static void addLostTo(std::vector<Bin>& bins, uint64_t bin_ns, uint64_t start_ns, uint64_t count,
                        uint64_t from_ns, uint64_t to_ns);

  uint64_t bin_ns_;
  std::vector<bool> seen_;
  std::vector<Bin> bins_;
  uint64_t start_ns_ = 0;  // the sender's start
  bool any_ = false, end_seen_ = false;
  uint64_t sent_ = 0, end_ns_ = 0, received_ = 0, duplicates_ = 0, reordered_ = 0;
  uint64_t highest_ = 0, highest_sent_ns_ = 0;  // highest sequence received and its send time
  uint64_t last_arrival_ns_ = 0;
  uint64_t longest_gap_ns_ = 0, longest_gap_at_ns_ = 0;
  uint64_t run_ = 0, longest_run_ = 0, longest_run_at_ns_ = 0;
  uint64_t first_arrival_ns_ = 0, max_latency_ns_ = 0;
};

}  // namespace hitless::loss
