// ForwardingRig: the netns testbed with a real fwdd in the router namespace and the loss meter
// between src and dst, for forwarding integration tests. Everything it starts is killed and
// every namespace removed when it goes away, pass or fail.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "fib/netlink_fib.h"
#include "testbed/testbed.h"
#include "util/child_process.h"
#include "util/temp_dir.h"

namespace hitless::testing {

// Runs `fn` on a thread that entered network namespace `ns`: sockets it opens live there.
template <typename Fn>
auto runInNetns(const std::string& ns, Fn fn) -> decltype(fn());

class ForwardingRig {
 public:
  // Empty error: ready. Otherwise what failed (tests ASSERT on it).
  std::string up(bool with_peer = false);
  ~ForwardingRig();

  // `binary`: which fwdd release ("fwdd", "fwdd-1.0", ...).
  void startFwdd(std::vector<std::string> extra = {}, const std::string& binary = "fwdd");
  void killFwdd();
  nlohmann::json fwddStatus();
  // Waits until fwdd answers and is not in a replay, with `routes` installed.
  bool waitFwdd(size_t routes, int timeout_ms = 20000);
  std::string fibSocket() const { return dir_.file("fib.sock"); }
  std::string fwddLog() const;

  // The routes fwdd's protocol holds in the router namespace's kernel, read independently.
  std::vector<net::Route> kernelRoutes();
  // A netlink socket in the router namespace (for dumps and route monitors).
  std::unique_ptr<fib::NetlinkFib> routerNetlink();

  // Loss meter: receiver in dst, sender in src at `pps` for `duration_ms`.
  void startTraffic(int pps, int duration_ms);
  // Waits for both sides to finish; returns {"send": ..., "recv": ...} or {"error": ...}.
  nlohmann::json finishTraffic(int timeout_ms = 30000);

  const testbed::Testbed& testbed() const { return *tb_; }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  std::unique_ptr<testbed::Testbed> tb_;
  std::unique_ptr<ChildProcess> fwdd_, sender_, receiver_;
  int fwdd_starts_ = 0;
};

uint64_t monotonicNs();
// Waits until the traffic (just started) has run for `ms`: places a fault inside the traffic
// window; expectNoLoss() checks afterwards that it landed there.
void waitIntoTraffic(int ms);
// The loss meter's report shows every packet sent arrived, and `fault_ns` fell inside the run.
void expectNoLoss(const nlohmann::json& traffic, uint64_t fault_ns);

}  // namespace hitless::testing

#include "forwarding_rig_inl.h"
