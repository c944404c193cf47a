// RfFsm: the redundancy facility of one RP as a plain state machine. It is fed events (session
// up/down, negotiation result, bulk progress, digest verdicts, peer status, switchover requests)
// and returns the actions the owner must carry out; it does no I/O and reads no clock, so it runs
// deterministically in unit tests (STYLE.md #11).
//
// Invariants it keeps:
//  - A standby reaches STANDBY HOT only after every client's bulk ended and the digest verified.
//  - Only a STANDBY HOT peer takes over warm (with its state); any other standby takes over cold
//    (from configuration only).
//  - The epoch grows by one at every takeover; an active that sees a peer active at a higher
//    epoch (or the same epoch and a lower slot) demotes itself at once (split-brain guard).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "issu/negotiation.h"
#include "messages/wire_numbers.h"
#include "redundancy/rf_state.h"

namespace hitless::redundancy {

enum class Mode { kSimplex, kSso, kSsoBaseLevel, kRpr };
std::string_view modeName(Mode m);  // "Stateful Switchover", "Route Processor Redundancy", ...

// The events, one struct each: what happened, with exactly the data that comes with it.
namespace rf {
struct SessionUp {};  // a checkpoint session to the peer opened
struct Negotiated {   // ... and negotiated the pair's compatibility
  issu::Compatibility level = issu::Compatibility::kCompatible;
};
struct BulkBegan {  // standby: the bulk sync of `client` began
  uint16_t client = 0;
};
struct BulkEnded {  // standby: the bulk sync of `client` ended complete
  uint16_t client = 0;
};
struct DigestVerified {};  // standby: every client's digest matched the active's
struct DigestMismatch {};  // standby: a digest differed
struct PeerStatus {        // the peer reported its state and epoch
  RfState state = RfState::kDisabled;
  uint64_t epoch = 0;
  uint8_t slot = 0;
};
struct SessionDown {  // the session ended; `peer_alive` when the peer said it resets it
  bool peer_alive = false;
};
struct SwitchoverCommand {};  // operator: redundancy force-switchover (on the active)
struct SwitchoverReceived {   // standby: the active handed over at `epoch`
  uint64_t epoch = 0;
  SwactReason reason = SwactReason::kNone;
};
struct HandedOver {};  // active: the switchover message is sent; become standby
}  // namespace rf

using RfEvent =
    std::variant<rf::SessionUp, rf::Negotiated, rf::BulkBegan, rf::BulkEnded, rf::DigestVerified,
                 rf::DigestMismatch, rf::PeerStatus, rf::SessionDown, rf::SwitchoverCommand,
                 rf::SwitchoverReceived, rf::HandedOver>;

enum class RfAction {
  kSendStatus,    // tell the peer my state and epoch
  kStartBulk,     // active: bulk-sync every client to the new standby
  kTakeOverWarm,  // standby -> active with the state it holds
  kTakeOverCold,  // standby -> active from configuration only
  kPersistEpoch,  // write epoch() to stable storage before acting as active
  kResync,        // standby: drop the session and start over (digest mismatch)
  kHandOver,      // active: drain checkpoints, send the switchover, then kHandedOver
  kHandOverCold,  // active, RPR: send the switchover now (the peer holds no state to drain)
  kDemote,        // active: another RP is the rightful active; become standby now
  kRefuse,        // the command is not possible now; refusal() says why
};

struct RfTransition {
  RfState from;
  RfState to;
  std::string why;
};

class RfFsm {
 public:
  // `bulk_clients`: the clients whose bulk sync (bracketed by begin/end markers) a standby must
  // complete before it can be HOT; every release to date bulk-syncs the configuration and the RIB.
  RfFsm(uint8_t slot, bool start_active, uint64_t epoch,
        std::vector<uint16_t> bulk_clients = {messages::kClientConfigSync, messages::kClientRib});

  std::vector<RfAction> handle(const RfEvent& event);

  RfState state() const { return state_; }
  RfState peerState() const { return peer_.state; }
  Mode mode() const { return mode_; }
  uint64_t epoch() const { return epoch_; }
  uint8_t slot() const { return slot_; }
  bool isActive() const { return isActiveState(state_); }
  bool communicationsUp() const { return peer_.session_up; }
  const std::string& refusal() const { return refusal_; }
  // Counters as `show redundancy` prints them.
  uint64_t switchovers() const { return switchovers_; }
  uint64_t standbyFailures() const { return standby_failures_; }
  SwactReason lastSwitchoverReason() const { return last_reason_; }
  // Every state change, oldest first (bounded to the last 256).
  const std::vector<RfTransition>& history() const { return history_; }

 private:
  // One handler per event; each reads the state and decides.
  std::vector<RfAction> on(const rf::SessionUp&);
  std::vector<RfAction> on(const rf::Negotiated&);
  std::vector<RfAction> on(const rf::BulkBegan&);
  std::vector<RfAction> on(const rf::BulkEnded&);
  std::vector<RfAction> on(const rf::DigestVerified&);
  std::vector<RfAction> on(const rf::DigestMismatch&);
  std::vector<RfAction> on(const rf::PeerStatus&);
  std::vector<RfAction> on(const rf::SessionDown&);
  std::vector<RfAction> on(const rf::SwitchoverCommand&);
  std::vector<RfAction> on(const rf::SwitchoverReceived&);
  std::vector<RfAction> on(const rf::HandedOver&);

  void moveTo(RfState s, std::string why);
  // `synced`: this RP's state is complete (STANDBY HOT, or an active that handed over and whose
  // successor never came up) — a warm takeover; otherwise a cold one from config.
  std::vector<RfAction> takeOver(SwactReason reason, uint64_t new_epoch, bool synced);
  // An active RP with a negotiated SSO session starts the bulk sync once, when the peer says it
  // is a standby (or negotiating); true if it starts now.
  bool startsBulkFor(RfState peer);
  bool hotSso() const { return state_ == RfState::kStandbyHot && mode_ != Mode::kRpr; }
  bool everyBulkEnded() const;

  // What this RP knows of its peer and of the checkpoint session between them; reset with
  // every session.
  struct PeerView {
    RfState state = RfState::kDisabled;
    bool session_up = false;
    bool negotiated = false;
    bool bulk_started = false;  // active: the bulk sync to this standby has begun
  };

  const uint8_t slot_;
  const std::vector<uint16_t> bulk_clients_;
  RfState state_;
  uint64_t epoch_;
  Mode mode_ = Mode::kSimplex;  // the pair's operating mode, as last negotiated
  PeerView peer_;
  // Standby: the clients whose bulk sync ended in this session.
  std::vector<uint16_t> bulks_ended_;
  // Handed activity over and not yet synced from the new active: this RP still holds the whole
  // state. If the peer turns out not to be active (it died during the handover and came back
  // fresh, or is gone), this RP takes activity back instead of leaving the router without one.
  bool handed_over_ = false;
  std::string refusal_;
  uint64_t switchovers_ = 0, standby_failures_ = 0;
  SwactReason last_reason_ = SwactReason::kNone;
  std::vector<RfTransition> history_;
};

}  // namespace hitless::redundancy
