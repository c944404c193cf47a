#include "redundancy/rp_pair.h"

#include <filesystem>

#include "control/control_server.h"

namespace hitless::testing {

RpPair::RpPair() {
  std::filesystem::create_directories(dir_.file("s0"));
  std::filesystem::create_directories(dir_.file("s1"));
}

void RpPair::start(int slot, const std::string& release, bool active,
                   std::vector<std::string> extra) {
  std::vector<std::string> argv = {std::string(HITLESS_BIN_DIR) + "/rpd-" + release,
                                   "--slot",
                                   std::to_string(slot),
                                   active ? "--active" : "--standby",
                                   "--state-dir",
                                   dir_.file("s" + std::to_string(slot)),
                                   "--checkpoint-socket",
                                   checkpointSocket(),
                                   "--control",
                                   controlSocket(slot),
                                   "--heartbeat-ms",
                                   "100",
                                   "--heartbeat-threshold",
                                   "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.insert(argv.begin(), launcher_.begin(), launcher_.end());
  procs_[slot] = ChildProcess::spawn(argv, dir_.file("rp" + std::to_string(slot) + ".log"));
  ++restarts_;
}

void RpPair::kill(int slot) {
  if (procs_[slot]) procs_[slot]->kill();
}

nlohmann::json RpPair::request(int slot, const nlohmann::json& req, int timeout_ms) {
  auto r = control::controlRequest(controlSocket(slot), req, timeout_ms);
  if (!r.isOk()) return {{"ok", false}, {"error", r.status().message()}};
  return *r;
}

int RpPair::state(int slot) {
  auto s = status(slot);
  if (!s.value("ok", false)) return 0;
  return s["my_state"]["number"].get<int>();
}

bool RpPair::waitState(int slot, int rf_state, int timeout_ms) {
  return waitFor([&] { return state(slot) == rf_state; }, timeout_ms);
}

nlohmann::json RpPair::apply(int slot, const std::string& changes) {
  return request(slot, {{"cmd", "rib-apply"}, {"changes", changes}});
}

nlohmann::json RpPair::bgpSummary(int slot) {
  auto r = request(slot, {{"cmd", "show-bgp-summary"}}, 2000);
  return r.value("ok", false) ? r["bgp"] : nlohmann::json();
}

bool RpPair::bgpConverged(int slot, size_t prefixes) {
  auto s = bgpSummary(slot);
  if (s.is_null() || s["neighbors"].empty()) return false;
  const auto& n = s["neighbors"][0];
  return n["state"] == "Established" && n["prefixes_received"] == prefixes &&
         !s["restarting"].get<bool>();
}

std::optional<bool> RpPair::bgpNsrProtected(int slot) {
  auto n = request(slot, {{"cmd", "show-bgp-neighbors"}}, 2000);
  if (!n.value("ok", false) || n["bgp"].empty()) return std::nullopt;
  return n["bgp"][0]["nsr"]["protected"] == true;
}

std::string RpPair::logs() {
  std::string out;
  for (int s = 0; s < 2; ++s) {
    if (procs_[s]) out += "--- rp" + std::to_string(s) + " log:\n" + procs_[s]->log();
  }
  return out;
}

}  // namespace hitless::testing
