#include "rpd/route_processor.h"

#include <algorithm>
#include <random>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "messages/wire_numbers.h"

namespace hitless::rpd {
namespace {

using redundancy::RfAction;
using redundancy::RfState;
namespace rf = redundancy::rf;

uint64_t randomInstanceId() {
  std::random_device rd;
  return (static_cast<uint64_t>(rd()) << 32) | rd();
}

}  // namespace

RouteProcessor::RouteProcessor(event::EventLoop& loop, const issu::MessageCatalog& catalog,
                               std::string software_version, RouteProcessorOptions options)
    : loop_(loop),
      catalog_(catalog),
      software_version_(std::move(software_version)),
      options_(std::move(options)),
      crash_(options_.crash_at),
      instance_id_(randomInstanceId()),
      epochs_(loop_, options_.state_dir),
      config_(*this, options_.startup_config),
      // A catalog without route updates fingerprints at their first version.
      rib_(loop_, *this,
           std::max<issu::MessageVersion>(
               1, catalog.nativeVersion(messages::kClientRib, messages::kMsgRouteUpdate)),
           {.socket_path = options_.fib_socket,
            .slot = options_.slot,
            .software_version = software_version_,
            .release = options_.release},
           crash_),
      bgp_(loop_, *this, rib_, config_, options_.slot, options_.checkpoint_socket, crash_),
      fsm_(options_.slot, options_.start_active, epochs_.load(), registerClients()),
      report_(loop_, options_.slot),
      peer_link_(loop_, options_.slot, options_.checkpoint_socket,
                 [this](event::UniqueFd fd) { attach(std::move(fd)); }),
      handover_(loop_, registry_, options_.handover_timeout_ms,
                {.standby_connected = [this] { return channel_ && channel_->isOpen(); },
                 .standby_in_step =
                     [this] { return channel_->unackedTransactions() == 0 && !bulkInProgress(); },
                 .commit = [this] { commitHandover(); }}) {}

std::vector<uint16_t> RouteProcessor::registerClients() {
  // Registration order is bulk order: the configuration first (a standby of any release expects
  // it first), then the RIB, then BGP (no counted bulk: it resends its sessions).
  registry_.add(config_);
  registry_.add(rib_);
  registry_.add(bgp_);
  return registry_.countedBulkClients();
}

RouteProcessor::~RouteProcessor() {
  *alive_ = false;
  if (digest_timer_ != 0) loop_.cancelTimer(digest_timer_);
}

Status RouteProcessor::start() {
  logEvent("RF", Severity::kNotice, "RP_START",
           "slot " + std::to_string(options_.slot) + " software " + software_version_ +
               " starting as " + std::string(redundancy::rfStateName(fsm_.state())) + ", epoch " +
               std::to_string(fsm_.epoch()));
  if (fsm_.isActive()) {
    RETURN_IF_ERROR(config_.loadStartup());
    // Both RPs were gone: BGP restarts gracefully (the neighbors keep our routes as helpers,
    // fwdd keeps forwarding on the previous RP's) rather than the FIB emptying first.
    rib_.holdFibForRestart();
  }
  RETURN_IF_ERROR(bgp_.start());
  RETURN_IF_ERROR(peer_link_.start());
  digest_timer_ = loop_.addTimer(
      options_.digest_interval_ms, [this] { sendDigests(); }, true);
  syncRoles();
  return Status::ok();
}

void RouteProcessor::syncRoles() {
  checkpoint::Role role{fsm_.isActive(), fsm_.epoch(),
                        std::string(redundancy::rfStateName(fsm_.state()))};
  for (checkpoint::CheckpointClient* c : registry_.clients()) c->onRole(role);
}

void RouteProcessor::applyRibChanges(state::RibDelta delta, ChangeDone done) {
  rib_.apply(std::move(delta), std::move(done));
}

void RouteProcessor::setConfig(const std::string& path, const std::string& value, bool erase,
                               ChangeDone done) {
  if (!fsm_.isActive()) {
    done({Status::failedPrecondition("this RP is not active"), 0, false});
    return;
  }
  config_.set(path, value, erase, std::move(done));
}

// --- The session to the peer RP.

void RouteProcessor::attach(event::UniqueFd fd) {
  if (channel_) {
    logEvent("RF", Severity::kWarning, "SESSION_REPLACED",
             "a new peer connection replaces the current session");
    channel_->close("replaced by a new connection from the peer");
  }
  checkpoint::ChannelOptions o;
  o.slot = options_.slot;
  o.software_version = software_version_;
  o.instance_id = instance_id_;
  o.heartbeat_interval_ms = options_.heartbeat_interval_ms;
  o.heartbeat_threshold = options_.heartbeat_threshold;
  o.ack_timeout_ms = options_.ack_timeout_ms;
  channel_ =
      std::make_unique<checkpoint::CheckpointChannel>(loop_, std::move(fd), catalog_, o, *this);
  registry_.onSessionStart();
  channel_->start();
  report_.sessionUp();
  execute(fsm_.handle(rf::SessionUp{}));
}

void RouteProcessor::onNegotiated(const issu::NegotiationResult& result,
                                  const messages::SessionHello& peer) {
  peer_software_ = peer.software_version;
  for (checkpoint::CheckpointClient* c : registry_.clients()) c->onNegotiated(result);
  logEvent("ISSU", Severity::kNotice, "NEGOTIATED",
           "peer slot " + std::to_string(peer.slot) + " software " + peer.software_version + ": " +
               std::string(issu::compatibilityName(result.level)) + ", operating mode " +
               std::string(issu::operatingModeName(result.mode())));
  execute(fsm_.handle(rf::Negotiated{result.level}));
}

Status RouteProcessor::onMessage(uint16_t client, uint16_t type, wire::ByteView native,
                                 issu::MessageVersion version) {
  return registry_.stage(client, type, native, version);
}

Status RouteProcessor::onTransaction() {
  if (fsm_.isActive()) {
    registry_.discardStaged();
    return Status::failedPrecondition("the active received checkpoint data");
  }
  ASSIGN_OR_RETURN(auto digests, registry_.applyStaged(*this));
  if (fsm_.state() == RfState::kStandbyColdBulk && registry_.currentBulkHalfway()) {
    crash_.at("standby-mid-bulk");
  }
  if (fsm_.state() == RfState::kStandbyHot) crash_.at("standby-before-ack");
  if (!digests.present) return Status::ok();
  if (!digests.match) {
    logEvent("RF", Severity::kError, "DIGEST_MISMATCH",
             "standby state differs from the active:" + digests.mismatch + "; resynchronising");
    execute(fsm_.handle(rf::DigestMismatch{}));
    return Status::ok();
  }
  RfState before = fsm_.state();
  execute(fsm_.handle(rf::DigestVerified{}));
  if (before != RfState::kStandbyHot && fsm_.state() == RfState::kStandbyHot) {
    report_.reachedHot();
    logEvent("RF", Severity::kNotice, "RF_TERMINAL_STATE",
             std::string("Terminal state reached for (") +
                 (fsm_.mode() == redundancy::Mode::kSso ? "SSO" : "SSO base-level") + ")");
  }
  return Status::ok();
}

void RouteProcessor::onBulkBegan(uint16_t client) { execute(fsm_.handle(rf::BulkBegan{client})); }

void RouteProcessor::onBulkEnded(uint16_t client) { execute(fsm_.handle(rf::BulkEnded{client})); }

void RouteProcessor::onRfStatus(const messages::RfStatus& status) {
  auto state = redundancy::rfStateFromNumber(status.rf_state);
  if (!state) return;
  execute(fsm_.handle(rf::PeerStatus{*state, status.epoch, status.slot}));
}

void RouteProcessor::onSwitchover(const messages::Switchover& request) {
  execute(fsm_.handle(
      rf::SwitchoverReceived{request.epoch, static_cast<redundancy::SwactReason>(request.reason)}));
}

void RouteProcessor::onDrained() {
  if (bulk_) bulk_->resume();
}

void RouteProcessor::onAcknowledged() {
  for (checkpoint::CheckpointClient* c : registry_.clients()) c->onStandbyProgress();
}

void RouteProcessor::onClosed(const std::string& reason, bool peer_alive) {
  report_.peerLost();
  logEvent("RF", Severity::kWarning, "SESSION_DOWN",
           "checkpoint session ended: " + reason + (peer_alive ? " (peer alive)" : ""));
  bulk_.reset();
  registry_.discardStaged();
  for (checkpoint::CheckpointClient* c : registry_.clients()) c->onSessionEnd();
  // The channel is inside its own callback: destroy it from the loop, not here.
  std::shared_ptr<checkpoint::CheckpointChannel> dying(channel_.release());
  loop_.addTimer(0, [dying] {});
  // No standby to wait for any more: input held back for flow control goes on (deferred: the
  // channel is still unwinding).
  loop_.addTimer(0, [this, alive = alive_] {
    if (!*alive) return;
    for (checkpoint::CheckpointClient* c : registry_.clients()) c->onStandbyProgress();
  });
  execute(fsm_.handle(rf::SessionDown{peer_alive}));
  peer_link_.sessionEnded();
}

// --- StandbyLink.

bool RouteProcessor::inSync() const {
  auto mode = fsm_.mode();
  return fsm_.isActive() && channel_ && channel_->isOpen() && channel_->negotiated() &&
         (mode == redundancy::Mode::kSso || mode == redundancy::Mode::kSsoBaseLevel);
}

bool RouteProcessor::standbyHot() const {
  return inSync() && !bulkInProgress() && fsm_.peerState() == RfState::kStandbyHot;
}

checkpoint::Transaction RouteProcessor::transaction() const {
  return inSync() ? channel_->transaction() : checkpoint::Transaction();
}

void RouteProcessor::send(checkpoint::Transaction txn, Done done) {
  if (!channel_) {
    done(false);
    return;
  }
  channel_->send(std::move(txn), std::move(done));
}

size_t RouteProcessor::unackedTransactions() const {
  return channel_ ? channel_->unackedTransactions() : 0;
}

// --- RF actions.

void RouteProcessor::execute(const std::vector<RfAction>& actions) {
  for (RfAction a : actions) {
    switch (a) {
      case RfAction::kSendStatus:
        if (channel_ && channel_->negotiated()) {
          channel_->sendRfStatus({options_.slot, static_cast<uint8_t>(fsm_.state()), fsm_.epoch()});
        }
        break;
      case RfAction::kStartBulk:
        startBulk();
        break;
      case RfAction::kPersistEpoch:
        epochs_.persist(fsm_.epoch());
        break;
      case RfAction::kTakeOverWarm:
      case RfAction::kTakeOverCold:
        takeOver(/*warm=*/a == RfAction::kTakeOverWarm);
        break;
      case RfAction::kResync:
        if (channel_) channel_->close("state digest mismatch: resync");
        break;
      case RfAction::kDemote:
        logEvent("RF", Severity::kCritical, "SPLIT_BRAIN_DEMOTE",
                 "peer is active at epoch " + std::to_string(fsm_.epoch()) +
                     ": this RP gives up activity");
        if (channel_) channel_->close("demoted: the peer is the rightful active");
        break;
      case RfAction::kHandOver:
        handover_.run();
        break;
      case RfAction::kHandOverCold:
        logEvent("RF", Severity::kNotice, "COLD_SWITCHOVER",
                 "the standby runs RPR: handing activity over cold (it starts from config; "
                 "forwarding is kept and BGP restarts gracefully)");
        for (checkpoint::CheckpointClient* c : registry_.clients()) c->onHandoverCommitted();
        commitHandover();
        break;
      case RfAction::kRefuse:
        break;
    }
  }
  // After every batch of RF actions: only an active writes the FIB and speaks BGP.
  syncRoles();
}

void RouteProcessor::takeOver(bool warm) {
  for (checkpoint::CheckpointClient* c : registry_.clients()) c->onTakeover(warm);
  report_.tookOver(fsm_.lastSwitchoverReason());
  logEvent("RF", Severity::kNotice, warm ? "RF_SWITCHOVER" : "RF_COLD_SWITCHOVER",
           std::string(warm ? "stateful" : "cold") + " switchover: slot " +
               std::to_string(options_.slot) + " is ACTIVE at epoch " +
               std::to_string(fsm_.epoch()) + " with " + std::to_string(rib_.rib().size()) +
               " routes (" + std::string(redundancy::swactReasonName(fsm_.lastSwitchoverReason())) +
               ")");
}

void RouteProcessor::startBulk() {
  logEvent("RF", Severity::kInfo, "BULK_SYNC_START",
           "bulk sync to the standby: " + std::to_string(config_.store().size()) +
               " config items, " + std::to_string(rib_.rib().size()) + " routes");
  checkpoint::BulkSenderOptions o;
  o.batch = options_.bulk_batch;
  bulk_ = std::make_unique<checkpoint::BulkSender>(
      loop_, registry_, *this, [this] { return channel_ ? channel_->pendingBytes() : 0; }, o);
  bulk_->start();
}

void RouteProcessor::sendDigests() {
  if (!standbyHot()) return;
  checkpoint::Transaction txn = transaction();
  registry_.addDigests(txn);
  send(std::move(txn), [](bool) {});
}

void RouteProcessor::forceSwitchover(std::function<void(Status)> done) {
  auto actions = fsm_.handle(rf::SwitchoverCommand{});
  for (auto a : actions) {
    if (a == RfAction::kRefuse) {
      done(Status::failedPrecondition(fsm_.refusal()));
      return;
    }
  }
  if (std::find(actions.begin(), actions.end(), RfAction::kHandOverCold) != actions.end()) {
    execute(actions);  // nothing to drain: done once the switchover is sent
    done(Status::ok());
    return;
  }
  handover_.await(std::move(done));
  execute(actions);
}

void RouteProcessor::commitHandover() {
  uint64_t new_epoch = fsm_.epoch() + 1;
  channel_->sendSwitchover(
      {new_epoch, static_cast<uint8_t>(redundancy::SwactReason::kUserInitiated)});
  logEvent("RF", Severity::kNotice, "SWITCHOVER_HANDOVER",
           "handing activity to the peer at epoch " + std::to_string(new_epoch));
  execute(fsm_.handle(rf::HandedOver{}));
  channel_->close("handed over activity to the peer");
}

nlohmann::json RouteProcessor::status() const {
  return report_.render({.fsm = fsm_,
                         .software_version = software_version_,
                         .peer_software_version = peer_software_,
                         .client_count = catalog_.messageSet().clients.size(),
                         .heartbeat_interval_ms = options_.heartbeat_interval_ms,
                         .heartbeat_threshold = options_.heartbeat_threshold,
                         .routes = rib_.rib().size(),
                         .rib_digest = rib_.rib().digest().bytes(),
                         .config_items = config_.store().size(),
                         .channel = channel_.get(),
                         .fib = rib_.fibStatus()});
}

}  // namespace hitless::rpd
