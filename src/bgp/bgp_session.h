// BgpSession: one BGP neighbor on an EventLoop — the socket shell around its BgpFsm
// (bgp_fsm.h), which decides every transition, timer and NOTIFICATION.
//
// The shell connects through a Connector (the kernel's TCP; a socketpair in tests), takes the
// connections the speaker's listener hands it, frames and decodes what arrives and turns it into
// FSM events, and carries out the FSM's actions (send OPEN / KEEPALIVE / NOTIFICATION, close,
// tell the observer). One timer, armed at the FSM's next deadline, reports time passing. UPDATEs
// in Established stay on a fast path: the UPDATEs of each read go to the observer as one batch,
// so a burst of thousands of messages becomes one RIB transaction; the FSM hears once per batch.
// Bad input is answered with the NOTIFICATION RFC 4271 §6 prescribes (or treat-as-withdraw,
// RFC 7606), then the session goes to Idle and retries after the connect-retry time.
//
// NSR: a session can also be adopted in Established state from a socket another process opened
// (see adopt()); the peer sees nothing happen.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bgp/bgp_fsm.h"
#include "bgp/bgp_message.h"
#include "bgp/tcp_connector.h"
#include "event/connection.h"
#include "event/event_loop.h"
#include "messages/bgp_messages.h"
#include "net/ip.h"

namespace hitless::bgp {

struct PeerConfig {
  net::IpAddress address;
  uint32_t remote_as = 0;
  bool passive = false;          // wait for the peer to connect
  net::IpAddress local_address;  // source of our connection (IOS update-source); none: any
  uint16_t port = 179;
  uint16_t hold_time_s = 90;
  int64_t connect_retry_ms = 5000;
  std::string description;
  bool operator==(const PeerConfig&) const = default;
};

struct LocalConfig {
  uint32_t asn = 0;
  uint32_t router_id = 0;  // host order
  uint16_t graceful_restart_time_s = 120;
  bool restarting = false;  // advertise the R bit (we restarted and preserved forwarding)
};

struct SessionCounters {
  uint64_t messages_in = 0, messages_out = 0;
  uint64_t updates_in = 0, updates_out = 0;
  uint64_t notifications_in = 0, notifications_out = 0;
  uint64_t keepalives_in = 0, keepalives_out = 0;
  uint64_t established_transitions = 0;
  uint64_t treat_as_withdraw = 0;
  // Flow control: how often and how long input waited for the observer (the standby's
  // acknowledgements) — the cost of keeping the standby in step during a table transfer.
  uint64_t input_pauses = 0;
  int64_t input_paused_ns = 0;
};

class BgpSession;

class SessionObserver {
 public:
  virtual ~SessionObserver() = default;
  virtual void onEstablished(BgpSession& s) = 0;
  // Every UPDATE of one read, in order. `raw` holds every whole message of that read exactly as
  // received (UPDATEs and whatever came between them), starting at stream offset `offset`: the
  // NSR checkpoint carries these bytes to the standby. Ranges follow each other without a gap.
  virtual void onUpdates(BgpSession& s, std::vector<UpdateMessage>& updates, std::string_view raw,
                         uint64_t offset) = 0;
  // NSR across a crash (docs/bgp.md): true when the observer checkpoints both byte streams. The
  // session then reports every byte it processes in Established (onUpdates, with no UPDATE for
  // a run of KEEPALIVEs), leaves input in the kernel until inputDurable(), and writes output
  // only after outputDurable() (write-ahead: onOutput first).
  virtual bool checkpointsStreams() { return false; }
  // Checkpointing the streams: input ends with the first `bytes` of a message, at `offset`. The
  // kernel must release them (a partial message left in its queue can pin the receive buffer and
  // close the window for good), so the standby holds them first: inputDurable() as for input.
  virtual void onPartialInput(BgpSession&, std::string_view /*bytes*/, uint64_t /*offset*/) {}
  // Write-ahead: `bytes` (whole messages) are the stream from `offset` on; `written`: how much of
  // the stream had reached the kernel before them.
  virtual void onOutput(BgpSession&, std::string_view /*bytes*/, uint64_t /*offset*/,
                        uint64_t /*written*/) {}
  // Test hook (rpd --crash-at): see BgpHost::crashArmed / crashPoint.
  virtual bool crashArmed(const char* /*point*/) const { return false; }
  virtual void crashPoint(const char* /*point*/) {}
  virtual void onRouteRefresh(BgpSession& s, AfiSafi afi_safi) = 0;
  // Flow control: false while what this session produced cannot be absorbed yet (the standby
  // is behind); the session stops reading — TCP pushes back on the neighbor — until
  // BgpSession::resumeInput().
  virtual bool readyForInput() { return true; }
  // The session left Established (or never got there). `peer_restarting`: the peer may be
  // restarting gracefully — it negotiated graceful restart and the session ended without a
  // NOTIFICATION — so its routes are kept stale (RFC 4724 §4.2).
  virtual void onDown(BgpSession& s, const std::string& reason, bool peer_restarting) = 0;
};

class BgpSession {
 public:
  // `connector` must outlive the session.
  BgpSession(event::EventLoop& loop, LocalConfig local, PeerConfig peer, SessionObserver& observer,
             Connector& connector = tcpConnector());
  ~BgpSession();
  BgpSession(const BgpSession&) = delete;
  BgpSession& operator=(const BgpSession&) = delete;

  void start();  // Idle -> Connect (or Active when passive)
  // NSR: takes over an Established session on a socket another RP opened, with the OPENs it
  // exchanged and the bytes it had read but not processed. The neighbor sees nothing; a
  // KEEPALIVE goes out at once (the handover took some of its hold time).
  // `state`: the session as checkpointed (OPENs, id, where both streams stand, input read from
  // the kernel and not yet processed); `resend`: the end of the output the previous active had
  // not handed to the kernel when it died, written before anything else.
  Status adopt(event::UniqueFd fd, const messages::BgpSessionCheckpoint& state,
               std::string_view resend = {});
  // NSR handover: stops reading and the timers (nothing more is written). Returns the bytes
  // taken out of the kernel but not processed. resume() undoes it when the handover fails.
  std::string quiesce();
  void resume();
  bool quiesced() const { return fsm_.quiesced(); }
  // Flow control (see SessionObserver::readyForInput).
  void resumeInput();
  // Sends a Cease NOTIFICATION if a connection exists, then Idle without retrying.
  void stop(uint8_t cease_subcode, const std::string& reason);
  // An incoming connection from this peer's address (the speaker's listener accepted it).
  void acceptConnection(event::UniqueFd fd);

  // Established only: queues whole messages.
  void send(std::string_view messages, uint64_t updates);
  // Output not yet in the kernel: waiting for the standby (write-ahead) or for the socket.
  size_t pendingOutput() const { return held_output_.size() + (conn_ ? conn_->pendingBytes() : 0); }
  // NSR: the standby holds the input through stream offset `through` / the output through it.
  void inputDurable(uint64_t through);
  void outputDurable(uint64_t through);
  // Input is read without leaving the kernel until durable (the kernel can peek ahead on TCP).
  bool peeksInput() const { return conn_ && conn_->peeking(); }
  int socketFd() const { return conn_ ? conn_->fd() : -1; }
  // Random per Established session: pairs the standby's copy of the socket with its state.
  uint64_t sessionId() const { return session_id_; }
  uint64_t rxOffset() const { return rx_offset_; }
  uint64_t txOffset() const { return tx_offset_; }
  const std::string& localOpenBytes() const { return local_open_bytes_; }
  const std::string& peerOpenBytes() const { return peer_open_bytes_; }

  SessionState state() const { return fsm_.state(); }
  const PeerConfig& peer() const { return peer_; }
  const LocalConfig& local() const { return local_; }
  const OpenMessage& peerOpen() const { return peer_open_; }
  const OpenMessage& localOpen() const { return local_open_; }
  UpdateCodecOptions codecOptions() const { return codec_; }
  bool isEbgp() const { return peer_.remote_as != local_.asn; }
  uint16_t negotiatedHoldTime() const { return fsm_.negotiatedHoldTime(); }
  bool negotiated(AfiSafi a) const;
  net::IpAddress localAddress() const { return local_address_; }
  const SessionCounters& counters() const { return counters_; }
  int64_t establishedSinceNs() const { return established_ns_; }
  const std::string& lastError() const { return fsm_.lastError(); }
  void setRestarting(bool r) { local_.restarting = r; }

 private:
  // Hands `event` to the FSM and carries out its actions; false if this session was destroyed
  // meanwhile (an observer's callback may do that).
  bool feed(const BgpEvent& event);
  bool execute(const BgpAction& action);
  void armTimer();
  void onTimer();
  int64_t now() const { return loop_.clock().nowNs(); }

  void connect();
  void onConnectReady();
  void attach(event::UniqueFd fd);
  void closeConnection();
  void sendOpen();
  // Write-ahead in Established when the observer checkpoints the streams; otherwise at once.
  void write(std::string_view bytes);
  // Into the socket now, after any output held for the standby (a NOTIFICATION before a close).
  void writeNow(std::string_view bytes);
  // Peek mode: takes input through stream offset `through` out of the kernel.
  void release(uint64_t through);
  // Checkpointing the streams: the input ends mid-message; hands those bytes to the observer
  // (once per growth), so that they can leave the kernel.
  void reportPartialInput(std::string_view partial);
  // Stream offset of the end of the input read so far (peeked or taken).
  uint64_t inputEnd() const;
  // Stream offset of the first input byte still in the kernel.
  uint64_t kernelInputHead() const;
  // Sets the codec parameters from the two OPENs.
  void negotiate(const OpenMessage& peer_open);

  void onData(std::string_view input);
  // Parses the whole messages at the front of `input`; returns the bytes used, or kTornDown.
  static constexpr size_t kTornDown = ~size_t{0};
  // About 6k prefixes of a full-table burst: a few ms of work (2-14 ms of CPU per turn at 1M
  // routes in bgp_bench, with everything else the turn does).
  static constexpr size_t kSliceBytes = 32 * 1024;
  // More whole messages wait in the input: parse the next slice on the next loop turn.
  void scheduleMoreInput();
  size_t processInput(std::string_view input);
  // Handles one whole message other than an UPDATE in Established; false when torn down.
  bool handleMessage(std::string_view message);

  event::EventLoop& loop_;
  LocalConfig local_;
  PeerConfig peer_;
  SessionObserver& observer_;
  Connector& connector_;
  BgpFsm fsm_;
  std::unique_ptr<event::Connection> conn_;
  std::shared_ptr<bool> conn_token_;
  event::UniqueFd connecting_fd_;
  event::UniqueFd offered_fd_;  // a connection the listener offered, while the FSM decides
  event::TimerId timer_ = 0;
  int64_t timer_due_ns_ = 0;
  OpenMessage local_open_, peer_open_;
  UpdateCodecOptions codec_;
  int64_t established_ns_ = 0;
  net::IpAddress local_address_;
  SessionCounters counters_;
  bool more_input_scheduled_ = false;
  bool input_paused_ = false;  // flow control: the observer cannot absorb more yet
  int64_t input_paused_since_ns_ = 0;
  uint64_t session_id_ = 0;
  uint64_t rx_offset_ = 0, tx_offset_ = 0;  // processed / produced, from the connection's start
  uint64_t released_ = 0;                   // peek mode: input taken out of the kernel
  uint64_t releasable_ = 0;  // peek mode: input that needs no standby (before Established)
  std::string held_output_;  // write-ahead: produced, not yet durable (ends at tx_offset_)
  uint64_t partial_reported_end_ = 0;  // input end of the last partial message reported
  std::string local_open_bytes_, peer_open_bytes_;
  std::string carry_;  // adopted bytes not yet a whole message, parsed before new input
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::bgp
