// Testbed: the network namespaces every forwarding test and the demo run in (docs/testbed.md).
//
//   src ──(198.18.1.0/24)── rtr ──(198.18.2.0/24)── dst        [rtr ──(198.18.3.0/24)── peer]
//
// `src` sends, `rtr` is the router (fwdd writes its FIB; forwarding is on), `dst` receives and
// also holds 198.19.0.1/32 on its loopback — reachable from src only through a route in rtr's
// FIB (198.19.0.0/24 via 198.18.2.2), which is what a forwarding test must keep alive. The
// optional `peer` is where a BGP speaker runs. IPv4 addresses are in 198.18.0.0/15 (RFC 2544),
// IPv6 in 2001:2::/48 (RFC 5180): link N is 198.18.N.0/24 and 2001:2:0:N::/64, the router .1/::1.
//
// Namespace names are "<prefix><pid>x<n>-<role>", unique per process and testbed, so tests run
// in parallel. Teardown happens in the destructor, at exit, and on SIGINT/SIGTERM (the handler
// only unmounts and unlinks, which is async-signal-safe); a testbed left behind by a process
// that died anyway is removed by the next create() once its pid is gone.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "base/status.h"

namespace hitless::testbed {

struct TestbedOptions {
  std::string prefix = "hl";
  bool with_peer = false;
  // The process whose death makes this testbed an orphan (0: this one). A script that keeps a
  // testbed across commands (hitless-testbed up) names its own pid.
  int owner_pid = 0;
};

// Fixed addresses of the topology.
struct Addresses {
  static constexpr const char* kSrc = "198.18.1.2";
  static constexpr const char* kRtrToSrc = "198.18.1.1";
  static constexpr const char* kRtrToDst = "198.18.2.1";
  static constexpr const char* kDst = "198.18.2.2";
  static constexpr const char* kRtrToPeer = "198.18.3.1";
  static constexpr const char* kPeer = "198.18.3.2";
  static constexpr const char* kTarget = "198.19.0.1";           // on dst's loopback
  static constexpr const char* kTargetPrefix = "198.19.0.0/24";  // rtr must route it to kDst
};

class Testbed {
 public:
  static Result<std::unique_ptr<Testbed>> create(const TestbedOptions& options);
  ~Testbed();
  Testbed(const Testbed&) = delete;
  Testbed& operator=(const Testbed&) = delete;

  const std::string& src() const { return names_[0]; }
  const std::string& rtr() const { return names_[1]; }
  const std::string& dst() const { return names_[2]; }
  const std::string& peer() const { return names_[3]; }  // "" without with_peer

  // argv that runs `argv` inside namespace `ns` (ip netns exec).
  static std::vector<std::string> inNetns(const std::string& ns, std::vector<std::string> argv);
  // Removes every namespace of this testbed. Idempotent.
  Status teardown();
  // Leave the namespaces in place when this object goes away (hitless-testbed up).
  void release();

  // Removes the namespaces of testbeds named `prefix<pid>x...` whose process is gone; returns
  // how many were removed.
  static int sweepOrphans(const std::string& prefix);
  // Removes the namespaces of one testbed by its base name ("<prefix><pid>x<n>").
  static Status destroy(const std::string& base);

 private:
  explicit Testbed(std::string base) : base_(std::move(base)) {}
  Status build(const TestbedOptions& options);

  std::string base_;
  std::vector<std::string> names_ = {"", "", "", ""};
  bool released_ = false;
};

// The path of `ip` (iproute2) on this machine.
const std::string& ipTool();

}  // namespace hitless::testbed
