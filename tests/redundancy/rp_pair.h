// RpPair: two real rpd processes (any releases) wired by a checkpoint socket in a private temp
// directory, with helpers to drive them over their control sockets. Everything is killed and
// removed when the fixture ends.
#pragma once

#include <array>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "util/child_process.h"
#include "util/temp_dir.h"

namespace hitless::testing {

class RpPair {
 public:
  RpPair();

  // Starts the rpd of `release` ("1.0", "1.1", "2.0") in `slot`. Extra args are appended.
  void start(int slot, const std::string& release, bool active,
             std::vector<std::string> extra = {});
  void kill(int slot);
  // argv prefix every rpd is started with from now on (e.g. `ip netns exec NS`).
  void setLauncher(std::vector<std::string> prefix) { launcher_ = std::move(prefix); }
  ChildProcess& process(int slot) { return *procs_[slot]; }
  bool running(int slot) { return procs_[slot] && !procs_[slot]->exited(); }

  // One control request; a failed request returns {"ok": false, "error": ...}.
  nlohmann::json request(int slot, const nlohmann::json& req, int timeout_ms = 20000);
  nlohmann::json status(int slot) { return request(slot, {{"cmd", "show-redundancy"}}, 2000); }
  int state(int slot);  // RF state number, 0 when unreachable
  bool waitState(int slot, int rf_state, int timeout_ms = 10000);
  nlohmann::json apply(int slot, const std::string& changes);
  nlohmann::json dump(int slot) { return request(slot, {{"cmd", "rib-dump"}}); }
  // `show bgp summary` of `slot` (null when it does not answer or runs no BGP).
  nlohmann::json bgpSummary(int slot);
  // `slot`'s first neighbor is Established with `prefixes` received, and BGP is not restarting.
  bool bgpConverged(int slot, size_t prefixes);
  // What `show bgp neighbors` of `slot` says of its first neighbor's NSR protection (none when it
  // does not answer or has no neighbor).
  std::optional<bool> bgpNsrProtected(int slot);

  std::string controlSocket(int slot) const {
    return dir_.file("rp" + std::to_string(slot) + ".ctl");
  }
  std::string checkpointSocket() const { return dir_.file("ckpt.sock"); }
  const TempDir& dir() const { return dir_; }
  std::string logs();

 private:
  TempDir dir_;
  std::array<std::unique_ptr<ChildProcess>, 2> procs_;
  int restarts_ = 0;
  std::vector<std::string> launcher_;
};

}  // namespace hitless::testing
