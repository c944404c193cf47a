#include "checkpoint/channel.h"

#include "base/log.h"
#include "messages/wire_numbers.h"

namespace hitless::checkpoint {
namespace {

using messages::kClientIssuProto;
using messages::kClientRf;

constexpr size_t kLowWatermark = 1u << 20;
constexpr int64_t kProcessingBudgetNs = 5'000'000;  // 5 ms of applying per loop turn

}  // namespace

CheckpointChannel::CheckpointChannel(event::EventLoop& loop, event::UniqueFd fd,
                                     const issu::MessageCatalog& catalog, ChannelOptions options,
                                     ChannelHandler& handler)
    : loop_(loop), catalog_(catalog), options_(std::move(options)), handler_(handler) {
  conn_ = std::make_unique<event::Connection>(
      loop_, std::move(fd),
      event::Connection::Handlers{[this](std::string_view in) { onData(in); },
                                  [this](const std::string& reason) { finish(reason); },
                                  [this] { handler_.onDrained(); }});
  conn_->setLowWatermark(kLowWatermark);
}

CheckpointChannel::~CheckpointChannel() {
  *alive_ = false;
  if (heartbeat_timer_ != 0) loop_.cancelTimer(heartbeat_timer_);
  auto pending = std::move(pending_);
  for (auto& p : pending) p.done(false);
}

void CheckpointChannel::start() {
  last_rx_ns_ = loop_.clock().nowNs();
  messages::SessionHello hello{options_.slot, options_.software_version, options_.instance_id,
                               catalog_.messageSet()};
  std::string payload;
  messages::encodeSessionHello(hello, &payload);
  appendControl(kClientIssuProto, messages::kMsgSessionHello, payload);
  heartbeat_timer_ = loop_.addTimer(
      options_.heartbeat_interval_ms, [this] { onHeartbeatTimer(); }, true);
}

void CheckpointChannel::appendControl(uint16_t client, uint16_t type, const std::string& payload) {
  if (!isOpen()) return;
  std::string frame;
  // Control messages are all single-version (v1) in every release.
  wire::appendFrame(&frame, client, type, 1, payload);
  ++stats_.frames_sent;
  stats_.bytes_sent += frame.size();
  conn_->sendOwned(std::move(frame));
}

void CheckpointChannel::sendRfStatus(const messages::RfStatus& status) {
  std::string payload;
  messages::encodeRfStatus(status, &payload);
  appendControl(kClientRf, messages::kMsgRfStatus, payload);
}

void CheckpointChannel::sendSwitchover(const messages::Switchover& request) {
  std::string payload;
  messages::encodeSwitchover(request, &payload);
  appendControl(kClientRf, messages::kMsgSwitchover, payload);
}

void CheckpointChannel::send(Transaction txn, Done done) {
  if (!isOpen() || !negotiated() || txn.plan() != plan_ || !plan_) {
    done(false);
    return;
  }
  if (!txn.error().isOk()) {
    logEvent("ISSU", Severity::kError, "TRANSFORM_FAILED", txn.error().message());
    close("cannot encode a checkpoint item: " + txn.error().message());
    done(false);
    return;
  }
  if (txn.empty()) {  // nothing this pair exchanges
    done(true);
    return;
  }
  stats_.frames_sent += txn.messages();
  stats_.transforms += txn.transforms();
  std::string frames = txn.takeFrames();
  stats_.bytes_sent += frames.size();
  ++stats_.transactions_sent;
  const int64_t now = loop_.clock().nowNs();
  if (pending_.empty()) last_ack_progress_ns_ = now;
  pending_.push_back({next_transaction_++, std::move(done), now});
  conn_->sendOwned(std::move(frames));
  if (isOpen() && conn_->pendingBytes() > options_.max_pending_bytes) {
    close("peer is not reading: " + std::to_string(conn_->pendingBytes()) + " bytes pending");
  }
}

void CheckpointChannel::onData(std::string_view input) {
  std::shared_ptr<bool> alive = alive_;
  size_t used = 0;
  Status failure;
  // Bound the work per turn of the loop so this side's heartbeats and timers keep running while
  // it applies a large bulk; the rest is redelivered on the next turn.
  const int64_t budget_end = loop_.clock().nowNs() + kProcessingBudgetNs;
  bool more = false;
  // The clock is read every few frames: a frame (one route) takes well under a microsecond.
  for (uint32_t frames = 0; used < input.size(); ++frames) {
    if (frames % 32 == 31 && loop_.clock().nowNs() > budget_end) {
      more = true;
      break;
    }
    auto frame = wire::parseFrame(input.substr(used), options_.max_frame_payload);
    if (!frame.isOk()) {
      failure = frame.status();
      break;
    }
    if (!frame->has_value()) break;  // partial frame: wait for more
    stats_.bytes_received += wire::kFrameHeaderSize + (*frame)->payload.size();
    used += wire::kFrameHeaderSize + (*frame)->payload.size();
    ++stats_.frames_received;
    failure = handleFrame(**frame);
    if (!*alive || !isOpen()) return;
    if (!failure.isOk()) break;
  }
  conn_->consume(used);
  if (more && !redeliver_pending_) {
    redeliver_pending_ = true;
    loop_.addTimer(0, [this, alive] {
      if (!*alive) return;
      redeliver_pending_ = false;
      if (conn_) conn_->redeliver();
    });
  }
  if (!failure.isOk()) {
    logEvent("ISSU", Severity::kError, "SESSION_PROTOCOL_ERROR", failure.message());
    close("protocol error from peer: " + failure.message());
    return;
  }
  last_rx_ns_ = loop_.clock().nowNs();
  if (applied_ > acked_sent_) {
    std::string payload;
    messages::encodeCheckpointAck({applied_}, &payload);
    appendControl(kClientRf, messages::kMsgCheckpointAck, payload);
    acked_sent_ = applied_;
  }
}

Status CheckpointChannel::handleFrame(const wire::Frame& frame) {
  const auto& h = frame.header;
  if (!negotiated()) {
    if (h.client_id != kClientIssuProto || h.msg_type != messages::kMsgSessionHello) {
      return Status::corruption("expected a session hello first, got client " +
                                std::to_string(h.client_id) + " type " +
                                std::to_string(h.msg_type));
    }
    ASSIGN_OR_RETURN(peer_hello_, messages::decodeSessionHello(frame.payload));
    negotiation_ = issu::negotiate(catalog_.messageSet(), peer_hello_.message_set);
    plan_ = std::make_shared<const WirePlan>(catalog_, *negotiation_);
    handler_.onNegotiated(*negotiation_, peer_hello_);
    return Status::ok();
  }
  const issu::MessageTypeSpec* spec = catalog_.findMessage(h.client_id, h.msg_type);
  if (spec == nullptr) {
    return Status::notFound("unknown client " + std::to_string(h.client_id) + " message type " +
                            std::to_string(h.msg_type));
  }
  wire::ByteView native = frame.payload;
  issu::MessageVersion version = spec->max_version;
  if (h.version != spec->max_version) {
    // Read at the sender's version where this image's decoder knows it, else converted first.
    version = catalog_.readableVersion(h.client_id, h.msg_type, h.version);
    if (version != h.version) {
      ASSIGN_OR_RETURN(converted_, catalog_.convert(h.client_id, h.msg_type, frame.payload,
                                                    h.version, spec->max_version));
      native = converted_;
    }
    ++stats_.transforms;
  }
  if (h.client_id == kClientRf) {
    switch (h.msg_type) {
      case messages::kMsgHeartbeat:
        return messages::decodeHeartbeat(native).status();
      case messages::kMsgRfStatus: {
        ASSIGN_OR_RETURN(auto m, messages::decodeRfStatus(native));
        handler_.onRfStatus(m);
        return Status::ok();
      }
      case messages::kMsgSessionReset: {
        ASSIGN_OR_RETURN(auto m, messages::decodeSessionReset(native));
        peer_alive_ = true;
        logEvent("RF", Severity::kNotice, "SESSION_RESET", "peer resets the session: " + m.reason);
        return Status::ok();
      }
      case messages::kMsgSwitchover: {
        ASSIGN_OR_RETURN(auto m, messages::decodeSwitchover(native));
        handler_.onSwitchover(m);
        return Status::ok();
      }
      case messages::kMsgCheckpointAck: {
        ASSIGN_OR_RETURN(auto m, messages::decodeCheckpointAck(native));
        last_ack_progress_ns_ = loop_.clock().nowNs();
        std::shared_ptr<bool> alive = alive_;
        while (!pending_.empty() && pending_.front().number <= m.transactions) {
          Done done = std::move(pending_.front().done);
          pending_.pop_front();
          ++stats_.transactions_acked;
          done(true);
          if (!*alive) return Status::ok();
        }
        handler_.onAcknowledged();
        return Status::ok();
      }
      default:
        break;
    }
  }
  return handleDataFrame(frame, native, version);
}

Status CheckpointChannel::handleDataFrame(const wire::Frame& frame, wire::ByteView payload,
                                          issu::MessageVersion version) {
  const auto& h = frame.header;
  RETURN_IF_ERROR(handler_.onMessage(h.client_id, h.msg_type, payload, version));
  if ((h.flags & wire::kFlagEndOfTransaction) == 0) return Status::ok();
  RETURN_IF_ERROR(handler_.onTransaction());
  ++applied_;
  ++stats_.transactions_applied;
  return Status::ok();
}

void CheckpointChannel::onHeartbeatTimer() {
  if (!isOpen()) return;
  int64_t now = loop_.clock().nowNs();
  int64_t silent_ms = (now - last_rx_ns_) / 1000000;
  if (silent_ms > options_.heartbeat_interval_ms * options_.heartbeat_threshold) {
    // Read what is already queued (a reset, heartbeats, an EOF) before calling the peer silent.
    std::shared_ptr<bool> alive = alive_;
    conn_->pollInput();
    if (!*alive || !isOpen()) return;
    silent_ms = (loop_.clock().nowNs() - last_rx_ns_) / 1000000;
  }
  if (silent_ms > options_.heartbeat_interval_ms * options_.heartbeat_threshold) {
    resetSession("peer missed " + std::to_string(options_.heartbeat_threshold) + " heartbeats (" +
                 std::to_string(silent_ms) + " ms silent)");
    return;
  }
  if (!pending_.empty()) {
    int64_t stalled_ms = (now - last_ack_progress_ns_) / 1000000;
    if (stalled_ms > options_.ack_timeout_ms) {
      close("peer acknowledged nothing for " + std::to_string(stalled_ms) + " ms with " +
            std::to_string(pending_.size()) + " transactions pending (oldest " +
            std::to_string(pending_.front().number) + ")");
      return;
    }
  }
  std::string payload;
  messages::encodeHeartbeat({++heartbeat_seq_, static_cast<uint64_t>(now)}, &payload);
  appendControl(kClientRf, messages::kMsgHeartbeat, payload);
}

void CheckpointChannel::close(const std::string& reason) {
  peer_alive_ = true;  // we chose to close: the peer did not fail
  resetSession(reason);
}

void CheckpointChannel::resetSession(const std::string& reason) {
  // Tell the peer first, even a silent one: it may be alive but slow, and must not mistake our
  // close for our death.
  if (conn_ && conn_->isOpen()) {
    std::string payload;
    messages::encodeSessionReset({reason}, &payload);
    appendControl(kClientRf, messages::kMsgSessionReset, payload);
    conn_->close(reason);  // calls finish() with peer_alive_ as it stands
  } else {
    finish(reason);
  }
}

void CheckpointChannel::finish(const std::string& reason) {
  if (closing_) return;
  closing_ = true;
  if (heartbeat_timer_ != 0) loop_.cancelTimer(heartbeat_timer_);
  heartbeat_timer_ = 0;
  std::shared_ptr<bool> alive = alive_;
  auto pending = std::move(pending_);
  pending_.clear();
  for (auto& p : pending) {
    p.done(false);
    if (!*alive) return;
  }
  handler_.onClosed(reason, peer_alive_);
}

int64_t CheckpointChannel::oldestUnackedAgeNs() const {
  return pending_.empty() ? 0
                          : std::max<int64_t>(0, loop_.clock().nowNs() - pending_.front().sent_ns);
}

}  // namespace hitless::checkpoint
