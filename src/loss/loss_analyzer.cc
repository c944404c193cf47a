#include "loss/loss_analyzer.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace hitless::loss {

namespace {
constexpr uint64_t kMaxSequence = 1ull << 32;  // ~4 billion probes: hours at 200k pps

size_t binIndex(uint64_t bin_ns, uint64_t start_ns, uint64_t t) {
  return t > start_ns ? static_cast<size_t>((t - start_ns) / bin_ns) : 0;
}

void growTo(std::vector<Bin>& bins, size_t index) {
  if (index >= bins.size()) bins.resize(index + 1);
}
}  // namespace

void LossAnalyzer::addLostTo(std::vector<Bin>& bins, uint64_t bin_ns, uint64_t start_ns,
                             uint64_t count, uint64_t from_ns, uint64_t to_ns) {
  // The missing probes were sent evenly between the neighbours that did arrive.
  uint64_t span = to_ns > from_ns ? to_ns - from_ns : 0;
  for (uint64_t k = 1; k <= count; ++k) {
    uint64_t t = from_ns + static_cast<uint64_t>(static_cast<long double>(span) * k / (count + 1));
    size_t i = binIndex(bin_ns, start_ns, t);
    growTo(bins, i);
    ++bins[i].lost;
  }
}

void LossAnalyzer::onProbe(const Probe& p, uint64_t received_ns) {
  if (p.sequence >= kMaxSequence) return;  // not from a sane sender
  if (!any_) {
    start_ns_ = p.start_ns;
    first_arrival_ns_ = received_ns;
  }
  if (p.sequence >= seen_.size()) {
    seen_.resize(std::max<size_t>(p.sequence + 1, seen_.size() * 2));
  }
  if (seen_[p.sequence]) {
    ++duplicates_;
    return;
  }
  seen_[p.sequence] = true;
  ++received_;
  size_t bin = binIndex(bin_ns_, start_ns_, p.sent_ns);
  growTo(bins_, bin);
  ++bins_[bin].received;
  if (received_ns > p.sent_ns) max_latency_ns_ = std::max(max_latency_ns_, received_ns - p.sent_ns);
  if (last_arrival_ns_ != 0 && received_ns > last_arrival_ns_ &&
      received_ns - last_arrival_ns_ > longest_gap_ns_) {
    longest_gap_ns_ = received_ns - last_arrival_ns_;
    longest_gap_at_ns_ = last_arrival_ns_;
  }
  last_arrival_ns_ = std::max(last_arrival_ns_, received_ns);

  uint64_t expected = any_ ? highest_ + 1 : 0;
  uint64_t prev_sent_ns = any_ ? highest_sent_ns_ : start_ns_;
  any_ = true;
  if (p.sequence >= expected) {
    uint64_t missing = p.sequence - expected;
    if (missing > 0) {
      addLostTo(bins_, bin_ns_, start_ns_, missing, prev_sent_ns, p.sent_ns);
      if (missing > longest_run_) {
        longest_run_ = missing;
        longest_run_at_ns_ = prev_sent_ns;
      }
    }
    highest_ = p.sequence;
    highest_sent_ns_ = p.sent_ns;
  } else {
    // Counted lost when a later probe overtook it; it was only late.
    ++reordered_;
    --bins_[bin].lost;
  }
}

nlohmann::json LossAnalyzer::report(bool with_series) const {
  uint64_t sent = end_seen_ ? sent_ : (any_ ? highest_ + 1 : 0);
  uint64_t lost = sent > received_ ? sent - received_ : 0;
  std::vector<Bin> bins = bins_;
  uint64_t tail = 0;
  if (end_seen_ && sent > (any_ ? highest_ + 1 : 0)) {
    // Probes after the last one that arrived: lost at the end (a path that died stays visible).
    tail = sent - (any_ ? highest_ + 1 : 0);
    addLostTo(bins, bin_ns_, start_ns_, tail, any_ ? highest_sent_ns_ : start_ns_,
              std::max(end_ns_, highest_sent_ns_));
  }
  uint64_t longest_run = longest_run_, longest_run_at = longest_run_at_ns_;
  if (tail > longest_run) {
    longest_run = tail;
    longest_run_at = any_ ? highest_sent_ns_ : start_ns_;
  }
  auto ms = [&](uint64_t t) { return t > start_ns_ ? (t - start_ns_) / 1e6 : 0.0; };
  nlohmann::json j = {
      {"sent", sent},
      {"received", received_},
      {"lost", lost},
      {"duplicated", duplicates_},
      {"reordered", reordered_},
      {"loss_ratio", sent ? static_cast<double>(lost) / static_cast<double>(sent) : 0.0},
      {"longest_gap_ms", longest_gap_ns_ / 1e6},
      {"longest_gap_at_ms", ms(longest_gap_at_ns_)},
      {"longest_loss_run", longest_run},
      {"longest_loss_run_at_ms", longest_run ? ms(longest_run_at) : 0.0},
      {"max_latency_us", max_latency_ns_ / 1e3},
      {"end_marker_seen", end_seen_},
      {"start_monotonic_ns", start_ns_},
      {"bin_ms", bin_ns_ / 1e6}};
  if (with_series) {
    nlohmann::json series = nlohmann::json::array();
    for (size_t i = 0; i < bins.size(); ++i) {
      int64_t l = std::max<int64_t>(0, bins[i].lost);
      series.push_back({{"t_ms", static_cast<double>(i * bin_ns_) / 1e6},
                        {"received", bins[i].received},
                        {"lost", l}});
    }
    j["series"] = std::move(series);
  }
  return j;
}

}  // namespace hitless::loss
