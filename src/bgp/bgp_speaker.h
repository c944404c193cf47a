// BgpSpeaker: the BGP instance of one active RP — neighbors, Adj-RIB-In, best path, export of
// the configured networks, graceful restart in both roles (RFC 4724).
//
// Every read of a neighbor's socket becomes one RibDelta handed to the BgpRibSink (the RP
// checkpoints it, then feeds the FIB), so a full table arrives as a few thousand transactions, not
// a million. Best path: highest LOCAL_PREF, shortest AS_PATH, lowest ORIGIN, lowest MED, eBGP over
// iBGP, lowest neighbor BGP identifier, lowest neighbor address.
//
// Graceful restart, helper: when a neighbor that negotiated GR drops without a NOTIFICATION its
// routes stay (stale) for its restart time; they are swept per family at its End-of-RIB, or all
// at the timer. Restarting speaker (start(restarting=true), after an unplanned takeover): the BGP
// routes the RIB already holds (checkpointed from the old active, still in the kernel via fwdd)
// are kept until every neighbor has sent End-of-RIB (or the restart time passed); then those no
// neighbor re-announced are withdrawn. After a cold takeover the RIB holds none, but the host
// says forwarding was preserved: the speaker restarts the same way and tells the host when it is
// over, so that only then the FIB drops what nobody re-announced.
//
// NSR (docs/bgp.md): the host learns of every Established session (its OPENs and socket, for
// the standby) and of the raw UPDATEs with each RIB change. At a planned switchover quiesce()
// stops every session at a message boundary and handoverState() describes where each stream
// stands; the new active's speaker adopt()s the sessions — the neighbors see nothing.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bgp/adj_rib_in.h"
#include "bgp/bgp_config.h"
#include "bgp/bgp_session.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"
#include "messages/bgp_messages.h"
#include "state/rib.h"

namespace hitless::bgp {

inline constexpr uint8_t kProtocolBgp = 186;  // rtnetlink RTPROT_BGP
inline constexpr uint8_t kDistanceEbgp = 20, kDistanceIbgp = 200;

class BgpHost {
 public:
  virtual ~BgpHost() = default;
  // Best-path changes for the RIB; `input` (may be null) is the raw UPDATE stream they came
  // from, to checkpoint in the same transaction.
  virtual void applyBgpChanges(state::RibDelta delta,
                               const messages::BgpInputCheckpoint* input) = 0;
  // NSR across a crash: as applyBgpChanges with the input of a session that checkpoints its byte
  // streams; `durable` runs once the standby holds `input` (at once when there is none), and
  // only then does the input leave the kernel. A run of KEEPALIVEs comes with an empty delta.
  virtual void applyBgpInput(state::RibDelta delta, const messages::BgpInputCheckpoint& input,
                             std::function<void()> durable) {
    applyBgpChanges(std::move(delta), &input);
    durable();
  }
  // Write-ahead: `durable` runs once the standby holds `output` (at once when there is none);
  // only then is it written to the socket.
  virtual void checkpointBgpOutput(const messages::BgpOutputCheckpoint& output,
                                   std::function<void()> durable) {
    (void)output;
    durable();
  }
  // Test hook (rpd --crash-at): the speaker passed the named point; armed: the host would crash
  // there (the session splits a step in two to make a half-done state).
  virtual bool crashArmed(const char* /*point*/) const { return false; }
  virtual void crashPoint(const char* /*point*/) {}
  // Why a crash of this RP would not leave this session to a standby ("" when it would).
  virtual std::string nsrBlocker(const net::IpAddress& /*peer*/, uint64_t /*session_id*/) const {
    return "no standby RP";
  }
  // A session reached Established (fd: its socket) or ended (fd -1).
  virtual void bgpSessionChanged(const messages::BgpSessionCheckpoint& session, int fd) = 0;
  // A walk of the RIB by position, a piece at a time (a million routes at a full table): appends
  // the prefixes of the BGP routes at positions [from, from + max_positions) to `out` and says
  // where the next piece starts, or that the walk is done.
  struct PrefixWalk {
    size_t next = 0;
    bool done = true;
  };
  virtual PrefixWalk bgpPrefixesFrom(size_t from, size_t max_positions,
                                     std::vector<net::IpPrefix>* out) const = 0;
  // False while the host is too far behind to take more (sessions stop reading).
  virtual bool readyForInput() const { return true; }
  // True when the FIB still forwards on routes from before this speaker started that the host's
  // RIB no longer holds (a cold takeover: fwdd kept them). A restarting speaker then restarts
  // gracefully (R bit, forwarding preserved) even with no pre-restart routes of its own.
  virtual bool forwardingPreserved() const { return false; }
  // The graceful restart is over: every neighbor sent End-of-RIB, or the restart time passed.
  virtual void bgpRestartComplete() {}
};

// An Established session handed over by the previous active RP.
struct AdoptedSession {
  messages::BgpSessionCheckpoint state;
  event::UniqueFd fd;
  AdjRibIn adj_in;
  std::string resend;  // after a crash: output the old active had not handed to the kernel
};

class BgpSpeaker : public SessionObserver {
 public:
  BgpSpeaker(event::EventLoop& loop, BgpConfig config, BgpHost& host);
  ~BgpSpeaker() override;

  // Listens (unless port 0) and starts every neighbor. `restarting`: this speaker takes over from
  // a previous one; the host's BGP routes that no adopted session carries are pre-restart
  // routes, kept until End-of-RIB with the R bit advertised. With none, it simply starts.
  Status start(bool restarting, std::vector<AdoptedSession> adopted = {});
  // The listening socket alone (start() opens it too if need be): an RP taking over checks the
  // port is free before it takes the sessions handed to it, so a failure loses none of them.
  Status listen();
  // Closes the listening socket: the old active, before it hands over, frees the port for the
  // new one. Established sessions are not affected.
  void stopListening();
  // Cease to every neighbor; routes learned are withdrawn from the RIB unless `keep_routes`
  // (the RP is handing over or shutting down: the next active decides).
  void stop(const std::string& reason, bool keep_routes);
  // Applies a changed configuration: neighbors added/removed/changed, networks re-exported.
  Status reconfigure(BgpConfig config);

  // NSR handover. quiesce(): every session stops reading and writing; true once their output
  // reached the kernel (call again until it does). handoverState(): where each stream stands.
  // resume(): the handover failed, carry on.
  bool quiesce();
  std::vector<messages::BgpSessionCheckpoint> handoverState();
  void resume();
  // A new standby: every Established session's state and socket now, then its Adj-RIB-In as
  // UPDATEs, a piece (kResyncPrefixes prefixes) per continueResync() call, true once nothing
  // is left.
  void resyncStandby();
  bool continueResync();
  static constexpr size_t kResyncPrefixes = 16384;
  // Flow control: the host can absorb input again (BgpHost::readyForInput turned true).
  void resumeInput();
  // A table withdrawn a slice per loop turn (a session down, a neighbor removed) is not done.
  bool selectPending() const { return pending_at_ < pending_select_.size() || !draining_.empty(); }

  const BgpConfig& config() const { return config_; }
  size_t adjRibInSize() const;
  nlohmann::json summary() const;    // `show bgp summary`
  nlohmann::json neighbors() const;  // `show bgp neighbors`

  // SessionObserver
  void onEstablished(BgpSession& s) override;
  void onUpdates(BgpSession& s, std::vector<UpdateMessage>& updates, std::string_view raw,
                 uint64_t offset) override;
  void onRouteRefresh(BgpSession& s, AfiSafi afi_safi) override;
  void onDown(BgpSession& s, const std::string& reason, bool peer_restarting) override;
  bool readyForInput() override { return host_.readyForInput(); }
  bool checkpointsStreams() override { return true; }
  bool crashArmed(const char* point) const override { return host_.crashArmed(point); }
  void crashPoint(const char* point) override { host_.crashPoint(point); }
  void onOutput(BgpSession& s, std::string_view bytes, uint64_t offset, uint64_t written) override;
  void onPartialInput(BgpSession& s, std::string_view bytes, uint64_t offset) override;

 private:
  struct Peer {
    std::unique_ptr<BgpSession> session;
    AdjRibIn adj_in;
    event::TimerId stale_timer = 0;   // GR helper: how long the stale routes may stay
    bool eor_in[2] = {false, false};  // IPv4, IPv6 End-of-RIB received this session
    uint64_t flaps = 0;
    uint64_t prefixes_sent = 0;
    std::string last_down_reason;
    struct ResyncCursor {
      uint64_t session_id;
      size_t next;  // Adj-RIB-In position
    };
    std::optional<ResyncCursor> resync;  // a new standby's copy being sent
  };

  Peer* findPeer(const BgpSession& s);
  Peer* findPeer(const net::IpAddress& a);
  // Runs fn on the session of `peer` if it is still session `id` (a callback that outlived it
  // does nothing).
  std::function<void()> onSession(const BgpSession& s, std::function<void(BgpSession&)> fn);
  void addPeer(const PeerConfig& pc);
  void removePeer(const net::IpAddress& a, const std::string& reason);
  void onAccept();
  void exportTo(Peer& p);
  // Recomputes the best path of each prefix in `dirty` and appends the RIB changes to `delta`.
  void select(const std::vector<net::IpPrefix>& dirty, state::RibDelta* delta);
  // The same for a whole table (a session down, a neighbor removed, stale routes timed out):
  // selected kSelectSlice prefixes per loop turn, each slice its own RIB change, so a 1M-route
  // withdrawal never holds the loop (heartbeats, keepalives and other sessions wait on it).
  // Selection reads the Adj-RIBs-In as they are when a slice runs: a path learned meanwhile is
  // found, never undone.
  void selectLater(std::vector<net::IpPrefix> dirty);
  // The same for every prefix of a table taken out of use whole (O(1): a million prefixes are
  // neither listed nor freed in one turn).
  void selectLater(std::unique_ptr<AdjRibIn> gone);
  void schedulePendingSlice();
  void selectPendingSlice();
  static constexpr size_t kSelectSlice = 8192;
  void sweepStale(Peer& p, std::optional<net::Family> family, state::RibDelta* delta);
  // Removes p's stale routes (of `family`, or all) from its Adj-RIB-In, says so, and returns
  // them for selection.
  std::vector<net::IpPrefix> takeStale(Peer& p, std::optional<net::Family> family);
  messages::BgpSessionCheckpoint checkpointOf(const BgpSession& s) const;
  size_t exportedCount(const BgpSession& s) const;  // networks of the session's family
  void endOfRib(Peer& p, AfiSafi afi_safi, state::RibDelta* delta);
  // Restarting speaker: once every neighbor sent End-of-RIB (or the deadline passed), withdraws
  // the pre-restart routes nobody re-announced.
  void maybeFinishRestart(bool deadline);
  // Restarting speaker: finds the RIB's BGP routes no session holds (stale: kept until the
  // restart ends), a piece of RIB positions per loop turn — a full table is a million lookups.
  void continueStaleScan();
  void finishStaleScan();
  LocalConfig localConfig() const;
  // Why a crash of this RP would end the session ("" when the standby would go on with it).
  std::string nsrBlocker(const BgpSession& s) const;
  PathAttributes exportAttrs(const BgpSession& s) const;

  event::EventLoop& loop_;
  BgpConfig config_;
  BgpHost& host_;
  std::vector<std::unique_ptr<Peer>> peers_;
  event::UniqueFd listen_fd_;
  bool restarting_ = false;
  std::unordered_set<net::IpPrefix, net::IpPrefixHash> restart_stale_;
  event::TimerId restart_timer_ = 0;
  std::optional<size_t> stale_scan_;  // the scan's next RIB position while it runs
  event::TimerId stale_scan_timer_ = 0;
  size_t stale_hint_ = 0;                      // the peer that held the last prefix found current
  std::vector<net::IpPrefix> pending_select_;  // selectLater's queue, from pending_at_ on
  size_t pending_at_ = 0;
  struct DrainingTable {
    std::unique_ptr<AdjRibIn> table;
    size_t next = 0;  // position
  };
  std::deque<DrainingTable> draining_;  // selectLater's tables, after pending_select_
  bool pending_scheduled_ = false;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::bgp
