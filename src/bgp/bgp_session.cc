#include "bgp/bgp_session.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>

#include "base/log.h"

namespace hitless::bgp {
namespace {

FsmConfig fsmConfig(const LocalConfig& local, const PeerConfig& peer) {
  FsmConfig c;
  c.local_as = local.asn;
  c.router_id = local.router_id;
  c.remote_as = peer.remote_as;
  c.passive = peer.passive;
  c.hold_time_s = peer.hold_time_s;
  c.connect_retry_ms = peer.connect_retry_ms;
  return c;
}

}  // namespace

BgpSession::BgpSession(event::EventLoop& loop, LocalConfig local, PeerConfig peer,
                       SessionObserver& observer, Connector& connector)
    : loop_(loop),
      local_(local),
      peer_(std::move(peer)),
      observer_(observer),
      connector_(connector),
      fsm_(fsmConfig(local_, peer_)) {}

BgpSession::~BgpSession() {
  *alive_ = false;
  if (timer_) loop_.cancelTimer(timer_);
  if (connecting_fd_.valid()) loop_.removeFd(connecting_fd_.get());
}

// --- The FSM's events in, its actions out.

bool BgpSession::feed(const BgpEvent& event) {
  auto alive = alive_;
  const SessionState before = fsm_.state();
  std::vector<BgpAction> actions = fsm_.handle(event, now());
  if (fsm_.state() != before) {
    logEvent("BGP", Severity::kInfo, "ADJCHANGE",
             "neighbor " + peer_.address.toString() + " " + std::string(sessionStateName(before)) +
                 " -> " + std::string(sessionStateName(fsm_.state())));
  }
  for (const BgpAction& a : actions) {
    if (!execute(a) || !*alive) return false;
  }
  armTimer();
  return true;
}

bool BgpSession::execute(const BgpAction& a) {
  switch (a.kind) {
    case BgpAction::kConnect:
      connect();
      break;
    case BgpAction::kTakeConnection:
      if (connecting_fd_.valid()) {
        loop_.removeFd(connecting_fd_.get());
        connecting_fd_.reset();
      }
      if (conn_token_) *conn_token_ = false;
      conn_.reset();
      attach(std::move(offered_fd_));
      break;
    case BgpAction::kRejectConnection: {
      std::string out;
      encodeNotification({a.notification.code, a.notification.subcode, {}}, &out);
      [[maybe_unused]] ssize_t n = ::write(offered_fd_.get(), out.data(), out.size());
      offered_fd_.reset();
      break;
    }
    case BgpAction::kSendOpen:
      sendOpen();
      break;
    case BgpAction::kSendKeepalive: {
      std::string out;
      encodeKeepalive(&out);
      write(out);
      ++counters_.messages_out;
      ++counters_.keepalives_out;
      break;
    }
    case BgpAction::kSendNotification: {
      logEvent("BGP", Severity::kWarning, "NOTIFICATION",
               "neighbor " + peer_.address.toString() + ": sent NOTIFICATION " +
                   describeError(a.notification.code, a.notification.subcode) + ": " +
                   a.notification.reason);
      if (conn_ && conn_->isOpen()) {
        std::string out;
        encodeNotification({a.notification.code, a.notification.subcode, a.notification.data},
                           &out);
        writeNow(out);  // best effort: the socket buffer takes it before the close
        ++counters_.notifications_out;
      }
      break;
    }
    case BgpAction::kCloseConnection:
      closeConnection();
      break;
    case BgpAction::kEstablished:
      session_id_ = std::random_device{}() | uint64_t{std::random_device{}()} << 32;
      established_ns_ = now();
      ++counters_.established_transitions;
      observer_.onEstablished(*this);
      break;
    case BgpAction::kDown: {
      auto alive = alive_;
      observer_.onDown(*this, a.reason, a.peer_restarting);
      return *alive;
    }
  }
  return true;
}

void BgpSession::armTimer() {
  auto due = fsm_.nextDeadline();
  // A timer due no later is already armed: it fires, finds nothing due, and arms again. So the
  // hold timer moving later with every message costs nothing.
  if (!due || (timer_ != 0 && timer_due_ns_ <= *due)) return;
  if (timer_ != 0) loop_.cancelTimer(timer_);
  int64_t delay_ms = std::max<int64_t>(0, (*due - now() + 999999) / 1000000);
  timer_due_ns_ = *due;
  timer_ = loop_.addTimer(delay_ms, [this] {
    timer_ = 0;
    onTimer();
  });
}

void BgpSession::onTimer() {
  auto alive = alive_;
  // Paused for flow control, the neighbor's messages wait unread in our socket: it is alive.
  if (input_paused_ && !feed(ev::InputHeld{})) return;
  if (fsm_.holdExpired(now()) && conn_) {
    // This loop may have been busy, not the neighbor silent: read what waits in the socket.
    conn_->pollInput();
    if (!*alive) return;
    // What it read may have found the host behind and paused: the neighbor spoke all the same.
    if (input_paused_ && !feed(ev::InputHeld{})) return;
  }
  if (feed(ev::Tick{})) armTimer();
}

// --- Lifecycle.

void BgpSession::start() { feed(ev::Start{}); }

void BgpSession::stop(uint8_t cease_subcode, const std::string& reason) {
  feed(ev::Stop{cease_subcode, reason});
}

void BgpSession::acceptConnection(event::UniqueFd fd) {
  (void)event::setNonBlocking(fd.get());
  offered_fd_ = std::move(fd);
  feed(ev::TcpOffered{});
  offered_fd_.reset();  // not taken: rejected with a NOTIFICATION
}

void BgpSession::connect() {
  auto fd = connector_.connect(peer_);
  if (!fd.isOk()) {
    feed(ev::TcpConnectFailed{fd.status().message()});
    return;
  }
  connecting_fd_ = std::move(*fd);
  Status s = loop_.addFd(connecting_fd_.get(), EPOLLOUT, [this](uint32_t) { onConnectReady(); });
  if (!s.isOk()) {
    connecting_fd_.reset();
    feed(ev::TcpConnectFailed{s.message()});
  }
}

void BgpSession::onConnectReady() {
  int fd = connecting_fd_.get();
  loop_.removeFd(fd);
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    connecting_fd_.reset();
    feed(ev::TcpConnectFailed{std::string("connect: ") + std::strerror(so_error)});
    return;
  }
  attach(std::move(connecting_fd_));
  feed(ev::TcpConnected{});
}

void BgpSession::attach(event::UniqueFd fd) {
  local_address_ = localAddressOf(fd.get());
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // A connection being torn down may still call back before it is destroyed: the token
  // tells its callbacks they no longer speak for this session.
  auto token = std::make_shared<bool>(true);
  conn_token_ = token;
  released_ = releasable_ = partial_reported_end_ = 0;
  held_output_.clear();
  conn_ = std::make_unique<event::Connection>(
      loop_, std::move(fd),
      event::Connection::Handlers{[this, token](std::string_view in) {
                                    if (*token) onData(in);
                                  },
                                  [this, token](const std::string& reason) {
                                    if (*token) feed(ev::TcpClosed{reason});
                                  },
                                  nullptr});
  // NSR: input stays in the kernel until the standby holds it (where the kernel can peek ahead
  // on TCP; elsewhere a crash with input in flight ends in graceful restart).
  if (observer_.checkpointsStreams()) conn_->enablePeek();
}

void BgpSession::closeConnection() {
  if (connecting_fd_.valid()) {
    loop_.removeFd(connecting_fd_.get());
    connecting_fd_.reset();
  }
  if (conn_token_) *conn_token_ = false;
  if (conn_ && conn_->isOpen()) {
    // The standby RP may hold the same socket (NSR): closing our descriptor alone would not
    // end the connection. The FIN follows whatever NOTIFICATION is queued.
    ::shutdown(conn_->fd(), SHUT_WR);
  }
  carry_.clear();
  held_output_.clear();
  if (conn_) {
    // Deferred: we may be inside the connection's own callback.
    std::shared_ptr<event::Connection> dying(conn_.release());
    loop_.addTimer(0, [dying] {});
  }
  established_ns_ = 0;
}

// --- NSR.

Status BgpSession::adopt(event::UniqueFd fd, const messages::BgpSessionCheckpoint& state,
                         std::string_view resend) {
  auto local = decodeOpen(state.local_open);
  auto remote = decodeOpen(state.peer_open);
  if (!local.ok() || !remote.ok()) {
    return Status::corruption("adopted session of " + peer_.address.toString() + ": bad OPEN (" +
                              (local.ok() ? remote : local).error.reason + ")");
  }
  if (resend.size() > state.tx_offset) {
    return Status::corruption("adopted session of " + peer_.address.toString() +
                              ": more output to resend than the stream holds");
  }
  local_open_ = *local.value;
  local_open_bytes_ = state.local_open;
  peer_open_bytes_ = state.peer_open;
  negotiate(*remote.value);
  session_id_ = state.session_id;
  (void)event::setNonBlocking(fd.get());
  attach(std::move(fd));
  // The kernel's queue begins where the checkpoint says this RP's input ends (the bytes read and
  // not processed come with it); its output ends `resend` before the checkpointed output does.
  rx_offset_ = state.rx_offset;
  carry_ = state.pending_input;
  released_ = releasable_ = rx_offset_ + carry_.size();
  tx_offset_ = state.tx_offset - resend.size();
  if (!resend.empty()) writeNow(resend);  // the rest of what the previous active was writing
  established_ns_ = now();
  ++counters_.established_transitions;
  logEvent("BGP", Severity::kNotice, "NSR_ADOPTED",
           "neighbor " + peer_.address.toString() + ": session taken over in Established (" +
               std::to_string(carry_.size()) + " bytes of input carried over, " +
               std::to_string(resend.size()) + " bytes of output completed)");
  if (!feed(ev::Adopted{std::min(remote.value->hold_time_s, local_open_.hold_time_s),
                        remote.value->caps.graceful_restart.has_value()})) {
    return Status::ok();
  }
  auto alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (!*alive || !conn_) return;
    if (!carry_.empty()) {
      onData(std::string_view());
    } else if (conn_->peeking()) {
      conn_->redeliver();
    }
  });
  return Status::ok();
}

std::string BgpSession::quiesce() {
  feed(ev::Quiesce{});
  if (!conn_) return {};
  conn_->pauseReading();
  // What was taken out of the kernel and not yet parsed goes over: the new active parses it
  // first. In peek mode that is nothing: the kernel still holds every byte not processed.
  uint64_t taken = kernelInputHead() - std::min(kernelInputHead(), rx_offset_);
  return (carry_ + std::string(conn_->unconsumedInput())).substr(0, taken);
}

uint64_t BgpSession::kernelInputHead() const {
  // Without peeking, everything read has left the kernel.
  return conn_ && conn_->peeking() ? released_ : inputEnd();
}

void BgpSession::resume() {
  if (!fsm_.quiesced()) return;
  if (!feed(ev::Resume{}) || !conn_) return;
  conn_->resumeReading();
  if (carry_.size() + conn_->unconsumedInput().size() >= kHeaderSize) scheduleMoreInput();
}

// --- Output.

void BgpSession::sendOpen() {
  local_open_ = {};
  local_open_.asn = local_.asn;
  local_open_.hold_time_s = peer_.hold_time_s;
  local_open_.bgp_id = local_.router_id;
  local_open_.caps.multiprotocol = {kIpv4Unicast, kIpv6Unicast};
  local_open_.caps.route_refresh = true;
  local_open_.caps.four_octet_as = local_.asn;
  GracefulRestartCap gr;
  gr.restarting = local_.restarting;
  gr.restart_time_s = local_.graceful_restart_time_s;
  // fwdd keeps the kernel FIB across an RP restart: forwarding is preserved for both families.
  gr.families = {{kIpv4Unicast, true}, {kIpv6Unicast, true}};
  local_open_.caps.graceful_restart = gr;
  local_open_bytes_.clear();
  encodeOpen(local_open_, &local_open_bytes_);
  rx_offset_ = tx_offset_ = 0;
  write(local_open_bytes_);
  ++counters_.messages_out;
}

void BgpSession::write(std::string_view bytes) {
  if (!conn_) return;
  const bool ahead = !held_output_.empty() ||
                     (state() == SessionState::kEstablished && observer_.checkpointsStreams());
  if (!ahead) {
    writeNow(bytes);
    return;
  }
  const uint64_t offset = tx_offset_;
  const uint64_t written = tx_offset_ - held_output_.size() - conn_->pendingBytes();
  held_output_.append(bytes);
  tx_offset_ += bytes.size();
  observer_.onOutput(*this, bytes, offset, written);  // may call outputDurable() at once
}

void BgpSession::writeNow(std::string_view bytes) {
  if (conn_ && !held_output_.empty()) {
    std::string held = std::move(held_output_);
    held_output_.clear();
    conn_->send(held);
  }
  if (conn_) conn_->send(bytes);  // a failed send may have closed the connection above
  tx_offset_ += bytes.size();
}

void BgpSession::outputDurable(uint64_t through) {
  if (!conn_ || held_output_.empty()) return;
  const uint64_t start = tx_offset_ - held_output_.size();
  if (through <= start) return;
  const size_t n = static_cast<size_t>(std::min<uint64_t>(through - start, held_output_.size()));
  std::string ready = held_output_.substr(0, n);
  held_output_.erase(0, n);
  observer_.crashPoint("bgp-output-before-write");
  std::string_view rest = ready;
  if (rest.size() >= 2 && observer_.crashArmed("bgp-output-mid-write")) {
    conn_->send(rest.substr(0, rest.size() / 2));
    observer_.crashPoint("bgp-output-mid-write");
    rest.remove_prefix(rest.size() / 2);
    if (!conn_) return;
  }
  conn_->send(rest);
  if (conn_ && conn_->pendingBytes() > 0) observer_.crashPoint("bgp-output-short-write");
}

void BgpSession::inputDurable(uint64_t through) { release(std::min(through, inputEnd())); }

uint64_t BgpSession::inputEnd() const {
  return rx_offset_ + carry_.size() + (conn_ ? conn_->unconsumedInput().size() : 0);
}

void BgpSession::reportPartialInput(std::string_view partial) {
  if (partial.empty() || !conn_ || !conn_->peeking() || state() != SessionState::kEstablished ||
      !observer_.checkpointsStreams()) {
    return;
  }
  const uint64_t end = rx_offset_ + partial.size();
  if (end <= partial_reported_end_ || end <= released_) return;
  partial_reported_end_ = end;
  observer_.onPartialInput(*this, partial, rx_offset_);
}

void BgpSession::release(uint64_t through) {
  if (!conn_ || !conn_->peeking() || through <= released_) return;
  size_t n = static_cast<size_t>(through - released_);
  Status s;
  if (n >= 2 && observer_.crashArmed("bgp-input-mid-release")) {
    s = conn_->release(n / 2);
    observer_.crashPoint("bgp-input-mid-release");
    n -= n / 2;
  }
  if (s.isOk()) s = conn_->release(n);
  released_ = through;
  if (!s.isOk()) {
    logEvent("BGP", Severity::kWarning, "NSR_INPUT",
             "neighbor " + peer_.address.toString() + ": " + s.message());
  }
}

void BgpSession::send(std::string_view messages, uint64_t updates) {
  if (state() != SessionState::kEstablished || !conn_ || quiesced()) return;
  write(messages);
  counters_.updates_out += updates;
  counters_.messages_out += updates;
  feed(ev::Sent{});
}

// --- Input.

void BgpSession::onData(std::string_view input) {
  if (state() == SessionState::kEstablished && !observer_.readyForInput()) {
    if (!input_paused_ && conn_) {
      input_paused_ = true;
      input_paused_since_ns_ = now();
      ++counters_.input_pauses;
      conn_->pauseReading();
    }
    if (!input.empty() && !carry_.empty()) {
      carry_.append(input);
      conn_->consume(input.size());
    }
    return;
  }
  if (carry_.empty()) {
    size_t used = processInput(input);
    if (used == kTornDown) return;
    conn_->consume(used);
    release(releasable_);
    if (used < input.size() && used < kSliceBytes) reportPartialInput(input.substr(used));
    if (input.size() - used >= kHeaderSize) scheduleMoreInput();
    return;
  }
  // Adopted bytes first (NSR): they and the new input form one stream.
  carry_.append(input);
  conn_->consume(input.size());
  std::string buffer = std::move(carry_);
  carry_.clear();
  auto alive = alive_;
  size_t used = processInput(buffer);
  if (!*alive || used == kTornDown) return;
  carry_ = buffer.substr(used);
  release(releasable_);
  if (!carry_.empty() && used < kSliceBytes) reportPartialInput(carry_);
  if (carry_.size() >= kHeaderSize) scheduleMoreInput();
}

void BgpSession::resumeInput() {
  if (!input_paused_ || !conn_) return;
  input_paused_ = false;
  counters_.input_paused_ns += now() - input_paused_since_ns_;
  if (!quiesced()) conn_->resumeReading();
  scheduleMoreInput();
}

void BgpSession::scheduleMoreInput() {
  if (more_input_scheduled_ || quiesced()) return;
  more_input_scheduled_ = true;
  auto alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (!*alive) return;
    more_input_scheduled_ = false;
    if (!conn_ || quiesced()) return;
    // Added by this turn's read, and the turn has done its share: the next turn (re-added
    // from a timer, it cannot run in this one).
    if (loop_.turnBudgetSpent()) return scheduleMoreInput();
    if (!carry_.empty()) {
      onData(std::string_view());
    } else {
      conn_->redeliver();
    }
  });
}

size_t BgpSession::processInput(std::string_view input) {
  auto alive = alive_;
  std::vector<UpdateMessage> updates;
  size_t used = 0, delivered = 0;
  const uint64_t start_offset = rx_offset_;
  // Hands the UPDATEs decoded so far to the observer, with the bytes they came in (and, when it
  // checkpoints the streams, every processed byte: a run of KEEPALIVEs too); the FSM hears of
  // them once.
  auto deliver = [&]() -> bool {
    rx_offset_ = start_offset + used;
    if (state() != SessionState::kEstablished) {
      // Nothing before Established goes to the standby (the session state carries the OPENs):
      // it may leave the kernel at once. No UPDATE gets here (outside Established it ends the
      // session).
      delivered = used;
      releasable_ = rx_offset_;
      return true;
    }
    if (updates.empty() && (used == delivered || !observer_.checkpointsStreams())) return true;
    if (!updates.empty() && !feed(ev::UpdateReceived{})) return false;
    observer_.onUpdates(*this, updates, input.substr(delivered, used - delivered),
                        start_offset + delivered);
    delivered = used;
    updates.clear();
    return *alive;
  };
  while (true) {
    auto len = messageLength(input.substr(used));
    if (!len.ok()) {
      if (deliver()) feed(ev::MessageError{len.error});
      return kTornDown;
    }
    if (*len.value == 0 || input.size() - used < *len.value) break;
    // A slice per loop turn: one RIB transaction stays small enough for the standby to apply
    // between heartbeats, and timers keep running during a full-table transfer.
    if (used >= kSliceBytes) break;
    std::string_view message = input.substr(used, *len.value);
    ++counters_.messages_in;
    if (messageType(message) == MessageType::kUpdate && state() == SessionState::kEstablished) {
      ++counters_.updates_in;
      auto u = decodeUpdate(message, codec_);
      if (!u.ok()) {
        if (deliver()) feed(ev::MessageError{u.error});
        return kTornDown;
      }
      if (u.value->treat_as_withdraw) {
        ++counters_.treat_as_withdraw;
        logEvent("BGP", Severity::kWarning, "UPDATE_MALFORMED",
                 "neighbor " + peer_.address.toString() + ": " + u.value->attribute_error +
                     "; treating " + std::to_string(u.value->withdrawn.size()) +
                     " prefixes as withdrawn (RFC 7606)");
      }
      updates.push_back(std::move(*u.value));
      used += *len.value;
      continue;
    }
    // Anything else may change the session's state: deliver what came before it first.
    if (!deliver()) return kTornDown;
    used += *len.value;
    if (!handleMessage(message) || !*alive || !conn_) return kTornDown;
    rx_offset_ = start_offset + used;
  }
  if (!deliver()) return kTornDown;
  return used;
}

bool BgpSession::handleMessage(std::string_view message) {
  auto alive = alive_;
  auto fedAndUp = [&](const BgpEvent& e, SessionState expected) {
    return feed(e) && *alive && state() == expected;
  };
  switch (messageType(message)) {
    case MessageType::kOpen: {
      auto open = decodeOpen(message);
      if (!open.ok()) {
        feed(ev::MessageError{open.error});
        return false;
      }
      const OpenMessage& o = *open.value;
      if (!fedAndUp(
              ev::OpenReceived{o.asn, o.bgp_id, o.hold_time_s, o.caps.graceful_restart.has_value()},
              SessionState::kOpenConfirm)) {
        return false;
      }
      peer_open_bytes_ = std::string(message);
      negotiate(o);
      return true;
    }
    case MessageType::kKeepalive:
      ++counters_.keepalives_in;
      return fedAndUp(ev::KeepaliveReceived{}, SessionState::kEstablished);
    case MessageType::kUpdate:  // outside Established (there, processInput decodes them)
      feed(ev::UpdateReceived{});
      return false;
    case MessageType::kNotification: {
      ++counters_.notifications_in;
      auto n = decodeNotification(message);
      logEvent("BGP", Severity::kWarning, "NOTIFICATION",
               "neighbor " + peer_.address.toString() + ": received NOTIFICATION " +
                   describeError(n.value->code, n.value->subcode));
      feed(ev::NotificationReceived{n.value->code, n.value->subcode});
      return false;
    }
    case MessageType::kRouteRefresh: {
      if (!fedAndUp(ev::RouteRefreshReceived{}, SessionState::kEstablished)) return false;
      auto rr = decodeRouteRefresh(message);
      observer_.onRouteRefresh(*this, rr.value->afi_safi);
      return *alive && conn_ != nullptr;
    }
  }
  return true;
}

void BgpSession::negotiate(const OpenMessage& peer_open) {
  peer_open_ = peer_open;
  codec_.four_octet_as =
      peer_open.caps.four_octet_as.has_value() && local_open_.caps.four_octet_as.has_value();
}

bool BgpSession::negotiated(AfiSafi a) const {
  auto has = [&](const Capabilities& c) {
    // No multiprotocol capability at all means IPv4 unicast only (RFC 4760 §8).
    if (c.multiprotocol.empty()) return a == kIpv4Unicast;
    return std::find(c.multiprotocol.begin(), c.multiprotocol.end(), a) != c.multiprotocol.end();
  };
  return has(local_open_.caps) && has(peer_open_.caps);
}

}  // namespace hitless::bgp
