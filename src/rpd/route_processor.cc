#include "rpd/route_processor.h"

#include <signal.h>

#include <nlohmann/json.hpp>
#include <random>

#include "base/file_util.h"
#include "base/log.h"
#include "event/fd_passing.h"
#include "event/unix_socket.h"
#include "messages/wire_numbers.h"
#include "state/route_text.h"

namespace hitless::rpd {
namespace {

using redundancy::RfAction;
using redundancy::RfState;

constexpr size_t kBulkHighWatermark = 4u << 20;
constexpr int64_t kBulkBudgetNs = 5'000'000;  // 5 ms of encoding per loop turn
constexpr int64_t kMaxReconnectDelayMs = 500;

nlohmann::json stateJson(RfState s) {
  return {{"number", static_cast<int>(s)}, {"name", redundancy::rfStateName(s)}};
}

uint64_t readEpoch(const std::string& dir) {
  auto text = readFile(dir + "/epoch", 64);
  if (!text.isOk()) return 0;
  try {
    return std::stoull(*text);
  } catch (...) {
    return 0;  // a torn or foreign file: start from 0, peers' higher epochs still win
  }
}

std::unique_ptr<DurableCounter> openEpochRecord(const std::string& dir) {
  if (dir.empty()) return nullptr;
  auto c = DurableCounter::open(dir + "/epoch.rec");
  if (!c.isOk()) {
    logEvent("RF", Severity::kError, "EPOCH_RECORD_FAILED", c.status().message());
    return nullptr;
  }
  return std::move(*c);
}

}  // namespace

const std::vector<std::string>& crashPoints() {
  static const std::vector<std::string> kPoints = {
      "standby-mid-bulk",    // the standby has applied half of the announced RIB bulk
      "standby-before-ack",  // a HOT standby applied a transaction but has not acknowledged it
      "active-mid-bulk",     // the active has queued half of the RIB bulk
      "active-after-apply",  // the active applied a change locally, before checkpointing it
  };
  return kPoints;
}

void RouteProcessor::crashIf(const char* point) const {
  if (options_.crash_at == point) {
    logEvent("RF", Severity::kWarning, "CRASH_POINT", std::string("crashing at ") + point);
    ::raise(SIGKILL);
  }
}

struct RouteProcessor::BulkProducer {
  enum Stage { kConfig, kRib, kDone } stage = kConfig;
  size_t end = 0;  // positions of the RIB's dense storage when the bulk began
  size_t next = 0;
  uint64_t sent = 0;
  bool resume_scheduled = false;  // a produceBulk() is already queued for the next loop turn
};

RouteProcessor::RouteProcessor(event::EventLoop& loop, const issu::MessageCatalog& catalog,
                               std::string software_version, RouteProcessorOptions options)
    : loop_(loop),
      catalog_(catalog),
      software_version_(std::move(software_version)),
      options_(std::move(options)),
      epoch_record_(openEpochRecord(options_.state_dir)),
      fsm_(options_.slot, options_.start_active,
           std::max(readEpoch(options_.state_dir), epoch_record_ ? epoch_record_->value() : 0)) {
  std::random_device rd;
  instance_id_ = (static_cast<uint64_t>(rd()) << 32) | rd();
  started_ns_ = loop_.clock().nowNs();
  fib::FibClientOptions fo;
  fo.socket_path = options_.fib_socket;
  fo.slot = options_.slot;
  fo.software_version = software_version_;
  if (const auto* rib = catalog_.messageSet().findClient(messages::kClientRib)) {
    if (const auto* m = rib->findMessage(messages::kMsgRouteUpdate))
      fo.route_version = m->max_version;
  }
  fib_ = std::make_unique<fib::FibClient>(loop_, rib_, fo);
}

RouteProcessor::~RouteProcessor() {
  *alive_ = false;
  for (auto id : {reconnect_timer_, digest_timer_, handover_timer_, bgp_retry_timer_}) {
    if (id != 0) loop_.cancelTimer(id);
  }
  if (listen_fd_.valid()) loop_.removeFd(listen_fd_.get());
  if (nsr_listen_fd_.valid()) loop_.removeFd(nsr_listen_fd_.get());
}

Status RouteProcessor::start() {
  logEvent("RF", Severity::kNotice, "RP_START",
           "slot " + std::to_string(options_.slot) + " software " + software_version_ +
               " starting as " + std::string(redundancy::rfStateName(fsm_.state())) + ", epoch " +
               std::to_string(fsm_.epoch()));
  if (fsm_.isActive()) {
    Status s = loadStartupConfig();
    if (!s.isOk()) return s;
  }
  if (auto bgp = bgp::parseBgpConfig(config_.items()); !bgp.isOk()) {
    return bgp.status().withContext("startup config");
  }
  if (options_.slot == 0) {
    ASSIGN_OR_RETURN(listen_fd_, event::listenUnix(options_.checkpoint_socket, 0600));
    RETURN_IF_ERROR(loop_.addFd(listen_fd_.get(), EPOLLIN, [this](uint32_t) { acceptPeer(); }));
  } else {
    connectPeer();
  }
  digest_timer_ = loop_.addTimer(
      options_.digest_interval_ms, [this] { sendDigests(); }, true);
  ASSIGN_OR_RETURN(nsr_listen_fd_, event::listenUnix(nsrSocketPath(options_.slot), 0600));
  RETURN_IF_ERROR(
      loop_.addFd(nsr_listen_fd_.get(), EPOLLIN, [this](uint32_t) { acceptNsrSocket(); }));
  syncFibRole();
  syncBgpRole();
  return Status::ok();
}

void RouteProcessor::syncBgpRole() {
  if (!fsm_.isActive()) {
    if (bgp_) {
      // No NOTIFICATION: the neighbors keep our routes (graceful restart helper) while the
      // peer RP takes over.
      logEvent("BGP", Severity::kNotice, "BGP_STOP",
               "this RP is " + std::string(redundancy::rfStateName(fsm_.state())) +
                   "; BGP sessions close for the new active to re-establish");
      bgp_.reset();
    }
    return;
  }
  if (bgp_) return;
  auto config = bgp::parseBgpConfig(config_.items());
  if (!config.isOk()) {
    logEvent("BGP", Severity::kError, "BGP_CONFIG", config.status().message());
    return;
  }
  if (!config->enabled) return;
  bgp_ = std::make_unique<bgp::BgpSpeaker>(loop_, std::move(*config), *this);
  // The port first: if it is still held, the sessions handed over stay in the shadow for the
  // next attempt instead of being lost with a speaker that could not start.
  Status s = bgp_->listen();
  if (s.isOk()) {
    // Sessions the old active handed over are adopted as they are (NSR); BGP routes the RIB
    // holds beyond theirs came from sessions that must restart gracefully (the speaker asks for
    // them: with none, it is simply starting).
    s = bgp_->start(/*restarting=*/true, bgp_shadow_.takeAdoptable());
  }
  if (!s.isOk()) {
    // Typically the port: a previous active that was declared hung may hold it until it is
    // killed. Nothing else would bring BGP back, so try again until it starts.
    logEvent("BGP", Severity::kError, "BGP_START", s.message() + "; retrying in 1 s");
    bgp_.reset();
    if (bgp_retry_timer_ == 0) {
      bgp_retry_timer_ = loop_.addTimer(1000, [this] {
        bgp_retry_timer_ = 0;
        syncBgpRole();
      });
    }
  }
}

void RouteProcessor::reconfigureBgp() {
  if (!fsm_.isActive()) return;
  auto config = bgp::parseBgpConfig(config_.items());
  if (!config.isOk()) {
    logEvent("BGP", Severity::kError, "BGP_CONFIG", config.status().message());
    return;
  }
  if (!config->enabled || !bgp_) {
    bgp_.reset();
    syncBgpRole();
    return;
  }
  Status s = bgp_->reconfigure(*config);
  if (!s.isOk()) {
    logEvent("BGP", Severity::kNotice, "BGP_RESTART", s.message() + "; restarting BGP");
    bgp_->stop("configuration changed", false);
    bgp_.reset();
    syncBgpRole();
  }
}

void RouteProcessor::applyBgpChanges(state::RibDelta delta,
                                     const messages::BgpInputCheckpoint* input) {
  std::vector<checkpoint::Item> extra;
  if (input != nullptr) extra.emplace_back(*input);
  applyRibChanges(
      std::move(delta),
      [](ChangeResult r) {
        if (!r.status.isOk()) logEvent("BGP", Severity::kError, "RIB_UPDATE", r.status.message());
      },
      std::move(extra));
}

void RouteProcessor::onAcknowledged() {
  // Any acknowledged transaction — BGP's own, a bulk sync's, a digest — may be what BGP was
  // waiting for: flow control counts every transaction in flight.
  if (bgp_ && readyForInput()) bgp_->resumeInput();
}

bool RouteProcessor::readyForInput() const {
  // A few transactions in flight keep the pipe full; beyond that the standby is behind and
  // BGP waits rather than queueing without bound (TCP pushes back on the neighbors).
  constexpr size_t kMaxBgpTransactionsInFlight = 8;
  return !syncing() || channel_->unackedTransactions() < kMaxBgpTransactionsInFlight;
}

void RouteProcessor::bgpSessionChanged(const messages::BgpSessionCheckpoint& session, int fd) {
  if (!syncing()) return;
  channel_->sendTransaction({session}, [](bool) {});
  if (fd < 0) return;
  uint8_t peer_slot = options_.slot == 0 ? 1 : 0;
  Status s = event::sendFdTo(nsrSocketPath(peer_slot), fd,
                             bgp::BgpShadow::socketPayload(session.peer, session.session_id));
  if (!s.isOk()) {
    logEvent("BGP", Severity::kWarning, "NSR_SOCKET",
             "could not pass the session of " + session.peer.toString() + " to the standby (" +
                 s.message() + "); a switchover will restart it gracefully");
  }
}

std::string RouteProcessor::nsrSocketPath(uint8_t slot) const {
  return options_.checkpoint_socket + ".nsr" + std::to_string(slot);
}

void RouteProcessor::acceptNsrSocket() {
  while (true) {
    auto conn = event::acceptUnix(nsr_listen_fd_.get());
    if (!conn.isOk()) return;
    auto got = event::receiveFd(conn->get());
    Status s =
        got.isOk() ? bgp_shadow_.attachSocket(got->second, std::move(got->first)) : got.status();
    if (!s.isOk()) logEvent("BGP", Severity::kWarning, "NSR_SOCKET", s.message());
  }
}

bool RouteProcessor::handOverBgp() {
  if (!bgp_ || bgp_handed_over_) return true;
  if (!bgp_->quiesce()) return false;  // a session's output has not reached the kernel yet
  std::vector<checkpoint::Item> items;
  for (auto& state : bgp_->handoverState()) items.emplace_back(std::move(state));
  if (!items.empty()) channel_->sendTransaction(items, [](bool) {});
  bgp_handed_over_ = true;
  return true;
}

void RouteProcessor::forEachBgpPrefix(const std::function<void(const net::IpPrefix&)>& fn) const {
  rib_.forEach([&](const net::Route& r) {
    if (r.protocol == bgp::kProtocolBgp) fn(r.prefix);
  });
}

Result<nlohmann::json> RouteProcessor::bgpSummary() const {
  if (!bgp_) return Status::failedPrecondition(bgpOffReason());
  return bgp_->summary();
}

Result<nlohmann::json> RouteProcessor::bgpNeighbors() const {
  if (!bgp_) return Status::failedPrecondition(bgpOffReason());
  return bgp_->neighbors();
}

std::string RouteProcessor::bgpOffReason() const {
  if (!fsm_.isActive()) {
    return "BGP runs on the active RP; this RP is " +
           std::string(redundancy::rfStateName(fsm_.state()));
  }
  return "BGP is not configured (no bgp.asn)";
}

void RouteProcessor::syncFibRole() {
  if (fsm_.isActive()) {
    fib_->activate(fsm_.epoch());
  } else if (fib_->active()) {
    fib_->deactivate("this RP is " + std::string(redundancy::rfStateName(fsm_.state())));
  }
}

Status RouteProcessor::loadStartupConfig() {
  if (options_.startup_config.empty()) return Status::ok();
  auto text = readFile(options_.startup_config);
  if (!text.isOk()) return text.status().withContext("startup config");
  size_t line_no = 0;
  std::string_view rest = *text;
  while (!rest.empty()) {
    ++line_no;
    size_t nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
    if (line.empty() || line[0] == '#') continue;
    size_t eq = line.find(" = ");
    if (eq == std::string_view::npos) {
      return Status::invalidArgument(options_.startup_config + " line " + std::to_string(line_no) +
                                     ": expected 'path = value'");
    }
    config_.set(std::string(line.substr(0, eq)), std::string(line.substr(eq + 3)));
  }
  return Status::ok();
}

void RouteProcessor::acceptPeer() {
  while (true) {
    auto fd = event::acceptUnix(listen_fd_.get());
    if (!fd.isOk()) return;
    if (channel_) {
      logEvent("RF", Severity::kWarning, "SESSION_REPLACED",
               "a new peer connection replaces the current session");
      channel_->close("replaced by a new connection from the peer");
    }
    attachChannel(std::move(*fd));
  }
}

void RouteProcessor::connectPeer() {
  reconnect_timer_ = 0;
  if (channel_) return;
  auto fd = event::connectUnix(options_.checkpoint_socket);
  if (!fd.isOk()) {
    scheduleReconnect();
    return;
  }
  reconnect_delay_ms_ = 20;
  attachChannel(std::move(*fd));
}

void RouteProcessor::scheduleReconnect() {
  if (options_.slot == 0 || reconnect_timer_ != 0) return;
  reconnect_timer_ = loop_.addTimer(reconnect_delay_ms_, [this] { connectPeer(); });
  reconnect_delay_ms_ = std::min(reconnect_delay_ms_ * 2, kMaxReconnectDelayMs);
}

void RouteProcessor::attachChannel(event::UniqueFd fd) {
  checkpoint::ChannelOptions o;
  o.slot = options_.slot;
  o.software_version = software_version_;
  o.instance_id = instance_id_;
  o.heartbeat_interval_ms = options_.heartbeat_interval_ms;
  o.heartbeat_threshold = options_.heartbeat_threshold;
  o.ack_timeout_ms = options_.ack_timeout_ms;
  channel_ =
      std::make_unique<checkpoint::CheckpointChannel>(loop_, std::move(fd), catalog_, o, *this);
  channel_->start();
  session_up_ns_ = loop_.clock().nowNs();
  execute(fsm_.handle(redundancy::rf::SessionUp{}));
}

bool RouteProcessor::syncing() const {
  auto mode = fsm_.mode();
  return fsm_.isActive() && channel_ && channel_->isOpen() && channel_->negotiated() &&
         (mode == redundancy::Mode::kSso || mode == redundancy::Mode::kSsoBaseLevel);
}

void RouteProcessor::onNegotiated(const issu::NegotiationResult& result,
                                  const messages::SessionHello& peer) {
  peer_software_ = peer.software_version;
  // Both replicas fingerprint routes at the version they exchange them in.
  if (auto v = result.versionFor(messages::kClientRib, messages::kMsgRouteUpdate)) {
    if (*v != rib_.digestVersion()) rib_.setDigestVersion(*v);
  }
  logEvent("ISSU", Severity::kNotice, "NEGOTIATED",
           "peer slot " + std::to_string(peer.slot) + " software " + peer.software_version + ": " +
               std::string(issu::compatibilityName(result.level)) + ", operating mode " +
               std::string(issu::operatingModeName(result.mode())));
  execute(fsm_.handle(redundancy::rf::Negotiated{result.level}));
}

Status RouteProcessor::onTransaction(std::vector<checkpoint::Item>& items) {
  if (fsm_.isActive()) return Status::failedPrecondition("the active received checkpoint data");
  bool had_digest = false, digests_match = true;
  std::string mismatch;
  auto prefixOf = [](const checkpoint::Item& item) -> const net::IpPrefix* {
    if (auto* r = std::get_if<net::Route>(&item)) return &r->prefix;
    if (auto* w = std::get_if<messages::RouteWithdraw>(&item)) return &w->prefix;
    return nullptr;
  };
  for (size_t i = 0; i < items.size() && i < state::kPrefetchDistance; ++i) {
    if (auto* p = prefixOf(items[i])) rib_.prefetch(*p);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    if (i + state::kPrefetchDistance < items.size()) {
      if (auto* p = prefixOf(items[i + state::kPrefetchDistance])) rib_.prefetch(*p);
    }
    auto& item = items[i];
    if (auto* route = std::get_if<net::Route>(&item)) {
      ++bulk_received_[messages::kClientRib];
      rib_.upsert(std::move(*route));
    } else if (auto* w = std::get_if<messages::RouteWithdraw>(&item)) {
      ++bulk_received_[messages::kClientRib];
      rib_.withdraw(w->prefix);
    } else if (auto* c = std::get_if<messages::ConfigItem>(&item)) {
      ++bulk_received_[messages::kClientConfigSync];
      if (c->deleted) {
        config_.erase(c->path);
      } else {
        config_.set(c->path, c->value);
      }
    } else if (auto* bs = std::get_if<messages::BgpSessionCheckpoint>(&item)) {
      RETURN_IF_ERROR(bgp_shadow_.apply(*bs));
    } else if (auto* bi = std::get_if<messages::BgpInputCheckpoint>(&item)) {
      RETURN_IF_ERROR(bgp_shadow_.apply(*bi));
    } else if (auto* b = std::get_if<messages::BulkSync>(&item)) {
      if (b->phase == messages::BulkSync::kBegin) {
        if (b->client == messages::kClientConfigSync) bgp_shadow_.clear();
        if (b->client == messages::kClientRib) {
          rib_.clear();
          rib_.reserve(b->count);
        }
        if (b->client == messages::kClientConfigSync) config_.clear();
        bulk_received_[b->client] = 0;
        bulk_announced_[b->client] = b->count;
        execute(fsm_.handle(redundancy::rf::BulkBegan{b->client}));
      } else {
        uint64_t got = bulk_received_[b->client];
        if (got < b->count) {
          return Status::corruption("bulk sync of client " + std::to_string(b->client) +
                                    " ended after " + std::to_string(got) + " of " +
                                    std::to_string(b->count) + " entries");
        }
        logEvent("HA_CONFIG_SYNC", Severity::kInfo, "BULK_SYNC_SUCCEED",
                 "bulk sync of client " + std::to_string(b->client) + " succeeded (" +
                     std::to_string(b->count) + " entries)");
        execute(fsm_.handle(redundancy::rf::BulkEnded{b->client}));
      }
    } else if (auto* d = std::get_if<messages::StateDigest>(&item)) {
      had_digest = true;
      const state::StateDigest& mine =
          d->client == messages::kClientRib ? rib_.digest() : config_.digest();
      if (mine.bytes() != d->digest || mine.count() != d->entries) {
        digests_match = false;
        mismatch += " client " + std::to_string(d->client) + " (active " +
                    std::to_string(d->entries) + " entries, standby " +
                    std::to_string(mine.count()) + ")";
      }
    }
  }
  if (bulk_announced_[messages::kClientRib] > 0 && fsm_.state() == RfState::kStandbyColdBulk &&
      bulk_received_[messages::kClientRib] * 2 >= bulk_announced_[messages::kClientRib]) {
    crashIf("standby-mid-bulk");
  }
  if (fsm_.state() == RfState::kStandbyHot) crashIf("standby-before-ack");
  if (had_digest) {
    if (digests_match) {
      RfState before = fsm_.state();
      execute(fsm_.handle(redundancy::rf::DigestVerified{}));
      if (before != RfState::kStandbyHot && fsm_.state() == RfState::kStandbyHot) {
        hot_at_ns_ = loop_.clock().nowNs();
        logEvent("RF", Severity::kNotice, "RF_TERMINAL_STATE",
                 std::string("Terminal state reached for (") +
                     (fsm_.mode() == redundancy::Mode::kSso ? "SSO" : "SSO base-level") + ")");
      }
    } else {
      logEvent("RF", Severity::kError, "DIGEST_MISMATCH",
               "standby state differs from the active:" + mismatch + "; resynchronising");
      execute(fsm_.handle(redundancy::rf::DigestMismatch{}));
    }
  }
  return Status::ok();
}

void RouteProcessor::onRfStatus(const messages::RfStatus& status) {
  auto state = redundancy::rfStateFromNumber(status.rf_state);
  if (!state) return;
  execute(fsm_.handle(redundancy::rf::PeerStatus{*state, status.epoch, status.slot}));
}

void RouteProcessor::onSwitchover(const messages::Switchover& request) {
  execute(fsm_.handle(redundancy::rf::SwitchoverReceived{
      request.epoch, static_cast<redundancy::SwactReason>(request.reason)}));
}

void RouteProcessor::onDrained() {
  if (bulk_ && !bulk_->resume_scheduled) produceBulk();
}

void RouteProcessor::onClosed(const std::string& reason, bool peer_alive) {
  peer_lost_ns_ = loop_.clock().nowNs();
  logEvent("RF", Severity::kWarning, "SESSION_DOWN",
           "checkpoint session ended: " + reason + (peer_alive ? " (peer alive)" : ""));
  bulk_.reset();
  // The channel is inside its own callback: destroy it from the loop, not here.
  std::shared_ptr<checkpoint::CheckpointChannel> dying(channel_.release());
  loop_.addTimer(0, [dying] {});
  // No standby to wait for any more: BGP input paused for flow control goes on (deferred: the
  // channel is still unwinding).
  loop_.addTimer(0, [this, alive = alive_] {
    if (*alive && bgp_) bgp_->resumeInput();
  });
  execute(fsm_.handle(redundancy::rf::SessionDown{peer_alive}));
  scheduleReconnect();
}

void RouteProcessor::execute(const std::vector<RfAction>& actions) {
  struct FibRoleSync {  // after every batch of RF actions, however the switch below exits
    RouteProcessor* rp;
    ~FibRoleSync() {
      rp->syncFibRole();
      rp->syncBgpRole();
    }
  } fib_role_sync{this};
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
        persistEpoch();
        break;
      case RfAction::kTakeOverWarm:
        recordTakeover(true);
        break;
      case RfAction::kTakeOverCold:
        rib_.clear();
        config_.clear();
        if (Status s = loadStartupConfig(); !s.isOk()) {
          logEvent("RF", Severity::kError, "CONFIG_LOAD_FAILED", s.message());
        }
        recordTakeover(false);
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
        handOver();
        break;
      case RfAction::kRefuse:
        break;
    }
  }
}

void RouteProcessor::persistEpoch() {
  if (options_.state_dir.empty()) return;
  uint64_t epoch = fsm_.epoch();
  Status s = epoch_record_ ? epoch_record_->store(epoch)
                           : Status::ioError("no epoch record in " + options_.state_dir);
  if (!s.isOk()) logEvent("RF", Severity::kError, "EPOCH_PERSIST_FAILED", s.message());
  // The text form is what older releases read (an abort may start one on this state dir).
  std::shared_ptr<bool> alive = alive_;
  std::string path = options_.state_dir + "/epoch";
  loop_.addTimer(0, [alive, path, epoch] {
    Status t = writeFileAtomic(path, std::to_string(epoch) + "\n");
    if (!t.isOk()) logEvent("RF", Severity::kError, "EPOCH_PERSIST_FAILED", t.message());
  });
}

void RouteProcessor::recordTakeover(bool warm) {
  took_over_ns_ = loop_.clock().nowNs();
  last_switchover_time_ = event::wallClockString();
  switchover_history_.push_back(
      {static_cast<int>(switchover_history_.size() + 1), options_.slot == 0 ? 2 : 1,
       options_.slot + 1, std::string(redundancy::swactReasonName(fsm_.lastSwitchoverReason())),
       last_switchover_time_});
  logEvent("RF", Severity::kNotice, warm ? "RF_SWITCHOVER" : "RF_COLD_SWITCHOVER",
           std::string(warm ? "stateful" : "cold") + " switchover: slot " +
               std::to_string(options_.slot) + " is ACTIVE at epoch " +
               std::to_string(fsm_.epoch()) + " with " + std::to_string(rib_.size()) + " routes (" +
               std::string(redundancy::swactReasonName(fsm_.lastSwitchoverReason())) + ")");
}

std::vector<checkpoint::Item> RouteProcessor::digestItems() const {
  return {
      messages::StateDigest{messages::kClientConfigSync, config_.digest().bytes(),
                            config_.digest().count(), 0},
      messages::StateDigest{messages::kClientRib, rib_.digest().bytes(), rib_.digest().count(), 0}};
}

void RouteProcessor::startBulk() {
  bulk_ = std::make_unique<BulkProducer>();
  logEvent("RF", Severity::kInfo, "BULK_SYNC_START",
           "bulk sync to the standby: " + std::to_string(config_.size()) + " config items, " +
               std::to_string(rib_.size()) + " routes");
  std::vector<checkpoint::Item> txn;
  txn.push_back(
      messages::BulkSync{messages::kClientConfigSync, messages::BulkSync::kBegin, config_.size()});
  for (const auto& [path, value] : config_.items()) {
    txn.push_back(messages::ConfigItem{path, value, false});
  }
  txn.push_back(
      messages::BulkSync{messages::kClientConfigSync, messages::BulkSync::kEnd, config_.size()});
  channel_->sendTransaction(txn, [](bool) {});
  bulk_->end = rib_.positions();
  bulk_->stage = BulkProducer::kRib;
  channel_->sendTransaction(
      {messages::BulkSync{messages::kClientRib, messages::BulkSync::kBegin, rib_.size()}},
      [](bool) {});
  produceBulk();
  if (bgp_) bgp_->resyncStandby();
}

void RouteProcessor::produceBulk() {
  if (!bulk_ || bulk_->stage != BulkProducer::kRib || !channel_ || !channel_->isOpen()) return;
  std::vector<checkpoint::Item> txn;
  // Bounded per loop turn (like applying on the standby) so heartbeats keep flowing.
  const int64_t budget_end = loop_.clock().nowNs() + kBulkBudgetNs;
  while (loop_.clock().nowNs() < budget_end) {
    if (channel_->pendingBytes() >= kBulkHighWatermark) return;  // resumed by onDrained()
    txn.clear();
    // Walk the dense storage by position with current values: routes added or changed since the
    // bulk began are also in the stream as incremental transactions, in order, so the standby
    // converges whichever copy it applies last. No index lookups on this path.
    while (bulk_->next < bulk_->end && txn.size() < options_.bulk_batch) {
      if (bulk_->next < rib_.positions()) {
        if (const net::Route* r = rib_.atPosition(bulk_->next)) txn.push_back(*r);
      }
      ++bulk_->next;
    }
    bulk_->sent += txn.size();
    if (bulk_->next * 2 >= bulk_->end && bulk_->end > 0) crashIf("active-mid-bulk");
    bool last = bulk_->next >= bulk_->end;
    if (last) {
      txn.push_back(
          messages::BulkSync{messages::kClientRib, messages::BulkSync::kEnd, bulk_->sent});
      for (auto& d : digestItems()) txn.push_back(std::move(d));
    }
    if (!txn.empty()) channel_->sendTransaction(txn, [](bool) {});
    if (!channel_ || !channel_->isOpen()) return;
    if (last) {
      bulk_->stage = BulkProducer::kDone;
      bulk_.reset();
      return;
    }
  }
  std::shared_ptr<bool> alive = alive_;
  bulk_->resume_scheduled = true;
  loop_.addTimer(0, [this, alive] {
    if (!*alive || !bulk_) return;
    bulk_->resume_scheduled = false;
    produceBulk();
  });
}

void RouteProcessor::sendDigests() {
  if (!syncing() || bulk_ || fsm_.peerState() != RfState::kStandbyHot) return;
  channel_->sendTransaction(digestItems(), [](bool) {});
}

void RouteProcessor::applyRibChanges(state::RibDelta delta, std::function<void(ChangeResult)> done,
                                     std::vector<checkpoint::Item> extra) {
  if (!fsm_.isActive()) {
    done({Status::failedPrecondition("this RP is " +
                                     std::string(redundancy::rfStateName(fsm_.state())) +
                                     "; send changes to the active RP"),
          0, false});
    return;
  }
  if (handing_over_) {
    done({Status::failedPrecondition("a switchover is in progress; retry on the new active"), 0,
          false});
    return;
  }
  rib_.apply(delta);
  crashIf("active-after-apply");
  size_t n = delta.size();
  if (!syncing()) {
    fib_->send(delta);
    done({Status::ok(), n, false});
    return;
  }
  // The standby hears of a change before the FIB does (DESIGN.md, message flow); a change the
  // FIB got but the standby did not would be swept by the next active's replay anyway.
  const bool feed_fib = fib_->connected();
  std::vector<checkpoint::Item> items = std::move(extra);
  items.reserve(n + items.size());
  for (auto& c : delta.changes) {
    if (c.op == state::RibChange::kUpsert) {
      if (feed_fib) {
        items.emplace_back(c.route);
      } else {
        items.emplace_back(std::move(c.route));
      }
    } else {
      items.emplace_back(messages::RouteWithdraw{c.route.prefix});
    }
  }
  channel_->sendTransaction(items, [done, n](bool acked) { done({Status::ok(), n, acked}); });
  if (feed_fib && n > 0) fib_->send(delta);
}

void RouteProcessor::setConfig(const std::string& path, const std::string& value, bool erase,
                               std::function<void(ChangeResult)> done) {
  if (!fsm_.isActive()) {
    done({Status::failedPrecondition("this RP is not active"), 0, false});
    return;
  }
  if (path.rfind("bgp.", 0) == 0) {
    // Refuse a change that would leave BGP unconfigurable, before anything changes.
    auto items = config_.items();
    if (erase) {
      items.erase(path);
    } else {
      items[path] = value;
    }
    if (auto bgp = bgp::parseBgpConfig(items); !bgp.isOk()) {
      done({bgp.status(), 0, false});
      return;
    }
  }
  if (erase) {
    config_.erase(path);
  } else {
    config_.set(path, value);
  }
  if (path.rfind("bgp.", 0) == 0) reconfigureBgp();
  if (!syncing()) {
    done({Status::ok(), 1, false});
    return;
  }
  channel_->sendTransaction({messages::ConfigItem{path, value, erase}}, [done](bool acked) {
    done({Status::ok(), 1, acked});
  });
}

void RouteProcessor::forceSwitchover(std::function<void(Status)> done) {
  auto actions = fsm_.handle(redundancy::rf::SwitchoverCommand{});
  for (auto a : actions) {
    if (a == RfAction::kRefuse) {
      done(Status::failedPrecondition(fsm_.refusal()));
      return;
    }
  }
  handover_waiters_.push_back(std::move(done));
  execute(actions);
}

void RouteProcessor::handOver() {
  if (!handing_over_) handover_started_ns_ = loop_.clock().nowNs();
  handing_over_ = true;
  handover_timer_ = 0;
  auto finish = [this](Status s) {
    if (!s.isOk() && bgp_) {
      bgp_->resume();  // still the active: BGP carries on where it stopped
      bgp_handed_over_ = false;
    }
    handing_over_ = false;
    auto waiters = std::move(handover_waiters_);
    handover_waiters_.clear();
    for (auto& w : waiters) w(s);
  };
  if (!channel_ || !channel_->isOpen()) {
    finish(Status::failedPrecondition("the standby went away before the handover"));
    return;
  }
  if (loop_.clock().nowNs() - handover_started_ns_ > options_.handover_timeout_ms * 1000000) {
    finish(Status::failedPrecondition(
        "the handover did not complete in " + std::to_string(options_.handover_timeout_ms) +
        " ms (checkpoints or BGP output still draining); still active"));
    return;
  }
  // BGP stops reading first: input that arrived during the drain would otherwise be consumed
  // here and never reach the standby.
  const bool bgp_stopped = handOverBgp();
  if (!bgp_stopped || channel_->unackedTransactions() > 0 || bulk_) {
    // Drain first: the standby must hold every change the active reported applied, and every
    // BGP session stopped at a message boundary.
    handover_timer_ = loop_.addTimer(1, [this] { handOver(); });
    return;
  }
  // Free the BGP port before the peer can become active and listen on it.
  if (bgp_) bgp_->stopListening();
  uint64_t new_epoch = fsm_.epoch() + 1;
  channel_->sendSwitchover(
      {new_epoch, static_cast<uint8_t>(redundancy::SwactReason::kUserInitiated)});
  logEvent("RF", Severity::kNotice, "SWITCHOVER_HANDOVER",
           "handing activity to the peer at epoch " + std::to_string(new_epoch));
  execute(fsm_.handle(redundancy::rf::HandedOver{}));
  channel_->close("handed over activity to the peer");
  finish(Status::ok());
}

std::string RouteProcessor::divergeForTest() {
  auto prefixes = rib_.prefixes();
  if (prefixes.empty()) return "";
  rib_.withdraw(prefixes.front());
  logEvent("RF", Severity::kWarning, "TEST_DIVERGE",
           "test hook removed " + prefixes.front().toString() + " from this replica only");
  return prefixes.front().toString();
}

nlohmann::json RouteProcessor::status() const {
  using nlohmann::json;
  int64_t now = loop_.clock().nowNs();
  json history = json::array();
  for (const auto& t : fsm_.history()) {
    history.push_back({{"from", stateJson(t.from)}, {"to", stateJson(t.to)}, {"why", t.why}});
  }
  json swacts = json::array();
  for (const auto& s : switchover_history_) {
    swacts.push_back({{"index", s.index},
                      {"previous_active", s.previous_active},
                      {"current_active", s.current_active},
                      {"reason", s.reason},
                      {"time", s.time}});
  }
  bool duplex = fsm_.communicationsUp();
  json j = {
      {"ok", true},
      {"slot", options_.slot},
      {"unit", options_.slot == 0 ? "Primary" : "Secondary"},
      {"unit_id", options_.slot + 1},
      {"software_version", software_version_},
      {"peer_software_version", duplex ? json(peer_software_) : json(nullptr)},
      {"my_state", stateJson(fsm_.state())},
      {"peer_state", stateJson(fsm_.peerState())},
      {"mode", duplex ? "Duplex" : "Simplex"},
      {"redundancy_mode_operational", redundancy::modeName(fsm_.mode())},
      {"redundancy_mode_configured", "Stateful Switchover"},
      {"communications", duplex ? "Up" : "Down"},
      {"epoch", fsm_.epoch()},
      {"client_count", catalog_.messageSet().clients.size()},
      {"keep_alive_ms", options_.heartbeat_interval_ms},
      {"keep_alive_threshold", options_.heartbeat_threshold},
      {"uptime_s", (now - started_ns_) / 1000000000},
      {"switchovers", fsm_.switchovers()},
      {"standby_failures", fsm_.standbyFailures()},
      {"last_switchover_reason", redundancy::swactReasonName(fsm_.lastSwitchoverReason())},
      {"last_switchover_time", last_switchover_time_},
      {"took_over_monotonic_ns", took_over_ns_},
      {"peer_lost_monotonic_ns", peer_lost_ns_},
      {"session_to_hot_ms",
       hot_at_ns_ > session_up_ns_ ? json((hot_at_ns_ - session_up_ns_) / 1e6) : json(nullptr)},
      {"rib", {{"routes", rib_.size()}, {"digest", toHex(rib_.digest().bytes())}}},
      {"config_items", config_.size()},
      {"history", std::move(history)},
      {"switchover_history", std::move(swacts)},
  };
  if (channel_ && channel_->negotiated()) {
    const auto& st = channel_->stats();
    j["negotiation"] = issu::toJson(channel_->negotiation());
    j["checkpoint"] = {{"transactions_sent", st.transactions_sent},
                       {"transactions_acked", st.transactions_acked},
                       {"transactions_applied", st.transactions_applied},
                       {"unacked", channel_->unackedTransactions()},
                       {"lag_ms", channel_->oldestUnackedAgeNs() / 1e6},
                       {"bytes_sent", st.bytes_sent},
                       {"bytes_received", st.bytes_received},
                       {"transforms", st.transforms}};
  }
  j["fib"] = fib_->status();
  const event::LoopStats& loop = loop_.stats();
  j["event_loop"] = {{"turns", loop.turns},
                     {"turns_over_1ms", loop.turns_over_1ms},
                     {"turns_over_10ms", loop.turns_over_10ms},
                     {"turns_over_100ms", loop.turns_over_100ms},
                     {"longest_turn_ms", loop.longest_turn_ns / 1e6}};
  return j;
}

}  // namespace hitless::rpd
