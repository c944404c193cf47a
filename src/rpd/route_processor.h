// RouteProcessor: one RP (route-processor slot) of the redundant control plane — the composition
// of its parts and the actions of its RF state machine (docs/architecture.md).
//
// It holds the checkpoint clients (configuration, RIB, BGP: one registration each, see the
// constructor), the RF state machine (redundancy/rf_fsm.h), the link to the peer RP and the
// checkpoint session over it. It feeds the FSM what happens on the session and carries out what
// the FSM decides: bulk sync to a new standby, takeover, handover, resync, demotion. Clients
// reach the standby through it (it is their StandbyLink) and learn their role from it after
// every RF decision.
//
// Single-threaded: everything runs on the EventLoop given to the constructor.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "checkpoint/bulk_sender.h"
#include "checkpoint/channel.h"
#include "checkpoint/client_registry.h"
#include "checkpoint/standby_link.h"
#include "event/event_loop.h"
#include "issu/message_catalog.h"
#include "messages/release.h"
#include "redundancy/rf_fsm.h"
#include "rpd/bgp_client.h"
#include "rpd/change_result.h"
#include "rpd/config_client.h"
#include "rpd/crash_points.h"
#include "rpd/epoch_store.h"
#include "rpd/handover.h"
#include "rpd/peer_link.h"
#include "rpd/redundancy_report.h"
#include "rpd/rib_client.h"

namespace hitless::rpd {

struct RouteProcessorOptions {
  messages::Release release = messages::knownReleases().back();  // this rpd's (its message sets)
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
  // Test hook: SIGKILL this process at a named point (crash_points.h).
  std::string crash_at;
};

class RouteProcessor : public checkpoint::ChannelHandler,
                       public checkpoint::StandbyLink,
                       private checkpoint::ClientRegistry::BulkEvents {
 public:
  RouteProcessor(event::EventLoop& loop, const issu::MessageCatalog& catalog,
                 std::string software_version, RouteProcessorOptions options);
  ~RouteProcessor() override;

  Status start();

  // Admin interface (control socket). `done` runs once the change is applied here and, when a
  // standby is in sync, acknowledged by it.
  void applyRibChanges(state::RibDelta delta, ChangeDone done);
  void setConfig(const std::string& path, const std::string& value, bool erase, ChangeDone done);
  // Planned switchover: refused unless this RP is active and the peer is STANDBY HOT.
  void forceSwitchover(std::function<void(Status)> done);

  nlohmann::json status() const;
  // `show bgp summary` / `show bgp neighbors`; an error when BGP is not running here.
  Result<nlohmann::json> bgpSummary() const { return bgp_.summary(); }
  Result<nlohmann::json> bgpNeighbors() const { return bgp_.neighbors(); }
  std::string divergeForTest() { return rib_.divergeForTest(); }
  const state::Rib& rib() const { return rib_.rib(); }
  const state::ConfigStore& config() const { return config_.store(); }
  const redundancy::RfFsm& rf() const { return fsm_; }
  int64_t tookOverAtNs() const { return report_.tookOverAtNs(); }

  // ChannelHandler
  void onNegotiated(const issu::NegotiationResult& result,
                    const messages::SessionHello& peer) override;
  Status onMessage(uint16_t client, uint16_t type, wire::ByteView native,
                   issu::MessageVersion version) override;
  Status onTransaction() override;
  void onRfStatus(const messages::RfStatus& status) override;
  void onSwitchover(const messages::Switchover& request) override;
  void onDrained() override;
  void onAcknowledged() override;
  void onClosed(const std::string& reason, bool peer_alive) override;

  // StandbyLink
  bool inSync() const override;
  checkpoint::Transaction transaction() const override;
  void send(checkpoint::Transaction txn, Done done) override;
  size_t unackedTransactions() const override;
  bool standbyHot() const override;

 private:
  // BulkEvents
  void onBulkBegan(uint16_t client) override;
  void onBulkEnded(uint16_t client) override;

  // Registers every client (the one place a client is added); returns those with counted bulk.
  std::vector<uint16_t> registerClients();
  void attach(event::UniqueFd fd);
  void execute(const std::vector<redundancy::RfAction>& actions);
  void takeOver(bool warm);
  // Tells every client the RP's role (after every RF decision).
  void syncRoles();
  void startBulk();
  bool bulkInProgress() const { return bulk_ && !bulk_->done(); }
  void sendDigests();
  // The handover drained: send the switchover and step down.
  void commitHandover();

  event::EventLoop& loop_;
  const issu::MessageCatalog& catalog_;
  const std::string software_version_;
  const RouteProcessorOptions options_;
  const CrashPoint crash_;
  const uint64_t instance_id_;  // random per process: tells the peer a restart from a reconnect
  EpochStore epochs_;
  ConfigClient config_;
  RibClient rib_;
  BgpClient bgp_;
  checkpoint::ClientRegistry registry_;
  redundancy::RfFsm fsm_;
  RedundancyReport report_;
  PeerLink peer_link_;
  std::unique_ptr<checkpoint::CheckpointChannel> channel_;
  std::string peer_software_;
  std::unique_ptr<checkpoint::BulkSender> bulk_;
  event::TimerId digest_timer_ = 0;
  Handover handover_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::rpd
