// BgpFsm: one BGP neighbor's finite state machine (RFC 4271 §8) as a plain class. It is fed
// events, each with the time it happened, and returns the actions the session shell
// (bgp_session.h) must carry out; it does no I/O and reads no clock, so it runs in unit tests
// deterministically (STYLE.md #11).
//
// It owns the three timers as deadlines — ConnectRetry, Hold and Keepalive — and the shell
// reports time passing (ev::Tick at nextDeadline()): an expiry is then one more event through
// the same table. The transitions are a [state][event] table (kTable in the .cc) in the manner
// of FRR's bgp_fsm.c: each entry names the handler and the state it normally leads to; a
// handler may choose another (a refused OPEN goes to Idle, a passive neighbor waits in Active).
//
// Decisions it makes: which NOTIFICATION to send (OPEN checks, hold timer, FSM errors, Cease on
// stop and on a connection collision), when the session is Established and when it is down —
// with whether the neighbor may be restarting gracefully (it negotiated GR and the session ended
// without a NOTIFICATION: RFC 4724 §4.2) — and when to connect again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "bgp/bgp_message.h"

namespace hitless::bgp {

enum class SessionState { kIdle, kConnect, kActive, kOpenSent, kOpenConfirm, kEstablished };
std::string_view sessionStateName(SessionState s);

// What the FSM needs of the configuration.
struct FsmConfig {
  uint32_t local_as = 0;
  uint32_t router_id = 0;  // host order
  uint32_t remote_as = 0;
  bool passive = false;  // never connect: wait in Active for the neighbor
  uint16_t hold_time_s = 90;
  int64_t connect_retry_ms = 5000;
};

// The events. Timer expiries are events too: a test may send them, the shell sends Tick.
namespace ev {
struct Start {};  // ManualStart
struct Stop {     // ManualStop: Cease with `cease_subcode`, then Idle without retrying
  uint8_t cease_subcode = err::kCeaseAdminShutdown;
  std::string reason;
};
struct Tick {};  // time passed: the timers due fire, in the order retry, hold, keepalive
struct ConnectRetryExpired {};
struct HoldTimerExpired {};
struct KeepaliveTimerExpired {};
struct TcpConnected {};  // our connection attempt succeeded
struct TcpConnectFailed {
  std::string error;  // "connect: Connection refused"
};
struct TcpOffered {};  // the listener accepted a connection from this neighbor
struct TcpClosed {     // the connection ended under us
  std::string reason;
};
struct OpenReceived {  // an OPEN, decoded
  uint32_t asn = 0;
  uint32_t bgp_id = 0;
  uint16_t hold_time_s = 0;
  bool graceful_restart = false;  // the neighbor advertised the GR capability
};
struct KeepaliveReceived {};
struct UpdateReceived {};  // one or more UPDATEs, decoded (the shell keeps their content)
struct NotificationReceived {
  uint8_t code = 0, subcode = 0;
};
struct RouteRefreshReceived {};
struct MessageError {  // a message that cannot be used: its NOTIFICATION
  BgpError error;
};
struct Adopted {  // NSR: an Established session taken over from another process
  uint16_t hold_time_s = 0;
  bool graceful_restart = false;
};
struct Quiesce {};    // NSR handover: timers stop; nothing more is sent
struct Resume {};     // ... the handover did not happen
struct InputHeld {};  // flow control holds the neighbor's messages unread: it is alive
struct Sent {};       // the shell wrote UPDATEs (the keepalive timer restarts)
}  // namespace ev

// The first kTableEvents alternatives are the protocol events of the transition table; the rest
// are bookkeeping the FSM handles the same in every state.
using BgpEvent =
    std::variant<ev::Start, ev::Stop, ev::ConnectRetryExpired, ev::HoldTimerExpired,
                 ev::KeepaliveTimerExpired, ev::TcpConnected, ev::TcpConnectFailed, ev::TcpOffered,
                 ev::TcpClosed, ev::OpenReceived, ev::KeepaliveReceived, ev::UpdateReceived,
                 ev::NotificationReceived, ev::RouteRefreshReceived, ev::MessageError, ev::Adopted,
                 // bookkeeping
                 ev::Tick, ev::Quiesce, ev::Resume, ev::InputHeld, ev::Sent>;
inline constexpr size_t kTableEvents = 16;
std::string_view eventName(const BgpEvent& e);

struct BgpAction {
  enum Kind {
    kConnect,           // open a TCP connection to the neighbor
    kTakeConnection,    // use the connection offered, dropping any attempt or connection
    kRejectConnection,  // send `notification` on the connection offered and drop it
    kSendOpen,
    kSendKeepalive,
    kSendNotification,  // `notification`; the connection closes next
    kCloseConnection,
    kEstablished,  // the session is up: tell the observer
    kDown,         // the session left Established: `reason`, `peer_restarting`
  };
  Kind kind;
  BgpError notification = {};
  std::string reason = {};
  bool peer_restarting = false;
  bool operator==(const BgpAction&) const;
};
std::string_view actionName(BgpAction::Kind k);

class BgpFsm {
 public:
  explicit BgpFsm(FsmConfig config);

  std::vector<BgpAction> handle(const BgpEvent& event, int64_t now_ns);

  SessionState state() const { return state_; }
  // The hold time both sides agreed on (0: none, no keepalives).
  uint16_t negotiatedHoldTime() const { return hold_time_s_; }
  bool peerGracefulRestart() const { return peer_gr_; }
  bool stopped() const { return stopped_; }
  bool quiesced() const { return quiesced_; }
  // When the next timer is due (nullopt: none runs).
  std::optional<int64_t> nextDeadline() const;
  // The hold timer has run out at `now` (the shell reads its socket before it says Tick: a busy
  // loop, not a silent neighbor, may be why nothing arrived).
  bool holdExpired(int64_t now_ns) const;
  // Why the session last failed ("sent NOTIFICATION ...", "connect: ..."); cleared when it
  // reaches Established.
  const std::string& lastError() const { return last_error_; }
  void setLastError(std::string e) { last_error_ = std::move(e); }

 private:
  using Next = std::optional<SessionState>;
  using Handler = Next (BgpFsm::*)(const BgpEvent&);
  struct Transition {
    Handler handler;
    Next next;  // nullopt: the state stays
  };
  static const Transition kTable[6][kTableEvents];

  void dispatch(const BgpEvent& event);
  Next ignore(const BgpEvent&) { return std::nullopt; }
  Next start(const BgpEvent&);
  Next stop(const BgpEvent& e);
  Next retryExpired(const BgpEvent&);
  Next tcpConnected(const BgpEvent&);
  Next tcpFailed(const BgpEvent&);
  Next take(const BgpEvent&);
  Next reject(const BgpEvent&);
  Next tcpClosed(const BgpEvent&);
  Next openReceived(const BgpEvent& e);
  Next keepaliveInOpenConfirm(const BgpEvent&);
  Next alive(const BgpEvent&);  // a message that only proves the neighbor alive
  Next notificationReceived(const BgpEvent& e);
  Next messageError(const BgpEvent& e);
  Next holdExpiredEvent(const BgpEvent&);
  Next keepaliveExpired(const BgpEvent&);
  Next adopted(const BgpEvent& e);
  Next fsmError(const BgpEvent& e);

  // Sends `e` as a NOTIFICATION and tears the session down.
  Next notify(const BgpError& e);
  // Closes the connection; down if it was Established; retries unless stopped.
  Next tearDown(const std::string& reason, bool peer_restarting);
  void emit(BgpAction::Kind k) { actions_.push_back({k}); }
  std::optional<int64_t> keepaliveDue() const;
  void sendKeepalive();

  FsmConfig config_;
  SessionState state_ = SessionState::kIdle;
  bool stopped_ = true;
  bool quiesced_ = false;
  bool peer_gr_ = false;
  uint16_t hold_time_s_ = 0;
  int64_t now_ = 0;
  int64_t last_rx_ns_ = 0, last_tx_ns_ = 0;
  std::optional<int64_t> retry_at_ns_;
  std::string last_error_;
  std::vector<BgpAction> actions_;
};

}  // namespace hitless::bgp
