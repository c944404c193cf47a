#include "fib/fib_server.h"

#include <algorithm>
#include <cstdlib>
#include <optional>

#include <nlohmann/json.hpp>

#include "base/file_util.h"
#include "base/log.h"
#include "event/unix_socket.h"
#include "messages/rib_messages.h"
#include "messages/wire_numbers.h"
#include "wire/frame.h"

namespace hitless::fib {

using messages::kClientFib;
using messages::kClientRib;

namespace {

// One route frame of a batch: a route update or a withdraw, at a version this release knows.
Result<state::RibChange> decodeBatchFrame(const issu::MessageCatalog& catalog, uint16_t client,
                                          uint16_t type, uint16_t version,
                                          std::string_view payload) {
  const issu::MessageTypeSpec* spec = catalog.findMessage(client, type);
  if (spec != nullptr && (version < spec->min_version || version > spec->max_version)) {
    return Status::invalidArgument(
        "client " + std::to_string(client) + " type " + std::to_string(type) + " version " +
        std::to_string(version) + " is not known to this fwdd (it reads " +
        std::to_string(spec->min_version) + ".." + std::to_string(spec->max_version) + ")");
  }
  if (client == kClientRib && type == messages::kMsgRouteUpdate && spec != nullptr) {
    ASSIGN_OR_RETURN(net::Route route, messages::decodeRouteUpdate(payload, version));
    return state::RibChange{state::RibChange::kUpsert, std::move(route)};
  }
  if (client == kClientRib && type == messages::kMsgRouteWithdraw && spec != nullptr) {
    ASSIGN_OR_RETURN(auto w, messages::decodeRouteWithdraw(payload));
    state::RibChange c{state::RibChange::kWithdraw, {}};
    c.route.prefix = w.prefix;
    return c;
  }
  return Status::invalidArgument("unknown message on the FIB channel: client " +
                                 std::to_string(client) + " type " + std::to_string(type) +
                                 " version " + std::to_string(version));
}

}  // namespace

struct FibServer::Session {
  uint64_t id = 0;
  std::unique_ptr<event::Connection> conn;
  bool hello_seen = false;
  int slot = -1;
  uint64_t epoch = 0;
  std::vector<state::RibChange> batch;
  std::string batch_error;  // first reason the current batch is refused
  std::string software;     // the rpd's
  std::optional<issu::NegotiationResult> negotiation;
  bool waiting_for_sweep = false;  // its replay-end reply waits: its further input too
  bool more_input_scheduled = false;
};

FibServer::FibServer(event::EventLoop& loop, FibAgent& agent, FibServerOptions options)
    : loop_(loop),
      agent_(agent),
      options_(std::move(options)),
      catalog_(*messages::buildFibCatalog(messages::FibEnd::kFwdd, options_.release)) {}

FibServer::~FibServer() {
  *alive_ = false;
  if (stale_timer_) loop_.cancelTimer(stale_timer_);
  if (listen_fd_.valid()) loop_.removeFd(listen_fd_.get());
}

Status FibServer::listen() {
  if (listen_fd_.valid()) return Status::ok();
  ASSIGN_OR_RETURN(listen_fd_, event::listenUnix(options_.socket_path, 0600));
  return Status::ok();
}

Status FibServer::start() {
  if (!options_.state_dir.empty()) {
    auto text = readFile(options_.state_dir + "/fib-epoch");
    if (text.isOk()) epoch_ = std::strtoull(text->c_str(), nullptr, 10);
  }
  RETURN_IF_ERROR(listen());
  RETURN_IF_ERROR(loop_.addFd(listen_fd_.get(), EPOLLIN, [this](uint32_t) { onAccept(); }));
  if (agent_.staleCount() > 0) startStaleTimer();
  return Status::ok();
}

void FibServer::onAccept() {
  while (true) {
    auto fd = event::acceptUnix(listen_fd_.get());
    if (!fd.isOk()) return;
    auto session = std::make_unique<Session>();
    Session* s = session.get();
    s->id = next_session_++;
    uint64_t id = s->id;
    s->conn = std::make_unique<event::Connection>(
        loop_, std::move(*fd),
        event::Connection::Handlers{[this, s](std::string_view in) { onData(*s, in); },
                                    [this, id](const std::string& reason) {
                                      if (id == writer_) {
                                        writer_ = 0;
                                        logEvent("FIB", Severity::kWarning, "WRITER_GONE",
                                                 "the active RP's session ended (" + reason +
                                                     "); the FIB keeps forwarding as it is");
                                      }
                                      // Destroy later: we are inside the connection's callback.
                                      loop_.addTimer(0, [this, id] { sessions_.erase(id); });
                                    },
                                    nullptr});
    sessions_[id] = std::move(session);
  }
}

void FibServer::closeSession(uint64_t id, const std::string& reason) {
  auto it = sessions_.find(id);
  if (it == sessions_.end() || !it->second->conn->isOpen()) return;
  it->second->conn->close(reason);
}

void FibServer::reply(Session& s, uint16_t type, issu::MessageVersion version,
                      const std::string& payload) {
  std::string frame;
  wire::appendFrame(&frame, kClientFib, type, version, payload);
  s.conn->send(frame);
}

void FibServer::onData(Session& s, std::string_view input) {
  if (s.waiting_for_sweep) return;  // left unconsumed: delivered again when the sweep is over
  size_t used = 0;
  std::shared_ptr<bool> alive = alive_;
  uint64_t id = s.id;
  while (used < input.size()) {
    auto frame = wire::parseFrame(input.substr(used));
    if (!frame.isOk()) {
      // Framing is lost: nothing after this point can be trusted. Say why, then hang up.
      std::string why = "garbled FIB stream: " + frame.status().message();
      logEvent("FIB", Severity::kError, "BAD_STREAM", why);
      last_error_ = why;
      ++batches_refused_;
      messages::FibCommitReply r;
      r.error = why;
      sendCommitReply(s, r);
      s.conn->close(why);
      return;
    }
    if (!frame->has_value()) break;
    const wire::Frame& f = **frame;
    size_t len = wire::kFrameHeaderSize + f.header.payload_length;
    bool open = onFrame(s, f.header.client_id, f.header.msg_type, f.header.version, f.payload);
    if (!*alive || !sessions_.count(id) || !open || !s.conn->isOpen()) return;
    used += len;
    if (s.waiting_for_sweep) break;
    if (f.header.client_id == kClientFib && f.header.msg_type == messages::kMsgFibCommit &&
        used < input.size() && loop_.turnBudgetSpent()) {
      scheduleMoreInput(s);
      break;
    }
  }
  s.conn->consume(used);
}

void FibServer::scheduleMoreInput(Session& s) {
  if (s.more_input_scheduled) return;
  s.more_input_scheduled = true;
  loop_.addTimer(0, [this, alive = alive_, id = s.id] {
    if (!*alive) return;
    auto it = sessions_.find(id);
    if (it == sessions_.end()) return;
    Session& session = *it->second;
    session.more_input_scheduled = false;
    // Run in the turn that scheduled it when that turn has budget left, else in the next.
    if (loop_.turnBudgetSpent()) return scheduleMoreInput(session);
    if (session.conn->isOpen() && !session.waiting_for_sweep) session.conn->redeliver();
  });
}

bool FibServer::onFrame(Session& s, uint16_t client, uint16_t type, uint16_t version,
                        std::string_view payload) {
  if (!s.hello_seen) {
    if (client == kClientFib && type == messages::kMsgFibHello) {
      onHello(s, payload);
      return s.conn->isOpen();
    }
    messages::FibHelloReply r;
    r.reason = "expected a FIB hello first, got client " + std::to_string(client) + " type " +
               std::to_string(type);
    sendHelloReply(s, r);
    logEvent("FIB", Severity::kError, "BAD_HELLO", r.reason);
    s.conn->close(r.reason);
    return false;
  }
  if (s.id != writer_) return true;  // refused or superseded: its bytes are ignored
  if (client == kClientFib && type == messages::kMsgFibCommit) {
    onCommit(s, payload);
    return s.conn->isOpen();
  }
  if (!s.batch_error.empty()) return true;  // this batch is refused already; skip to its commit
  auto change =
      s.batch.size() >= options_.max_batch_routes
          ? Result<state::RibChange>(Status::invalidArgument(
                "batch has more than " + std::to_string(options_.max_batch_routes) + " routes"))
          : decodeBatchFrame(catalog_, client, type, version, payload);
  if (!change.isOk()) {
    s.batch_error = change.status().message();
    s.batch.clear();
    return true;
  }
  s.batch.push_back(std::move(*change));
  return true;
}

void FibServer::onHello(Session& s, std::string_view payload) {
  messages::FibHelloReply r;
  auto hello = messages::decodeFibHello(payload);
  if (!hello.isOk()) {
    r.reason = hello.status().message();
  } else if (hello->epoch < epoch_) {
    r.reason = "stale epoch " + std::to_string(hello->epoch) + ": slot " +
               std::to_string(writer_slot_) + " is active at epoch " + std::to_string(epoch_);
  } else if (hello->epoch == epoch_ && writer_ != 0 && writer_slot_ != hello->slot) {
    r.reason = "slot " + std::to_string(writer_slot_) + " is already active at epoch " +
               std::to_string(epoch_) + " (two actives at one epoch: refused)";
  } else {
    const issu::MessageSet peer =
        hello->message_set.clients.empty() ? messages::legacyFibMessageSet() : hello->message_set;
    s.negotiation = issu::negotiate(catalog_.messageSet(), peer);
    if (s.negotiation->level == issu::Compatibility::kIncompatible) {
      r.reason = "incompatible FIB channel with " + hello->software_version + ":";
      for (const auto& c : s.negotiation->clients) {
        if (!c.compatible) r.reason += " " + c.name + " (" + c.reason + ")";
      }
    }
  }
  if (!r.reason.empty()) {
    ++hellos_refused_;
    sendHelloReply(s, r);
    logEvent("FIB", Severity::kError, "WRITER_REFUSED", r.reason);
    s.conn->close(r.reason);
    return;
  }
  s.hello_seen = true;
  s.slot = hello->slot;
  s.epoch = hello->epoch;
  s.software = hello->software_version;
  if (writer_ != 0 && writer_ != s.id) {
    uint64_t previous = writer_;
    writer_ = 0;
    closeSession(previous, "superseded by slot " + std::to_string(s.slot) + " at epoch " +
                               std::to_string(s.epoch));
  }
  writer_ = s.id;
  writer_slot_ = s.slot;
  if (hello->epoch != epoch_) {
    epoch_ = hello->epoch;
    persistEpoch();
  }
  if (sweep_) {
    // The sweep of the previous writer's replay stops: this writer's replay decides anew.
    logEvent("FIB", Severity::kNotice, "SWEEP_CANCELLED",
             sweep_->why + ": removed " + std::to_string(sweep_->removed) + " of " +
                 std::to_string(sweep_->stale_at_start) + " stale routes before slot " +
                 std::to_string(s.slot) + " started its replay");
    sweep_.reset();
  }
  agent_.reserve(std::min<uint64_t>(hello->routes, options_.max_batch_routes * 16));
  agent_.markAllStale();
  replaying_ = true;
  replay_started_ns_ = loop_.clock().nowNs();
  startStaleTimer();
  logEvent("FIB", Severity::kNotice, "WRITER_ACCEPTED",
           "slot " + std::to_string(s.slot) + " (" + hello->software_version +
               ") writes the FIB at epoch " + std::to_string(epoch_) + "; " +
               std::to_string(agent_.staleCount()) + " routes stale until its replay ends");
  r.accepted = true;
  sendHelloReply(s, r);
}

void FibServer::sendHelloReply(Session& s, messages::FibHelloReply r) {
  r.epoch = epoch_;
  r.routes = agent_.size();
  r.stale = agent_.staleCount();
  r.software_version = options_.software_version;
  r.message_set = catalog_.messageSet();
  std::string out;
  messages::encodeFibHelloReply(r, &out);
  reply(s, messages::kMsgFibHelloReply, 1, out);
}

void FibServer::sendCommitReply(Session& s, const messages::FibCommitReply& r) {
  const issu::MessageTypeSpec* spec =
      catalog_.findMessage(kClientFib, messages::kMsgFibCommitReply);
  issu::MessageVersion version = 1;
  if (s.negotiation) {
    version = s.negotiation->versionFor(kClientFib, messages::kMsgFibCommitReply).value_or(1);
  }
  std::string native;
  messages::encodeFibCommitReply(r, spec->max_version, &native);
  if (version == spec->max_version) {
    reply(s, messages::kMsgFibCommitReply, version, native);
    return;
  }
  auto converted = catalog_.convert(kClientFib, messages::kMsgFibCommitReply, native,
                                    spec->max_version, version);
  if (!converted.isOk()) {  // our own transform of our own bytes: a broken build
    logEvent("FIB", Severity::kCritical, "TRANSFORM_FAILED", converted.status().message());
    s.conn->close("cannot write a commit reply at v" + std::to_string(version));
    return;
  }
  reply(s, messages::kMsgFibCommitReply, version, *converted);
}

void FibServer::onCommit(Session& s, std::string_view payload) {
  messages::FibCommitReply r;
  auto commit = messages::decodeFibCommit(payload);
  if (!commit.isOk()) {
    r.error = commit.status().message();
  } else {
    r.sequence = commit->sequence;
    r.error = s.batch_error;
  }
  if (!r.error.empty()) {
    ++batches_refused_;
    last_error_ = "batch " + std::to_string(r.sequence) + " refused: " + r.error;
    logEvent("FIB", Severity::kError, "BATCH_REFUSED", last_error_ + " (nothing of it applied)");
  } else {
    ++batches_;
    const int64_t apply_start = loop_.clock().nowNs();
    FibOutcome o = agent_.apply(s.batch);
    r.apply_us = static_cast<uint64_t>(loop_.clock().nowNs() - apply_start) / 1000;
    r.written = o.written;
    r.unchanged = o.unchanged;
    r.route_errors = std::move(o.route_errors);
    if (!o.status.isOk()) {
      r.error = "kernel: " + o.status.message();
      last_error_ = r.error;
      logEvent("FIB", Severity::kError, "KERNEL_WRITE_FAILED", r.error);
    }
    route_errors_ += r.route_errors.size();
    if (!r.route_errors.empty()) {
      last_error_ = r.route_errors.front().prefix.toString() + ": " + r.route_errors.front().error;
      logEvent("FIB", Severity::kError, "ROUTE_REFUSED",
               std::to_string(r.route_errors.size()) + " routes of batch " +
                   std::to_string(r.sequence) + " refused by the kernel, first " + last_error_);
    }
    if (commit->replay_end) {
      s.batch.clear();
      s.batch_error.clear();
      sweep("the replay ended", &s, std::move(r));  // replies when it is over
      return;
    }
  }
  s.batch.clear();
  s.batch_error.clear();
  sendCommitReply(s, r);
}

void FibServer::startStaleTimer() {
  if (stale_timer_) loop_.cancelTimer(stale_timer_);
  std::shared_ptr<bool> alive = alive_;
  stale_timer_ = loop_.addTimer(options_.stale_timeout_ms, [this, alive] {
    if (!*alive) return;
    stale_timer_ = 0;
    sweep("no replay ended within " + std::to_string(options_.stale_timeout_ms) + " ms");
  });
}

void FibServer::sweep(const std::string& why, Session* writer, messages::FibCommitReply reply) {
  if (stale_timer_) {
    loop_.cancelTimer(stale_timer_);
    stale_timer_ = 0;
  }
  if (replaying_) last_replay_ms_ = (loop_.clock().nowNs() - replay_started_ns_) / 1'000'000;
  replaying_ = false;
  Sweep sw;
  sw.why = why;
  sw.reply = std::move(reply);
  sw.stale_at_start = agent_.staleCount();
  sw.started_ns = loop_.clock().nowNs();
  if (writer != nullptr) {
    sw.session = writer->id;
    writer->waiting_for_sweep = true;
  }
  sweep_ = std::move(sw);
  ++sweep_generation_;
  scheduleSweepSlice();  // not here: this turn has applied a batch already
}

void FibServer::scheduleSweepSlice() {
  loop_.addTimer(0, [this, alive = alive_, generation = sweep_generation_] {
    if (*alive && sweep_ && generation == sweep_generation_) sweepSlice();
  });
}

void FibServer::sweepSlice() {
  FibOutcome o = agent_.sweepStale(kSweepSlice);
  sweep_->removed += o.removed;
  swept_total_ += o.removed;
  if (sweep_->failure.status.isOk() && sweep_->failure.route_errors.empty() &&
      (!o.status.isOk() || !o.route_errors.empty())) {
    sweep_->failure = std::move(o);
  }
  if (o.more) {
    scheduleSweepSlice();
  } else {
    finishSweep();
  }
}

void FibServer::finishSweep() {
  Sweep sw = std::move(*sweep_);
  sweep_.reset();
  last_sweep_ms_ = static_cast<double>(loop_.clock().nowNs() - sw.started_ns) / 1e6;
  ++sweeps_;
  const FibOutcome& f = sw.failure;
  if (!f.status.isOk() || !f.route_errors.empty()) {
    last_error_ = !f.status.isOk() ? f.status.message()
                                   : f.route_errors.front().prefix.toString() + ": " +
                                         f.route_errors.front().error;
    logEvent("FIB", Severity::kError, "SWEEP_FAILED", last_error_);
  }
  logEvent("FIB", Severity::kNotice, "STALE_SWEPT",
           sw.why + ": removed " + std::to_string(sw.removed) + " of " +
               std::to_string(sw.stale_at_start) + " stale routes; " +
               std::to_string(agent_.size()) + " routes installed");
  auto it = sw.session != 0 ? sessions_.find(sw.session) : sessions_.end();
  if (it == sessions_.end()) return;
  Session& s = *it->second;
  s.waiting_for_sweep = false;
  sw.reply.swept = sw.removed;
  sendCommitReply(s, sw.reply);
  if (s.conn->isOpen()) s.conn->redeliver();  // its input that waited
}

void FibServer::persistEpoch() {
  if (options_.state_dir.empty()) return;
  Status s = writeFileAtomic(options_.state_dir + "/fib-epoch", std::to_string(epoch_) + "\n");
  if (!s.isOk()) logEvent("FIB", Severity::kError, "EPOCH_PERSIST_FAILED", s.message());
}

nlohmann::json FibServer::status() const {
  nlohmann::json writer = nullptr;
  if (auto it = sessions_.find(writer_); it != sessions_.end() && it->second->negotiation) {
    const Session& w = *it->second;
    writer = {{"slot", w.slot},
              {"software", w.software},
              {"route_update_version",
               w.negotiation->versionFor(kClientRib, messages::kMsgRouteUpdate).value_or(0)},
              {"commit_reply_version",
               w.negotiation->versionFor(kClientFib, messages::kMsgFibCommitReply).value_or(0)}};
  }
  return {{"release", options_.release.toString()},
          {"software", options_.software_version},
          {"writer", std::move(writer)},
          {"routes", agent_.size()},
          {"stale", agent_.staleCount()},
          {"epoch", epoch_},
          {"writer_slot", writer_ != 0 ? writer_slot_ : -1},
          {"replaying", replaying_},
          {"sessions", sessions_.size()},
          {"batches", batches_},
          {"batches_refused", batches_refused_},
          {"hellos_refused", hellos_refused_},
          {"route_errors", route_errors_},
          {"kernel_writes", agent_.kernelWrites()},
          {"sweeps", sweeps_},
          {"swept", swept_total_},
          {"last_replay_ms", last_replay_ms_},
          {"last_sweep_ms", last_sweep_ms_},
          {"last_error", last_error_}};
}

}  // namespace hitless::fib
