#include "rpd/bgp_client.h"

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "checkpoint/transaction.h"
#include "event/fd_passing.h"
#include "messages/wire_numbers.h"

namespace hitless::rpd {
namespace {

// A few transactions in flight keep the pipe full; beyond that the standby is behind and BGP
// waits rather than queueing without bound (TCP pushes back on the neighbors).
constexpr size_t kMaxBgpTransactionsInFlight = 8;

void addSession(checkpoint::Transaction& txn, const messages::BgpSessionCheckpoint& s) {
  txn.add(messages::kClientBgp, messages::kMsgBgpSession,
          [&](issu::MessageVersion, std::string* out) { messages::encodeBgpSession(s, out); });
}

void addInput(checkpoint::Transaction& txn, const messages::BgpInputCheckpoint& in) {
  txn.add(messages::kClientBgp, messages::kMsgBgpInput,
          [&](issu::MessageVersion, std::string* out) { messages::encodeBgpInput(in, out); });
}

void addOutput(checkpoint::Transaction& txn, const messages::BgpOutputCheckpoint& o) {
  txn.add(messages::kClientBgp, messages::kMsgBgpOutput,
          [&](issu::MessageVersion, std::string* out) { messages::encodeBgpOutput(o, out); });
}

}  // namespace

BgpClient::BgpClient(event::EventLoop& loop, checkpoint::StandbyLink& link, RibClient& rib,
                     ConfigClient& config, uint8_t slot, std::string nsr_socket_base,
                     const CrashPoint& crash)
    : loop_(loop),
      link_(link),
      rib_(rib),
      config_(config),
      slot_(slot),
      nsr_socket_base_(std::move(nsr_socket_base)),
      crash_(crash) {
  config_.watch(
      "bgp.",
      [](const ConfigClient::Items& proposed) { return bgp::parseBgpConfig(proposed).status(); },
      [this] { reconfigure(); });
}

BgpClient::~BgpClient() {
  if (retry_timer_ != 0) loop_.cancelTimer(retry_timer_);
  if (nsr_listen_fd_.valid()) loop_.removeFd(nsr_listen_fd_.get());
}

uint16_t BgpClient::id() const { return messages::kClientBgp; }

Status BgpClient::start() {
  if (auto bgp = bgp::parseBgpConfig(config_.store().items()); !bgp.isOk()) {
    return bgp.status().withContext("startup config");
  }
  ASSIGN_OR_RETURN(nsr_listen_fd_, event::listenUnix(nsrSocketPath(slot_), 0600));
  return loop_.addFd(nsr_listen_fd_.get(), EPOLLIN, [this](uint32_t) { acceptSocket(); });
}

void BgpClient::onTakeover(bool warm) {
  // A standby that was not hot holds part of the RIB at best: sessions adopted with their whole
  // Adj-RIB-In would keep routes the RIB and the FIB no longer have. They restart gracefully, and
  // the neighbors send everything again.
  if (!warm) shadow_.abandon("the takeover is cold (the standby was not hot)");
}

void BgpClient::onRole(const checkpoint::Role& role) {
  role_ = role;
  syncRole();
}

void BgpClient::syncRole() {
  if (!role_.active) {
    if (speaker_) {
      // No NOTIFICATION: the neighbors keep our routes (graceful restart helper) while the
      // peer RP takes over.
      logEvent("BGP", Severity::kNotice, "BGP_STOP",
               "this RP is " + role_.state_name +
                   "; BGP sessions close for the new active to re-establish");
      speaker_.reset();
    }
    handed_over_ = false;
    return;
  }
  if (speaker_) return;
  auto config = bgp::parseBgpConfig(config_.store().items());
  if (!config.isOk()) {
    logEvent("BGP", Severity::kError, "BGP_CONFIG", config.status().message());
    rib_.releaseFib("BGP is not running (configuration refused)");
    return;
  }
  if (!config->enabled) {
    rib_.releaseFib("BGP is not configured");
    return;
  }
  speaker_ = std::make_unique<bgp::BgpSpeaker>(loop_, std::move(*config), *this);
  // The port first: if it is still held, the sessions handed over stay in the shadow for the
  // next attempt instead of being lost with a speaker that could not start.
  Status s = speaker_->listen();
  if (s.isOk()) {
    // Sessions the old active handed over are adopted as they are (NSR); BGP routes the RIB
    // holds beyond theirs came from sessions that must restart gracefully (the speaker asks for
    // them: with none, it is simply starting).
    acceptSocket();  // a socket the active passed just before it went may still be queued
    s = speaker_->start(/*restarting=*/true, shadow_.takeAdoptable());
  }
  if (!s.isOk()) {
    // Typically the port: a previous active that was declared hung may hold it until it is
    // killed. Nothing else would bring BGP back, so try again until it starts.
    logEvent("BGP", Severity::kError, "BGP_START", s.message() + "; retrying in 1 s");
    speaker_.reset();
    if (retry_timer_ == 0) {
      retry_timer_ = loop_.addTimer(1000, [this] {
        retry_timer_ = 0;
        syncRole();
      });
    }
  }
}

void BgpClient::reconfigure() {
  if (!role_.active) return;
  auto config = bgp::parseBgpConfig(config_.store().items());
  if (!config.isOk()) {
    logEvent("BGP", Severity::kError, "BGP_CONFIG", config.status().message());
    return;
  }
  if (!config->enabled || !speaker_) {
    speaker_.reset();
    syncRole();
    return;
  }
  Status s = speaker_->reconfigure(*config);
  if (!s.isOk()) {
    logEvent("BGP", Severity::kNotice, "BGP_RESTART", s.message() + "; restarting BGP");
    speaker_->stop("configuration changed", false);
    speaker_.reset();
    syncRole();
  }
}

void BgpClient::applyBgpChanges(state::RibDelta delta, const messages::BgpInputCheckpoint* input) {
  checkpoint::Transaction txn = link_.transaction();
  if (input != nullptr) addInput(txn, *input);
  rib_.apply(
      std::move(delta),
      [](ChangeResult r) {
        if (!r.status.isOk()) logEvent("BGP", Severity::kError, "RIB_UPDATE", r.status.message());
      },
      std::move(txn));
}

void BgpClient::applyBgpInput(state::RibDelta delta, const messages::BgpInputCheckpoint& input,
                              std::function<void()> durable) {
  crashPoint("bgp-input-before-checkpoint");
  if (input.partial && !output_negotiated_) {
    // A standby of a release before 1.1 does not hold partial messages: the bytes leave the
    // kernel unheld (a crash while they are out ends the session in graceful restart).
    durable();
    return;
  }
  checkpoint::Transaction txn = link_.transaction();
  addInput(txn, input);
  auto release = [this, durable = std::move(durable)] {
    crashPoint("bgp-input-before-release");
    durable();
  };
  if (delta.empty()) {
    // KEEPALIVEs: nothing for the RIB, but the standby must hold the bytes before they leave
    // the kernel. Without a standby in sync the send completes at once.
    link_.send(std::move(txn), [release = std::move(release)](bool) { release(); });
  } else {
    rib_.apply(
        std::move(delta),
        [release = std::move(release)](ChangeResult r) {
          if (!r.status.isOk()) logEvent("BGP", Severity::kError, "RIB_UPDATE", r.status.message());
          release();
        },
        std::move(txn));
  }
  crashPoint("bgp-input-checkpointed");
}

bool BgpClient::crashArmed(const char* point) const {
  return crash_.armedAt(point) && link_.standbyHot() && output_negotiated_;
}

void BgpClient::crashPoint(const char* point) {
  if (crashArmed(point)) crash_.at(point);
}

void BgpClient::onNegotiated(const issu::NegotiationResult& result) {
  output_negotiated_ = result.versionFor(messages::kClientBgp, messages::kMsgBgpOutput).has_value();
}

void BgpClient::checkpointBgpOutput(const messages::BgpOutputCheckpoint& output,
                                    std::function<void()> durable) {
  if (!output_negotiated_) {
    durable();  // a standby of a release without write-ahead: the output goes at once
    return;
  }
  checkpoint::Transaction txn = link_.transaction();
  addOutput(txn, output);
  link_.send(std::move(txn), [durable = std::move(durable)](bool) { durable(); });
  crashPoint("bgp-output-checkpointed");
}

std::string BgpClient::nsrBlocker(const net::IpAddress& peer, uint64_t session_id) const {
  if (!link_.inSync()) return "no standby RP in sync";
  if (!link_.standbyHot()) return "the standby is not STANDBY HOT yet (bulk sync)";
  if (!output_negotiated_) return "the standby's release does not take write-ahead BGP output";
  if (sockets_passed_.count({peer, session_id}) == 0) return "its socket is not with the standby";
  return "";
}

void BgpClient::onStandbyProgress() {
  // Any acknowledged transaction — BGP's own, a bulk sync's, a digest — may be what BGP was
  // waiting for: flow control counts every transaction in flight.
  if (speaker_ && readyForInput()) speaker_->resumeInput();
}

bool BgpClient::readyForInput() const {
  return !link_.inSync() || link_.unackedTransactions() < kMaxBgpTransactionsInFlight;
}

void BgpClient::bgpSessionChanged(const messages::BgpSessionCheckpoint& session, int fd) {
  std::erase_if(sockets_passed_, [&](const auto& k) { return k.first == session.peer; });
  if (!link_.inSync()) return;
  checkpoint::Transaction txn = link_.transaction();
  addSession(txn, session);
  link_.send(std::move(txn), [](bool) {});
  if (fd < 0) return;
  Status s = event::sendFdTo(nsrSocketPath(slot_ == 0 ? 1 : 0), fd,
                             bgp::BgpShadow::socketPayload(session.peer, session.session_id));
  if (s.isOk()) sockets_passed_.insert({session.peer, session.session_id});
  if (!s.isOk()) {
    logEvent("BGP", Severity::kWarning, "NSR_SOCKET",
             "could not pass the session of " + session.peer.toString() + " to the standby (" +
                 s.message() + "); a switchover will restart it gracefully");
  }
}

std::string BgpClient::nsrSocketPath(uint8_t slot) const {
  return nsr_socket_base_ + ".nsr" + std::to_string(slot);
}

void BgpClient::acceptSocket() {
  while (true) {
    auto conn = event::acceptUnix(nsr_listen_fd_.get());
    if (!conn.isOk()) return;
    auto got = event::receiveFd(conn->get());
    Status s = got.isOk() ? shadow_.attachSocket(got->second, std::move(got->first)) : got.status();
    if (!s.isOk()) logEvent("BGP", Severity::kWarning, "NSR_SOCKET", s.message());
  }
}

void BgpClient::resyncStandby() {
  if (speaker_) speaker_->resyncStandby();
}

bool BgpClient::continueResync() { return speaker_ ? speaker_->continueResync() : true; }

bool BgpClient::readyForHandover() const {
  // A table being withdrawn a slice per turn finishes here first: once the RIB is quiesced its
  // slices would be refused, and the successor would keep those routes as stale.
  return !speaker_ || !speaker_->selectPending();
}

bool BgpClient::quiesceForHandover() {
  if (!speaker_ || handed_over_) return true;
  if (!speaker_->quiesce()) return false;  // a session's output has not reached the kernel yet
  checkpoint::Transaction txn = link_.transaction();
  for (const auto& state : speaker_->handoverState()) addSession(txn, state);
  if (!txn.empty()) link_.send(std::move(txn), [](bool) {});
  handed_over_ = true;
  return true;
}

void BgpClient::onHandoverCommitted() {
  // Free the BGP port before the peer can become active and listen on it.
  if (speaker_) speaker_->stopListening();
}

void BgpClient::onHandoverAborted() {
  if (speaker_) speaker_->resume();  // still the active: BGP carries on where it stopped
  handed_over_ = false;
}

bgp::BgpHost::PrefixWalk BgpClient::bgpPrefixesFrom(size_t from, size_t max_positions,
                                                    std::vector<net::IpPrefix>* out) const {
  const state::Rib& rib = rib_.rib();
  const size_t next = rib.forEachRouteAt(from, max_positions, [&](const net::Route& r) {
    if (r.protocol == bgp::kProtocolBgp) out->push_back(r.prefix);
  });
  return {next, next >= rib.positions()};
}

Result<nlohmann::json> BgpClient::summary() const {
  if (!speaker_) {
    return Status::failedPrecondition(role_.active ? "BGP is not configured (no bgp.asn)"
                                                   : "BGP runs on the active RP; this RP is " +
                                                         role_.state_name);
  }
  return speaker_->summary();
}

nlohmann::json BgpClient::shadowStatus() const { return shadow_.status(); }

Result<nlohmann::json> BgpClient::neighbors() const {
  if (!speaker_) return summary().status();
  return speaker_->neighbors();
}

Status BgpClient::stage(uint16_t type, wire::ByteView native, issu::MessageVersion) {
  if (type == messages::kMsgBgpSession) {
    ASSIGN_OR_RETURN(auto s, messages::decodeBgpSession(native));
    staged_.emplace_back(std::move(s));
    return Status::ok();
  }
  if (type == messages::kMsgBgpInput) {
    ASSIGN_OR_RETURN(auto in, messages::decodeBgpInput(native));
    staged_.emplace_back(std::move(in));
    return Status::ok();
  }
  if (type == messages::kMsgBgpOutput) {
    ASSIGN_OR_RETURN(auto out, messages::decodeBgpOutput(native));
    staged_.emplace_back(std::move(out));
    return Status::ok();
  }
  return Status::notFound("BGP client message type " + std::to_string(type) +
                          " is not a checkpoint item");
}

Status BgpClient::applyStaged(size_t count) {
  Status s;
  for (size_t i = 0; i < count && s.isOk(); ++i) {
    s = std::visit([&](const auto& m) { return shadow_.apply(m); }, staged_[i]);
  }
  staged_.erase(staged_.begin(), staged_.begin() + static_cast<std::ptrdiff_t>(count));
  return s;
}

}  // namespace hitless::rpd
