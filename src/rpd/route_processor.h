// RouteProcessor: one RP (route-processor slot) of the redundant control plane.
//
// It owns this RP's state (running configuration, RIB), its RF state machine and the checkpoint
// session to the peer RP. Slot 0 listens on the checkpoint socket and slot 1 connects to it —
// independent of which RP is active — so a restarted RP always finds its peer. Roles are decided
// by the RF FSM (rf_fsm.h): the active bulk-syncs a new standby, then checkpoints every change
// and reports it applied only once the standby acknowledged it; the standby becomes ACTIVE with
// its state when the active dies (warm) or from configuration when it was not yet hot (cold).
//
// Single-threaded: everything runs on the EventLoop given to the constructor.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "base/durable_counter.h"
#include "bgp/bgp_shadow.h"
#include "bgp/bgp_speaker.h"
#include "checkpoint/channel.h"
#include "event/event_loop.h"
#include "fib/fib_client.h"
#include "issu/message_catalog.h"
#include "redundancy/rf_fsm.h"
#include "state/rib.h"

namespace hitless::rpd {

struct RouteProcessorOptions {
  uint8_t slot = 0;
  bool start_active = false;
  std::string state_dir;          // epoch file
  std::string checkpoint_socket;  // slot 0 listens here, slot 1 connects here
  std::string startup_config;     // "path = value" lines; loaded when active starts cold
  std::string fib_socket;         // fwdd's FIB channel; "" = no forwarding agent
  int64_t heartbeat_interval_ms = 100;
  int heartbeat_threshold = 5;
  int64_t ack_timeout_ms = 3000;
  int64_t digest_interval_ms = 10000;
  size_t bulk_batch = 2048;  // routes per bulk transaction
  // A planned switchover gives up (and this RP stays active) if checkpoints and BGP output have
  // not drained by then.
  int64_t handover_timeout_ms = 5000;
  // Test hook: SIGKILL this process at a named point (see kCrashPoints in the .cc), so fault
  // tests kill a real process at an exact place in the protocol, deterministically.
  std::string crash_at;
};

// The named crash points rpd accepts with --crash-at.
const std::vector<std::string>& crashPoints();

// What a change request learns: applied on this RP, and whether the standby acknowledged it.
struct ChangeResult {
  Status status;
  size_t changes = 0;
  bool synced = false;  // acknowledged by a standby (false: no standby in sync to wait for)
};

class RouteProcessor : public checkpoint::ChannelHandler, public bgp::BgpHost {
 public:
  RouteProcessor(event::EventLoop& loop, const issu::MessageCatalog& catalog,
                 std::string software_version, RouteProcessorOptions options);
  ~RouteProcessor() override;

  Status start();

  // Admin interface (control socket). `done` runs once the change is applied here and, when a
  // standby is in sync, acknowledged by it.
  // `extra`: items of other clients checkpointed in the same transaction (BGP input).
  void applyRibChanges(state::RibDelta delta, std::function<void(ChangeResult)> done,
                       std::vector<checkpoint::Item> extra = {});
  void setConfig(const std::string& path, const std::string& value, bool erase,
                 std::function<void(ChangeResult)> done);
  // Planned switchover: refused unless this RP is active and the peer is STANDBY HOT.
  void forceSwitchover(std::function<void(Status)> done);

  nlohmann::json status() const;
  // `show bgp summary` / `show bgp neighbors`; an error when BGP is not running here.
  Result<nlohmann::json> bgpSummary() const;
  Result<nlohmann::json> bgpNeighbors() const;
  // Test hook (rpd --test-hooks): removes one route here only, without checkpointing, to
  // simulate a replica that silently diverged. Returns the prefix removed, or "" if empty.
  std::string divergeForTest();
  const state::Rib& rib() const { return rib_; }
  const state::ConfigStore& config() const { return config_; }
  const redundancy::RfFsm& rf() const { return fsm_; }
  // CLOCK_MONOTONIC ns at which this RP last became ACTIVE by takeover (0: never).
  int64_t tookOverAtNs() const { return took_over_ns_; }

  // ChannelHandler
  void onNegotiated(const issu::NegotiationResult& result,
                    const messages::SessionHello& peer) override;
  Status onTransaction(std::vector<checkpoint::Item>& items) override;
  void onRfStatus(const messages::RfStatus& status) override;
  void onSwitchover(const messages::Switchover& request) override;
  void onDrained() override;
  // BGP input paused for flow control resumes once transactions in flight fall below the limit.
  void onAcknowledged() override;
  void onClosed(const std::string& reason, bool peer_alive) override;

  // BgpHost: BGP's best paths enter the RIB like any other change (checkpointed with the raw
  // UPDATEs they came from, then FIB); sessions and their sockets go to the standby (NSR).
  void applyBgpChanges(state::RibDelta delta, const messages::BgpInputCheckpoint* input) override;
  void bgpSessionChanged(const messages::BgpSessionCheckpoint& session, int fd) override;
  void forEachBgpPrefix(const std::function<void(const net::IpPrefix&)>& fn) const override;
  bool readyForInput() const override;

 private:
  struct BulkProducer;
  struct SwitchoverRecord {
    int index;
    int previous_active, current_active;
    std::string reason, time;
  };

  void execute(const std::vector<redundancy::RfAction>& actions);
  void acceptPeer();
  void connectPeer();
  void scheduleReconnect();
  void attachChannel(event::UniqueFd fd);
  bool syncing() const;  // a negotiated SSO session to a standby exists
  void startBulk();

  void produceBulk();
  void sendDigests();
  void handOver();
  Status loadStartupConfig();
  void persistEpoch();
  void recordTakeover(bool warm);
  void crashIf(const char* point) const;
  // Only an active RP writes the FIB: opens or closes the FIB session to match the RF state.
  void syncFibRole();
  // Only an active RP speaks BGP: starts or stops the speaker to match the RF state. A speaker
  // started while the RIB already holds BGP routes (a takeover) restarts gracefully.
  void syncBgpRole();
  void reconfigureBgp();
  std::string bgpOffReason() const;
  std::string nsrSocketPath(uint8_t slot) const;
  void acceptNsrSocket();
  // Handover step for BGP: false while it is still draining (call again).
  bool handOverBgp();
  std::vector<checkpoint::Item> digestItems() const;

  event::EventLoop& loop_;
  const issu::MessageCatalog& catalog_;
  std::string software_version_;
  RouteProcessorOptions options_;
  // The epoch, durable in two forms: epoch.rec (fast: synced on the takeover path) and the
  // text file every release reads (written just after, off the critical path).
  std::unique_ptr<DurableCounter> epoch_record_;
  redundancy::RfFsm fsm_;
  state::Rib rib_;
  state::ConfigStore config_;
  std::unique_ptr<checkpoint::CheckpointChannel> channel_;
  std::unique_ptr<fib::FibClient> fib_;
  std::unique_ptr<bgp::BgpSpeaker> bgp_;
  bgp::BgpShadow bgp_shadow_;      // standby: the active's sessions, for NSR
  event::UniqueFd nsr_listen_fd_;  // sockets passed by the active arrive here
  bool bgp_handed_over_ = false;   // handover: BGP quiesced and its state checkpointed
  int64_t handover_started_ns_ = 0;
  event::UniqueFd listen_fd_;
  event::TimerId reconnect_timer_ = 0, digest_timer_ = 0, handover_timer_ = 0;
  event::TimerId bgp_retry_timer_ = 0;  // BGP could not start (its port still held): try again
  int64_t reconnect_delay_ms_ = 20;
  std::unique_ptr<BulkProducer> bulk_;
  // Standby: per client, entries received since its bulk began (to check the end marker).
  std::map<uint16_t, uint64_t> bulk_received_;
  std::map<uint16_t, uint64_t> bulk_announced_;
  std::vector<std::function<void(Status)>> handover_waiters_;
  bool handing_over_ = false;
  int64_t started_ns_ = 0;
  int64_t took_over_ns_ = 0;
  int64_t peer_lost_ns_ = 0;                   // when the last session ended
  int64_t session_up_ns_ = 0, hot_at_ns_ = 0;  // last session start; when it reached HOT
  std::string last_switchover_time_ = "never";
  std::vector<SwitchoverRecord> switchover_history_;
  std::string peer_software_;
  uint64_t instance_id_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::rpd
