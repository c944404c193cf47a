#include "bgp/bgp_session.h"

#include <arpa/inet.h>
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

// sockaddr for an address + port.
socklen_t toSockaddr(const net::IpAddress& a, uint16_t port, sockaddr_storage* ss) {
  std::memset(ss, 0, sizeof(*ss));
  if (a.family == net::Family::kIpv4) {
    auto* s4 = reinterpret_cast<sockaddr_in*>(ss);
    s4->sin_family = AF_INET;
    s4->sin_port = htons(port);
    std::memcpy(&s4->sin_addr, a.bytes.data(), 4);
    return sizeof(sockaddr_in);
  }
  auto* s6 = reinterpret_cast<sockaddr_in6*>(ss);
  s6->sin6_family = AF_INET6;
  s6->sin6_port = htons(port);
  std::memcpy(&s6->sin6_addr, a.bytes.data(), 16);
  return sizeof(sockaddr_in6);
}

net::IpAddress localAddressOf(int fd) {
  sockaddr_storage ss{};
  socklen_t len = sizeof(ss);
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return {};
  return addressOf(ss);
}

std::string peerName(const PeerConfig& p) { return p.address.toString(); }

}  // namespace

net::IpAddress addressOf(const sockaddr_storage& ss) {
  if (ss.ss_family == AF_INET) {
    auto* s4 = reinterpret_cast<const sockaddr_in*>(&ss);
    return *net::IpAddress::fromBytes(
        std::string_view(reinterpret_cast<const char*>(&s4->sin_addr), 4));
  }
  auto* s6 = reinterpret_cast<const sockaddr_in6*>(&ss);
  std::string_view raw(reinterpret_cast<const char*>(&s6->sin6_addr), 16);
  if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr)) return *net::IpAddress::fromBytes(raw.substr(12));
  return *net::IpAddress::fromBytes(raw);
}

std::string_view sessionStateName(SessionState s) {
  switch (s) {
    case SessionState::kIdle:
      return "Idle";
    case SessionState::kConnect:
      return "Connect";
    case SessionState::kActive:
      return "Active";
    case SessionState::kOpenSent:
      return "OpenSent";
    case SessionState::kOpenConfirm:
      return "OpenConfirm";
    case SessionState::kEstablished:
      return "Established";
  }
  return "?";
}

BgpSession::BgpSession(event::EventLoop& loop, LocalConfig local, PeerConfig peer,
                       SessionObserver& observer)
    : loop_(loop), local_(local), peer_(std::move(peer)), observer_(observer) {}

BgpSession::~BgpSession() {
  *alive_ = false;
  if (retry_timer_) loop_.cancelTimer(retry_timer_);
  if (tick_timer_) loop_.cancelTimer(tick_timer_);
  if (connecting_fd_.valid()) loop_.removeFd(connecting_fd_.get());
}

void BgpSession::setState(SessionState s) {
  if (s == state_) return;
  logEvent("BGP", Severity::kInfo, "ADJCHANGE",
           "neighbor " + peerName(peer_) + " " + std::string(sessionStateName(state_)) + " -> " +
               std::string(sessionStateName(s)));
  state_ = s;
}

void BgpSession::start() {
  stopped_ = false;
  if (state_ != SessionState::kIdle) return;
  if (peer_.passive) {
    setState(SessionState::kActive);
  } else {
    connect();
  }
}

void BgpSession::stop(uint8_t cease_subcode, const std::string& reason) {
  stopped_ = true;
  if (conn_ && conn_->isOpen() && state_ >= SessionState::kOpenSent) {
    std::string out;
    encodeNotification({err::kCease, cease_subcode, {}}, &out);
    write(out);
    ++counters_.notifications_out;
  }
  down(reason, false);
}

void BgpSession::connect() {
  setState(SessionState::kConnect);
  int family = peer_.address.family == net::Family::kIpv4 ? AF_INET : AF_INET6;
  event::UniqueFd fd(::socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) {
    last_error_ = std::string("socket: ") + std::strerror(errno);
    scheduleRetry();
    return;
  }
  sockaddr_storage ss;
  if (peer_.local_address.family != net::Family::kNone) {
    socklen_t local_len = toSockaddr(peer_.local_address, 0, &ss);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&ss), local_len) != 0) {
      last_error_ = "bind " + peer_.local_address.toString() + ": " + std::strerror(errno);
      scheduleRetry();
      return;
    }
  }
  socklen_t len = toSockaddr(peer_.address, peer_.port, &ss);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&ss), len) != 0 && errno != EINPROGRESS) {
    last_error_ = std::string("connect: ") + std::strerror(errno);
    scheduleRetry();
    return;
  }
  connecting_fd_ = std::move(fd);
  Status s = loop_.addFd(connecting_fd_.get(), EPOLLOUT, [this](uint32_t) { onConnectReady(); });
  if (!s.isOk()) {
    connecting_fd_.reset();
    scheduleRetry();
  }
}

void BgpSession::onConnectReady() {
  int fd = connecting_fd_.get();
  loop_.removeFd(fd);
  int so_error = 0;
  socklen_t len = sizeof(so_error);
  getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len);
  if (so_error != 0) {
    last_error_ = std::string("connect: ") + std::strerror(so_error);
    connecting_fd_.reset();
    setState(SessionState::kActive);
    scheduleRetry();
    return;
  }
  attach(std::move(connecting_fd_));
}

void BgpSession::acceptConnection(event::UniqueFd fd) {
  if (stopped_ || state_ == SessionState::kOpenConfirm || state_ == SessionState::kEstablished) {
    // A second connection while one is past the OPEN exchange: the collision is resolved in
    // favour of the existing one (RFC 4271 §6.8 lets either side close the newer).
    std::string out;
    encodeNotification({err::kCease, err::kCeaseCollision, {}}, &out);
    [[maybe_unused]] ssize_t n = ::write(fd.get(), out.data(), out.size());
    return;
  }
  if (connecting_fd_.valid()) {
    loop_.removeFd(connecting_fd_.get());
    connecting_fd_.reset();
  }
  conn_.reset();
  if (retry_timer_) {
    loop_.cancelTimer(retry_timer_);
    retry_timer_ = 0;
  }
  (void)event::setNonBlocking(fd.get());
  attach(std::move(fd));
}

void BgpSession::attach(event::UniqueFd fd) {
  local_address_ = localAddressOf(fd.get());
  int one = 1;
  setsockopt(fd.get(), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  // A connection being torn down may still call back before it is destroyed: the token
  // tells its callbacks they no longer speak for this session.
  auto token = std::make_shared<bool>(true);
  conn_token_ = token;
  conn_ = std::make_unique<event::Connection>(
      loop_, std::move(fd),
      event::Connection::Handlers{[this, token](std::string_view in) {
                                    if (*token) onData(in);
                                  },
                                  [this, token](const std::string& reason) {
                                    if (!*token) return;
                                    last_error_ = reason;
                                    bool gr = state_ == SessionState::kEstablished &&
                                              peer_open_.caps.graceful_restart.has_value();
                                    down("connection closed: " + reason, gr);
                                  },
                                  nullptr});
  last_rx_ns_ = loop_.clock().nowNs();
  if (state_ == SessionState::kEstablished) return;  // adopted (NSR): no OPEN
  sendOpen();
  setState(SessionState::kOpenSent);
  startTimers();
}

void BgpSession::startTimers() {
  if (tick_timer_) loop_.cancelTimer(tick_timer_);
  tick_timer_ = loop_.addTimer(
      250, [this] { onTick(); }, true);
}

Status BgpSession::adopt(event::UniqueFd fd, std::string local_open_bytes,
                         std::string peer_open_bytes, std::string pending_input,
                         uint64_t session_id) {
  auto local = decodeOpen(local_open_bytes);
  auto remote = decodeOpen(peer_open_bytes);
  if (!local.ok() || !remote.ok()) {
    return Status::corruption("adopted session of " + peerName(peer_) + ": bad OPEN (" +
                              (local.ok() ? remote : local).error.reason + ")");
  }
  stopped_ = false;
  if (retry_timer_) {
    loop_.cancelTimer(retry_timer_);
    retry_timer_ = 0;
  }
  local_open_ = *local.value;
  local_open_bytes_ = std::move(local_open_bytes);
  peer_open_bytes_ = std::move(peer_open_bytes);
  negotiate(*remote.value);
  session_id_ = session_id;
  carry_ = std::move(pending_input);
  (void)event::setNonBlocking(fd.get());
  state_ = SessionState::kEstablished;
  established_ns_ = loop_.clock().nowNs();
  ++counters_.established_transitions;
  attach(std::move(fd));
  logEvent("BGP", Severity::kNotice, "NSR_ADOPTED",
           "neighbor " + peerName(peer_) + ": session taken over in Established (" +
               std::to_string(carry_.size()) + " bytes of a partial message carried over)");
  sendKeepalive();  // the handover used some of the neighbor's hold time
  startTimers();
  if (!carry_.empty()) {
    auto alive = alive_;
    loop_.addTimer(0, [this, alive] {
      if (*alive && conn_ && !carry_.empty()) onData(std::string_view());
    });
  }
  return Status::ok();
}

std::string BgpSession::quiesce() {
  quiesced_ = true;
  if (tick_timer_) {
    loop_.cancelTimer(tick_timer_);
    tick_timer_ = 0;
  }
  if (!conn_) return {};
  conn_->pauseReading();
  // Whole messages not yet parsed (the rest of a slice) go over too: the new active parses
  // them first.
  return carry_ + std::string(conn_->unconsumedInput());
}

void BgpSession::resume() {
  if (!quiesced_) return;
  quiesced_ = false;
  if (!conn_) return;
  conn_->resumeReading();
  startTimers();
  if (carry_.size() + conn_->unconsumedInput().size() >= kHeaderSize) scheduleMoreInput();
}

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
  conn_->send(bytes);
  tx_offset_ += bytes.size();
  last_tx_ns_ = loop_.clock().nowNs();
}

void BgpSession::onData(std::string_view input) {
  if (state_ == SessionState::kEstablished && !observer_.readyForInput()) {
    if (!input_paused_ && conn_) {
      input_paused_ = true;
      input_paused_since_ns_ = loop_.clock().nowNs();
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
  if (carry_.size() >= kHeaderSize) scheduleMoreInput();
}

void BgpSession::resumeInput() {
  if (!input_paused_ || !conn_) return;
  input_paused_ = false;
  counters_.input_paused_ns += loop_.clock().nowNs() - input_paused_since_ns_;
  if (!quiesced_) conn_->resumeReading();
  scheduleMoreInput();
}

void BgpSession::scheduleMoreInput() {
  if (more_input_scheduled_ || quiesced_) return;
  more_input_scheduled_ = true;
  auto alive = alive_;
  loop_.addTimer(0, [this, alive] {
    if (!*alive) return;
    more_input_scheduled_ = false;
    if (!conn_ || quiesced_) return;
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
  size_t used = 0;
  const uint64_t start_offset = rx_offset_;
  // Hands the UPDATEs decoded so far to the observer, with the bytes they came in.
  auto deliver = [&]() -> bool {
    rx_offset_ = start_offset + used;
    if (updates.empty()) return true;
    observer_.onUpdates(*this, updates, input.substr(0, used), start_offset);
    updates.clear();
    return *alive;
  };
  while (true) {
    auto len = messageLength(input.substr(used));
    if (!len.ok()) {
      if (deliver()) notifyAndClose(len.error);
      return kTornDown;
    }
    if (*len.value == 0 || input.size() - used < *len.value) break;
    // A slice per loop turn: one RIB transaction stays small enough for the standby to apply
    // between heartbeats, and timers keep running during a full-table transfer.
    if (used >= kSliceBytes) break;
    std::string_view message = input.substr(used, *len.value);
    ++counters_.messages_in;
    last_rx_ns_ = loop_.clock().nowNs();
    if (messageType(message) == MessageType::kUpdate && state_ == SessionState::kEstablished) {
      ++counters_.updates_in;
      auto u = decodeUpdate(message, codec_);
      if (!u.ok()) {
        if (deliver()) notifyAndClose(u.error);
        return kTornDown;
      }
      if (u.value->treat_as_withdraw) {
        ++counters_.treat_as_withdraw;
        logEvent("BGP", Severity::kWarning, "UPDATE_MALFORMED",
                 "neighbor " + peerName(peer_) + ": " + u.value->attribute_error + "; treating " +
                     std::to_string(u.value->withdrawn.size()) +
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
  MessageType type = messageType(message);
  auto fsm_error = [&] {
    notifyAndClose({err::kFsm,
                    0,
                    {},
                    std::string(messageTypeName(type)) + " in state " +
                        std::string(sessionStateName(state_))});
    return false;
  };
  switch (type) {
    case MessageType::kOpen:
      if (state_ != SessionState::kOpenSent) return fsm_error();
      return handleOpen(message);
    case MessageType::kKeepalive:
      ++counters_.keepalives_in;
      if (state_ == SessionState::kOpenConfirm) {
        enterEstablished();
        return conn_ != nullptr;
      }
      if (state_ != SessionState::kEstablished) return fsm_error();
      return true;
    case MessageType::kUpdate:
      return fsm_error();  // UPDATEs in Established are decoded by processInput
    case MessageType::kNotification: {
      ++counters_.notifications_in;
      auto n = decodeNotification(message);
      std::string why = "received NOTIFICATION " + describeError(n.value->code, n.value->subcode);
      last_error_ = why;
      logEvent("BGP", Severity::kWarning, "NOTIFICATION",
               "neighbor " + peerName(peer_) + ": " + why);
      down(why, false);
      return false;
    }
    case MessageType::kRouteRefresh: {
      if (state_ != SessionState::kEstablished) return fsm_error();
      auto rr = decodeRouteRefresh(message);
      auto alive = alive_;
      observer_.onRouteRefresh(*this, rr.value->afi_safi);
      return *alive && conn_ != nullptr;
    }
  }
  return true;
}

bool BgpSession::handleOpen(std::string_view message) {
  auto open = decodeOpen(message);
  if (!open.ok()) {
    notifyAndClose(open.error);
    return false;
  }
  const OpenMessage& o = *open.value;
  if (o.asn != peer_.remote_as) {
    std::string data(2, '\0');
    data[0] = static_cast<char>(o.asn >> 8);
    data[1] = static_cast<char>(o.asn);
    notifyAndClose(
        {err::kOpen, err::kBadPeerAs, data,
         "peer AS " + std::to_string(o.asn) + ", configured " + std::to_string(peer_.remote_as)});
    return false;
  }
  if (o.bgp_id == local_.router_id && !isEbgp()) {
    notifyAndClose({err::kOpen, err::kBadBgpId, {}, "peer BGP identifier equals ours"});
    return false;
  }
  peer_open_bytes_ = std::string(message);
  negotiate(o);
  sendKeepalive();
  setState(SessionState::kOpenConfirm);
  return true;
}

void BgpSession::negotiate(const OpenMessage& peer_open) {
  peer_open_ = peer_open;
  hold_time_s_ = std::min(peer_open.hold_time_s, local_open_.hold_time_s);
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

void BgpSession::enterEstablished() {
  setState(SessionState::kEstablished);
  session_id_ = std::random_device{}() | uint64_t{std::random_device{}()} << 32;
  established_ns_ = loop_.clock().nowNs();
  ++counters_.established_transitions;
  last_error_.clear();
  observer_.onEstablished(*this);
}

void BgpSession::onTick() {
  int64_t now = loop_.clock().nowNs();
  const int64_t hold_ns =
      int64_t{state_ == SessionState::kEstablished || state_ == SessionState::kOpenConfirm
                  ? hold_time_s_
                  : uint16_t{240}} *  // RFC 4271 §8.2.2: a large hold time until OPEN arrives
      1000000000;
  // Paused for flow control, the peer's messages wait unread in our socket: it is alive.
  if (input_paused_) last_rx_ns_ = now;
  if (hold_ns > 0 && now - last_rx_ns_ > hold_ns && conn_) {
    // This loop may have been busy, not the peer silent: read what waits in the socket first.
    conn_->pollInput();
    if (!conn_ || state_ == SessionState::kIdle) return;
    now = loop_.clock().nowNs();
  }
  if (hold_ns > 0 && now - last_rx_ns_ > hold_ns) {
    notifyAndClose({err::kHoldTimerExpired, 0, {}, "hold timer expired"});
    return;
  }
  if ((state_ == SessionState::kEstablished || state_ == SessionState::kOpenConfirm) &&
      hold_time_s_ > 0 && now - last_tx_ns_ >= int64_t{hold_time_s_} * 1000000000 / 3) {
    sendKeepalive();
  }
}

void BgpSession::sendKeepalive() {
  std::string out;
  encodeKeepalive(&out);
  write(out);
  ++counters_.messages_out;
  ++counters_.keepalives_out;
}

void BgpSession::send(std::string_view messages, uint64_t updates) {
  if (state_ != SessionState::kEstablished || !conn_ || quiesced_) return;
  write(messages);
  counters_.updates_out += updates;
  counters_.messages_out += updates;
}

void BgpSession::notifyAndClose(const BgpError& e) {
  last_error_ = "sent NOTIFICATION " + describeError(e.code, e.subcode) + ": " + e.reason;
  logEvent("BGP", Severity::kWarning, "NOTIFICATION",
           "neighbor " + peerName(peer_) + ": " + last_error_);
  if (conn_ && conn_->isOpen()) {
    std::string out;
    encodeNotification({e.code, e.subcode, e.data}, &out);
    write(out);  // best effort: the socket buffer takes it before the close
    ++counters_.notifications_out;
  }
  down(last_error_, false);
}

void BgpSession::down(const std::string& reason, bool peer_restarting) {
  bool was_established = state_ == SessionState::kEstablished;
  if (tick_timer_) {
    loop_.cancelTimer(tick_timer_);
    tick_timer_ = 0;
  }
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
  quiesced_ = false;
  carry_.clear();
  if (conn_) {
    // Deferred: we may be inside the connection's own callback.
    std::shared_ptr<event::Connection> dying(conn_.release());
    loop_.addTimer(0, [dying] {});
  }
  setState(SessionState::kIdle);
  established_ns_ = 0;
  auto alive = alive_;
  if (was_established) observer_.onDown(*this, reason, peer_restarting);
  if (!*alive) return;
  if (!stopped_) scheduleRetry();
}

void BgpSession::scheduleRetry() {
  if (stopped_ || retry_timer_) return;
  if (state_ != SessionState::kActive)
    setState(peer_.passive ? SessionState::kActive : SessionState::kIdle);
  retry_timer_ = loop_.addTimer(peer_.connect_retry_ms, [this] {
    retry_timer_ = 0;
    if (stopped_ || conn_) return;
    if (peer_.passive) {
      setState(SessionState::kActive);
    } else {
      connect();
    }
  });
}

}  // namespace hitless::bgp
