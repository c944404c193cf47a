// BgpClient: BGP on the redundant pair, ISSU BGP client (2030, optional: a pair that cannot
// negotiate it runs SSO and BGP restarts gracefully at a switchover instead).
//
// Active: owns the BGP speaker (bgp/bgp_speaker.h) while this RP is active. Best paths enter the
// RIB like any other change, checkpointed in one transaction with the raw UPDATEs they came
// from; every Established session's state goes to the standby with its socket (SCM_RIGHTS, on
// the NSR socket beside the checkpoint socket). Input waits while too many transactions are
// unacknowledged (flow control: TCP pushes back on the neighbors). A planned switchover
// quiesces every session at a message boundary and checkpoints where each stream stands.
// Standby: keeps the active's sessions in a BgpShadow; on takeover the speaker adopts the
// sessions handed over (NSR: the neighbors see nothing) and restarts the others gracefully.
// "bgp." configuration changes are validated before they apply and reconfigure the speaker.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "bgp/bgp_shadow.h"
#include "bgp/bgp_speaker.h"
#include "checkpoint/checkpoint_client.h"
#include "checkpoint/standby_link.h"
#include "event/event_loop.h"
#include "rpd/config_client.h"
#include "rpd/crash_points.h"
#include "rpd/rib_client.h"

namespace hitless::rpd {

class BgpClient : public checkpoint::CheckpointClient, public bgp::BgpHost {
 public:
  // Sockets of slot N arrive on "<nsr_socket_base>.nsrN".
  BgpClient(event::EventLoop& loop, checkpoint::StandbyLink& link, RibClient& rib,
            ConfigClient& config, uint8_t slot, std::string nsr_socket_base,
            const CrashPoint& crash = kNoCrash);
  ~BgpClient() override;

  // Checks the configuration and listens for the sockets the active passes.
  Status start();
  // `show bgp summary` / `show bgp neighbors`; an error when BGP is not running here.
  Result<nlohmann::json> summary() const;
  Result<nlohmann::json> neighbors() const;
  // Standby: the active's sessions as this RP holds them (for NSR).
  nlohmann::json shadowStatus() const;

  // CheckpointClient
  uint16_t id() const override;
  Status stage(uint16_t type, wire::ByteView native, issu::MessageVersion version) override;
  Status applyStaged(size_t count) override;
  void discardStaged() override { staged_.clear(); }
  void onSessionStart() override { shadow_.clear(); }
  void onNegotiated(const issu::NegotiationResult& result) override;
  void resyncStandby() override;
  bool continueResync() override;
  void onRole(const checkpoint::Role& role) override;
  void onTakeover(bool warm) override;
  bool readyForHandover() const override;
  bool quiesceForHandover() override;
  void onHandoverCommitted() override;
  void onHandoverAborted() override;
  void onStandbyProgress() override;

  // BgpHost
  void applyBgpChanges(state::RibDelta delta, const messages::BgpInputCheckpoint* input) override;
  void applyBgpInput(state::RibDelta delta, const messages::BgpInputCheckpoint& input,
                     std::function<void()> durable) override;
  void checkpointBgpOutput(const messages::BgpOutputCheckpoint& output,
                           std::function<void()> durable) override;
  std::string nsrBlocker(const net::IpAddress& peer, uint64_t session_id) const override;
  // rpd --crash-at: fire only while a standby holds the sessions (what the points test).
  bool crashArmed(const char* point) const override;
  void crashPoint(const char* point) override;
  void bgpSessionChanged(const messages::BgpSessionCheckpoint& session, int fd) override;
  PrefixWalk bgpPrefixesFrom(size_t from, size_t max_positions,
                             std::vector<net::IpPrefix>* out) const override;
  bool readyForInput() const override;
  bool forwardingPreserved() const override { return rib_.fibHeldForRestart(); }
  void bgpRestartComplete() override { rib_.releaseFib("BGP graceful restart complete"); }

 private:
  // Starts or stops the speaker to match the role. A speaker started while the RIB already
  // holds BGP routes (a takeover) restarts gracefully.
  void syncRole();
  void reconfigure();
  std::string nsrSocketPath(uint8_t slot) const;
  void acceptSocket();

  event::EventLoop& loop_;
  checkpoint::StandbyLink& link_;
  RibClient& rib_;
  ConfigClient& config_;
  const uint8_t slot_;
  const std::string nsr_socket_base_;
  static inline const CrashPoint kNoCrash;
  const CrashPoint& crash_;
  checkpoint::Role role_;
  std::unique_ptr<bgp::BgpSpeaker> speaker_;
  bgp::BgpShadow shadow_;           // standby: the active's sessions, for NSR
  event::UniqueFd nsr_listen_fd_;   // sockets passed by the active arrive here
  bool handed_over_ = false;        // handover: sessions quiesced and their state checkpointed
  bool output_negotiated_ = false;  // the standby's release takes write-ahead output
  event::TimerId retry_timer_ = 0;  // BGP could not start (its port still held): try again
  std::set<std::pair<net::IpAddress, uint64_t>> sockets_passed_;  // (peer, session id)
  std::vector<std::variant<messages::BgpSessionCheckpoint, messages::BgpInputCheckpoint,
                           messages::BgpOutputCheckpoint>>
      staged_;
};

}  // namespace hitless::rpd
