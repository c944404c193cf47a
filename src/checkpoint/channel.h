// CheckpointChannel: one session between the two RPs over a Unix stream socket.
//
// Session: both sides send a SessionHello (frozen v1) first; each negotiates the two message
// sets locally (negotiation is symmetric, so both reach the same versions). Then the active
// sends checkpoint *transactions* (transaction.h: messages encoded at the negotiated versions,
// transformed by the catalog when that is not this image's native version) and the standby
// hands each message to its handler as it arrives — which decodes and holds it — then, once the
// transaction is complete, asks the handler to apply it, and acknowledges cumulatively.
// Heartbeats flow both ways. The channel knows no client: the handler (the RP, through its
// ClientRegistry) does.
//
// Contract:
//  - A transaction's `done(true)` runs once the peer has acknowledged it; `done(false)` runs if
//    the session ends first. Exactly one of them, exactly once.
//  - Garbage, an unknown client or message, an oversized frame, a peer silent for
//    heartbeat_interval * heartbeat_threshold, or no acknowledgement progress for ack_timeout
//    while transactions are pending closes the session with a reason (onClosed). A slow but
//    progressing standby is not stuck: the timeout measures progress, not one transaction's age
//    (a transaction may legitimately wait behind megabytes of queued bulk).
//  - The channel never buffers more than max_pending_bytes of output: past that the peer is
//    declared stuck and the session is closed, so a broken standby never stalls the active.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "checkpoint/transaction.h"
#include "event/connection.h"
#include "issu/message_catalog.h"
#include "issu/negotiation.h"
#include "messages/session_messages.h"
#include "wire/frame.h"

namespace hitless::checkpoint {

struct ChannelOptions {
  uint8_t slot = 0;
  std::string software_version;
  uint64_t instance_id = 0;
  int64_t heartbeat_interval_ms = 100;
  int heartbeat_threshold = 5;  // missed intervals before the peer counts as hung
  int64_t ack_timeout_ms = 3000;
  size_t max_pending_bytes = size_t{512} << 20;
  uint32_t max_frame_payload = 16u << 20;
};

class ChannelHandler {
 public:
  virtual ~ChannelHandler() = default;
  virtual void onNegotiated(const issu::NegotiationResult& result,
                            const messages::SessionHello& peer) = 0;
  // One checkpoint message of the transaction being received, at `version`: this image's native
  // version, or an older one its decoder reads directly (MessageCatalog::readsDirectly).
  // Decode and hold it. An error closes the session; nothing of the transaction may
  // have been applied (the standby never holds a transaction it could not decode whole).
  virtual Status onMessage(uint16_t client, uint16_t type, wire::ByteView native,
                           issu::MessageVersion version) = 0;
  // The transaction is complete: apply every message held since the last one. An error closes
  // the session.
  virtual Status onTransaction() = 0;
  virtual void onRfStatus(const messages::RfStatus& status) = 0;
  virtual void onSwitchover(const messages::Switchover& request) = 0;
  virtual void onDrained() = 0;  // output is below the low watermark: producers may continue
  // Acknowledgements arrived (after their transactions' `done` ran): fewer transactions are in
  // flight, whichever kind they were.
  virtual void onAcknowledged() {}
  // The session ended. `peer_alive`: the peer announced the close (session reset) — it did not
  // die. A close this side initiated also reports the peer alive.
  virtual void onClosed(const std::string& reason, bool peer_alive) = 0;
};

struct ChannelStats {
  uint64_t frames_sent = 0, frames_received = 0;
  uint64_t transactions_sent = 0, transactions_acked = 0, transactions_applied = 0;
  uint64_t bytes_sent = 0, bytes_received = 0;
  // Items received or sent at a version other than the native one (the newer side's work):
  // converted by a transform, or read directly by a decoder that knows the older version.
  uint64_t transforms = 0;
};

class CheckpointChannel {
 public:
  using Done = std::function<void(bool acked)>;

  CheckpointChannel(event::EventLoop& loop, event::UniqueFd fd, const issu::MessageCatalog& catalog,
                    ChannelOptions options, ChannelHandler& handler);
  ~CheckpointChannel();
  CheckpointChannel(const CheckpointChannel&) = delete;
  CheckpointChannel& operator=(const CheckpointChannel&) = delete;

  // Sends the hello and starts heartbeats.
  void start();
  bool isOpen() const { return conn_ && conn_->isOpen(); }
  bool negotiated() const { return negotiation_.has_value(); }
  const issu::NegotiationResult& negotiation() const { return *negotiation_; }
  const messages::SessionHello& peerHello() const { return peer_hello_; }

  // A transaction for this session: inert until negotiated().
  Transaction transaction() const { return Transaction(plan_); }
  // Sends `txn` (see the contract). One made for another session, or inert, completes with
  // done(false); one holding nothing the pair exchanges completes with done(true).
  void send(Transaction txn, Done done);
  void sendRfStatus(const messages::RfStatus& status);
  void sendSwitchover(const messages::Switchover& request);

  size_t pendingBytes() const { return conn_ ? conn_->pendingBytes() : 0; }
  size_t unackedTransactions() const { return pending_.size(); }
  // How long the oldest unacknowledged transaction has waited (0 when none): the replication lag.
  int64_t oldestUnackedAgeNs() const;
  const ChannelStats& stats() const { return stats_; }
  // Tells the peer (session reset), then closes; pending transactions complete with
  // done(false); onClosed runs with peer_alive = true.
  void close(const std::string& reason);

 private:
  struct Pending {
    uint64_t number;
    Done done;
    int64_t sent_ns;
  };
  void onData(std::string_view input);
  Status handleFrame(const wire::Frame& frame);
  Status handleDataFrame(const wire::Frame& frame, wire::ByteView payload,
                         issu::MessageVersion version);
  void appendControl(uint16_t client, uint16_t type, const std::string& payload);
  void onHeartbeatTimer();
  // Sends a session reset and closes. peer_alive_ is left as it is: close() sets it first; a
  // close for silence leaves it false, so the owner treats the peer as failed.
  void resetSession(const std::string& reason);
  void finish(const std::string& reason);

  event::EventLoop& loop_;
  const issu::MessageCatalog& catalog_;
  ChannelOptions options_;
  ChannelHandler& handler_;
  std::unique_ptr<event::Connection> conn_;
  std::optional<issu::NegotiationResult> negotiation_;
  std::shared_ptr<const WirePlan> plan_;  // set at negotiation
  messages::SessionHello peer_hello_;
  std::deque<Pending> pending_;
  uint64_t next_transaction_ = 1;
  uint64_t applied_ = 0, acked_sent_ = 0;
  int64_t last_rx_ns_ = 0;
  int64_t last_ack_progress_ns_ = 0;  // last ack advance, or when pending became non-empty
  uint64_t heartbeat_seq_ = 0;
  event::TimerId heartbeat_timer_ = 0;
  ChannelStats stats_;
  std::string converted_;
  bool closing_ = false;
  bool redeliver_pending_ = false;
  bool peer_alive_ = false;  // set by a received session reset or by our own close
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::checkpoint
