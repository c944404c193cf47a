// PeerDaemon: a real BGP implementation from Debian (BIRD 2, FRR bgpd, GoBGP) running as the
// router's neighbor in the testbed's peer namespace, started and killed by the test. Its own CLI
// (birdc, vtysh, gobgp) reads back what it saw, so "the peer noticed nothing" is the peer's word,
// not ours.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "util/child_process.h"
#include "util/temp_dir.h"

namespace hitless::testing {

struct PeerDaemonOptions {
  std::string netns;     // where it runs
  std::string address;   // its own address (198.18.3.2)
  std::string neighbor;  // the router (198.18.3.1)
  uint32_t asn = 65002;
  uint32_t neighbor_asn = 65001;
  size_t routes = 10000;  // announced: 100.64.0.0/24, 100.64.1.0/24, ... plus 198.19.0.0/24
  std::string next_hop;   // announced next hop (third party: the testbed's dst)
  int hold_time_s = 9;
  // More than one session from the same daemon (BIRD only): session i runs from its address
  // sessions[i].first to the router's sessions[i].second and announces its own `routes` prefixes,
  // the first one 198.19.0.0/24 too. (BIRD runs one session per neighbor address.) Empty: the one
  // session from `address` to `neighbor`.
  std::vector<std::pair<std::string, std::string>> sessions;
  // BIRD, one session: this many more prefixes (after the `routes`) that setChurn() announces
  // and withdraws, for UPDATEs on demand.
  size_t churn_routes = 0;
};

// What the peer says about its session with the router.
struct PeerView {
  bool established = false;
  std::string since;  // identifies the session: changes when it flaps
  // BIRD shows "since" as a wall-clock time converted from its monotonic clock: the same
  // instant can print 1 ms apart on two reads. sameSession() allows for that.
  int64_t since_ms = -1;
  uint64_t updates_received = 0;  // UPDATE-carried announcements accepted from the router
  uint64_t withdraws_received = 0;
  uint64_t routes_imported = 0;  // routes it holds from the router now
  int graceful_restarts =
      -1;           // restarts of the router it helped through (BIRD's log; -1: not read)
  std::string raw;  // the CLI output it was read from (for failure messages)
};

// The testbed's peer (198.18.3.2 in namespace `netns`) for the router 198.18.3.1, announcing
// `routes` prefixes with the third-party next hop dst (198.18.2.2).
PeerDaemonOptions testbedPeer(const std::string& netns, size_t routes, int hold_time_s = 9);

struct PeerView;
// True when `a` and `b` describe the same session (no flap in between).
bool sameSession(const PeerView& a, const PeerView& b);

class PeerDaemon {
 public:
  virtual ~PeerDaemon() = default;
  virtual std::string name() const = 0;
  // Empty: started. Otherwise why not.
  virtual std::string start(const PeerDaemonOptions& options, const TempDir& dir) = 0;
  virtual PeerView view() = 0;
  // Every session's view, in the order of `sessions` (one daemon, one read).
  virtual std::vector<PeerView> sessionViews() { return {view()}; }
  std::string log() const;  // the daemon's own log file
  // Announces (true) or withdraws the churn_routes. Empty: done. Otherwise why not.
  virtual std::string setChurn(bool) { return name() + " has no churn routes"; }
  // Asks the router to send its routes again (ROUTE-REFRESH, RFC 2918). Empty: asked.
  virtual std::string requestRefresh() { return name() + ": no refresh request here"; }
  // SIGSTOP (false) or SIGCONT (true): a peer that stops reading closes its TCP window.
  void setRunning(bool running);

 protected:
  PeerDaemonOptions options_;
  std::string log_path_;
  std::unique_ptr<ChildProcess> process_;
};

std::unique_ptr<PeerDaemon> makeBirdPeer();
std::unique_ptr<PeerDaemon> makeFrrPeer();
std::unique_ptr<PeerDaemon> makeGobgpPeer();

}  // namespace hitless::testing
