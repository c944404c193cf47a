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
#include <vector>

#include "issu/negotiation.h"
#include "redundancy/rf_state.h"

namespace hitless::redundancy {

enum class Mode { kSimplex, kSso, kSsoBaseLevel, kRpr };
std::string_view modeName(Mode m);  // "Stateful Switchover", "Route Processor Redundancy", ...

struct RfEvent {
  enum Kind {
    kSessionUp,           // a checkpoint session to the peer opened
    kNegotiated,          // ... and negotiated `level`
    kBulkBegin,           // standby: bulk sync of `client` began
    kBulkEnd,             // standby: bulk sync of `client` ended
    kDigestVerified,      // standby: all clients' digests matched the active's
    kDigestMismatch,      // standby: a digest differed
    kPeerStatus,          // the peer reported `peer_state` at `epoch`
    kSessionDown,         // the session ended; `peer_alive` when the peer said it resets it
    kSwitchoverCommand,   // operator: redundancy force-switchover (on the active)
    kSwitchoverReceived,  // standby: the active handed over at `epoch`
    kHandedOver,          // active: the switchover message is sent; become standby
  };
  Kind kind;
  issu::Compatibility level = issu::Compatibility::kCompatible;
  uint16_t client = 0;
  RfState peer_state = RfState::kDisabled;
  uint64_t epoch = 0;
  uint8_t peer_slot = 0;
  SwactReason reason = SwactReason::kNone;
  bool peer_alive = false;
};

enum class RfAction {
  kSendStatus,    // tell the peer my state and epoch
  kStartBulk,     // active: bulk-sync every client to the new standby
  kTakeOverWarm,  // standby -> active with the state it holds
  kTakeOverCold,  // standby -> active from configuration only
  kPersistEpoch,  // write epoch() to stable storage before acting as active
  kResync,        // standby: drop the session and start over (digest mismatch)
  kHandOver,      // active: drain checkpoints, send the switchover, then kHandedOver
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
  RfFsm(uint8_t slot, bool start_active, uint64_t epoch);

  std::vector<RfAction> handle(const RfEvent& event);

  RfState state() const { return state_; }
  RfState peerState() const { return peer_state_; }
  Mode mode() const { return mode_; }
  uint64_t epoch() const { return epoch_; }
  uint8_t slot() const { return slot_; }
  bool isActive() const { return isActiveState(state_); }
  bool communicationsUp() const { return session_up_; }
  const std::string& refusal() const { return refusal_; }
  // Counters as `show redundancy` prints them.
  uint64_t switchovers() const { return switchovers_; }
  uint64_t standbyFailures() const { return standby_failures_; }
  SwactReason lastSwitchoverReason() const { return last_reason_; }
  // Every state change, oldest first (bounded to the last 256).
  const std::vector<RfTransition>& history() const { return history_; }

 private:
  void moveTo(RfState s, std::string why);
  // `synced`: this RP's state is complete (STANDBY HOT, or an active that handed over and whose
  // successor never came up) — a warm takeover; otherwise a cold one from config.
  std::vector<RfAction> takeOver(SwactReason reason, uint64_t new_epoch, bool synced);
  // An active RP with a negotiated SSO session starts the bulk sync once, when the peer says it
  // is a standby (or negotiating); true if it starts now.
  bool startsBulkFor(RfState peer);
  bool hotSso() const { return state_ == RfState::kStandbyHot && mode_ != Mode::kRpr; }

  uint8_t slot_;
  RfState state_;
  RfState peer_state_ = RfState::kDisabled;
  Mode mode_ = Mode::kSimplex;
  uint64_t epoch_;
  bool session_up_ = false;
  // Handed activity over and not yet synced from the new active: this RP still holds the whole
  // state. If the peer turns out not to be active (it died during the handover and came back
  // fresh, or is gone), this RP takes activity back instead of leaving the router without one.
  bool handed_over_ = false;
  bool config_bulk_done_ = false, rib_bulk_done_ = false;
  bool negotiated_ = false, bulk_started_ = false;  // this session, on the active
  std::string refusal_;
  uint64_t switchovers_ = 0, standby_failures_ = 0;
  SwactReason last_reason_ = SwactReason::kNone;
  std::vector<RfTransition> history_;
};

}  // namespace hitless::redundancy
