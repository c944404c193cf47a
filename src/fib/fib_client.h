// FibClient: the active rpd's side of the FIB channel (docs/fib-channel.md).
//
// While this RP is active, the client keeps a session to fwdd: it says hello with the RP's
// switchover epoch, replays the whole RIB (walking it in bounded slices so the RP's event loop
// stays responsive, with the socket's output bounded), ends the replay, and from then on sends
// every RIB change as a batch. A broken session is re-established with a back-off and starts
// over with a replay, which is always safe: fwdd rewrites nothing that did not change.
//
// Changes made while a replay is walking the table are sent as their own batches as they
// happen; the walk sends current values, so fwdd converges whichever copy it applies last (the
// same argument as the checkpoint bulk sync).
//
// The hello carries this release's FIB-channel message set and the reply fwdd's (none: a fwdd
// from before FIB negotiation); routes go at the negotiated route-update version and replies are
// read through this release's transforms. An Incompatible fwdd is not written to (retried with
// back-off: it may be upgraded).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json_fwd.hpp>

#include "event/connection.h"
#include "event/event_loop.h"
#include "issu/message_catalog.h"
#include "issu/negotiation.h"
#include "messages/fib_messages.h"
#include "messages/release.h"
#include "state/rib.h"
#include "wire/frame.h"

namespace hitless::fib {

struct FibClientOptions {
  std::string socket_path;  // "" = no forwarding agent: the client does nothing
  uint8_t slot = 0;
  std::string software_version;
  messages::Release release = messages::knownReleases().back();  // this rpd's (its message set)
  size_t batch = 4096;                                           // routes per replay batch
  // While true (at most kMaxReplayWaitMs from the replay's start), the replay's walk waits: the
  // RP has more urgent work for the same CPU — a bulk sync making its standby hot. The routes
  // are in the kernel already; changes still go to fwdd at once.
  std::function<bool()> replay_waits = nullptr;
};

class FibClient {
 public:
  FibClient(event::EventLoop& loop, const state::Rib& rib, FibClientOptions options);
  ~FibClient();

  // This RP became active at `epoch`: connect and replay. Idempotent for the same epoch.
  void activate(uint64_t epoch);
  // This RP is no longer active: close the session, never write again until activated.
  void deactivate(const std::string& reason);
  // A change already applied to the RIB. Dropped when no session is up: the next session's
  // replay carries the current state anyway.
  void send(const state::RibDelta& delta);

  // The end of the replay, after which fwdd sweeps every route not replayed, waits while held.
  // After a cold takeover the RIB starts empty and refills as the routing protocols restart
  // (BGP graceful restart): fwdd keeps forwarding on its routes until the RP says they are back.
  // The walk and every change still go out as they come; release sends the end.
  void holdReplayEnd();
  void releaseReplayEnd(const std::string& why);
  bool replayEndHeld() const { return hold_replay_end_; }

  bool active() const { return active_; }
  // A session is accepted: send() reaches fwdd.
  bool connected() const { return accepted_ && conn_ && conn_->isOpen(); }
  nlohmann::json status() const;

 private:
  void connect();
  void scheduleReconnect();
  void onData(std::string_view input);
  void onClosed(const std::string& reason);
  void produceReplay();
  void scheduleReplay(int64_t after_ms);
  // A commit reply at whatever version fwdd wrote it, read at this release's.
  Result<messages::FibCommitReply> decodeCommitReply(const wire::Frame& f) const;
  void appendRoute(const net::Route& r);
  void commit(bool replay_end);

  event::EventLoop& loop_;
  const state::Rib& rib_;
  FibClientOptions options_;
  issu::MessageCatalog catalog_;  // this release's FIB-channel messages
  std::optional<issu::NegotiationResult> negotiation_;
  issu::MessageVersion route_version_ = 1;  // negotiated with the current fwdd
  std::string fwdd_software_;
  uint64_t last_apply_us_ = 0;  // fwdd's time for the last batch (v2 replies)
  std::unique_ptr<event::Connection> conn_;
  bool active_ = false;
  uint64_t epoch_ = 0;
  bool accepted_ = false;
  bool replaying_ = false;
  bool replay_scheduled_ = false;  // a produceReplay() is queued for the next loop turn
  bool hold_replay_end_ = false;
  bool replay_end_owed_ = false;  // this session's walk ended while the end was held
  size_t replay_next_ = 0, replay_end_ = 0;
  std::string out_;  // frames of the batch being built
  size_t batch_routes_ = 0;
  event::TimerId reconnect_timer_ = 0;
  int64_t reconnect_delay_ms_ = 20;
  // Figures for status().
  uint64_t next_sequence_ = 1, acked_sequence_ = 0, sessions_ = 0;
  uint64_t routes_sent_ = 0, route_errors_ = 0, batches_refused_ = 0, written_ = 0, unchanged_ = 0,
           swept_ = 0;
  int64_t replay_started_ns_ = 0, replay_done_ns_ = 0;
  uint64_t replay_end_sequence_ = 0;
  std::string last_error_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace hitless::fib
