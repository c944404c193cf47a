#include "fib/fib_client.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "base/log.h"
#include "event/unix_socket.h"
#include "messages/fib_catalog.h"
#include "messages/fib_messages.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "wire/frame.h"

namespace hitless::fib {

namespace {
constexpr int64_t kReplayBudgetNs = 5'000'000;  // per loop turn, like the bulk sync
constexpr size_t kHighWatermark = 4u << 20;
// A replay waiting for the RP's more urgent work looks again every 2 ms, for at most 5 s.
constexpr int64_t kReplayWaitPollMs = 2, kMaxReplayWaitMs = 5000;
constexpr int64_t kMaxReconnectDelayMs = 1000;
}  // namespace

FibClient::FibClient(event::EventLoop& loop, const state::Rib& rib, FibClientOptions options)
    : loop_(loop),
      rib_(rib),
      options_(std::move(options)),
      catalog_(*messages::buildFibCatalog(messages::FibEnd::kRpd, options_.release)) {}

FibClient::~FibClient() {
  *alive_ = false;
  if (reconnect_timer_) loop_.cancelTimer(reconnect_timer_);
}

void FibClient::activate(uint64_t epoch) {
  if (options_.socket_path.empty()) return;
  if (active_ && epoch == epoch_) return;
  if (conn_) conn_->close("re-activated at epoch " + std::to_string(epoch));
  active_ = true;
  epoch_ = epoch;
  reconnect_delay_ms_ = 20;
  connect();
}

void FibClient::deactivate(const std::string& reason) {
  if (!active_) return;
  active_ = false;
  if (reconnect_timer_) {
    loop_.cancelTimer(reconnect_timer_);
    reconnect_timer_ = 0;
  }
  if (conn_) conn_->close(reason);
}

void FibClient::holdReplayEnd() { hold_replay_end_ = true; }

void FibClient::releaseReplayEnd(const std::string& why) {
  if (!hold_replay_end_) return;
  hold_replay_end_ = false;
  if (!replay_end_owed_ || !connected()) return;  // a replay still walking ends by itself
  replay_end_owed_ = false;
  logEvent("FIB", Severity::kNotice, "FIB_REPLAY_END",
           why + ": ending the replay; fwdd removes the routes nobody re-announced");
  commit(true);
}

void FibClient::connect() {
  reconnect_timer_ = 0;
  if (!active_) return;
  auto fd = event::connectUnix(options_.socket_path);
  if (!fd.isOk()) {
    if (last_error_ != fd.status().message()) {
      logEvent("FIB", Severity::kWarning, "FWDD_UNREACHABLE", fd.status().message());
    }
    last_error_ = fd.status().message();
    scheduleReconnect();
    return;
  }
  accepted_ = false;
  replaying_ = false;
  out_.clear();
  batch_routes_ = 0;
  conn_ = std::make_unique<event::Connection>(
      loop_, std::move(*fd),
      event::Connection::Handlers{[this](std::string_view in) { onData(in); },
                                  [this](const std::string& reason) { onClosed(reason); },
                                  [this] {
                                    if (!replay_scheduled_) produceReplay();
                                  }});
  conn_->setLowWatermark(kHighWatermark / 4);
  messages::FibHello hello{options_.slot, epoch_, options_.software_version, rib_.size(),
                           catalog_.messageSet()};
  std::string payload, frame;
  messages::encodeFibHello(hello, &payload);
  wire::appendFrame(&frame, messages::kClientFib, messages::kMsgFibHello, 1, payload);
  conn_->send(frame);
}

void FibClient::scheduleReconnect() {
  if (!active_ || reconnect_timer_) return;
  std::shared_ptr<bool> alive = alive_;
  reconnect_timer_ = loop_.addTimer(reconnect_delay_ms_, [this, alive] {
    if (*alive) connect();
  });
  reconnect_delay_ms_ = std::min(kMaxReconnectDelayMs, reconnect_delay_ms_ * 2);
}

void FibClient::onClosed(const std::string& reason) {
  if (accepted_) {
    logEvent("FIB", Severity::kWarning, "FWDD_SESSION_DOWN", "FIB session ended: " + reason);
  }
  accepted_ = false;
  replaying_ = false;
  // Destroy later: we are inside the connection's own callback.
  std::shared_ptr<event::Connection> dying(conn_.release());
  loop_.addTimer(0, [dying] {});
  scheduleReconnect();
}

void FibClient::onData(std::string_view input) {
  size_t used = 0;
  std::shared_ptr<bool> alive = alive_;
  while (used < input.size()) {
    auto frame = wire::parseFrame(input.substr(used));
    if (!frame.isOk()) {
      last_error_ = "garbled reply from fwdd: " + frame.status().message();
      conn_->close(last_error_);
      return;
    }
    if (!frame->has_value()) break;
    const wire::Frame& f = **frame;
    used += wire::kFrameHeaderSize + f.header.payload_length;
    if (f.header.client_id != messages::kClientFib) continue;
    if (f.header.msg_type == messages::kMsgFibHelloReply) {
      auto r = messages::decodeFibHelloReply(f.payload);
      if (!r.isOk() || !r->accepted) {
        last_error_ = r.isOk() ? "fwdd refused this RP: " + r->reason : r.status().message();
        logEvent("FIB", Severity::kCritical, "FWDD_REFUSED", last_error_);
        return;  // fwdd closes the session; we retry with back-off
      }
      const issu::MessageSet peer =
          r->message_set.clients.empty() ? messages::legacyFibMessageSet() : r->message_set;
      negotiation_ = issu::negotiate(catalog_.messageSet(), peer);
      auto route_version =
          negotiation_->versionFor(messages::kClientRib, messages::kMsgRouteUpdate);
      if (negotiation_->level == issu::Compatibility::kIncompatible || !route_version) {
        last_error_ = "fwdd " + r->software_version + " cannot read what this RP writes:";
        for (const auto& c : negotiation_->clients) {
          if (!c.compatible) last_error_ += " " + c.name + " (" + c.reason + ")";
        }
        logEvent("FIB", Severity::kCritical, "FWDD_INCOMPATIBLE", last_error_);
        conn_->close(last_error_);
        return;
      }
      route_version_ = *route_version;
      fwdd_software_ = r->software_version;
      accepted_ = true;
      ++sessions_;
      reconnect_delay_ms_ = 20;
      last_error_.clear();
      replaying_ = true;
      replay_end_owed_ = false;
      replay_next_ = 0;
      replay_end_ = rib_.positions();
      replay_started_ns_ = loop_.clock().nowNs();
      replay_done_ns_ = 0;
      logEvent("FIB", Severity::kNotice, "FWDD_SESSION_UP",
               "writing the FIB at epoch " + std::to_string(epoch_) + "; fwdd holds " +
                   std::to_string(r->routes) + " routes; replaying " + std::to_string(rib_.size()));
      produceReplay();
      if (!*alive || !conn_) return;
    } else if (f.header.msg_type == messages::kMsgFibCommitReply) {
      auto r = decodeCommitReply(f);
      if (!r.isOk()) {
        last_error_ = r.status().message();
        continue;
      }
      acked_sequence_ = std::max(acked_sequence_, r->sequence);
      written_ += r->written;
      unchanged_ += r->unchanged;
      swept_ += r->swept;
      if (r->apply_us != 0) last_apply_us_ = r->apply_us;
      route_errors_ += r->route_errors.size();
      if (!r->error.empty()) {
        ++batches_refused_;
        last_error_ = "fwdd refused batch " + std::to_string(r->sequence) + ": " + r->error;
        logEvent("FIB", Severity::kError, "FIB_BATCH_REFUSED", last_error_);
      } else if (!r->route_errors.empty()) {
        last_error_ =
            r->route_errors.front().prefix.toString() + ": " + r->route_errors.front().error;
      }
      if (r->sequence == replay_end_sequence_ && replay_done_ns_ == 0) {
        replay_done_ns_ = loop_.clock().nowNs();
        logEvent("FIB", Severity::kNotice, "FIB_REPLAY_DONE",
                 "replay acknowledged in " +
                     std::to_string((replay_done_ns_ - replay_started_ns_) / 1'000'000) +
                     " ms; fwdd swept " + std::to_string(r->swept) + " stale routes");
      }
    }
  }
  if (conn_) conn_->consume(used);
}

Result<messages::FibCommitReply> FibClient::decodeCommitReply(const wire::Frame& f) const {
  const issu::MessageTypeSpec* spec =
      catalog_.findMessage(messages::kClientFib, messages::kMsgFibCommitReply);
  if (f.header.version == spec->max_version) return messages::decodeFibCommitReply(f.payload);
  ASSIGN_OR_RETURN(std::string native,
                   catalog_.convert(messages::kClientFib, messages::kMsgFibCommitReply, f.payload,
                                    f.header.version, spec->max_version));
  return messages::decodeFibCommitReply(native);
}

void FibClient::appendRoute(const net::Route& r) {
  // Written directly at the negotiated version (every release's encoder writes each version it
  // has; transforming the native bytes would give the same).
  std::string payload;
  messages::encodeRouteUpdate(r, route_version_, &payload);
  wire::appendFrame(&out_, messages::kClientRib, messages::kMsgRouteUpdate, route_version_,
                    payload);
  ++batch_routes_;
}

void FibClient::commit(bool replay_end) {
  messages::FibCommit c{next_sequence_++, replay_end};
  if (replay_end) replay_end_sequence_ = c.sequence;
  std::string payload;
  messages::encodeFibCommit(c, &payload);
  wire::appendFrame(&out_, messages::kClientFib, messages::kMsgFibCommit, 1, payload);
  routes_sent_ += batch_routes_;
  batch_routes_ = 0;
  conn_->sendOwned(std::move(out_));
  out_.clear();
}

void FibClient::produceReplay() {
  if (!replaying_ || !conn_ || !conn_->isOpen()) return;
  const int64_t now = loop_.clock().nowNs();
  if (options_.replay_waits && now - replay_started_ns_ < kMaxReplayWaitMs * 1'000'000 &&
      options_.replay_waits()) {
    scheduleReplay(kReplayWaitPollMs);
    return;
  }
  const int64_t budget_end = now + kReplayBudgetNs;
  while (loop_.clock().nowNs() < budget_end) {
    if (conn_->pendingBytes() >= kHighWatermark) return;  // resumed by on_drained
    while (replay_next_ < replay_end_ && batch_routes_ < options_.batch) {
      if (replay_next_ < rib_.positions()) {
        if (const net::Route* r = rib_.atPosition(replay_next_)) appendRoute(*r);
      }
      ++replay_next_;
    }
    bool last = replay_next_ >= replay_end_;
    commit(last && !hold_replay_end_);
    if (!conn_ || !conn_->isOpen()) return;
    if (last) {
      replaying_ = false;
      replay_end_owed_ = hold_replay_end_;
      return;
    }
  }
  scheduleReplay(0);
}

void FibClient::scheduleReplay(int64_t after_ms) {
  std::shared_ptr<bool> alive = alive_;
  replay_scheduled_ = true;
  loop_.addTimer(after_ms, [this, alive] {
    if (!*alive) return;
    replay_scheduled_ = false;
    produceReplay();
  });
}

void FibClient::send(const state::RibDelta& delta) {
  if (!accepted_ || !conn_ || !conn_->isOpen() || delta.empty()) return;
  // A batch being built by the replay is flushed first so batches never interleave.
  if (batch_routes_ > 0) commit(false);
  for (const auto& c : delta.changes) {
    if (c.op == state::RibChange::kUpsert) {
      appendRoute(c.route);
    } else {
      std::string payload;
      messages::encodeRouteWithdraw({c.route.prefix}, &payload);
      wire::appendFrame(&out_, messages::kClientRib, messages::kMsgRouteWithdraw, 1, payload);
      ++batch_routes_;
    }
    if (batch_routes_ >= options_.batch) commit(false);
  }
  if (batch_routes_ > 0) commit(false);
}

nlohmann::json FibClient::status() const {
  int64_t replay_ms = replay_done_ns_ ? (replay_done_ns_ - replay_started_ns_) / 1'000'000 : -1;
  return {{"socket", options_.socket_path},
          {"active", active_},
          {"connected", accepted_},
          {"epoch", epoch_},
          {"replaying", replaying_},
          {"replay_end_held", hold_replay_end_},
          {"replay_ms", replay_ms},
          {"sessions", sessions_},
          {"sent_sequence", next_sequence_ - 1},
          {"acked_sequence", acked_sequence_},
          {"routes_sent", routes_sent_},
          {"kernel_writes", written_},
          {"unchanged", unchanged_},
          {"swept", swept_},
          {"route_errors", route_errors_},
          {"batches_refused", batches_refused_},
          {"fwdd_software", fwdd_software_},
          {"route_update_version", negotiation_ ? route_version_ : 0},
          {"last_apply_us", last_apply_us_},
          {"last_error", last_error_}};
}

}  // namespace hitless::fib
