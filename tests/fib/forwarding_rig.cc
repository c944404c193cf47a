#include "forwarding_rig.h"

#include <gtest/gtest.h>
#include <time.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "control/control_server.h"

namespace hitless::testing {

std::string ForwardingRig::up(bool with_peer) {
  if (dir_.path().empty()) return "no temp dir";
  testbed::TestbedOptions options;
  options.with_peer = with_peer;
  auto tb = testbed::Testbed::create(options);
  if (!tb.isOk()) return tb.status().message();
  tb_ = std::move(*tb);
  return "";
}

ForwardingRig::~ForwardingRig() {
  for (auto* p : {&sender_, &receiver_, &fwdd_}) {
    if (*p) (*p)->kill();
  }
  tb_.reset();  // namespaces go after the processes in them
}

void ForwardingRig::startFwdd(std::vector<std::string> extra, const std::string& binary) {
  std::vector<std::string> argv = {std::string(HITLESS_BIN_DIR) + "/" + binary,
                                   "--netns",
                                   tb_->rtr(),
                                   "--socket",
                                   fibSocket(),
                                   "--control",
                                   dir_.file("fwdd.ctl"),
                                   "--state-dir",
                                   dir_.path()};
  argv.insert(argv.end(), extra.begin(), extra.end());
  fwdd_ = ChildProcess::spawn(argv, dir_.file("fwdd.log"));
  ++fwdd_starts_;
}

void ForwardingRig::killFwdd() {
  if (fwdd_) fwdd_->kill();
}

nlohmann::json ForwardingRig::fwddStatus() {
  auto r = control::controlRequest(dir_.file("fwdd.ctl"), {{"cmd", "show-fib"}}, 2000);
  if (!r.isOk()) return {{"ok", false}, {"error", r.status().message()}};
  return *r;
}

bool ForwardingRig::waitFwdd(size_t routes, int timeout_ms) {
  return waitFor(
      [&] {
        auto s = fwddStatus();
        return s.value("ok", false) && !s["replaying"].get<bool>() &&
               s["routes"].get<size_t>() == routes;
      },
      timeout_ms);
}

std::string ForwardingRig::fwddLog() const {
  auto text = readFile(dir_.file("fwdd.log"));
  return text.isOk() ? *text : "";
}

std::unique_ptr<fib::NetlinkFib> ForwardingRig::routerNetlink() {
  auto nl = runInNetns(tb_->rtr(), [] { return fib::NetlinkFib::open({}); });
  return nl.isOk() ? std::move(*nl) : nullptr;
}

std::vector<net::Route> ForwardingRig::kernelRoutes() {
  auto nl = routerNetlink();
  if (!nl) return {};
  auto routes = nl->dump();
  return routes.isOk() ? *routes : std::vector<net::Route>{};
}

void ForwardingRig::startTraffic(int pps, int duration_ms) {
  const std::string loss = std::string(HITLESS_BIN_DIR) + "/hitless-loss";
  std::string target = std::string(testbed::Addresses::kTarget) + ":9000";
  // The ready file of the previous run must not stand for this one: the sender would start
  // before this receiver is bound, and its first probes would meet a closed port.
  std::error_code ec;
  std::filesystem::remove(dir_.file("recv.ready"), ec);
  std::filesystem::remove(dir_.file("send.started"), ec);
  receiver_ = ChildProcess::spawn(
      testbed::Testbed::inNetns(
          tb_->dst(),
          {loss, "recv", "--listen", target, "--timeout-ms", std::to_string(duration_ms + 20000),
           "--out", dir_.file("recv.json"), "--ready-file", dir_.file("recv.ready")}),
      dir_.file("recv.log"));
  waitFor([&] { return pathExists(dir_.file("recv.ready")); }, 10000);
  sender_ = ChildProcess::spawn(
      testbed::Testbed::inNetns(
          tb_->src(), {loss, "send", "--to", target, "--pps", std::to_string(pps), "--duration-ms",
                       std::to_string(duration_ms), "--out", dir_.file("send.json"),
                       "--started-file", dir_.file("send.started")}),
      dir_.file("send.log"));
  // A loaded machine may take a while to start the sender: what a test times from here (a fault
  // "into the traffic") must count from its first probe.
  waitFor([&] { return pathExists(dir_.file("send.started")); }, 10000);
}

nlohmann::json ForwardingRig::finishTraffic(int timeout_ms) {
  bool done = waitFor([&] { return sender_->exited() && receiver_->exited(); }, timeout_ms);
  if (!done) return {{"error", "the loss meter did not finish in time"}};
  auto send = readFile(dir_.file("send.json"));
  auto recv = readFile(dir_.file("recv.json"));
  if (!send.isOk() || !recv.isOk()) {
    return {{"error",
             "no loss meter report: " + (send.isOk() ? recv.status() : send.status()).message()}};
  }
  return {{"send", nlohmann::json::parse(*send)}, {"recv", nlohmann::json::parse(*recv)}};
}

uint64_t monotonicNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 1'000'000'000ull + static_cast<uint64_t>(ts.tv_nsec);
}

void waitIntoTraffic(int ms) {
  uint64_t until = monotonicNs() + static_cast<uint64_t>(ms) * 1'000'000;
  waitFor([&] { return monotonicNs() >= until; }, ms + 1000);
}

void expectNoLoss(const nlohmann::json& traffic, uint64_t fault_ns) {
  ASSERT_FALSE(traffic.contains("error")) << traffic.dump();
  const auto& send = traffic["send"];
  const auto& recv = traffic["recv"];
  EXPECT_TRUE(recv["end_marker_seen"].get<bool>());
  EXPECT_GT(send["sent"].get<uint64_t>(), 10000u);
  EXPECT_EQ(send["send_errors"], 0);
  EXPECT_EQ(recv["sent"], send["sent"]);
  EXPECT_EQ(recv["lost"], 0) << recv.dump();
  EXPECT_EQ(recv["received"], send["sent"]);
  uint64_t start = send["start_monotonic_ns"];
  uint64_t end = start + static_cast<uint64_t>(send["duration_s"].get<double>() * 1e9);
  EXPECT_GT(fault_ns, start) << "the fault must happen while traffic flows";
  EXPECT_LT(fault_ns, end) << "the fault must happen while traffic flows";
}

}  // namespace hitless::testing
