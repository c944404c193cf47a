#include "bgp/bgp_fsm.h"

#include <algorithm>

namespace hitless::bgp {
namespace {

constexpr int64_t kNsPerS = 1'000'000'000;
// RFC 4271 §8.2.2: a large hold time until the neighbor's OPEN says what it wants.
constexpr int64_t kOpenSentHoldTimeS = 240;

using S = SessionState;

}  // namespace

std::string_view sessionStateName(SessionState s) {
  switch (s) {
    case S::kIdle:
      return "Idle";
    case S::kConnect:
      return "Connect";
    case S::kActive:
      return "Active";
    case S::kOpenSent:
      return "OpenSent";
    case S::kOpenConfirm:
      return "OpenConfirm";
    case S::kEstablished:
      return "Established";
  }
  return "?";
}

std::string_view eventName(const BgpEvent& e) {
  static constexpr std::string_view kNames[] = {"Start",
                                                "Stop",
                                                "ConnectRetryExpired",
                                                "HoldTimerExpired",
                                                "KeepaliveTimerExpired",
                                                "TcpConnected",
                                                "TcpConnectFailed",
                                                "TcpOffered",
                                                "TcpClosed",
                                                "OPEN",
                                                "KEEPALIVE",
                                                "UPDATE",
                                                "NOTIFICATION",
                                                "ROUTE-REFRESH",
                                                "MessageError",
                                                "Adopted",
                                                "Tick",
                                                "Quiesce",
                                                "Resume",
                                                "InputHeld",
                                                "Sent"};
  static_assert(std::size(kNames) == std::variant_size_v<BgpEvent>);
  return kNames[e.index()];
}

std::string_view actionName(BgpAction::Kind k) {
  switch (k) {
    case BgpAction::kConnect:
      return "Connect";
    case BgpAction::kTakeConnection:
      return "TakeConnection";
    case BgpAction::kRejectConnection:
      return "RejectConnection";
    case BgpAction::kSendOpen:
      return "SendOpen";
    case BgpAction::kSendKeepalive:
      return "SendKeepalive";
    case BgpAction::kSendNotification:
      return "SendNotification";
    case BgpAction::kCloseConnection:
      return "CloseConnection";
    case BgpAction::kEstablished:
      return "Established";
    case BgpAction::kDown:
      return "Down";
  }
  return "?";
}

bool BgpAction::operator==(const BgpAction& o) const {
  return kind == o.kind && notification.code == o.notification.code &&
         notification.subcode == o.notification.subcode &&
         notification.data == o.notification.data && reason == o.reason &&
         peer_restarting == o.peer_restarting;
}

// The transition table: kTable[state][event]. Rows: Idle, Connect, Active, OpenSent,
// OpenConfirm, Established. Columns: the protocol events, in BgpEvent's order. `next` is where
// the handler normally leads (nullopt: the state stays); handlers that fail go to Idle (or
// Active, waiting for a passive neighbor) whatever the table says.
#define T(handler, next) \
  { &BgpFsm::handler, next }
const BgpFsm::Transition BgpFsm::kTable[6][kTableEvents] = {
    {
        // Idle
        T(start, S::kConnect),         // Start (Active when passive)
        T(stop, S::kIdle),             // Stop
        T(retryExpired, S::kConnect),  // ConnectRetryExpired (Active when passive)
        T(ignore, std::nullopt),       // HoldTimerExpired
        T(ignore, std::nullopt),       // KeepaliveTimerExpired
        T(ignore, std::nullopt),       // TcpConnected
        T(ignore, std::nullopt),       // TcpConnectFailed
        T(take, S::kOpenSent),         // TcpOffered
        T(ignore, std::nullopt),       // TcpClosed
        T(ignore, std::nullopt),       // OPEN
        T(ignore, std::nullopt),       // KEEPALIVE
        T(ignore, std::nullopt),       // UPDATE
        T(ignore, std::nullopt),       // NOTIFICATION
        T(ignore, std::nullopt),       // ROUTE-REFRESH
        T(ignore, std::nullopt),       // MessageError
        T(adopted, S::kEstablished),   // Adopted
    },
    {
        // Connect
        T(ignore, std::nullopt),        // Start
        T(stop, S::kIdle),              // Stop
        T(ignore, std::nullopt),        // ConnectRetryExpired
        T(ignore, std::nullopt),        // HoldTimerExpired
        T(ignore, std::nullopt),        // KeepaliveTimerExpired
        T(tcpConnected, S::kOpenSent),  // TcpConnected
        T(tcpFailed, S::kActive),       // TcpConnectFailed
        T(take, S::kOpenSent),          // TcpOffered
        T(ignore, std::nullopt),        // TcpClosed
        T(ignore, std::nullopt),        // OPEN
        T(ignore, std::nullopt),        // KEEPALIVE
        T(ignore, std::nullopt),        // UPDATE
        T(ignore, std::nullopt),        // NOTIFICATION
        T(ignore, std::nullopt),        // ROUTE-REFRESH
        T(ignore, std::nullopt),        // MessageError
        T(adopted, S::kEstablished),    // Adopted
    },
    {
        // Active
        T(ignore, std::nullopt),       // Start
        T(stop, S::kIdle),             // Stop
        T(retryExpired, S::kConnect),  // ConnectRetryExpired (stays when passive)
        T(ignore, std::nullopt),       // HoldTimerExpired
        T(ignore, std::nullopt),       // KeepaliveTimerExpired
        T(ignore, std::nullopt),       // TcpConnected
        T(ignore, std::nullopt),       // TcpConnectFailed
        T(take, S::kOpenSent),         // TcpOffered
        T(ignore, std::nullopt),       // TcpClosed
        T(ignore, std::nullopt),       // OPEN
        T(ignore, std::nullopt),       // KEEPALIVE
        T(ignore, std::nullopt),       // UPDATE
        T(ignore, std::nullopt),       // NOTIFICATION
        T(ignore, std::nullopt),       // ROUTE-REFRESH
        T(ignore, std::nullopt),       // MessageError
        T(adopted, S::kEstablished),   // Adopted
    },
    {
        // OpenSent
        T(ignore, std::nullopt),            // Start
        T(stop, S::kIdle),                  // Stop
        T(ignore, std::nullopt),            // ConnectRetryExpired
        T(holdExpiredEvent, S::kIdle),      // HoldTimerExpired
        T(ignore, std::nullopt),            // KeepaliveTimerExpired
        T(ignore, std::nullopt),            // TcpConnected
        T(ignore, std::nullopt),            // TcpConnectFailed
        T(take, S::kOpenSent),              // TcpOffered (the newer connection wins)
        T(tcpClosed, S::kIdle),             // TcpClosed
        T(openReceived, S::kOpenConfirm),   // OPEN
        T(fsmError, S::kIdle),              // KEEPALIVE
        T(fsmError, S::kIdle),              // UPDATE
        T(notificationReceived, S::kIdle),  // NOTIFICATION
        T(fsmError, S::kIdle),              // ROUTE-REFRESH
        T(messageError, S::kIdle),          // MessageError
        T(adopted, S::kEstablished),        // Adopted
    },
    {
        // OpenConfirm
        T(ignore, std::nullopt),                     // Start
        T(stop, S::kIdle),                           // Stop
        T(ignore, std::nullopt),                     // ConnectRetryExpired
        T(holdExpiredEvent, S::kIdle),               // HoldTimerExpired
        T(keepaliveExpired, std::nullopt),           // KeepaliveTimerExpired
        T(ignore, std::nullopt),                     // TcpConnected
        T(ignore, std::nullopt),                     // TcpConnectFailed
        T(reject, std::nullopt),                     // TcpOffered (collision: ours wins)
        T(tcpClosed, S::kIdle),                      // TcpClosed
        T(fsmError, S::kIdle),                       // OPEN
        T(keepaliveInOpenConfirm, S::kEstablished),  // KEEPALIVE
        T(fsmError, S::kIdle),                       // UPDATE
        T(notificationReceived, S::kIdle),           // NOTIFICATION
        T(fsmError, S::kIdle),                       // ROUTE-REFRESH
        T(messageError, S::kIdle),                   // MessageError
        T(adopted, S::kEstablished),                 // Adopted
    },
    {
        // Established
        T(ignore, std::nullopt),            // Start
        T(stop, S::kIdle),                  // Stop
        T(ignore, std::nullopt),            // ConnectRetryExpired
        T(holdExpiredEvent, S::kIdle),      // HoldTimerExpired
        T(keepaliveExpired, std::nullopt),  // KeepaliveTimerExpired
        T(ignore, std::nullopt),            // TcpConnected
        T(ignore, std::nullopt),            // TcpConnectFailed
        T(reject, std::nullopt),            // TcpOffered (collision: ours wins)
        T(tcpClosed, S::kIdle),             // TcpClosed (graceful restart may follow)
        T(fsmError, S::kIdle),              // OPEN
        T(alive, std::nullopt),             // KEEPALIVE
        T(alive, std::nullopt),             // UPDATE
        T(notificationReceived, S::kIdle),  // NOTIFICATION
        T(alive, std::nullopt),             // ROUTE-REFRESH
        T(messageError, S::kIdle),          // MessageError
        T(adopted, S::kEstablished),        // Adopted
    },
};
#undef T

BgpFsm::BgpFsm(FsmConfig config) : config_(config) {}

std::vector<BgpAction> BgpFsm::handle(const BgpEvent& event, int64_t now_ns) {
  now_ = now_ns;
  actions_.clear();
  if (event.index() < kTableEvents) {
    dispatch(event);
  } else if (std::holds_alternative<ev::Tick>(event)) {
    // Each expiry is its own event through the table, in a fixed order.
    if (retry_at_ns_ && now_ >= *retry_at_ns_) {
      retry_at_ns_.reset();
      dispatch(ev::ConnectRetryExpired{});
    }
    if (holdExpired(now_)) dispatch(ev::HoldTimerExpired{});
    if (auto due = keepaliveDue(); due && now_ >= *due) dispatch(ev::KeepaliveTimerExpired{});
  } else if (std::holds_alternative<ev::Quiesce>(event)) {
    quiesced_ = true;
  } else if (std::holds_alternative<ev::Resume>(event)) {
    quiesced_ = false;
  } else if (std::holds_alternative<ev::InputHeld>(event)) {
    last_rx_ns_ = now_;
  } else if (std::holds_alternative<ev::Sent>(event)) {
    last_tx_ns_ = now_;
  }
  return std::move(actions_);
}

void BgpFsm::dispatch(const BgpEvent& event) {
  const Transition& t = kTable[static_cast<int>(state_)][event.index()];
  Next chosen = (this->*t.handler)(event);
  Next next = chosen ? chosen : t.next;
  if (next) state_ = *next;
}

namespace {

int64_t holdNs(SessionState s, uint16_t negotiated_s) {
  if (s == S::kOpenSent) return kOpenSentHoldTimeS * kNsPerS;
  if (s == S::kOpenConfirm || s == S::kEstablished) return int64_t{negotiated_s} * kNsPerS;
  return 0;
}

}  // namespace

bool BgpFsm::holdExpired(int64_t now_ns) const {
  int64_t hold = holdNs(state_, hold_time_s_);
  return !quiesced_ && hold > 0 && now_ns - last_rx_ns_ > hold;
}

std::optional<int64_t> BgpFsm::keepaliveDue() const {
  if (quiesced_ || hold_time_s_ == 0) return std::nullopt;
  if (state_ != S::kOpenConfirm && state_ != S::kEstablished) return std::nullopt;
  return last_tx_ns_ + int64_t{hold_time_s_} * kNsPerS / 3;
}

std::optional<int64_t> BgpFsm::nextDeadline() const {
  std::optional<int64_t> next = retry_at_ns_;
  auto earliest = [&](std::optional<int64_t> t) {
    if (t) next = next ? std::min(*next, *t) : *t;
  };
  if (int64_t hold = holdNs(state_, hold_time_s_); hold > 0 && !quiesced_) {
    earliest(last_rx_ns_ + hold + 1);
  }
  earliest(keepaliveDue());
  return next;
}

void BgpFsm::sendKeepalive() {
  emit(BgpAction::kSendKeepalive);
  last_tx_ns_ = now_;
}

BgpFsm::Next BgpFsm::start(const BgpEvent&) {
  stopped_ = false;
  if (config_.passive) return S::kActive;
  emit(BgpAction::kConnect);
  return S::kConnect;
}

BgpFsm::Next BgpFsm::stop(const BgpEvent& e) {
  const auto& s = std::get<ev::Stop>(e);
  stopped_ = true;
  retry_at_ns_.reset();
  if (state_ >= S::kOpenSent) {
    actions_.push_back(
        {BgpAction::kSendNotification, {err::kCease, s.cease_subcode, {}, s.reason}});
  }
  return tearDown(s.reason, false);
}

BgpFsm::Next BgpFsm::retryExpired(const BgpEvent&) {
  if (stopped_) return std::nullopt;
  if (config_.passive) return S::kActive;
  emit(BgpAction::kConnect);
  return S::kConnect;
}

BgpFsm::Next BgpFsm::tcpConnected(const BgpEvent&) {
  emit(BgpAction::kSendOpen);
  last_rx_ns_ = last_tx_ns_ = now_;
  return std::nullopt;
}

BgpFsm::Next BgpFsm::tcpFailed(const BgpEvent& e) {
  last_error_ = std::get<ev::TcpConnectFailed>(e).error;
  if (!stopped_) retry_at_ns_ = now_ + config_.connect_retry_ms * 1'000'000;
  return std::nullopt;
}

BgpFsm::Next BgpFsm::take(const BgpEvent& e) {
  if (stopped_) return reject(e);
  retry_at_ns_.reset();
  emit(BgpAction::kTakeConnection);
  emit(BgpAction::kSendOpen);
  last_rx_ns_ = last_tx_ns_ = now_;
  return std::nullopt;
}

BgpFsm::Next BgpFsm::reject(const BgpEvent&) {
  // A second connection while one is past the OPEN exchange: the collision is resolved in
  // favour of the existing one (RFC 4271 §6.8 lets either side close the newer).
  actions_.push_back({BgpAction::kRejectConnection,
                      {err::kCease, err::kCeaseCollision, {}, "connection collision"}});
  return std::nullopt;
}

BgpFsm::Next BgpFsm::tcpClosed(const BgpEvent& e) {
  const std::string& reason = std::get<ev::TcpClosed>(e).reason;
  last_error_ = reason;
  // Without a NOTIFICATION, a neighbor that negotiated graceful restart may be restarting: its
  // routes stay, stale, for its restart time (RFC 4724 §4.2).
  return tearDown("connection closed: " + reason, state_ == S::kEstablished && peer_gr_);
}

BgpFsm::Next BgpFsm::openReceived(const BgpEvent& e) {
  const auto& open = std::get<ev::OpenReceived>(e);
  last_rx_ns_ = now_;
  if (open.asn != config_.remote_as) {
    std::string data(2, '\0');
    data[0] = static_cast<char>(open.asn >> 8);
    data[1] = static_cast<char>(open.asn);
    return notify({err::kOpen, err::kBadPeerAs, data,
                   "peer AS " + std::to_string(open.asn) + ", configured " +
                       std::to_string(config_.remote_as)});
  }
  if (open.bgp_id == config_.router_id && config_.remote_as == config_.local_as) {
    return notify({err::kOpen, err::kBadBgpId, {}, "peer BGP identifier equals ours"});
  }
  hold_time_s_ = std::min(open.hold_time_s, config_.hold_time_s);
  peer_gr_ = open.graceful_restart;
  sendKeepalive();
  return std::nullopt;
}

BgpFsm::Next BgpFsm::keepaliveInOpenConfirm(const BgpEvent&) {
  last_rx_ns_ = now_;
  last_error_.clear();
  emit(BgpAction::kEstablished);
  return std::nullopt;
}

BgpFsm::Next BgpFsm::alive(const BgpEvent&) {
  last_rx_ns_ = now_;
  return std::nullopt;
}

BgpFsm::Next BgpFsm::notificationReceived(const BgpEvent& e) {
  const auto& n = std::get<ev::NotificationReceived>(e);
  last_rx_ns_ = now_;
  last_error_ = "received NOTIFICATION " + describeError(n.code, n.subcode);
  return tearDown(last_error_, false);
}

BgpFsm::Next BgpFsm::messageError(const BgpEvent& e) {
  return notify(std::get<ev::MessageError>(e).error);
}

BgpFsm::Next BgpFsm::holdExpiredEvent(const BgpEvent&) {
  return notify({err::kHoldTimerExpired, 0, {}, "hold timer expired"});
}

BgpFsm::Next BgpFsm::keepaliveExpired(const BgpEvent&) {
  sendKeepalive();
  return std::nullopt;
}

BgpFsm::Next BgpFsm::adopted(const BgpEvent& e) {
  const auto& a = std::get<ev::Adopted>(e);
  stopped_ = false;
  quiesced_ = false;
  retry_at_ns_.reset();
  hold_time_s_ = a.hold_time_s;
  peer_gr_ = a.graceful_restart;
  last_rx_ns_ = now_;
  last_error_.clear();
  sendKeepalive();  // the handover used some of the neighbor's hold time
  return std::nullopt;
}

BgpFsm::Next BgpFsm::fsmError(const BgpEvent& e) {
  return notify({err::kFsm,
                 0,
                 {},
                 std::string(eventName(e)) + " in state " + std::string(sessionStateName(state_))});
}

BgpFsm::Next BgpFsm::notify(const BgpError& e) {
  actions_.push_back({BgpAction::kSendNotification, e});
  last_error_ = "sent NOTIFICATION " + describeError(e.code, e.subcode) + ": " + e.reason;
  return tearDown(last_error_, false);
}

BgpFsm::Next BgpFsm::tearDown(const std::string& reason, bool peer_restarting) {
  const bool was_established = state_ == S::kEstablished;
  emit(BgpAction::kCloseConnection);
  if (was_established) actions_.push_back({BgpAction::kDown, {}, reason, peer_restarting});
  quiesced_ = false;
  hold_time_s_ = 0;
  if (stopped_) return S::kIdle;
  retry_at_ns_ = now_ + config_.connect_retry_ms * 1'000'000;
  return config_.passive ? S::kActive : S::kIdle;
}

}  // namespace hitless::bgp
