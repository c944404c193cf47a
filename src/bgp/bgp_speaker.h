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
// neighbor re-announced are withdrawn.
#pragma once

#include <memory>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bgp/bgp_config.h"
#include "bgp/bgp_session.h"
#include "event/event_loop.h"
#include "event/unix_socket.h"
#include "state/rib.h"

namespace hitless::bgp {

inline constexpr uint8_t kProtocolBgp = 186;  // rtnetlink RTPROT_BGP
inline constexpr uint8_t kDistanceEbgp = 20, kDistanceIbgp = 200;

class BgpRibSink {
 public:
  virtual ~BgpRibSink() = default;
  virtual void applyBgpChanges(state::RibDelta delta) = 0;
  // The prefixes of the BGP routes the RIB holds now.
  virtual std::vector<net::IpPrefix> bgpPrefixes() const = 0;
};

class BgpSpeaker : public SessionObserver {
 public:
  BgpSpeaker(event::EventLoop& loop, BgpConfig config, BgpRibSink& sink);
  ~BgpSpeaker() override;

  // Listens (unless port 0) and starts every neighbor. `restarting`: this RP took over after the
  // previous active died; advertise the R bit and keep the RIB's BGP routes until End-of-RIB.
  Status start(bool restarting);
  // Cease to every neighbor; routes learned are withdrawn from the RIB unless `keep_routes`
  // (the RP is handing over or shutting down: the next active decides).
  void stop(const std::string& reason, bool keep_routes);
  // Applies a changed configuration: neighbors added/removed/changed, networks re-exported.
  Status reconfigure(BgpConfig config);

  const BgpConfig& config() const { return config_; }
  size_t adjRibInSize() const;
  nlohmann::json summary() const;    // `show bgp summary`
  nlohmann::json neighbors() const;  // `show bgp neighbors`

  // SessionObserver
  void onEstablished(BgpSession& s) override;
  void onUpdates(BgpSession& s, std::vector<UpdateMessage>& updates) override;
  void onRouteRefresh(BgpSession& s, AfiSafi afi_safi) override;
  void onDown(BgpSession& s, const std::string& reason, bool peer_restarting) override;

 private:
  using Attrs = std::shared_ptr<const PathAttributes>;
  struct Peer {
    std::unique_ptr<BgpSession> session;
    std::unordered_map<net::IpPrefix, Attrs, net::IpPrefixHash> adj_in;
    std::unordered_set<net::IpPrefix, net::IpPrefixHash> stale;  // GR helper
    event::TimerId stale_timer = 0;
    bool eor_in[2] = {false, false};  // IPv4, IPv6 End-of-RIB received this session
    uint64_t flaps = 0;
    uint64_t prefixes_sent = 0;
    std::string last_down_reason;
  };

  Peer* findPeer(const BgpSession& s);
  Peer* findPeer(const net::IpAddress& a);
  void addPeer(const PeerConfig& pc);
  void removePeer(const net::IpAddress& a, const std::string& reason);
  void onAccept();
  void exportTo(Peer& p);
  // Recomputes the best path of each prefix in `dirty` and appends the RIB changes to `delta`.
  void select(const std::vector<net::IpPrefix>& dirty, state::RibDelta* delta);
  void sweepStale(Peer& p, std::optional<net::Family> family, state::RibDelta* delta);
  void endOfRib(Peer& p, AfiSafi afi_safi, state::RibDelta* delta);
  // Restarting speaker: once every neighbor sent End-of-RIB (or the deadline passed), withdraws
  // the pre-restart routes nobody re-announced.
  void maybeFinishRestart(bool deadline);
  LocalConfig localConfig() const;
  PathAttributes exportAttrs(const BgpSession& s) const;

  event::EventLoop& loop_;
  BgpConfig config_;
  BgpRibSink& sink_;
  std::vector<std::unique_ptr<Peer>> peers_;
  event::UniqueFd listen_fd_;
  bool restarting_ = false;
  std::unordered_set<net::IpPrefix, net::IpPrefixHash> restart_stale_;
  event::TimerId restart_timer_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::bgp
