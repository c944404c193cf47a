#include "redundancy/rf_fsm.h"

#include "messages/wire_numbers.h"

namespace hitless::redundancy {

std::string_view modeName(Mode m) {
  switch (m) {
    case Mode::kSimplex:
      return "Non-redundant";
    case Mode::kSso:
      return "Stateful Switchover";
    case Mode::kSsoBaseLevel:
      return "Stateful Switchover (base-level)";
    case Mode::kRpr:
      return "Route Processor Redundancy";
  }
  return "unknown";
}

RfFsm::RfFsm(uint8_t slot, bool start_active, uint64_t epoch)
    : slot_(slot), state_(RfState::kDisabled), epoch_(epoch) {
  moveTo(RfState::kInitialization, "process started");
  if (start_active) {
    moveTo(RfState::kActiveFast, "started as the active RP");
    moveTo(RfState::kActive, "no peer state to reconcile");
  }
}

void RfFsm::moveTo(RfState s, std::string why) {
  if (s == state_) return;
  history_.push_back({state_, s, std::move(why)});
  if (history_.size() > 256) history_.erase(history_.begin());
  state_ = s;
}

std::vector<RfAction> RfFsm::takeOver(SwactReason reason, uint64_t new_epoch, bool synced) {
  bool warm = synced;
  handed_over_ = false;
  epoch_ = std::max(epoch_ + 1, new_epoch);
  ++switchovers_;
  last_reason_ = reason;
  std::string why = std::string(swactReasonName(reason));
  moveTo(RfState::kActiveFast, why);
  moveTo(RfState::kActiveDrain, warm ? "draining checkpointed state" : "cold: no synced state");
  moveTo(RfState::kActivePreconfig, "epoch " + std::to_string(epoch_));
  moveTo(RfState::kActivePostconfig,
         warm ? "clients hold synced state" : "clients start from config");
  moveTo(RfState::kActive, warm ? "stateful switchover complete" : "cold switchover complete");
  peer_state_ = RfState::kDisabled;
  mode_ = Mode::kSimplex;
  config_bulk_done_ = rib_bulk_done_ = false;
  return {RfAction::kPersistEpoch, warm ? RfAction::kTakeOverWarm : RfAction::kTakeOverCold};
}

bool RfFsm::startsBulkFor(RfState peer) {
  if (!isActive() || !negotiated_ || bulk_started_ || mode_ == Mode::kRpr) return false;
  if (!isStandbyState(peer) && peer != RfState::kNegotiation) return false;
  bulk_started_ = true;
  return true;
}

std::vector<RfAction> RfFsm::handle(const RfEvent& ev) {
  refusal_.clear();
  const bool active = isActive();
  switch (ev.kind) {
    case RfEvent::kSessionUp:
      session_up_ = true;
      negotiated_ = bulk_started_ = false;
      peer_state_ = RfState::kInitialization;
      if (!active) moveTo(RfState::kNegotiation, "checkpoint session open");
      return {};

    case RfEvent::kNegotiated:
      mode_ = ev.level == issu::Compatibility::kCompatible  ? Mode::kSso
              : ev.level == issu::Compatibility::kBaseLevel ? Mode::kSsoBaseLevel
                                                            : Mode::kRpr;
      negotiated_ = true;
      if (active) {
        // Bulk waits for the peer's status: a peer that is active too must settle first.
        if (mode_ != Mode::kRpr && isStandbyState(peer_state_)) {
          bulk_started_ = true;
          return {RfAction::kSendStatus, RfAction::kStartBulk};
        }
        return {RfAction::kSendStatus};
      }
      config_bulk_done_ = rib_bulk_done_ = false;
      moveTo(RfState::kStandbyCold, "negotiated: " + std::string(modeName(mode_)));
      return {RfAction::kSendStatus};

    case RfEvent::kBulkBegin:
      if (active || mode_ == Mode::kRpr) return {};
      handed_over_ = false;
      if (ev.client == messages::kClientConfigSync) {
        moveTo(RfState::kStandbyColdConfig, "config bulk sync began");
      } else {
        moveTo(RfState::kStandbyColdBulk, "bulk sync of client " + std::to_string(ev.client));
      }
      return {RfAction::kSendStatus};

    case RfEvent::kBulkEnd:
      if (active || mode_ == Mode::kRpr) return {};
      if (ev.client == messages::kClientConfigSync) {
        config_bulk_done_ = true;
        moveTo(RfState::kStandbyColdFilesys, "config bulk sync succeeded");
      } else {
        rib_bulk_done_ = true;
      }
      return {RfAction::kSendStatus};

    case RfEvent::kDigestVerified:
      if (active || state_ == RfState::kStandbyHot) return {};
      if (!config_bulk_done_ || !rib_bulk_done_ || mode_ == Mode::kRpr) return {};
      moveTo(RfState::kStandbyHot, "bulk sync succeeded and state digests match");
      return {RfAction::kSendStatus};

    case RfEvent::kDigestMismatch:
      if (active) return {};
      moveTo(RfState::kStandbyCold, "state digest mismatch: resync");
      config_bulk_done_ = rib_bulk_done_ = false;
      return {RfAction::kResync};

    case RfEvent::kPeerStatus: {
      peer_state_ = ev.peer_state;
      bool peer_active = isActiveState(ev.peer_state);
      if (!active && handed_over_) {
        if (peer_active) {
          handed_over_ = false;  // the handover took: sync from the new active as usual
        } else {
          // The peer we handed over to is not active: it failed during the handover and came
          // back fresh. Nobody else holds the state — take activity back.
          moveTo(RfState::kActiveHandback, "the peer did not take over: taking activity back");
          const Mode negotiated_mode = mode_;
          auto actions =
              takeOver(SwactReason::kActiveUnitFailed, std::max(epoch_, ev.epoch) + 1, true);
          // The session stays up: the peer becomes this RP's standby.
          mode_ = negotiated_mode;
          peer_state_ = ev.peer_state;
          actions.push_back(RfAction::kSendStatus);
          if (startsBulkFor(ev.peer_state)) actions.push_back(RfAction::kStartBulk);
          return actions;
        }
      }
      if (active && peer_active) {
        bool peer_wins = ev.epoch > epoch_ || (ev.epoch == epoch_ && ev.peer_slot < slot_);
        if (peer_wins) {
          epoch_ = std::max(epoch_, ev.epoch);
          moveTo(RfState::kInitialization, "peer is active at epoch " + std::to_string(ev.epoch) +
                                               ": demoting (split-brain guard)");
          mode_ = Mode::kSimplex;
          return {RfAction::kPersistEpoch, RfAction::kDemote};
        }
        return {RfAction::kSendStatus};  // the peer will demote when it hears us
      }
      if (!active && ev.epoch > epoch_) {
        epoch_ = ev.epoch;
        return {RfAction::kPersistEpoch};
      }
      if (startsBulkFor(ev.peer_state)) return {RfAction::kStartBulk};
      return {};
    }

    case RfEvent::kSessionDown: {
      session_up_ = false;
      negotiated_ = bulk_started_ = false;
      RfState peer_was = peer_state_;
      peer_state_ = RfState::kDisabled;
      if (active) {
        if (isStandbyState(peer_was) && !ev.peer_alive) ++standby_failures_;
        mode_ = Mode::kSimplex;
        return {};
      }
      if (ev.peer_alive) {
        moveTo(RfState::kInitialization, "session reset by the active; reconnecting");
        config_bulk_done_ = rib_bulk_done_ = false;
        return {};
      }
      return takeOver(SwactReason::kActiveUnitFailed, epoch_ + 1, handed_over_ || hotSso());
    }

    case RfEvent::kSwitchoverCommand:
      if (!active) {
        refusal_ = "this RP is not active";
        return {RfAction::kRefuse};
      }
      if (!session_up_ || peer_state_ != RfState::kStandbyHot) {
        refusal_ = "peer is not STANDBY HOT (peer state = " +
                   std::to_string(static_cast<int>(peer_state_)) + " -" +
                   std::string(rfStateName(peer_state_)) + ")";
        return {RfAction::kRefuse};
      }
      return {RfAction::kHandOver};

    case RfEvent::kSwitchoverReceived:
      if (active) return {};
      return takeOver(ev.reason == SwactReason::kNone ? SwactReason::kUserInitiated : ev.reason,
                      ev.epoch, hotSso());

    case RfEvent::kHandedOver:
      if (!active) return {};
      moveTo(RfState::kInitialization, "handed over to the peer");
      mode_ = Mode::kSimplex;
      peer_state_ = RfState::kActive;
      handed_over_ = true;
      epoch_ += 1;  // the epoch announced to the peer: a take-back must go past it
      return {RfAction::kPersistEpoch};
  }
  return {};
}

}  // namespace hitless::redundancy
