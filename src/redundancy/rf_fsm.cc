#include "redundancy/rf_fsm.h"

#include <algorithm>

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

RfFsm::RfFsm(uint8_t slot, bool start_active, uint64_t epoch, std::vector<uint16_t> bulk_clients)
    : slot_(slot),
      bulk_clients_(std::move(bulk_clients)),
      state_(RfState::kDisabled),
      epoch_(epoch) {
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

bool RfFsm::everyBulkEnded() const {
  return std::all_of(bulk_clients_.begin(), bulk_clients_.end(), [&](uint16_t c) {
    return std::find(bulks_ended_.begin(), bulks_ended_.end(), c) != bulks_ended_.end();
  });
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
  peer_.state = RfState::kDisabled;
  mode_ = Mode::kSimplex;
  bulks_ended_.clear();
  return {RfAction::kPersistEpoch, warm ? RfAction::kTakeOverWarm : RfAction::kTakeOverCold};
}

bool RfFsm::startsBulkFor(RfState peer) {
  if (!isActive() || !peer_.negotiated || peer_.bulk_started || mode_ == Mode::kRpr) {
    return false;
  }
  if (!isStandbyState(peer) && peer != RfState::kNegotiation) return false;
  peer_.bulk_started = true;
  return true;
}

std::vector<RfAction> RfFsm::handle(const RfEvent& event) {
  refusal_.clear();
  return std::visit([this](const auto& e) { return on(e); }, event);
}

std::vector<RfAction> RfFsm::on(const rf::SessionUp&) {
  peer_ = PeerView{};
  peer_.session_up = true;
  peer_.state = RfState::kInitialization;
  if (!isActive()) moveTo(RfState::kNegotiation, "checkpoint session open");
  return {};
}

std::vector<RfAction> RfFsm::on(const rf::Negotiated& e) {
  mode_ = e.level == issu::Compatibility::kCompatible  ? Mode::kSso
          : e.level == issu::Compatibility::kBaseLevel ? Mode::kSsoBaseLevel
                                                       : Mode::kRpr;
  peer_.negotiated = true;
  if (isActive()) {
    // Bulk waits for the peer's status: a peer that is active too must settle first.
    if (mode_ != Mode::kRpr && isStandbyState(peer_.state)) {
      peer_.bulk_started = true;
      return {RfAction::kSendStatus, RfAction::kStartBulk};
    }
    return {RfAction::kSendStatus};
  }
  bulks_ended_.clear();
  moveTo(RfState::kStandbyCold, "negotiated: " + std::string(modeName(mode_)));
  return {RfAction::kSendStatus};
}

std::vector<RfAction> RfFsm::on(const rf::BulkBegan& e) {
  if (isActive() || mode_ == Mode::kRpr) return {};
  handed_over_ = false;
  if (e.client == messages::kClientConfigSync) {
    moveTo(RfState::kStandbyColdConfig, "config bulk sync began");
  } else {
    moveTo(RfState::kStandbyColdBulk, "bulk sync of client " + std::to_string(e.client));
  }
  return {RfAction::kSendStatus};
}

std::vector<RfAction> RfFsm::on(const rf::BulkEnded& e) {
  if (isActive() || mode_ == Mode::kRpr) return {};
  if (std::find(bulks_ended_.begin(), bulks_ended_.end(), e.client) == bulks_ended_.end()) {
    bulks_ended_.push_back(e.client);
  }
  if (e.client == messages::kClientConfigSync) {
    moveTo(RfState::kStandbyColdFilesys, "config bulk sync succeeded");
  }
  return {RfAction::kSendStatus};
}

std::vector<RfAction> RfFsm::on(const rf::DigestVerified&) {
  if (isActive() || state_ == RfState::kStandbyHot) return {};
  if (!everyBulkEnded() || mode_ == Mode::kRpr) return {};
  moveTo(RfState::kStandbyHot, "bulk sync succeeded and state digests match");
  return {RfAction::kSendStatus};
}

std::vector<RfAction> RfFsm::on(const rf::DigestMismatch&) {
  if (isActive()) return {};
  moveTo(RfState::kStandbyCold, "state digest mismatch: resync");
  bulks_ended_.clear();
  return {RfAction::kResync};
}

std::vector<RfAction> RfFsm::on(const rf::PeerStatus& e) {
  const bool active = isActive();
  peer_.state = e.state;
  bool peer_active = isActiveState(e.state);
  if (!active && handed_over_) {
    if (peer_active) {
      handed_over_ = false;  // the handover took: sync from the new active as usual
    } else {
      // The peer we handed over to is not active: it failed during the handover and came back
      // fresh. Nobody else holds the state — take activity back.
      moveTo(RfState::kActiveHandback, "the peer did not take over: taking activity back");
      const Mode negotiated_mode = mode_;
      auto actions = takeOver(SwactReason::kActiveUnitFailed, std::max(epoch_, e.epoch) + 1, true);
      // The session stays up: the peer becomes this RP's standby.
      mode_ = negotiated_mode;
      peer_.state = e.state;
      actions.push_back(RfAction::kSendStatus);
      if (startsBulkFor(e.state)) actions.push_back(RfAction::kStartBulk);
      return actions;
    }
  }
  if (active && peer_active) {
    bool peer_wins = e.epoch > epoch_ || (e.epoch == epoch_ && e.slot < slot_);
    if (peer_wins) {
      epoch_ = std::max(epoch_, e.epoch);
      moveTo(RfState::kInitialization, "peer is active at epoch " + std::to_string(e.epoch) +
                                           ": demoting (split-brain guard)");
      mode_ = Mode::kSimplex;
      return {RfAction::kPersistEpoch, RfAction::kDemote};
    }
    return {RfAction::kSendStatus};  // the peer will demote when it hears us
  }
  if (!active && e.epoch > epoch_) {
    epoch_ = e.epoch;
    return {RfAction::kPersistEpoch};
  }
  if (startsBulkFor(e.state)) return {RfAction::kStartBulk};
  return {};
}

std::vector<RfAction> RfFsm::on(const rf::SessionDown& e) {
  RfState peer_was = peer_.state;
  peer_ = PeerView{};
  if (isActive()) {
    if (isStandbyState(peer_was) && !e.peer_alive) ++standby_failures_;
    mode_ = Mode::kSimplex;
    return {};
  }
  if (e.peer_alive) {
    moveTo(RfState::kInitialization, "session reset by the active; reconnecting");
    bulks_ended_.clear();
    return {};
  }
  return takeOver(SwactReason::kActiveUnitFailed, epoch_ + 1, handed_over_ || hotSso());
}

std::vector<RfAction> RfFsm::on(const rf::SwitchoverCommand&) {
  if (!isActive()) {
    refusal_ = "this RP is not active";
    return {RfAction::kRefuse};
  }
  // RPR (an Incompatible pair): the standby holds no state, so the switchover is cold — it
  // starts from its configuration while the forwarding plane keeps forwarding (NSF) and the
  // routing protocols restart gracefully. This is how a major release is run.
  if (peer_.session_up && mode_ == Mode::kRpr && peer_.state == RfState::kStandbyCold) {
    return {RfAction::kHandOverCold};
  }
  if (!peer_.session_up || peer_.state != RfState::kStandbyHot) {
    refusal_ =
        "peer is not STANDBY HOT (peer state = " + std::to_string(static_cast<int>(peer_.state)) +
        " -" + std::string(rfStateName(peer_.state)) + ")";
    return {RfAction::kRefuse};
  }
  return {RfAction::kHandOver};
}

std::vector<RfAction> RfFsm::on(const rf::SwitchoverReceived& e) {
  if (isActive()) return {};
  return takeOver(e.reason == SwactReason::kNone ? SwactReason::kUserInitiated : e.reason, e.epoch,
                  hotSso());
}

std::vector<RfAction> RfFsm::on(const rf::HandedOver&) {
  if (!isActive()) return {};
  moveTo(RfState::kInitialization, "handed over to the peer");
  mode_ = Mode::kSimplex;
  peer_.state = RfState::kActive;
  handed_over_ = true;
  epoch_ += 1;  // the epoch announced to the peer: a take-back must go past it
  return {RfAction::kPersistEpoch};
}

}  // namespace hitless::redundancy
