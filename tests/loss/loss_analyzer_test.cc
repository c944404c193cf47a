#include "loss/loss_analyzer.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace hitless::loss {
namespace {

constexpr uint64_t kStart = 1'000'000'000;
constexpr uint64_t kStep = 100'000;  // 10k pps

void feed(LossAnalyzer& a, std::initializer_list<uint64_t> seqs) {
  for (uint64_t s : seqs) {
    a.onProbe({1, s, kStart + s * kStep, kStart, 0}, kStart + s * kStep + 50'000);
  }
}

TEST(LossAnalyzerTest, CleanRunHasNoLoss) {
  LossAnalyzer a;
  for (uint64_t s = 0; s < 1000; ++s) feed(a, {s});
  a.onEnd(1000, kStart + 1000 * kStep);
  auto j = a.report(true);
  EXPECT_EQ(j["sent"], 1000);
  EXPECT_EQ(j["lost"], 0);
  EXPECT_EQ(j["longest_loss_run"], 0);
  EXPECT_TRUE(j["end_marker_seen"]);
  uint64_t received = 0;
  for (const auto& b : j["series"]) received += b["received"].get<uint64_t>();
  EXPECT_EQ(received, 1000u);
}

TEST(LossAnalyzerTest, GapIsCountedAndPlacedInTime) {
  LossAnalyzer a;
  for (uint64_t s = 0; s < 1000; ++s) {
    if (s < 300 || s >= 500) feed(a, {s});  // 200 probes (20 ms) lost from 30 ms on
  }
  a.onEnd(1000, kStart + 1000 * kStep);
  auto j = a.report(true);
  EXPECT_EQ(j["lost"], 200);
  EXPECT_EQ(j["longest_loss_run"], 200);
  EXPECT_NEAR(j["longest_loss_run_at_ms"].get<double>(), 29.9, 0.01);
  EXPECT_NEAR(j["longest_gap_ms"].get<double>(), 20.1, 0.01);
  int64_t lost_in_window = 0, lost_elsewhere = 0;
  for (const auto& b : j["series"]) {
    double t = b["t_ms"];
    (t >= 30 && t < 50 ? lost_in_window : lost_elsewhere) += b["lost"].get<int64_t>();
  }
  EXPECT_EQ(lost_in_window, 200);
  EXPECT_EQ(lost_elsewhere, 0);
}

TEST(LossAnalyzerTest, DuplicatesAndReorderingAreNotLoss) {
  LossAnalyzer a;
  feed(a, {0, 1, 3, 2, 4, 4, 5});
  a.onEnd(6, kStart + 6 * kStep);
  auto j = a.report(false);
  EXPECT_EQ(j["lost"], 0);
  EXPECT_EQ(j["duplicated"], 1);
  EXPECT_EQ(j["reordered"], 1);
}

TEST(LossAnalyzerTest, DeadPathAtTheEndIsLossNotSilence) {
  LossAnalyzer a;
  for (uint64_t s = 0; s < 100; ++s) feed(a, {s});
  a.onEnd(1000, kStart + 1000 * kStep);  // the sender went on; nothing more arrived
  auto j = a.report(true);
  EXPECT_EQ(j["lost"], 900);
  EXPECT_EQ(j["longest_loss_run"], 900);
  int64_t series_lost = 0;
  for (const auto& b : j["series"]) series_lost += b["lost"].get<int64_t>();
  EXPECT_EQ(series_lost, 900);
}

TEST(LossAnalyzerTest, WithoutEndMarkerTheReportSaysSo) {
  LossAnalyzer a;
  feed(a, {0, 1, 2});
  auto j = a.report(false);
  EXPECT_FALSE(j["end_marker_seen"]);
  EXPECT_EQ(j["sent"], 3);
}

TEST(LossAnalyzerTest, ProbeCodecRejectsForeignPackets) {
  char buf[kHeaderSize];
  writeProbe({7, 42, 5, 1, kFlagEnd}, buf);
  auto p = readProbe(std::string_view(buf, sizeof(buf)));
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->sequence, 42u);
  EXPECT_EQ(p->flags, kFlagEnd);
  EXPECT_FALSE(readProbe(std::string_view(buf, sizeof(buf) - 1)).has_value());
  buf[0] ^= 1;
  EXPECT_FALSE(readProbe(std::string_view(buf, sizeof(buf))).has_value());
}

}  // namespace
}  // namespace hitless::loss
